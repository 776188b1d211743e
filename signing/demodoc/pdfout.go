package demodoc

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"slices"
	"unicode/utf16"

	"github.com/vanthu/vanthu/signing/appearance"
	"github.com/vanthu/vanthu/signing/pdf"
)

// writePDF assembles the painted pages: one content stream per page, all
// pages sharing the canvas's subset fonts.
func writePDF(p *painter, s Spec) ([]byte, error) {
	content := p.canvas.Content()
	fonts, err := p.canvas.Fonts()
	if err != nil {
		return nil, fmt.Errorf("embedding the fonts: %w", err)
	}
	var b pdf.Builder
	catalog := b.Reserve()
	pages := b.Reserve()
	fontDict := pdf.Dict{}
	for _, f := range fonts {
		fontDict[pdf.Name(f.ResName)] = appearance.AddFont(&b, f.Font)
	}
	resources := b.Add(pdf.Dict{"Font": fontDict, "ProcSet": pdf.Array{pdf.Name("PDF"), pdf.Name("Text")}})
	kids := make(pdf.Array, 0, len(p.pages))
	for _, pg := range p.pages {
		data, err := deflate(slices.Concat(content[pg.start:pg.end], pg.paths.Bytes()))
		if err != nil {
			return nil, err
		}
		contents := b.Add(&pdf.Stream{Dict: pdf.Dict{"Filter": pdf.Name("FlateDecode")}, Data: data})
		kids = append(kids, b.Add(pdf.Dict{
			"Type":      pdf.Name("Page"),
			"Parent":    pages,
			"MediaBox":  pdf.Array{int64(0), int64(0), pageWidth, pageHeight},
			"Resources": resources,
			"Contents":  contents,
		}))
	}
	b.Set(pages, pdf.Dict{"Type": pdf.Name("Pages"), "Kids": kids, "Count": int64(len(kids))})
	b.Set(catalog, pdf.Dict{"Type": pdf.Name("Catalog"), "Pages": pages, "Lang": pdf.String("vi-VN")})
	info := pdf.Dict{
		"Title":    textString(s.Subject),
		"Subject":  textString(s.Kind.String() + " " + numberLine(s)),
		"Author":   textString(oneLine(s.Agency)),
		"Creator":  pdf.String("Vanthu"),
		"Producer": pdf.String("Vanthu demodoc"),
	}
	if !s.Date.IsZero() {
		info["CreationDate"] = pdf.String(s.Date.Format("D:20060102"))
	}
	out, err := b.Bytes("1.7", catalog, b.Add(info))
	if err != nil {
		return nil, fmt.Errorf("writing the PDF: %w", err)
	}
	return out, nil
}

// textString encodes a PDF text string: ASCII as is, anything else as
// UTF-16BE with a byte order mark.
func textString(s string) pdf.String {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return pdf.String(s)
	}
	out := []byte{0xfe, 0xff}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u>>8), byte(u))
	}
	return pdf.String(out)
}

func deflate(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.DefaultCompression)
	if err != nil {
		return nil, fmt.Errorf("compressing a stream: %w", err)
	}
	if _, err := zw.Write(data); err != nil {
		return nil, fmt.Errorf("compressing a stream: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing a stream: %w", err)
	}
	return buf.Bytes(), nil
}
