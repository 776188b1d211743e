package keys

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// SoftHSM describes a private SoftHSM2 instance in a directory: its own
// softhsm2.conf and token directory. Tests and the demo use it as a
// software token; see the package documentation for how a process selects
// the instance its token driver uses.
type SoftHSM struct {
	dir    string
	conf   string
	module string
	util   string
}

// softHSMModules lists where Debian and Ubuntu install the SoftHSM2 driver.
var softHSMModules = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
}

func newSoftHSM(dir string) (*SoftHSM, error) {
	s := &SoftHSM{}
	for _, p := range softHSMModules {
		if _, err := os.Stat(p); err == nil {
			s.module = p
			break
		}
	}
	if s.module == "" {
		return nil, fmt.Errorf("SoftHSM2 is not installed (install the Debian package softhsm2): no driver at %s", strings.Join(softHSMModules, " or "))
	}
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		return nil, errors.New("SoftHSM2 is not installed (install the Debian package softhsm2): softhsm2-util not found")
	}
	s.util = util

	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot use %s for SoftHSM2: %w", dir, err)
	}
	s.dir = abs
	tokens := filepath.Join(abs, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the SoftHSM2 token directory: %w", err)
	}
	s.conf = filepath.Join(abs, "softhsm2.conf")
	conf := "# SoftHSM2 instance of Vanthu\n" +
		"directories.tokendir = " + tokens + "\n" +
		"objectstore.backend = file\n" +
		"log.level = ERROR\n" +
		"slots.removable = false\n"
	if err := os.WriteFile(s.conf, []byte(conf), 0o600); err != nil {
		return nil, fmt.Errorf("cannot write the SoftHSM2 configuration: %w", err)
	}
	return s, nil
}

// Env returns the environment entries that make a child process use this
// instance; append them to os.Environ().
func (s *SoftHSM) Env() []string { return []string{"SOFTHSM2_CONF=" + s.conf} }

// ConfigPath returns the path of the instance's softhsm2.conf, the value for
// SOFTHSM2_CONF.
func (s *SoftHSM) ConfigPath() string { return s.conf }

// Module returns the path of the SoftHSM2 PKCS#11 driver, for
// TokenConfig.Module.
func (s *SoftHSM) Module() string { return s.module }
