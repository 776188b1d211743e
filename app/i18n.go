package app

import (
	"embed"
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// translations holds one JSON file per language (go-i18n format, keys are
// the English source strings given to lang.L).
//
//go:embed translations/*.json
var translations embed.FS

// Languages the UI speaks; the first is the default.
var languages = []string{"vi", "en"}

// useLanguage makes code ("vi" or "en") the language of every lang.L call.
// Fyne picks the translation closest to the system's locale, so the chosen
// bundle is registered under its own tag, under Fyne's fallback ("en") and
// under the system's locale: it then wins whatever the system says.
// Widgets built before the call keep their text; the app applies a change
// of language on its next start.
func useLanguage(code string) error {
	if !slices.Contains(languages, code) {
		code = languages[0]
	}
	data, err := translations.ReadFile("translations/" + code + ".json")
	if err != nil {
		return fmt.Errorf("load the %s translation: %w", code, err)
	}
	locales := []fyne.Locale{fyne.Locale(code), "en"}
	if sys := lang.SystemLocale(); sys != "" && !slices.Contains(locales, sys) {
		locales = append(locales, sys)
	}
	for _, l := range locales {
		if err := lang.AddTranslationsForLocale(data, l); err != nil {
			return fmt.Errorf("load the %s translation: %w", code, err)
		}
	}
	return nil
}
