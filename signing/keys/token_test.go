//go:build cgo

package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/pkcs11"
)

var (
	testUserPIN = []byte("246810")
	testSOPIN   = []byte("so-135791")
)

const testTokenLabel = "Vanthu Test Token"

// tokenFixture is a private SoftHSM2 instance in t.TempDir() holding one
// token with an RSA-2048 key (label "leader-rsa", id 01) and an ECDSA P-256
// key (label "agency-ec", id 02), each with its certificate and issuers.
type tokenFixture struct {
	hsm      *SoftHSM
	pki      *testPKI
	rsaKey   *rsa.PrivateKey
	rsaChain []*x509.Certificate
	ecKey    *ecdsa.PrivateKey
	ecChain  []*x509.Certificate
	serial   string
}

// startSoftHSM starts an empty SoftHSM2 instance for the test and points this
// process's SOFTHSM2_CONF at it. At the end of the test it checks that every
// user of the driver released it.
func startSoftHSM(t *testing.T) *SoftHSM {
	t.Helper()
	t.Cleanup(func() {
		registry.Lock()
		defer registry.Unlock()
		for path, m := range registry.modules {
			t.Errorf("token driver %s is still loaded with %d users after the test", path, m.refs)
			if m.finalize {
				_ = m.ctx.Finalize()
			}
			m.ctx.Destroy()
			delete(registry.modules, path)
		}
	})
	hsm, err := NewSoftHSM(t.TempDir())
	if err != nil {
		t.Fatalf("NewSoftHSM: %v", err)
	}
	t.Setenv("SOFTHSM2_CONF", hsm.ConfigPath())
	return hsm
}

func newTokenFixture(t *testing.T) *tokenFixture {
	t.Helper()
	f := &tokenFixture{hsm: startSoftHSM(t), pki: newTestPKI(t), rsaKey: testRSAKey(t, 0), ecKey: testECKey(t)}
	f.rsaChain = f.pki.leaf(t, "Nguyễn Văn An - Phó Chủ tịch", f.rsaKey.Public())
	f.ecChain = f.pki.leaf(t, "UBND tỉnh Thử Nghiệm", f.ecKey.Public())
	if err := f.hsm.InitToken(testTokenLabel, testSOPIN, testUserPIN); err != nil {
		t.Fatalf("InitToken: %v", err)
	}
	if err := f.hsm.Import(testTokenLabel, testUserPIN, "leader-rsa", []byte{1}, f.rsaKey, f.rsaChain, false); err != nil {
		t.Fatalf("Import RSA: %v", err)
	}
	if err := f.hsm.Import(testTokenLabel, testUserPIN, "agency-ec", []byte{2}, f.ecKey, f.ecChain, false); err != nil {
		t.Fatalf("Import ECDSA: %v", err)
	}
	tokens, err := ListTokens(f.hsm.Module())
	if err != nil || len(tokens) != 1 {
		t.Fatalf("ListTokens: got %v, %v; want one token", tokens, err)
	}
	f.serial = tokens[0].Serial
	return f
}

func (f *tokenFixture) config(keyLabel string) TokenConfig {
	return TokenConfig{Module: f.hsm.Module(), TokenLabel: testTokenLabel, KeyLabel: keyLabel, PIN: bytes.Clone(testUserPIN)}
}

func openKey(t *testing.T, cfg TokenConfig) *Key {
	t.Helper()
	k, err := OpenToken(cfg)
	if err != nil {
		t.Fatalf("OpenToken: %v", err)
	}
	t.Cleanup(func() { _ = k.Close() })
	return k
}

// signOpts is one way of signing a digest, with its verification.
type signOpts struct {
	name string
	opts crypto.SignerOpts
}

var rsaSignOpts = []signOpts{
	{"PKCS#1 v1.5 SHA-256", crypto.SHA256},
	{"PKCS#1 v1.5 SHA-384", crypto.SHA384},
	{"PKCS#1 v1.5 SHA-512", crypto.SHA512},
	{"PSS SHA-256", &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}},
	{"PSS SHA-384", &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA384}},
	{"PSS SHA-512 auto salt", &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: crypto.SHA512}},
	{"PSS SHA-256 salt 20", &rsa.PSSOptions{SaltLength: 20, Hash: crypto.SHA256}},
}

var ecSignOpts = []signOpts{
	{"ECDSA SHA-256", crypto.SHA256},
	{"ECDSA SHA-384", crypto.SHA384},
	{"ECDSA SHA-512", crypto.SHA512},
}

func TestTokenSign(t *testing.T) {
	f := newTokenFixture(t)
	tests := []struct {
		keyLabel string
		chain    []*x509.Certificate
		pub      crypto.PublicKey
		opts     []signOpts
	}{
		{"leader-rsa", f.rsaChain, f.rsaKey.Public(), rsaSignOpts},
		{"agency-ec", f.ecChain, f.ecKey.Public(), ecSignOpts},
	}
	for _, tt := range tests {
		k := openKey(t, f.config(tt.keyLabel))
		if !sameChain(k.Chain, tt.chain) {
			t.Errorf("%s chain: got %v, want %v", tt.keyLabel, chainNames(k.Chain), chainNames(tt.chain))
		}
		if !k.Certificate().Equal(tt.chain[0]) {
			t.Errorf("%s Certificate(): got %q, want %q", tt.keyLabel, k.Certificate().Subject, tt.chain[0].Subject)
		}
		if !keyMatches(k.Signer.Public(), tt.chain[0]) {
			t.Errorf("%s Public() does not match the certificate", tt.keyLabel)
		}
		for _, so := range tt.opts {
			t.Run(tt.keyLabel+"/"+so.name, func(t *testing.T) {
				digest := digestFor(so.opts.HashFunc(), "Công văn số 45/UBND-VP "+so.name)
				sig, err := k.Signer.Sign(rand.Reader, digest, so.opts)
				if err != nil {
					t.Fatalf("Sign: %v", err)
				}
				if !verifySig(tt.pub, digest, sig, so.opts) {
					t.Errorf("the signature does not verify with the key's public key")
				}
				// Also the exact salt length: PSS with a salt as long as the hash.
				if pss, ok := so.opts.(*rsa.PSSOptions); ok && pss.SaltLength != 20 {
					strict := &rsa.PSSOptions{SaltLength: so.opts.HashFunc().Size(), Hash: so.opts.HashFunc()}
					if err := rsa.VerifyPSS(f.rsaKey.Public().(*rsa.PublicKey), so.opts.HashFunc(), digest, sig, strict); err != nil {
						t.Errorf("PSS salt is not the hash length: %v", err)
					}
				}
			})
		}
	}
}

func TestTokenSignRejectsBadInput(t *testing.T) {
	f := newTokenFixture(t)
	k := openKey(t, f.config("leader-rsa"))
	d256 := digestFor(crypto.SHA256, "x")
	tests := []struct {
		name    string
		digest  []byte
		opts    crypto.SignerOpts
		wantMsg string
	}{
		{"digest of the wrong length", d256[:31], crypto.SHA256, "the digest is 31 bytes long"},
		{"raw signature without hash", d256, crypto.Hash(0), "not supported"},
		{"SHA-1", d256[:20], crypto.SHA1, "not supported"},
		{"unknown hash value", d256, crypto.Hash(250), "not supported"},
		{"nil options", d256, nil, "no hash function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := k.Signer.Sign(rand.Reader, tt.digest, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("got %v, want an error containing %q", err, tt.wantMsg)
			}
		})
	}
	// The session is still good afterwards.
	if _, err := k.Signer.Sign(rand.Reader, d256, crypto.SHA256); err != nil {
		t.Errorf("Sign after refused inputs: %v", err)
	}
}

// TestTokenConcurrentSigning signs from 8 goroutines at once through one
// Key (one session, one login) and verifies every signature.
func TestTokenConcurrentSigning(t *testing.T) {
	f := newTokenFixture(t)
	for _, tc := range []struct {
		keyLabel string
		pub      crypto.PublicKey
		opts     []signOpts
	}{
		{"leader-rsa", f.rsaKey.Public(), rsaSignOpts},
		{"agency-ec", f.ecKey.Public(), ecSignOpts},
	} {
		k := openKey(t, f.config(tc.keyLabel))
		var wg sync.WaitGroup
		errs := make(chan error, 8*25)
		for g := range 8 {
			wg.Go(func() {
				for i := range 25 {
					so := tc.opts[(g+i)%len(tc.opts)]
					digest := digestFor(so.opts.HashFunc(), fmt.Sprintf("văn bản %d-%d", g, i))
					sig, err := k.Signer.Sign(rand.Reader, digest, so.opts)
					if err != nil {
						errs <- fmt.Errorf("goroutine %d signature %d: %w", g, i, err)
						continue
					}
					if !verifySig(tc.pub, digest, sig, so.opts) {
						errs <- fmt.Errorf("goroutine %d signature %d (%s) does not verify", g, i, so.name)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("%s: %v", tc.keyLabel, err)
		}
	}
}

func TestTokenWrongPIN(t *testing.T) {
	f := newTokenFixture(t)
	wrong := []byte("975310")
	cfg := f.config("leader-rsa")
	cfg.PIN = wrong
	k, err := OpenToken(cfg)
	if err == nil {
		_ = k.Close()
		t.Fatal("OpenToken with a wrong PIN: got a key, want an error")
	}
	msg := err.Error()
	if !errors.Is(err, ErrWrongPIN) {
		t.Errorf("errors.Is(err, ErrWrongPIN): got false for %q", msg)
	}
	if want := "the token refused the PIN"; !strings.Contains(msg, want) {
		t.Errorf("error: got %q, want it to contain %q", msg, want)
	}
	if !strings.Contains(msg, testTokenLabel) {
		t.Errorf("error %q does not name the token", msg)
	}
	// SoftHSM2 sets CKF_USER_PIN_COUNT_LOW after a wrong PIN; the message
	// passes the warning on.
	if want := "few tries are left"; !strings.Contains(msg, want) {
		t.Errorf("error: got %q, want the hint %q", msg, want)
	}
	for _, secret := range [][]byte{wrong, testUserPIN, testSOPIN} {
		if strings.Contains(msg, string(secret)) {
			t.Errorf("error %q contains a PIN", msg)
		}
	}
	tokens, err := ListTokens(f.hsm.Module())
	if err != nil {
		t.Fatal(err)
	}
	if !tokens[0].PINCountLow || tokens[0].PINLocked {
		t.Errorf("after a wrong PIN: got PINCountLow=%v PINLocked=%v, want true, false", tokens[0].PINCountLow, tokens[0].PINLocked)
	}

	// A missing PIN is asked for, not sent to the token.
	cfg.PIN = nil
	if _, err := OpenToken(cfg); err == nil || !strings.Contains(err.Error(), "needs its PIN") {
		t.Errorf("empty PIN: got %v, want an error asking for the PIN", err)
	}

	// The right PIN still works.
	openKey(t, f.config("leader-rsa"))
}

// TestTokenPINLockSoftHSM records what SoftHSM2 2.6 does after many wrong
// PINs: it keeps refusing with CKR_PIN_INCORRECT and raises only
// CKF_USER_PIN_COUNT_LOW; it never sets CKF_USER_PIN_FINAL_TRY or
// CKF_USER_PIN_LOCKED, and the right PIN still opens the token. The locked
// and final-try paths are covered by TestLoginError with real token flags.
func TestTokenPINLockSoftHSM(t *testing.T) {
	f := newTokenFixture(t)
	cfg := f.config("agency-ec")
	cfg.PIN = []byte("000000")
	for i := range 15 {
		_, err := OpenToken(cfg)
		if !errors.Is(err, ErrWrongPIN) || errors.Is(err, ErrPINLocked) {
			t.Fatalf("wrong PIN #%d: got %v, want ErrWrongPIN and not locked", i+1, err)
		}
		if strings.Contains(err.Error(), "one more wrong PIN") {
			t.Errorf("wrong PIN #%d: got %q; SoftHSM2 was not expected to report a final try", i+1, err)
		}
	}
	tokens, err := ListTokens(f.hsm.Module())
	if err != nil {
		t.Fatal(err)
	}
	if got := tokens[0]; got.PINLocked || got.PINFinalTry || !got.PINCountLow {
		t.Errorf("after 15 wrong PINs: got locked=%v finalTry=%v countLow=%v, want false false true", got.PINLocked, got.PINFinalTry, got.PINCountLow)
	}
	k := openKey(t, f.config("agency-ec"))
	if _, err := k.Signer.Sign(rand.Reader, digestFor(crypto.SHA256, "x"), crypto.SHA256); err != nil {
		t.Errorf("sign after the right PIN: %v", err)
	}
}

func TestLoginError(t *testing.T) {
	const (
		low   = pkcs11.CKF_USER_PIN_COUNT_LOW
		final = pkcs11.CKF_USER_PIN_FINAL_TRY
		lock  = pkcs11.CKF_USER_PIN_LOCKED
	)
	tests := []struct {
		name    string
		rv      uint
		flags   uint
		wantIs  error
		wantMsg string
	}{
		{"wrong PIN, no hint", pkcs11.CKR_PIN_INCORRECT, 0, ErrWrongPIN, `token "T": the token refused the PIN`},
		{"wrong PIN, count low", pkcs11.CKR_PIN_INCORRECT, low, ErrWrongPIN, "the token refused the PIN; few tries are left before the token locks"},
		{"wrong PIN, final try", pkcs11.CKR_PIN_INCORRECT, low | final, ErrWrongPIN, "the token refused the PIN; one more wrong PIN will lock the token"},
		{"wrong PIN, now locked", pkcs11.CKR_PIN_INCORRECT, lock, ErrPINLocked, "the token's PIN is locked; unlock it with the token's admin tool"},
		{"PIN locked", pkcs11.CKR_PIN_LOCKED, 0, ErrPINLocked, `token "T": the token's PIN is locked; unlock it with the token's admin tool`},
		{"PIN length", pkcs11.CKR_PIN_LEN_RANGE, 0, ErrWrongPIN, "the token refused the PIN (the PIN has the wrong length)"},
		{"PIN expired", pkcs11.CKR_PIN_EXPIRED, 0, nil, "the PIN has expired"},
		{"no user PIN", pkcs11.CKR_USER_PIN_NOT_INITIALIZED, 0, nil, "has no user PIN yet"},
		{"token removed", pkcs11.CKR_DEVICE_REMOVED, 0, nil, "was removed; plug it in"},
		{"other", pkcs11.CKR_GENERAL_ERROR, 0, nil, "cannot log in to token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := loginError("T", pkcs11.Error(tt.rv), tt.flags)
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("got %q, want it to contain %q", err, tt.wantMsg)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%q, %v): got false, want true", err, tt.wantIs)
			}
		})
	}
}

func TestTokenSelection(t *testing.T) {
	f := newTokenFixture(t)
	// A second token with one ECDSA key.
	otherKey := testECKey(t)
	otherChain := f.pki.leaf(t, "Sở Nội vụ", otherKey.Public())
	if err := f.hsm.InitToken("Second Token", testSOPIN, []byte("1111")); err != nil {
		t.Fatal(err)
	}
	if err := f.hsm.Import("Second Token", []byte("1111"), "noi-vu", []byte{9}, otherKey, otherChain[:1], false); err != nil {
		t.Fatal(err)
	}
	module := f.hsm.Module()

	tests := []struct {
		name     string
		cfg      TokenConfig
		wantLeaf *x509.Certificate
		wantErr  []string
	}{
		{"token by label, key by label", TokenConfig{TokenLabel: testTokenLabel, KeyLabel: "agency-ec", PIN: testUserPIN}, f.ecChain[0], nil},
		{"token by serial, key by id", TokenConfig{TokenSerial: f.serial, KeyID: []byte{1}, PIN: testUserPIN}, f.rsaChain[0], nil},
		{"token by label and serial", TokenConfig{TokenLabel: testTokenLabel, TokenSerial: f.serial, KeyLabel: "leader-rsa", PIN: testUserPIN}, f.rsaChain[0], nil},
		{"only key with a certificate", TokenConfig{TokenLabel: "Second Token", PIN: []byte("1111")}, otherChain[0], nil},
		{"chain without issuers", TokenConfig{TokenLabel: "Second Token", KeyID: []byte{9}, PIN: []byte("1111")}, otherChain[0], nil},
		{"unknown token label", TokenConfig{TokenLabel: "Không có", KeyLabel: "agency-ec", PIN: testUserPIN}, nil,
			[]string{`no token labelled "Không có"; tokens present: `, `"Second Token" (serial `, `"` + testTokenLabel + `" (serial ` + f.serial + ")"}},
		{"unknown serial", TokenConfig{TokenSerial: "0000", PIN: testUserPIN}, nil, []string{`no token with serial "0000"`, testTokenLabel}},
		{"label and serial of different tokens", TokenConfig{TokenLabel: "Second Token", TokenSerial: f.serial, PIN: testUserPIN}, nil, []string{"no token labelled"}},
		{"several tokens, none chosen", TokenConfig{PIN: testUserPIN}, nil, []string{"several tokens are present", "choose one by its label or serial"}},
		{"several keys, none chosen", TokenConfig{TokenLabel: testTokenLabel, PIN: testUserPIN}, nil,
			[]string{"several keys with certificates", `"leader-rsa" (id 01)`, `"agency-ec" (id 02)`, "choose one by its label"}},
		{"unknown key label", TokenConfig{TokenLabel: testTokenLabel, KeyLabel: "khong-co", PIN: testUserPIN}, nil,
			[]string{`no key labelled "khong-co"`, `keys present: `, `"leader-rsa"`, `"agency-ec"`}},
		{"unknown key id", TokenConfig{TokenLabel: testTokenLabel, KeyID: []byte{0xee}, PIN: testUserPIN}, nil, []string{"no key with id ee"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Module = module
			k, err := OpenToken(tt.cfg)
			if tt.wantErr != nil {
				if err == nil {
					_ = k.Close()
					t.Fatalf("got key %q, want an error", k.Certificate().Subject)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error: got %q, want it to contain %q", err, w)
					}
				}
				if strings.Contains(err.Error(), string(testUserPIN)) {
					t.Errorf("error %q contains the PIN", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("OpenToken: %v", err)
			}
			defer k.Close()
			if !k.Certificate().Equal(tt.wantLeaf) {
				t.Errorf("key certificate: got %q, want %q", k.Certificate().Subject, tt.wantLeaf.Subject)
			}
			digest := digestFor(crypto.SHA256, tt.name)
			sig, err := k.Signer.Sign(rand.Reader, digest, crypto.SHA256)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if !verifySig(tt.wantLeaf.PublicKey, digest, sig, crypto.SHA256) {
				t.Errorf("signature does not verify")
			}
		})
	}
}

func TestTokenKeyWithoutCertificate(t *testing.T) {
	hsm := startSoftHSM(t)
	if err := hsm.InitToken("Bare", testSOPIN, testUserPIN); err != nil {
		t.Fatal(err)
	}
	key := testECKey(t)
	chain := newTestPKI(t).leaf(t, "Tạm", key.Public())
	// Import the key and its certificate, then delete the certificate.
	if err := hsm.Import("Bare", testUserPIN, "no-cert", []byte{7}, key, chain[:1], false); err != nil {
		t.Fatal(err)
	}
	deleteObjects(t, hsm.Module(), "Bare", pkcs11.CKO_CERTIFICATE)

	tests := []struct {
		name    string
		cfg     TokenConfig
		wantErr string
	}{
		{"by label", TokenConfig{KeyLabel: "no-cert"}, `token "Bare" has no certificate for key "no-cert" (id 07); import the key's certificate onto the token`},
		{"none chosen", TokenConfig{}, `token "Bare" holds no key with a certificate (keys present: "no-cert" (id 07))`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Module, tt.cfg.TokenLabel, tt.cfg.PIN = hsm.Module(), "Bare", testUserPIN
			if _, err := OpenToken(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// deleteObjects removes every object of class from the token, through the
// driver, logged in as the user.
func deleteObjects(t *testing.T, module, label string, class uint) {
	t.Helper()
	m, err := acquireModule(module)
	if err != nil {
		t.Fatal(err)
	}
	defer m.releaseQuietly()
	tok, err := m.findToken(TokenConfig{TokenLabel: label})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.openSession(tok.Slot, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.closeQuietly()
	if err := s.login(testUserPIN); err != nil {
		t.Fatal(err)
	}
	hs, err := s.find([]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, class)})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if err := m.ctx.DestroyObject(s.handle, h); err != nil {
			t.Fatal(err)
		}
	}
}

func TestListTokens(t *testing.T) {
	f := newTokenFixture(t)
	if err := f.hsm.InitToken("Thứ hai", testSOPIN, testUserPIN); err != nil {
		t.Fatal(err)
	}
	tokens, err := ListTokens(f.hsm.Module())
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	var got []string
	for _, tk := range tokens {
		got = append(got, tk.Label)
		if tk.Manufacturer != "SoftHSM project" || tk.Model != "SoftHSM v2" {
			t.Errorf("token %q: got manufacturer %q model %q, want SoftHSM project / SoftHSM v2", tk.Label, tk.Manufacturer, tk.Model)
		}
		if tk.Serial == "" || tk.PINLocked || tk.PINFinalTry || tk.PINCountLow {
			t.Errorf("token %q: got %+v, want a serial and a fresh PIN state", tk.Label, tk)
		}
	}
	// SoftHSM2 numbers slots from the token serials: the order is random.
	got = sortedStrings(got)
	if want := sortedStrings([]string{testTokenLabel, "Thứ hai"}); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("labels: got %q, want %q (the free slot is not listed)", got, want)
	}

	// softhsm2-util, run with the instance's environment, sees the same
	// tokens and serials.
	cmd := exec.Command(f.hsm.util, "--show-slots")
	cmd.Env = append(os.Environ(), f.hsm.Env()...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util --show-slots: %v\n%s", err, out)
	}
	for _, tk := range tokens {
		for _, want := range []string{"Label:            " + tk.Label, "Serial number:    " + tk.Serial} {
			if !strings.Contains(string(out), want) {
				t.Errorf("softhsm2-util --show-slots lacks %q:\n%s", want, out)
			}
		}
	}
}

func TestListTokenKeys(t *testing.T) {
	f := newTokenFixture(t)
	aaKey := testECKey(t)
	aaChain := f.pki.leaf(t, "Ký từng lần", aaKey.Public())
	if err := f.hsm.Import(testTokenLabel, testUserPIN, "always-auth", []byte{3}, aaKey, aaChain, true); err != nil {
		t.Fatal(err)
	}
	type row struct {
		label, id, typ, subjectCN string
		alwaysAuth                bool
	}
	rows := func(keys []TokenKeyInfo) []row {
		var out []row
		for _, k := range keys {
			r := row{label: k.Label, id: fmt.Sprintf("%x", k.ID), typ: k.Type, alwaysAuth: k.AlwaysAuthenticate}
			if k.Certificate != nil {
				r.subjectCN = k.Certificate.Subject.CommonName
				if k.Subject != k.Certificate.Subject.String() {
					t.Errorf("key %q: Subject %q differs from the certificate's %q", k.Label, k.Subject, k.Certificate.Subject)
				}
			}
			out = append(out, r)
		}
		return out
	}
	tests := []struct {
		name string
		pin  []byte
		want []row
	}{
		{"with PIN: private keys", testUserPIN, []row{
			{"leader-rsa", "01", "RSA", f.rsaChain[0].Subject.CommonName, false},
			{"agency-ec", "02", "ECDSA", f.ecChain[0].Subject.CommonName, false},
			{"always-auth", "03", "ECDSA", "Ký từng lần", true},
		}},
		{"without PIN: certificates", nil, []row{
			{"leader-rsa", "01", "RSA", f.rsaChain[0].Subject.CommonName, false},
			{"agency-ec", "02", "ECDSA", f.ecChain[0].Subject.CommonName, false},
			{"always-auth", "03", "ECDSA", "Ký từng lần", false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ListTokenKeys(TokenConfig{Module: f.hsm.Module(), TokenLabel: testTokenLabel, PIN: tt.pin})
			if err != nil {
				t.Fatalf("ListTokenKeys: %v", err)
			}
			got := rows(keys)
			sortRows := func(r []row) string {
				s := make([]string, len(r))
				for i, x := range r {
					s[i] = fmt.Sprintf("%+v", x)
				}
				return strings.Join(sortedStrings(s), "\n")
			}
			if sortRows(got) != sortRows(tt.want) {
				t.Errorf("got\n%s\nwant\n%s", sortRows(got), sortRows(tt.want))
			}
		})
	}
	_, err := ListTokenKeys(TokenConfig{Module: f.hsm.Module(), TokenLabel: testTokenLabel, PIN: []byte("999999")})
	if !errors.Is(err, ErrWrongPIN) {
		t.Errorf("wrong PIN: got %v, want ErrWrongPIN", err)
	}
}

func sortedStrings(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestContextSpecificLogin shows on SoftHSM2 that a key with
// CKA_ALWAYS_AUTHENTICATE cannot sign without a context-specific login after
// C_SignInit, and that the Key's Signer performs that login for every
// signature of a batch.
func TestContextSpecificLogin(t *testing.T) {
	hsm := startSoftHSM(t)
	if err := hsm.InitToken("Always", testSOPIN, testUserPIN); err != nil {
		t.Fatal(err)
	}
	pki := newTestPKI(t)
	rsaKey := testRSAKey(t, 1)
	rsaChain := pki.leaf(t, "Chủ tịch", rsaKey.Public())
	ecKey := testECKey(t)
	ecChain := pki.leaf(t, "Văn thư", ecKey.Public())
	if err := hsm.Import("Always", testUserPIN, "rsa-aa", []byte{0xa1}, rsaKey, rsaChain, true); err != nil {
		t.Fatal(err)
	}
	if err := hsm.Import("Always", testUserPIN, "ec-aa", []byte{0xa2}, ecKey, ecChain, true); err != nil {
		t.Fatal(err)
	}

	t.Run("raw PKCS#11: without context login", func(t *testing.T) {
		m, s, key := rawKeySession(t, hsm.Module(), "Always", "ec-aa")
		digest := digestFor(crypto.SHA256, "không đăng nhập lại")
		if err := m.ctx.SignInit(s.handle, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, key); err != nil {
			t.Fatal(err)
		}
		_, err := m.ctx.Sign(s.handle, digest)
		if !errors.Is(err, pkcs11.Error(pkcs11.CKR_USER_NOT_LOGGED_IN)) {
			t.Errorf("C_Sign without context login: got %v, want CKR_USER_NOT_LOGGED_IN", err)
		}
		// With it, the same sequence succeeds.
		if err := m.ctx.SignInit(s.handle, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, key); err != nil {
			t.Fatal(err)
		}
		if err := m.ctx.Login(s.handle, pkcs11.CKU_CONTEXT_SPECIFIC, string(testUserPIN)); err != nil {
			t.Fatalf("context-specific login: %v", err)
		}
		sig, err := m.ctx.Sign(s.handle, digest)
		if err != nil {
			t.Fatalf("C_Sign after context login: %v", err)
		}
		der, err := ecdsaDER(sig, 32)
		if err != nil || !ecdsa.VerifyASN1(&ecKey.PublicKey, digest, der) {
			t.Errorf("signature after context login does not verify (%v)", err)
		}
	})

	for _, tc := range []struct {
		label string
		pub   crypto.PublicKey
		opts  []signOpts
	}{
		{"rsa-aa", rsaKey.Public(), rsaSignOpts},
		{"ec-aa", ecKey.Public(), ecSignOpts},
	} {
		t.Run("Key signs a batch: "+tc.label, func(t *testing.T) {
			k := openKey(t, TokenConfig{Module: hsm.Module(), TokenLabel: "Always", KeyLabel: tc.label, PIN: testUserPIN})
			signer := k.Signer.(*tokenSigner)
			if !signer.alwaysAuth {
				t.Fatal("the key was not recognised as CKA_ALWAYS_AUTHENTICATE")
			}
			for i := range 20 {
				so := tc.opts[i%len(tc.opts)]
				digest := digestFor(so.opts.HashFunc(), fmt.Sprintf("lô %d", i))
				sig, err := k.Signer.Sign(rand.Reader, digest, so.opts)
				if err != nil {
					t.Fatalf("signature %d: %v", i, err)
				}
				if !verifySig(tc.pub, digest, sig, so.opts) {
					t.Errorf("signature %d (%s) does not verify", i, so.name)
				}
			}
		})
	}

	t.Run("wrong PIN at the context login", func(t *testing.T) {
		k := openKey(t, TokenConfig{Module: hsm.Module(), TokenLabel: "Always", KeyLabel: "ec-aa", PIN: testUserPIN})
		signer := k.Signer.(*tokenSigner)
		digest := digestFor(crypto.SHA256, "x")
		signer.mu.Lock()
		saved := signer.pin
		signer.pin = []byte("000000")
		signer.mu.Unlock()
		_, err := k.Signer.Sign(rand.Reader, digest, crypto.SHA256)
		if !errors.Is(err, ErrWrongPIN) || strings.Contains(err.Error(), "000000") {
			t.Errorf("got %v, want ErrWrongPIN without the PIN", err)
		}
		signer.mu.Lock()
		signer.pin = saved
		signer.mu.Unlock()
		// The refused operation was ended; the session signs again.
		sig, err := k.Signer.Sign(rand.Reader, digest, crypto.SHA256)
		if err != nil || !ecdsa.VerifyASN1(&ecKey.PublicKey, digest, sig) {
			t.Errorf("sign after a refused context login: %v", err)
		}
	})
}

// rawKeySession opens a logged-in session through the package's driver
// registry and finds the private key labelled keyLabel.
func rawKeySession(t *testing.T, module, token, keyLabel string) (*module, *session, pkcs11.ObjectHandle) {
	t.Helper()
	m, err := acquireModule(module)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.release() })
	tok, err := m.findToken(TokenConfig{TokenLabel: token})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.openSession(tok.Slot, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.close() })
	if err := s.login(testUserPIN); err != nil {
		t.Fatal(err)
	}
	hs, err := s.find([]*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, keyLabel),
	})
	if err != nil || len(hs) != 1 {
		t.Fatalf("finding key %q: got %d keys, %v", keyLabel, len(hs), err)
	}
	return m, s, hs[0]
}

// TestTokenSharedLogin opens two keys of one token at once: closing one
// leaves the other signing, a wrong PIN is refused even though the token is
// already logged in, and the driver is released when both are closed.
func TestTokenSharedLogin(t *testing.T) {
	f := newTokenFixture(t)
	a, err := OpenToken(f.config("leader-rsa"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenToken(f.config("agency-ec"))
	if err != nil {
		t.Fatal(err)
	}
	wrong := f.config("agency-ec")
	wrong.PIN = []byte("111111")
	if k, err := OpenToken(wrong); !errors.Is(err, ErrWrongPIN) {
		if k != nil {
			_ = k.Close()
		}
		t.Errorf("wrong PIN while logged in: got %v, want ErrWrongPIN", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	digest := digestFor(crypto.SHA256, "vẫn ký được")
	sig, err := b.Signer.Sign(rand.Reader, digest, crypto.SHA256)
	if err != nil || !verifySig(f.ecKey.Public(), digest, sig, crypto.SHA256) {
		t.Errorf("second key after closing the first: %v", err)
	}
	if _, err := a.Signer.Sign(rand.Reader, digest, crypto.SHA256); err == nil || !strings.Contains(err.Error(), "is closed") {
		t.Errorf("sign with a closed key: got %v, want a closed-key error", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	registry.Lock()
	n := len(registry.modules)
	registry.Unlock()
	if n != 0 {
		t.Errorf("drivers loaded after closing every key: got %d, want 0", n)
	}
	// The PIN copy is gone.
	if s := b.Signer.(*tokenSigner); s.pin != nil {
		t.Errorf("PIN copy after Close: got %d bytes, want none", len(s.pin))
	}
}

func TestOpenTokenDriverErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "khong-co", "libtoken.so")
	notLib := filepath.Join(dir, "fake.so")
	if err := os.WriteFile(notLib, []byte("not a shared library"), 0o600); err != nil {
		t.Fatal(err)
	}
	libs, _ := filepath.Glob("/usr/lib/x86_64-linux-gnu/libz.so*")
	libs2, _ := filepath.Glob("/lib/*/libz.so.1")
	libs = append(libs, libs2...)

	tests := []struct {
		name   string
		module string
		want   string
	}{
		{"empty path", "", "no token driver is configured"},
		{"missing file", missing, "cannot load token driver " + missing + ": the file does not exist"},
		{"not a library", notLib, "cannot load token driver " + notLib + ": it is not a PKCS#11 driver"},
	}
	if len(libs) > 0 {
		tests = append(tests, struct{ name, module, want string }{"a library without PKCS#11", libs[0], "it is not a PKCS#11 driver"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenToken(TokenConfig{Module: tt.module, PIN: testUserPIN})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("OpenToken: got %v, want an error containing %q", err, tt.want)
			}
			_, err = ListTokens(tt.module)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ListTokens: got %v, want an error containing %q", err, tt.want)
			}
			_, err = ListTokenKeys(TokenConfig{Module: tt.module})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ListTokenKeys: got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSoftHSMHelper(t *testing.T) {
	hsm := startSoftHSM(t)
	if got, want := hsm.Env(), []string{"SOFTHSM2_CONF=" + hsm.ConfigPath()}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Env: got %q, want %q", got, want)
	}
	if err := hsm.InitToken("Dup", testSOPIN, testUserPIN); err != nil {
		t.Fatal(err)
	}
	if err := hsm.InitToken("Dup", testSOPIN, testUserPIN); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("second token with the same label: got %v, want an exists-already error", err)
	}
	if err := hsm.InitToken(strings.Repeat("x", 33), testSOPIN, testUserPIN); err == nil {
		t.Errorf("33-byte label: got nil, want an error")
	}
	key := testECKey(t)
	chain := newTestPKI(t).leaf(t, "K", key.Public())
	if err := hsm.Import("Dup", testUserPIN, "k", []byte{1}, key, chain[1:], false); err == nil {
		t.Errorf("Import with another key's certificate: got nil, want an error")
	}
	if err := hsm.Import("Dup", []byte("wrong-pin"), "k", []byte{1}, key, chain, false); !errors.Is(err, ErrWrongPIN) {
		t.Errorf("Import with a wrong PIN: got %v, want ErrWrongPIN", err)
	}

	// A second instance cannot be used while the driver runs with the
	// first one's configuration.
	other, err := NewSoftHSM(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	hold, err := acquireModule(hsm.Module())
	if err != nil {
		t.Fatal(err)
	}
	err = other.InitToken("Other", testSOPIN, testUserPIN)
	_ = hold.release()
	if err == nil || !strings.Contains(err.Error(), "SOFTHSM2_CONF") {
		t.Errorf("InitToken on another instance: got %v, want an error about SOFTHSM2_CONF", err)
	}

	// Once every user is gone, the process can switch instances.
	t.Setenv("SOFTHSM2_CONF", other.ConfigPath())
	if err := other.InitToken("Other", testSOPIN, testUserPIN); err != nil {
		t.Errorf("InitToken after switching SOFTHSM2_CONF: %v", err)
	}
	tokens, err := ListTokens(other.Module())
	if err != nil || len(tokens) != 1 || tokens[0].Label != "Other" {
		t.Errorf("tokens of the second instance: got %v, %v; want only %q", tokens, err, "Other")
	}
}

func TestNewSoftHSMMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := NewSoftHSM(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "Debian package softhsm2") {
		t.Errorf("without softhsm2-util: got %v, want an error naming the Debian package softhsm2", err)
	}
}
