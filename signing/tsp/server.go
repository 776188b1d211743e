package tsp

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"net/http"
	"sync"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vanthu/vanthu/signing/cms"
)

// maxRequestSize bounds a request body; real requests are about 100 bytes.
const maxRequestSize = 16 << 10

// Server is an RFC 3161 timestamp authority over HTTP: it answers
// POST application/timestamp-query with application/timestamp-reply. It is
// meant for tests and the demo. It is safe for concurrent requests; do not
// change its fields while it serves.
type Server struct {
	// Signer signs tokens; Chain[0] is the TSA certificate (with a critical
	// id-kp-timeStamping extended key usage), the rest are sent with it.
	Signer crypto.Signer
	Chain  []*x509.Certificate
	// Policy is the TSA policy of every token; requests for another
	// policy are refused.
	Policy asn1.ObjectIdentifier
	// Hash signs the tokens, SHA-256 when zero.
	Hash crypto.Hash
	// Now gives the time; nil means time.Now.
	Now func() time.Time
	// OmitCertificates leaves certificates out of tokens even when the
	// request asks for them (for tests).
	OmitCertificates bool
	// Logger receives failures to sign; nil means slog.Default().
	Logger *slog.Logger

	mu         sync.Mutex
	lastSerial int64
}

// ServeHTTP answers one timestamp request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "timestamp requests must be sent with POST", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != ContentTypeQuery {
		http.Error(w, "the request must have content type "+ContentTypeQuery, http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestSize))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "the timestamp request is too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "the timestamp request could not be read", http.StatusBadRequest)
		return
	}
	reply := s.reply(body)
	w.Header().Set("Content-Type", ContentTypeReply)
	_, _ = w.Write(reply)
}

// reply builds the TimeStampResp for a request body.
func (s *Server) reply(body []byte) []byte {
	req, err := ParseRequest(body)
	if err == nil && len(req.Policy) > 0 && !req.Policy.Equal(s.Policy) {
		err = refuse(UnacceptedPolicy, "policy %s is not offered by this TSA", req.Policy)
	}
	if err != nil {
		var re *RequestError
		if !errors.As(err, &re) {
			re = &RequestError{FailInfo: BadRequest, Reason: err.Error()}
		}
		return s.rejection(re.FailInfo, re.Reason)
	}
	token, err := s.issue(req)
	if err != nil {
		s.logger().Error("timestamp signing failed", "err", err)
		return s.rejection(SystemFailure, "the TSA could not sign the timestamp")
	}
	resp, err := marshalResponse(Granted, nil, "", token)
	if err != nil {
		s.logger().Error("timestamp response encoding failed", "err", err)
		return s.rejection(SystemFailure, "the TSA could not encode the timestamp")
	}
	return resp
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Server) rejection(f FailureInfo, text string) []byte {
	resp, err := marshalResponse(Rejection, &f, text, nil)
	if err != nil {
		// Only an unencodable text can fail; send the bare status.
		resp, _ = marshalResponse(Rejection, &f, "", nil)
	}
	return resp
}

// nextSerial returns a serial number larger than any before, also across
// restarts (it starts from the clock in nanoseconds).
func (s *Server) nextSerial(now time.Time) *big.Int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := max(s.lastSerial+1, now.UnixNano())
	s.lastSerial = n
	return big.NewInt(n)
}

// issue signs a TSTInfo answering req and returns the DER token.
func (s *Server) issue(req *Request) ([]byte, error) {
	if s.Signer == nil || len(s.Chain) == 0 || len(s.Policy) == 0 {
		return nil, errors.New("the TSA has no key, certificate or policy configured")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now()
	imprint, err := req.imprint()
	if err != nil {
		return nil, err
	}
	genTime := t.UTC().Truncate(time.Second)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1ObjectIdentifier(s.Policy)
		b.AddBytes(imprint)
		b.AddASN1BigInt(s.nextSerial(t))
		b.AddASN1GeneralizedTime(genTime)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // accuracy: 1 s
			b.AddASN1Int64(1)
		})
		// ordering FALSE is the default and is left out.
		if req.Nonce != nil {
			b.AddASN1BigInt(req.Nonce)
		}
	})
	tstInfo, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding TSTInfo: %w", err)
	}
	sd, err := cms.SignAttached(tstInfo, s.Signer, s.Chain, cms.SignOptions{Hash: s.Hash, ContentType: cms.OIDTSTInfo})
	if err != nil {
		return nil, err
	}
	if !req.CertReq || s.OmitCertificates {
		sd.Certificates = nil
	}
	return sd.Marshal()
}
