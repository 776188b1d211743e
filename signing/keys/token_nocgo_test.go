//go:build !cgo

package keys

import (
	"errors"
	"testing"
)

// TestTokenUnsupported checks that a build without cgo reports the missing
// token support from every token entry point instead of failing to build.
func TestTokenUnsupported(t *testing.T) {
	var hsm *SoftHSM
	calls := []struct {
		name string
		err  func() error
	}{
		{"OpenToken", func() error { _, err := OpenToken(TokenConfig{Module: "/usr/lib/softhsm/libsofthsm2.so"}); return err }},
		{"ListTokens", func() error { _, err := ListTokens("/usr/lib/softhsm/libsofthsm2.so"); return err }},
		{"ListTokenKeys", func() error { _, err := ListTokenKeys(TokenConfig{}); return err }},
		{"NewSoftHSM", func() error { _, err := NewSoftHSM(t.TempDir()); return err }},
		{"SoftHSM.InitToken", func() error { return hsm.InitToken("x", nil, nil) }},
		{"SoftHSM.Import", func() error { return hsm.Import("x", nil, "k", nil, nil, nil, false) }},
	}
	for _, c := range calls {
		if err := c.err(); !errors.Is(err, ErrTokenUnsupported) {
			t.Errorf("%s: got %v, want ErrTokenUnsupported", c.name, err)
		}
	}
}
