package desk

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/vanthu/vanthu/signing/keys"
)

// Errors of opening a key. Both wrap the key package's own error (keys.
// ErrWrongPIN, keys.ErrWrongPassword, keys.ErrPINLocked), whose message
// says what to do; neither ever holds the secret.
var (
	// ErrWrongSecret: the token refused the PIN or the PKCS#12 file did not
	// open with the password. Ask again (the message may say how many tries
	// are left).
	ErrWrongSecret = errors.New("wrong PIN or password")
	// ErrKeyLocked: the token's PIN is locked; it must be unlocked with the
	// token vendor's tool before it can sign.
	ErrKeyLocked = errors.New("the token is locked")
)

// KeyKind says where a key lives.
type KeyKind string

// Key kinds.
const (
	KeyPKCS11 KeyKind = "pkcs11" // a USB token or smart card, through its PKCS#11 driver
	KeyPKCS12 KeyKind = "pkcs12" // a .p12/.pfx file
)

// KeySource names a key: a PKCS#12 file, or a key on a token of a PKCS#11
// driver. It holds no secret and may be kept in settings.
type KeySource struct {
	Kind KeyKind
	// Path is the PKCS#11 driver (.so, .dll) or the PKCS#12 file.
	Path string
	// TokenLabel or TokenSerial choose the token (neither: the only one
	// present); KeyLabel or KeyID the key on it (neither: the only key
	// with a certificate).
	TokenLabel  string
	TokenSerial string
	KeyLabel    string
	KeyID       []byte
}

// String describes the source for people.
func (s KeySource) String() string {
	switch s.Kind {
	case KeyPKCS12:
		return "PKCS#12 file " + s.Path
	case KeyPKCS11:
		out := "token"
		if s.TokenLabel != "" {
			out += fmt.Sprintf(" %q", s.TokenLabel)
		}
		if s.KeyLabel != "" {
			out += fmt.Sprintf(", key %q", s.KeyLabel)
		}
		return out + " (driver " + s.Path + ")"
	}
	return string(s.Kind) + " " + s.Path
}

// KeyInfo describes a key ListKeys found.
type KeyInfo struct {
	// Source opens this very key with OpenKey.
	Source KeySource
	// Label is the key's name on the token, or the file's name.
	Label string
	// Certificate is the key's certificate (nil for a PKCS#12 file, whose
	// certificate is readable only with the password, and for a token key
	// stored without one).
	Certificate *x509.Certificate
	// Subject, Issuer and NotAfter come from the certificate.
	Subject  string
	Issuer   string
	NotAfter time.Time
	// Token describes the token (PKCS#11 only): label, serial, vendor,
	// and whether the PIN is locked or at its final try.
	Token *keys.TokenInfo
}

// ListKeys lists the keys a source offers without asking for a secret: for
// a PKCS#11 driver, the keys (found by their certificates) of every token
// present, or of the token the source names; for a PKCS#12 file, the file
// itself, once it is known to be readable.
func ListKeys(ctx context.Context, src KeySource) ([]KeyInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch src.Kind {
	case KeyPKCS12:
		st, err := os.Stat(src.Path)
		if err != nil {
			return nil, fmt.Errorf("cannot read the key file: %w", err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("%s is a folder, not a PKCS#12 key file", src.Path)
		}
		return []KeyInfo{{Source: src, Label: filepath.Base(src.Path)}}, nil
	case KeyPKCS11:
		if strings.TrimSpace(src.Path) == "" {
			return nil, errors.New("choose the token's driver (PKCS#11 module) first")
		}
		tokens, err := keys.ListTokens(src.Path)
		if err != nil {
			return nil, err
		}
		var out []KeyInfo
		for _, t := range tokens {
			if src.TokenLabel != "" && t.Label != src.TokenLabel || src.TokenSerial != "" && t.Serial != src.TokenSerial {
				continue
			}
			list, err := keys.ListTokenKeys(keys.TokenConfig{Module: src.Path, TokenLabel: t.Label, TokenSerial: t.Serial})
			if err != nil {
				return nil, err
			}
			for _, k := range list {
				tok := t
				ki := KeyInfo{
					Source: KeySource{Kind: KeyPKCS11, Path: src.Path, TokenLabel: t.Label, TokenSerial: t.Serial,
						KeyLabel: k.Label, KeyID: k.ID},
					Label: k.Label, Certificate: k.Certificate, Subject: k.Subject, Token: &tok,
				}
				if k.Certificate != nil {
					ki.Issuer = k.Certificate.Issuer.String()
					ki.NotAfter = k.Certificate.NotAfter
				}
				out = append(out, ki)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown key kind %q (pkcs11 or pkcs12)", src.Kind)
}

// OpenKey opens the key src names with its PIN (token) or password
// (PKCS#12 file). A refused secret returns an error matching
// ErrWrongSecret, a locked token ErrKeyLocked. The secret is not kept: the
// caller may zero it when OpenKey returns. Close the key when done.
func OpenKey(ctx context.Context, src KeySource, secret []byte) (*keys.Key, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var (
		k   *keys.Key
		err error
	)
	switch src.Kind {
	case KeyPKCS12:
		k, err = keys.LoadPKCS12File(src.Path, secret)
	case KeyPKCS11:
		if strings.TrimSpace(src.Path) == "" {
			return nil, errors.New("choose the token's driver (PKCS#11 module) first")
		}
		k, err = keys.OpenToken(keys.TokenConfig{
			Module: src.Path, TokenLabel: src.TokenLabel, TokenSerial: src.TokenSerial,
			KeyLabel: src.KeyLabel, KeyID: src.KeyID, PIN: secret,
		})
	default:
		return nil, fmt.Errorf("unknown key kind %q (pkcs11 or pkcs12)", src.Kind)
	}
	switch {
	case err == nil:
		return k, nil
	case errors.Is(err, keys.ErrPINLocked):
		return nil, fmt.Errorf("%w: %w", ErrKeyLocked, err)
	case errors.Is(err, keys.ErrWrongPIN), errors.Is(err, keys.ErrWrongPassword):
		return nil, fmt.Errorf("%w: %w", ErrWrongSecret, err)
	}
	return nil, err
}

// ModulePreset is a PKCS#11 driver the settings screen offers by name.
type ModulePreset struct {
	Name string // e.g. "Viettel-CA"
	// Note tells the user what the preset covers and where the driver
	// comes from.
	Note string
	// Paths are where the driver usually is on this operating system, in
	// order; Typical marks them as usual locations (an installer may put
	// the driver elsewhere), not guarantees.
	Paths   []string
	Typical bool
	// Patterns are file-name patterns (filepath.Glob) tried after Paths,
	// for vendor drivers whose file name carries a version.
	Patterns []string
}

// Find returns the first of the preset's paths, then pattern matches, that
// exists on this machine.
func (p ModulePreset) Find() (string, bool) {
	for _, path := range p.Paths {
		if st, err := os.Stat(path); err == nil && !st.IsDir() {
			return path, true
		}
	}
	for _, pat := range p.Patterns {
		matches, _ := filepath.Glob(pat)
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && !st.IsDir() {
				return m, true
			}
		}
	}
	return "", false
}

// ModulePresets lists the PKCS#11 drivers of the signing tokens common in
// Vietnam, for this operating system, and SoftHSM2 (the software token of
// the demo and the tests).
//
// The public CAs (Viettel-CA, VNPT-CA, FPT-CA, BKAV-CA, Nacencomm CA2,
// Safe-CA, MISA-CA, …) hand out USB tokens of a few hardware families and
// install their own driver with their token manager. Only locations that
// are documented for a family are listed as paths: the OpenSC driver
// (Debian package opensc-pkcs11, Windows OpenSC installer), which drives
// the Feitian ePass2003 tokens many of these CAs issue, and SafeNet
// Authentication Client's driver for SafeNet eToken tokens. The CAs'
// own drivers are looked for by name patterns (their file names carry the
// CA's name); when none is found, the user browses to the driver the CA's
// installer put in place.
func ModulePresets() []ModulePreset {
	return modulePresets(runtime.GOOS)
}

func modulePresets(goos string) []ModulePreset {
	var opensc, safenet, softhsm, sys []string
	switch goos {
	case "windows":
		sys = []string{`C:\Windows\System32\`, `C:\Windows\SysWOW64\`}
		opensc = []string{`C:\Windows\System32\opensc-pkcs11.dll`, `C:\Program Files\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll`}
		safenet = []string{`C:\Windows\System32\eTPKCS11.dll`}
		softhsm = []string{`C:\SoftHSM2\lib\softhsm2-x64.dll`}
	case "darwin":
		sys = []string{"/usr/local/lib/", "/Library/"}
		opensc = []string{"/Library/OpenSC/lib/opensc-pkcs11.so", "/usr/local/lib/opensc-pkcs11.so"}
		safenet = []string{"/usr/local/lib/libeTPkcs11.dylib"}
		softhsm = []string{"/usr/local/lib/softhsm/libsofthsm2.so", "/opt/homebrew/lib/softhsm/libsofthsm2.so"}
	default:
		sys = []string{"/usr/lib/", "/usr/lib/x86_64-linux-gnu/", "/usr/local/lib/"}
		opensc = []string{"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", "/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so",
			"/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so"}
		safenet = []string{"/usr/lib/libeTPkcs11.so"}
		softhsm = []string{"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
			"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"}
	}
	ext := ".so"
	switch goos {
	case "windows":
		ext = ".dll"
	case "darwin":
		ext = ".dylib"
	}
	patterns := func(names ...string) []string {
		var out []string
		for _, dir := range sys {
			for _, n := range names {
				out = append(out, dir+"*"+n+"*"+ext)
			}
		}
		return out
	}
	ca := func(name, pattern string) ModulePreset {
		return ModulePreset{
			Name: name,
			Note: name + "'s token: its driver is installed by the CA's token manager; " +
				"an ePass2003 token also works with the OpenSC driver, a SafeNet eToken with SafeNet's.",
			Paths: append(append([]string(nil), opensc...), safenet...), Typical: true,
			Patterns: patterns(pattern),
		}
	}
	return []ModulePreset{
		ca("Viettel-CA", "viettel"),
		ca("VNPT-CA", "vnpt"),
		ca("FPT-CA", "fpt"),
		ca("BKAV-CA", "bkav"),
		ca("Nacencomm (CA2)", "ca2"),
		ca("Safe-CA", "safeca"),
		ca("MISA-CA", "misa"),
		{Name: "OpenSC (ePass2003 and other cards)", Note: "The OpenSC project's driver.", Paths: opensc, Typical: true},
		{Name: "SafeNet eToken", Note: "SafeNet Authentication Client's driver.", Paths: safenet, Typical: true},
		{Name: "SoftHSM2", Note: "A software token, for trying Vanthu out and for tests.", Paths: softhsm, Typical: true},
	}
}
