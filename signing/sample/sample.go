// Package sample makes PDF files for tests and benchmarks: small text
// documents and large documents of a given size.
package sample

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
)

// WriteLargePDF writes a valid one-page PDF of about size bytes to path:
// the page shows one big grey image whose samples are pseudo-random (so the
// file does not compress), as a scanned document would.
func WriteLargePDF(path string, size int64, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := largePDF(w, size, seed); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func largePDF(out io.Writer, size int64, seed uint64) error {
	// A square grey image with about size bytes of samples.
	side := int64(1)
	for (side+1)*(side+1) <= size-2048 {
		side++
	}
	w := &countingWriter{w: out}
	var offs [6]int64
	obj := func(n int, format string, args ...any) {
		offs[n] = w.n
		fmt.Fprintf(w, "%d 0 obj\n", n)
		fmt.Fprintf(w, format, args...)
		fmt.Fprintf(w, "\nendobj\n")
	}
	fmt.Fprintf(w, "%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n")
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>")
	content := "q 595 0 0 842 0 0 cm /Im1 Do Q"
	obj(4, "<< /Length %d >>\nstream\n%s\nendstream", len(content), content)
	offs[5] = w.n
	fmt.Fprintf(w, "5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n", side, side, side*side)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) // #nosec G404 -- filler samples, not secrets
	buf := make([]byte, 1<<20)
	for left := side * side; left > 0; {
		n := int64(len(buf))
		if left < n {
			n = left
		}
		for i := int64(0); i < n; i += 8 {
			v := rng.Uint64()
			for j := int64(0); j < 8 && i+j < n; j++ {
				buf[i+j] = byte(v >> (8 * j))
			}
		}
		if _, err := w.Write(buf[:n]); err != nil {
			return err
		}
		left -= n
	}
	fmt.Fprintf(w, "\nendstream\nendobj\n")
	xref := w.n
	fmt.Fprintf(w, "xref\n0 6\n0000000000 65535 f\r\n")
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(w, "%010d 00000 n\r\n", offs[i])
	}
	_, err := fmt.Fprintf(w, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", xref)
	return err
}

// SimplePDF returns a small PDF with n pages, each showing one line of
// Helvetica text ("Page 1 of the dispatch", …), with a classic xref table
// and no /ID.
func SimplePDF(n int) []byte {
	var b bytes.Buffer
	offs := map[int]int{}
	obj := func(num int, body string) {
		offs[num] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", num, body)
	}
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	kids := make([]string, n)
	for i := range n {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	obj(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 595 842] >>", strings.Join(kids, " "), n))
	obj(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i := range n {
		content := fmt.Sprintf("BT /F1 24 Tf 72 720 Td (Page %d of the dispatch) Tj ET", i+1)
		obj(4+2*i, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i))
		obj(5+2*i, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}
	size := 4 + 2*n
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", size)
	for i := 1; i < size; i++ {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", offs[i])
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", size, xref)
	return b.Bytes()
}
