package tsp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/cms"
	"github.com/vanthu/vanthu/signing/cms/cmstest"
)

func TestTimestampRoundTrip(t *testing.T) {
	p := pki(t)
	tests := []struct {
		name     string
		tsa      *cmstest.Identity
		hash     crypto.Hash
		omit     bool
		tsaCerts []*x509.Certificate
	}{
		{"RSA TSA with certificates", p.tsaRSA, crypto.SHA256, false, nil},
		{"ECDSA TSA with certificates, SHA-384", p.tsaEC, crypto.SHA384, false, nil},
		{"RSA TSA without certificates, known TSA certificate", p.tsaRSA, crypto.SHA256, true, []*x509.Certificate{p.tsaRSA.Cert}},
		{"ECDSA TSA without certificates, SHA-512", p.tsaEC, crypto.SHA512, true, []*x509.Certificate{p.tsaRSA.Cert, p.tsaEC.Cert}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, hs := newTSA(t, tt.tsa, func(s *Server) {
				s.OmitCertificates = tt.omit
				s.Now = func() time.Time { return fixedNow }
			})
			c := &Client{URL: hs.URL, Hash: tt.hash, Timeout: 5 * time.Second, TSACerts: tt.tsaCerts, Policy: testPolicy}
			d := tt.hash.New()
			d.Write([]byte("chữ ký của lãnh đạo"))
			digest := d.Sum(nil)

			der, tok, err := c.Timestamp(t.Context(), digest)
			if err != nil {
				t.Fatalf("Timestamp: %v", err)
			}
			if !bytes.Equal(der, tok.Raw) {
				t.Errorf("returned DER differs from Token.Raw")
			}
			if want := fixedNow.Truncate(time.Second); !tok.GenTime.Equal(want) {
				t.Errorf("GenTime = %v, want %v", tok.GenTime, want)
			}
			if tok.Accuracy != time.Second {
				t.Errorf("Accuracy = %v, want 1s", tok.Accuracy)
			}
			if tok.Ordering {
				t.Errorf("Ordering = true, want false")
			}
			if tok.Hash != tt.hash || !bytes.Equal(tok.HashedMessage, digest) {
				t.Errorf("imprint = %v %x, want %v %x", tok.Hash, tok.HashedMessage, tt.hash, digest)
			}
			if !tok.Policy.Equal(testPolicy) {
				t.Errorf("Policy = %v, want %v", tok.Policy, testPolicy)
			}
			if tok.Nonce == nil || tok.Nonce.BitLen() != 64 {
				t.Errorf("Nonce = %v, want a 64-bit value", tok.Nonce)
			}
			if got, want := len(tok.SignedData.Certificates) > 0, !tt.omit; got != want {
				t.Errorf("token carries certificates = %v, want %v", got, want)
			}
			if !tok.SignedData.EncapContentType.Equal(cms.OIDTSTInfo) {
				t.Errorf("content type %v, want id-ct-TSTInfo", tok.SignedData.EncapContentType)
			}
			si := tok.SignedData.Signers[0]
			wantAttrs := map[string]bool{
				cms.OIDAttributeContentType.String():          true,
				cms.OIDAttributeMessageDigest.String():        true,
				cms.OIDAttributeSigningCertificateV2.String(): true,
			}
			for _, a := range si.SignedAttributes {
				if !wantAttrs[a.Type.String()] {
					t.Errorf("unexpected signed attribute %v", a.Type)
				}
				delete(wantAttrs, a.Type.String())
			}
			if len(wantAttrs) != 0 {
				t.Errorf("missing signed attributes %v", wantAttrs)
			}

			// The DER token parses and verifies on its own.
			again, err := ParseToken(der)
			if err != nil {
				t.Fatalf("ParseToken: %v", err)
			}
			cert, err := again.Verify(digest, tt.tsaCerts)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !cert.Equal(tt.tsa.Cert) {
				t.Errorf("Verify returned %q, want the TSA certificate", cert.Subject.CommonName)
			}
			if _, err := again.Verify(sha256Of([]byte("other")), tt.tsaCerts); err == nil || !strings.Contains(err.Error(), "imprint mismatch") {
				t.Errorf("Verify(other digest) = %v, want an imprint mismatch", err)
			}
		})
	}
}

func TestSerialNumbersIncreaseUnderConcurrency(t *testing.T) {
	p := pki(t)
	_, hs := newTSA(t, p.tsaEC, nil)
	c := &Client{URL: hs.URL, Timeout: 10 * time.Second}
	const n = 16
	serials := make([]*big.Int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, tok, err := c.Timestamp(t.Context(), sha256Of([]byte{byte(i)}))
			errs[i] = err
			if err == nil {
				serials[i] = tok.SerialNumber
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if seen[serials[i].String()] {
			t.Errorf("serial number %v issued twice", serials[i])
		}
		seen[serials[i].String()] = true
	}
	_, first, err := c.Timestamp(t.Context(), sha256Of(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, second, err := c.Timestamp(t.Context(), sha256Of(nil))
	if err != nil {
		t.Fatal(err)
	}
	if second.SerialNumber.Cmp(first.SerialNumber) <= 0 {
		t.Errorf("serial numbers %v then %v, want increasing", first.SerialNumber, second.SerialNumber)
	}
}

func TestTokenWithoutCertificatesNeedsKnownTSA(t *testing.T) {
	p := pki(t)
	_, hs := newTSA(t, p.tsaRSA, func(s *Server) { s.OmitCertificates = true })
	c := &Client{URL: hs.URL, Timeout: 5 * time.Second}
	_, _, err := c.Timestamp(t.Context(), sha256Of(nil))
	if err == nil || !strings.Contains(err.Error(), "carries no certificate") {
		t.Errorf("Timestamp without TSACerts = %v, want a 'carries no certificate' error", err)
	}
	c.TSACerts = []*x509.Certificate{p.tsaEC.Cert}
	if _, _, err := c.Timestamp(t.Context(), sha256Of(nil)); err == nil {
		t.Errorf("Timestamp with only an unrelated TSA certificate succeeded")
	}
}

// TestForgedTokenFails has a TSA sign with a key that is not its
// certificate's and leave certificates out, so only the known TSA
// certificate can expose the forgery.
func TestForgedTokenFails(t *testing.T) {
	p := pki(t)
	_, hs := newTSA(t, p.tsaRSA, func(s *Server) {
		s.Signer = p.rogue
		s.OmitCertificates = true
	})
	tsaCerts := []*x509.Certificate{p.tsaRSA.Cert}
	digest := sha256Of([]byte("văn bản"))

	c := &Client{URL: hs.URL, Timeout: 5 * time.Second, TSACerts: tsaCerts}
	if _, _, err := c.Timestamp(t.Context(), digest); !errors.Is(err, cms.ErrInvalidSignature) {
		t.Errorf("Timestamp from a forging TSA = %v, want ErrInvalidSignature", err)
	}

	// The same token read directly.
	req := &Request{Hash: crypto.SHA256, HashedMessage: digest, Nonce: big.NewInt(7), CertReq: true}
	body, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := parseResponse(post(t, hs.URL, body))
	if err != nil || resp.status != Granted {
		t.Fatalf("reply: %v, status %v", err, resp)
	}
	tok, err := ParseToken(resp.token)
	if err != nil {
		t.Fatalf("ParseToken: %v", err)
	}
	if len(tok.SignedData.Certificates) != 0 {
		t.Fatalf("the forged token carries certificates")
	}
	if _, err := tok.Verify(digest, tsaCerts); !errors.Is(err, cms.ErrInvalidSignature) {
		t.Errorf("Verify(forged) = %v, want ErrInvalidSignature", err)
	}
}

// tamper returns a handler that rewrites each request before the real TSA
// sees it, so that the TSA signs a token that answers another request.
func tamper(t *testing.T, tsa http.Handler, change func(*Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading request: %v", err)
			return
		}
		req, err := ParseRequest(body)
		if err != nil {
			t.Errorf("parsing request: %v", err)
			return
		}
		change(req)
		req.rawImprint = nil
		body, err = req.Marshal()
		if err != nil {
			t.Errorf("encoding request: %v", err)
			return
		}
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(bytes.NewReader(body))
		r2.ContentLength = int64(len(body))
		tsa.ServeHTTP(w, r2)
	})
}

func TestClientChecksTheReply(t *testing.T) {
	p := pki(t)
	tsa := &Server{Signer: p.tsaEC.Key, Chain: []*x509.Certificate{p.tsaEC.Cert}, Policy: testPolicy}
	tests := []struct {
		name    string
		change  func(*Request)
		wantMsg string
	}{
		{"nonce", func(r *Request) { r.Nonce = new(big.Int).Add(r.Nonce, big.NewInt(1)) }, "timestamp reply nonce does not match the request"},
		{"no nonce", func(r *Request) { r.Nonce = nil }, "timestamp reply nonce does not match the request"},
		{"imprint", func(r *Request) { r.HashedMessage = sha256Of([]byte("something else")) }, "imprint mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := httptest.NewServer(tamper(t, tsa, tt.change))
			defer hs.Close()
			c := &Client{URL: hs.URL, Timeout: 5 * time.Second}
			_, _, err := c.Timestamp(t.Context(), sha256Of([]byte("x")))
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Timestamp = %v, want %q", err, tt.wantMsg)
			}
		})
	}
}

func TestClientReportsRefusals(t *testing.T) {
	p := pki(t)
	_, hs := newTSA(t, p.tsaEC, nil)
	tests := []struct {
		name    string
		client  Client
		wantMsg string
	}{
		{"unsupported hash", Client{Hash: crypto.SHA224}, "timestamp server returned status rejection (badAlg)"},
		{"other policy", Client{Policy: []int{1, 2, 3}}, "timestamp server returned status rejection (unacceptedPolicy): policy 1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.client
			c.URL = hs.URL
			h := c.Hash
			if h == 0 {
				h = crypto.SHA256
			}
			_, _, err := c.Timestamp(t.Context(), make([]byte, h.Size()))
			var se *StatusError
			if !errors.As(err, &se) || se.Status != Rejection {
				t.Fatalf("Timestamp = %v, want a *StatusError with status rejection", err)
			}
			if !strings.HasPrefix(err.Error(), tt.wantMsg) {
				t.Errorf("error %q, want it to start with %q", err, tt.wantMsg)
			}
		})
	}
}

func TestClientRefusesBadInput(t *testing.T) {
	tests := []struct {
		name    string
		client  Client
		digest  []byte
		wantMsg string
	}{
		{"no URL", Client{}, make([]byte, 32), "no timestamp server"},
		{"not http", Client{URL: "ftp://tsa.example/"}, make([]byte, 32), "not an http or https URL"},
		{"password hidden", Client{URL: "ftp://user:secret@tsa.example/"}, make([]byte, 32), "user:secret"},
		{"short digest", Client{URL: "http://127.0.0.1:1/"}, make([]byte, 20), "digest to timestamp has 20 bytes"},
		{"SHA-1", Client{URL: "http://127.0.0.1:1/", Hash: crypto.SHA1}, make([]byte, 20), "SHA-1"},
		{"unknown hash", Client{URL: "http://127.0.0.1:1/", Hash: crypto.Hash(999)}, make([]byte, 32), "unsupported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := tt.client.Timestamp(t.Context(), tt.digest)
			if err == nil {
				t.Fatal("Timestamp succeeded, want an error")
			}
			if tt.name == "password hidden" {
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error %q shows the password", err)
				}
				return
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestUnreachableServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	url := "http://" + addr + "/tsa"
	c := &Client{URL: url, Timeout: 3 * time.Second}
	start := time.Now()
	_, _, err = c.Timestamp(t.Context(), sha256Of(nil))
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v, longer than the timeout", elapsed)
	}
	if want := "timestamp server " + url + ": connection refused"; err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	var se *ServerError
	if !errors.As(err, &se) || se.Err == nil {
		t.Errorf("error %T does not wrap the network error", err)
	}
}

func TestSlowServerTimesOut(t *testing.T) {
	// The handlers read the request first: only then does net/http notice
	// that the client went away and cancel r.Context().
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer hs.Close()
	// A server that sends headers and then stalls in the body.
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", ContentTypeReply)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte{0x30, 0x82})
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer stall.Close()
	tests := []struct {
		name   string
		url    string
		client *http.Client
	}{
		{"no answer", hs.URL, nil},
		{"stalled body", stall.URL, nil},
		{"caller's HTTP client without timeout", hs.URL, &http.Client{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{URL: tt.url, Timeout: 300 * time.Millisecond, HTTPClient: tt.client}
			start := time.Now()
			_, _, err := c.Timestamp(t.Context(), sha256Of(nil))
			elapsed := time.Since(start)
			if elapsed > 2*time.Second {
				t.Errorf("took %v with a 300ms timeout", elapsed)
			}
			want := "timestamp server " + tt.url + ": timed out: no answer within 300ms"
			if err == nil || err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
		})
	}
	t.Run("caller cancels", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		c := &Client{URL: hs.URL, Timeout: 5 * time.Second}
		_, _, err := c.Timestamp(ctx, sha256Of(nil))
		if err == nil || !strings.Contains(err.Error(), "cancelled") || !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want a cancellation", err)
		}
	})
}

func TestClientHTTPErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantMsg string
	}{
		{"HTTP 503", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}, "answered HTTP 503 Service Unavailable"},
		{"HTML page", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("<html>hello</html>"))
		}, "reply cannot be read"},
		{"huge reply", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write(bytes.Repeat([]byte{0}, maxReplySize+10))
		}, "larger than 1024 KiB"},
		{"granted without token", func(w http.ResponseWriter, _ *http.Request) {
			resp, _ := marshalResponse(Granted, nil, "", nil)
			_, _ = w.Write(resp)
		}, "sent no token"},
		{"waiting", func(w http.ResponseWriter, _ *http.Request) {
			resp, _ := marshalResponse(Waiting, nil, "try later\x07", nil)
			_, _ = w.Write(resp)
		}, "timestamp server returned status waiting: try later "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := httptest.NewServer(tt.handler)
			defer hs.Close()
			c := &Client{URL: hs.URL, Timeout: 5 * time.Second}
			_, _, err := c.Timestamp(t.Context(), sha256Of(nil))
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %v, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestVerifyChecksTheTSACertificate(t *testing.T) {
	p := pki(t)
	tests := []struct {
		name    string
		tsa     *cmstest.Identity
		now     func() time.Time
		wantMsg string
	}{
		{"EKU not critical", p.noncrit, nil, "not critical"},
		{"EKU codeSigning", p.signer, nil, "not a timestamping certificate"},
		{"time outside validity", p.tsaEC, func() time.Time { return time.Now().Add(48 * time.Hour) }, "outside the validity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, hs := newTSA(t, tt.tsa, func(s *Server) { s.Now = tt.now })
			c := &Client{URL: hs.URL, Timeout: 5 * time.Second}
			_, _, err := c.Timestamp(t.Context(), sha256Of(nil))
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Timestamp = %v, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
}
