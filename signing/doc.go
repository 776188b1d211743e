// Package signing signs and verifies official documents: PAdES signatures
// (ETSI.CAdES.detached, levels B-B and B-T) on PDFs written as incremental
// updates, detached CMS signatures for other files, and a verifier that
// resists the known PDF signature attacks.
//
// The package never imports the GUI toolkit or the inbox: it is the engine
// the CLI, the inbox and the desktop app share.
package signing
