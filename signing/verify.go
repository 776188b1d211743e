package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/signing/cms"
	"github.com/vanthu/vanthu/signing/pdf"
	"github.com/vanthu/vanthu/signing/trust"
	"github.com/vanthu/vanthu/signing/tsp"
)

var oidTitle = asn1.ObjectIdentifier{2, 5, 4, 12}

// VerifyOptions configure verification.
type VerifyOptions struct {
	// Roots are the trust anchors; nothing else is trusted.
	Roots []*x509.Certificate
	// Intermediates may complete chains the signatures do not carry.
	Intermediates []*x509.Certificate
	// TSACerts are known timestamp authority certificates, used when a
	// timestamp token carries none.
	TSACerts []*x509.Certificate
	// Online allows fetching OCSP responses and CRLs.
	Online     bool
	HTTPClient *http.Client
	// Now is the validation time when no timestamp proves an earlier one
	// (zero: time.Now).
	Now time.Time
	// Field restricts verification to one signature field.
	Field string
	// IntegrityOnly checks the signed bytes and the signature mathematics
	// and skips certificate trust (the signer's self-check).
	IntegrityOnly bool
}

func (o *VerifyOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// ErrUnreadable wraps errors about input that cannot be read at all.
var ErrUnreadable = errors.New("cannot read the document")

// VerifyPDFFile verifies every signature of the PDF at path.
func VerifyPDFFile(ctx context.Context, path string, opts VerifyOptions) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrUnreadable, path)
	}
	rep, err := VerifyPDF(ctx, f, st.Size(), opts)
	if rep != nil {
		rep.File = path
	}
	return rep, err
}

// foundSig is a signature dictionary and where the document uses it.
type foundSig struct {
	ref       pdf.Ref
	dict      pdf.Dict
	field     string
	widget    pdf.Dict
	inForm    bool
	certified bool
	lock      pdf.Dict // the field's /Lock
	readErr   error    // why dict is nil, when it cannot be read
}

// VerifyPDF verifies every signature of the PDF in r. It returns an error
// (wrapping ErrUnreadable) only when the file cannot be read as a PDF.
func VerifyPDF(ctx context.Context, r io.ReaderAt, size int64, opts VerifyOptions) (rep *Report, err error) {
	// Hostile files must never bring the caller down: a panic anywhere
	// below is a bug, reported as an unreadable document.
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, fmt.Errorf("%w: internal error while reading the document (%v)", ErrUnreadable, p)
		}
	}()
	f, err := pdf.Open(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	scan, err := pdf.ScanFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	scan.Revisions = ownRevisions(r, scan.Revisions)
	if len(scan.Revisions) == 0 {
		return nil, fmt.Errorf("%w: no complete revision found", ErrUnreadable)
	}
	last := scan.Revisions[len(scan.Revisions)-1].End
	if f.End() != last {
		// The last %%EOF closes no update of its own: read the document
		// as its last real revision shows it.
		if f, err = pdf.OpenRevision(r, size, last); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
		}
	}
	rep = &Report{Revisions: len(scan.Revisions)}
	v := &verifier{
		r: pdf.SizedReader(r, size), size: size, f: f, scan: scan, opts: opts,
		diff:   newDiffer(pdf.SizedReader(r, size), scan.Revisions),
		unseen: map[int][]string{},
	}
	sigs, problems := v.findSignatures()
	rep.Problems = append(rep.Problems, problems...)
	v.collectValidationData()
	v.certLevel, v.certRevision = 0, 0
	firstSigned := 0
	for _, s := range sigs {
		br, ok := byteRangeEnd(s.dict)
		if !ok {
			continue
		}
		i := revisionIndex(scan.Revisions, br)
		if i > 0 && (firstSigned == 0 || i < firstSigned) {
			firstSigned = i
		}
		if s.certified && i > 0 {
			v.certLevel = docMDPLevel(f, s.dict)
			v.certRevision = i
		}
	}
	if firstSigned > 0 {
		v.unseen = v.hiddenInUpdates(firstSigned)
	}
	if tail := trailingData(r, last, size); tail > 0 {
		v.unseen[len(scan.Revisions)+1] = []string{fmt.Sprintf("%d bytes after the last revision are not part of any revision (data appended without an update)", tail)}
	}
	for i := 1; i <= len(scan.Revisions)+1; i++ {
		rep.Problems = append(rep.Problems, v.unseen[i]...)
	}
	for _, s := range sigs {
		if opts.Field != "" && s.field != opts.Field {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rep.Signatures = append(rep.Signatures, v.verify(ctx, s))
	}
	if opts.Field != "" && len(rep.Signatures) == 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("no signature field named %q", opts.Field))
	}
	rep.finish()
	return rep, nil
}

// ownRevisions drops the %%EOF markers that close no update of their own:
// the newest xref section of a revision must lie after the end of the
// revision before it, else what lies between was appended without one.
func ownRevisions(r io.ReaderAt, revs []pdf.Revision) []pdf.Revision {
	out := make([]pdf.Revision, 0, len(revs))
	for _, rv := range revs {
		if len(out) > 0 {
			sx, err := rv.StartXref(r)
			if err != nil || sx < out[len(out)-1].End {
				continue
			}
		}
		out = append(out, rv)
	}
	return out
}

// trailingData counts non-blank bytes after the last revision.
func trailingData(r io.ReaderAt, end, size int64) int64 {
	if size-end > 1<<20 {
		return size - end
	}
	buf := make([]byte, size-end)
	n, _ := r.ReadAt(buf, end)
	return int64(len(bytes.Trim(buf[:n], " \t\r\n\f\x00")))
}

// objHeader matches "num gen obj"; the byte before must end a token.
var objHeader = regexp.MustCompile(`(\d{1,10})[\x00\t\n\f\r ]+(\d{1,5})[\x00\t\n\f\r ]+obj`)

const maxUnlisted = 5

// hiddenInUpdates reports what the updates after revision from may hide
// from the diff, which sees each revision as this verifier reads it:
//   - objects an update writes but its own cross-reference section does
//     not list: a viewer that rebuilds the cross-reference table (as many
//     do with a file they find damaged) would show them;
//   - objects a cross-reference section lists twice at different places:
//     readers disagree on which entry counts (poppler and qpdf take the
//     first, this verifier the last).
func (v *verifier) hiddenInUpdates(from int) map[int][]string {
	out := map[int][]string{}
	for i := from + 1; i <= len(v.scan.Revisions); i++ {
		start, end := v.scan.Revisions[i-2].End, v.scan.Revisions[i-1].End
		state, err := v.diff.state(i)
		if err != nil {
			continue // the diff reports an unreadable revision
		}
		for j, n := range state.DuplicateEntries() {
			if j == maxUnlisted {
				out[i] = append(out[i], fmt.Sprintf("revision %d's cross-reference section lists %d more objects twice", i, len(state.DuplicateEntries())-j))
				break
			}
			out[i] = append(out[i], fmt.Sprintf("revision %d's cross-reference section lists object %d twice, at different places: viewers disagree on which one they show", i, n))
		}
		var spans [][2]int64 // stream data of this update, which may hold anything
		for _, ref := range state.Objects() {
			loc := state.Locate(ref.Num)
			if loc.Kind != 1 || loc.Offset < start || loc.Offset >= end {
				continue
			}
			if o, err := state.Get(ref); err == nil {
				if st, ok := o.(*pdf.Stream); ok {
					spans = append(spans, [2]int64{st.Offset(), st.Offset() + st.Len()})
				}
			}
		}
		found := 0
		scanObjectHeaders(v.r, start, end, func(off int64, num uint32, gen uint16) {
			loc := state.Locate(num)
			if loc.Kind == 1 && loc.Gen == gen && loc.Offset <= off && off-loc.Offset <= 2 {
				return
			}
			if off == state.StartXref() {
				return
			}
			for _, sp := range spans {
				if off >= sp[0] && off < sp[1] {
					return
				}
			}
			found++
			if found <= maxUnlisted {
				out[i] = append(out[i], fmt.Sprintf("revision %d holds object %d (at offset %d) that its cross-reference section does not list: hidden content that some viewers would show", i, num, off))
			}
		})
		if found > maxUnlisted {
			out[i] = append(out[i], fmt.Sprintf("revision %d holds %d more objects that its cross-reference section does not list", i, found-maxUnlisted))
		}
	}
	return out
}

// scanObjectHeaders calls fn for every "num gen obj" in [start, end).
func scanObjectHeaders(r io.ReaderAt, start, end int64, fn func(off int64, num uint32, gen uint16)) {
	const chunk, overlap = 1 << 20, 64
	buf := make([]byte, chunk+overlap+1)
	for pos := start; pos < end; pos += chunk {
		from := max(pos-1, start) // one byte before, to see where a token starts
		n := min(end-from, int64(len(buf)))
		m, _ := r.ReadAt(buf[:n], from)
		data := buf[:m]
		for _, mt := range objHeader.FindAllSubmatchIndex(data, -1) {
			at := from + int64(mt[0])
			if at < pos || at >= pos+chunk {
				continue // seen with the chunk before or after
			}
			if mt[0] > 0 && !isTokenEnd(data[mt[0]-1]) {
				continue
			}
			if mt[1] < len(data) && !isTokenEnd(data[mt[1]]) {
				continue // "objx", not "obj"
			}
			num, err1 := strconv.ParseUint(string(data[mt[2]:mt[3]]), 10, 32)
			gen, err2 := strconv.ParseUint(string(data[mt[4]:mt[5]]), 10, 16)
			if err1 == nil && err2 == nil {
				fn(at, uint32(num), uint16(gen))
			}
		}
	}
}

// isTokenEnd reports whether c is white space or a delimiter.
func isTokenEnd(c byte) bool {
	return strings.IndexByte("\x00\t\n\f\r ()<>[]{}/%", c) >= 0
}

func byteRangeEnd(d pdf.Dict) (int64, bool) {
	br, ok := d["ByteRange"].(pdf.Array)
	if !ok || len(br) != 4 {
		return 0, false
	}
	a, ok1 := br[2].(int64)
	b, ok2 := br[3].(int64)
	return a + b, ok1 && ok2
}

// revisionIndex returns the 1-based revision that ends at end (accepting
// the end with or without the EOL after %%EOF), or 0.
func revisionIndex(revs []pdf.Revision, end int64) int {
	for i, rv := range revs {
		if end == rv.End || end == rv.EOF {
			return i + 1
		}
	}
	return 0
}

// sigField is a signature field of a form: its full name, its dictionary
// and the reference in its /V.
type sigField struct {
	name  string
	dict  pdf.Dict
	v     pdf.Object
	vRef  pdf.Ref
	isRef bool
}

// signatureFields lists the signed signature fields of f's form.
func signatureFields(f *pdf.File) []sigField {
	cat, _, _ := f.Catalog()
	form, _ := f.ResolveDict(cat["AcroForm"])
	if form == nil {
		return nil
	}
	fields, _ := f.Resolve(form["Fields"])
	arr, _ := fields.(pdf.Array)
	var out []sigField
	seen := map[pdf.Ref]bool{}
	var walk func(o pdf.Object, prefix string, ft pdf.Name, depth int)
	walk = func(o pdf.Object, prefix string, ft pdf.Name, depth int) {
		if depth > 32 || len(seen) > maxFields {
			return
		}
		if r, ok := o.(pdf.Ref); ok {
			if seen[r] {
				return
			}
			seen[r] = true
		}
		d, _ := f.ResolveDict(o)
		if d == nil {
			return
		}
		name := prefix
		if t, ok := d["T"].(pdf.String); ok {
			if name != "" {
				name += "."
			}
			name += decodeTextString(t)
		}
		if n, ok := d["FT"].(pdf.Name); ok {
			ft = n
		}
		if kids, _ := f.Resolve(d["Kids"]); kids != nil {
			if ka, ok := kids.(pdf.Array); ok && len(ka) > 0 {
				for _, k := range ka {
					walk(k, name, ft, depth+1)
				}
				return
			}
		}
		if ft != "Sig" || d["V"] == nil {
			return
		}
		vref, isRef := d["V"].(pdf.Ref)
		out = append(out, sigField{name: name, dict: d, v: d["V"], vRef: vref, isRef: isRef})
	}
	for _, o := range arr {
		walk(o, "", "", 0)
	}
	return out
}

// findSignatures lists the signature dictionaries of the document: those of
// signature fields and those found by scanning the objects of every
// revision. It also returns problems with stray signature dictionaries.
func (v *verifier) findSignatures() ([]*foundSig, []string) {
	f, scan := v.f, v.scan
	var out []*foundSig
	var problems []string
	byRef := map[pdf.Ref]*foundSig{}
	cat, _, _ := f.Catalog()
	var certRef pdf.Ref
	if perms, _ := f.ResolveDict(cat["Perms"]); perms != nil {
		certRef, _ = perms["DocMDP"].(pdf.Ref)
	}
	add := func(s *foundSig) {
		if s.ref == certRef && certRef != (pdf.Ref{}) {
			s.certified = true
		}
		byRef[s.ref] = s
		out = append(out, s)
	}
	// Fields.
	for _, sf := range signatureFields(f) {
		if !sf.isRef {
			problems = append(problems, fmt.Sprintf("signature field %q holds its signature directly instead of as a separate object; it cannot be checked", sf.name))
			continue
		}
		if byRef[sf.vRef] != nil {
			problems = append(problems, fmt.Sprintf("signature field %q reuses the signature of field %q", sf.name, byRef[sf.vRef].field))
			continue
		}
		sd, err := f.ResolveDict(sf.vRef)
		lock, _ := f.ResolveDict(sf.dict["Lock"])
		add(&foundSig{ref: sf.vRef, dict: sd, readErr: err, field: sf.name, widget: sf.dict, inForm: true, lock: lock})
	}
	// Objects of the newest revision that look like signature dictionaries.
	refs := f.Objects()
	sort.Slice(refs, func(i, j int) bool { return refs[i].Num < refs[j].Num })
	known := map[int64]bool{}
	for _, ref := range refs {
		loc := f.Locate(ref.Num)
		if _, ok := byRef[ref]; ok {
			if loc.Kind == 1 {
				known[loc.Offset] = true
			}
			continue
		}
		if loc.Kind == 1 && !nearByteRange(scan.ByteRanges, loc.Offset) {
			continue // an uncompressed object without /ByteRange in it
		}
		o, err := f.Get(ref)
		if err != nil {
			continue
		}
		d, ok := o.(pdf.Dict)
		if !ok || !looksLikeSigDict(d) {
			continue
		}
		if loc.Kind == 1 {
			known[loc.Offset] = true
		}
		field := fmt.Sprintf("(object %d, not in the form)", ref.Num)
		if name, rev := v.formerField(ref); rev > 0 {
			field = name + " (removed from the form)"
			problems = append(problems, fmt.Sprintf("signature field %q was taken out of the form after revision %d, but its signature (object %d) is still in the file", name, rev, ref.Num))
		}
		add(&foundSig{ref: ref, dict: d, field: field})
	}
	// /ByteRange names that belong to no signature dictionary of the newest
	// revision: replaced, removed or hidden signatures.
	newest := indexObjects(f)
	stray, explained := 0, 0
	for _, at := range scan.ByteRanges {
		ref, off, ok := newest.before(at)
		if ok && known[off] {
			continue
		}
		if ok && inStreamData(f, ref, at) {
			continue // e.g. text that mentions /ByteRange
		}
		var p string
		var found bool
		if explained++; explained <= maxExplained {
			p, found = v.strayByteRange(at)
		}
		if found && p == "" {
			continue
		}
		if stray++; stray > maxStray {
			continue
		}
		if !found {
			p = fmt.Sprintf("the file holds a signature dictionary at offset %d that the document no longer uses (a removed or replaced signature)", at)
		}
		problems = append(problems, p)
	}
	if stray > maxStray {
		problems = append(problems, fmt.Sprintf("the file holds %d more signature dictionaries that the document no longer uses", stray-maxStray))
	}
	return out, problems
}

const (
	maxStray     = 10   // stray signature dictionaries reported one by one
	maxExplained = 1000 // looked up in earlier revisions
)

// objIndex finds the uncompressed object that starts last before an offset.
type objIndex struct {
	offs []int64
	refs []pdf.Ref
}

func indexObjects(f *pdf.File) *objIndex {
	x := &objIndex{}
	for _, ref := range f.Objects() {
		if loc := f.Locate(ref.Num); loc.Kind == 1 {
			x.offs = append(x.offs, loc.Offset)
			x.refs = append(x.refs, pdf.Ref{Num: ref.Num, Gen: loc.Gen})
		}
	}
	sort.Sort(x)
	return x
}

func (x *objIndex) Len() int           { return len(x.offs) }
func (x *objIndex) Less(i, j int) bool { return x.offs[i] < x.offs[j] }
func (x *objIndex) Swap(i, j int) {
	x.offs[i], x.offs[j] = x.offs[j], x.offs[i]
	x.refs[i], x.refs[j] = x.refs[j], x.refs[i]
}

// before returns the object starting last at or before at.
func (x *objIndex) before(at int64) (pdf.Ref, int64, bool) {
	i := sort.Search(len(x.offs), func(i int) bool { return x.offs[i] > at }) - 1
	if i < 0 {
		return pdf.Ref{}, 0, false
	}
	return x.refs[i], x.offs[i], true
}

// inStreamData reports whether offset at lies in the data of stream ref.
func inStreamData(f *pdf.File, ref pdf.Ref, at int64) bool {
	o, err := f.Get(ref)
	if err != nil {
		return false
	}
	s, ok := o.(*pdf.Stream)
	return ok && at >= s.Offset() && at < s.Offset()+s.Len()
}

// formerField returns the name of the signature field that held signature
// ref in the latest earlier revision that had one, and that revision.
func (v *verifier) formerField(ref pdf.Ref) (string, int) {
	for i := len(v.scan.Revisions) - 1; i >= 1; i-- {
		state, err := v.diff.state(i)
		if err != nil {
			continue
		}
		for _, sf := range signatureFields(state) {
			if sf.isRef && sf.vRef == ref {
				return sf.name, i
			}
		}
	}
	return "", 0
}

// strayByteRange explains a /ByteRange name at offset at that no signature
// of the newest revision holds, by looking for the earlier revision whose
// object holds it. It returns ok false when no revision does, and an empty
// problem when the name is only inside a stream's data.
func (v *verifier) strayByteRange(at int64) (problem string, ok bool) {
	for i := len(v.scan.Revisions) - 1; i >= 1; i-- {
		if v.scan.Revisions[i-1].End <= at {
			break // the revisions before i all end before at
		}
		state, err := v.diff.state(i)
		if err != nil {
			continue
		}
		if v.objIndexes == nil {
			v.objIndexes = map[int]*objIndex{}
		}
		x := v.objIndexes[i]
		if x == nil {
			x = indexObjects(state)
			v.objIndexes[i] = x
		}
		best, bestOff, ok := x.before(at)
		if !ok || at-bestOff >= 64<<10 {
			continue
		}
		if inStreamData(state, best, at) {
			return "", true
		}
		o, err := state.Get(best)
		if d, isDict := o.(pdf.Dict); err != nil || !isDict || !looksLikeSigDict(d) {
			continue
		}
		for _, sf := range signatureFields(state) {
			if sf.isRef && sf.vRef == best {
				return fmt.Sprintf("the signature of field %q (object %d, in revision %d) was removed or replaced later: the document no longer uses it", sf.name, best.Num, i), true
			}
		}
		return fmt.Sprintf("the signature dictionary object %d of revision %d was removed or replaced later: the document no longer uses it", best.Num, i), true
	}
	return "", false
}

// nearByteRange reports whether a /ByteRange name lies in the first 64 KiB
// after off (where a signature dictionary starting at off would have it).
func nearByteRange(brs []int64, off int64) bool {
	i := sort.Search(len(brs), func(i int) bool { return brs[i] >= off })
	return i < len(brs) && brs[i]-off < 64<<10
}

func looksLikeSigDict(d pdf.Dict) bool {
	t := d["Type"]
	if t == pdf.Name("Sig") || t == pdf.Name("DocTimeStamp") {
		return true
	}
	_, br := d["ByteRange"]
	_, c := d["Contents"]
	_, filter := d["Filter"]
	return br && c && filter
}

type verifier struct {
	r     pdf.ReaderAtSize
	size  int64
	f     *pdf.File
	scan  *pdf.Scan
	opts  VerifyOptions
	diff  *differ
	store *trust.Store

	certLevel    int // DocMDP permission of the certification signature
	certRevision int // the revision it closes

	// unseen holds, by revision (one past the last for data after it),
	// what may change what viewers show without the diff seeing it.
	unseen map[int][]string
	// objIndexes caches the object offsets of earlier revisions.
	objIndexes map[int]*objIndex

	dssCerts []*x509.Certificate
	dssCRLs  [][]byte
	dssOCSPs [][]byte
}

// collectValidationData reads the document security store (/DSS).
func (v *verifier) collectValidationData() {
	cat, _, err := v.f.Catalog()
	if err != nil {
		return
	}
	dss, _ := v.f.ResolveDict(cat["DSS"])
	read := func(key pdf.Name) [][]byte {
		var out [][]byte
		arr, _ := v.f.Resolve(dss[key])
		a, _ := arr.(pdf.Array)
		for _, o := range a {
			o, _ := v.f.Resolve(o)
			if s, ok := o.(*pdf.Stream); ok {
				if data, err := v.f.Decode(s, 4<<20); err == nil {
					out = append(out, data)
				}
			}
		}
		return out
	}
	if dss != nil {
		for _, der := range read("Certs") {
			if c, err := x509.ParseCertificate(der); err == nil {
				v.dssCerts = append(v.dssCerts, c)
			}
		}
		v.dssCRLs = read("CRLs")
		v.dssOCSPs = read("OCSPs")
	}
	v.store = trust.NewStore(v.opts.Roots, append(append([]*x509.Certificate{}, v.opts.Intermediates...), v.dssCerts...))
}

func (v *verifier) verify(ctx context.Context, s *foundSig) *SignatureReport {
	rep := &SignatureReport{Field: s.field, Kind: "signature", Verdict: Valid, Revisions: len(v.scan.Revisions)}
	d := s.dict
	if s.readErr != nil {
		rep.fail(Invalid, fmt.Sprintf("the signature dictionary (object %d) is damaged and cannot be read: %v", s.ref.Num, s.readErr))
		return rep
	}
	if d == nil {
		rep.fail(Invalid, "the signature field points to something that is not a signature dictionary")
		return rep
	}
	if s.certified {
		rep.Kind = "certification"
		rep.Certification = docMDPLevel(v.f, d)
	}
	sub, _ := d["SubFilter"].(pdf.Name)
	rep.SubFilter = string(sub)
	if d["Type"] == pdf.Name("DocTimeStamp") || sub == "ETSI.RFC3161" {
		rep.Kind = "document timestamp"
	}
	if m, ok := d["M"].(pdf.String); ok {
		if t, err := parsePDFDate(string(m)); err == nil {
			rep.ClaimedTime = t
		}
	}
	if s, ok := d["Reason"].(pdf.String); ok {
		rep.SignReason = decodeTextString(s)
	}
	if s, ok := d["Location"].(pdf.String); ok {
		rep.Location = decodeTextString(s)
	}
	if s.widget != nil {
		if rect, ok := v.f.Rect(s.widget["Rect"]); ok && rect[2]-rect[0] > 0 && rect[3]-rect[1] > 0 {
			rep.Rect = rect[:]
			if p, ok := s.widget["P"].(pdf.Ref); ok {
				if pages, err := v.f.Pages(); err == nil {
					for i, pg := range pages {
						if pg.Ref == p {
							rep.Page = i + 1
						}
					}
				}
			}
		}
	}
	if !s.inForm {
		rep.Warnings = append(rep.Warnings, "this signature is not attached to any form field of the document")
	}

	// b. The byte range.
	br, contents, err := v.checkByteRange(s)
	if err != nil {
		rep.fail(Invalid, err.Error())
		return rep
	}
	rep.ByteRange = br
	rev := revisionIndex(v.scan.Revisions, br[2]+br[3])
	rep.Revision = rev
	rep.CoversDocument = rev == len(v.scan.Revisions)

	// The digest and the signature.
	var signerCert *x509.Certificate
	var sd *cms.SignedData
	switch sub {
	case "ETSI.CAdES.detached", "adbe.pkcs7.detached":
		sd, signerCert = v.checkCMS(rep, contents, br)
	case "ETSI.RFC3161":
		signerCert = v.checkDocTimestamp(ctx, rep, contents, br)
	case "adbe.pkcs7.sha1", "adbe.x509.rsa_sha1":
		rep.fail(Invalid, fmt.Sprintf("the signature uses the obsolete format %s (SHA-1), which is no longer secure", sub))
	case "":
		rep.fail(Invalid, "the signature dictionary has no /SubFilter: its format is unknown")
	default:
		rep.fail(Invalid, fmt.Sprintf("unsupported signature format %s", sub))
	}
	if rep.Verdict == Invalid {
		return rep
	}
	rep.Intact = true

	// c, d, e. What happened after the signature.
	v.checkChanges(rep, s, rev)

	if v.opts.IntegrityOnly || signerCert == nil || rep.Kind == "document timestamp" {
		return rep
	}
	// f, g. Timestamp and certificate chain.
	best := v.opts.now()
	if tok, ok := sd.Signers[0].TimestampToken(); ok {
		if t, ok := v.checkSignatureTimestamp(ctx, rep, sd.Signers[0], tok, sd.Certificates...); ok {
			best = t
		}
		if rep.Verdict == Invalid {
			return rep
		}
		if rep.Timestamp != nil && rep.Timestamp.Verdict == Valid && sub == "ETSI.CAdES.detached" {
			rep.Level = string(LevelBT)
		}
	}
	v.checkChain(ctx, rep, signerCert, sd, best)
	return rep
}

// checkByteRange enforces SIGNATURES.md §3 b and returns the range and the
// decoded /Contents.
func (v *verifier) checkByteRange(s *foundSig) ([4]int64, []byte, error) {
	var br [4]int64
	arr, ok := s.dict["ByteRange"].(pdf.Array)
	if !ok {
		return br, nil, errors.New("the signature has no valid /ByteRange (it must be an array of four integers)")
	}
	if len(arr) != 4 {
		return br, nil, fmt.Errorf("the /ByteRange has %d numbers instead of four", len(arr))
	}
	for i, o := range arr {
		n, ok := o.(int64)
		if !ok {
			return br, nil, errors.New("the /ByteRange holds something other than four integers")
		}
		br[i] = n
	}
	if br[0] != 0 {
		return br, nil, fmt.Errorf("the signed bytes do not start at the beginning of the file (ByteRange starts at %d)", br[0])
	}
	if br[1] <= 0 || br[2] <= br[1] || br[3] < 0 {
		return br, nil, fmt.Errorf("the ByteRange [%d %d %d %d] is not two ordered ranges", br[0], br[1], br[2], br[3])
	}
	if br[2]+br[3] > v.size || br[2]+br[3] < br[2] {
		return br, nil, fmt.Errorf("the ByteRange reaches past the end of the file (%d > %d bytes)", br[2]+br[3], v.size)
	}
	// (The parser drops keys whose value is null: /Contents null is missing.)
	c, ok := s.dict["Contents"].(pdf.String)
	switch {
	case s.dict["Contents"] == nil:
		return br, nil, errors.New("the signature has no /Contents (the signature value is missing)")
	case !ok:
		return br, nil, errors.New("the signature's /Contents is not a string (the signature value is missing)")
	case len(c) == 0:
		return br, nil, errors.New("the signature's /Contents is empty (the signature value is missing)")
	}
	end := br[2] + br[3]
	rev := revisionIndex(v.scan.Revisions, end)
	if rev == 0 {
		return br, nil, fmt.Errorf("the signed bytes end at offset %d, which is not the end of a revision", end)
	}
	// The gap must be exactly this dictionary's /Contents, in the revision
	// the signature closes.
	state, err := v.diff.state(rev)
	if err != nil {
		return br, nil, fmt.Errorf("the signed revision cannot be read: %w", err)
	}
	loc := state.Locate(s.ref.Num)
	if loc.Kind == 0 {
		return br, nil, errors.New("the signature dictionary is not part of the revision it claims to sign")
	}
	if loc != v.f.Locate(s.ref.Num) {
		return br, nil, errors.New("the signature dictionary was replaced after signing")
	}
	start, stop, err := state.ValueSpan(s.ref, "Contents")
	if err != nil {
		return br, nil, fmt.Errorf("the signature value cannot be located: %w", err)
	}
	if start != br[1] || stop != br[2] {
		return br, nil, fmt.Errorf("the unsigned gap [%d, %d) is not this signature's /Contents, which lies at [%d, %d)", br[1], br[2], start, stop)
	}
	// The gap holds only the hex string (no other data can hide there).
	if stop-start > 64<<20 {
		return br, nil, errors.New("the signature value is too large")
	}
	gap := make([]byte, stop-start)
	if _, err := v.r.ReadAt(gap, start); err != nil {
		return br, nil, fmt.Errorf("reading the signature value: %w", err)
	}
	if gap[0] != '<' || gap[len(gap)-1] != '>' {
		return br, nil, errors.New("the signature value is not written as a hexadecimal string")
	}
	// Nothing but hex digits in one letter case: the gap is not signed, so
	// any other freedom in it would be a channel for hidden data.
	lower, upper := false, false
	for _, ch := range gap[1 : len(gap)-1] {
		switch {
		case ch >= '0' && ch <= '9':
		case ch >= 'a' && ch <= 'f':
			lower = true
		case ch >= 'A' && ch <= 'F':
			upper = true
		default:
			return br, nil, errors.New("the unsigned gap holds data other than the signature value (only hexadecimal digits may be there)")
		}
	}
	if lower && upper {
		return br, nil, errors.New("the signature value mixes upper- and lower-case hexadecimal digits: it was altered after signing")
	}
	if len(gap)%2 != 0 {
		return br, nil, errors.New("the signature value has an odd number of hexadecimal digits: it was altered after signing")
	}
	return br, []byte(c), nil
}

// digestRanges hashes the two byte ranges.
func (v *verifier) digestRanges(h crypto.Hash, br [4]int64) ([]byte, error) {
	hh := h.New()
	// Up to 1 MB at a time; no more than the larger range (a buffer
	// larger than the file would cost more to clear than to hash).
	buf := make([]byte, min(1<<20, max(br[1], br[3], 512)))
	for _, rg := range [][2]int64{{br[0], br[1]}, {br[2], br[3]}} {
		sr := io.NewSectionReader(v.r, rg[0], rg[1])
		if _, err := io.CopyBuffer(hh, sr, buf); err != nil {
			return nil, err
		}
	}
	return hh.Sum(nil), nil
}

func (v *verifier) checkCMS(rep *SignatureReport, contents []byte, br [4]int64) (*cms.SignedData, *x509.Certificate) {
	sd, err := cms.Parse(contents)
	if err != nil {
		rep.fail(Invalid, err.Error())
		return nil, nil
	}
	if len(sd.Signers) != 1 {
		rep.fail(Invalid, fmt.Sprintf("the signature holds %d signers instead of one", len(sd.Signers)))
		return nil, nil
	}
	if sd.EContent != nil {
		rep.fail(Invalid, "the signature encapsulates content; a PDF signature must be detached")
		return nil, nil
	}
	si := sd.Signers[0]
	h, err := si.Hash()
	if err != nil {
		rep.fail(Invalid, err.Error())
		return nil, nil
	}
	if !slices.ContainsFunc(sd.DigestAlgorithms, func(a pkix.AlgorithmIdentifier) bool { return a.Algorithm.Equal(si.DigestAlgorithm.Algorithm) }) {
		// RFC 5652 5.1: the list names every signer's digest algorithm. The
		// list is not signed; a mismatch means the container was altered.
		rep.fail(Invalid, "the signature is malformed: its digest algorithm is not among those the signature lists")
		return nil, nil
	}
	rep.Hash = hashName(h)
	if rep.SubFilter == "ETSI.CAdES.detached" {
		rep.Level = string(LevelBB)
	}
	cert := si.FindCertificate(append(append([]*x509.Certificate{}, sd.Certificates...), v.dssCerts...))
	if cert == nil {
		rep.fail(Invalid, "the signer's certificate is not in the signature")
		return nil, nil
	}
	rep.Signer = certInfo(cert)
	digest, err := v.digestRanges(h, br)
	if err != nil {
		rep.fail(Invalid, "reading the signed bytes: "+err.Error())
		return nil, nil
	}
	if err := si.VerifyContentDigest(digest); err != nil {
		rep.fail(Invalid, "the document was changed after it was signed: the signed bytes do not match the signature ("+err.Error()+")")
		return nil, nil
	}
	if err := si.VerifySignature(cert); err != nil {
		rep.fail(Invalid, "the signature value does not verify with the signer's certificate: "+err.Error())
		return nil, nil
	}
	if err := si.CheckSigningCertificate(cert); err != nil {
		if errors.Is(err, cms.ErrNoSigningCertificate) {
			if rep.SubFilter == "ETSI.CAdES.detached" {
				rep.Warnings = append(rep.Warnings, "the signature lacks the ESS signing-certificate attribute required by PAdES")
			}
		} else {
			rep.fail(Invalid, "the signature names a different signing certificate: "+err.Error())
			return nil, nil
		}
	}
	if _, ok := si.SigningTime(); ok && rep.SubFilter == "ETSI.CAdES.detached" {
		rep.Warnings = append(rep.Warnings, "the signature carries a signing-time attribute, which PAdES baseline signatures must not")
	}
	return sd, cert
}

func (v *verifier) checkDocTimestamp(ctx context.Context, rep *SignatureReport, contents []byte, br [4]int64) *x509.Certificate {
	tok, err := tsp.ParseToken(contents)
	if err != nil {
		rep.fail(Invalid, "the document timestamp is damaged: "+err.Error())
		return nil
	}
	rep.Hash = hashName(tok.Hash)
	digest, err := v.digestRanges(tok.Hash, br)
	if err != nil {
		rep.fail(Invalid, "reading the signed bytes: "+err.Error())
		return nil
	}
	cert, err := tok.Verify(digest, append(append([]*x509.Certificate{}, v.opts.TSACerts...), v.dssCerts...))
	if err != nil {
		rep.fail(Invalid, "the document timestamp does not verify: "+err.Error())
		return nil
	}
	rep.Signer = certInfo(cert)
	rep.Timestamp = &TimestampInfo{Time: tok.GenTime, TSA: certInfo(cert), Verdict: Valid}
	rep.ClaimedTime = tok.GenTime
	if !v.opts.IntegrityOnly {
		res := v.store.Validate(ctx, cert, trust.Options{At: tok.GenTime, Usage: trust.Timestamping, Extra: tok.SignedData.Certificates,
			CRLs: v.dssCRLs, OCSPs: v.dssOCSPs, Online: v.opts.Online, HTTPClient: v.opts.HTTPClient})
		v.applyTrust(rep, res, "timestamp authority")
	}
	return cert
}

// checkSignatureTimestamp verifies a signature timestamp; it returns the
// proven time when the timestamp is valid and trusted. The signature's
// certificates may help to build the TSA's chain.
func (v *verifier) checkSignatureTimestamp(ctx context.Context, rep *SignatureReport, si *cms.SignerInfo, der []byte, sigCerts ...*x509.Certificate) (time.Time, bool) {
	tok, err := tsp.ParseToken(der)
	if err != nil {
		rep.fail(Invalid, "the signature timestamp is damaged: "+err.Error())
		return time.Time{}, false
	}
	info := &TimestampInfo{Time: tok.GenTime, Verdict: Valid}
	rep.Timestamp = info
	hh := tok.Hash.New()
	hh.Write(si.SignatureValue())
	cert, err := tok.Verify(hh.Sum(nil), append(append([]*x509.Certificate{}, v.opts.TSACerts...), v.dssCerts...))
	if err != nil {
		info.Verdict, info.Reason = Invalid, err.Error()
		rep.fail(Invalid, "the signature timestamp is not genuine: "+err.Error())
		return time.Time{}, false
	}
	info.TSA = certInfo(cert)
	// A token without certificates leaves the TSA's chain to the known TSA
	// certificates and those of the signature (often the same CA).
	extra := slices.Concat(tok.SignedData.Certificates, v.opts.TSACerts, sigCerts)
	res := v.store.Validate(ctx, cert, trust.Options{At: tok.GenTime, Usage: trust.Timestamping, Extra: extra,
		CRLs: v.dssCRLs, OCSPs: v.dssOCSPs, Online: v.opts.Online, HTTPClient: v.opts.HTTPClient})
	if res.Status != trust.Trusted {
		info.Verdict, info.Reason = Indeterminate, res.Reason
		rep.Warnings = append(rep.Warnings, "the timestamp authority is not trusted, so the timestamp proves nothing: "+res.Reason)
		return time.Time{}, false
	}
	return tok.GenTime, true
}

func (v *verifier) checkChain(ctx context.Context, rep *SignatureReport, cert *x509.Certificate, sd *cms.SignedData, at time.Time) {
	if len(v.opts.Roots) == 0 {
		rep.fail(Indeterminate, "no trusted root certificates are configured, so the signer's identity cannot be confirmed")
		return
	}
	crls := append(append([][]byte{}, v.dssCRLs...), sd.CRLs...)
	ocsps := append(append([][]byte{}, v.dssOCSPs...), sd.OCSPResponses...)
	if ra, ok, err := sd.Signers[0].RevocationInfoArchival(); err == nil && ok {
		crls = append(crls, ra.CRLs...)
		ocsps = append(ocsps, ra.OCSPResponses...)
	}
	res := v.store.Validate(ctx, cert, trust.Options{At: at, Usage: trust.Signing, Extra: sd.Certificates,
		CRLs: crls, OCSPs: ocsps, Online: v.opts.Online, HTTPClient: v.opts.HTTPClient})
	v.applyTrust(rep, res, "signer")
}

func (v *verifier) applyTrust(rep *SignatureReport, res trust.Result, who string) {
	rep.Chain = nil
	for _, c := range res.Chain {
		rep.Chain = append(rep.Chain, certInfo(c))
	}
	for _, c := range res.Revocation {
		rep.Revocation = append(rep.Revocation, revocationText(c))
	}
	rep.Warnings = append(rep.Warnings, res.Warnings...)
	switch res.Status {
	case trust.Trusted:
	case trust.Revoked, trust.Unsuitable:
		rep.fail(Invalid, res.Reason)
	case trust.Expired:
		if rep.Timestamp == nil || rep.Timestamp.Verdict != Valid {
			rep.fail(Indeterminate, res.Reason+"; no trusted timestamp proves the signature was made while it was valid")
		} else {
			rep.fail(Invalid, res.Reason)
		}
	default:
		rep.fail(Indeterminate, res.Reason)
	}
	_ = who
}

// checkChanges reports the revisions after the signature and judges them.
func (v *verifier) checkChanges(rep *SignatureReport, s *foundSig, rev int) {
	var locked func(field string) bool
	if fm := fieldMDP(v.f, s); fm != nil {
		locked = fm
	}
	for i := rev + 1; i <= len(v.scan.Revisions); i++ {
		changes, err := v.diff.changes(i)
		if err != nil {
			rep.fail(Invalid, fmt.Sprintf("revision %d after the signature cannot be compared: %v", i, err))
			return
		}
		perm := 0
		if v.certLevel > 0 && i > v.certRevision {
			perm = v.certLevel
		}
		for _, c := range changes {
			allowed := allowedChange(c, perm)
			if allowed && locked != nil && (c.class == classFormFill || c.class == classAnnotation) && c.field != "" && locked(c.field) {
				allowed = false
				c.what += " (the field is locked by this signature)"
			}
			rep.Changes = append(rep.Changes, Change{Revision: i, What: c.what, Allowed: allowed})
			switch {
			case allowed:
			case perm > 0 && allowedChange(c, 0):
				rep.fail(Invalid, fmt.Sprintf("the document is certified (%s) and does not allow this change after signing: %s (revision %d)", docMDPText(perm), c.what, i))
			default:
				rep.fail(Invalid, fmt.Sprintf("the document was changed after this signature: %s (revision %d)", c.what, i))
			}
			if c.note != "" {
				note := fmt.Sprintf("revision %d: %s", i, c.note)
				if !slices.Contains(rep.Warnings, note) {
					rep.Warnings = append(rep.Warnings, note)
				}
			}
		}
	}
	for i := rev + 1; i <= len(v.scan.Revisions)+1; i++ {
		for _, p := range v.unseen[i] {
			rep.fail(Invalid, p)
		}
	}
	if v.certLevel > 0 && rev < v.certRevision && rep.Kind != "document timestamp" {
		rep.Warnings = append(rep.Warnings, "this signature was made before the document was certified")
	}
}

// allowedChange applies the DocMDP permission (0 when the document is not
// certified) to a change.
func allowedChange(c rawChange, perm int) bool {
	switch c.class {
	case classDSS:
		return true
	case classSignature:
		return perm != 1
	case classFormFill:
		return perm != 1
	case classAnnotation:
		return perm == 0 || perm == 3
	case classMetadata:
		return perm == 0
	}
	return false
}

// fieldMDP returns a predicate telling which fields a signature locks
// (from its field's /Lock or its own FieldMDP reference), or nil.
func fieldMDP(f *pdf.File, s *foundSig) func(string) bool {
	var specs []pdf.Dict
	if s.lock != nil {
		specs = append(specs, s.lock)
	}
	refs, _ := f.Resolve(s.dict["Reference"])
	arr, _ := refs.(pdf.Array)
	for _, o := range arr {
		sr, _ := f.ResolveDict(o)
		if sr != nil && sr["TransformMethod"] == pdf.Name("FieldMDP") {
			if tp, _ := f.ResolveDict(sr["TransformParams"]); tp != nil {
				specs = append(specs, tp)
			}
		}
	}
	if len(specs) == 0 {
		return nil
	}
	return func(field string) bool {
		for _, sp := range specs {
			action, _ := sp["Action"].(pdf.Name)
			list := map[string]bool{}
			fa, _ := f.Resolve(sp["Fields"])
			if a, ok := fa.(pdf.Array); ok {
				for _, o := range a {
					if str, ok := o.(pdf.String); ok {
						list[decodeTextString(str)] = true
					}
				}
			}
			switch action {
			case "All":
				return true
			case "Include":
				if list[field] {
					return true
				}
			case "Exclude":
				if !list[field] {
					return true
				}
			}
		}
		return false
	}
}

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	case crypto.SHA1:
		return "SHA-1"
	}
	return h.String()
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// parsePDFDate reads "D:YYYYMMDDHHmmSSOHH'mm'" with optional parts.
func parsePDFDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(s, "D:")
	if len(s) < 4 {
		return time.Time{}, errors.New("bad PDF date")
	}
	digits := 0
	for digits < len(s) && digits < 14 && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	base := s[:digits]
	// Pad to a full timestamp: month and day default to 1.
	pad := "00000101000000"
	if digits < 14 {
		base += pad[digits:]
	}
	t, err := time.Parse("20060102150405", base)
	if err != nil {
		return time.Time{}, err
	}
	rest := s[digits:]
	loc := time.UTC
	if len(rest) >= 3 && (rest[0] == '+' || rest[0] == '-') {
		var hh, mm int
		_, _ = fmt.Sscanf(strings.ReplaceAll(rest[1:], "'", " "), "%d %d", &hh, &mm) // minutes are optional
		off := hh*3600 + mm*60
		if rest[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), nil
}

func revocationText(c trust.Check) string {
	who := "certificate"
	if c.Certificate != nil {
		who = certName(c.Certificate)
	}
	s := fmt.Sprintf("%s: %s", who, c.Status)
	if c.Source != "" {
		s += " (" + string(c.Source)
		if !c.Time.IsZero() {
			s += " of " + c.Time.In(VietnamTime).Format("02/01/2006 15:04")
		}
		s += ")"
	}
	if c.Status == trust.CertRevoked {
		s += fmt.Sprintf(", revoked on %s", c.RevokedAt.In(VietnamTime).Format("02/01/2006 15:04"))
		if c.Reason != "" {
			s += " (" + c.Reason + ")"
		}
	}
	if c.Detail != "" {
		s += "; " + c.Detail
	}
	return s
}
