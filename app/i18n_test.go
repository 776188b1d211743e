package app

import (
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"github.com/vanthu/vanthu/inbox"
)

var update = flag.Bool("update", false, "rewrite translations/en.json and add missing keys to translations/vi.json")

// sourceKeys are the translation keys the app uses: every string literal
// given to lang.L in the package's sources, and the English names of the
// store's states, folders and priorities (translated through lang.L too).
func sourceKeys(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "L" {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "lang" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			seen[s] = true
			return true
		})
	}
	for k := range dynamicKeys() {
		seen[k] = true
	}
	// Fyne's own widgets and dialogs.
	for _, s := range fyneKeys {
		seen[s] = true
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fyneKeys are the strings of Fyne's dialogs and entry menus.
var fyneKeys = []string{"Cancel", "Confirm", "Copy", "Cut", "Error", "No", "OK", "Open", "Paste", "Quit",
	"Redo", "Save", "Select all", "Undo", "Yes", "File", "Folder", "Create Folder", "New Folder",
	"Enter filename", "Favourites", "Show Hidden Files", "Advanced"}

// dynamicKeys are the keys of the store's states, folders and priorities,
// with their English names.
func dynamicKeys() map[string]string {
	m := map[string]string{}
	for _, s := range inbox.States() {
		m["state."+string(s)] = s.English()
	}
	for _, f := range inbox.Folders() {
		m["folder."+string(f)] = f.English()
	}
	for p := inbox.PriorityNormal; p <= inbox.PriorityFlashTimed; p++ {
		m["priority."+strconv.Itoa(int(p))] = p.English()
	}
	return m
}

func readBundle(t *testing.T, code string) map[string]string {
	t.Helper()
	data, err := translations.ReadFile("translations/" + code + ".json")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s.json: %v", code, err)
	}
	return m
}

func writeBundle(t *testing.T, code string, m map[string]string) {
	t.Helper()
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("translations", code+".json"), append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTranslationsComplete(t *testing.T) {
	keys := sourceKeys(t)
	if *update {
		en := map[string]string{}
		vi := readBundle(t, "vi")
		dyn := dynamicKeys()
		for _, k := range keys {
			en[k] = k
			if e, ok := dyn[k]; ok {
				en[k] = e
			}
			if _, ok := vi[k]; !ok {
				vi[k] = ""
			}
		}
		writeBundle(t, "en", en)
		writeBundle(t, "vi", vi)
	}
	for _, code := range languages {
		m := readBundle(t, code)
		for _, k := range keys {
			if strings.TrimSpace(m[k]) == "" {
				t.Errorf("%s.json: no translation for %q", code, k)
			}
		}
		for k := range m {
			if !slices.Contains(keys, k) {
				t.Errorf("%s.json: %q is not used", code, k)
			}
		}
	}
}

// The Vietnamese names of states, folders and priorities are the ones the
// store (and GLOSSARY.md) uses.
func TestVietnameseMatchesStore(t *testing.T) {
	vi := readBundle(t, "vi")
	check := func(key, want string) {
		if got := vi[key]; got != want {
			t.Errorf("vi.json[%q] = %q, want %q", key, got, want)
		}
	}
	for _, s := range inbox.States() {
		check("state."+string(s), s.Vietnamese())
	}
	for _, f := range inbox.Folders() {
		check("folder."+string(f), f.Vietnamese())
	}
	for p := inbox.PriorityNormal; p <= inbox.PriorityFlashTimed; p++ {
		check("priority."+strconv.Itoa(int(p)), p.Vietnamese())
	}
}

func TestUseLanguage(t *testing.T) {
	t.Cleanup(func() { _ = useLanguage("vi") })
	tests := []struct{ code, key, want string }{
		{"vi", "Details", readBundle(t, "vi")["Details"]},
		{"en", "Details", "Details"},
		{"vi", "Cancel", readBundle(t, "vi")["Cancel"]},
		{"xx", "Details", readBundle(t, "vi")["Details"]}, // unknown: the default, Vietnamese
	}
	for _, tt := range tests {
		if err := useLanguage(tt.code); err != nil {
			t.Fatal(err)
		}
		if got := lang.L(tt.key); got != tt.want {
			t.Errorf("useLanguage(%q): lang.L(%q) = %q, want %q", tt.code, tt.key, got, tt.want)
		}
	}
}
