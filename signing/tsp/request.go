// Package tsp implements RFC 3161 timestamps: a client that asks a
// timestamp authority (TSA) for a token and checks it, a token parser and
// verifier, and a small TSA server for tests and the demo.
package tsp

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vanthu/vanthu/signing/cms"
)

// Media types of the HTTP transport (RFC 3161 section 3.4).
const (
	ContentTypeQuery = "application/timestamp-query"
	ContentTypeReply = "application/timestamp-reply"
)

// Request is a TimeStampReq.
type Request struct {
	Hash          crypto.Hash // hash of the message imprint
	HashedMessage []byte
	Policy        asn1.ObjectIdentifier // optional reqPolicy
	Nonce         *big.Int              // optional
	CertReq       bool                  // ask the TSA to include its certificate

	rawImprint []byte // MessageImprint as received, echoed by the server
}

// FailureInfo is a PKIFailureInfo bit number.
type FailureInfo int

// PKIFailureInfo values (RFC 3161 section 2.4.2).
const (
	BadAlg              FailureInfo = 0
	BadRequest          FailureInfo = 2
	BadDataFormat       FailureInfo = 5
	TimeNotAvailable    FailureInfo = 14
	UnacceptedPolicy    FailureInfo = 15
	UnacceptedExtension FailureInfo = 16
	AddInfoNotAvailable FailureInfo = 17
	SystemFailure       FailureInfo = 25
)

func (f FailureInfo) String() string {
	switch f {
	case BadAlg:
		return "badAlg"
	case BadRequest:
		return "badRequest"
	case BadDataFormat:
		return "badDataFormat"
	case TimeNotAvailable:
		return "timeNotAvailable"
	case UnacceptedPolicy:
		return "unacceptedPolicy"
	case UnacceptedExtension:
		return "unacceptedExtension"
	case AddInfoNotAvailable:
		return "addInfoNotAvailable"
	case SystemFailure:
		return "systemFailure"
	}
	return fmt.Sprintf("failure bit %d", int(f))
}

// RequestError explains why a TSA refuses a request.
type RequestError struct {
	FailInfo FailureInfo
	Reason   string
}

func (e *RequestError) Error() string {
	return "timestamp request refused (" + e.FailInfo.String() + "): " + e.Reason
}

func refuse(f FailureInfo, format string, args ...any) error {
	return &RequestError{FailInfo: f, Reason: fmt.Sprintf(format, args...)}
}

// Marshal returns the DER TimeStampReq.
func (r *Request) Marshal() ([]byte, error) {
	imprint, err := r.imprint()
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddBytes(imprint)
		if len(r.Policy) > 0 {
			b.AddASN1ObjectIdentifier(r.Policy)
		}
		if r.Nonce != nil {
			b.AddASN1BigInt(r.Nonce)
		}
		if r.CertReq {
			b.AddASN1Boolean(true)
		}
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding the timestamp request: %w", err)
	}
	return der, nil
}

var tagExtensions = cbasn1.Tag(0).ContextSpecific().Constructed()

// ParseRequest reads a DER TimeStampReq. Errors are *RequestError values
// naming the PKIFailureInfo a TSA should answer with. Only SHA-256, SHA-384
// and SHA-512 imprints are accepted, and no extensions.
func ParseRequest(der []byte) (*Request, error) {
	if len(der) == 0 {
		return nil, refuse(BadRequest, "the request is empty")
	}
	s := cryptobyte.String(der)
	var req, imprint, algSeq cryptobyte.String
	var version int64
	if !s.ReadASN1(&req, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, refuse(BadDataFormat, "the request is not a DER TimeStampReq")
	}
	if !req.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) {
		return nil, refuse(BadDataFormat, "the request version is malformed")
	}
	if version != 1 {
		return nil, refuse(BadDataFormat, "request version %d is not supported", version)
	}
	r := &Request{}
	if !req.ReadASN1Element(&imprint, cbasn1.SEQUENCE) {
		return nil, refuse(BadDataFormat, "the message imprint is malformed")
	}
	r.rawImprint = imprint
	body := imprint
	var algOID asn1.ObjectIdentifier
	if !body.ReadASN1(&imprint, cbasn1.SEQUENCE) ||
		!imprint.ReadASN1(&algSeq, cbasn1.SEQUENCE) || !algSeq.ReadASN1ObjectIdentifier(&algOID) ||
		!imprint.ReadASN1Bytes(&r.HashedMessage, cbasn1.OCTET_STRING) || !imprint.Empty() {
		return nil, refuse(BadDataFormat, "the message imprint is malformed")
	}
	absentOrNULL := algSeq.Empty() || bytes.Equal(algSeq, []byte{0x05, 0x00})
	if !absentOrNULL {
		return nil, refuse(BadDataFormat, "the imprint hash algorithm has unexpected parameters")
	}
	h, err := cms.HashFromOID(algOID)
	if err != nil {
		return nil, refuse(BadAlg, "hash algorithm %s is not supported", algOID)
	}
	switch h {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return nil, refuse(BadAlg, "hash algorithm %s is not accepted (use SHA-256, SHA-384 or SHA-512)", algOID)
	}
	r.Hash = h
	if len(r.HashedMessage) != h.Size() {
		return nil, refuse(BadDataFormat, "the imprint has %d bytes but a %d-byte digest was announced", len(r.HashedMessage), h.Size())
	}
	if req.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
		if !req.ReadASN1ObjectIdentifier(&r.Policy) {
			return nil, refuse(BadDataFormat, "the requested policy is malformed")
		}
	}
	if req.PeekASN1Tag(cbasn1.INTEGER) {
		r.Nonce = new(big.Int)
		if !req.ReadASN1Integer(r.Nonce) {
			return nil, refuse(BadDataFormat, "the nonce is malformed")
		}
	}
	if req.PeekASN1Tag(cbasn1.BOOLEAN) {
		if !req.ReadASN1Boolean(&r.CertReq) || !r.CertReq { // DER leaves out the default FALSE
			return nil, refuse(BadDataFormat, "the certReq field is malformed")
		}
	}
	if req.PeekASN1Tag(tagExtensions) {
		return nil, refuse(UnacceptedExtension, "request extensions are not supported")
	}
	if !req.Empty() {
		return nil, refuse(BadDataFormat, "unexpected data in the request")
	}
	return r, nil
}

// imprint returns the DER MessageImprint: as received for a parsed
// request, else built from the fields.
func (r *Request) imprint() ([]byte, error) {
	if r.rawImprint != nil {
		return r.rawImprint, nil
	}
	oid, err := cms.OIDFromHash(r.Hash)
	if err != nil {
		return nil, err
	}
	if len(r.HashedMessage) != r.Hash.Size() {
		return nil, fmt.Errorf("the digest to timestamp has %d bytes, want %d", len(r.HashedMessage), r.Hash.Size())
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1NULL()
		})
		b.AddASN1OctetString(r.HashedMessage)
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding the message imprint: %w", err)
	}
	return der, nil
}
