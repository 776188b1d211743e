package demodoc

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tool runs one of the PDF tools; a missing tool fails the test naming the
// Debian package that provides it.
func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	pkg := map[string]string{"qpdf": "qpdf", "pdffonts": "poppler-utils", "pdftotext": "poppler-utils", "pdftoppm": "poppler-utils"}[name]
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed: install the Debian package %s (apt-get install %s)", name, pkg, pkg)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	if name == "qpdf" && stderr.Len() > 0 {
		t.Fatalf("qpdf %s warns:\n%s", strings.Join(args, " "), stderr.String())
	}
	return stdout.String()
}

// keepPDF stores a generated PDF in the test's temporary directory (and,
// with VANTHU_KEEP_PDF=dir, in dir too, to look at by hand).
func keepPDF(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("VANTHU_KEEP_PDF"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// pageText is pdftotext -layout of one page (1-based).
func pageText(t *testing.T, path string, page int) string {
	t.Helper()
	n := strconv.Itoa(page)
	return tool(t, "pdftotext", "-layout", "-enc", "UTF-8", "-f", n, "-l", n, path, "-")
}

// squeeze collapses runs of spaces within each line (pdftotext -layout pads
// columns and justified lines with spaces).
func squeeze(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

// flat collapses all white space, line breaks included, into single spaces.
func flat(text string) string { return strings.Join(strings.Fields(text), " ") }

// render rasterises one page at 72 dpi (one pixel per point).
func render(t *testing.T, path string, page int) image.Image {
	t.Helper()
	n := strconv.Itoa(page)
	prefix := filepath.Join(t.TempDir(), "page")
	tool(t, "pdftoppm", "-r", "72", "-png", "-singlefile", "-f", n, "-l", n, path, prefix)
	f, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decoding the rendered page: %v", err)
	}
	return img
}

// darkPixels counts the pixels darker than mid-grey inside the rectangle
// [x0 y0 x1 y1] of PDF user space (points, origin lower left) on a page
// rendered at 72 dpi.
func darkPixels(img image.Image, r [4]float64) int {
	b := img.Bounds()
	scale := float64(b.Dy()) / pageHeight
	px0, px1 := int(r[0]*scale+0.5), int(r[2]*scale+0.5)
	py0, py1 := int((pageHeight-r[3])*scale+0.5), int((pageHeight-r[1])*scale+0.5)
	dark := 0
	for y := max(py0, b.Min.Y); y < min(py1, b.Max.Y); y++ {
		for x := max(px0, b.Min.X); x < min(px1, b.Max.X); x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if (299*cr+587*cg+114*cb)/1000 < 0x8000 {
				dark++
			}
		}
	}
	return dark
}
