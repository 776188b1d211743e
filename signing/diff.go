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
		return []rawChange{{revision: i, class: classForbidden, what: "revision " + itoa(i) + " cannot be read: " + err.Error()}}, nil
	}
	oldR, err := d.roleMap(i - 1)
	if err != nil {
		return nil, err
	}
	newR, err := d.roleMap(i)
	if err != nil {
		return []rawChange{{revision: i, class: classForbidden, what: "revision " + itoa(i) + " cannot be read: " + err.Error()}}, nil
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
		if oldF.Locate(n) != newF.Locate(n) {
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

type comparison struct {
	rev        int
	oldF, newF *pdf.File
	oldR, newR *roleMap
	out        []rawChange
}

func (c *comparison) add(cl changeClass, what, field string) {
	for _, o := range c.out {
		if o.class == cl && o.what == what {
			return
		}
	}
	c.out = append(c.out, rawChange{revision: c.rev, class: cl, what: what, field: field})
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
	if isContainer(oldObj) && isContainer(newObj) {
		return
	}
	if eq, err := pdf.Equal(oldObj, newObj); err == nil && eq {
		return
	}
	roles := c.oldR.roles[n] | c.newR.roles[n]
	switch {
	case roles&roleSig != 0:
		c.add(classForbidden, fmt.Sprintf("an existing signature (object %d) was changed", n), "")
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
		c.add(classFormFill, "the form was marked for appearance regeneration", "")
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
		switch {
		case roles&roleSigWidget != 0:
			c.add(classSignature, "a signature was placed"+c.pageText(r.Num), c.newR.fieldName[r.Num])
		case roles&roleWidget != 0:
			c.add(classAnnotation, "a form field widget was added"+c.pageText(r.Num), c.newR.fieldName[r.Num])
		default:
			sub := ""
			if d, err := c.newF.ResolveDict(r); err == nil && d != nil {
				if s, ok := d["Subtype"].(pdf.Name); ok {
					sub = " (" + string(s) + ")"
				}
			}
			c.add(classAnnotation, "an annotation"+sub+" was added"+c.pageText(r.Num), "")
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
			c.add(classFormFill, fmt.Sprintf("form field %q was filled in", name), name)
			return
		}
	}
}
