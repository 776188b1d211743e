package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
)

// Preference keys, in one place. The demo keeps its own copy of every key
// (prefix "demo.") so that a demo run never touches the real settings.
const (
	keyConfigured     = "configured" // the first-run wizard was completed
	keyLanguage       = "language"   // "vi" or "en"
	keyTheme          = "theme"      // "system", "light" or "dark"
	keyAgencyCode     = "agency.code"
	keyAgencyName     = "agency.name"
	keyPersonID       = "person.id"
	keyPersonName     = "person.name"
	keyRole           = "person.role" // clerk, leader or officer
	keyPosition       = "person.position"
	keyAxisEndpoint   = "axis.endpoint"
	keyAxisSystemID   = "axis.systemID"
	keyPersonalKey    = "key.personal" // a key source: kind, path, token label, key label
	keySealKey        = "key.seal"
	keyTrustedRoots   = "trust.roots" // PEM files
	keyRegisterIn     = "register.incoming"
	keyRegisterOut    = "register.outgoing"
	keyNotifyDeadline = "notify.deadlineDays"
)

// Defaults.
const (
	defaultLanguage       = "vi"
	defaultTheme          = "system"
	defaultRole           = roleClerk
	defaultRegisterIn     = "Sổ văn bản đến"
	defaultRegisterOut    = "Sổ văn bản đi"
	defaultNotifyDeadline = 2
)

// role is what a person does at the desk; it decides which actions the
// document view offers.
type role string

const (
	roleClerk   role = "clerk"   // văn thư
	roleLeader  role = "leader"  // lãnh đạo
	roleOfficer role = "officer" // chuyên viên
)

var roles = []role{roleClerk, roleLeader, roleOfficer}

// label is the role's name in the UI language.
func (r role) label() string {
	switch r {
	case roleLeader:
		return lang.L("Leader")
	case roleOfficer:
		return lang.L("Officer")
	}
	return lang.L("Clerk")
}

// settings are the typed preferences of the app.
type settings struct {
	p      fyne.Preferences
	prefix string
}

func newSettings(p fyne.Preferences, demo bool) *settings {
	s := &settings{p: p}
	if demo {
		s.prefix = "demo."
	}
	return s
}

func (s *settings) k(key string) string { return s.prefix + key }

func (s *settings) str(key, def string) string { return s.p.StringWithFallback(s.k(key), def) }
func (s *settings) set(key, v string)          { s.p.SetString(s.k(key), strings.TrimSpace(v)) }

func (s *settings) Configured() bool     { return s.p.BoolWithFallback(s.k(keyConfigured), false) }
func (s *settings) SetConfigured(v bool) { s.p.SetBool(s.k(keyConfigured), v) }

// Language is the UI language; it is global, not per profile.
func (s *settings) Language() string {
	v := s.p.StringWithFallback(keyLanguage, defaultLanguage)
	if v != "vi" && v != "en" {
		return defaultLanguage
	}
	return v
}
func (s *settings) SetLanguage(v string) { s.p.SetString(keyLanguage, v) }

// Theme is "system", "light" or "dark"; it is global.
func (s *settings) Theme() string            { return s.p.StringWithFallback(keyTheme, defaultTheme) }
func (s *settings) SetTheme(v string)        { s.p.SetString(keyTheme, v) }
func (s *settings) AxisEndpoint() string     { return s.str(keyAxisEndpoint, "") }
func (s *settings) SetAxisEndpoint(v string) { s.set(keyAxisEndpoint, v) }
func (s *settings) AxisSystemID() string     { return s.str(keyAxisSystemID, "") }
func (s *settings) SetAxisSystemID(v string) { s.set(keyAxisSystemID, v) }
func (s *settings) RegisterIn() string       { return s.str(keyRegisterIn, defaultRegisterIn) }
func (s *settings) RegisterOut() string      { return s.str(keyRegisterOut, defaultRegisterOut) }

// NotifyDeadlineDays is how many days before a deadline a reminder shows.
func (s *settings) NotifyDeadlineDays() int {
	return s.p.IntWithFallback(s.k(keyNotifyDeadline), defaultNotifyDeadline)
}

// Agency is this desk's agency.
func (s *settings) Agency() inbox.Organization {
	return inbox.Organization{Code: s.str(keyAgencyCode, ""), Name: s.str(keyAgencyName, "")}
}

func (s *settings) SetAgency(o inbox.Organization) {
	s.set(keyAgencyCode, o.Code)
	s.set(keyAgencyName, o.Name)
}

// Actor is the person at the desk, for the audit log.
func (s *settings) Actor() inbox.Actor {
	return inbox.Actor{ID: s.str(keyPersonID, ""), Name: s.str(keyPersonName, "")}
}

func (s *settings) SetActor(a inbox.Actor) {
	s.set(keyPersonID, a.ID)
	s.set(keyPersonName, a.Name)
}

func (s *settings) Role() role {
	r := role(s.str(keyRole, string(defaultRole)))
	for _, x := range roles {
		if x == r {
			return r
		}
	}
	return defaultRole
}
func (s *settings) SetRole(r role) { s.set(keyRole, string(r)) }

// Position is printed under the person's signature (e.g. "Phó Chủ tịch").
func (s *settings) Position() string     { return s.str(keyPosition, "") }
func (s *settings) SetPosition(v string) { s.set(keyPosition, v) }

// keySource reads a key source stored under key.
func (s *settings) keySource(key string) desk.KeySource {
	return desk.KeySource{
		Kind:       desk.KeyKind(s.str(key+".kind", "")),
		Path:       s.str(key+".path", ""),
		TokenLabel: s.str(key+".token", ""),
		KeyLabel:   s.str(key+".label", ""),
	}
}

func (s *settings) setKeySource(key string, k desk.KeySource) {
	s.set(key+".kind", string(k.Kind))
	s.set(key+".path", k.Path)
	s.set(key+".token", k.TokenLabel)
	s.set(key+".label", k.KeyLabel)
}

// PersonalKey is the key the person signs with; SealKey the agency's key
// (the clerk's seal). Neither holds a secret.
func (s *settings) PersonalKey() desk.KeySource     { return s.keySource(keyPersonalKey) }
func (s *settings) SetPersonalKey(k desk.KeySource) { s.setKeySource(keyPersonalKey, k) }
func (s *settings) SealKey() desk.KeySource         { return s.keySource(keySealKey) }
func (s *settings) SetSealKey(k desk.KeySource)     { s.setKeySource(keySealKey, k) }

// Identity is the desk's identity for desk.Open.
func (s *settings) Identity() desk.Identity {
	a := s.Actor()
	return desk.Identity{Agency: s.Agency(), Login: a.ID, Name: a.Name, Position: s.Position(), Role: desk.Role(s.Role())}
}

// TrustedRoots are PEM files of the trust anchors.
func (s *settings) TrustedRoots() []string {
	return s.p.StringListWithFallback(s.k(keyTrustedRoots), nil)
}

func (s *settings) SetTrustedRoots(v []string) {
	var out []string
	for _, x := range v {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	s.p.SetStringList(s.k(keyTrustedRoots), out)
}
