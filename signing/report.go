package signing

import (
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Verdict is the outcome for one signature or a whole document.
type Verdict string

// The three verdicts of SIGNATURES.md §3 h.
const (
	Valid         Verdict = "VALID"
	Invalid       Verdict = "INVALID"
	Indeterminate Verdict = "INDETERMINATE"
)

// CertInfo is what a person needs to know about a certificate.
type CertInfo struct {
	Name         string    `json:"name"`
	Organization string    `json:"organization,omitempty"`
	Title        string    `json:"title,omitempty"`
	Subject      string    `json:"subject"`
	Issuer       string    `json:"issuer"`
	Serial       string    `json:"serial"`
	NotBefore    time.Time `json:"notBefore"`
	NotAfter     time.Time `json:"notAfter"`
	SHA256       string    `json:"sha256"`
}

func certInfo(c *x509.Certificate) *CertInfo {
	if c == nil {
		return nil
	}
	ci := &CertInfo{
		Name:      certName(c),
		Subject:   c.Subject.String(),
		Issuer:    c.Issuer.String(),
		Serial:    hex.EncodeToString(c.SerialNumber.Bytes()),
		NotBefore: c.NotBefore,
		NotAfter:  c.NotAfter,
		SHA256:    sha256Hex(c.Raw),
	}
	if len(c.Subject.Organization) > 0 {
		ci.Organization = c.Subject.Organization[0]
	}
	for _, a := range c.Subject.Names {
		if a.Type.Equal(oidTitle) {
			if s, ok := a.Value.(string); ok {
				ci.Title = s
			}
		}
	}
	return ci
}

// TimestampInfo describes a signature or document timestamp.
type TimestampInfo struct {
	Time    time.Time `json:"time"`
	TSA     *CertInfo `json:"tsa,omitempty"`
	Verdict Verdict   `json:"verdict"`
	Reason  string    `json:"reason,omitempty"`
}

// Change is one modification made in a revision after a signature.
type Change struct {
	Revision int    `json:"revision"`
	What     string `json:"what"`
	Allowed  bool   `json:"allowed"`
}

// SignatureReport is the verdict on one signature.
type SignatureReport struct {
	Field     string `json:"field"`
	Kind      string `json:"kind"` // "signature", "certification" or "document timestamp"
	SubFilter string `json:"subFilter,omitempty"`
	Level     string `json:"level,omitempty"` // "B-B", "B-T", or "" for non-PAdES formats

	Verdict  Verdict  `json:"verdict"`
	Reason   string   `json:"reason,omitempty"` // why it is not VALID
	Problems []string `json:"problems,omitempty"`
	Warnings []string `json:"warnings,omitempty"`

	// Intact means the signed bytes are unchanged and the signature math
	// holds (ByteRange, digest, CMS signature); trust aside.
	Intact bool `json:"intact"`

	Signer      *CertInfo      `json:"signer,omitempty"`
	Chain       []*CertInfo    `json:"chain,omitempty"`
	ClaimedTime time.Time      `json:"claimedTime,omitzero"`
	Timestamp   *TimestampInfo `json:"timestamp,omitempty"`
	SignReason  string         `json:"signReason,omitempty"`
	Location    string         `json:"location,omitempty"`
	Hash        string         `json:"hash,omitempty"`

	ByteRange      [4]int64  `json:"byteRange"`
	Revision       int       `json:"revision"`       // 1-based revision the signature closes
	Revisions      int       `json:"revisions"`      // revisions in the file
	CoversDocument bool      `json:"coversDocument"` // no later revisions
	Changes        []Change  `json:"changes,omitempty"`
	Certification  int       `json:"docMDP,omitempty"` // DocMDP permission of a certification signature
	Page           int       `json:"page,omitempty"`
	Rect           []float64 `json:"rect,omitempty"`
	Revocation     []string  `json:"revocation,omitempty"`
}

// Report is the verdict on a document.
type Report struct {
	File       string             `json:"file,omitempty"`
	Verdict    Verdict            `json:"verdict"`
	Summary    string             `json:"summary"`
	Revisions  int                `json:"revisions"`
	Signatures []*SignatureReport `json:"signatures"`
	Problems   []string           `json:"problems,omitempty"`
}

func (r *Report) finish() {
	r.Verdict = Valid
	if len(r.Signatures) == 0 {
		r.Verdict = Invalid
		r.Summary = "the document has no signatures"
		return
	}
	valid := 0
	for _, s := range r.Signatures {
		switch s.Verdict {
		case Valid:
			valid++
		case Invalid:
			r.Verdict = Invalid
		case Indeterminate:
			if r.Verdict == Valid {
				r.Verdict = Indeterminate
			}
		}
	}
	if len(r.Problems) > 0 {
		r.Verdict = Invalid
	}
	switch r.Verdict {
	case Valid:
		r.Summary = fmt.Sprintf("all %d signature(s) are valid", len(r.Signatures))
	case Invalid:
		r.Summary = fmt.Sprintf("%d of %d signature(s) valid; the document is NOT validly signed", valid, len(r.Signatures))
	default:
		r.Summary = fmt.Sprintf("%d of %d signature(s) valid; the others could not be fully checked", valid, len(r.Signatures))
	}
}

func (s *SignatureReport) fail(v Verdict, reason string) {
	s.Problems = append(s.Problems, reason)
	if s.Verdict == Invalid {
		return
	}
	if v == Invalid || s.Verdict != Indeterminate {
		s.Verdict, s.Reason = v, reason
	}
}

// Text renders the report for people.
func (r *Report) Text() string {
	var b strings.Builder
	if r.File != "" {
		fmt.Fprintf(&b, "%s\n", r.File)
	}
	fmt.Fprintf(&b, "Document: %s — %s\n", r.Verdict, r.Summary)
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  ! %s\n", p)
	}
	for i, s := range r.Signatures {
		fmt.Fprintf(&b, "\nSignature %d (%s, field %q): %s\n", i+1, s.Kind, s.Field, s.Verdict)
		if s.Reason != "" {
			fmt.Fprintf(&b, "  Reason: %s\n", s.Reason)
		}
		if s.Signer != nil {
			fmt.Fprintf(&b, "  Signed by: %s", s.Signer.Name)
			if s.Signer.Organization != "" && s.Signer.Organization != s.Signer.Name {
				fmt.Fprintf(&b, " (%s)", s.Signer.Organization)
			}
			b.WriteString("\n")
			fmt.Fprintf(&b, "  Certificate issued by: %s, valid %s – %s\n", s.Signer.Issuer,
				s.Signer.NotBefore.In(VietnamTime).Format("02/01/2006"), s.Signer.NotAfter.In(VietnamTime).Format("02/01/2006"))
		}
		if !s.ClaimedTime.IsZero() {
			fmt.Fprintf(&b, "  Signing time (claimed by the signer): %s\n", s.ClaimedTime.In(VietnamTime).Format("02/01/2006 15:04:05 -07:00"))
		}
		if s.Timestamp != nil {
			fmt.Fprintf(&b, "  Timestamp: %s, %s", s.Timestamp.Time.In(VietnamTime).Format("02/01/2006 15:04:05 -07:00"), s.Timestamp.Verdict)
			if s.Timestamp.TSA != nil {
				fmt.Fprintf(&b, " (by %s)", s.Timestamp.TSA.Name)
			}
			if s.Timestamp.Reason != "" {
				fmt.Fprintf(&b, ": %s", s.Timestamp.Reason)
			}
			b.WriteString("\n")
		}
		if s.SubFilter != "" {
			format := []string{s.SubFilter}
			if s.Level != "" {
				format = append(format, "PAdES "+s.Level)
			}
			if s.Hash != "" {
				format = append(format, s.Hash)
			}
			fmt.Fprintf(&b, "  Format: %s\n", strings.Join(format, ", "))
		}
		if s.Revision > 0 {
			if s.CoversDocument {
				fmt.Fprintf(&b, "  Covers: the whole document (revision %d of %d)\n", s.Revision, s.Revisions)
			} else {
				fmt.Fprintf(&b, "  Covers: revision %d of %d; %d later revision(s)\n", s.Revision, s.Revisions, s.Revisions-s.Revision)
			}
		}
		for _, c := range s.Changes {
			mark := "allowed"
			if !c.Allowed {
				mark = "NOT ALLOWED"
			}
			fmt.Fprintf(&b, "    revision %d: %s (%s)\n", c.Revision, c.What, mark)
		}
		if s.Certification > 0 {
			fmt.Fprintf(&b, "  Certification: %s\n", docMDPText(s.Certification))
		}
		if len(s.Chain) > 1 {
			names := make([]string, len(s.Chain))
			for i, c := range s.Chain {
				names[i] = c.Name
			}
			fmt.Fprintf(&b, "  Chain: %s\n", strings.Join(names, " → "))
		}
		for _, rv := range s.Revocation {
			fmt.Fprintf(&b, "  Revocation: %s\n", rv)
		}
		for _, p := range s.Problems {
			if p != s.Reason {
				fmt.Fprintf(&b, "  ! %s\n", p)
			}
		}
		for _, w := range s.Warnings {
			fmt.Fprintf(&b, "  note: %s\n", w)
		}
	}
	return b.String()
}

func docMDPText(p int) string {
	switch p {
	case 1:
		return "no changes allowed"
	case 2:
		return "form filling and signing allowed"
	case 3:
		return "form filling, signing and annotations allowed"
	}
	return fmt.Sprintf("permission %d", p)
}
