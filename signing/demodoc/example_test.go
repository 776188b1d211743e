package demodoc

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestExampleIsDeterministic(t *testing.T) {
	for _, kind := range Kinds() {
		a, b := Example(kind, 7), Example(kind, 7)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%v: two examples of seed 7 differ:\n%#v\n%#v", kind, a, b)
		}
		seen := map[string]int64{}
		for seed := range int64(30) {
			key := fmt.Sprintf("%#v", Example(kind, seed))
			if other, ok := seen[key]; ok {
				t.Errorf("%v: seeds %d and %d give the same example", kind, other, seed)
			}
			seen[key] = seed
		}
	}
	// The same spec lays out the same text.
	d1, d2 := generate(t, Example(QuyetDinh, 3)), generate(t, Example(QuyetDinh, 3))
	if !reflect.DeepEqual(d1.Text, d2.Text) || d1.SignatureRect != d2.SignatureRect {
		t.Error("generating the same example twice gives different layouts")
	}
}

// TestExamplesGenerate lays out examples of every kind for several seeds:
// none fails, each is in NFC with the fields a document needs.
func TestExamplesGenerate(t *testing.T) {
	for _, kind := range Kinds() {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			for seed := range int64(8) {
				s := Example(kind, seed)
				for _, f := range []string{s.Agency, s.Subject, s.SignerName, strings.Join(s.Body, "\n"), strings.Join(s.Distribution, "\n")} {
					if !norm.NFC.IsNormalString(f) {
						t.Errorf("seed %d: %q is not NFC", seed, f)
					}
				}
				if s.Kind != kind || s.AgencyCode == "" || s.Number == "" || s.Date.Year() != 2026 {
					t.Errorf("seed %d: incomplete example %+v", seed, s)
				}
				if kind == CongVan && !strings.HasPrefix(s.Subject, "V/v ") {
					t.Errorf("seed %d: a letter's summary line %q does not start with V/v", seed, s.Subject)
				}
				if kind == PhuLuc && len(s.Table) < 6 {
					t.Errorf("seed %d: the appendix table has only %d rows", seed, len(s.Table))
				}
				doc, err := Generate(s)
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if doc.Pages != 1 {
					t.Errorf("seed %d: the example runs to %d pages, want 1", seed, doc.Pages)
				}
			}
		})
	}
}

func TestPhraseBank(t *testing.T) {
	if n := len(topics()); n < 20 {
		t.Errorf("%d subjects, want at least 20", n)
	}
	if n := len(agencies()); n < 10 {
		t.Errorf("%d agencies, want at least 10", n)
	}
	code := regexp.MustCompile(`^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$`)
	codes := map[string]bool{}
	for _, a := range agencies() {
		if !code.MatchString(a.code) || utf8.RuneCountInString(a.code) != 13 {
			t.Errorf("%s: organisation code %q is not like 000.00.00.H41", a.name, a.code)
		}
		if codes[a.code] {
			t.Errorf("%s: organisation code %q used twice", a.name, a.code)
		}
		codes[a.code] = true
		if a.name != upper(a.name) || a.parent != upper(a.parent) || a.authority != upper(a.authority) {
			t.Errorf("%s: header names must be upper case", a.name)
		}
		if len(a.units) == 0 || len(a.audience) == 0 {
			t.Errorf("%s: no drafting units or audience", a.name)
		}
	}
	for _, tp := range topics() {
		if len(tp.details) == 0 || tp.law < 0 || tp.law >= len(laws()) {
			t.Errorf("topic %q: no details or a bad law", tp.phrase)
		}
	}
	for _, p := range append(fillerParagraphs(), tasks()...) {
		if !norm.NFC.IsNormalString(p) {
			t.Errorf("%q is not NFC", p)
		}
	}
}
