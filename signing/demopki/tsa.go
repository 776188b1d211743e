package demopki

import (
	"net/http"

	"github.com/vanthu/vanthu/signing/tsp"
)

// newTSAHandler returns the RFC 3161 timestamp server of the PKI: it signs
// with the TSA identity, sends the TSA certificate and the issuing CA, and
// runs on the PKI's clock.
func newTSAHandler(p *PKI) http.Handler {
	return &tsp.Server{
		Signer: p.TSA.Key,
		Chain:  p.TSA.Chain,
		Policy: TSAPolicy,
		Now:    p.now,
	}
}
