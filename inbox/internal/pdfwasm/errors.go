package pdfwasm

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
)

// Errors of the readers; their packages export them under the same names.
var (
	// ErrNotPDF means the data is not a PDF file, or is damaged beyond what
	// PDFium can repair.
	ErrNotPDF = errors.New("not a PDF file, or damaged beyond repair")
	// ErrEncrypted means the PDF needs a password to be opened, or uses an
	// encryption PDFium does not support.
	ErrEncrypted = errors.New("the PDF is protected by a password")
)

// Sniff checks that r looks like a PDF: PDFium accepts the header within
// the first 1024 bytes. It returns ErrNotPDF or the reader's error.
func Sniff(r io.ReaderAt, size int64) error {
	head := make([]byte, min(size, 1024))
	n, err := r.ReadAt(head, 0)
	if n < len(head) && err != nil {
		return fmt.Errorf("could not read the file: %w", err)
	}
	if !bytes.Contains(head[:n], []byte("%PDF-")) {
		return ErrNotPDF
	}
	return nil
}

// OpenError maps PDFium's reasons for not opening a document to ErrNotPDF
// or ErrEncrypted.
func OpenError(err error) error {
	switch {
	case errors.Is(err, pdfiumerrors.ErrPassword):
		return ErrEncrypted
	case errors.Is(err, pdfiumerrors.ErrSecurity):
		return fmt.Errorf("%w with an unsupported encryption", ErrEncrypted)
	}
	return ErrNotPDF
}
