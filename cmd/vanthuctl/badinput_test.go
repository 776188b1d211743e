package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// qpdfOut rewrites data with qpdf and returns the result.
func qpdfOut(t *testing.T, data []byte, args ...string) []byte {
	t.Helper()
	needTool(t, "qpdf", "qpdf")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("qpdf", append(append([]string{}, args...), in, out)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("qpdf %v: %v\n%s", args, err, msg)
	}
	res, _ := os.ReadFile(out)
	return res
}

// sameLen replaces old with new (padded with spaces to the same length) so
// that xref offsets stay right.
func sameLen(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	if len(new) > len(old) {
		t.Fatalf("replacement %q longer than %q", new, old)
	}
	new += strings.Repeat(" ", len(old)-len(new))
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%q not found", old)
	}
	return bytes.Replace(data, []byte(old), []byte(new), 1)
}

func TestSignBadInput(t *testing.T) {
	dir, _ := testFiles(t)
	base := simplePDF(1)
	objstm := qpdfOut(t, base, "--object-streams=generate")
	pw := filepath.Join(dir, "password")
	wrongPw := filepath.Join(t.TempDir(), "wrong")
	if err := os.WriteFile(wrongPw, []byte("not the password"), 0o600); err != nil {
		t.Fatal(err)
	}

	type tc struct {
		name  string
		input []byte
		args  []string
		want  string // a phrase of the error
	}
	p12 := func(name string) []string {
		return []string{"--p12", filepath.Join(dir, name+".p12"), "--password-file", pw}
	}
	cases := []tc{
		{"not a PDF", []byte("Kính gửi: this is a letter, not a PDF file at all."), p12("leader"), "not a PDF"},
		{"empty", []byte{}, p12("leader"), "PDF"},
		{"truncated", base[:len(base)/2], p12("leader"), "truncated"},
		{"encrypted", qpdfOut(t, base, "--encrypt", "user", "owner", "256", "--"), p12("leader"), "encrypted"},
		// Edits of the trailer (after the xref table) move no offsets.
		{"huge /Size", bytes.Replace(base, []byte("/Size 6 /Root"), []byte("/Size 999999999999 /Root"), 1), p12("leader"), "/Size"},
		{"missing /Root", sameLen(t, base, "/Root 1 0 R", "/Rxxx 1 0 R"), p12("leader"), "/Root"},
		{"cyclic page tree", sameLen(t, base, "/Kids [4 0 R]", "/Kids [2 0 R]"), p12("leader"), "cycle"},
		{"xref /Prev loop", prevLoop(base), p12("leader"), "loops"},
		{"bad predictor", sameLen(t, objstm, "/Predictor 12", "/Predictor 19"), p12("leader"), "predictor"},
		{"wrong password", base, []string{"--p12", filepath.Join(dir, "leader.p12"), "--password-file", wrongPw}, "password"},
		{"expired certificate", base, p12("expired"), "expired"},
		{"non-signing certificate", base, p12("nonsigning"), "not for signing"},
		{"unreachable TSA", base, append(p12("leader"), "--tsa", "http://127.0.0.1:1/tsa"), "timestamp"},
		{"bad rect", base, append(p12("leader"), "--appearance", "personal", "--rect", "1,2,3"), "--rect"},
		{"page out of range", base, append(p12("leader"), "--appearance", "personal", "--page", "7"), "page 7"},
		{"bad image", base, append(p12("leader"), "--appearance", "personal", "--image", pw), "image"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			work := t.TempDir()
			in := filepath.Join(work, "in.pdf")
			if err := os.WriteFile(in, c.input, 0o600); err != nil {
				t.Fatal(err)
			}
			outDir := t.TempDir()
			out := filepath.Join(outDir, "out.pdf")
			code, stdout, stderr := ctl(t, append(append([]string{"sign"}, c.args...), "-o", out, in)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (stdout %q, stderr %q)", code, stdout, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
				t.Errorf("error is not one line: %q", stderr)
			}
			if !strings.Contains(strings.ToLower(stderr), strings.ToLower(c.want)) {
				t.Errorf("error %q lacks %q", stderr, c.want)
			}
			if strings.Contains(stderr, testPassword) || strings.Contains(stderr, "not the password") {
				t.Errorf("error reveals the password: %q", stderr)
			}
			if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
				t.Errorf("output directory not empty after a failure: %v", entries)
			}
			if got, _ := os.ReadFile(in); !bytes.Equal(got, c.input) {
				t.Error("the input was modified")
			}
		})
	}
}

func TestVerifyBadInput(t *testing.T) {
	dir, _ := testFiles(t)
	base := simplePDF(1)
	for name, data := range map[string][]byte{
		"not a PDF": []byte("%PDF-1.7 and then nothing useful"),
		"truncated": base[:len(base)-60],
		"encrypted": qpdfOut(t, base, "--encrypt", "user", "owner", "256", "--"),
	} {
		t.Run(name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "in.pdf")
			if err := os.WriteFile(in, data, 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := ctl(t, "verify", "--trust", filepath.Join(dir, "root.pem"), in)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (%q)", code, stderr)
			}
			if strings.Count(stderr, "\n") != 1 {
				t.Errorf("error is not one line: %q", stderr)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	dir, _ := testFiles(t)
	in := filepath.Join(t.TempDir(), "in.pdf")
	mustWrite(t, in, simplePDF(1), 0o600)
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"sign", in},
		{"sign", "-o", "x.pdf"},
		{"sign", "-o", filepath.Join(t.TempDir(), "o.pdf"), in},
		{"sign", "--p12", "a", "--pkcs11", "b", "-o", "x", in},
		{"sign", "--p12", filepath.Join(dir, "leader.p12"), "--password-file", filepath.Join(dir, "password"), "--level", "B-X", "-o", "x.pdf", in},
		{"sign", "--p12", filepath.Join(dir, "leader.p12"), "--password-file", filepath.Join(dir, "password"), "--level", "B-T", "-o", "x.pdf", in},
		{"sign", "--p12", filepath.Join(dir, "leader.p12"), "--password-file", filepath.Join(dir, "password"), "-o", in, in},
		{"verify"},
		{"verify", "--bogus", in},
		{"verify", filepath.Join(t.TempDir(), "missing.pdf")},
	} {
		if code, _, stderr := ctl(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%q)", args, code, stderr)
		}
	}
	if code, stdout, _ := ctl(t, "help"); code != 0 || !strings.Contains(stdout, "vanthuctl sign") {
		t.Errorf("help: exit %d", code)
	}
}

// prevLoop points the trailer's /Prev at its own xref table.
func prevLoop(data []byte) []byte {
	i := bytes.LastIndex(data, []byte("startxref\n"))
	off := strings.TrimSpace(strings.SplitN(string(data[i+10:]), "\n", 2)[0])
	return bytes.Replace(data, []byte("/Root 1 0 R >>"), []byte("/Root 1 0 R /Prev "+off+" >>"), 1)
}
