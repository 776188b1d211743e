//go:build race

package pdfrender

// raceDetector is set when the tests run with -race, which slows wazero's
// Go code (module decoding and instantiation) by one or two orders of
// magnitude; the tests then draw fewer pages.
const raceDetector = true
