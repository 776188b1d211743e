package courier

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Agency is an entry of the axis's agency registry, as the recipient
// picker shows it.
type Agency struct {
	Code    string `json:"code"` // the QCVN 102 organisation code
	Name    string `json:"name"`
	OldCode string `json:"oldCode,omitempty"`
	Mail    string `json:"mail,omitempty"`
	Parent  string `json:"parent,omitempty"` // the parent's id in the registry
}

// Directory is the axis's agency registry as this desk last fetched it,
// kept in DATA/agencies.json so that the recipient picker works offline.
// Safe for concurrent use.
type Directory struct {
	path string

	mu      sync.RWMutex
	updated time.Time
	list    []Agency // by code
	folded  []string // fold(code oldCode name) of each
}

// directoryFile is the cache's file format.
type directoryFile struct {
	Updated  time.Time `json:"updated"`
	Agencies []Agency  `json:"agencies"`
}

// OpenDirectory reads the directory cached in dataDir (empty when there
// is none yet).
func OpenDirectory(dataDir string) (*Directory, error) {
	d := &Directory{path: filepath.Join(dataDir, "agencies.json")}
	data, err := os.ReadFile(d.path)
	if errors.Is(err, os.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("agency directory: %w", err)
	}
	var f directoryFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("agency directory %s is damaged: %w", d.path, err)
	}
	d.set(f.Agencies, f.Updated)
	return d, nil
}

func (d *Directory) set(list []Agency, at time.Time) {
	list = slices.Clone(list)
	slices.SortFunc(list, func(a, b Agency) int { return strings.Compare(a.Code, b.Code) })
	list = slices.CompactFunc(list, func(a, b Agency) bool { return a.Code == b.Code })
	folded := make([]string, len(list))
	for i, a := range list {
		folded[i] = fold(a.Code + " " + a.OldCode + " " + a.Name)
	}
	d.mu.Lock()
	d.list, d.folded, d.updated = list, folded, at
	d.mu.Unlock()
}

// Replace stores a fresh copy of the registry, fetched at.
func (d *Directory) Replace(list []Agency, at time.Time) error {
	data, err := json.MarshalIndent(directoryFile{Updated: at, Agencies: list}, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomically(d.path, data); err != nil {
		return fmt.Errorf("agency directory: %w", err)
	}
	d.set(list, at)
	return nil
}

// Updated is when the directory was fetched (zero: never).
func (d *Directory) Updated() time.Time {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.updated
}

// All returns every agency, by code.
func (d *Directory) All() []Agency {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return slices.Clone(d.list)
}

// Lookup returns the agency with code.
func (d *Directory) Lookup(code string) (Agency, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	i, ok := slices.BinarySearchFunc(d.list, code, func(a Agency, c string) int { return strings.Compare(a.Code, c) })
	if !ok {
		return Agency{}, false
	}
	return d.list[i], true
}

// Search returns up to limit agencies (0: all) whose code or name holds
// every word of query, without regard to case or Vietnamese diacritics
// ("ha noi" finds "Hà Nội", "dong thap" finds "Đồng Tháp"): an exact code
// first, then codes starting with the query, names starting with it,
// names with a word starting with each query word, and other matches, each
// group by name. An empty query lists every agency by name.
func (d *Directory) Search(query string, limit int) []Agency {
	q := fold(strings.TrimSpace(query))
	words := strings.Fields(q)
	d.mu.RLock()
	type hit struct {
		rank int
		a    Agency
		name string
	}
	var hits []hit
	for i, a := range d.list {
		f := d.folded[i]
		match := true
		for _, w := range words {
			if !strings.Contains(f, w) {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		name := fold(a.Name)
		rank := 4
		switch {
		case q == "":
			rank = 0
		case strings.EqualFold(a.Code, q) || strings.EqualFold(a.OldCode, q):
			rank = 0
		case strings.HasPrefix(strings.ToLower(a.Code), q):
			rank = 1
		case strings.HasPrefix(name, q):
			rank = 2
		case allWordPrefixes(name, words):
			rank = 3
		}
		hits = append(hits, hit{rank, a, name})
	}
	d.mu.RUnlock()
	slices.SortStableFunc(hits, func(x, y hit) int {
		if x.rank != y.rank {
			return x.rank - y.rank
		}
		if c := strings.Compare(x.name, y.name); c != 0 {
			return c
		}
		return strings.Compare(x.a.Code, y.a.Code)
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]Agency, len(hits))
	for i, h := range hits {
		out[i] = h.a
	}
	return out
}

// allWordPrefixes reports whether each query word starts a word of name.
func allWordPrefixes(name string, words []string) bool {
	nameWords := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, w := range words {
		if !slices.ContainsFunc(nameWords, func(n string) bool { return strings.HasPrefix(n, w) }) {
			return false
		}
	}
	return true
}

// fold makes text comparable without case and Vietnamese diacritics:
// decomposed, combining marks dropped, đ as d, lower case.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// writeFileAtomically replaces path with data (a temporary file beside it,
// synced, renamed over it).
func writeFileAtomically(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
