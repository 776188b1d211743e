package tsp

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/cms"
	"github.com/vanthu/vanthu/signing/cms/cmstest"
)

// TestOpenSSLAcceptsOurReplies sends requests made by openssl ts -query to
// our TSA and has openssl ts -reply -text print and openssl ts -verify
// check the replies.
func TestOpenSSLAcceptsOurReplies(t *testing.T) {
	p := pki(t)
	tests := []struct {
		name      string
		tsa       *cmstest.Identity
		queryArgs []string
		omit      bool
	}{
		{"RSA TSA SHA-256 with certificates", p.tsaRSA, []string{"-sha256", "-cert"}, false},
		{"ECDSA TSA SHA-512 with certificates", p.tsaEC, []string{"-sha512", "-cert"}, false},
		{"RSA TSA SHA-384 without nonce or certificates", p.tsaRSA, []string{"-sha384", "-no_nonce"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_, hs := newTSA(t, tt.tsa, func(s *Server) { s.OmitCertificates = tt.omit })
			data := cmstest.WriteFile(t, dir, "data.bin", []byte("Biên bản họp giao ban tuần"))
			query := filepath.Join(dir, "req.tsq")
			cmstest.OpenSSL(t, dir, append([]string{"ts", "-query", "-data", data, "-out", query}, tt.queryArgs...)...)
			body, err := os.ReadFile(query)
			if err != nil {
				t.Fatal(err)
			}
			reply := cmstest.WriteFile(t, dir, "reply.der", post(t, hs.URL, body))

			text := string(cmstest.OpenSSL(t, dir, "ts", "-reply", "-in", reply, "-text"))
			for _, want := range []string{"Status: Granted.", "Policy OID: " + testPolicy.String(), "Accuracy: 0x01 seconds", "Ordering: no"} {
				if !strings.Contains(text, want) {
					t.Errorf("openssl ts -reply -text output lacks %q:\n%s", want, text)
				}
			}
			tsaPath := cmstest.WriteCertPEM(t, dir, "tsa.pem", tt.tsa.Cert)
			out, stderr, err := cmstest.RunOpenSSL(t, dir, "ts", "-verify", "-data", data, "-in", reply,
				"-CAfile", p.caPath, "-untrusted", tsaPath)
			if err != nil || !strings.Contains(string(out), "Verification: OK") {
				t.Errorf("openssl ts -verify refused the reply: %v\n%s%s", err, out, stderr)
			}
			// The oracle refuses other data.
			other := cmstest.WriteFile(t, dir, "other.bin", []byte("khác"))
			if _, _, err := cmstest.RunOpenSSL(t, dir, "ts", "-verify", "-data", other, "-in", reply,
				"-CAfile", p.caPath, "-untrusted", tsaPath); err == nil {
				t.Errorf("openssl ts -verify accepted the reply for other data")
			}
		})
	}
}

// opensslTSA is an openssl ts -reply set up as a TSA in a temporary
// directory.
type opensslTSA struct {
	t      *testing.T
	dir    string
	config string
	mu     sync.Mutex
	n      int
}

func newOpenSSLTSA(t *testing.T, tsa *cmstest.Identity, essAlg string) *opensslTSA {
	t.Helper()
	p := pki(t)
	dir := t.TempDir()
	cert := cmstest.WriteCertPEM(t, dir, "tsa.pem", tsa.Cert)
	key := cmstest.WriteKeyPEM(t, dir, "tsa.key", tsa.Key)
	chain := cmstest.WriteCertPEM(t, dir, "chain.pem", p.ca.Cert)
	cmstest.WriteFile(t, dir, "serial", []byte("01\n"))
	config := fmt.Sprintf(`[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
serial = %s
crypto_device = builtin
signer_cert = %s
certs = %s
signer_key = %s
signer_digest = sha256
default_policy = %s
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500
clock_precision_digits = 3
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = %s
`, filepath.Join(dir, "serial"), cert, chain, key, testPolicy, essAlg)
	return &opensslTSA{t: t, dir: dir, config: cmstest.WriteFile(t, dir, "tsa.cnf", []byte(config))}
}

// reply runs openssl ts -reply on a request and returns the reply (or,
// with tokenOnly, the bare token).
func (o *opensslTSA) reply(query []byte, tokenOnly bool) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n++
	in := cmstest.WriteFile(o.t, o.dir, fmt.Sprintf("req%d.tsq", o.n), query)
	out := filepath.Join(o.dir, fmt.Sprintf("reply%d.tsr", o.n))
	args := []string{"ts", "-reply", "-config", o.config, "-queryfile", in, "-out", out}
	if tokenOnly {
		args = append(args, "-token_out")
	}
	cmstest.OpenSSL(o.t, o.dir, args...)
	data, err := os.ReadFile(out)
	if err != nil {
		o.t.Fatal(err)
	}
	return data
}

func (o *opensslTSA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", ContentTypeReply)
	_, _ = w.Write(o.reply(body, false))
}

// TestOpenSSLTokensVerify has openssl ts -reply issue tokens (fractional
// genTime, accuracy with milliseconds, ordering, TSA name, ESS v1 and v2)
// and checks them with ParseToken, Verify and the Client.
func TestOpenSSLTokensVerify(t *testing.T) {
	p := pki(t)
	tests := []struct {
		name   string
		tsa    *cmstest.Identity
		essAlg string
	}{
		{"RSA TSA with ESS signing-certificate-v2", p.tsaRSA, "sha256"},
		{"ECDSA TSA with ESS signing-certificate v1", p.tsaEC, "sha1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ossl := newOpenSSLTSA(t, tt.tsa, tt.essAlg)
			digest := sha256Of([]byte("tài liệu đính kèm"))
			req := &Request{Hash: crypto.SHA256, HashedMessage: digest, Nonce: big64(), CertReq: false}
			query, err := req.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			tok, err := ParseToken(ossl.reply(query, true))
			if err != nil {
				t.Fatalf("ParseToken: %v", err)
			}
			if tok.Accuracy != 1500*time.Millisecond {
				t.Errorf("Accuracy = %v, want 1.5s", tok.Accuracy)
			}
			if !tok.Ordering {
				t.Errorf("Ordering = false, want true")
			}
			if tok.TSAName == nil {
				t.Errorf("TSAName absent, want the TSA's name")
			}
			if tok.Nonce == nil || tok.Nonce.Cmp(req.Nonce) != 0 {
				t.Errorf("Nonce = %v, want %v", tok.Nonce, req.Nonce)
			}
			if d := time.Since(tok.GenTime); d < -time.Minute || d > time.Minute {
				t.Errorf("GenTime %v is not now", tok.GenTime)
			}
			if len(tok.SignedData.Certificates) != 0 {
				t.Errorf("token carries %d certificates without certReq", len(tok.SignedData.Certificates))
			}
			cert, err := tok.Verify(digest, []*x509.Certificate{tt.tsa.Cert})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !cert.Equal(tt.tsa.Cert) {
				t.Errorf("Verify returned %q", cert.Subject.CommonName)
			}
			if _, err := tok.Verify(digest, nil); err == nil {
				t.Errorf("Verify without the TSA certificate succeeded")
			}
			if _, err := tok.Verify(digest, []*x509.Certificate{p.tsaRSA.Cert, p.tsaEC.Cert, p.ca.Cert}); err != nil {
				t.Errorf("Verify with several known certificates: %v", err)
			}

			// The client against openssl as the TSA.
			hs := httptest.NewServer(ossl)
			defer hs.Close()
			c := &Client{URL: hs.URL, Timeout: 10 * time.Second, Policy: testPolicy}
			der, ctok, err := c.Timestamp(t.Context(), digest)
			if err != nil {
				t.Fatalf("Timestamp against openssl: %v", err)
			}
			if len(ctok.SignedData.Certificates) == 0 {
				t.Errorf("openssl token carries no certificates although certReq was set")
			}
			sd, err := cms.Parse(der)
			if err != nil || !sd.EncapContentType.Equal(cms.OIDTSTInfo) {
				t.Errorf("returned token: %v", err)
			}
		})
	}
}

func big64() *big.Int {
	return new(big.Int).SetUint64(uint64(time.Now().UnixNano()))
}

// TestOpenSSLFixtureToken checks the committed token made by openssl (see
// testdata/gen.sh), which also seeds FuzzParseToken.
func TestOpenSSLFixtureToken(t *testing.T) {
	tokDER, err := os.ReadFile(filepath.Join("testdata", "openssl-token.der"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "data.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ParseToken(tokDER)
	if err != nil {
		t.Fatalf("ParseToken: %v", err)
	}
	if !bytes.Equal(tok.Raw, tokDER) {
		t.Errorf("Raw differs from the DER token")
	}
	if _, err := tok.Verify(sha256Of(data), nil); err != nil {
		t.Errorf("Verify with the embedded certificate: %v", err)
	}
}
