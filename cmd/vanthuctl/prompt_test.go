package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPasswordPrompt runs the real binary on a pseudo-terminal (script(1))
// without --password-file: it must ask, read the password without echo,
// and sign.
func TestPasswordPrompt(t *testing.T) {
	needTool(t, "script", "bsdutils")
	dir, _ := testFiles(t)
	work := t.TempDir()
	bin := filepath.Join(work, "vanthuctl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	in := filepath.Join(work, "in.pdf")
	mustWrite(t, in, simplePDF(1), 0o600)
	out := filepath.Join(work, "out.pdf")
	cmdline := strings.Join([]string{bin, "sign", "--p12", filepath.Join(dir, "leader.p12"), "-o", out, in}, " ")
	cmd := exec.Command("script", "-qfec", cmdline, "/dev/null")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	var transcript strings.Builder
	deadline := time.After(20 * time.Second)
	got := make(chan error, 1)
	go func() {
		for {
			b, err := r.ReadByte()
			if err != nil {
				got <- err
				return
			}
			transcript.WriteByte(b)
			if strings.HasSuffix(transcript.String(), "password for leader.p12: ") {
				got <- nil
				return
			}
		}
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("no prompt: %v\n%s", err, transcript.String())
		}
	case <-deadline:
		t.Fatalf("no prompt within 20 s:\n%s", transcript.String())
	}
	// Give the program a moment to switch echo off after its prompt.
	time.Sleep(300 * time.Millisecond)
	if _, err := io.WriteString(stdin, testPassword+"\r"); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(r)
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sign at the terminal: %v\n%s%s", err, transcript.String(), rest)
	}
	if strings.Contains(string(rest), testPassword) {
		t.Errorf("the password was echoed:\n%s", rest)
	}
	if !strings.Contains(string(rest), "signed ") {
		t.Errorf("no success message:\n%s", rest)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("no output: %v", err)
	}
}
