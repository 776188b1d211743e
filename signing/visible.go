package signing

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/vanthu/vanthu/assets"
	"github.com/vanthu/vanthu/signing/appearance"
	"github.com/vanthu/vanthu/signing/pdf"
)

// placement is where a new signature's widget goes.
type placement struct {
	pageIndex int        // 0-based page the widget is attached to
	page      int        // 1-based page for the report; 0 when invisible
	rect      [4]float64 // in default user space
	ap        pdf.Ref    // the normal appearance stream
}

// Page margins used for default placement (points).
const (
	marginRight = 56.7 // 20 mm
	marginTop   = 56.7 // 20 mm
	stampTop    = 28.3 // 10 mm: the stamp sits in the top margin
)

var (
	fontsOnce             sync.Once
	fontRegular, fontBold *appearance.Font
	fontErr               error
)

func fonts() (*appearance.Font, *appearance.Font, error) {
	fontsOnce.Do(func() {
		fontRegular, fontErr = appearance.ParseFont(assets.SerifRegular)
		if fontErr == nil {
			fontBold, fontErr = appearance.ParseFont(assets.SerifBold)
		}
	})
	return fontRegular, fontBold, fontErr
}

func placeAppearance(_ context.Context, f *pdf.File, doc *docInfo, u *pdf.Update, opts PDFOptions) (placement, error) {
	a := opts.Appearance
	var pl placement
	if a.Page < 0 || a.Page > len(doc.pages) {
		return pl, fmt.Errorf("page %d does not exist (the document has %d pages)", a.Page, len(doc.pages))
	}
	if a.Rect != nil {
		r := *a.Rect
		if r[0] > r[2] {
			r[0], r[2] = r[2], r[0]
		}
		if r[1] > r[3] {
			r[1], r[3] = r[3], r[1]
		}
		if a.Kind != AppearanceNone && (r[2]-r[0] < 4 || r[3]-r[1] < 4) {
			return pl, fmt.Errorf("the signature rectangle %v is too small", *a.Rect)
		}
		a.Rect = &r
	}
	pageIdx := func(def int) int {
		if a.Page > 0 {
			return a.Page - 1
		}
		return def
	}
	last := len(doc.pages) - 1

	switch a.Kind {
	case AppearanceNone:
		pl.pageIndex = pageIdx(0)
		ap := u.Add(&pdf.Stream{Dict: pdf.Dict{
			"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
			"BBox": pdf.Array{int64(0), int64(0), int64(0), int64(0)},
		}})
		pl.ap = ap
		return pl, nil

	case AppearancePersonal:
		regular, bold, err := fonts()
		if err != nil {
			return pl, err
		}
		img, err := decodeImage(a.Image, assets.DemoSignature, "signature")
		if err != nil {
			return pl, err
		}
		name := strings.TrimSpace(a.Name)
		if name == "" {
			name = certName(opts.Signer.Chain[0])
		}
		position := a.Position
		if len(position) == 0 {
			if t := certInfo(opts.Signer.Chain[0]).Title; t != "" {
				position = []string{t}
			}
		}
		for i, p := range position {
			position[i] = strings.ToUpper(p)
		}
		pl.pageIndex = pageIdx(last)
		page := doc.pages[pl.pageIndex]
		w, h := appearance.DefaultPersonalWidth, appearance.DefaultPersonalHeight
		if a.Rect != nil {
			w, h = a.Rect[2]-a.Rect[0], a.Rect[3]-a.Rect[1]
		}
		if page.Rotate == 90 || page.Rotate == 270 {
			if a.Rect != nil {
				w, h = h, w
			}
		}
		var ap *appearance.Appearance
		if a.ImageOnly {
			ap, err = imageAppearance(img, w, h)
		} else {
			ap, err = appearance.Personal(appearance.PersonalSpec{
				Position: position, Name: name, Signature: img, Width: w, Height: h,
				Regular: regular, Bold: bold,
			})
		}
		if err != nil {
			return pl, fmt.Errorf("drawing the signature: %w", err)
		}
		pl.rect = visualRect(page, a.Rect, ap.Width, ap.Height, defaultBlock(page, ap.Width, ap.Height))
		pl.ap = addAppearanceStream(u, ap, page.Rotate)

	case AppearanceAgency:
		img, err := decodeImage(a.Image, assets.DemoSeal, "seal")
		if err != nil {
			return pl, err
		}
		size := appearance.DefaultSealSize
		if a.Rect != nil {
			size = math.Min(a.Rect[2]-a.Rect[0], a.Rect[3]-a.Rect[1])
		}
		ap, err := appearance.Agency(appearance.AgencySpec{Seal: img, Size: size})
		if err != nil {
			return pl, fmt.Errorf("drawing the seal: %w", err)
		}
		switch {
		case a.Rect != nil:
			pl.pageIndex = pageIdx(last)
			page := doc.pages[pl.pageIndex]
			pl.rect = visualRect(page, a.Rect, ap.Width, ap.Height, [4]float64{})
		case personalSignature(f, doc, a.Page) != nil:
			w := personalSignature(f, doc, a.Page)
			pl.pageIndex = w.pageIndex
			page := doc.pages[pl.pageIndex]
			// "Left of the signature" is as the reader sees the page:
			// place the seal in displayed coordinates, then map it back.
			r, _ := signatureImageRect(f, w)
			img := userToVisual(page, r)
			seal := appearance.SealRect(appearance.Rect{X: img[0], Y: img[1], W: img[2] - img[0], H: img[3] - img[1]}, ap.Width)
			pl.rect = visualRect(page, nil, seal.W, seal.H, [4]float64{seal.X, seal.Y, seal.X + seal.W, seal.Y + seal.H})
		default:
			pl.pageIndex = pageIdx(last)
			page := doc.pages[pl.pageIndex]
			pl.rect = visualRect(page, nil, ap.Width, ap.Height, defaultBlock(page, ap.Width, ap.Height))
		}
		pl.ap = addAppearanceStream(u, ap, doc.pages[pl.pageIndex].Rotate)

	case AppearanceStamp:
		regular, _, err := fonts()
		if err != nil {
			return pl, err
		}
		var lines []string
		for _, t := range a.Text {
			for _, l := range strings.Split(t, "\n") {
				if l = strings.TrimSpace(l); l != "" {
					lines = append(lines, l)
				}
			}
		}
		if len(lines) == 0 {
			lines = append(lines, certName(opts.Signer.Chain[0]))
		}
		lines = append(lines, opts.Time.In(VietnamTime).Format("2006-01-02T15:04:05-07:00"))
		spec := appearance.StampSpec{Lines: lines, Font: regular}
		if a.Rect != nil {
			spec.MaxWidth, spec.MaxHeight = a.Rect[2]-a.Rect[0], a.Rect[3]-a.Rect[1]
		}
		ap, err := appearance.Stamp(spec)
		if err != nil {
			return pl, fmt.Errorf("drawing the stamp: %w", err)
		}
		pl.pageIndex = pageIdx(0)
		page := doc.pages[pl.pageIndex]
		vis := visualBox(page)
		def := [4]float64{vis[2] - marginRight - ap.Width, vis[3] - stampTop - ap.Height, vis[2] - marginRight, vis[3] - stampTop}
		pl.rect = visualRect(page, a.Rect, ap.Width, ap.Height, def)
		pl.ap = addAppearanceStream(u, ap, page.Rotate)
	}
	pl.page = pl.pageIndex + 1
	return pl, nil
}

func decodeImage(data, fallback []byte, what string) (*appearance.Image, error) {
	if len(data) == 0 {
		data = fallback
	}
	key := sha256.Sum256(data)
	imageCache.Lock()
	img, ok := imageCache.m[key]
	imageCache.Unlock()
	if ok {
		return img, nil
	}
	img, err := appearance.DecodePNG(data)
	if err != nil {
		return nil, fmt.Errorf("the %s image: %w", what, err)
	}
	imageCache.Lock()
	if len(imageCache.m) >= 16 {
		clear(imageCache.m)
	}
	imageCache.m[key] = img
	imageCache.Unlock()
	return img, nil
}

// imageCache keeps decoded signature and seal images (an Image is never
// modified once decoded): a leader signs with the same image again and
// again, and decoding compresses the samples anew each time.
var imageCache = struct {
	sync.Mutex
	m map[[32]byte]*appearance.Image
}{m: map[[32]byte]*appearance.Image{}}

// visualBox is the page's crop box as the reader sees it, with the origin
// at the bottom left of the displayed page.
func visualBox(p pdf.Page) [4]float64 {
	w, h := p.CropBox[2]-p.CropBox[0], p.CropBox[3]-p.CropBox[1]
	if p.Rotate == 90 || p.Rotate == 270 {
		w, h = h, w
	}
	return [4]float64{0, 0, w, h}
}

// userToVisual maps a rectangle in user space to displayed-page
// coordinates (the inverse of visualRect for default placements).
func userToVisual(p pdf.Page, r [4]float64) [4]float64 {
	ox, oy := p.CropBox[0], p.CropBox[1]
	wu, hu := p.CropBox[2]-p.CropBox[0], p.CropBox[3]-p.CropBox[1]
	pt := func(x, y float64) (float64, float64) {
		switch p.Rotate {
		case 90:
			return y - oy, ox + wu - x
		case 180:
			return ox + wu - x, oy + hu - y
		case 270:
			return oy + hu - y, x - ox
		}
		return x - ox, y - oy
	}
	ax, ay := pt(r[0], r[1])
	bx, by := pt(r[2], r[3])
	return [4]float64{math.Min(ax, bx), math.Min(ay, by), math.Max(ax, bx), math.Max(ay, by)}
}

// defaultBlock is where a signature block goes by default: the right half
// of the displayed page, in the lower part where the signature block of a
// Vietnamese document usually stands.
func defaultBlock(p pdf.Page, w, h float64) [4]float64 {
	vis := visualBox(p)
	x1 := vis[2] - marginRight - w
	y0 := math.Max(vis[3]*0.18, 72)
	return [4]float64{x1, y0, x1 + w, y0 + h}
}

// visualRect turns a rectangle given in user space (explicit) or in
// displayed-page coordinates (def) into the widget's /Rect in user space.
func visualRect(p pdf.Page, explicit *[4]float64, w, h float64, def [4]float64) [4]float64 {
	if explicit != nil {
		// Explicit rectangles are user-space coordinates; the appearance
		// is centred in them.
		r := *explicit
		cx, cy := (r[0]+r[2])/2, (r[1]+r[3])/2
		if p.Rotate == 90 || p.Rotate == 270 {
			w, h = h, w
		}
		return [4]float64{cx - w/2, cy - h/2, cx + w/2, cy + h/2}
	}
	vx, vy, vw, vh := def[0], def[1], def[2]-def[0], def[3]-def[1]
	ox, oy := p.CropBox[0], p.CropBox[1]
	wu, hu := p.CropBox[2]-p.CropBox[0], p.CropBox[3]-p.CropBox[1]
	switch p.Rotate {
	case 90:
		return [4]float64{ox + wu - vy - vh, oy + vx, ox + wu - vy, oy + vx + vw}
	case 180:
		return [4]float64{ox + wu - vx - vw, oy + hu - vy - vh, ox + wu - vx, oy + hu - vy}
	case 270:
		return [4]float64{ox + vy, oy + hu - vx - vw, ox + vy + vh, oy + hu - vx}
	}
	return [4]float64{ox + vx, oy + vy, ox + vx + vw, oy + vy + vh}
}

// personalSignature picks the signature the agency seal goes with: the
// most recent visible signature whose appearance holds an image (the
// leader's handwriting), on the given page (1-based; 0 any); else the
// most recent visible signature; nil when there is none.
func personalSignature(f *pdf.File, doc *docInfo, page int) *sigWidget {
	var best, fallback *sigWidget
	for _, w := range doc.visible {
		if page > 0 && w.pageIndex != page-1 {
			continue
		}
		if fallback == nil || w.signedEnd >= fallback.signedEnd {
			fallback = w
		}
		if _, ok := signatureImageRect(f, w); ok && (best == nil || w.signedEnd >= best.signedEnd) {
			best = w
		}
	}
	if best != nil {
		return best
	}
	return fallback
}

// signatureImageRect finds the image inside an existing signature's
// appearance (where the signer's handwriting is), in user space; the
// widget's whole rectangle when there is none.
func signatureImageRect(f *pdf.File, w *sigWidget) ([4]float64, bool) {
	rect := w.rect
	apd, _ := f.ResolveDict(w.dict["AP"])
	if apd == nil {
		return rect, false
	}
	o, _ := f.Resolve(apd["N"])
	s, ok := o.(*pdf.Stream)
	if !ok {
		return rect, false
	}
	bbox, ok := f.Rect(s.Dict["BBox"])
	if !ok || bbox[2]-bbox[0] <= 0 || bbox[3]-bbox[1] <= 0 {
		return rect, false
	}
	// The form's /Matrix (a counter-rotation on rotated pages) maps form
	// space before the transformed BBox is fitted to the widget's /Rect
	// (ISO 32000-1 12.5.5).
	form := identity
	if m, _ := f.Resolve(s.Dict["Matrix"]); m != nil {
		if arr, ok := m.(pdf.Array); ok && len(arr) == 6 {
			for i, v := range arr {
				form[i], _ = pdf.AsNumber(v)
			}
		}
	}
	bbox = transformBox(form, bbox)
	if bbox[2]-bbox[0] <= 0 || bbox[3]-bbox[1] <= 0 {
		return rect, false
	}
	data, err := f.Decode(s, 4<<20)
	if err != nil {
		return rect, false
	}
	ops, err := pdf.ContentOps(data)
	if err != nil {
		return rect, false
	}
	res, _ := f.ResolveDict(s.Dict["Resources"])
	xobjs, _ := f.ResolveDict(res["XObject"])
	tr := ctmTracker{ctm: identity}
	found := false
	var box [4]float64
	for _, op := range ops {
		if tr.apply(op) {
			continue
		}
		switch op.Operator {
		case "Do":
			if len(op.Operands) != 1 {
				continue
			}
			n, _ := op.Operands[0].(pdf.Name)
			xo, _ := f.Resolve(xobjs[n])
			xs, ok := xo.(*pdf.Stream)
			if !ok || xs.Dict["Subtype"] != pdf.Name("Image") {
				continue
			}
			b := transformBox(mul(tr.ctm, form), [4]float64{0, 0, 1, 1})
			if !found || (b[2]-b[0])*(b[3]-b[1]) > (box[2]-box[0])*(box[3]-box[1]) {
				box, found = b, true
			}
		}
	}
	if !found {
		return rect, false
	}
	sx := (rect[2] - rect[0]) / (bbox[2] - bbox[0])
	sy := (rect[3] - rect[1]) / (bbox[3] - bbox[1])
	return [4]float64{
		rect[0] + (box[0]-bbox[0])*sx, rect[1] + (box[1]-bbox[1])*sy,
		rect[0] + (box[2]-bbox[0])*sx, rect[1] + (box[3]-bbox[1])*sy,
	}, true
}

func transformBox(m [6]float64, b [4]float64) [4]float64 {
	pts := [][2]float64{{b[0], b[1]}, {b[2], b[1]}, {b[0], b[3]}, {b[2], b[3]}}
	out := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		x := m[0]*p[0] + m[2]*p[1] + m[4]
		y := m[1]*p[0] + m[3]*p[1] + m[5]
		out[0], out[1] = math.Min(out[0], x), math.Min(out[1], y)
		out[2], out[3] = math.Max(out[2], x), math.Max(out[3], y)
	}
	return out
}

// addAppearanceStream writes an appearance as a form XObject with its fonts
// and images; rotate counters the page's /Rotate so that it reads upright.
func addAppearanceStream(u *pdf.Update, a *appearance.Appearance, rotate int) pdf.Ref {
	res := pdf.Dict{}
	if len(a.Fonts) > 0 {
		fd := pdf.Dict{}
		for _, fr := range a.Fonts {
			fd[pdf.Name(fr.ResName)] = appearance.AddFont(u, fr.Font)
		}
		res["Font"] = fd
	}
	if len(a.Images) > 0 {
		xd := pdf.Dict{}
		for name, img := range a.Images {
			xd[pdf.Name(name)] = appearance.AddImage(u, img)
		}
		res["XObject"] = xd
	}
	d := pdf.Dict{
		"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
		"BBox":      pdf.Array{0.0, 0.0, appearance.Round(a.Width), appearance.Round(a.Height)},
		"Resources": res,
		"Filter":    pdf.Name("FlateDecode"),
	}
	switch rotate {
	case 90:
		d["Matrix"] = pdf.Array{int64(0), int64(1), int64(-1), int64(0), int64(0), int64(0)}
	case 180:
		d["Matrix"] = pdf.Array{int64(-1), int64(0), int64(0), int64(-1), int64(0), int64(0)}
	case 270:
		d["Matrix"] = pdf.Array{int64(0), int64(-1), int64(1), int64(0), int64(0), int64(0)}
	}
	return u.Add(&pdf.Stream{Dict: d, Data: appearance.Deflate(a.Content)})
}

// imageAppearance draws img alone, as large as fits w×h and centred: the
// personal signature placed between a title and a name the document
// already prints.
func imageAppearance(img *appearance.Image, w, h float64) (*appearance.Appearance, error) {
	iw, ih := float64(max(img.Width, 1)), float64(max(img.Height, 1))
	scale := math.Min(w/iw, h/ih)
	r := appearance.Rect{W: iw * scale, H: ih * scale}
	r.X, r.Y = (w-r.W)/2, (h-r.H)/2
	c := appearance.NewCanvas(w, h)
	if err := c.DrawImage("Sig", img, r.X, r.Y, r.W, r.H); err != nil {
		return nil, err
	}
	ap, err := c.Appearance()
	if err != nil {
		return nil, err
	}
	ap.ImageRect = r
	return ap, nil
}
