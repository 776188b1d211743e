package app

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/zalando/go-keyring"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
)

// secretStore keeps the axis secret: the OS keyring where there is one,
// else only in memory for this session. Never the database or the
// preferences.
type secretStore interface {
	Get(user string) (string, error)
	Set(user, secret string) error
}

// osKeyring is the OS keyring (Secret Service over D-Bus on Linux, the
// Keychain on macOS, the Credential Manager on Windows).
type osKeyring struct{}

const keyringService = "vn.vanthu.desktop/axis"

func (osKeyring) Get(user string) (string, error) { return keyring.Get(keyringService, user) }
func (osKeyring) Set(user, s string) error        { return keyring.Set(keyringService, user, s) }

// sessionSecrets keeps secrets in memory until the app quits.
type sessionSecrets map[string]string

func (m sessionSecrets) Get(user string) (string, error) {
	if s, ok := m[user]; ok {
		return s, nil
	}
	return "", errors.New("no secret kept for this session")
}

func (m sessionSecrets) Set(user, s string) error {
	m[user] = s
	return nil
}

var (
	secrets    secretStore = osKeyring{}
	sessionMem             = sessionSecrets{}
)

// saveAxisSecret stores the secret in the keyring, or for the session
// when there is none; it reports whether the keyring took it.
func saveAxisSecret(set *settings, secret string) bool {
	user := set.AxisSystemID()
	if err := secrets.Set(user, secret); err == nil {
		return true
	}
	_ = sessionMem.Set(user, secret)
	return false
}

// loadAxisSecret finds the axis secret in the keyring or the session.
func loadAxisSecret(set *settings) ([]byte, error) {
	user := set.AxisSystemID()
	if s, err := secrets.Get(user); err == nil {
		return []byte(s), nil
	}
	s, err := sessionMem.Get(user)
	return []byte(s), err
}

var agencyCodeRE = regexp.MustCompile(`^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}$`)

// settingsForm holds the widgets of the settings (and of the first-run
// wizard) and turns them into settings.
type settingsForm struct {
	set                                 *settings
	code, agency, login, name, position *widget.Entry
	role                                *widget.Select
	endpoint, systemID, secret          *widget.Entry
	personal, seal                      *keyForm
	roots                               *widget.Entry
	language, theme                     *widget.Select
	msg                                 *widget.Label
}

// keyForm chooses a key: a token driver (preset or path) and its label, or
// a PKCS#12 file.
type keyForm struct {
	kind   *widget.RadioGroup
	preset *widget.Select
	path   *widget.Entry
	token  *widget.Entry
}

func newKeyForm(src desk.KeySource, w fyne.Window) (*keyForm, fyne.CanvasObject) {
	k := &keyForm{path: widget.NewEntry(), token: widget.NewEntry()}
	k.kind = widget.NewRadioGroup([]string{lang.L("USB token (PKCS#11)"), lang.L("Key file (PKCS#12)")}, nil)
	k.kind.Horizontal = true
	presets := desk.ModulePresets()
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.Name
	}
	k.preset = widget.NewSelect(names, func(name string) {
		for _, p := range presets {
			if p.Name == name {
				if path, ok := p.Find(); ok {
					k.path.SetText(path)
				} else if len(p.Paths) > 0 {
					k.path.SetText(p.Paths[0])
				}
			}
		}
	})
	k.preset.PlaceHolder = lang.L("Token driver…")
	k.path.SetText(src.Path)
	k.path.SetPlaceHolder(lang.L("Driver (.so, .dll) or key file (.p12, .pfx)"))
	k.token.SetText(src.TokenLabel)
	k.token.SetPlaceHolder(lang.L("Token label (empty: the only token)"))
	switch src.Kind {
	case desk.KeyPKCS11:
		k.kind.SetSelected(lang.L("USB token (PKCS#11)"))
	default:
		k.kind.SetSelected(lang.L("Key file (PKCS#12)"))
	}
	browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
			if err == nil && r != nil {
				k.path.SetText(r.URI().Path())
				_ = r.Close()
			}
		}, w)
	})
	return k, container.NewVBox(k.kind, k.preset, container.NewBorder(nil, nil, nil, browse, k.path), k.token)
}

func (k *keyForm) source() desk.KeySource {
	src := desk.KeySource{Kind: desk.KeyPKCS12, Path: strings.TrimSpace(k.path.Text)}
	if k.kind.Selected == lang.L("USB token (PKCS#11)") {
		src.Kind, src.TokenLabel = desk.KeyPKCS11, strings.TrimSpace(k.token.Text)
	}
	return src
}

func newSettingsForm(set *settings, w fyne.Window) (*settingsForm, fyne.CanvasObject) {
	f := &settingsForm{set: set}
	entry := func(v, placeholder string) *widget.Entry {
		e := widget.NewEntry()
		e.SetText(v)
		e.SetPlaceHolder(placeholder)
		return e
	}
	ag, actor := set.Agency(), set.Actor()
	f.code = entry(ag.Code, "000.00.00.H41")
	f.agency = entry(ag.Name, lang.L("e.g. Ủy ban nhân dân tỉnh Hà Nam"))
	f.login = entry(actor.ID, lang.L("your login, for the record"))
	f.name = entry(actor.Name, lang.L("full name"))
	f.position = entry(set.Position(), lang.L("e.g. Phó Chủ tịch"))
	f.role = widget.NewSelect(roleLabels(), nil)
	f.role.SetSelected(set.Role().label())
	f.endpoint = entry(set.AxisEndpoint(), "https://truc.example.gov.vn/vxp")
	f.systemID = entry(set.AxisSystemID(), lang.L("system id given by the axis operator"))
	f.secret = widget.NewPasswordEntry()
	f.secret.SetPlaceHolder(lang.L("unchanged when empty"))
	var personalBox, sealBox fyne.CanvasObject
	f.personal, personalBox = newKeyForm(set.PersonalKey(), w)
	f.seal, sealBox = newKeyForm(set.SealKey(), w)
	f.roots = widget.NewMultiLineEntry()
	f.roots.SetText(strings.Join(set.TrustedRoots(), "\n"))
	f.roots.SetPlaceHolder(lang.L("one PEM file per line"))
	f.language = widget.NewSelect([]string{"Tiếng Việt", "English"}, nil)
	if set.Language() == "en" {
		f.language.SetSelectedIndex(1)
	} else {
		f.language.SetSelectedIndex(0)
	}
	f.theme = widget.NewSelect([]string{lang.L("Like the system"), lang.L("Light"), lang.L("Dark")}, nil)
	switch set.Theme() {
	case "light":
		f.theme.SetSelectedIndex(1)
	case "dark":
		f.theme.SetSelectedIndex(2)
	default:
		f.theme.SetSelectedIndex(0)
	}
	f.msg = widget.NewLabel("")
	f.msg.Wrapping = fyne.TextWrapWord
	f.msg.Importance = widget.DangerImportance
	form := func(items ...*widget.FormItem) fyne.CanvasObject {
		return container.NewVScroll(widget.NewForm(items...))
	}
	tabs := container.NewAppTabs(
		container.NewTabItem(lang.L("Identity"), form(
			widget.NewFormItem(lang.L("Organisation code"), f.code),
			widget.NewFormItem(lang.L("Agency"), f.agency),
			widget.NewFormItem(lang.L("Login"), f.login),
			widget.NewFormItem(lang.L("Full name"), f.name),
			widget.NewFormItem(lang.L("Position"), f.position),
			widget.NewFormItem(lang.L("Role"), f.role))),
		container.NewTabItem(lang.L("Axis"), form(
			widget.NewFormItem(lang.L("Endpoint"), f.endpoint),
			widget.NewFormItem(lang.L("System id"), f.systemID),
			widget.NewFormItem(lang.L("Secret"), f.secret))),
		container.NewTabItem(lang.L("Signing keys"), form(
			widget.NewFormItem(lang.L("Personal key"), personalBox),
			widget.NewFormItem(lang.L("Agency seal key"), sealBox))),
		container.NewTabItem(lang.L("Trusted roots"), form(widget.NewFormItem(lang.L("Root certificates"), f.roots))),
		container.NewTabItem(lang.L("Appearance"), form(
			widget.NewFormItem(lang.L("Language"), f.language),
			widget.NewFormItem(lang.L("Theme"), f.theme))),
	)
	return f, container.NewBorder(nil, f.msg, nil, nil, tabs)
}

// save checks the input and stores it; it returns the axis secret typed
// (nil when none) and a note for the person.
func (f *settingsForm) save() (secret []byte, note string, err error) {
	f.msg.SetText("")
	code := strings.ToUpper(strings.TrimSpace(f.code.Text))
	switch {
	case !agencyCodeRE.MatchString(code):
		return nil, "", invalid(lang.L("The organisation code has 13 characters, like 000.00.00.H41."))
	case strings.TrimSpace(f.agency.Text) == "":
		return nil, "", invalid(lang.L("Write the agency's name."))
	case strings.TrimSpace(f.login.Text) == "" || strings.TrimSpace(f.name.Text) == "":
		return nil, "", invalid(lang.L("Write your login and full name; they go into the record of every action."))
	}
	ep := strings.TrimSpace(f.endpoint.Text)
	if ep != "" {
		u, perr := url.Parse(ep)
		if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, "", invalid(lang.L("The axis endpoint is a web address starting with https://."))
		}
		if strings.TrimSpace(f.systemID.Text) == "" {
			return nil, "", invalid(lang.L("Write the system id the axis operator gave you."))
		}
	}
	roots := strings.Split(f.roots.Text, "\n")
	for _, r := range roots {
		if r = strings.TrimSpace(r); r != "" {
			if _, err := readCertificates(r); err != nil {
				return nil, "", invalid(lang.L("The trusted root {{.Path}} cannot be read as PEM certificates.", map[string]any{"Path": r}))
			}
		}
	}
	set := f.set
	set.SetAgency(inbox.Organization{Code: code, Name: strings.TrimSpace(f.agency.Text)})
	set.SetActor(inbox.Actor{ID: strings.TrimSpace(f.login.Text), Name: strings.TrimSpace(f.name.Text)})
	set.SetPosition(f.position.Text)
	for _, r := range roles {
		if r.label() == f.role.Selected {
			set.SetRole(r)
		}
	}
	set.SetAxisEndpoint(ep)
	set.SetAxisSystemID(f.systemID.Text)
	set.SetPersonalKey(f.personal.source())
	set.SetSealKey(f.seal.source())
	set.SetTrustedRoots(roots)
	code2 := "vi"
	if f.language.SelectedIndex() == 1 {
		code2 = "en"
	}
	set.SetLanguage(code2)
	set.SetTheme([]string{"system", "light", "dark"}[max(0, f.theme.SelectedIndex())])
	if s := f.secret.Text; s != "" {
		secret = []byte(s)
		f.secret.SetText("")
		if saveAxisSecret(set, s) {
			note = lang.L("The axis secret is kept in the system's keyring.")
		} else {
			note = lang.L("This computer has no keyring Vanthu can use: the axis secret is kept only until Vanthu closes, and asked again at the next start.")
		}
	}
	return secret, note, nil
}

// showSettings opens the settings; changes of identity, axis and language
// take effect at the next start, keys, roots and theme at once.
func (u *ui) showSettings() {
	f, body := newSettingsForm(u.set, u.win)
	u.settingsForm = f
	var d dialog.Dialog
	save := widget.NewButtonWithIcon(lang.L("Save"), theme.DocumentSaveIcon(), func() {
		_, note, err := f.save()
		if err != nil {
			f.msg.SetText(friendly(err))
			return
		}
		applyTheme(u.app, u.set.Theme())
		u.roleSel.SetSelected(u.set.Role().label())
		d.Hide()
		text := lang.L("Saved. Changes of identity, axis and language apply when Vanthu starts again.")
		if note != "" {
			text += "\n" + note
		}
		u.notify(lang.L("Settings"), text)
	})
	save.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("Cancel"), func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons(lang.L("Settings"), container.NewBorder(nil, container.NewHBox(layoutSpacer(), cancel, save), nil, nil, body), u.win)
	d.Resize(fyne.NewSize(720, 560))
	d.Show()
	u.settingsSave = save
}

// wizard is the first-run setup: the settings form and a start button
// that opens the desk.
type wizard struct {
	form  *settingsForm
	start *widget.Button
	body  fyne.CanvasObject
}

func newWizard(a fyne.App, w fyne.Window, set *settings, open func(secret []byte) error) *wizard {
	wz := &wizard{}
	var body fyne.CanvasObject
	wz.form, body = newSettingsForm(set, w)
	wz.start = widget.NewButtonWithIcon(lang.L("Start using Vanthu"), theme.ConfirmIcon(), func() {
		secret, note, err := wz.form.save()
		if err != nil {
			wz.form.msg.SetText(friendly(err))
			return
		}
		applyTheme(a, set.Theme())
		if err := open(secret); err != nil {
			wz.form.msg.SetText(friendly(err))
			return
		}
		set.SetConfigured(true)
		if note != "" {
			dialog.ShowInformation(lang.L("Settings"), note, w)
		}
	})
	wz.start.Importance = widget.HighImportance
	welcome := widget.NewLabel(lang.L("Welcome to Vanthu. Tell it who you are and how your agency reaches the document axis; you can change everything later in Settings. Without an axis Vanthu works offline."))
	welcome.Wrapping = fyne.TextWrapWord
	wz.body = container.NewBorder(welcome, container.NewHBox(layoutSpacer(), wz.start), nil, nil, body)
	return wz
}

func (wz *wizard) content() fyne.CanvasObject { return wz.body }
