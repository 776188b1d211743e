//go:build race

package pdftext

// raceDetector is set when the tests run with -race, which slows wazero's
// Go code (module decoding and instantiation) by one or two orders of
// magnitude; the tests then read fewer documents.
const raceDetector = true
