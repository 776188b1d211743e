//go:build cgo

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/signing/keys"
)

// TestSignWithToken signs with the leader's key on a SoftHSM2 token, with
// the right PIN and with a wrong one.
func TestSignWithToken(t *testing.T) {
	dir, pki := testFiles(t)
	hsm, err := keys.NewSoftHSM(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// The token driver reads its configuration when first loaded.
	t.Setenv("SOFTHSM2_CONF", hsm.ConfigPath())
	pin := []byte("246810")
	if err := hsm.InitToken("Lanh dao", []byte("13579135"), pin); err != nil {
		t.Fatal(err)
	}
	if err := hsm.Import("Lanh dao", pin, "chu-ky", []byte{1}, pki.Leader.Key, pki.Leader.Chain, true); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	pinFile := filepath.Join(work, "pin")
	mustWrite(t, pinFile, append(pin, '\n'), 0o600)
	wrongFile := filepath.Join(work, "wrong-pin")
	mustWrite(t, wrongFile, []byte("999999"), 0o600)
	in := filepath.Join(work, "in.pdf")
	mustWrite(t, in, simplePDF(1), 0o600)

	out := filepath.Join(work, "signed.pdf")
	code, _, stderr := ctl(t, "sign", "--pkcs11", hsm.Module(), "--token", "Lanh dao", "--key-label", "chu-ky", "--pin-file", pinFile,
		"--appearance", "personal", "-o", out, in)
	if code != 0 {
		t.Fatalf("sign with the token: exit %d: %s", code, stderr)
	}
	if code, stdout, _ := ctl(t, "verify", "--trust", filepath.Join(dir, "root.pem"), out); code != 0 {
		t.Fatalf("verify: exit %d\n%s", code, stdout)
	}

	out2 := filepath.Join(work, "signed2.pdf")
	code, _, stderr = ctl(t, "sign", "--pkcs11", hsm.Module(), "--token", "Lanh dao", "--pin-file", wrongFile, "-o", out2, in)
	if code != 2 {
		t.Fatalf("wrong PIN: exit %d, want 2", code)
	}
	if !strings.Contains(stderr, "PIN") || strings.Contains(stderr, "999999") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("wrong PIN message %q: want one line naming the PIN problem without the PIN", stderr)
	}
	if _, err := os.Stat(out2); !os.IsNotExist(err) {
		t.Error("an output was written with a wrong PIN")
	}
	code, _, stderr = ctl(t, "sign", "--pkcs11", hsm.Module(), "--token", "Khong co", "--pin-file", pinFile, "-o", out2, in)
	if code != 2 || !strings.Contains(stderr, "Lanh dao") {
		t.Errorf("unknown token: exit %d, %q: want 2 and the labels present", code, stderr)
	}
}
