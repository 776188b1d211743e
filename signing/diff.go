package signing

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vanthu/vanthu/signing/pdf"
)

// changeClass groups modifications by what may permit them.
type changeClass int

const (
	classSignature  changeClass = iota // a signature, its field, widget and appearance
	classDSS                           // validation data or a document timestamp
	classFormFill                      // a form field's value and appearance
	classAnnotation                    // annotations (comments) added, changed, removed
	classMetadata                      // the document information dictionary
	classForbidden                     // anything else: content, resources, structure
)

// rawChange is one modification found between two revisions.
type rawChange struct {
	revision int // 1-based revision that made it
	class    changeClass
	what     string
	field    string // the form field concerned, for FieldMDP
	note     string // something the signers should know even when allowed
}

// differ compares consecutive revisions of one file, caching what it reads.
type differ struct {
	r      pdf.ReaderAtSize
	revs   []pdf.Revision
	states map[int]*pdf.File
	roles  map[int]*roleMap
	diffs  map[int][]rawChange // by revision index (1-based) it introduces
	errs   map[int]error
}

func newDiffer(r pdf.ReaderAtSize, revs []pdf.Revision) *differ {
	return &differ{r: r, revs: revs, states: map[int]*pdf.File{}, roles: map[int]*roleMap{}, diffs: map[int][]rawChange{}, errs: map[int]error{}}
}

// state returns revision i (1-based).
func (d *differ) state(i int) (*pdf.File, error) {
	if f, ok := d.states[i]; ok {
		return f, nil
	}
	f, err := pdf.OpenRevision(d.r, d.r.Size(), d.revs[i-1].End)
	if err != nil {
		return nil, err
	}
	d.states[i] = f
	return f, nil
}

func (d *differ) roleMap(i int) (*roleMap, error) {
	if m, ok := d.roles[i]; ok {
		return m, nil
	}
	f, err := d.state(i)
	if err != nil {
		return nil, err
	}
	m, err := computeRoles(f)
	if err != nil {
		return nil, err
	}
	d.roles[i] = m
	return m, nil
}

// changes returns the modifications revision i made to revision i-1.
func (d *differ) changes(i int) ([]rawChange, error) {
	if c, ok := d.diffs[i]; ok {
		return c, d.errs[i]
	}
	c, err := d.compare(i)
	d.diffs[i], d.errs[i] = c, err
	return c, err
}

func (d *differ) compare(i int) ([]rawChange, error) {
	oldF, err := d.state(i - 1)
	if err != nil {
		return nil, err
	}
	newF, err := d.state(i)
	if err != nil {
		return unreadableRevision(i, err), nil //nolint:nilerr // an unreadable revision is a change to report
	}
	oldR, err := d.roleMap(i - 1)
	if err != nil {
		return nil, err
	}
	newR, err := d.roleMap(i)
	if err != nil {
		return unreadableRevision(i, err), nil //nolint:nilerr // an unreadable revision is a change to report
	}
	c := &comparison{rev: i, oldF: oldF, newF: newF, oldR: oldR, newR: newR}
	nums := map[uint32]bool{}
	for _, ref := range oldF.Objects() {
		nums[ref.Num] = true
	}
	for _, ref := range newF.Objects() {
		nums[ref.Num] = true
	}
	sorted := make([]uint32, 0, len(nums))
	for n := range nums {
		if moved(oldF, newF, n) {
			sorted = append(sorted, n)
		}
	}
	sort.Slice(sorted, func(a, b int) bool { return sorted[a] < sorted[b] })
	for _, n := range sorted {
		c.object(n)
	}
	// Trailer: the document information dictionary may be replaced.
	if eq, _ := pdf.Equal(oldF.Trailer()["Info"], newF.Trailer()["Info"]); !eq {
		c.add(classMetadata, "the document information dictionary was replaced", "")
	}
	if eq, _ := pdf.Equal(oldF.Trailer()["Root"], newF.Trailer()["Root"]); !eq {
		c.add(classForbidden, "the document catalog was replaced", "")
	}
	return c.out, nil
}

// moved reports whether object n may differ between two revisions: it
// lives elsewhere, or it stays at the same place in an object stream that
// was itself redefined (which changes every object inside it).
func moved(oldF, newF *pdf.File, n uint32) bool {
	a, b := oldF.Locate(n), newF.Locate(n)
	if a != b {
		return true
	}
	return a.Kind == 2 && oldF.Locate(a.Stream) != newF.Locate(a.Stream)
}

func unreadableRevision(i int, err error) []rawChange {
	return []rawChange{{revision: i, class: classForbidden, what: "revision " + itoa(i) + " cannot be read: " + err.Error()}}
}

type comparison struct {
	rev        int
	oldF, newF *pdf.File
	oldR, newR *roleMap
	out        []rawChange
	textBoxes  map[int][][4]float64 // text of the old revision's pages, by page number
}

func (c *comparison) add(cl changeClass, what, field string) {
	c.addNote(cl, what, field, "")
}

func (c *comparison) addNote(cl changeClass, what, field, note string) {
	for i, o := range c.out {
		if o.class == cl && o.what == what {
			if c.out[i].note == "" {
				c.out[i].note = note
			}
			return
		}
	}
	c.out = append(c.out, rawChange{revision: c.rev, class: cl, what: what, field: field, note: note})
}

func (c *comparison) pageText(num uint32) string {
	if p := c.newR.pageOf[num]; p > 0 {
		return " on page " + itoa(p)
	}
	if p := c.oldR.pageOf[num]; p > 0 {
		return " on page " + itoa(p)
	}
	return ""
}

// object classifies a change to object n.
func (c *comparison) object(n uint32) {
	oldLoc := c.oldF.Locate(n)
	newObj, newErr := c.newF.Get(pdf.Ref{Num: n, Gen: c.newF.Locate(n).Gen})
	if newErr != nil {
		c.add(classForbidden, fmt.Sprintf("object %d cannot be read (%v)", n, newErr), "")
		return
	}
	if oldLoc.Kind == 0 {
		c.newObject(n, newObj)
		return
	}
	oldObj, oldErr := c.oldF.Get(pdf.Ref{Num: n, Gen: oldLoc.Gen})
	if oldErr != nil {
		c.add(classForbidden, fmt.Sprintf("object %d cannot be read (%v)", n, oldErr), "")
		return
	}
	roles := c.oldR.roles[n] | c.newR.roles[n]
	if c.newF.Locate(n).Kind == 0 {
		c.deleted(n, roles)
		return
	}
	if roles == 0 && isContainer(oldObj) && isContainer(newObj) {
		// Object and xref streams: the objects inside are compared one
		// by one. (A stream the document uses is compared like any other,
		// whatever its /Type says.)
		return
	}
	if eq, err := pdf.Equal(oldObj, newObj); err == nil && eq {
		return
	}
	switch {
	case roles&roleSig != 0:
		c.add(classForbidden, fmt.Sprintf("an existing signature (object %d) was changed", n), "")
	case roles&(roleContent|roleResource|roleSigAP) != 0:
		// Before the roles whose changes may be allowed: an object the
		// page draws stays frozen whatever else it also is (an /Annots
		// array that is also the page's /Contents, a widget appearance
		// that is also a page XObject).
		c.add(classForbidden, describeForbidden(n, roles, c.pageText(n)), "")
	case roles&roleCatalog != 0:
		c.catalog(asDict(oldObj), asDict(newObj))
	case roles&rolePage != 0:
		c.page(n, asDict(oldObj), asDict(newObj))
	case roles&roleAnnots != 0:
		c.annotList(n, asArray(c.oldF, oldObj), asArray(c.newF, newObj))
	case roles&roleAcroForm != 0:
		c.acroForm(asDict(oldObj), asDict(newObj))
	case roles&roleFields != 0:
		c.fieldList(asArray(c.oldF, oldObj), asArray(c.newF, newObj))
	case roles&(roleSigField|roleSigWidget) != 0:
		c.sigField(n, asDict(oldObj), asDict(newObj))
	case roles&(roleField|roleWidget) != 0:
		c.formField(n, asDict(oldObj), asDict(newObj))
	case roles&(roleContent|roleResource|rolePagesNode|roleStructure|roleSigAP) != 0:
		c.add(classForbidden, describeForbidden(n, roles, c.pageText(n)), "")
	case roles&roleFormAP != 0:
		c.add(classFormFill, "a form field's appearance was changed"+c.pageText(n), c.newR.fieldName[n])
	case roles&roleFormResource != 0:
		// Signers add the font of their appearance to the form's default
		// resources; pages do not draw them (objects they do draw carry
		// roleResource too and were refused above).
		c.add(classFormFill, "the form's default resources (/DR) were extended", "")
	case roles&(roleAnnot|roleAnnotAP) != 0:
		c.add(classAnnotation, "an annotation was changed"+c.pageText(n), "")
	case roles&roleDSS != 0:
		c.add(classDSS, "validation data (DSS) was updated", "")
	case roles&roleInfo != 0:
		c.add(classMetadata, "the document information (title, author, dates) was changed", "")
	case roles == 0:
		// Not referenced by either revision: no effect on the document.
	default:
		c.add(classForbidden, fmt.Sprintf("object %d was changed", n), "")
	}
}

// deleted classifies the deletion (a free xref entry) of object n, which
// had the given roles.
func (c *comparison) deleted(n uint32, roles role) {
	name := c.oldR.fieldName[n]
	switch {
	case roles == 0:
	case roles&roleSig != 0:
		c.add(classForbidden, fmt.Sprintf("an existing signature (object %d) was deleted", n), "")
	case roles&(roleSigField|roleSigWidget) != 0:
		c.add(classForbidden, fmt.Sprintf("signature field %q was deleted", name), "")
	case roles&(roleField|roleWidget) != 0:
		c.add(classForbidden, fmt.Sprintf("form field %q was deleted", name), "")
	case roles&(roleContent|roleResource|rolePagesNode|rolePage|roleStructure|roleCatalog|roleSigAP|roleAcroForm|roleFields) != 0:
		c.add(classForbidden, fmt.Sprintf("object %d, which the document used, was deleted", n), "")
	case roles&(roleAnnot|roleAnnotAP|roleAnnots) != 0:
		c.add(classAnnotation, "an annotation was deleted"+c.pageText(n), "")
	case roles&roleFormAP != 0:
		c.add(classFormFill, "a form field's appearance was deleted"+c.pageText(n), c.oldR.fieldName[n])
	case roles&roleDSS != 0:
		c.add(classDSS, "validation data (DSS) was updated", "")
	case roles&roleInfo != 0:
		c.add(classMetadata, "the document information (title, author, dates) was changed", "")
	default:
		c.add(classForbidden, fmt.Sprintf("object %d was deleted", n), "")
	}
}

func describeForbidden(n uint32, r role, where string) string {
	switch {
	case r&roleContent != 0:
		return "page content was changed" + where
	case r&roleResource != 0:
		return fmt.Sprintf("page resources (fonts, images, forms; object %d) were changed%s", n, where)
	case r&rolePagesNode != 0:
		return "the page tree was changed"
	case r&roleSigAP != 0:
		return "the appearance of an existing signature was changed" + where
	}
	return fmt.Sprintf("document structure (object %d) was changed", n)
}

// newObject classifies an object that did not exist before.
func (c *comparison) newObject(n uint32, o pdf.Object) {
	roles := c.newR.roles[n]
	if isContainer(o) && roles == 0 {
		return
	}
	switch {
	case roles&(roleContent|roleResource|rolePagesNode|rolePage|roleStructure|roleCatalog) != 0:
		// A new object number that the existing document reaches: a
		// dangling reference filled in, or new content.
		c.add(classForbidden, describeForbidden(n, roles, c.pageText(n)), "")
	case roles&(roleSig|roleSigField|roleSigWidget|roleSigAP|roleFields|roleAcroForm|roleAnnots) != 0:
		// Judged where they are attached (page /Annots, /Fields).
	case roles&roleDSS != 0:
		c.add(classDSS, "validation data (DSS) was added", "")
	case roles&(roleField|roleWidget|roleFormAP) != 0:
		// New form fields and widget appearances are judged through the
		// lists that reference them.
	case roles&(roleAnnot|roleAnnotAP) != 0:
		// Likewise.
	case roles&roleFormResource != 0:
		// Reached only through the form's default resources, whose
		// change is judged with the form.
	case roles&roleInfo != 0:
		c.add(classMetadata, "the document information (title, author, dates) was changed", "")
	}
}

func isContainer(o pdf.Object) bool {
	s, ok := o.(*pdf.Stream)
	if !ok {
		return false
	}
	t := s.Dict["Type"]
	return t == pdf.Name("XRef") || t == pdf.Name("ObjStm")
}

func asDict(o pdf.Object) pdf.Dict {
	d, _ := pdf.AsDict(o)
	return d
}

func asArray(f *pdf.File, o pdf.Object) pdf.Array {
	o, _ = f.Resolve(o)
	a, _ := o.(pdf.Array)
	return a
}

// sameExcept reports the keys other than allowed whose values differ.
func sameExcept(a, b pdf.Dict, allowed ...pdf.Name) []pdf.Name {
	ok := map[pdf.Name]bool{}
	for _, k := range allowed {
		ok[k] = true
	}
	var diff []pdf.Name
	keys := map[pdf.Name]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for k := range keys {
		if ok[k] {
			continue
		}
		if eq, err := pdf.Equal(a[k], b[k]); err != nil || !eq {
			diff = append(diff, k)
		}
	}
	sort.Slice(diff, func(i, j int) bool { return diff[i] < diff[j] })
	return diff
}

func names(ns []pdf.Name) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = "/" + string(n)
	}
	return strings.Join(s, ", ")
}

func (c *comparison) catalog(oldD, newD pdf.Dict) {
	if diff := sameExcept(oldD, newD, "AcroForm", "DSS", "Extensions", "Version", "Perms"); len(diff) > 0 {
		c.add(classForbidden, "the document catalog was changed ("+names(diff)+")", "")
	}
	if eq, _ := pdf.Equal(oldD["Perms"], newD["Perms"]); !eq {
		c.add(classForbidden, "the document's certification (/Perms) was changed", "")
	}
	if ov, nv := nameOr(oldD["Version"]), nameOr(newD["Version"]); nv < ov {
		c.add(classForbidden, "the document's PDF version was lowered", "")
	}
	if eq, _ := pdf.Equal(oldD["AcroForm"], newD["AcroForm"]); !eq {
		_, oldIsRef := oldD["AcroForm"].(pdf.Ref)
		_, newIsRef := newD["AcroForm"].(pdf.Ref)
		if oldIsRef && newIsRef {
			c.add(classForbidden, "the document's form was replaced", "")
		} else {
			of, _ := c.oldF.ResolveDict(oldD["AcroForm"])
			nf, _ := c.newF.ResolveDict(newD["AcroForm"])
			c.acroForm(of, nf)
		}
	}
}

func nameOr(o pdf.Object) string {
	n, _ := o.(pdf.Name)
	return string(n)
}

func (c *comparison) acroForm(oldD, newD pdf.Dict) {
	if oldD == nil && newD == nil {
		return
	}
	if diff := sameExcept(oldD, newD, "Fields", "SigFlags", "DR", "NeedAppearances", "DA"); len(diff) > 0 {
		c.add(classForbidden, "the document's form settings were changed ("+names(diff)+")", "")
	}
	if eq, _ := pdf.Equal(oldD["DA"], newD["DA"]); !eq && oldD["DA"] != nil {
		c.add(classForbidden, "the form's default appearance (/DA) was changed", "")
	}
	if eq, _ := pdf.Equal(oldD["NeedAppearances"], newD["NeedAppearances"]); !eq {
		if on, _ := newD["NeedAppearances"].(bool); on {
			c.add(classFormFill, "the form was marked for appearance regeneration", "")
		} else {
			c.add(classFormFill, "the form's appearance-regeneration flag (/NeedAppearances) was cleared", "")
		}
	}
	if eq, _ := pdf.Equal(oldD["DR"], newD["DR"]); !eq {
		c.add(classFormFill, "the form's default resources (/DR) were extended", "")
	}
	if eq, _ := pdf.Equal(oldD["Fields"], newD["Fields"]); !eq {
		_, oldIsRef := oldD["Fields"].(pdf.Ref)
		_, newIsRef := newD["Fields"].(pdf.Ref)
		if oldIsRef && newIsRef {
			c.add(classForbidden, "the form's field list was replaced", "")
			return
		}
		c.fieldList(asArray(c.oldF, oldD["Fields"]), asArray(c.newF, newD["Fields"]))
	}
}

// fieldList judges a change of the form's top-level fields.
func (c *comparison) fieldList(oldA, newA pdf.Array) {
	added, removed := refSetDiff(oldA, newA)
	for _, r := range removed {
		c.add(classForbidden, fmt.Sprintf("form field %q was removed", c.oldR.fieldName[r.Num]), "")
	}
	for _, r := range added {
		roles := c.newR.roles[r.Num]
		name := c.newR.fieldName[r.Num]
		if roles&roleSigField != 0 {
			c.add(classSignature, fmt.Sprintf("signature field %q was added", name), name)
			c.checkSigAppearance(r.Num)
		} else {
			c.add(classAnnotation, fmt.Sprintf("form field %q was added", name), name)
		}
	}
}

// checkSigAppearance requires a new signature widget's appearance to be made
// of new objects only (an existing content stream reused as a signature's
// appearance would let one revision change what another shows).
func (c *comparison) checkSigAppearance(num uint32) {
	for n, r := range c.newR.roles {
		if r&roleSigAP != 0 && c.oldR.roles[n]&(roleContent|roleResource|roleAnnotAP|roleFormAP) != 0 && c.oldF.Locate(n) != c.newF.Locate(n) {
			c.add(classForbidden, fmt.Sprintf("a signature appearance rewrote object %d, which the page uses", n), "")
		}
	}
	_ = num
}

// refSetDiff returns the references in b and not a, and in a and not b.
func refSetDiff(a, b pdf.Array) (added, removed []pdf.Ref) {
	in := func(arr pdf.Array) map[pdf.Ref]bool {
		m := map[pdf.Ref]bool{}
		for _, o := range arr {
			if r, ok := o.(pdf.Ref); ok {
				m[r] = true
			}
		}
		return m
	}
	ma, mb := in(a), in(b)
	for _, o := range b {
		if r, ok := o.(pdf.Ref); ok && !ma[r] {
			added = append(added, r)
		}
	}
	for _, o := range a {
		if r, ok := o.(pdf.Ref); ok && !mb[r] {
			removed = append(removed, r)
		}
	}
	// Direct (non-reference) entries must not change.
	return added, removed
}

func (c *comparison) page(n uint32, oldD, newD pdf.Dict) {
	where := c.pageText(n)
	if diff := sameExcept(oldD, newD, "Annots"); len(diff) > 0 {
		what := "the page was changed (" + names(diff) + ")" + where
		for _, k := range diff {
			switch k {
			case "Contents":
				what = "page content was changed" + where
			case "Resources":
				what = "page resources were changed" + where
			}
		}
		c.add(classForbidden, what, "")
	}
	if eq, _ := pdf.Equal(oldD["Annots"], newD["Annots"]); !eq {
		_, oldIsRef := oldD["Annots"].(pdf.Ref)
		_, newIsRef := newD["Annots"].(pdf.Ref)
		if oldIsRef && newIsRef {
			c.add(classAnnotation, "the page's annotation list was replaced"+where, "")
		}
		c.annotList(n, asArray(c.oldF, oldD["Annots"]), asArray(c.newF, newD["Annots"]))
	}
}

func (c *comparison) annotList(n uint32, oldA, newA pdf.Array) {
	added, removed := refSetDiff(oldA, newA)
	for _, r := range removed {
		roles := c.oldR.roles[r.Num]
		if roles&roleSigWidget != 0 {
			c.add(classForbidden, "a signature was removed from a page"+c.pageText(n), "")
		} else {
			c.add(classAnnotation, "an annotation was removed"+c.pageText(r.Num), "")
		}
	}
	for _, r := range added {
		roles := c.newR.roles[r.Num]
		name := c.newR.fieldName[r.Num]
		switch {
		case roles&roleSigWidget != 0:
			c.addNote(classSignature, "a signature was placed"+c.pageText(r.Num), name,
				c.coverNote(r, fmt.Sprintf("the appearance of signature field %q", name)))
		case roles&roleWidget != 0:
			c.addNote(classAnnotation, "a form field widget was added"+c.pageText(r.Num), name,
				c.coverNote(r, fmt.Sprintf("the widget of form field %q", name)))
		default:
			sub := ""
			if d, err := c.newF.ResolveDict(r); err == nil && d != nil {
				if s, ok := d["Subtype"].(pdf.Name); ok {
					sub = " (" + string(s) + ")"
				}
			}
			c.addNote(classAnnotation, "an annotation"+sub+" was added"+c.pageText(r.Num), "",
				c.coverNote(r, "an annotation"+sub))
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		// Same references, other order or direct entries changed.
		c.add(classAnnotation, "the order of annotations was changed"+c.pageText(n), "")
	}
}

func (c *comparison) sigField(n uint32, oldD, newD pdf.Dict) {
	name := c.newR.fieldName[n]
	if diff := sameExcept(oldD, newD, "V", "AP", "AS"); len(diff) > 0 {
		c.add(classForbidden, fmt.Sprintf("signature field %q was changed (%s)", name, names(diff)), "")
	}
	if eq, _ := pdf.Equal(oldD["V"], newD["V"]); !eq {
		if oldD["V"] != nil {
			c.add(classForbidden, fmt.Sprintf("the signature in field %q was replaced", name), "")
			return
		}
		c.add(classSignature, fmt.Sprintf("field %q was signed", name), name)
		return
	}
	if eq, _ := pdf.Equal(oldD["AP"], newD["AP"]); !eq && oldD["V"] != nil {
		c.add(classForbidden, fmt.Sprintf("the appearance of the signature in field %q was changed", name), "")
	}
}

func (c *comparison) formField(n uint32, oldD, newD pdf.Dict) {
	name := c.newR.fieldName[n]
	if name == "" {
		name = c.oldR.fieldName[n]
	}
	if diff := sameExcept(oldD, newD, "V", "AP", "AS", "MK", "Kids"); len(diff) > 0 {
		c.add(classForbidden, fmt.Sprintf("form field %q was changed (%s)", name, names(diff)), "")
	}
	if eq, _ := pdf.Equal(oldD["Kids"], newD["Kids"]); !eq {
		c.add(classAnnotation, fmt.Sprintf("the widgets of form field %q were changed", name), name)
	}
	for _, k := range []pdf.Name{"V", "AP", "AS", "MK"} {
		if eq, _ := pdf.Equal(oldD[k], newD[k]); !eq {
			// Filling in may paint over the page (a shadow attack hides
			// text under a field whose appearance changes later).
			note := c.coverNote(pdf.Ref{Num: n, Gen: c.newF.Locate(n).Gen}, fmt.Sprintf("the new appearance of form field %q", name))
			c.addNote(classFormFill, fmt.Sprintf("form field %q was filled in", name), name, note)
			return
		}
	}
}

// Appearances drawn over the signed page. Annotations and signature
// widgets added after a signature may be allowed, yet their appearance can
// paint over the signed text (Evil Annotation, Sneaky Signature); the
// report then notes which page text they cover.

const (
	maxCoverData  = 8 << 20 // decoded content bytes read per page
	maxCoverDepth = 4       // nesting of form XObjects followed
)

// coverNote returns a note when the annotation ref, added in this
// revision, paints over text of its page as the previous revision shows
// it; what names the annotation for the note.
func (c *comparison) coverNote(ref pdf.Ref, what string) string {
	d, err := c.newF.ResolveDict(ref)
	if err != nil || d == nil {
		return ""
	}
	if flags, _ := pdf.AsInt(d["F"]); flags&(2|32) != 0 { // Hidden, NoView
		return ""
	}
	rect, ok := c.newF.Rect(d["Rect"])
	if !ok || rect[2]-rect[0] <= 0 || rect[3]-rect[1] <= 0 || !paints(c.newF, appearanceStream(c.newF, d), 0) {
		return ""
	}
	p := c.newR.pageOf[ref.Num]
	if p == 0 {
		return ""
	}
	boxes, ok := c.textBoxes[p]
	if !ok {
		if pages, err := c.oldF.Pages(); err == nil && p <= len(pages) {
			boxes = pageText(c.oldF, pages[p-1])
		}
		if c.textBoxes == nil {
			c.textBoxes = map[int][][4]float64{}
		}
		c.textBoxes[p] = boxes
	}
	for _, b := range boxes {
		if overlaps(rect, b) {
			return fmt.Sprintf("%s covers text of page %d: check that it does not hide or imitate the signed content", what, p)
		}
	}
	return ""
}

// appearanceStream returns the normal appearance of an annotation (the
// state /AS selects when there are several), or nil.
func appearanceStream(f *pdf.File, annot pdf.Dict) *pdf.Stream {
	ap, _ := f.ResolveDict(annot["AP"])
	n, _ := f.Resolve(ap["N"])
	switch v := n.(type) {
	case *pdf.Stream:
		return v
	case pdf.Dict:
		as, _ := annot["AS"].(pdf.Name)
		s, _ := f.Resolve(v[as])
		st, _ := s.(*pdf.Stream)
		return st
	}
	return nil
}

// paints reports whether a form XObject draws something that can hide or
// imitate text: text, vector fills and strokes, shadings, or opaque images.
// Images with a soft mask or a mask (a seal or a handwritten signature on a
// transparent background) let the page show through and do not count.
func paints(f *pdf.File, s *pdf.Stream, depth int) bool {
	if s == nil || depth > maxCoverDepth {
		return false
	}
	data, err := f.Decode(s, maxCoverData)
	if err != nil {
		return true // unreadable: assume the worst
	}
	ops, err := pdf.ContentOps(data)
	if err != nil {
		return true
	}
	res, _ := f.ResolveDict(s.Dict["Resources"])
	for _, op := range ops {
		switch op.Operator {
		case "Tj", "TJ", "'", "\"", "BI", "sh", "f", "F", "f*", "B", "B*", "b", "b*", "S", "s":
			return true
		case "Do":
			if len(op.Operands) != 1 {
				continue
			}
			name, _ := op.Operands[0].(pdf.Name)
			xobjs, _ := f.ResolveDict(res["XObject"])
			o, _ := f.Resolve(xobjs[name])
			x, ok := o.(*pdf.Stream)
			if !ok {
				continue
			}
			switch x.Dict["Subtype"] {
			case pdf.Name("Form"):
				if paints(f, x, depth+1) {
					return true
				}
			case pdf.Name("Image"):
				_, smask := x.Dict["SMask"]
				_, mask := x.Dict["Mask"]
				if !smask && !mask && x.Dict["ImageMask"] != true {
					return true
				}
			}
		}
	}
	return false
}

// overlaps reports whether two boxes share an area.
func overlaps(a, b [4]float64) bool {
	return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

// pageText returns approximate boxes (default user space) of the text a
// page shows, following form XObjects a few levels deep. Glyph widths are
// estimated (half the font size each): the boxes are for telling whether
// something covers text, not for layout.
func pageText(f *pdf.File, page pdf.Page) [][4]float64 {
	var data []byte
	contents, _ := f.Resolve(page.Dict["Contents"])
	var streams []pdf.Object
	switch v := contents.(type) {
	case *pdf.Stream:
		streams = []pdf.Object{v}
	case pdf.Array:
		streams = v
	}
	for _, o := range streams {
		s, _ := f.Resolve(o)
		st, ok := s.(*pdf.Stream)
		if !ok {
			continue
		}
		d, err := f.Decode(st, maxCoverData)
		if err != nil || len(data)+len(d) > maxCoverData {
			continue
		}
		data = append(append(data, d...), '\n')
	}
	res, _ := f.ResolveDict(page.Dict["Resources"])
	t := &textFinder{f: f, budget: maxCoverData}
	t.run(data, res, identity, 0)
	return t.boxes
}

type textFinder struct {
	f      *pdf.File
	boxes  [][4]float64
	budget int
}

func (t *textFinder) run(data []byte, res pdf.Dict, ctm [6]float64, depth int) {
	t.budget -= len(data)
	if t.budget < 0 || depth > maxCoverDepth {
		return
	}
	ops, err := pdf.ContentOps(data)
	if err != nil {
		return
	}
	tr := ctmTracker{ctm: ctm}
	tm, tlm := identity, identity
	var size, leading float64
	num := func(op pdf.Op, i int) float64 {
		if i >= len(op.Operands) {
			return 0
		}
		v, _ := pdf.AsNumber(op.Operands[i])
		return v
	}
	nextLine := func(tx, ty float64) {
		tlm = mul([6]float64{1, 0, 0, 1, tx, ty}, tlm)
		tm = tlm
	}
	show := func(n int) {
		if n <= 0 || len(t.boxes) > 100000 {
			return
		}
		w := float64(n) * size / 2
		box := [4]float64{0, -size / 4, w, size * 3 / 4}
		t.boxes = append(t.boxes, transformBox(mul(tm, tr.ctm), box))
		tm = mul([6]float64{1, 0, 0, 1, w, 0}, tm)
	}
	for _, op := range ops {
		if tr.apply(op) {
			continue
		}
		switch op.Operator {
		case "BT":
			tm, tlm = identity, identity
		case "Tf":
			size = num(op, 1)
		case "TL":
			leading = num(op, 0)
		case "Tm":
			if m, ok := opMatrix(op); ok {
				tm, tlm = m, m
			}
		case "Td":
			nextLine(num(op, 0), num(op, 1))
		case "TD":
			leading = -num(op, 1)
			nextLine(num(op, 0), num(op, 1))
		case "T*":
			nextLine(0, -leading)
		case "Tj":
			show(stringLen(op.Operands))
		case "'", "\"":
			nextLine(0, -leading)
			show(stringLen(op.Operands))
		case "TJ":
			if len(op.Operands) == 1 {
				if a, ok := op.Operands[0].(pdf.Array); ok {
					show(stringLen(a))
				}
			}
		case "Do":
			t.form(op, res, tr.ctm, depth)
		}
	}
}

// form follows a Do of a form XObject.
func (t *textFinder) form(op pdf.Op, res pdf.Dict, ctm [6]float64, depth int) {
	if len(op.Operands) != 1 {
		return
	}
	name, _ := op.Operands[0].(pdf.Name)
	xobjs, _ := t.f.ResolveDict(res["XObject"])
	o, _ := t.f.Resolve(xobjs[name])
	s, ok := o.(*pdf.Stream)
	if !ok || s.Dict["Subtype"] != pdf.Name("Form") {
		return
	}
	data, err := t.f.Decode(s, int64(max(t.budget, 1)))
	if err != nil {
		return
	}
	if m, ok := s.Dict["Matrix"].(pdf.Array); ok && len(m) == 6 {
		var mm [6]float64
		for i, v := range m {
			mm[i], _ = pdf.AsNumber(v)
		}
		ctm = mul(mm, ctm)
	}
	inner, _ := t.f.ResolveDict(s.Dict["Resources"])
	if inner == nil {
		inner = res
	}
	t.run(data, inner, ctm, depth+1)
}

// stringLen counts the bytes of the strings among operands.
func stringLen(operands []pdf.Object) int {
	n := 0
	for _, o := range operands {
		if s, ok := o.(pdf.String); ok {
			n += len(s)
		}
	}
	return n
}
