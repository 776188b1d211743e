package pdfwasmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/demopki"
)

// Need returns the path of an external tool, failing the test when it is
// missing.
func Need(t testing.TB, tool, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not found: these tests need it (Debian package %s)", tool, debianPackage)
	}
	return p
}

// WriteTemp writes data to a file in the test's directory and returns its
// path.
func WriteTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Example generates a demo document of the given kind and minimum pages.
func Example(t testing.TB, kind demodoc.Kind, seed int64, pages int) *demodoc.Document {
	t.Helper()
	spec := demodoc.Example(kind, seed)
	spec.Pages = pages
	doc, err := demodoc.Generate(spec)
	if err != nil {
		t.Fatalf("demodoc: %v", err)
	}
	return doc
}

var (
	pkiOnce sync.Once
	pkiVal  *demopki.PKI
	pkiErr  error
)

// PKI returns the demo PKI (without its servers) the tests share.
func PKI(t testing.TB) *demopki.PKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = demopki.New(demopki.Options{NoServers: true}) })
	if pkiErr != nil {
		t.Fatalf("demo PKI: %v", pkiErr)
	}
	return pkiVal
}

// Sign signs doc by the demo PKI's leader with a visible signature (the
// blue signature image) in the space the document keeps for it, and
// returns the path of the signed PDF, in the test's directory.
func Sign(t testing.TB, doc *demodoc.Document) (string, *signing.SignResult) {
	t.Helper()
	p := PKI(t)
	in := WriteTemp(t, "unsigned.pdf", doc.PDF)
	out := filepath.Join(t.TempDir(), "signed.pdf")
	rect := doc.SignatureRect
	res, err := signing.SignPDFFile(t.Context(), in, out, signing.PDFOptions{
		Signer: signing.Signer{Key: p.Leader.Key, Chain: p.Leader.Chain},
		Appearance: signing.Appearance{
			Kind:      signing.AppearancePersonal,
			Page:      doc.SignaturePage,
			Rect:      &rect,
			ImageOnly: true,
		},
	})
	if err != nil {
		t.Fatalf("SignPDFFile: %v", err)
	}
	return out, res
}
