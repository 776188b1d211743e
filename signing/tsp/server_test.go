package tsp

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"log/slog"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// rawRequest builds a TimeStampReq by hand so tests can break it.
func rawRequest(t testing.TB, version int64, alg []int, params bool, imprint []byte, extra func(*cryptobyte.Builder)) []byte {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(version)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(alg)
				if params {
					b.AddASN1NULL()
				}
			})
			b.AddASN1OctetString(imprint)
		})
		if extra != nil {
			extra(b)
		}
	})
	der, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

var (
	algSHA256 = []int{2, 16, 840, 1, 101, 3, 4, 2, 1}
	algSHA1   = []int{1, 3, 14, 3, 2, 26}
)

func serverRequestCases(t testing.TB) []struct {
	name     string
	body     []byte
	wantFail FailureInfo
	wantText string
} {
	good := sha256Of(nil)
	return []struct {
		name     string
		body     []byte
		wantFail FailureInfo
		wantText string
	}{
		{"empty", nil, BadRequest, "empty"},
		{"garbage", []byte("hello"), BadDataFormat, "not a DER TimeStampReq"},
		{"trailing data", append(rawRequest(t, 1, algSHA256, true, good, nil), 0), BadDataFormat, "not a DER"},
		{"version 2", rawRequest(t, 2, algSHA256, true, good, nil), BadDataFormat, "version 2"},
		{"unknown algorithm", rawRequest(t, 1, []int{1, 2, 3, 4}, true, good, nil), BadAlg, "1.2.3.4"},
		{"SHA-1", rawRequest(t, 1, algSHA1, true, make([]byte, 20), nil), BadAlg, "not accepted"},
		{"short imprint", rawRequest(t, 1, algSHA256, true, good[:20], nil), BadDataFormat, "20 bytes"},
		{"algorithm parameters", rawRequest(t, 1, algSHA256, false, good, func(b *cryptobyte.Builder) {}), -1, ""},
		{"other policy", rawRequest(t, 1, algSHA256, true, good, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier([]int{1, 2, 3})
		}), UnacceptedPolicy, "policy 1.2.3"},
		{"extensions", rawRequest(t, 1, algSHA256, true, good, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier([]int{1, 2, 3})
					b.AddASN1OctetString(nil)
				})
			})
		}), UnacceptedExtension, "extensions"},
		{"certReq false encoded", rawRequest(t, 1, algSHA256, true, good, func(b *cryptobyte.Builder) {
			b.AddASN1Boolean(false)
		}), BadDataFormat, "certReq"},
		{"our policy, nonce, certReq", rawRequest(t, 1, algSHA256, true, good, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(testPolicy)
			b.AddASN1BigInt(big.NewInt(42))
			b.AddASN1Boolean(true)
		}), -1, ""},
	}
}

func TestServerRequestValidation(t *testing.T) {
	p := pki(t)
	_, hs := newTSA(t, p.tsaEC, nil)
	for _, tt := range serverRequestCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseResponse(post(t, hs.URL, tt.body))
			if err != nil {
				t.Fatalf("reply does not parse: %v", err)
			}
			if tt.wantFail < 0 {
				if r.status != Granted || r.token == nil {
					t.Fatalf("status %v (%v %q), want granted with a token", r.status, r.failInfo, r.text)
				}
				return
			}
			if r.status != Rejection || r.token != nil {
				t.Errorf("status %v with token %v, want rejection without token", r.status, r.token != nil)
			}
			if !slices.Equal(r.failInfo, []FailureInfo{tt.wantFail}) {
				t.Errorf("failInfo %v, want [%v]", r.failInfo, tt.wantFail)
			}
			if !strings.Contains(r.text, tt.wantText) {
				t.Errorf("status text %q, want it to mention %q", r.text, tt.wantText)
			}
		})
	}
}

func TestServerEchoesRequest(t *testing.T) {
	p := pki(t)
	_, hs := newTSA(t, p.tsaRSA, nil)
	digest := sha256Of([]byte("echo"))
	tests := []struct {
		name      string
		req       Request
		wantCerts int
	}{
		{"nonce and certReq", Request{Hash: crypto.SHA256, HashedMessage: digest, Nonce: big.NewInt(-5), CertReq: true}, 2},
		{"no nonce, no certReq", Request{Hash: crypto.SHA256, HashedMessage: digest}, 0},
		{"huge nonce", Request{Hash: crypto.SHA256, HashedMessage: digest, Nonce: new(big.Int).Lsh(big.NewInt(1), 300)}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := tt.req.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			r, err := parseResponse(post(t, hs.URL, body))
			if err != nil || r.status != Granted {
				t.Fatalf("reply: %v, %+v", err, r)
			}
			tok, err := ParseToken(r.token)
			if err != nil {
				t.Fatal(err)
			}
			if (tok.Nonce == nil) != (tt.req.Nonce == nil) || (tok.Nonce != nil && tok.Nonce.Cmp(tt.req.Nonce) != 0) {
				t.Errorf("nonce %v, want %v", tok.Nonce, tt.req.Nonce)
			}
			if got := len(tok.SignedData.Certificates); got != tt.wantCerts {
				t.Errorf("%d certificates, want %d", got, tt.wantCerts)
			}
			if _, err := tok.Verify(digest, []*x509.Certificate{p.tsaRSA.Cert}); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func TestServerHTTPErrors(t *testing.T) {
	p := pki(t)
	_, hs := newTSA(t, p.tsaEC, nil)
	body := rawRequest(t, 1, algSHA256, true, sha256Of(nil), nil)
	tests := []struct {
		name        string
		method      string
		contentType string
		body        []byte
		want        int
	}{
		{"GET", http.MethodGet, ContentTypeQuery, nil, http.StatusMethodNotAllowed},
		{"PUT", http.MethodPut, ContentTypeQuery, body, http.StatusMethodNotAllowed},
		{"wrong content type", http.MethodPost, "application/octet-stream", body, http.StatusUnsupportedMediaType},
		{"no content type", http.MethodPost, "", body, http.StatusUnsupportedMediaType},
		{"too large", http.MethodPost, ContentTypeQuery, make([]byte, maxRequestSize+1), http.StatusRequestEntityTooLarge},
		{"content type with parameter", http.MethodPost, ContentTypeQuery + "; charset=binary", body, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, hs.URL, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("HTTP %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestServerWithoutConfiguration(t *testing.T) {
	p := pki(t)
	_, hs := newTSA(t, p.tsaEC, func(s *Server) {
		s.Policy = nil
		s.Logger = slog.New(slog.DiscardHandler)
	})
	r, err := parseResponse(post(t, hs.URL, rawRequest(t, 1, algSHA256, true, sha256Of(nil), nil)))
	if err != nil {
		t.Fatal(err)
	}
	if r.status != Rejection || !slices.Equal(r.failInfo, []FailureInfo{SystemFailure}) {
		t.Errorf("status %v %v, want rejection (systemFailure)", r.status, r.failInfo)
	}
}

func TestFailureInfoEncoding(t *testing.T) {
	tests := []struct {
		fail FailureInfo
		want string // the BIT STRING
	}{
		{BadAlg, "03020780"},
		{BadRequest, "03020520"},
		{BadDataFormat, "03020204"},
		{UnacceptedPolicy, "0303000001"},
		{SystemFailure, "030506" + "00000040"},
	}
	for _, tt := range tests {
		t.Run(tt.fail.String(), func(t *testing.T) {
			der, err := marshalResponse(Rejection, &tt.fail, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(der); !strings.HasSuffix(got, tt.want) {
				t.Errorf("response %s, want it to end with %s", got, tt.want)
			}
			r, err := parseResponse(der)
			if err != nil || !slices.Equal(r.failInfo, []FailureInfo{tt.fail}) {
				t.Errorf("parsed back %v, %v; want [%v]", r, err, tt.fail)
			}
		})
	}
}

func TestParseGeneralizedTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"20250102030405Z", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), true},
		{"20250102030405.5Z", time.Date(2025, 1, 2, 3, 4, 5, 500000000, time.UTC), true},
		{"20250102030405.123Z", time.Date(2025, 1, 2, 3, 4, 5, 123000000, time.UTC), true},
		{"20250102030405.123456789Z", time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.UTC), true},
		{"20250102030405.1234567891Z", time.Time{}, false},
		{"20250102030405.Z", time.Time{}, false},
		{"20250102030405", time.Time{}, false},
		{"20250102030405+0700", time.Time{}, false},
		{"20251302030405Z", time.Time{}, false},
		{"20250230030405Z", time.Time{}, false},
		{"20250102250405Z", time.Time{}, false},
		{"2025010203040aZ", time.Time{}, false},
		{"20250102030405,5Z", time.Time{}, false},
		{"Z", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseGeneralizedTime([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("parseGeneralizedTime(%q) error = %v, want ok = %v", tt.in, err, tt.ok)
			}
			if !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
