package appearance

import (
	"bytes"
	"compress/zlib"
	"math"

	"github.com/vanthu/vanthu/signing/pdf"
)

// ObjectAdder stores new PDF objects: *pdf.Update and *pdf.Builder.
type ObjectAdder interface {
	Add(pdf.Object) pdf.Ref
}

// AddFont writes an embedded subset font — FontFile2, FontDescriptor,
// CIDFontType2, ToUnicode CMap and the Type0 font — and returns the Type0
// font's reference.
func AddFont(a ObjectAdder, ef EmbeddedFont) pdf.Ref {
	d := ef.Descriptor
	file := a.Add(&pdf.Stream{
		Dict: pdf.Dict{"Length1": int64(len(ef.FontFile2)), "Filter": pdf.Name("FlateDecode")},
		Data: Deflate(ef.FontFile2),
	})
	desc := a.Add(pdf.Dict{
		"Type":        pdf.Name("FontDescriptor"),
		"FontName":    pdf.Name(d.FontName),
		"Flags":       int64(d.Flags),
		"FontBBox":    pdf.Array{Round(d.BBox[0]), Round(d.BBox[1]), Round(d.BBox[2]), Round(d.BBox[3])},
		"ItalicAngle": Round(d.ItalicAngle),
		"Ascent":      Round(d.Ascent),
		"Descent":     Round(d.Descent),
		"CapHeight":   Round(d.CapHeight),
		"StemV":       Round(d.StemV),
		"FontFile2":   file,
	})
	w := make(pdf.Array, 0, 2*len(ef.W))
	for _, run := range ef.W {
		ws := make(pdf.Array, len(run.Widths))
		for i, x := range run.Widths {
			ws[i] = Round(x)
		}
		w = append(w, int64(run.First), ws)
	}
	cid := a.Add(pdf.Dict{
		"Type":     pdf.Name("Font"),
		"Subtype":  pdf.Name(ef.CIDFontType),
		"BaseFont": pdf.Name(ef.BaseFont),
		"CIDSystemInfo": pdf.Dict{
			"Registry":   pdf.String(ef.CIDSystemInfo.Registry),
			"Ordering":   pdf.String(ef.CIDSystemInfo.Ordering),
			"Supplement": int64(ef.CIDSystemInfo.Supplement),
		},
		"FontDescriptor": desc,
		"DW":             Round(ef.DW),
		"W":              w,
		"CIDToGIDMap":    pdf.Name(ef.CIDToGIDMap),
	})
	toUni := a.Add(&pdf.Stream{Dict: pdf.Dict{"Filter": pdf.Name("FlateDecode")}, Data: Deflate(ef.ToUnicode)})
	return a.Add(pdf.Dict{
		"Type":            pdf.Name("Font"),
		"Subtype":         pdf.Name("Type0"),
		"BaseFont":        pdf.Name(ef.BaseFont),
		"Encoding":        pdf.Name(ef.Encoding),
		"DescendantFonts": pdf.Array{cid},
		"ToUnicode":       toUni,
	})
}

// AddImage writes img (and its soft mask) as image XObjects.
func AddImage(a ObjectAdder, img *Image) pdf.Ref {
	d := pdf.Dict{
		"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Image"),
		"Width": int64(img.Width), "Height": int64(img.Height),
		"ColorSpace": pdf.Name(img.ColorSpace), "BitsPerComponent": int64(img.BitsPerComponent),
		"Filter": pdf.Name("FlateDecode"),
	}
	if img.SMask != nil {
		d["SMask"] = AddImage(a, img.SMask)
	}
	return a.Add(&pdf.Stream{Dict: d, Data: img.Data})
}

// Deflate compresses b for a /FlateDecode stream.
func Deflate(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	_, _ = zw.Write(b) // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	return buf.Bytes()
}

// Round keeps three decimals, enough for points and glyph units.
func Round(x float64) float64 { return math.Round(x*1000) / 1000 }
