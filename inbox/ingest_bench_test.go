package inbox_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/sample"
)

// metadataPacket is a document packet without attachments.
func metadataPacket(b *testing.B, i int) []byte {
	b.Helper()
	spec := demodoc.Example(demodoc.Kind(i%4), int64(i))
	date := time.Date(2026, 1+time.Month(i%12), 1+i%28, 0, 0, 0, 0, edxml.Vietnam)
	e := &edxml.Edoc{}
	e.Header.From = edxml.Organization{OrganID: spec.AgencyCode, OrganName: spec.Agency}
	e.Header.To = []edxml.Organization{{OrganID: self.Code, OrganName: self.Name}}
	id, err := edxml.MakeDocumentID(spec.AgencyCode, date, fmt.Sprint(i), spec.Notation)
	if err != nil {
		b.Fatal(err)
	}
	e.Header.DocumentID = id
	e.Header.Code = edxml.Code{CodeNumber: fmt.Sprint(i), CodeNotation: spec.Notation}
	e.Header.PromulgationInfo = edxml.PromulgationInfo{Place: spec.Place, PromulgationDate: edxml.NewDate(date)}
	e.Header.DocumentType = edxml.DocumentType{Type: 1, TypeName: "Công văn"}
	e.Header.Subject = spec.Subject
	e.Header.Content = spec.Body[0]
	e.Header.SignerInfo = edxml.SignerInfo{Position: spec.SignerTitle, FullName: spec.SignerName}
	var buf bytes.Buffer
	if err := edxml.EncodeEdoc(context.Background(), &buf, e, memSource{}, edxml.EncodeOptions{}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkImportMetadataOnly imports packets without attachments: decode,
// duplicate check, one committed transaction each (document, search index,
// audit entry, status 01 in the outbox).
func BenchmarkImportMetadataOnly(b *testing.B) {
	s := openStore(b)
	im := &inbox.Importer{Store: s}
	const n = 2000
	packets := make([][]byte, n)
	for i := range packets {
		packets[i] = metadataPacket(b, i)
	}
	i := 0
	for b.Loop() {
		if i == n {
			b.StopTimer()
			s = openStore(b)
			im = &inbox.Importer{Store: s}
			i = 0
			b.StartTimer()
		}
		if _, err := im.Import(context.Background(), bytes.NewReader(packets[i])); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkImportSignedPDF imports packets carrying a signed PDF of about
// 1 MB: decode, blob write with fsync, signature verification and text
// extraction, then the transaction.
func BenchmarkImportSignedPDF(b *testing.B) {
	s := openStore(b)
	p := pki(b)
	dir := b.TempDir()
	// A dispatch with a large scanned-looking image: about 1 MB.
	in := filepath.Join(dir, "big.pdf")
	if err := sample.WriteLargePDF(in, 1<<20, 1); err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "signed.pdf")
	if _, err := signing.SignPDFFile(context.Background(), in, out, signing.PDFOptions{
		Signer: signing.Signer{Key: p.Leader.Key, Chain: p.Leader.Chain},
	}); err != nil {
		b.Fatal(err)
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	im := &inbox.Importer{Store: s, Text: extractor(b), Verify: signing.VerifyOptions{Roots: p.Root.Chain[:1]}}
	spec := demodoc.Example(demodoc.CongVan, 1)
	i := 0
	var packets [][]byte
	for range 20 {
		packets = append(packets, packet(b, spec, fmt.Sprint(5000+len(packets)), map[string][]byte{"scan.pdf": pdf}))
	}
	b.SetBytes(int64(len(pdf)))
	b.ResetTimer()
	for b.Loop() {
		if i == len(packets) {
			b.StopTimer()
			s = openStore(b)
			im.Store = s
			i = 0
			b.StartTimer()
		}
		res, err := im.Import(context.Background(), bytes.NewReader(packets[i]))
		if err != nil {
			b.Fatal(err)
		}
		if res.Attachments[0].Verdict != "VALID" {
			b.Fatalf("verdict %s", res.Attachments[0].Verdict)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkImportMetadataBatch imports the same packets 100 at a time, one
// transaction per batch (as `vanthuctl inbox import` and the sync engine do).
func BenchmarkImportMetadataBatch(b *testing.B) {
	s := openStore(b)
	im := &inbox.Importer{Store: s}
	const n, batch = 2000, 100
	packets := make([][]byte, n)
	for i := range packets {
		packets[i] = metadataPacket(b, i)
	}
	i := 0
	for b.Loop() {
		if i+batch > n {
			b.StopTimer()
			s = openStore(b)
			im = &inbox.Importer{Store: s}
			i = 0
			b.StartTimer()
		}
		rs := make([]io.ReadSeeker, batch)
		for k := range rs {
			rs[k] = bytes.NewReader(packets[i+k])
		}
		_, errs, err := im.ImportMany(context.Background(), rs)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range errs {
			if e != nil {
				b.Fatal(e)
			}
		}
		i += batch
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "packets/s")
}
