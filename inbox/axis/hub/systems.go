package hub

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// System is a client system of the axis: it authenticates with an HMAC
// secret shared with the axis, sends as its agency (or one of its
// mailboxes) and receives for its agency and its mailboxes.
//
// Where secrets live. The XroadVnpt HMAC is keyed with the secret itself,
// so the server must be able to produce the secret when it verifies a
// request. Anything short of it that still lets the server verify — the
// SHA-256 of a key longer than a block, or the HMAC's inner and outer
// hash states — lets its holder forge requests just as well, so a "hash"
// of the secret would protect nothing. Hence:
//   - the secret is held in memory (System.Secret), read from the systems
//     file, and never logged (System's String and LogValue omit it);
//   - the store keeps each system's id, agency, name and mailboxes, and
//     the secret only sealed with AES-256-GCM under a server key that is
//     not in the database (Config.SecretKey, axisd --secret-key FILE), the
//     system id bound as additional data so a sealed secret cannot be
//     moved to another system;
//   - without a server key nothing of the secret reaches the database.
//
// A stolen database thus yields no credential; the key file and the
// systems file are the secrets to guard (mode 0600).
type System struct {
	ID string
	// Secret keys the system's HMAC. Never logged, never stored plain.
	Secret    []byte
	Agency    string
	Name      string
	Mailboxes []string
	// RateLimit, when set, bounds this system's requests instead of the
	// server's Config.RateLimit (PerSecond 0: not limited). It is not
	// stored: systems served from the store get the server's limit.
	RateLimit *RateLimit
}

// String names the system without its secret.
func (s System) String() string { return fmt.Sprintf("system %s (%s)", s.ID, s.Agency) }

// GoString names the system without its secret (for %#v).
func (s System) GoString() string { return s.String() }

// LogValue logs the system without its secret.
func (s System) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", s.ID), slog.String("agency", s.Agency))
}

// Addresses returns what the system receives for: its agency and each of
// its mailboxes as agency/mailbox.
func (s System) Addresses() []string {
	out := []string{s.Agency}
	for _, m := range s.Mailboxes {
		out = append(out, s.Agency+"/"+m)
	}
	return out
}

func (s System) validate() error {
	switch {
	case !systemIDRE.MatchString(s.ID):
		return fmt.Errorf("system id %q: letters, digits, '.', '_' and '-' only, at most 128", s.ID)
	case len(s.Secret) == 0:
		return fmt.Errorf("system %s has no secret", s.ID)
	case !validAgencyCode(s.Agency):
		return fmt.Errorf("system %s: %q is not an agency code (like 000.00.00.H41)", s.ID, s.Agency)
	case s.RateLimit != nil && (s.RateLimit.PerSecond < 0 || s.RateLimit.Burst < 0 || math.IsNaN(s.RateLimit.PerSecond) || math.IsInf(s.RateLimit.PerSecond, 0)):
		return fmt.Errorf("system %s: rate and burst must be finite and not negative", s.ID)
	}
	seen := map[string]bool{}
	for _, m := range s.Mailboxes {
		if !validMailbox(m) {
			return fmt.Errorf("system %s: mailbox %q: lower-case letters, digits, '.', '_' and '-' only", s.ID, m)
		}
		if seen[m] {
			return fmt.Errorf("system %s: mailbox %q listed twice", s.ID, m)
		}
		seen[m] = true
	}
	return nil
}

// KeySize is the size of the server key (AES-256).
const KeySize = 32

const sealVersion = 1

func secretAAD(systemID string) []byte { return []byte("vanthu-axis-system-secret:" + systemID) }

// sealSecret encrypts a system's secret under the server key.
func sealSecret(key []byte, systemID string, secret []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := make([]byte, 0, 1+len(nonce)+len(secret)+aead.Overhead())
	out = append(append(out, sealVersion), nonce...)
	return aead.Seal(out, nonce, secret, secretAAD(systemID)), nil
}

// openSecret decrypts what sealSecret wrote.
func openSecret(key []byte, systemID string, sealed []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < 1+aead.NonceSize()+aead.Overhead() || sealed[0] != sealVersion {
		return nil, errors.New("the sealed secret is not in a known form")
	}
	secret, err := aead.Open(nil, sealed[1:1+aead.NonceSize()], sealed[1+aead.NonceSize():], secretAAD(systemID))
	if err != nil {
		return nil, errors.New("the sealed secret does not open with this server key")
	}
	return secret, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("the server key has %d bytes, not %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// LoadKeyFile reads the server key: 32 bytes, raw or as hex or base64
// text. When the file does not exist and create is set, a random key is
// written to it (mode 0600). A key file others can read is refused.
func LoadKeyFile(path string, create bool) ([]byte, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		key := make([]byte, KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("hub: create key file: %w", err)
		}
		_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
		if err := errors.Join(werr, f.Close()); err != nil {
			return nil, fmt.Errorf("hub: write key file: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("hub: key file: %w", err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("hub: key file %s is open to others (mode %04o); chmod 600 it", path, info.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hub: key file: %w", err)
	}
	if len(b) == KeySize {
		return b, nil
	}
	text := strings.TrimSpace(string(b))
	if k, err := hex.DecodeString(text); err == nil && len(k) == KeySize {
		return k, nil
	}
	if k, err := base64.StdEncoding.DecodeString(text); err == nil && len(k) == KeySize {
		return k, nil
	}
	return nil, fmt.Errorf("hub: key file %s does not hold %d bytes (raw, hex or base64)", path, KeySize)
}

// systemsFile is the JSON of AXIS.md "Systems file".
type systemsFile struct {
	Systems []struct {
		ID         string   `json:"id"`
		Secret     string   `json:"secret"`
		SecretFile string   `json:"secretFile"`
		Agency     string   `json:"agency"`
		Name       string   `json:"name"`
		Mailboxes  []string `json:"mailboxes"`
		// Rate (requests per second, 0 for no limit) and Burst replace
		// axisd's --rate and --burst for the system.
		Rate  *float64 `json:"rate"`
		Burst *int     `json:"burst"`
	} `json:"systems"`
}

// ReadSystemsFile reads the systems file of AXIS.md: each system with its
// secret given inline ("secret") or in a file ("secretFile", relative to
// the systems file, its content trimmed of surrounding white space).
func ReadSystemsFile(path string) ([]System, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hub: systems file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f systemsFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("hub: systems file %s: %w", path, err)
	}
	out := make([]System, 0, len(f.Systems))
	for i, s := range f.Systems {
		sys := System{ID: s.ID, Agency: s.Agency, Name: s.Name, Mailboxes: s.Mailboxes}
		switch {
		case s.Burst != nil && s.Rate == nil:
			return nil, fmt.Errorf("hub: systems file %s: system %s has a burst but no rate", path, s.ID)
		case s.Rate != nil:
			sys.RateLimit = &RateLimit{PerSecond: *s.Rate}
			if s.Burst != nil {
				sys.RateLimit.Burst = *s.Burst
			}
		}
		switch {
		case s.Secret != "" && s.SecretFile != "":
			return nil, fmt.Errorf("hub: systems file %s: system %d (%s) has both secret and secretFile", path, i+1, s.ID)
		case s.Secret != "":
			sys.Secret = []byte(s.Secret)
		case s.SecretFile != "":
			p := s.SecretFile
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(path), p)
			}
			sb, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("hub: systems file %s: system %s: %w", path, s.ID, err)
			}
			sys.Secret = bytes.TrimSpace(sb)
		}
		if err := sys.validate(); err != nil {
			return nil, fmt.Errorf("hub: systems file %s: %w", path, err)
		}
		out = append(out, sys)
	}
	return out, nil
}
