package sample

import (
	"bytes"
	"fmt"
)

// Objects writes small PDFs by hand from object bodies in PDF syntax, for
// tests of odd and hostile files that a real writer would not make.
type Objects struct {
	bodies []string // object i+1
}

// Add appends an object and returns its number.
func (f *Objects) Add(body string) int {
	f.bodies = append(f.bodies, body)
	return len(f.bodies)
}

// Reserve appends a placeholder object, to be Set later.
func (f *Objects) Reserve() int { return f.Add("null") }

// Set replaces the body of object n.
func (f *Objects) Set(n int, body string) { f.bodies[n-1] = body }

// Stream returns the body of a stream object with its /Length.
func Stream(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// Bytes returns the file: the objects, a classic cross-reference table and
// a trailer naming object root as the catalog.
func (f *Objects) Bytes(root int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(f.bodies))
	for i, body := range f.bodies {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(f.bodies)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(f.bodies)+1, root, xref)
	return b.Bytes()
}
