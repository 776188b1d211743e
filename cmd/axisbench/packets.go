package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/demopki"
)

// org is an agency on the benchmark's axis.
type org struct{ Code, Name string }

// The agencies of the benchmark: the senders, the desk whose sync is
// timed and the system whose queue is listed under load.
var (
	senders = []org{
		{"000.00.12.G22", "Văn phòng Chính phủ"},
		{"000.00.00.G10", "Bộ Tài chính"},
		{"000.00.00.G12", "Bộ Nội vụ"},
		{"000.00.00.H40", "Ủy ban nhân dân tỉnh Nghệ An"},
	}
	deskOrg = org{"000.00.00.H41", "Ủy ban nhân dân tỉnh Hà Nam"}
	listOrg = org{"000.00.00.H26", "Ủy ban nhân dân tỉnh Hà Tĩnh"}
)

// poolSize is how many signed dispatches the packets take turns with.
const poolSize = 32

// packetMaker makes document packets of about a given size, as a province
// receives them: a công văn laid out by demodoc (text in embedded fonts)
// and signed by the demo PKI's leader, plus a scanned appendix (a grey
// image of pseudo-random samples, which does not compress) sized so that
// the whole packet comes to the size asked for. The signed dispatches
// come from a pool of poolSize; every appendix, and so every packet, is
// different.
type packetMaker struct {
	pki      *demopki.PKI
	pool     [][]byte
	scanSize int // bytes of the appendix PDF
}

// newPacketMaker signs the pool and sizes the appendix so that a packet
// has about size bytes (at least the dispatch's own size).
func newPacketMaker(ctx context.Context, dir string, size int) (*packetMaker, error) {
	pki, err := demopki.New(demopki.Options{NoServers: true})
	if err != nil {
		return nil, err
	}
	m := &packetMaker{pki: pki}
	for i := range poolSize {
		pdf, err := m.signedDispatch(ctx, dir, i)
		if err != nil {
			pki.Close()
			return nil, err
		}
		m.pool = append(m.pool, pdf)
	}
	// The appendix travels zipped and in base64: about 4/3 of its size.
	m.scanSize = 0
	base, err := m.packet(0, deskOrg)
	if err != nil {
		pki.Close()
		return nil, err
	}
	if left := size - len(base); left > 3*1024 {
		m.scanSize = left * 3 / 4
		for range 3 { // converge on the size
			p, err := m.packet(0, deskOrg)
			if err != nil {
				pki.Close()
				return nil, err
			}
			m.scanSize += (size - len(p)) * 3 / 4
		}
	}
	return m, nil
}

// Close releases the PKI.
func (m *packetMaker) Close() { m.pki.Close() }

// RootPEM writes the PKI's root certificate, which the desk trusts.
func (m *packetMaker) RootPEM(path string) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: m.pki.Root.Cert.Raw}), 0o600)
}

func (m *packetMaker) signedDispatch(ctx context.Context, dir string, i int) ([]byte, error) {
	spec := demodoc.Example(demodoc.CongVan, int64(i+1))
	doc, err := demodoc.Generate(spec)
	if err != nil {
		return nil, err
	}
	in, out := filepath.Join(dir, "dispatch.pdf"), filepath.Join(dir, "dispatch-signed.pdf")
	defer os.Remove(in)
	defer os.Remove(out)
	if err := os.WriteFile(in, doc.PDF, 0o600); err != nil {
		return nil, err
	}
	if _, err := signing.SignPDFFile(ctx, in, out, signing.PDFOptions{
		Signer: signing.Signer{Key: m.pki.Leader.Key, Chain: m.pki.Leader.Chain},
	}); err != nil {
		return nil, fmt.Errorf("signing a dispatch: %w", err)
	}
	return os.ReadFile(out)
}

// packet returns packet number i to one recipient: from one of the
// senders, with a DocumentId of its own.
func (m *packetMaker) packet(i int, to org) ([]byte, error) {
	from := senders[i%len(senders)]
	spec := demodoc.Example(demodoc.CongVan, int64(i%poolSize+1))
	date := time.Date(2026, 11, 1+i%25, 0, 0, 0, 0, edxml.Vietnam)
	number := strconv.Itoa(i + 1)
	e := &edxml.Edoc{}
	e.Header.From = edxml.Organization{OrganID: from.Code, OrganName: from.Name}
	e.Header.To = []edxml.Organization{{OrganID: to.Code, OrganName: to.Name}}
	id, err := edxml.MakeDocumentID(from.Code, date, number, spec.Notation)
	if err != nil {
		return nil, err
	}
	e.Header.DocumentID = id
	e.Header.Code = edxml.Code{CodeNumber: number, CodeNotation: spec.Notation}
	e.Header.PromulgationInfo = edxml.PromulgationInfo{Place: spec.Place, PromulgationDate: edxml.NewDate(date)}
	e.Header.DocumentType = edxml.DocumentType{Type: 1, TypeName: "Công văn"}
	e.Header.Subject = spec.Subject
	if len(spec.Body) > 0 {
		e.Header.Content = spec.Body[0]
	}
	e.Header.SignerInfo = edxml.SignerInfo{Competence: spec.SignerPrefix, Position: spec.SignerTitle, FullName: spec.SignerName}
	e.Header.DueDate = edxml.NewDate(date.AddDate(0, 0, 15))
	e.Trace.TraceHeader = []edxml.TraceHeader{{OrganID: from.Code, Timestamp: edxml.NewDateTime(date)}}
	src := memSource{"a1": m.pool[i%poolSize]}
	e.Attachments = []edxml.Attachment{{ContentID: "a1", Name: "cong-van-" + number + ".pdf", ContentType: "application/pdf", Ref: "a1"}}
	if m.scanSize > 0 {
		src["a2"] = scanPDF(m.scanSize, uint64(i)+1)
		e.Attachments = append(e.Attachments, edxml.Attachment{ContentID: "a2", Name: "phu-luc-" + number + ".pdf",
			Description: "Phụ lục (bản chụp)", ContentType: "application/pdf", Ref: "a2"})
	}
	var buf bytes.Buffer
	if err := edxml.EncodeEdoc(context.Background(), &buf, e, src, edxml.EncodeOptions{}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type memSource map[edxml.AttachmentRef][]byte

func (m memSource) Open(_ context.Context, a *edxml.Attachment) (io.ReadCloser, error) {
	b, ok := m[a.Ref]
	if !ok {
		return nil, errors.New("no such attachment")
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// scanPDF returns a one-page PDF of about size bytes showing a grey image
// of pseudo-random samples, as a scanner would make.
func scanPDF(size int, seed uint64) []byte {
	side := 1
	for (side+1)*(side+1) <= size-700 {
		side++
	}
	var b bytes.Buffer
	offs := make([]int, 6)
	obj := func(n int, body string) {
		offs[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>")
	content := "q 595 0 0 842 0 0 cm /Im1 Do Q"
	obj(4, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	samples := make([]byte, side*side)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) // #nosec G404 -- filler samples, not secrets
	for i := 0; i < len(samples); i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8 && i+j < len(samples); j++ {
			samples[i+j] = byte(v >> (8 * j))
		}
	}
	obj(5, fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream",
		side, side, len(samples), samples))
	xref := b.Len()
	b.WriteString("xref\n0 6\n0000000000 65535 f\r\n")
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", offs[i])
	}
	fmt.Fprintf(&b, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// seedResult says how the queue was filled.
type seedResult struct {
	Packets int
	Bytes   int64
	Took    time.Duration
}

// seed sends n packets to one recipient through the axis at url
// (sendEdoc, each sender system as itself), workers at a time.
func seed(ctx context.Context, url string, m *packetMaker, first, n int, to org, workers int) (seedResult, error) {
	clients := make([]*axis.Client, len(senders))
	for i, s := range senders {
		tr, err := axis.NewVXP(url, axis.Credentials{SystemID: senderSystem(s), Secret: []byte(secretOf(senderSystem(s)))}, axis.VXPOptions{})
		if err != nil {
			return seedResult{}, err
		}
		clients[i] = axis.NewClient(tr, axis.ClientOptions{BaseDelay: 50 * time.Millisecond})
	}
	start := time.Now()
	var next atomic.Int64
	var bytesSent atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range workers {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= n || wctx.Err() != nil {
					return
				}
				i := first + k
				p, err := m.packet(i, to)
				if err == nil {
					from := senders[i%len(senders)].Code
					_, err = clients[i%len(senders)].Send(wctx, axis.MessageEdoc, from, []string{to.Code}, bytes.NewReader(p), int64(len(p)))
				}
				if err != nil {
					errs <- fmt.Errorf("seeding packet %d: %w", i, err)
					cancel()
					return
				}
				bytesSent.Add(int64(len(p)))
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return seedResult{}, err
	}
	return seedResult{Packets: n, Bytes: bytesSent.Load(), Took: time.Since(start)}, nil
}
