package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// prefsText is every stored preference, printed.
func prefsText(t *testing.T, p fyne.Preferences) string {
	t.Helper()
	r, ok := p.(interface{ ReadValues(func(map[string]any)) })
	if !ok {
		t.Fatalf("preferences %T cannot be listed", p)
	}
	var out string
	r.ReadValues(func(m map[string]any) { out = fmt.Sprint(m) })
	return out
}

// fileHolds reports whether any file under dir contains s.
func fileHolds(t *testing.T, dir, s string) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // a temporary file the store removed meanwhile
		}
		if err != nil {
			return err
		}
		found = found || strings.Contains(string(data), s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// The settings check what is typed, store it, and keep the axis secret
// out of the preferences and the database.
func TestSettingsSave(t *testing.T) {
	old := secrets
	secrets = sessionSecrets{} // the test's "keyring"
	t.Cleanup(func() { secrets = old })
	h := newHarness(t)
	h.start()
	h.u.showSettings()
	f := h.u.settingsForm
	f.code.SetText("H41")
	test.Tap(h.u.settingsSave)
	if !strings.Contains(f.msg.Text, "13 ký tự") {
		t.Fatalf("bad code: message %q", f.msg.Text)
	}
	f.code.SetText("000.00.00.h41")
	f.endpoint.SetText("truc.example")
	test.Tap(h.u.settingsSave)
	if !strings.Contains(f.msg.Text, "https://") {
		t.Fatalf("bad endpoint: message %q", f.msg.Text)
	}
	f.endpoint.SetText("https://truc.example.gov.vn/vxp")
	f.systemID.SetText("H41-VANTHU")
	f.secret.SetText("bi-mat-cua-truc-42")
	f.position.SetText("Phó Chánh Văn phòng")
	f.theme.SetSelectedIndex(2)
	test.Tap(h.u.settingsSave)
	if f.msg.Text != "" {
		t.Fatalf("valid settings refused: %q", f.msg.Text)
	}
	if h.set.Agency().Code != "000.00.00.H41" || h.set.AxisEndpoint() != "https://truc.example.gov.vn/vxp" ||
		h.set.Position() != "Phó Chánh Văn phòng" || h.set.Theme() != "dark" {
		t.Errorf("saved: %+v %q %q %q", h.set.Agency(), h.set.AxisEndpoint(), h.set.Position(), h.set.Theme())
	}
	if got, err := loadAxisSecret(h.set); err != nil || string(got) != "bi-mat-cua-truc-42" {
		t.Errorf("secret from the keyring = %q, %v", got, err)
	}
	if strings.Contains(prefsText(t, h.app.Preferences()), "bi-mat-cua-truc-42") {
		t.Error("the axis secret is in the preferences")
	}
	if fileHolds(t, h.env().dir(), "bi-mat-cua-truc-42") {
		t.Error("the axis secret is in the data directory")
	}
}

// Without a keyring the secret is kept for the session only, and the
// person is told.
func TestSecretWithoutKeyring(t *testing.T) {
	old := secrets
	secrets = brokenKeyring{}
	t.Cleanup(func() { secrets = old })
	a := test.NewTempApp(t)
	set := newSettings(a.Preferences(), false)
	set.SetAxisSystemID("H41-X")
	if saveAxisSecret(set, "mot-bi-mat") {
		t.Fatal("saveAxisSecret says the keyring took the secret")
	}
	if got, err := loadAxisSecret(set); err != nil || string(got) != "mot-bi-mat" {
		t.Errorf("session secret = %q, %v", got, err)
	}
}

type brokenKeyring struct{}

func (brokenKeyring) Get(string) (string, error) { return "", fmt.Errorf("no keyring") }
func (brokenKeyring) Set(string, string) error   { return fmt.Errorf("no keyring") }

// The first-run wizard ends in a configured desk.
func TestWizard(t *testing.T) {
	a := test.NewTempApp(t)
	set := newSettings(a.Preferences(), false)
	w := a.NewWindow("Vanthu")
	opened := false
	wz := newWizard(a, w, set, func(secret []byte) error {
		opened = true
		return nil
	})
	w.SetContent(wz.content())
	test.Tap(wz.start)
	if opened || set.Configured() || wz.form.msg.Text == "" {
		t.Fatalf("empty wizard: opened %v, configured %v, message %q", opened, set.Configured(), wz.form.msg.Text)
	}
	wz.form.code.SetText("000.00.00.H41")
	wz.form.agency.SetText("Ủy ban nhân dân tỉnh Hà Nam")
	wz.form.login.SetText("lan.nt")
	wz.form.name.SetText("Nguyễn Thị Lan")
	test.Tap(wz.start)
	if !opened || !set.Configured() || set.Actor().ID != "lan.nt" {
		t.Fatalf("wizard: opened %v, configured %v, actor %+v (%q)", opened, set.Configured(), set.Actor(), wz.form.msg.Text)
	}
}
