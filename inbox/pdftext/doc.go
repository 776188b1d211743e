// Package pdftext extracts the text of PDF attachments for the inbox's
// full-text search, without cgo: PDFium compiled to WebAssembly (go-pdfium's
// webassembly build) runs inside wazero (inbox/internal/pdfwasm, shared
// with the page renderer inbox/pdfrender).
//
// An [Extractor] owns a few PDFium instances ([Options.Workers]), each in its
// own wazero runtime. Every document is read by a fresh PDFium instance, so
// nothing one document does to PDFium's memory can affect the next one; the
// instance's WebAssembly memory is cleared for the next one, or left to the
// garbage collector when a document made it grow beyond 64 MiB.
// The machine code that wazero compiles from the PDFium module (about 3 s of
// CPU) is shared by all instances and, with [Options.CacheDir], kept on disk
// so that the next start of the program loads it in well under a second.
//
// PDFs come from other agencies and may be hostile. The WebAssembly sandbox
// keeps PDFium away from the process's memory and files (no directory is
// mounted into it); per document, [Options.Timeout] bounds the time,
// [Options.MaxMemory] the memory, and [Options.MaxPages] and
// [Options.MaxBytes] the work and the size of the result. Signature widgets
// and other annotations are read as they are displayed (their appearance
// streams), so the stamp lines a signature adds to a page are found.
//
// The timeout needs wazero to check, at every loop of PDFium's code, whether
// the instance was stopped (RuntimeConfig.WithCloseOnContextDone); those
// checks halve the speed, about 50 instead of 100 pages a second per worker
// for a typical dispatch, and are kept because a hostile PDF can otherwise
// hold a worker forever.
package pdftext
