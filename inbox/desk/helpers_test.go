package desk_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/keys"
)

// The demo agency and its peers.
var (
	self  = inbox.Organization{Code: "000.00.00.H41", Name: "Ủy ban nhân dân tỉnh Hà Nam"}
	peerB = inbox.Organization{Code: "000.00.01.H41", Name: "Sở Tài chính tỉnh Hà Nam"}
	peerC = inbox.Organization{Code: "000.00.00.G22", Name: "Văn phòng Chính phủ"}
)

const password = "mật-khẩu-demo"

var (
	pkiOnce sync.Once
	pkiVal  *demopki.PKI
	pkiErr  error
	pkiDir  string
)

// testPKI is the package's demo PKI (no servers) with its files written
// (PKCS#12 files under password).
func testPKI(t testing.TB) (*demopki.PKI, string) {
	t.Helper()
	pkiOnce.Do(func() {
		pkiVal, pkiErr = demopki.New(demopki.Options{NoServers: true})
		if pkiErr != nil {
			return
		}
		pkiDir, pkiErr = os.MkdirTemp("", "vanthu-desk-pki-")
		if pkiErr != nil {
			return
		}
		pkiErr = pkiVal.WriteFiles(pkiDir, []byte(password))
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiVal, pkiDir
}

// openDesk opens an offline desk in a temporary directory.
func openDesk(t testing.TB, role desk.Role, adjust func(*desk.Options)) *desk.Desk {
	t.Helper()
	p, _ := testPKI(t)
	opts := desk.Options{
		DataDir:    t.TempDir(),
		Identity:   desk.Identity{Agency: self, Login: string(role), Name: "Nguyễn Văn An", Position: "Phó Chủ tịch", Role: role},
		TrustRoots: p.Root.Chain[:1],
	}
	if adjust != nil {
		adjust(&opts)
	}
	d, err := desk.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// draftPDF is a realistic dispatch of our agency, without number.
func draftPDF(t testing.TB, seed int64) []byte {
	t.Helper()
	spec := demodoc.Example(demodoc.CongVan, seed)
	spec.Agency, spec.ParentAgency, spec.AgencyCode = "ỦY BAN NHÂN DÂN TỈNH HÀ NAM", "", self.Code
	spec.Number, spec.Notation, spec.Place = "", "UBND-VP", "Hà Nam"
	doc, err := demodoc.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	return doc.PDF
}

// newSubmitted drafts and submits a dispatch to recipients.
func newSubmitted(t testing.TB, d *desk.Desk, seed int64, to ...inbox.Organization) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := d.NewDraft(ctx, bytes.NewReader(draftPDF(t, seed)), desk.DraftInfo{
		Subject: "V/v triển khai chữ ký số trong cơ quan nhà nước", Notation: "UBND-VP", DocType: "Công văn",
		Place: "Hà Nam", Recipients: to, Signer: inbox.Signer{Competence: "KT.", Position: "Phó Chủ tịch", FullName: "Nguyễn Văn An"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Submit(ctx, id); err != nil {
		t.Fatal(err)
	}
	return id
}

// p12Key opens a demo PKCS#12 key ("leader", "agency").
func p12Key(t testing.TB, name string) *keys.Key {
	t.Helper()
	_, dir := testPKI(t)
	k, err := desk.OpenKey(context.Background(), desk.KeySource{Kind: desk.KeyPKCS12, Path: filepath.Join(dir, name+".p12")}, []byte(password))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close() })
	return k
}

// blob reads a stored file.
func blob(t testing.TB, d *desk.Desk, sha string) []byte {
	t.Helper()
	rc, err := d.Store().OpenBlob(sha)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// recorder collects a desk's change events.
type recorder struct {
	mu  sync.Mutex
	got []desk.Change
	ch  chan struct{}
}

func record(d *desk.Desk) *recorder {
	r := &recorder{ch: make(chan struct{}, 1000)}
	d.Subscribe(func(c desk.Change) {
		r.mu.Lock()
		r.got = append(r.got, c)
		r.mu.Unlock()
		r.ch <- struct{}{}
	})
	return r
}

// waitFor waits until an event satisfies ok.
func (r *recorder) waitFor(t testing.TB, what string, ok func(desk.Change) bool) desk.Change {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		r.mu.Lock()
		for _, c := range r.got {
			if ok(c) {
				r.mu.Unlock()
				return c
			}
		}
		r.mu.Unlock()
		select {
		case <-r.ch:
		case <-deadline:
			t.Fatalf("no event %s", what)
		}
	}
}

func hasID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

var (
	nssOnce sync.Once
	nssDir  string
	nssErr  error
)

// pdfsig runs poppler's pdfsig with an NSS database trusting the demo
// root; it returns per signature whether it is valid and trusted.
func pdfsig(t testing.TB, pdf []byte) (valid, trusted []bool, out string) {
	t.Helper()
	p, _ := testPKI(t)
	nssOnce.Do(func() {
		nssDir, nssErr = os.MkdirTemp("", "vanthu-desk-nss-")
		if nssErr != nil {
			return
		}
		if o, err := exec.Command("certutil", "-N", "-d", "sql:"+nssDir, "--empty-password").CombinedOutput(); err != nil {
			nssErr = &toolError{"certutil -N", err, o}
			return
		}
		root := filepath.Join(nssDir, "root.pem")
		if nssErr = os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Root.Cert.Raw}), 0o600); nssErr != nil {
			return
		}
		if o, err := exec.Command("certutil", "-A", "-d", "sql:"+nssDir, "-n", "demo-root", "-t", "CT,C,C", "-i", root).CombinedOutput(); err != nil {
			nssErr = &toolError{"certutil -A", err, o}
		}
	})
	if nssErr != nil {
		t.Fatal(nssErr)
	}
	path := filepath.Join(t.TempDir(), "check.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := exec.Command("pdfsig", "-nssdir", "sql:"+nssDir, path).CombinedOutput()
	text := string(o)
	if err != nil && !strings.Contains(text, "Signature #") {
		t.Fatalf("pdfsig: %v\n%s", err, text)
	}
	idx := regexp.MustCompile(`(?m)^Signature #\d+:`).FindAllStringIndex(text, -1)
	for i, m := range idx {
		end := len(text)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		part := text[m[0]:end]
		valid = append(valid, strings.Contains(part, "Signature Validation: Signature is Valid."))
		trusted = append(trusted, strings.Contains(part, "Certificate Validation: Certificate is Trusted."))
	}
	return valid, trusted, text
}

type toolError struct {
	what string
	err  error
	out  []byte
}

func (e *toolError) Error() string { return e.what + ": " + e.err.Error() + ": " + string(e.out) }
