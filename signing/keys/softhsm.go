package keys

// SoftHSM describes a private SoftHSM2 instance in a directory: its own
// softhsm2.conf and token directory. Tests and the demo use it as a
// software token; see the package documentation for how a process selects
// the instance its token driver uses.
type SoftHSM struct {
	conf   string
	module string
	util   string
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

// UtilPath returns the path of softhsm2-util; run it with [SoftHSM.Env] to
// inspect the instance.
func (s *SoftHSM) UtilPath() string { return s.util }
