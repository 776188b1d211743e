package signing

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/vanthu/vanthu/signing/cms"
	"github.com/vanthu/vanthu/signing/pdf"
	"github.com/vanthu/vanthu/signing/tsp"
)

// oidSignatureTimeStampToken is id-aa-signatureTimeStampToken (RFC 3161 appendix A).
var oidSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// SignResult describes a signature the engine made.
type SignResult struct {
	Field     string
	Page      int // 1-based; 0 for an invisible signature
	Rect      [4]float64
	ByteRange [4]int64
	SignedAt  time.Time // the claimed time (/M)
	Timestamp time.Time // the timestamp's time for B-T, else zero
	Size      int64     // of the signed file
}

// errReserve asks the caller to redo the signature with a larger /Contents.
type errReserve struct{ need int }

func (e errReserve) Error() string {
	return fmt.Sprintf("signature needs %d bytes of /Contents", e.need)
}

// SignPDFFile signs the PDF at inPath into outPath. The output is written to
// a temporary file beside outPath, re-opened and verified, and only then
// renamed to outPath; inPath is never modified.
func SignPDFFile(ctx context.Context, inPath, outPath string, opts PDFOptions) (*SignResult, error) {
	if same, err := sameFile(inPath, outPath); err != nil {
		return nil, err
	} else if same {
		return nil, errors.New("the output must be a different file from the input (the input is never modified)")
	}
	in, err := os.Open(inPath)
	if err != nil {
		return nil, fmt.Errorf("cannot open the input: %w", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", inPath)
	}
	return writeAtomically(outPath, func(tmp *os.File) (*SignResult, error) {
		return SignPDF(ctx, in, st.Size(), tmp, opts)
	})
}

// SignPDF signs the PDF in r (size bytes) and writes the signed file to out,
// which must be empty; on success out holds the complete signed file, which
// SignPDF has re-read and verified.
func SignPDF(ctx context.Context, r io.ReaderAt, size int64, out *os.File, opts PDFOptions) (res *SignResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("internal error while signing; nothing was written (%v)", p)
		}
	}()
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	reserve := estimateContents(opts)
	for attempt := 0; ; attempt++ {
		res, err := signPDF(ctx, r, size, out, opts, reserve)
		var more errReserve
		if errors.As(err, &more) && attempt < 2 {
			reserve = more.need + 2048
			if err := out.Truncate(0); err != nil {
				return nil, err
			}
			if _, err := out.Seek(0, io.SeekStart); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := checkSigned(ctx, out, res); err != nil {
			return nil, fmt.Errorf("the signed file failed its own verification, nothing was written: %w", err)
		}
		return res, nil
	}
}

// estimateContents returns the bytes to reserve for the CMS signature.
func estimateContents(opts PDFOptions) int {
	n := 2500
	for _, c := range opts.Signer.Chain {
		n += len(c.Raw) + 8
	}
	switch k := opts.Signer.Key.Public().(type) {
	case *rsa.PublicKey:
		n += k.Size()
	case *ecdsa.PublicKey:
		n += 2*((k.Curve.Params().BitSize+7)/8) + 16
	default:
		n += 1024
	}
	if opts.Level == LevelBT {
		n += 8192
		for _, c := range opts.TSA.TSACerts {
			n += len(c.Raw)
		}
	}
	return n
}

func signPDF(ctx context.Context, r io.ReaderAt, size int64, out *os.File, opts PDFOptions, reserve int) (*SignResult, error) {
	f, err := pdf.Open(r, size)
	if err != nil {
		return nil, fmt.Errorf("cannot read the PDF: %w", err)
	}
	doc, err := inspect(f)
	if err != nil {
		return nil, fmt.Errorf("cannot read the PDF: %w", err)
	}
	if doc.docMDP == 1 {
		return nil, errors.New("the document is certified with \"no changes allowed\": it cannot be signed again")
	}
	if opts.Certify && doc.signatures > 0 {
		return nil, errors.New("only the first signature of a document can certify it, and this document is already signed")
	}

	u := pdf.NewUpdate(f)
	res := &SignResult{SignedAt: opts.Time}
	res.Field = opts.FieldName
	if res.Field == "" {
		res.Field = doc.freeFieldName()
	} else if doc.fieldNames[res.Field] {
		return nil, fmt.Errorf("the document already has a field named %q", res.Field)
	}

	sig := pdf.Dict{
		"Type":      pdf.Name("Sig"),
		"Filter":    pdf.Name("Adobe.PPKLite"),
		"SubFilter": pdf.Name("ETSI.CAdES.detached"),
		"ByteRange": pdf.Placeholder{ID: "ByteRange", Width: 48},
		"Contents":  pdf.Placeholder{ID: "Contents", Width: reserve, Hex: true},
		"M":         pdf.String(pdfDate(opts.Time)),
	}
	if opts.Reason != "" {
		sig["Reason"] = textString(opts.Reason)
	}
	if opts.Location != "" {
		sig["Location"] = textString(opts.Location)
	}
	if opts.Contact != "" {
		sig["ContactInfo"] = textString(opts.Contact)
	}
	if opts.Certify {
		sig["Reference"] = pdf.Array{pdf.Dict{
			"Type":            pdf.Name("SigRef"),
			"TransformMethod": pdf.Name("DocMDP"),
			"TransformParams": pdf.Dict{
				"Type": pdf.Name("TransformParams"),
				"P":    int64(opts.CertifyPermission),
				"V":    pdf.Name("1.2"),
			},
		}}
	}
	sigRef := u.Add(pdf.OrderedDict{Dict: sig, Order: []pdf.Name{"Type", "Filter", "SubFilter", "ByteRange", "Contents", "M"}})

	place, err := placeAppearance(ctx, f, doc, u, opts)
	if err != nil {
		return nil, err
	}
	res.Page = place.page
	res.Rect = place.rect

	widget := pdf.Dict{
		"Type":    pdf.Name("Annot"),
		"Subtype": pdf.Name("Widget"),
		"FT":      pdf.Name("Sig"),
		"T":       textString(res.Field),
		"V":       sigRef,
		"F":       int64(132), // Print | Locked
		"P":       doc.pages[place.pageIndex].Ref,
		"Rect":    pdf.Array{place.rect[0], place.rect[1], place.rect[2], place.rect[3]},
		"AP":      pdf.Dict{"N": place.ap},
	}
	widgetRef := u.Add(widget)
	if err := addToPage(f, u, doc.pages[place.pageIndex], widgetRef); err != nil {
		return nil, err
	}
	if err := addToAcroForm(f, u, doc, widgetRef, opts, sigRef); err != nil {
		return nil, err
	}

	enc, err := u.Encode()
	if err != nil {
		return nil, err
	}
	return finishSignature(ctx, r, size, out, enc, opts, res)
}

// finishSignature fills in the ByteRange, streams the digest, signs, and
// writes the original bytes followed by the update to out.
func finishSignature(ctx context.Context, r io.ReaderAt, size int64, out *os.File, enc *pdf.Encoded, opts PDFOptions, res *SignResult) (*SignResult, error) {
	cs := enc.Placeholders["Contents"]
	brs := enc.Placeholders["ByteRange"]
	total := enc.Base + int64(len(enc.Data))
	br := [4]int64{0, cs.Start, cs.End, total - cs.End}
	brText := fmt.Sprintf("[0 %d %d %d]", br[1], br[2], br[3])
	if int64(len(brText)) > brs.End-brs.Start {
		return nil, errors.New("internal error: ByteRange does not fit its placeholder")
	}
	copy(enc.Data[brs.Start-enc.Base:], brText)

	h := opts.Hash.New()
	if err := copyAndHash(ctx, out, r, size, h); err != nil {
		return nil, err
	}
	// Bytes between the end of the original and the update (none) and the
	// update itself, minus the /Contents hole.
	h.Write(enc.Data[:cs.Start-enc.Base])
	h.Write(enc.Data[cs.End-enc.Base:])
	digest := h.Sum(nil)

	sd, err := cms.SignDigest(digest, opts.Signer.Key, opts.Signer.Chain, cms.SignOptions{Hash: opts.Hash, PSS: opts.PSS})
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	if opts.Level == LevelBT {
		if len(sd.Signers) != 1 {
			return nil, errors.New("internal error: expected one signer")
		}
		token, tok, err := signatureTimestamp(ctx, opts, sd.Signers[0].SignatureValue())
		if err != nil {
			return nil, fmt.Errorf("getting the timestamp: %w", err)
		}
		if err := sd.AddUnsignedAttribute(oidSignatureTimeStampToken, token); err != nil {
			return nil, err
		}
		res.Timestamp = tok.GenTime
	}
	der, err := sd.Marshal()
	if err != nil {
		return nil, err
	}
	room := int(cs.End-cs.Start-2) / 2
	if len(der) > room {
		return nil, errReserve{need: len(der)}
	}
	hex.Encode(enc.Data[cs.Start-enc.Base+1:], der)
	if _, err := out.Write(enc.Data); err != nil {
		return nil, fmt.Errorf("writing the signed file: %w", err)
	}
	res.ByteRange = br
	res.Size = total
	return res, nil
}

// signatureTimestamp asks opts.TSA for a timestamp over a signature value
// (RFC 3161 appendix A), hashed with the client's hash or else opts.Hash.
// The caller's client is not modified: it may be shared by concurrent
// signers.
func signatureTimestamp(ctx context.Context, opts PDFOptions, sigValue []byte) ([]byte, *tsp.Token, error) {
	c := *opts.TSA
	if c.Hash == 0 {
		c.Hash = opts.Hash
	}
	h := c.Hash.New()
	h.Write(sigValue)
	return c.Timestamp(ctx, h.Sum(nil))
}

// copyAndHash copies n bytes of r to w and feeds them to h, hashing one
// chunk while the next is copied.
func copyAndHash(ctx context.Context, w io.Writer, r io.ReaderAt, n int64, h hash.Hash) error {
	const chunk = 1 << 20
	bufs := [2][]byte{make([]byte, chunk), make([]byte, chunk)}
	done := make(chan struct{}, 1)
	done <- struct{}{}
	for off, i := int64(0), 0; off < n; i ^= 1 {
		if err := ctx.Err(); err != nil {
			<-done
			return err
		}
		m := int64(chunk)
		if off+m > n {
			m = n - off
		}
		b := bufs[i][:m]
		if _, err := r.ReadAt(b, off); err != nil && (!errors.Is(err, io.EOF) || off+m != n) {
			<-done
			return fmt.Errorf("reading the input: %w", err)
		}
		<-done // the previous chunk is hashed; its buffer is free again
		go func() {
			h.Write(b)
			done <- struct{}{}
		}()
		if _, err := w.Write(b); err != nil {
			<-done
			return fmt.Errorf("writing the signed file: %w", err)
		}
		off += m
	}
	<-done
	return nil
}

// pdfDate formats t as a PDF date string.
func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign = '-'
		off = -off
	}
	return fmt.Sprintf("D:%s%c%02d'%02d'", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

// textString encodes s as a PDF text string: PDFDocEncoding when it is
// ASCII, else UTF-16BE with a byte order mark.
func textString(s string) pdf.String {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			ascii = false
			break
		}
	}
	if ascii {
		return pdf.String(s)
	}
	b := []byte{0xfe, 0xff}
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			hi, lo := 0xd800+(r>>10), 0xdc00+(r&0x3ff)
			b = append(b, byte(hi>>8), byte(hi), byte(lo>>8), byte(lo))
			continue
		}
		b = append(b, byte(r>>8), byte(r))
	}
	return pdf.String(b)
}

func itoa(n int) string { return strconv.Itoa(n) }
