package demodoc

import "fmt"

// An item is a piece of the page flow: a line of the body, a table row, or an
// atomic block (the header, the title, the signature block). Positions inside
// it are relative to its top.
type item struct {
	// before is the space above the item, dropped at the top of a page.
	before float64
	// height is the space the item takes below its top.
	height float64
	// keep is how many items before this one move with it to the next page
	// when it does not fit (the signature block takes the last lines of the
	// body along, never standing alone).
	keep int
	// pinned items (the top of page 1) never move along with a later one.
	pinned bool
	// header, for a table row, is the header row repeated at the top of a
	// continuation page.
	header *item
	// what names the item in errors.
	what string
	// draw paints the item with its top at y = top.
	draw func(p *painter, top float64) error
	// placed, when set, learns the page (1-based) and top of the item.
	placed func(page int, top float64)
}

type placement struct {
	it  *item
	top float64
}

// maxLayoutPages bounds the pages a document may run to.
const maxLayoutPages = 200

// paginate flows items onto pages: the first page from firstTop, the others
// from nextTop, none below bottom.
func paginate(items []*item, firstTop, nextTop, bottom float64) ([][]placement, error) {
	var pages [][]placement
	var page []placement
	y := firstTop
	place := func(it *item) {
		gap := it.before
		if len(page) == 0 {
			gap = 0
		}
		page = append(page, placement{it: it, top: y - gap})
		y -= gap + it.height
	}
	fits := func(it *item) bool {
		gap := it.before
		if len(page) == 0 {
			gap = 0
		}
		return y-gap-it.height >= bottom
	}
	newPage := func() error {
		pages = append(pages, page)
		if len(pages) >= maxLayoutPages {
			return fmt.Errorf("%w: the document would run to more than %d pages; shorten the body", ErrSpec, maxLayoutPages)
		}
		page, y = nil, nextTop
		return nil
	}
	for _, it := range items {
		if !fits(it) && len(page) > 0 {
			var carry []*item
			if it.header != nil && len(page) > 1 && page[len(page)-1].it == it.header {
				page = page[:len(page)-1] // no header row alone at the foot of a page
			}
			if it.keep > 0 && len(page) > 1 {
				from := max(len(page)-it.keep, 1) // the page keeps at least one item
				for from < len(page) && page[from].it.pinned {
					from++
				}
				for _, pl := range page[from:] {
					carry = append(carry, pl.it)
				}
				page = page[:from]
			}
			if err := newPage(); err != nil {
				return nil, err
			}
			if it.header != nil {
				place(it.header)
			}
			for _, c := range carry {
				place(c)
			}
		}
		if !fits(it) {
			return nil, fmt.Errorf("%w: %s is too long to fit on one page", ErrSpec, it.what)
		}
		place(it)
	}
	return append(pages, page), nil
}
