package tsp

import (
	"bytes"
	"crypto"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

func readFixture(f *testing.F, name string) []byte {
	f.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatalf("reading fixture: %v", err)
	}
	return data
}

// ourToken returns a token made by our server, for seeding.
func ourToken(f *testing.F, omit bool) []byte {
	f.Helper()
	p := pki(f)
	s := &Server{Signer: p.tsaEC.Key, Chain: p.chain(p.tsaEC), Policy: testPolicy, OmitCertificates: omit}
	req := &Request{Hash: crypto.SHA256, HashedMessage: sha256Of(nil), Nonce: big.NewInt(99), CertReq: true}
	tok, err := s.issue(req)
	if err != nil {
		f.Fatalf("issuing a seed token: %v", err)
	}
	return tok
}

func FuzzParseToken(f *testing.F) {
	f.Add(readFixture(f, "openssl-token.der"))
	f.Add(ourToken(f, false))
	f.Add(ourToken(f, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := ParseToken(data)
		if err != nil {
			return
		}
		if tok.SignedData == nil || tok.SerialNumber == nil || len(tok.HashedMessage) != tok.Hash.Size() {
			t.Fatalf("ParseToken returned an incomplete token without error")
		}
		// Verify never panics, whatever the token holds.
		_, _ = tok.Verify(tok.HashedMessage, tok.SignedData.Certificates)
	})
}

func FuzzParseRequest(f *testing.F) {
	f.Add(readFixture(f, "openssl-query.tsq"))
	for _, c := range serverRequestCases(f) {
		f.Add(c.body)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ParseRequest(data)
		if err != nil {
			var re *RequestError
			if !asRequestError(err, &re) {
				t.Fatalf("ParseRequest error %T is not a *RequestError", err)
			}
			return
		}
		// A request that parses re-encodes to the same bytes (it was DER).
		der, err := req.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed request: %v", err)
		}
		if !bytes.Equal(der, data) {
			t.Fatalf("re-encoded request differs:\n% x\n% x", der, data)
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	f.Add(readFixture(f, "openssl-reply.tsr"))
	for _, fi := range []FailureInfo{BadAlg, BadRequest, BadDataFormat, SystemFailure} {
		resp, err := marshalResponse(Rejection, &fi, "refused", nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(resp)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseResponse(data)
		if err != nil {
			return
		}
		_ = (&StatusError{Status: r.status, FailInfo: r.failInfo, Text: r.text}).Error()
	})
}
