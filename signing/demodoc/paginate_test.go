package demodoc

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestPaginate flows named boxes onto pages 100 pt high and compares the
// names on each page.
func TestPaginate(t *testing.T) {
	box := func(name string, h float64) *item {
		return &item{height: h, what: name, draw: func(*painter, float64) error { return nil }}
	}
	head := box("head", 60)
	head.pinned = true
	closing := box("closing", 50)
	closing.keep = 2
	title := box("H", 10)
	afterTitle := box("p", 10)
	afterTitle.keep = 1
	header := box("TH", 20)
	row := func(name string) *item { r := box(name, 20); r.header = header; return r }
	cases := []struct {
		name  string
		items []*item
		want  string
	}{
		{"fits", []*item{head, box("a", 10), box("b", 10)}, "head a b"},
		{"break", []*item{head, box("a", 20), box("b", 20), box("c", 10)}, "head a b | c"},
		{"closing takes two lines along", []*item{head, box("a", 10), box("b", 10), box("c", 10), closing}, "head a | b c closing"},
		{"pinned items stay", []*item{head, box("a", 30), closing}, "head | a closing"},
		{"closing takes one line from a full page", []*item{box("a", 50), box("b", 40), closing}, "a | b closing"},
		{"heading kept with its paragraph", []*item{head, box("a", 25), title, afterTitle}, "head a | H p"},
		{"table header repeated", []*item{head, header, row("r1"), row("r2"), row("r3")}, "head TH r1 | TH r2 r3"},
		{"no header alone at a page foot", []*item{head, box("a", 10), header, row("r1"), row("r2")}, "head a | TH r1 r2"},
	}
	for _, c := range cases {
		pages, err := paginate(c.items, 100, 100, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, p := range pages {
			var names []string
			for _, pl := range p {
				names = append(names, pl.it.what)
			}
			got = append(got, strings.Join(names, " "))
		}
		if g := strings.Join(got, " | "); g != c.want {
			t.Errorf("%s: got %q, want %q", c.name, g, c.want)
		}
	}
	if _, err := paginate([]*item{head, box("giant", 150)}, 100, 100, 0); !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), "giant is too long") {
		t.Errorf("an item taller than a page: got %v", err)
	}
	many := make([]*item, maxLayoutPages+1)
	for i := range many {
		many[i] = box(fmt.Sprint(i), 80)
	}
	if _, err := paginate(many, 100, 100, 0); !errors.Is(err, ErrSpec) {
		t.Errorf("too many pages: got %v", err)
	}
}
