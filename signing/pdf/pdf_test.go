package pdf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/signing/sample"
)

// simplePDF builds a small PDF with n pages of text and a classic xref table.
func simplePDF(n int) []byte { return sample.SimplePDF(n) }

// rebuildXref rewrites the xref table of a single-revision file made by
// simplePDF after its objects were edited in place.
func rebuildXref(data []byte) []byte {
	re := regexp.MustCompile(`(?m)^(\d+) 0 obj`)
	offs := map[int]int{}
	max := 0
	for _, m := range re.FindAllSubmatchIndex(data, -1) {
		n, _ := strconv.Atoi(string(data[m[2]:m[3]]))
		offs[n] = m[0]
		if n > max {
			max = n
		}
	}
	cut := bytes.LastIndex(data, []byte("\nxref\n")) + 1
	var b bytes.Buffer
	b.Write(data[:cut])
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", max+1)
	for i := 1; i <= max; i++ {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", offs[i])
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", max+1, cut)
	return b.Bytes()
}

func openBytes(t *testing.T, data []byte) *File {
	t.Helper()
	f, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return f
}

func needTool(t *testing.T, tool, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not found: install the Debian package %s (make deps)", tool, pkg)
	}
	return p
}

// qpdfVariant rewrites data with qpdf and the given options.
func qpdfVariant(t *testing.T, data []byte, args ...string) []byte {
	t.Helper()
	needTool(t, "qpdf", "qpdf")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	out := filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("qpdf", append(append([]string{}, args...), in, out)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("qpdf %v: %v\n%s", args, err, msg)
	}
	res, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func qpdfCheck(t *testing.T, data []byte) string {
	t.Helper()
	needTool(t, "qpdf", "qpdf")
	p := filepath.Join(t.TempDir(), "check.pdf")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("qpdf", "--check", p).CombinedOutput()
	if err != nil {
		t.Fatalf("qpdf --check failed: %v\n%s", err, out)
	}
	return string(out)
}

func TestOpenVariants(t *testing.T) {
	base := simplePDF(3)
	variants := map[string][]byte{
		"table":             base,
		"object streams":    qpdfVariant(t, base, "--object-streams=generate"),
		"linearized":        qpdfVariant(t, base, "--linearize"),
		"linearized+objstm": qpdfVariant(t, base, "--linearize", "--object-streams=generate"),
		"compressed":        qpdfVariant(t, base, "--compress-streams=y", "--object-streams=generate", "--recompress-flate"),
		"qdf":               qpdfVariant(t, base, "--qdf"),
	}
	for name, data := range variants {
		t.Run(name, func(t *testing.T) {
			f := openBytes(t, data)
			pages, err := f.Pages()
			if err != nil {
				t.Fatalf("Pages: %v", err)
			}
			if got, want := len(pages), 3; got != want {
				t.Fatalf("got %d pages, want %d", got, want)
			}
			for i, p := range pages {
				c, err := f.Resolve(p.Dict["Contents"])
				if err != nil {
					t.Fatal(err)
				}
				s, ok := c.(*Stream)
				if !ok {
					t.Fatalf("page %d contents: got %T, want stream", i+1, c)
				}
				data, err := f.Decode(s, 0)
				if err != nil {
					t.Fatalf("page %d decode: %v", i+1, err)
				}
				if want := fmt.Sprintf("(Page %d of the dispatch) Tj", i+1); !bytes.Contains(data, []byte(want)) {
					t.Errorf("page %d content %q lacks %q", i+1, data, want)
				}
				if got, want := p.MediaBox, [4]float64{0, 0, 595, 842}; got != want {
					t.Errorf("page %d MediaBox: got %v, want %v", i+1, got, want)
				}
			}
		})
	}
}

func TestUpdatePreservesStyle(t *testing.T) {
	base := simplePDF(2)
	for name, data := range map[string][]byte{
		"table":  base,
		"stream": qpdfVariant(t, base, "--object-streams=generate"),
	} {
		t.Run(name, func(t *testing.T) {
			f := openBytes(t, data)
			u := NewUpdate(f)
			cat, catRef, err := f.Catalog()
			if err != nil {
				t.Fatal(err)
			}
			note := u.Add(Dict{"Type": Name("Note"), "Text": String("Văn bản đến")})
			cat = cat.Clone()
			cat["VanthuNote"] = note
			u.Set(catRef, cat)
			enc, err := u.Encode()
			if err != nil {
				t.Fatal(err)
			}
			out := append(append([]byte{}, data...), enc.Data...)
			if !bytes.HasPrefix(out, data) {
				t.Fatal("original bytes changed")
			}
			qpdfCheck(t, out)
			g := openBytes(t, out)
			if got, want := g.XrefIsTable(), f.XrefIsTable(); got != want {
				t.Errorf("xref style: got table=%v, want table=%v", got, want)
			}
			c2, _, err := g.Catalog()
			if err != nil {
				t.Fatal(err)
			}
			nd, err := g.ResolveDict(c2["VanthuNote"])
			if err != nil || nd == nil {
				t.Fatalf("note not readable: %v", err)
			}
			if got, want := string(nd["Text"].(String)), "Văn bản đến"; got != want {
				t.Errorf("note text: got %q, want %q", got, want)
			}
			if prev, _ := AsInt(g.Trailer()["Prev"]); prev != f.StartXref() {
				t.Errorf("trailer /Prev: got %d, want %d", prev, f.StartXref())
			}
			ends, err := RevisionEnds(bytes.NewReader(out), int64(len(out)))
			if err != nil {
				t.Fatal(err)
			}
			if len(ends) < 2 || ends[len(ends)-1] != int64(len(out)) {
				t.Fatalf("revision ends %v: want the last at %d", ends, len(out))
			}
			old, err := OpenRevision(bytes.NewReader(out), int64(len(out)), ends[len(ends)-2])
			if err != nil {
				t.Fatal(err)
			}
			oc, _, _ := old.Catalog()
			if _, ok := oc["VanthuNote"]; ok {
				t.Error("the earlier revision shows the new catalog")
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	base := simplePDF(1)
	cases := map[string][]byte{
		"empty":          {},
		"not a pdf":      []byte("hello world, this is not a PDF at all"),
		"truncated":      base[:len(base)/2],
		"no startxref":   bytes.Replace(base, []byte("startxref"), []byte("startxrof"), 1),
		"bad xref":       bytes.Replace(base, []byte("xref\n0"), []byte("xref\nX"), 1),
		"no root":        bytes.Replace(base, []byte("/Root 1 0 R"), []byte("/Rxxx 1 0 R"), 1),
		"encrypted":      bytes.Replace(base, []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Encrypt 9 0 R"), 1),
		"prev loop":      bytes.Replace(base, []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Prev 0"), 1),
		"startxref past": bytes.Replace(base, []byte("startxref\n"), []byte("startxref\n9999999"), 1),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := Open(bytes.NewReader(data), int64(len(data)))
			if err == nil {
				_, err = f.Pages()
			}
			if err == nil {
				t.Fatalf("no error for %s", name)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestCycles(t *testing.T) {
	// A page tree whose kid points back at the root, and a /Length that
	// refers to the stream itself.
	base := simplePDF(1)
	cyc := bytes.Replace(base, []byte("/Kids [4 0 R]"), []byte("/Kids [2 0 R]"), 1)
	f := openBytes(t, cyc)
	if _, err := f.Pages(); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("page tree cycle: got %v, want a cycle error", err)
	}
	content := "BT /F1 24 Tf 72 720 Td (Page 1 of the dispatch) Tj ET"
	self := rebuildXref(bytes.Replace(base, []byte(fmt.Sprintf("<< /Length %d >>", len(content))), []byte("<< /Length 5 0 R >>"), 1))
	if bytes.Equal(self, base) {
		t.Fatal("test PDF changed shape; update the test")
	}
	g := openBytes(t, self)
	if _, err := g.Get(Ref{Num: 5}); err == nil {
		t.Error("self-referencing /Length: no error")
	}
}

func TestSerializeRoundTrip(t *testing.T) {
	objs := []Object{
		nil, true, false, int64(-17), 3.25, Name("A B#/C"), String("(paren) \\ back"), String{0, 1, 0xff},
		Array{int64(1), Name("x"), Ref{Num: 12, Gen: 3}},
		Dict{"K": Array{}, "S": String("Hà Nội"), "N": Dict{"X": 0.5}},
	}
	for _, o := range objs {
		var b bytes.Buffer
		if err := AppendObject(&b, o); err != nil {
			t.Fatal(err)
		}
		p := newParser(bytes.NewReader(b.Bytes()), 0, int64(b.Len()))
		got, err := p.object(0)
		if err != nil {
			t.Fatalf("parse %q: %v", b.String(), err)
		}
		if eq, err := Equal(got, o); err != nil || !eq {
			t.Errorf("round trip of %#v via %q: got %#v", o, b.String(), got)
		}
	}
}

// TestHexStrings parses hexadecimal strings that span the lexer's
// chunks, with white space, an odd digit count and bad characters.
func TestHexStrings(t *testing.T) {
	long := bytes.Repeat([]byte{0xab, 0x01, 0xfe}, 3*chunkSize)
	spaced := strings.Join(strings.SplitAfter(fmt.Sprintf("%x", long), "0"), "\n ")
	for _, c := range []struct {
		in   string
		want []byte
		err  string
	}{
		{in: "<>", want: []byte{}},
		{in: "<4142>", want: []byte("AB")},
		{in: "< 41\n4 2\t>", want: []byte("AB")},
		{in: "<414>", want: []byte{0x41, 0x40}},
		{in: "<" + fmt.Sprintf("%X", long) + ">", want: long},
		{in: "<" + spaced + ">", want: long},
		{in: "<41" + strings.Repeat(" ", 2*chunkSize) + "42>", want: []byte("AB")},
		{in: "<41G2>", err: `bad character 'G' in hex string at offset 3`},
		{in: "<" + strings.Repeat("0", 2*chunkSize) + "x>", err: fmt.Sprintf("bad character 'x' in hex string at offset %d", 2*chunkSize+1)},
		{in: "<4142", err: "unterminated hex string"},
		{in: "<" + strings.Repeat("41", chunkSize), err: "unterminated hex string"},
	} {
		in := c.in
		got, err := newParser(strings.NewReader(in), 0, int64(len(in))).object(0)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%.40q: error %v, want one saying %q", in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%.40q: %v", in, err)
			continue
		}
		if s, ok := got.(String); !ok || !bytes.Equal(s, c.want) {
			t.Errorf("%.40q: got %.40x, want %.40x", in, got, c.want)
		}
	}
}

func FuzzOpen(f *testing.F) {
	base := simplePDF(2)
	f.Add(base)
	f.Add(base[:len(base)-40])
	// A file with an incremental update, as signed files have.
	if pf, err := Open(bytes.NewReader(base), int64(len(base))); err == nil {
		u := NewUpdate(pf)
		cat, ref, _ := pf.Catalog()
		cat = cat.Clone()
		cat["Note"] = u.Add(Dict{"T": String("cập nhật")})
		u.Set(ref, cat)
		if enc, err := u.Encode(); err == nil {
			f.Add(append(append([]byte{}, base...), enc.Data...))
		}
	}
	for _, name := range []string{"seed-objstm.pdf", "seed-linearized.pdf"} {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		pages, err := pf.Pages()
		if err != nil {
			return
		}
		for _, p := range pages {
			if c, err := pf.Resolve(p.Dict["Contents"]); err == nil {
				if s, ok := c.(*Stream); ok {
					_, _ = pf.Decode(s, 1<<20)
				}
			}
		}
		for _, r := range pf.Objects() {
			_, _ = pf.Get(r)
		}
		_, _ = RevisionEnds(bytes.NewReader(data), int64(len(data)))
	})
}

// FuzzShortInt: the allocation-free integer reader agrees with
// strconv.ParseInt wherever it answers, and answers every short integer.
func FuzzShortInt(f *testing.F) {
	for _, s := range []string{"0", "-0", "+17", "-42", "123456789012345678", "1234567890123456789", "1.5", "--5", "5-", "", "+", "٣"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, w []byte) {
		got, ok := shortInt(w)
		want, err := strconv.ParseInt(string(w), 10, 64)
		if ok && (err != nil || got != want) {
			t.Errorf("shortInt(%q) = %d; ParseInt gives %d, %v", w, got, want, err)
		}
		if !ok && err == nil && len(strings.TrimLeft(string(w), "+-")) <= 18 {
			t.Errorf("shortInt(%q) refused an integer ParseInt reads as %d", w, want)
		}
	})
}
