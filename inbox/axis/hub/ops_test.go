package hub_test

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub"
)

func get(t *testing.T, url string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(url) //nolint:noctx // a test
	mustOK(t, "GET "+url, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	mustOK(t, "read", err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	st, ct, body := get(t, e.hs.URL+"/healthz")
	if st != 200 || !strings.HasPrefix(ct, "application/json") || !strings.Contains(body, `"status":"OK"`) {
		t.Errorf("healthz: %d %s %s", st, ct, body)
	}
	resp, err := e.hs.Client().Post(e.hs.URL+"/healthz", "text/plain", nil) //nolint:noctx // a test
	mustOK(t, "POST healthz", err)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST healthz: %d", resp.StatusCode)
	}
	// A store that does not answer makes the server unhealthy.
	_ = e.store.Close()
	if st, _, body := get(t, e.hs.URL+"/healthz"); st != http.StatusServiceUnavailable || !strings.Contains(body, axis.CodeUnavailable) {
		t.Errorf("healthz with the store closed: %d %s", st, body)
	}
}

var metricLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$`)

func TestMetrics(t *testing.T) {
	e := newEnv(t, withFaults(t, "dup=0"))
	a := e.client(sysA)
	doc := edoc(agVPCP, []string{agNghean, agHanam}, "5", "Đo đếm")
	_, err := a.Send(ctxT(t), axis.MessageEdoc, agVPCP, nil, bytes.NewReader(doc), -1)
	mustOK(t, "send", err)
	e.do(rawCall{name: axis.CallCountEdoc, method: http.MethodGet})
	e.do(rawCall{name: "no/such/call", sys: sysA})
	_, _ = e.client(sysB).CountReceived(ctxT(t), axis.MessageEdoc)

	st, ct, body := get(t, e.hs.URL+"/metrics")
	if st != 200 || !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("metrics: %d %s", st, ct)
	}
	values := map[string]float64{}
	types := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# TYPE ") {
			f := strings.Fields(line)
			types[f[2]] = f[3]
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		m := metricLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("not a metric line: %q", line)
			continue
		}
		v, err := strconv.ParseFloat(m[len(m)-1], 64)
		if err != nil && m[len(m)-1] != "+Inf" {
			t.Errorf("value of %q: %v", line, err)
		}
		values[strings.TrimSuffix(line, " "+m[len(m)-1])] = v
	}
	want := map[string]float64{
		`axis_requests_total{call="sendEdoc",code="0"}`:                    1,
		`axis_requests_total{call="countReceiveEdoc",code="AUTH_MISSING"}`: 1,
		`axis_requests_total{call="countReceiveEdoc",code="0"}`:            1,
		`axis_requests_total{call="unknown",code="NOT_FOUND"}`:             1,
		`axis_queue_depth{messagetype="edoc"}`:                             2,
		`axis_queue_depth{messagetype="status"}`:                           0,
		`axis_packets_stored_total{messagetype="edoc"}`:                    1,
		`axis_packet_bytes_stored_total`:                                   float64(len(doc)),
		`axis_request_duration_seconds_count{call="sendEdoc"}`:             1,
		`axis_request_duration_seconds_bucket{call="sendEdoc",le="+Inf"}`:  1,
		`axis_request_duration_seconds_count{call="countReceiveEdoc"}`:     2,
		`axis_panics_total`: 0,
	}
	for k, v := range want {
		if got, ok := values[k]; !ok || got != v {
			t.Errorf("%s: got %v (present %v), want %v", k, got, ok, v)
		}
	}
	for name, typ := range map[string]string{"axis_requests_total": "counter", "axis_request_duration_seconds": "histogram", "axis_queue_depth": "gauge"} {
		if types[name] != typ {
			t.Errorf("TYPE of %s: %q, want %s", name, types[name], typ)
		}
	}
	// Buckets are cumulative.
	prev := -1.0
	for _, le := range []string{"0.005", "0.01", "0.1", "1", "10", "30", "+Inf"} {
		v := values[`axis_request_duration_seconds_bucket{call="countReceiveEdoc",le="`+le+`"}`]
		if v < prev {
			t.Errorf("bucket le=%s: %v after %v", le, v, prev)
		}
		prev = v
	}
}

// TestLogs checks the log is structured and never holds a secret, a
// signature or the server key, whatever happens.
func TestLogs(t *testing.T) {
	key := bytes.Repeat([]byte{0x5a}, hub.KeySize)
	e := newEnv(t, func(c *hub.Config) { c.SecretKey = key }, withFaults(t, "5xx=0.2,expire=0.2,seed=5"))
	ctx := ctxT(t)
	var signatures []string
	for i := range 10 {
		doc := edoc(agVPCP, []string{agNghean}, strconv.Itoa(i), "Nhật ký")
		c := sendCall(sysA, agVPCP, "edoc", nil, doc)
		req := e.request(c)
		signatures = append(signatures, req.Header.Get(axis.HeaderHash))
		if resp, err := e.hs.Client().Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}
	e.do(rawCall{name: axis.CallReceivedList, sys: hub.System{ID: sysB.ID, Secret: []byte("sai-mật-khẩu")}})
	e.do(rawCall{name: axis.CallReceivedList, sys: sysB, at: time.Now().Add(-time.Hour)})
	_, _ = e.client(sysB).ReceivedList(ctx, axis.MessageEdoc)
	e.restart()
	logs := e.logs.String()
	for _, s := range []hub.System{sysA, sysB, sysC} {
		for _, form := range []string{string(s.Secret), fmt.Sprintf("%x", s.Secret), strconv.Quote(string(s.Secret))} {
			if strings.Contains(logs, form) {
				t.Errorf("the log holds the secret of %s", s.ID)
			}
		}
	}
	for _, sig := range signatures {
		if strings.Contains(logs, sig) {
			t.Error("the log holds a request signature")
		}
	}
	if strings.Contains(logs, fmt.Sprintf("%x", key)) || strings.Contains(logs, string(key)) {
		t.Error("the log holds the server key")
	}
	if strings.Contains(strings.ToLower(logs), "sign-header") {
		t.Error("the log holds signature headers")
	}
	// Every line is JSON with a fixed message and camelCase keys.
	keyRE := regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	for line := range strings.SplitSeq(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		for k := range rec {
			if !keyRE.MatchString(k) {
				t.Errorf("key %q is not camelCase in %q", k, line)
			}
		}
	}
	for _, msg := range []string{`"msg":"request"`, `"msg":"packet stored"`, `"msg":"axis ready"`} {
		if !strings.Contains(logs, msg) {
			t.Errorf("no %s in the log", msg)
		}
	}
	// Printing a system never shows its secret.
	for _, out := range []string{fmt.Sprint(sysA), fmt.Sprintf("%+v", sysA), fmt.Sprintf("%#v", sysA)} {
		if strings.Contains(out, string(sysA.Secret)) {
			t.Errorf("%q shows the secret", out)
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "system", sysA)
	if strings.Contains(buf.String(), string(sysA.Secret)) || !strings.Contains(buf.String(), sysA.ID) {
		t.Errorf("logging a system: %s", buf.String())
	}
}

func TestHTTPS(t *testing.T) {
	store := openSQLite(t, filepath.Join(t.TempDir(), "axis.db"))
	srv, err := hub.New(ctxT(t), hub.Config{Systems: []hub.System{sysA, sysB}, Store: store})
	mustOK(t, "new", err)
	t.Cleanup(func() { _ = srv.Close() })
	hs := httptest.NewUnstartedServer(srv)
	hs.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusting client's handshake below
	hs.StartTLS()
	t.Cleanup(hs.Close)
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	tr, err := axis.NewVXP(hs.URL, cred(sysA), axis.VXPOptions{CA: pool})
	mustOK(t, "vxp", err)
	c := axis.NewClient(tr, axis.ClientOptions{Retries: -1})
	doc := edoc(agVPCP, []string{agNghean}, "1", "Qua HTTPS")
	_, err = c.Send(ctxT(t), axis.MessageEdoc, agVPCP, nil, bytes.NewReader(doc), -1)
	mustOK(t, "send over HTTPS", err)
	// Without trusting the certificate, the client refuses the server.
	tr2, err := axis.NewVXP(hs.URL, cred(sysA), axis.VXPOptions{})
	mustOK(t, "vxp", err)
	if _, err := axis.NewClient(tr2, axis.ClientOptions{Retries: -1}).CountReceived(ctxT(t), axis.MessageEdoc); err == nil {
		t.Error("an untrusted certificate was accepted")
	}
}

// TestSecretsAtRest: the database never holds a plain secret; with a
// server key the stored systems can be served again without the systems
// file, without it they cannot.
func TestSecretsAtRest(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "axis.db")
	keyPath := filepath.Join(dir, "axis.key")
	key, err := hub.LoadKeyFile(keyPath, true)
	mustOK(t, "key", err)
	again, err := hub.LoadKeyFile(keyPath, false)
	mustOK(t, "key again", err)
	if !bytes.Equal(key, again) {
		t.Fatal("the key file does not give back its key")
	}

	serve := func(cfg hub.Config, try hub.System) string {
		t.Helper()
		store := openSQLite(t, dbPath)
		cfg.Store = store
		srv, err := hub.New(ctxT(t), cfg)
		mustOK(t, "new", err)
		hs := httptest.NewServer(srv)
		defer func() { hs.Close(); _ = srv.Close(); _ = store.Close() }()
		e := &env{t: t, hs: hs, clock: &clock{}}
		return e.do(rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: try}).env.ErrorCode
	}
	if code := serve(hub.Config{Systems: []hub.System{sysA, sysB}, SecretKey: key}, sysB); code != axis.CodeOK {
		t.Fatalf("with the systems file: %s", code)
	}
	for _, name := range []string{"axis.db", "axis.db-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		for _, s := range []hub.System{sysA, sysB} {
			if bytes.Contains(b, s.Secret) {
				t.Errorf("%s holds the secret of %s", name, s.ID)
			}
		}
	}
	if code := serve(hub.Config{SecretKey: key}, sysB); code != axis.CodeOK {
		t.Errorf("stored systems with the key: %s, want OK", code)
	}
	if code := serve(hub.Config{}, sysB); code != axis.CodeAuthUnknownSystem {
		t.Errorf("stored systems without the key: %s, want AUTH_UNKNOWN_SYSTEM", code)
	}
	other := bytes.Repeat([]byte{1}, hub.KeySize)
	if code := serve(hub.Config{SecretKey: other}, sysB); code != axis.CodeAuthUnknownSystem {
		t.Errorf("stored systems with another key: %s, want AUTH_UNKNOWN_SYSTEM", code)
	}
	// The systems file is the registry: a system no longer in it is gone.
	if code := serve(hub.Config{Systems: []hub.System{sysA}, SecretKey: key}, sysB); code != axis.CodeAuthUnknownSystem {
		t.Errorf("a removed system: %s, want AUTH_UNKNOWN_SYSTEM", code)
	}
	if code := serve(hub.Config{SecretKey: key}, sysB); code != axis.CodeAuthUnknownSystem {
		t.Errorf("a removed system from the store: %s, want AUTH_UNKNOWN_SYSTEM", code)
	}

	// Key files: hex, base64, raw; refused when open to others or short.
	for name, content := range map[string][]byte{
		"hex":    []byte(fmt.Sprintf("%x\n", key)),
		"base64": []byte("  " + base64Std(key) + "\n"),
		"raw":    key,
	} {
		p := filepath.Join(dir, name+".key")
		mustOK(t, "write", os.WriteFile(p, content, 0o600))
		got, err := hub.LoadKeyFile(p, false)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("%s key file: %v", name, err)
		}
	}
	open := filepath.Join(dir, "open.key")
	mustOK(t, "write", os.WriteFile(open, []byte(fmt.Sprintf("%x", key)), 0o644))
	if _, err := hub.LoadKeyFile(open, false); err == nil {
		t.Error("a key file readable by others was accepted")
	}
	short := filepath.Join(dir, "short.key")
	mustOK(t, "write", os.WriteFile(short, []byte("abcd"), 0o600))
	if _, err := hub.LoadKeyFile(short, false); err == nil {
		t.Error("a short key was accepted")
	}
	if _, err := hub.LoadKeyFile(filepath.Join(dir, "missing.key"), false); err == nil {
		t.Error("a missing key file was accepted")
	}
	if _, err := hub.New(ctxT(t), hub.Config{Store: openSQLite(t, filepath.Join(dir, "k.db")), SecretKey: []byte("short")}); err == nil {
		t.Error("a short server key was accepted by New")
	}
}

func TestReadSystemsFile(t *testing.T) {
	dir := t.TempDir()
	mustOK(t, "secret", os.WriteFile(filepath.Join(dir, "hanam.secret"), []byte("  bí-mật-hà-nam\n"), 0o600))
	write := func(s string) string {
		p := filepath.Join(dir, "systems.json")
		mustOK(t, "write", os.WriteFile(p, []byte(s), 0o600))
		return p
	}
	p := write(`{"systems": [
		{"id": "vpubnd-nghean", "secret": "s1", "agency": "000.00.00.H41", "name": "Văn phòng UBND tỉnh Nghệ An", "mailboxes": ["lanhdao", "vanthu"]},
		{"id": "vpubnd-hanam", "secretFile": "hanam.secret", "agency": "000.00.00.H23", "name": "Hà Nam"}]}`)
	systems, err := hub.ReadSystemsFile(p)
	mustOK(t, "read", err)
	if len(systems) != 2 || string(systems[0].Secret) != "s1" || string(systems[1].Secret) != "bí-mật-hà-nam" ||
		len(systems[0].Mailboxes) != 2 || systems[1].Agency != "000.00.00.H23" {
		t.Errorf("got %v", systems)
	}
	for name, bad := range map[string]string{
		"both secrets":   `{"systems":[{"id":"a","secret":"s","secretFile":"hanam.secret","agency":"000.00.00.H41"}]}`,
		"no secret":      `{"systems":[{"id":"a","agency":"000.00.00.H41"}]}`,
		"missing file":   `{"systems":[{"id":"a","secretFile":"nope","agency":"000.00.00.H41"}]}`,
		"bad agency":     `{"systems":[{"id":"a","secret":"s","agency":"H41"}]}`,
		"bad mailbox":    `{"systems":[{"id":"a","secret":"s","agency":"000.00.00.H41","mailboxes":["Lãnh Đạo"]}]}`,
		"mailbox twice":  `{"systems":[{"id":"a","secret":"s","agency":"000.00.00.H41","mailboxes":["x","x"]}]}`,
		"bad id":         `{"systems":[{"id":"a b","secret":"s","agency":"000.00.00.H41"}]}`,
		"unknown member": `{"systems":[{"id":"a","secret":"s","agency":"000.00.00.H41","role":"admin"}]}`,
		"burst, no rate": `{"systems":[{"id":"a","secret":"s","agency":"000.00.00.H41","burst":5}]}`,
		"negative rate":  `{"systems":[{"id":"a","secret":"s","agency":"000.00.00.H41","rate":-1}]}`,
		"negative burst": `{"systems":[{"id":"a","secret":"s","agency":"000.00.00.H41","rate":1,"burst":-1}]}`,
		"not JSON":       `systems:`,
	} {
		if _, err := hub.ReadSystemsFile(write(bad)); err == nil {
			t.Errorf("%s: got nil error", name)
		}
	}
	// A system's own rate limit; absent, the server's applies.
	p = write(`{"systems": [
		{"id": "fast", "secret": "s1", "agency": "000.00.00.H41", "rate": 5000, "burst": 100},
		{"id": "free", "secret": "s2", "agency": "000.00.00.H42", "rate": 0},
		{"id": "plain", "secret": "s3", "agency": "000.00.00.H43"}]}`)
	systems, err = hub.ReadSystemsFile(p)
	mustOK(t, "read", err)
	for i, want := range []*hub.RateLimit{{PerSecond: 5000, Burst: 100}, {}, nil} {
		got := systems[i].RateLimit
		if (got == nil) != (want == nil) || got != nil && *got != *want {
			t.Errorf("%s: rate limit %v, want %v", systems[i].ID, got, want)
		}
	}
	// Two systems with one id are refused by New.
	if _, err := hub.New(ctxT(t), hub.Config{Store: openSQLite(t, filepath.Join(dir, "x.db")), Systems: []hub.System{sysA, sysA}}); err == nil {
		t.Error("a system configured twice was accepted")
	}
}
