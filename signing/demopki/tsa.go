package demopki

import "net/http"

// newTSAHandler returns the timestamp server for the PKI, or nil when none is
// available.
func newTSAHandler(_ *PKI) http.Handler {
	return nil
}
