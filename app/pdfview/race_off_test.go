//go:build !race

package pdfview

// raceDetector is set when the tests run with -race, which slows wazero's
// Go code (module decoding and instantiation) by one or two orders of
// magnitude; the tests then fill their compilation cache from a build without it.
const raceDetector = false
