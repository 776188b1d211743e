package pdf

import "fmt"

// Page is one leaf of the page tree with its inherited attributes resolved.
type Page struct {
	Ref      Ref
	Dict     Dict
	MediaBox [4]float64
	CropBox  [4]float64
	Rotate   int
}

const maxPages = 1 << 20

// Pages returns the pages in document order.
func (f *File) Pages() ([]Page, error) {
	cat, _, err := f.Catalog()
	if err != nil {
		return nil, err
	}
	root, ok := cat["Pages"].(Ref)
	if !ok {
		return nil, malformed("the catalog has no page tree (/Pages)")
	}
	var pages []Page
	seen := map[Ref]bool{}
	var walk func(ref Ref, inherited Dict, depth int) error
	walk = func(ref Ref, inherited Dict, depth int) error {
		if depth > maxDepth {
			return malformed("page tree deeper than %d levels", maxDepth)
		}
		if seen[ref] {
			return malformed("page tree contains a cycle at object %d", ref.Num)
		}
		seen[ref] = true
		d, err := f.ResolveDict(ref)
		if err != nil {
			return err
		}
		if d == nil {
			return malformed("page tree node %d is not a dictionary", ref.Num)
		}
		inh := inherited.Clone()
		for _, k := range []Name{"Resources", "MediaBox", "CropBox", "Rotate"} {
			if v, ok := d[k]; ok {
				inh[k] = v
			}
		}
		kids, hasKids := d["Kids"]
		typ, _ := d["Type"].(Name)
		if typ == "Page" || (!hasKids && typ != "Pages") {
			if len(pages) >= maxPages {
				return malformed("more than %d pages", maxPages)
			}
			p := Page{Ref: ref, Dict: d}
			if err := f.fillPage(&p, inh); err != nil {
				return fmt.Errorf("page %d: %w", len(pages)+1, err)
			}
			pages = append(pages, p)
			return nil
		}
		ko, err := f.Resolve(kids)
		if err != nil {
			return err
		}
		ka, ok := ko.(Array)
		if !ok {
			return malformed("page tree node %d has no /Kids array", ref.Num)
		}
		for _, k := range ka {
			kr, ok := k.(Ref)
			if !ok {
				return malformed("page tree node %d has a direct kid", ref.Num)
			}
			if err := walk(kr, inh, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, Dict{}, 0); err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, malformed("the document has no pages")
	}
	return pages, nil
}

func (f *File) fillPage(p *Page, inh Dict) error {
	mb, err := f.rect(inh["MediaBox"])
	if err != nil || mb == nil {
		// Letter size is the documented default of some readers; A4 is
		// what Vietnamese documents use.
		mb = &[4]float64{0, 0, 595.28, 841.89}
	}
	p.MediaBox = *mb
	p.CropBox = *mb
	if cb, err := f.rect(inh["CropBox"]); err == nil && cb != nil {
		p.CropBox = *cb
	}
	if r, err := f.Resolve(inh["Rotate"]); err == nil {
		if n, ok := AsInt(r); ok {
			p.Rotate = int(((n % 360) + 360) % 360)
		}
	}
	return nil
}

func (f *File) rect(o Object) (*[4]float64, error) {
	o, err := f.Resolve(o)
	if err != nil {
		return nil, err
	}
	a, ok := o.(Array)
	if !ok || len(a) != 4 {
		return nil, nil
	}
	var r [4]float64
	for i, v := range a {
		v, err := f.Resolve(v)
		if err != nil {
			return nil, err
		}
		n, ok := AsNumber(v)
		if !ok {
			return nil, nil
		}
		r[i] = n
	}
	if r[0] > r[2] {
		r[0], r[2] = r[2], r[0]
	}
	if r[1] > r[3] {
		r[1], r[3] = r[3], r[1]
	}
	return &r, nil
}

// Rect reads a rectangle array (normalised so that llx<urx, lly<ury).
func (f *File) Rect(o Object) ([4]float64, bool) {
	r, err := f.rect(o)
	if err != nil || r == nil {
		return [4]float64{}, false
	}
	return *r, true
}
