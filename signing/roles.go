package signing

import (
	"github.com/vanthu/vanthu/signing/pdf"
)

// role says what an object is for in one revision of a document. An object
// may have several roles.
type role uint32

const (
	roleCatalog role = 1 << iota
	rolePagesNode
	rolePage
	roleContent
	roleResource
	roleAnnots // an indirect /Annots array
	roleAnnot  // an annotation other than a widget
	roleAnnotAP
	roleWidget // a form field's widget
	roleFormAP
	roleField // a non-signature form field
	roleSigField
	roleSigWidget
	roleSigAP
	roleSig
	roleAcroForm
	roleFields // an indirect /Fields array
	roleDSS
	roleInfo
	roleStructure    // anything else reachable from the catalog
	roleFormResource // the form's default resources (/AcroForm /DR)
)

// roleMap holds the roles of a revision's objects, the page number of
// pages and annotations, and the full name of fields.
type roleMap struct {
	roles     map[uint32]role
	pageOf    map[uint32]int // page dicts and annotations → 1-based page
	fieldName map[uint32]string
}

const maxRoleVisits = 4 << 20

// computeRoles walks a revision from its catalog and trailer.
func computeRoles(f *pdf.File) (*roleMap, error) {
	m := &roleMap{roles: map[uint32]role{}, pageOf: map[uint32]int{}, fieldName: map[uint32]string{}}
	w := &roleWalker{f: f, m: m}
	cat, catRef, err := f.Catalog()
	if err != nil {
		return nil, err
	}
	m.roles[catRef.Num] |= roleCatalog
	if info, ok := f.Trailer()["Info"].(pdf.Ref); ok {
		w.visit(info, roleInfo)
	}
	if pages, err := f.Pages(); err == nil {
		for i, p := range pages {
			m.pageOf[p.Ref.Num] = i + 1
		}
	}
	for _, k := range cat.Keys() {
		v := cat[k]
		switch k {
		case "Pages":
			w.visit(v, rolePagesNode)
		case "AcroForm":
			w.visit(v, roleAcroForm)
		case "DSS":
			w.visit(v, roleDSS)
		case "Perms":
			w.each(v, func(o pdf.Object) { w.visit(o, roleSig) })
		default:
			w.visit(v, roleStructure)
		}
	}
	return m, w.err
}

type roleWalker struct {
	f      *pdf.File
	m      *roleMap
	visits int
	err    error
}

// each calls fn for every value inside a direct dict or array (resolving
// o first when it is a reference).
func (w *roleWalker) each(o pdf.Object, fn func(pdf.Object)) {
	o, err := w.f.Resolve(o)
	if err != nil {
		return
	}
	switch v := o.(type) {
	case pdf.Dict:
		for _, val := range v {
			fn(val)
		}
	case pdf.Array:
		for _, val := range v {
			fn(val)
		}
	}
}

// visit marks o (and what it leads to) with r.
func (w *roleWalker) visit(o pdf.Object, r role) {
	w.visitCtx(o, r, 0, "", "")
}

func (w *roleWalker) visitCtx(o pdf.Object, r role, depth int, fieldPrefix string, ft pdf.Name) {
	if w.err != nil || depth > 64 {
		return
	}
	w.visits++
	if w.visits > maxRoleVisits {
		return
	}
	self, _ := o.(pdf.Ref) // o itself is resolved below
	if ref, ok := o.(pdf.Ref); ok {
		if w.m.roles[ref.Num]&r != 0 {
			return
		}
		w.m.roles[ref.Num] |= r
		var err error
		o, err = w.f.Get(ref)
		if err != nil {
			// Unreadable objects keep their role; the diff reports them.
			return
		}
		if r == rolePagesNode {
			if d, ok := pdf.AsDict(o); ok && d["Type"] == pdf.Name("Page") {
				w.m.roles[ref.Num] |= rolePage
				r = rolePage
			}
		}
		if r == roleField || r == roleSigField {
			if d, ok := pdf.AsDict(o); ok {
				name := fieldPrefix
				if t, ok := d["T"].(pdf.String); ok {
					if name != "" {
						name += "."
					}
					name += decodeTextString(t)
				}
				w.m.fieldName[ref.Num] = name
				fieldPrefix = name
			}
		}
	}
	next := func(v pdf.Object, r2 role) { w.visitCtx(v, r2, depth+1, fieldPrefix, ft) }
	switch r {
	case rolePagesNode, rolePage:
		d, ok := pdf.AsDict(o)
		if !ok {
			return
		}
		for k, v := range d {
			switch k {
			case "Parent", "P":
			case "Kids":
				w.each(v, func(kid pdf.Object) { next(kid, rolePagesNode) })
			case "Contents":
				if ref, ok := v.(pdf.Ref); ok {
					w.m.roles[ref.Num] |= roleContent
				}
				w.each(v, func(c pdf.Object) { next(c, roleContent) })
				next(v, roleContent)
			case "Resources":
				next(v, roleResource)
			case "Annots":
				if ref, ok := v.(pdf.Ref); ok {
					w.m.roles[ref.Num] |= roleAnnots
				}
				page := w.m.pageOf[self.Num]
				w.each(v, func(a pdf.Object) {
					if ar, ok := a.(pdf.Ref); ok && page > 0 {
						w.m.pageOf[ar.Num] = page
					}
					next(a, w.annotRole(a))
				})
			default:
				next(v, roleStructure)
			}
		}
	case roleAnnot, roleWidget, roleSigWidget:
		d, ok := pdf.AsDict(o)
		if !ok {
			return
		}
		ap := roleAnnotAP
		switch r {
		case roleWidget:
			ap = roleFormAP
		case roleSigWidget:
			ap = roleSigAP
		}
		for k, v := range d {
			switch k {
			case "Parent", "P":
			case "AP":
				w.each(v, func(s pdf.Object) {
					// /N, /R, /D: a stream or a dict of streams by state.
					if res, err := w.f.Resolve(s); err == nil {
						if sd, ok := res.(pdf.Dict); ok && sd["Type"] == nil && sd["Subtype"] == nil {
							for _, st := range sd {
								next(st, ap)
							}
							if sr, ok := s.(pdf.Ref); ok {
								w.m.roles[sr.Num] |= ap
							}
							return
						}
					}
					next(s, ap)
				})
			case "V":
				if r == roleSigWidget {
					next(v, roleSig)
				} else {
					next(v, roleStructure)
				}
			case "Popup", "IRT":
				next(v, roleAnnot)
			default:
				next(v, roleStructure)
			}
		}
	case roleAcroForm:
		d, ok := pdf.AsDict(o)
		if !ok {
			return
		}
		for k, v := range d {
			switch k {
			case "Fields":
				if ref, ok := v.(pdf.Ref); ok {
					w.m.roles[ref.Num] |= roleFields
				}
				w.each(v, func(fo pdf.Object) { w.visitField(fo, depth+1, "", "") })
			case "DR":
				next(v, roleFormResource)
			default:
				next(v, roleStructure)
			}
		}
	case roleDSS, roleSig, roleResource, roleContent, roleStructure, roleInfo, roleAnnotAP, roleFormAP, roleSigAP, roleFormResource:
		// Everything below keeps the role.
		switch v := o.(type) {
		case pdf.Dict:
			for k, val := range v {
				if k == "Parent" || k == "P" {
					continue
				}
				next(val, r)
			}
		case pdf.Array:
			for _, val := range v {
				next(val, r)
			}
		case *pdf.Stream:
			for k, val := range v.Dict {
				if k == "Length" {
					continue
				}
				next(val, r)
			}
		}
	}
}

// visitField walks a form field and its kids.
func (w *roleWalker) visitField(o pdf.Object, depth int, prefix string, ft pdf.Name) {
	if depth > 32 || w.visits > maxRoleVisits {
		return
	}
	d, err := w.f.ResolveDict(o)
	if err != nil || d == nil {
		return
	}
	if n, ok := d["FT"].(pdf.Name); ok {
		ft = n
	}
	r := roleField
	if ft == "Sig" {
		r = roleSigField
	}
	ref, isRef := o.(pdf.Ref)
	if isRef && w.m.roles[ref.Num]&r != 0 {
		return
	}
	w.visits++
	name := prefix
	if t, ok := d["T"].(pdf.String); ok {
		if name != "" {
			name += "."
		}
		name += decodeTextString(t)
	}
	if isRef {
		w.m.roles[ref.Num] |= r
		w.m.fieldName[ref.Num] = name
	}
	kids, _ := w.f.Resolve(d["Kids"])
	if ka, ok := kids.(pdf.Array); ok && len(ka) > 0 {
		for _, k := range ka {
			w.visitField(k, depth+1, name, ft)
		}
	}
	// A terminal field is usually merged with its widget.
	if _, isWidget := d["Rect"]; isWidget || d["Subtype"] == pdf.Name("Widget") {
		wr := roleWidget
		if ft == "Sig" {
			wr = roleSigWidget
		}
		if isRef {
			w.m.roles[ref.Num] &^= wr // let visitCtx walk it
			w.visitCtx(ref, wr, depth+1, name, ft)
		} else {
			w.visitCtx(d, wr, depth+1, name, ft)
		}
		return
	}
	if v, ok := d["V"]; ok && ft == "Sig" {
		w.visitCtx(v, roleSig, depth+1, name, ft)
	}
}

// annotRole tells which kind of annotation o is.
func (w *roleWalker) annotRole(o pdf.Object) role {
	d, err := w.f.ResolveDict(o)
	if err != nil || d == nil {
		return roleAnnot
	}
	if d["Subtype"] != pdf.Name("Widget") {
		return roleAnnot
	}
	// Find the field type, inherited through /Parent.
	cur := d
	for i := 0; i < 32 && cur != nil; i++ {
		if ft, ok := cur["FT"].(pdf.Name); ok {
			if ft == "Sig" {
				return roleSigWidget
			}
			return roleWidget
		}
		cur, _ = w.f.ResolveDict(cur["Parent"])
	}
	return roleWidget
}
