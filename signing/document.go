package signing

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vanthu/vanthu/signing/pdf"
)

// docInfo is what signing needs to know about an existing document.
type docInfo struct {
	catalog    pdf.Dict
	catalogRef pdf.Ref
	pages      []pdf.Page
	fieldNames map[string]bool
	signatures int
	docMDP     int // 0 when not certified
	// widgetsWithoutAP counts the widgets of non-signature fields that
	// have no normal appearance (/AP /N).
	widgetsWithoutAP int
	// lastVisible is the widget of the most recent visible signature;
	// visible holds every visible signature's widget.
	lastVisible *sigWidget
	visible     []*sigWidget
}

type sigWidget struct {
	ref       pdf.Ref
	dict      pdf.Dict
	pageIndex int
	rect      [4]float64
	signedEnd int64 // where its ByteRange coverage ends
}

const maxFields = 100000

func inspect(f *pdf.File) (*docInfo, error) {
	cat, catRef, err := f.Catalog()
	if err != nil {
		return nil, err
	}
	pages, err := f.Pages()
	if err != nil {
		return nil, err
	}
	d := &docInfo{catalog: cat, catalogRef: catRef, pages: pages, fieldNames: map[string]bool{}}
	pageOf := map[pdf.Ref]int{}
	for i, p := range pages {
		pageOf[p.Ref] = i
	}
	form, err := f.ResolveDict(cat["AcroForm"])
	if err != nil {
		return nil, err
	}
	if form != nil {
		fields, err := f.Resolve(form["Fields"])
		if err != nil {
			return nil, err
		}
		arr, _ := fields.(pdf.Array)
		seen := map[pdf.Ref]bool{}
		var walk func(o pdf.Object, prefix string, ft pdf.Name, depth int) error
		walk = func(o pdf.Object, prefix string, ft pdf.Name, depth int) error {
			if depth > 32 || len(seen) > maxFields {
				return errors.New("the form's field tree is too deep or too large")
			}
			ref, isRef := o.(pdf.Ref)
			if isRef {
				if seen[ref] {
					return nil
				}
				seen[ref] = true
			}
			fd, err := f.ResolveDict(o)
			if err != nil || fd == nil {
				return err
			}
			name := prefix
			if t, ok := fd["T"].(pdf.String); ok {
				if name != "" {
					name += "."
				}
				name += decodeTextString(t)
			}
			if n, ok := fd["FT"].(pdf.Name); ok {
				ft = n
			}
			kids, _ := f.Resolve(fd["Kids"])
			if ka, ok := kids.(pdf.Array); ok && len(ka) > 0 {
				for _, k := range ka {
					if err := walk(k, name, ft, depth+1); err != nil {
						return err
					}
				}
				if _, hasT := fd["T"]; hasT {
					d.fieldNames[name] = true
				}
				return nil
			}
			if name != "" {
				d.fieldNames[name] = true
			}
			if ft != "Sig" {
				if ap, _ := f.ResolveDict(fd["AP"]); ap == nil || ap["N"] == nil {
					d.widgetsWithoutAP++
				}
				return nil
			}
			v, err := f.ResolveDict(fd["V"])
			if err != nil || v == nil {
				return err
			}
			d.signatures++
			w := &sigWidget{dict: fd, pageIndex: -1}
			if isRef {
				w.ref = ref
			}
			if br, ok := v["ByteRange"].(pdf.Array); ok && len(br) == 4 {
				a, _ := pdf.AsInt(br[2])
				b, _ := pdf.AsInt(br[3])
				w.signedEnd = a + b
			}
			if p, ok := fd["P"].(pdf.Ref); ok {
				if i, ok := pageOf[p]; ok {
					w.pageIndex = i
				}
			}
			if w.pageIndex < 0 && isRef {
				w.pageIndex = findAnnotPage(f, pages, ref)
			}
			if r, ok := f.Rect(fd["Rect"]); ok && r[2]-r[0] > 1 && r[3]-r[1] > 1 && w.pageIndex >= 0 {
				w.rect = r
				d.visible = append(d.visible, w)
				if d.lastVisible == nil || w.signedEnd >= d.lastVisible.signedEnd {
					d.lastVisible = w
				}
			}
			return nil
		}
		for _, o := range arr {
			if err := walk(o, "", "", 0); err != nil {
				return nil, err
			}
		}
	}
	if perms, err := f.ResolveDict(cat["Perms"]); err == nil && perms != nil {
		if sig, err := f.ResolveDict(perms["DocMDP"]); err == nil && sig != nil {
			d.docMDP = docMDPLevel(f, sig)
		}
	}
	return d, nil
}

// docMDPLevel returns the /P of a certification signature's DocMDP
// transform (2 when absent), or 0 when sig has none.
func docMDPLevel(f *pdf.File, sig pdf.Dict) int {
	refs, _ := f.Resolve(sig["Reference"])
	arr, _ := refs.(pdf.Array)
	for _, o := range arr {
		sr, err := f.ResolveDict(o)
		if err != nil || sr == nil || sr["TransformMethod"] != pdf.Name("DocMDP") {
			continue
		}
		tp, _ := f.ResolveDict(sr["TransformParams"])
		p := int64(2)
		if tp != nil {
			if v, ok := pdf.AsInt(tp["P"]); ok && v >= 1 && v <= 3 {
				p = v
			}
		}
		return int(p)
	}
	return 0
}

func findAnnotPage(f *pdf.File, pages []pdf.Page, ref pdf.Ref) int {
	for i, p := range pages {
		annots, err := f.Resolve(p.Dict["Annots"])
		if err != nil {
			continue
		}
		arr, _ := annots.(pdf.Array)
		for _, a := range arr {
			if a == ref {
				return i
			}
		}
	}
	return -1
}

func (d *docInfo) freeFieldName() string {
	for i := d.signatures + 1; ; i++ {
		name := "Signature" + itoa(i)
		if !d.fieldNames[name] {
			return name
		}
	}
}

// addToPage appends the widget to the page's /Annots, updating whichever
// object holds the array.
func addToPage(f *pdf.File, u *pdf.Update, page pdf.Page, widget pdf.Ref) error {
	switch a := page.Dict["Annots"].(type) {
	case pdf.Ref:
		o, err := u.Get(a)
		if err != nil {
			return err
		}
		arr, ok := o.(pdf.Array)
		if !ok {
			return fmt.Errorf("the page's annotation list (object %d) is not an array", a.Num)
		}
		u.Set(a, append(append(pdf.Array{}, arr...), widget))
		return nil
	case pdf.Array:
		pd := page.Dict.Clone()
		pd["Annots"] = append(append(pdf.Array{}, a...), widget)
		u.Set(page.Ref, pd)
		return nil
	case nil:
		pd := page.Dict.Clone()
		pd["Annots"] = pdf.Array{widget}
		u.Set(page.Ref, pd)
		return nil
	}
	return errors.New("the page's /Annots is neither an array nor a reference")
}

// addToAcroForm registers the field in the interactive form (creating the
// form when needed), sets SigFlags, and updates the catalog for the ETSI
// extension and certification.
func addToAcroForm(f *pdf.File, u *pdf.Update, d *docInfo, field pdf.Ref, opts PDFOptions, sigRef pdf.Ref) error {
	cat := d.catalog.Clone()
	catChanged := false

	var form pdf.Dict
	var formRef pdf.Ref
	formIsRef, formIsDirect := false, false
	switch v := cat["AcroForm"].(type) {
	case pdf.Ref:
		o, err := u.Get(v)
		if err != nil {
			return err
		}
		fd, ok := o.(pdf.Dict)
		if !ok {
			return errors.New("the document's interactive form (/AcroForm) is not a dictionary")
		}
		form, formRef, formIsRef = fd.Clone(), v, true
	case pdf.Dict:
		form, formIsDirect = v.Clone(), true
	case nil:
		form = pdf.Dict{}
	default:
		return errors.New("the document's interactive form (/AcroForm) is not a dictionary")
	}
	switch fl := form["Fields"].(type) {
	case pdf.Ref:
		o, err := u.Get(fl)
		if err != nil {
			return err
		}
		arr, ok := o.(pdf.Array)
		if !ok {
			return errors.New("the form's field list is not an array")
		}
		u.Set(fl, append(append(pdf.Array{}, arr...), field))
	case pdf.Array:
		form["Fields"] = append(append(pdf.Array{}, fl...), field)
	default:
		form["Fields"] = pdf.Array{field}
	}
	flags, _ := pdf.AsInt(form["SigFlags"])
	form["SigFlags"] = flags | 3
	// With /NeedAppearances true, viewers regenerate every widget's
	// appearance from the field's value, and poppler (Evince, Okular)
	// then draws signature widgets empty: the signature image and the
	// seal disappear. Turn it off when every field already has its
	// appearance; otherwise turning it off would hide field values, so
	// it stays.
	na, _ := f.Resolve(form["NeedAppearances"])
	if on, _ := na.(bool); on && d.widgetsWithoutAP == 0 {
		form["NeedAppearances"] = false
	}
	switch {
	case formIsRef:
		u.Set(formRef, form)
	case formIsDirect:
		// Keep the document's structure: a direct form stays direct.
		cat["AcroForm"] = form
		catChanged = true
	default:
		cat["AcroForm"] = u.Add(form)
		catChanged = true
	}

	// PAdES: declare the ETSI extension on PDF 1.x documents.
	if effectiveVersion(f, d.catalog) < "2.0" {
		ext, err := f.ResolveDict(cat["Extensions"])
		if err != nil {
			return err
		}
		if ext == nil || ext["ESIC"] == nil {
			ne := pdf.Dict{}
			for k, v := range ext {
				ne[k] = v
			}
			ne["ESIC"] = pdf.Dict{"BaseVersion": pdf.Name("1.7"), "ExtensionLevel": int64(2)}
			cat["Extensions"] = ne
			catChanged = true
		}
		if effectiveVersion(f, d.catalog) < "1.7" {
			cat["Version"] = pdf.Name("1.7")
			catChanged = true
		}
	}
	if opts.Certify {
		cat["Perms"] = pdf.Dict{"DocMDP": sigRef}
		catChanged = true
	}
	if catChanged {
		u.Set(d.catalogRef, cat)
	}
	return nil
}

// effectiveVersion is the later of the header version and the catalog's /Version.
func effectiveVersion(f *pdf.File, cat pdf.Dict) string {
	v := f.Version()
	if cv, ok := cat["Version"].(pdf.Name); ok && string(cv) > v {
		v = string(cv)
	}
	return v
}

// decodeTextString decodes a PDF text string (UTF-16BE with BOM, UTF-8
// with BOM, or PDFDocEncoding read as Latin-1).
func decodeTextString(s pdf.String) string {
	b := []byte(s)
	switch {
	case len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff:
		var rs []rune
		for i := 2; i+1 < len(b); i += 2 {
			c := rune(b[i])<<8 | rune(b[i+1])
			if c >= 0xd800 && c < 0xdc00 && i+3 < len(b) {
				lo := rune(b[i+2])<<8 | rune(b[i+3])
				c = 0x10000 + (c-0xd800)<<10 + (lo - 0xdc00)
				i += 2
			}
			rs = append(rs, c)
		}
		return string(rs)
	case len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf:
		return string(b[3:])
	}
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}

// sameFile reports whether two paths name the same existing file.
func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, fmt.Errorf("cannot open the input: %w", err)
	}
	sb, err := os.Stat(b)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

// writeAtomically runs write on a temporary file in path's directory and
// renames it to path when write succeeds; otherwise nothing is left behind.
func writeAtomically[T any](path string, write func(*os.File) (T, error)) (T, error) {
	var zero T
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".vanthu-*.tmp")
	if err != nil {
		return zero, fmt.Errorf("cannot create the output: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	res, err := write(tmp)
	if err != nil {
		return zero, err
	}
	if err := tmp.Sync(); err != nil {
		return zero, fmt.Errorf("writing the output: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return zero, fmt.Errorf("writing the output: %w", err)
	}
	// #nosec G302 -- a signed document is for reading and forwarding, like any document the user saves
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return zero, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return zero, fmt.Errorf("cannot create the output: %w", err)
	}
	ok = true
	return res, nil
}
