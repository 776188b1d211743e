package tsp

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vanthu/vanthu/signing/cms"
)

// Status is a PKIStatus.
type Status int

// PKIStatus values.
const (
	Granted                Status = 0
	GrantedWithMods        Status = 1
	Rejection              Status = 2
	Waiting                Status = 3
	RevocationWarning      Status = 4
	RevocationNotification Status = 5
)

func (s Status) String() string {
	switch s {
	case Granted:
		return "granted"
	case GrantedWithMods:
		return "grantedWithMods"
	case Rejection:
		return "rejection"
	case Waiting:
		return "waiting"
	case RevocationWarning:
		return "revocationWarning"
	case RevocationNotification:
		return "revocationNotification"
	}
	return fmt.Sprintf("status %d", int(s))
}

// StatusError is a reply from a TSA that grants no token.
type StatusError struct {
	Status   Status
	FailInfo []FailureInfo
	Text     string // the TSA's statusString, if any
}

func (e *StatusError) Error() string {
	var b strings.Builder
	b.WriteString("timestamp server returned status ")
	b.WriteString(e.Status.String())
	if len(e.FailInfo) > 0 {
		names := make([]string, len(e.FailInfo))
		for i, f := range e.FailInfo {
			names[i] = f.String()
		}
		b.WriteString(" (" + strings.Join(names, ", ") + ")")
	}
	if e.Text != "" {
		b.WriteString(": " + e.Text)
	}
	return b.String()
}

// response is a parsed TimeStampResp.
type response struct {
	status   Status
	failInfo []FailureInfo
	text     string
	token    []byte // DER ContentInfo, nil when absent
}

// parseResponse reads a TimeStampResp (BER accepted).
func parseResponse(data []byte) (*response, error) {
	der, err := cms.ToDER(data)
	if err != nil {
		return nil, fmt.Errorf("not a timestamp response: %w", err)
	}
	s := cryptobyte.String(der)
	var resp, info cryptobyte.String
	var status int64
	if !s.ReadASN1(&resp, cbasn1.SEQUENCE) || !s.Empty() ||
		!resp.ReadASN1(&info, cbasn1.SEQUENCE) || !info.ReadASN1Int64WithTag(&status, cbasn1.INTEGER) {
		return nil, errors.New("not a timestamp response")
	}
	r := &response{status: Status(status)}
	if info.PeekASN1Tag(cbasn1.SEQUENCE) {
		var texts cryptobyte.String
		if !info.ReadASN1(&texts, cbasn1.SEQUENCE) {
			return nil, errors.New("the timestamp response status text is malformed")
		}
		var parts []string
		for !texts.Empty() {
			var t cryptobyte.String
			if !texts.ReadASN1(&t, cbasn1.UTF8String) {
				return nil, errors.New("the timestamp response status text is malformed")
			}
			parts = append(parts, sanitize(string(t)))
		}
		r.text = strings.Join(parts, "; ")
	}
	if info.PeekASN1Tag(cbasn1.BIT_STRING) {
		var bits cryptobyte.String
		var unused uint8
		if !info.ReadASN1(&bits, cbasn1.BIT_STRING) || !bits.ReadUint8(&unused) || unused > 7 {
			return nil, errors.New("the timestamp response failure information is malformed")
		}
		for i, c := range bits {
			for j := range 8 {
				if c&(0x80>>j) != 0 {
					r.failInfo = append(r.failInfo, FailureInfo(i*8+j))
				}
			}
		}
	}
	if !info.Empty() {
		return nil, errors.New("the timestamp response status is malformed")
	}
	if !resp.Empty() {
		var tok cryptobyte.String
		if !resp.ReadASN1Element(&tok, cbasn1.SEQUENCE) || !resp.Empty() {
			return nil, errors.New("the timestamp response is malformed")
		}
		r.token = tok
	}
	return r, nil
}

// sanitize keeps a server's status text printable and short for error messages.
func sanitize(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// marshalResponse encodes a TimeStampResp.
func marshalResponse(status Status, fail *FailureInfo, text string, token []byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(int64(status))
			if text != "" {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) {
						b.AddBytes([]byte(text))
					})
				})
			}
			if fail != nil {
				// A named bit list in DER: no trailing zero bits.
				n := int(*fail)
				bits := make([]byte, n/8+1)
				bits[n/8] = 0x80 >> (n % 8)
				b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
					b.AddUint8(uint8(7 - n%8))
					b.AddBytes(bits)
				})
			}
		})
		if token != nil {
			b.AddBytes(token)
		}
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding the timestamp response: %w", err)
	}
	return der, nil
}
