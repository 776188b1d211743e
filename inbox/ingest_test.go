package inbox_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/inbox/pdftext"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/sample"
)

var (
	envOnce sync.Once
	envPKI  *demopki.PKI
	envErr  error
)

func pki(t testing.TB) *demopki.PKI {
	t.Helper()
	envOnce.Do(func() { envPKI, envErr = demopki.New(demopki.Options{NoServers: true}) })
	if envErr != nil {
		t.Fatal(envErr)
	}
	return envPKI
}

var self = inbox.Organization{Code: "000.00.00.H41", Name: "Ủy ban nhân dân tỉnh Hà Nam"}
var sender = edxml.Organization{OrganID: "000.00.12.G22", OrganName: "Văn phòng Chính phủ"}

func openStore(t testing.TB) *inbox.Store {
	t.Helper()
	s, err := inbox.Open(context.Background(), t.TempDir(), inbox.Options{EncodeStatus: inbox.EncodeStatus, Self: self})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		rep, err := s.Check(context.Background(), inbox.CheckOptions{})
		if err != nil {
			t.Errorf("Check: %v", err)
		} else if !rep.OK() {
			t.Errorf("Check: %+v", rep)
		}
		s.Close()
	})
	return s
}

// memSource serves attachments from memory for the encoder.
type memSource map[edxml.AttachmentRef][]byte

func (m memSource) Open(_ context.Context, a *edxml.Attachment) (io.ReadCloser, error) {
	b, ok := m[a.Ref]
	if !ok {
		return nil, errors.New("no such attachment")
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// signedDispatch makes a dispatch PDF signed by the demo leader.
func signedDispatch(t testing.TB, seed int64) ([]byte, demodoc.Spec) {
	t.Helper()
	spec := demodoc.Example(demodoc.CongVan, seed)
	doc, err := demodoc.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, doc.PDF, 0o600); err != nil {
		t.Fatal(err)
	}
	p := pki(t)
	if _, err := signing.SignPDFFile(context.Background(), in, out, signing.PDFOptions{
		Signer: signing.Signer{Key: p.Leader.Key, Chain: p.Leader.Chain},
	}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data, spec
}

// packet encodes an edoc with the given files.
func packet(t testing.TB, spec demodoc.Spec, number string, files map[string][]byte) []byte {
	t.Helper()
	date := time.Date(2026, 11, 20, 0, 0, 0, 0, edxml.Vietnam)
	e := &edxml.Edoc{}
	e.Header.From = sender
	e.Header.To = []edxml.Organization{{OrganID: self.Code, OrganName: self.Name}}
	id, err := edxml.MakeDocumentID(sender.OrganID, date, number, "VPCP-TTĐT")
	if err != nil {
		t.Fatal(err)
	}
	e.Header.DocumentID = id
	e.Header.Code = edxml.Code{CodeNumber: number, CodeNotation: "VPCP-TTĐT"}
	e.Header.PromulgationInfo = edxml.PromulgationInfo{Place: "Hà Nội", PromulgationDate: edxml.NewDate(date)}
	e.Header.DocumentType = edxml.DocumentType{Type: 1, TypeName: "Công văn"}
	e.Header.Subject = spec.Subject
	e.Header.Content = "Khẩn trương triển khai."
	e.Header.SignerInfo = edxml.SignerInfo{Competence: "KT. BỘ TRƯỞNG", Position: "Thứ trưởng", FullName: "Nguyễn Văn An"}
	e.Header.DueDate = edxml.NewDate(date.AddDate(0, 0, 10))
	e.Header.OtherInfo.Priority = edxml.PriorityUrgent
	e.Trace.TraceHeader = []edxml.TraceHeader{{OrganID: sender.OrganID, Timestamp: edxml.NewDateTime(date)}}
	src := memSource{}
	i := 0
	for name, data := range files {
		i++
		ref := edxml.AttachmentRef(name)
		src[ref] = data
		e.Attachments = append(e.Attachments, edxml.Attachment{ContentID: "att" + string(rune('0'+i)), Name: name, ContentType: "application/pdf", Ref: ref})
	}
	var buf bytes.Buffer
	if err := edxml.EncodeEdoc(context.Background(), &buf, e, src, edxml.EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	cacheOnce sync.Once
	cacheDir  string
	cacheErr  error
)

// extractor returns a text extractor whose compilation cache was filled by
// a process built without the race detector (under -race, compiling PDFium
// in-process takes minutes).
func extractor(t testing.TB) *pdftext.Extractor {
	t.Helper()
	cacheOnce.Do(func() {
		cacheDir = filepath.Join(os.TempDir(), "vanthu-test-pdfium-cache")
		dir, err := os.MkdirTemp("", "warm-")
		if err != nil {
			cacheErr = err
			return
		}
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "startup")
		cmd := exec.Command("go", "build", "-o", bin, "./pdftext/testdata/startup")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			cacheErr = errors.New("building the warm-up: " + err.Error() + ": " + string(out))
			return
		}
		doc, err := demodoc.Generate(demodoc.Example(demodoc.CongVan, 1))
		if err != nil {
			cacheErr = err
			return
		}
		pdf := filepath.Join(dir, "warm.pdf")
		if err := os.WriteFile(pdf, doc.PDF, 0o600); err != nil {
			cacheErr = err
			return
		}
		if out, err := exec.Command(bin, "-cache", cacheDir, pdf).CombinedOutput(); err != nil {
			cacheErr = errors.New("warming the PDFium cache: " + err.Error() + ": " + string(out))
		}
	})
	if cacheErr != nil {
		t.Fatal(cacheErr)
	}
	e, err := pdftext.New(context.Background(), pdftext.Options{CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestImportSignedDispatch(t *testing.T) {
	s := openStore(t)
	pdf, spec := signedDispatch(t, 7)
	data := packet(t, spec, "7816", map[string][]byte{"Công văn 7816.pdf": pdf})
	path := filepath.Join(t.TempDir(), "in.edxml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	im := &inbox.Importer{Store: s, Text: extractor(t), Verify: signing.VerifyOptions{Roots: pki(t).Root.Chain[:1]}}
	res, err := im.ImportFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if res.Duplicate || res.ID == 0 || len(res.Attachments) != 1 {
		t.Fatalf("result %+v", res)
	}
	if got := res.Attachments[0].Verdict; got != "VALID" {
		t.Errorf("attachment verdict %s (%s), want VALID", got, res.Attachments[0].Summary)
	}
	doc, err := s.Get(context.Background(), res.ID)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Subject != spec.Subject || doc.Sender.Code != sender.OrganID || doc.CodeNumber != "7816" || doc.Priority != inbox.PriorityUrgent || doc.State != inbox.StateArrived {
		t.Errorf("stored document %+v", doc)
	}
	if doc.Attachments[0].Verdict != "VALID" || len(doc.Attachments[0].Verification) == 0 {
		t.Errorf("stored verification %q %s", doc.Attachments[0].Verdict, doc.Attachments[0].Verification)
	}
	// The PDF's text is searchable without diacritics: a body phrase that
	// is not in the subject.
	word := firstBodyWords(t, spec)
	hits, err := s.Search(context.Background(), word, inbox.Filter{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].ID != res.ID {
		t.Errorf("search %q: %d hits, want the imported document", word, len(hits))
	}
	// Status 01 to the sender is queued as a real edXML status packet.
	out, err := s.Outbox(context.Background(), res.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].StatusCode != inbox.StatusArrived {
		t.Fatalf("outbox %+v", out)
	}
	st, err := edxml.DecodeStatus(context.Background(), bytes.NewReader(out[0].Payload), edxml.DecodeOptions{})
	if err != nil {
		t.Fatalf("the queued status is not edXML: %v", err)
	}
	if st.StatusCode != edxml.StatusArrived || st.ResponseFor.DocumentID != doc.DocumentID || st.From.OrganID != self.Code {
		t.Errorf("status packet %+v", st)
	}

	// The same packet again: recognised, not stored twice.
	again, err := im.ImportFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || again.ID != res.ID {
		t.Errorf("second import %+v, want a duplicate of %d", again, res.ID)
	}
	list, _, err := s.List(context.Background(), inbox.Filter{}, inbox.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("%d documents after a duplicate import, want 1", len(list))
	}

	// Export as edXML: it decodes to the same metadata and the same file.
	var packetOut bytes.Buffer
	if err := s.ExportEdxml(context.Background(), res.ID, &packetOut, edxml.EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	e2, err := edxml.DecodeEdoc(context.Background(), bytes.NewReader(packetOut.Bytes()), collect(files), edxml.DecodeOptions{})
	if err != nil {
		t.Fatalf("exported packet: %v", err)
	}
	if e2.Header.DocumentID != doc.DocumentID || e2.Header.Subject != spec.Subject || !bytes.Equal(files["Công văn 7816.pdf"], pdf) {
		t.Errorf("exported packet differs: %s, %d files", e2.Header.DocumentID, len(files))
	}
	// Export as ZIP: the file, its verification, the metadata.
	var zbuf bytes.Buffer
	if err := s.ExportZip(context.Background(), res.ID, &zbuf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zbuf.Bytes()), int64(zbuf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	for _, want := range []string{"Công văn 7816.pdf", "verification/Công văn 7816.pdf.json", "metadata.json"} {
		if !names[want] {
			t.Errorf("ZIP lacks %s (has %v)", want, names)
		}
	}
}

func firstBodyWords(t testing.TB, spec demodoc.Spec) string {
	t.Helper()
	for _, p := range spec.Body {
		words := strings.Fields(p)
		if len(words) >= 6 {
			return strings.Join(words[2:5], " ")
		}
	}
	t.Fatal("no body paragraph")
	return ""
}

type collectSink map[string][]byte

func collect(m map[string][]byte) collectSink { return collectSink(m) }

func (c collectSink) Put(_ context.Context, a edxml.AttachmentInfo, r io.Reader) (edxml.AttachmentRef, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	c[a.Name] = b
	sum := sha256.Sum256(b)
	return edxml.AttachmentRef(hex.EncodeToString(sum[:])), nil
}

func (c collectSink) Discard(context.Context, edxml.AttachmentRef) error { return nil }

func TestImportBadPacketStoresNothing(t *testing.T) {
	s := openStore(t)
	im := &inbox.Importer{Store: s}
	good := packet(t, demodoc.Example(demodoc.CongVan, 3), "12", map[string][]byte{"a.pdf": []byte("%PDF-1.7 not much")})
	cases := map[string][]byte{
		"truncated":       good[:len(good)/2],
		"wrong namespace": bytes.ReplaceAll(good, []byte("http://www.mic.gov.vn/TBT/QCVN_102_2016"), []byte("http://example.com/x")),
		"doctype":         append([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>`), good[bytes.Index(good, []byte("<edXML")):]...),
		"unsafe name":     bytes.ReplaceAll(good, []byte("a.pdf"), []byte("../../a.pdf")),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := im.Import(context.Background(), bytes.NewReader(data))
			if !errors.Is(err, edxml.ErrBadPacket) {
				t.Fatalf("got %v, want a packet fault", err)
			}
			list, _, _ := s.List(context.Background(), inbox.Filter{}, inbox.Page{Limit: 10})
			if len(list) != 0 {
				t.Errorf("%d documents stored from a bad packet", len(list))
			}
		})
	}
}

func TestImportStatusPackets(t *testing.T) {
	s := openStore(t)
	im := &inbox.Importer{Store: s}
	data := packet(t, demodoc.Example(demodoc.CongVan, 4), "99", map[string][]byte{"a.pdf": []byte("%PDF-1.7 x")})
	res, err := im.Import(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := s.Get(context.Background(), res.ID)
	// The sender asks for it back (13): a pending recall decision.
	var buf bytes.Buffer
	if err := edxml.EncodeStatus(&buf, &edxml.Status{
		ResponseFor: edxml.ResponseFor{OrganID: sender.OrganID, DocumentID: doc.DocumentID, Code: "99/VPCP-TTĐT"},
		From:        sender, StatusCode: edxml.StatusRecallRequest, Description: "Văn bản ban hành nhầm",
		Timestamp: edxml.NewDateTime(time.Now()),
	}); err != nil {
		t.Fatal(err)
	}
	st, err := im.Import(context.Background(), bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if st.Kind != "status" || st.ID != res.ID {
		t.Errorf("status import %+v", st)
	}
	doc, _ = s.Get(context.Background(), res.ID)
	if doc.State != inbox.StateRecallRequested || doc.RecallReason != "Văn bản ban hành nhầm" {
		t.Errorf("after 13: state %s, reason %q", doc.State, doc.RecallReason)
	}
}

// TestImportManyWorkers imports a batch of document packets on several
// workers, with a bad packet, a packet twice and a recall request in it:
// each result belongs to its own packet, the bad one is refused alone,
// the second copy is a duplicate, every document is stored once in the
// one transaction, and the status packet is applied as it comes (before
// the batch's documents exist: the document it names is not found).
func TestImportManyWorkers(t *testing.T) {
	s := openStore(t)
	im := &inbox.Importer{Store: s, Workers: 4}
	const n = 24
	var packets [][]byte
	for i := range n {
		packets = append(packets, packet(t, demodoc.Example(demodoc.CongVan, int64(i+10)), fmt.Sprint(500+i),
			map[string][]byte{"a.pdf": sample.SimplePDF(1 + i%3)}))
	}
	bad := bytes.ReplaceAll(packets[5], []byte("a.pdf"), []byte("../a.pdf"))
	var recall bytes.Buffer
	if err := edxml.EncodeStatus(&recall, &edxml.Status{
		ResponseFor: edxml.ResponseFor{OrganID: sender.OrganID, DocumentID: sender.OrganID + ",2026/11/20,507/VPCP-TTĐT"},
		From:        sender, StatusCode: edxml.StatusRecallRequest, Description: "Ban hành nhầm",
		Timestamp: edxml.NewDateTime(time.Now()),
	}); err != nil {
		t.Fatal(err)
	}
	batch := append(slices.Clone(packets[:5]), bad)
	batch = append(batch, packets[6:12]...)
	batch = append(batch, recall.Bytes(), packets[3])
	batch = append(batch, packets[12:]...)
	readers := make([]io.ReadSeeker, len(batch))
	for i, p := range batch {
		readers[i] = bytes.NewReader(p)
	}
	res, errs, err := im.ImportMany(context.Background(), readers)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	for i, p := range batch {
		switch {
		case i == 5:
			if !errors.Is(errs[i], edxml.ErrBadPacket) {
				t.Errorf("packet %d (bad): got %v, want a packet fault", i, errs[i])
			}
			continue
		case i == 12:
			if !errors.Is(errs[i], inbox.ErrNotFound) {
				t.Errorf("packet %d (recall of a document of this batch): got %v, want not found", i, errs[i])
			}
			continue
		case errs[i] != nil:
			t.Errorf("packet %d: %v", i, errs[i])
			continue
		}
		e, err := edxml.DecodeEdoc(context.Background(), bytes.NewReader(p), nil, edxml.DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res[i].DocumentID != e.Header.DocumentID {
			t.Errorf("packet %d: result for %s, want %s", i, res[i].DocumentID, e.Header.DocumentID)
		}
		if i == 13 {
			if !res[i].Duplicate {
				t.Errorf("packet %d (a second copy): not a duplicate", i)
			}
			continue
		}
		if res[i].Duplicate || ids[res[i].ID] {
			t.Errorf("packet %d: duplicate %v, id %d seen before %v", i, res[i].Duplicate, res[i].ID, ids[res[i].ID])
		}
		ids[res[i].ID] = true
	}
	list, _, err := s.List(context.Background(), inbox.Filter{}, inbox.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n-1 || len(ids) != n-1 {
		t.Errorf("%d documents stored, %d results; want %d", len(list), len(ids), n-1)
	}
}

// TestJoinPrepared prepares packets one at a time on several goroutines,
// joins them (a second copy among them) and commits them at once: each
// result in its packet's place, the copy a duplicate, every document
// stored.
func TestJoinPrepared(t *testing.T) {
	s := openStore(t)
	im := &inbox.Importer{Store: s}
	const n = 8
	var packets [][]byte
	for i := range n {
		packets = append(packets, packet(t, demodoc.Example(demodoc.CongVan, int64(i+40)), fmt.Sprint(700+i),
			map[string][]byte{"a.pdf": sample.SimplePDF(1 + i%3)}))
	}
	packets = append(packets, packets[2]) // a second copy, prepared before the first is stored
	parts := make([]*inbox.Prepared, len(packets))
	var wg sync.WaitGroup
	for i, p := range packets {
		wg.Go(func() {
			var err error
			if parts[i], err = im.Prepare(context.Background(), []io.ReadSeeker{bytes.NewReader(p)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if inbox.JoinPrepared() != nil {
		t.Error("nothing joined is not nil")
	}
	res, errs, err := inbox.JoinPrepared(parts...).Commit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(packets) {
		t.Fatalf("%d results for %d packets", len(res), len(packets))
	}
	for i, p := range packets {
		if errs[i] != nil {
			t.Fatalf("packet %d: %v", i, errs[i])
		}
		e, err := edxml.DecodeEdoc(context.Background(), bytes.NewReader(p), nil, edxml.DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res[i].DocumentID != e.Header.DocumentID {
			t.Errorf("packet %d: result for %s, want %s", i, res[i].DocumentID, e.Header.DocumentID)
		}
		if dup := i == n; res[i].Duplicate != dup || dup && res[i].ID != res[2].ID {
			t.Errorf("packet %d: duplicate %v (id %d), want %v", i, res[i].Duplicate, res[i].ID, dup)
		}
	}
	list, _, err := s.List(context.Background(), inbox.Filter{}, inbox.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n {
		t.Errorf("%d documents stored, want %d", len(list), n)
	}
}

// Attachments up to a megabyte are checked from memory, larger ones from
// their files; both give the signatures' verdict, and a changed byte is
// caught either way.
func TestImportChecksSmallAndLargeAttachments(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sign := func(in string) []byte {
		t.Helper()
		out := in + ".signed.pdf"
		if _, err := signing.SignPDFFile(ctx, in, out, signing.PDFOptions{
			Signer: signing.Signer{Key: pki(t).Leader.Key, Chain: pki(t).Leader.Chain}}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	small := filepath.Join(dir, "small.pdf")
	large := filepath.Join(dir, "large.pdf")
	if err := sample.WriteLargePDF(small, 40<<10, 1); err != nil {
		t.Fatal(err)
	}
	if err := sample.WriteLargePDF(large, 1300<<10, 2); err != nil {
		t.Fatal(err)
	}
	signedSmall, signedLarge := sign(small), sign(large)
	if len(signedSmall) > 1<<20 || len(signedLarge) <= 1<<20 {
		t.Fatalf("sizes %d and %d do not straddle a megabyte", len(signedSmall), len(signedLarge))
	}
	tamper := func(b []byte) []byte {
		b = bytes.Clone(b)
		i := bytes.Index(b, []byte("stream\n")) + 20
		b[i] ^= 0x01
		return b
	}
	s := openStore(t)
	im := &inbox.Importer{Store: s, Verify: signing.VerifyOptions{Roots: pki(t).Root.Chain[:1]}}
	_, spec := signedDispatch(t, 11)
	for i, tt := range []struct {
		name string
		pdf  []byte
		want string
	}{
		{"small", signedSmall, "VALID"},
		{"large", signedLarge, "VALID"},
		{"small, changed", tamper(signedSmall), "INVALID"},
		{"large, changed", tamper(signedLarge), "INVALID"},
	} {
		res, err := im.Import(ctx, bytes.NewReader(packet(t, spec, fmt.Sprint(900+i), map[string][]byte{"phu-luc.pdf": tt.pdf})))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := res.Attachments[0].Verdict; got != tt.want {
			t.Errorf("%s: verdict %s (%s), want %s", tt.name, got, res.Attachments[0].Summary, tt.want)
		}
	}
}
