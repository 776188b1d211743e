// Package pdfwasm runs PDFium compiled to WebAssembly (go-pdfium's
// webassembly build) inside wazero, for the inbox's PDF readers: the text
// extractor (inbox/pdftext) and the page renderer (inbox/pdfrender).
//
// An [Engine] holds the machine code wazero compiles from the PDFium module
// (about 3 s of CPU), kept on disk in a compilation cache directory when one
// is given, and the runtime configuration every instance shares. A [Slot]
// is one PDFium instance at a time in its own wazero runtime, with its own
// context (the only way to stop WebAssembly code that is running) and its
// own memory limit.
//
// The runtime checks, at every loop of PDFium's code, whether the instance
// was stopped (RuntimeConfig.WithCloseOnContextDone); those checks halve the
// speed and are kept because a hostile PDF can otherwise hold an instance
// forever.
package pdfwasm
