// Package appearance builds the visible part of a signature: the form XObject
// content of a signature widget, with the fonts and images it uses.
//
// It produces plain data (bytes and numbers), never PDF objects, so that the PDF
// writer can turn each value into an object mechanically:
//
//   - a [Font] is a parsed TrueType font; text is drawn with 2-byte glyph ids, and
//     each font a [Canvas] used becomes an [EmbeddedFont]: a Type0 font with
//     Identity-H encoding whose one descendant is a CIDFontType2 with
//     CIDToGIDMap /Identity, a /W array, a FontDescriptor with the subset
//     TrueType program as FontFile2, and a ToUnicode CMap (see [EmbeddedFont]);
//   - an [Image] holds Flate-compressed 8-bit samples and an optional soft mask
//     (see [Image]);
//   - an [Appearance] is the form XObject: BBox [0 0 Width Height], the content
//     stream, and the resources it names.
//
// The layouts [Personal], [Agency], [Stamp] and [Text] follow Decree
// 30/2020/NĐ-CP, Appendix I: the leader's signature image between the position
// and the name, the agency's seal, and the number/notation and signing time at
// the top right of an appendix or an electronic copy.
package appearance
