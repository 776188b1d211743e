package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
)

const (
	secretA = "bí-mật-vpcp-0123456789"
	secretB = "bí-mật-nghệ-an-0123456789"
	agencyA = "000.00.00.G22"
	agencyB = "000.00.00.H41"
)

// writeSystems writes a systems file with two systems, B's secret in a
// file of its own.
func writeSystems(t *testing.T, dir string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "b.secret"), []byte(secretB+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	js := `{"systems": [
	  {"id": "vpcp", "secret": "` + secretA + `", "agency": "` + agencyA + `", "name": "Văn phòng Chính phủ"},
	  {"id": "vpubnd-nghean", "secretFile": "b.secret", "agency": "` + agencyB + `", "name": "Văn phòng UBND tỉnh Nghệ An", "mailboxes": ["lanhdao", "vanthu"]}
	]}`
	p := filepath.Join(dir, "systems.json")
	if err := os.WriteFile(p, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeCert writes a self-signed certificate for 127.0.0.1 and returns
// the files and a pool trusting it.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "axisd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func edoc(from, to, number string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXML xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLEnvelope><edXML:edXMLHeader>
<edXML:MessageHeader><edXML:From><edXML:OrganId>` + from + `</edXML:OrganId></edXML:From>
<edXML:To><edXML:OrganId>` + to + `</edXML:OrganId></edXML:To>
<edXML:DocumentId>` + from + `,2026/11/26,` + number + `/VPCP</edXML:DocumentId><edXML:Subject>Thử axisd</edXML:Subject>
</edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML:edXML>`)
}

// lockedBuffer is a concurrency-safe stderr sink.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// daemon is a running axisd process.
type daemon struct {
	cmd    *exec.Cmd
	addr   string
	stderr *lockedBuffer
	exited chan error
}

// start runs the binary with args and waits for its "listening" log line.
func start(t *testing.T, bin string, args ...string) *daemon {
	t.Helper()
	cmd := exec.Command(bin, args...)
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, stderr: &lockedBuffer{}, exited: make(chan error, 1)}
	go func() { d.exited <- cmd.Wait(); _ = pw.Close() }()
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Bytes()
			_, _ = d.stderr.Write(append(line, '\n'))
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
				addrc <- rec.Addr
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			if err := <-d.exited; err != nil {
				t.Logf("axisd killed: %v", err)
			}
		}
	})
	select {
	case d.addr = <-addrc:
	case err := <-d.exited:
		t.Fatalf("axisd exited before listening: %v\n%s", err, d.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("axisd did not start listening\n%s", d.stderr)
	}
	return d
}

// stop sends sig and checks that axisd exits cleanly.
func (d *daemon) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.exited:
		if err != nil {
			t.Errorf("axisd exited with %v after %v\n%s", err, sig, d.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("axisd did not stop on %v", sig)
	}
	if !strings.Contains(d.stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no stopped record in the log:\n%s", d.stderr)
	}
}

func buildAxisd(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build axisd")
	}
	bin := filepath.Join(t.TempDir(), "axisd")
	cmd := exec.Command(gobin, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestProcess runs axisd as a real process over HTTPS: health, one packet
// from A to B, SIGTERM; then again without the systems file, serving the
// systems sealed in the database, and SIGINT.
func TestProcess(t *testing.T) {
	bin := buildAxisd(t)
	dir := t.TempDir()
	systems := writeSystems(t, dir)
	certFile, keyFile, pool := writeCert(t, dir)
	db, key := filepath.Join(dir, "axis.db"), filepath.Join(dir, "axis.key")
	common := []string{"--listen", "127.0.0.1:0", "--db", db, "--secret-key", key, "--tls-cert", certFile, "--tls-key", keyFile}
	ctx := t.Context()

	d := start(t, bin, append(common, "--systems", systems)...)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+d.addr+"/healthz", nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"OK"`) {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	client := func(id, secret string) *axis.Client {
		tr, err := axis.NewVXP("https://"+d.addr, axis.Credentials{SystemID: id, Secret: []byte(secret)}, axis.VXPOptions{CA: pool})
		if err != nil {
			t.Fatal(err)
		}
		return axis.NewClient(tr, axis.ClientOptions{Retries: -1})
	}
	doc := edoc(agencyA, agencyB, "1")
	if _, err := client("vpcp", secretA).Send(ctx, axis.MessageEdoc, agencyA, nil, bytes.NewReader(doc), -1); err != nil {
		t.Fatalf("send: %v", err)
	}
	if n, err := client("vpubnd-nghean", secretB).CountReceived(ctx, axis.MessageEdoc); err != nil || n != 1 {
		t.Fatalf("B's count: %d %v", n, err)
	}
	d.stop(t, syscall.SIGTERM)
	if info, err := os.Stat(key); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the server key file: %v %v", info, err)
	}

	d = start(t, bin, common...)
	b := client("vpubnd-nghean", secretB)
	list, err := b.ReceivedList(ctx, axis.MessageEdoc)
	if err != nil || len(list) != 1 {
		t.Fatalf("B's list after the restart: %v %v", list, err)
	}
	got, err := b.Get(ctx, list[0].DocID)
	if err != nil || !bytes.Equal(got, doc) {
		t.Errorf("B's packet after the restart: %v", err)
	}
	d.stop(t, syscall.SIGINT)

	logs := d.stderr.String()
	for _, s := range []string{secretA, secretB} {
		if strings.Contains(logs, s) {
			t.Error("the log holds a secret")
		}
	}
	raw, _ := os.ReadFile(db)
	wal, _ := os.ReadFile(db + "-wal")
	for _, s := range []string{secretA, secretB} {
		if bytes.Contains(raw, []byte(s)) || bytes.Contains(wal, []byte(s)) {
			t.Error("the database holds a plain secret")
		}
	}
}

// TestRunInProcess starts and stops the server through run, as main does.
func TestRunInProcess(t *testing.T) {
	dir := t.TempDir()
	systems := writeSystems(t, dir)
	ctx, cancel := context.WithCancel(t.Context())
	stderr := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--db", filepath.Join(dir, "axis.db"), "--systems", systems,
			"--sdk-compat", "--faults", "dup=0.5,seed=3", "--rate", "50", "--log-level", "debug"}, stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), `"msg":"listening"`) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d\n%s", code, stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	for _, want := range []string{"sdk compatibility", "fault injection is on", `"msg":"stopped"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("no %q in the log:\n%s", want, stderr)
		}
	}
}

func TestUsage(t *testing.T) {
	dir := t.TempDir()
	systems := writeSystems(t, dir)
	db := filepath.Join(dir, "u.db")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--postgres", "postgres://axis@db/axis", "--db", db}, 2, "--db and --postgres exclude each other"},
		{[]string{"--postgres-conns", "3", "--db", db}, 2, "--postgres-conns needs --postgres"},
		{[]string{"--postgres", "postgres://axis@db/axis", "--postgres-conns", "-1"}, 2, "--postgres-conns must be"},
		{[]string{"--systems", systems, "--postgres", "postgres://axis:pw-không-in-ra@127.0.0.1:1/axis"}, 1, "axisd failed"},
		{[]string{"--systems", systems, "--postgres", "postgres://axis:pw-không-in-ra@127.0.0.1:x/axis"}, 1, "does not parse"},
		{[]string{"--tls-cert", "c.pem"}, 2, "--tls-cert and --tls-key go together"},
		{[]string{"--max-body", "0"}, 2, "--max-body"},
		{[]string{"--rate", "-1"}, 2, "--rate"},
		{[]string{"--no-such-flag"}, 2, "no-such-flag"},
		{[]string{"extra"}, 2, "unexpected argument"},
		{[]string{"--log-level", "loud", "--db", db}, 2, "--log-level"},
		{[]string{"--systems", filepath.Join(dir, "missing.json"), "--db", db}, 1, "systems file"},
		{[]string{"--systems", systems, "--faults", "5xx=7", "--db", db}, 1, "fault"},
		{[]string{"--systems", systems, "--tls-cert", "nope.pem", "--tls-key", "nope.pem", "--db", db}, 1, "TLS certificate"},
		{[]string{"--systems", systems, "--listen", "256.0.0.1:99999", "--db", db}, 1, "listen"},
		{[]string{"--systems", systems, "--db", filepath.Join(dir, "no", "such", "dir", "x.db")}, 1, "axisd failed"},
		{[]string{"-h"}, 0, "-listen"},
	}
	for _, c := range cases {
		var stderr bytes.Buffer
		code := run(t.Context(), c.args, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("axisd %v: exit %d, want %d; stderr %q should hold %q", c.args, code, c.code, stderr.String(), c.want)
		}
		if strings.Contains(stderr.String(), "pw-kh") {
			t.Errorf("axisd %v: the DSN's password is in stderr %q", c.args, stderr.String())
		}
	}
}
