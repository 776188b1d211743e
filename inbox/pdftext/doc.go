// Package pdftext extracts the text of PDF files without cgo (PDFium
// compiled to WebAssembly, run by wazero), for full-text search.
package pdftext

import (
	_ "github.com/klippa-app/go-pdfium/webassembly" // PDFium as WebAssembly
	_ "github.com/tetratelabs/wazero"               // its runtime
)
