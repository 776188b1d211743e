//go:build cgo

package keys

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/miekg/pkcs11"
)

// A PKCS#11 driver may be initialised only once per process, and every
// session of the process on a token shares one login state. The registry
// below is therefore process-wide by necessity: one *module per driver file,
// shared by every key and listing, counted, and finalised when the last user
// releases it.
var registry = struct {
	sync.Mutex
	modules map[string]*module
}{modules: make(map[string]*module)}

// module is one loaded and initialised PKCS#11 driver.
type module struct {
	path string // as the caller named it, for messages
	key  string // registry key: the resolved file path
	ctx  *pkcs11.Ctx
	refs int // guarded by registry
	// finalize is false when someone else in the process had initialised the
	// driver already: then it is not ours to finalise.
	finalize bool
	// softHSMConf is SOFTHSM2_CONF as it was when the driver was initialised.
	softHSMConf string

	mu    sync.Mutex
	slots map[uint]*slotState // guarded by mu
}

// slotState tracks this process's sessions on one token.
type slotState struct {
	sessions int
	// loggedIn: a session of ours logged the user in; the login lasts until
	// the last session closes.
	loggedIn bool
	// pinHash is a salted hash of the PIN that logged in, so that a later
	// login on the already logged-in token (which the token does not check
	// again) is still checked.
	pinSalt [16]byte
	pinHash [32]byte
}

// acquireModule loads and initialises the driver at path, or shares the one
// already loaded. Each successful call must be paired with release.
func acquireModule(path string) (*module, error) {
	if path == "" {
		return nil, errors.New("no token driver is configured; choose the PKCS#11 driver (.so or .dll) that came with the token")
	}
	key, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("cannot load token driver %s: %w", path, err)
	}
	if _, err := os.Stat(key); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("cannot load token driver %s: the file does not exist; install the token's software or correct the path", path)
		}
		return nil, fmt.Errorf("cannot load token driver %s: %w", path, err)
	}
	if resolved, err := filepath.EvalSymlinks(key); err == nil {
		key = resolved
	}

	registry.Lock()
	defer registry.Unlock()
	if m := registry.modules[key]; m != nil {
		m.refs++
		return m, nil
	}
	ctx := pkcs11.New(key)
	if ctx == nil {
		return nil, fmt.Errorf("cannot load token driver %s: it is not a PKCS#11 driver for this computer (wrong file, or built for another system)", path)
	}
	m := &module{
		path:        path,
		key:         key,
		ctx:         ctx,
		refs:        1,
		finalize:    true,
		softHSMConf: os.Getenv("SOFTHSM2_CONF"),
		slots:       make(map[uint]*slotState),
	}
	if err := ctx.Initialize(); err != nil {
		if !errors.Is(err, pkcs11.Error(pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
			ctx.Destroy()
			return nil, fmt.Errorf("cannot load token driver %s: it failed to start: %w", path, err)
		}
		m.finalize = false
	}
	registry.modules[key] = m
	return m, nil
}

// release drops one reference; the last one finalises and unloads the driver.
func (m *module) release() error {
	registry.Lock()
	defer registry.Unlock()
	m.refs--
	if m.refs > 0 {
		return nil
	}
	delete(registry.modules, m.key)
	var err error
	if m.finalize {
		if ferr := m.ctx.Finalize(); ferr != nil {
			err = fmt.Errorf("token driver %s did not shut down cleanly: %w", m.path, ferr)
		}
	}
	m.ctx.Destroy()
	return err
}

// releaseQuietly is release for deferred calls after the work is done: a
// driver that does not shut down cleanly does not undo that work, so the
// failure is logged rather than returned.
func (m *module) releaseQuietly() {
	if err := m.release(); err != nil {
		slog.Warn("token driver shutdown failed", "module", m.path, "err", err)
	}
}

// session is one open PKCS#11 session of this process.
type session struct {
	mod    *module
	slot   uint
	handle pkcs11.SessionHandle
}

// openSession opens a session on slot. The session counts towards the
// slot's login state until closed.
func (m *module) openSession(slot uint, readWrite bool) (*session, error) {
	flags := uint(pkcs11.CKF_SERIAL_SESSION)
	if readWrite {
		flags |= pkcs11.CKF_RW_SESSION
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	h, err := m.ctx.OpenSession(slot, flags)
	if err != nil {
		return nil, err
	}
	st := m.slots[slot]
	if st == nil {
		st = &slotState{}
		m.slots[slot] = st
	}
	st.sessions++
	return &session{mod: m, slot: slot, handle: h}, nil
}

// closeQuietly is close for deferred calls after the work is done; a
// failure is logged.
func (s *session) closeQuietly() {
	if err := s.close(); err != nil {
		slog.Warn("closing token session failed", "module", s.mod.path, "slot", s.slot, "err", err)
	}
}

// login logs the user in with pin. When another session of this process has
// logged in already, the token does not look at the PIN again; then the PIN
// is compared with the one that logged in, so a wrong PIN is still refused.
func (s *session) login(pin []byte) error {
	m := s.mod
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.slots[s.slot]
	if st.loggedIn {
		h := pinDigest(st.pinSalt[:], pin)
		if subtle.ConstantTimeCompare(h[:], st.pinHash[:]) != 1 {
			return pkcs11.Error(pkcs11.CKR_PIN_INCORRECT)
		}
		return nil
	}
	err := m.ctx.Login(s.handle, pkcs11.CKU_USER, string(pin))
	if err != nil && !errors.Is(err, pkcs11.Error(pkcs11.CKR_USER_ALREADY_LOGGED_IN)) {
		return err
	}
	if err == nil {
		// Logged in by us with this PIN: remember it (hashed) for later
		// logins by other sessions of this process.
		if _, rerr := rand.Read(st.pinSalt[:]); rerr != nil {
			return fmt.Errorf("no randomness: %w", rerr)
		}
		st.pinHash = pinDigest(st.pinSalt[:], pin)
		st.loggedIn = true
	}
	return nil
}

func pinDigest(salt, pin []byte) [32]byte {
	h := sha256.New()
	h.Write(salt)
	h.Write(pin)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// close closes the session; the last session of this process on the token
// logs out first.
func (s *session) close() error {
	m := s.mod
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.slots[s.slot]
	st.sessions--
	var errs []error
	if st.sessions == 0 {
		if st.loggedIn {
			if err := m.ctx.Logout(s.handle); err != nil && !errors.Is(err, pkcs11.Error(pkcs11.CKR_USER_NOT_LOGGED_IN)) {
				errs = append(errs, err)
			}
		}
		delete(m.slots, s.slot)
	}
	if err := m.ctx.CloseSession(s.handle); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
