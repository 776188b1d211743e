package sample_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vanthu/vanthu/signing/sample"
)

// A file written from object bodies is a well-formed PDF for qpdf.
func TestObjects(t *testing.T) {
	f := &sample.Objects{}
	catalog := f.Reserve()
	pages := f.Reserve()
	content := f.Add(sample.Stream("", []byte("0 0 m 100 100 l S")))
	page := f.Add("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 3 0 R >>")
	f.Set(catalog, "<< /Type /Catalog /Pages 2 0 R >>")
	f.Set(pages, "<< /Type /Pages /Kids [4 0 R] /Count 1 >>")
	if catalog != 1 || pages != 2 || content != 3 || page != 4 {
		t.Fatalf("object numbers %d %d %d %d, want 1 2 3 4", catalog, pages, content, page)
	}
	data := f.Bytes(catalog)
	if !bytes.Contains(data, []byte("/Length 17 >>")) {
		t.Errorf("the stream's length is not stated:\n%s", data)
	}
	path := filepath.Join(t.TempDir(), "objects.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
}
