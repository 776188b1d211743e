package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/inbox/pdftext"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/trust"
)

// The demo desk: the provincial People's Committee of Hà Nam.
var demoAgency = inbox.Organization{Code: "000.00.00.H41", Name: "Ủy ban nhân dân tỉnh Hà Nam"}

const demoRegister = "Sổ văn bản đến"

// cmdSeed fills an inbox with realistic incoming documents, imported
// through the same path as packets from the axis.
func cmdSeed(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo seed", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dir, as := inboxFlags(fs)
	n := fs.Int("docs", 100, "number of documents")
	withPDFs := fs.Bool("with-pdfs", false, "attach a PDF signed by the sending agency to each document (slower)")
	seed := fs.Int64("seed", 1, "random seed (the same seed gives the same documents)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *n < 1 {
		return usageErr("demo seed --docs N [--with-pdfs] [--data DIR]")
	}
	cfg, err := loadConfig(*dir)
	if err != nil {
		return err
	}
	if cfg.Agency.Code == "" {
		cfg.Agency = demoAgency
	}
	var pki *demopki.PKI
	if *withPDFs {
		// The senders sign with a fresh demo PKI whose root this desk trusts.
		pki, err = demopki.New(demopki.Options{NoServers: true})
		if err != nil {
			return err
		}
		defer pki.Close()
		root := filepath.Join(*dir, fmt.Sprintf("demo-root-%d.pem", time.Now().Unix()))
		if err := os.MkdirAll(*dir, 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.Root.Cert.Raw}), 0o644); err != nil {
			return err
		}
		cfg.Trust = append(cfg.Trust, root)
	}
	if err := saveConfig(*dir, cfg); err != nil {
		return err
	}
	// Documents arrive over the past year: the store's clock follows the
	// seeder's, so arrival times and deadlines look like a real year's.
	g := &seeder{seed: *seed, self: cfg.Agency, clock: time.Now()}
	d, err := openDeskClock(ctx, *dir, *as, func() time.Time { return g.clock })
	if err != nil {
		return err
	}
	defer d.store.Close()
	roots, err := trust.LoadPEM(cfg.Trust...)
	if err != nil {
		return err
	}
	im := &inbox.Importer{Store: d.store, Verify: signing.VerifyOptions{Roots: roots}}
	if *withPDFs {
		ext, err := pdftext.New(ctx, pdftext.Options{CacheDir: cacheDir()})
		if err == nil {
			defer ext.Close()
			im.Text = ext
		}
	}
	if err := ensureRegister(ctx, d); err != nil {
		return err
	}
	g.pki = pki
	start := time.Now()
	stored, dups := 0, 0
	for i := range *n {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Each document draws from its own stream: the same seed and index
		// give the same document whatever happened to the others.
		g.rng = rand.New(rand.NewPCG(uint64(*seed), uint64(i))) // #nosec G404 -- demo content, not secrets
		pkt, err := g.packet(i)
		if err != nil {
			return err
		}
		res, err := im.Import(ctx, bytes.NewReader(pkt))
		if err != nil {
			return fmt.Errorf("document %d: %w", i+1, err)
		}
		if res.Duplicate {
			dups++
			continue
		}
		stored++
		if err := g.advance(ctx, d, res.ID); err != nil {
			return fmt.Errorf("document %d: %w", i+1, err)
		}
		if (i+1)%10000 == 0 {
			fmt.Fprintf(e.stderr, "… %d documents\n", i+1)
		}
	}
	el := time.Since(start)
	fmt.Fprintf(e.stdout, "seeded %d documents into %s in %s (%.0f/s)", stored, *dir, el.Round(time.Millisecond), float64(stored)/el.Seconds())
	if dups > 0 {
		fmt.Fprintf(e.stdout, "; %d were already there", dups)
	}
	fmt.Fprintln(e.stdout)
	return nil
}

func ensureRegister(ctx context.Context, d *deskEnv) error {
	regs, err := d.store.Registers(ctx)
	if err != nil {
		return err
	}
	for _, r := range regs {
		if r.Name == demoRegister {
			return nil
		}
	}
	_, err = d.store.CreateRegister(ctx, d.actor, demoRegister, inbox.RegisterIncoming, time.Now().In(vnTime).Year())
	return err
}

type seeder struct {
	rng   *rand.Rand
	seed  int64
	pki   *demopki.PKI
	self  inbox.Organization
	clock time.Time // the store's clock while seeding
}

var seedKinds = []demodoc.Kind{demodoc.CongVan, demodoc.CongVan, demodoc.CongVan, demodoc.QuyetDinh, demodoc.ThongBao, demodoc.ToTrinh}

// packet builds the i-th document's edXML packet.
func (g *seeder) packet(i int) ([]byte, error) {
	kind := seedKinds[g.rng.IntN(len(seedKinds))]
	spec := demodoc.Example(kind, g.seed*1_000_003+int64(i))
	for spec.AgencyCode == g.self.Code {
		spec = demodoc.Example(kind, g.seed*1_000_003+int64(i)+7919)
	}
	// Dates count back from the start of today, so that seeding again the
	// same day with the same seed gives the same documents.
	now := time.Now().In(vnTime)
	y, m, d := now.Date()
	anchor := time.Date(y, m, d, 0, 0, 0, 0, vnTime)
	date := anchor.Add(-time.Duration(g.rng.Int64N(int64(365 * 24 * time.Hour))))
	spec.Date = date
	// It arrives a little after it was issued.
	g.clock = date.Add(time.Duration(1+g.rng.IntN(48)) * time.Hour)
	if g.clock.After(now) {
		g.clock = now
	}
	spec.Number = strconv.Itoa(1 + g.rng.IntN(9999))
	e := &edxml.Edoc{}
	h := &e.Header
	h.From = edxml.Organization{OrganID: spec.AgencyCode, OrganName: spec.Agency}
	h.To = []edxml.Organization{{OrganID: g.self.Code, OrganName: g.self.Name}}
	id, err := edxml.MakeDocumentID(spec.AgencyCode, date, spec.Number, spec.Notation)
	if err != nil {
		return nil, err
	}
	h.DocumentID = id
	h.Code = edxml.Code{CodeNumber: spec.Number, CodeNotation: spec.Notation}
	h.PromulgationInfo = edxml.PromulgationInfo{Place: spec.Place, PromulgationDate: edxml.NewDate(date)}
	h.DocumentType = edxml.DocumentType{Type: 1 + int(kind), TypeName: kind.String()}
	h.Subject = spec.Subject
	if len(spec.Body) > 0 {
		h.Content = spec.Body[0]
	}
	h.SignerInfo = edxml.SignerInfo{Competence: firstWord(spec.SignerPrefix), Position: spec.SignerTitle, FullName: spec.SignerName}
	switch p := g.rng.IntN(100); {
	case p < 70:
		h.OtherInfo.Priority = edxml.PriorityNormal
	case p < 90:
		h.OtherInfo.Priority = edxml.PriorityUrgent
	case p < 97:
		h.OtherInfo.Priority = edxml.PriorityVeryUrgent
	default:
		h.OtherInfo.Priority = edxml.PriorityFlash
	}
	if g.rng.IntN(3) == 0 {
		h.DueDate = edxml.NewDate(date.AddDate(0, 0, 5+g.rng.IntN(30)))
	}
	h.OtherInfo.PageAmount = 1
	e.Trace.TraceHeader = []edxml.TraceHeader{{OrganID: spec.AgencyCode, Timestamp: edxml.NewDateTime(date)}}
	src := map[edxml.AttachmentRef][]byte{}
	if g.pki != nil {
		pdf, err := g.signedPDF(spec)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("%s_%s.pdf", spec.Number, kind.String())
		src["main"] = pdf
		e.Attachments = []edxml.Attachment{{ContentID: "main", Name: name, ContentType: "application/pdf", Ref: "main"}}
	}
	var buf bytes.Buffer
	if err := edxml.EncodeEdoc(context.Background(), &buf, e, memSource(src), edxml.EncodeOptions{}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func firstWord(s string) string {
	for i, r := range s {
		if r == ' ' {
			return s[:i]
		}
	}
	return s
}

func (g *seeder) signedPDF(spec demodoc.Spec) ([]byte, error) {
	doc, err := demodoc.Generate(spec)
	if err != nil {
		return nil, err
	}
	in, err := os.CreateTemp("", "seed-*.pdf")
	if err != nil {
		return nil, err
	}
	defer os.Remove(in.Name())
	if _, err := in.Write(doc.PDF); err != nil {
		in.Close()
		return nil, err
	}
	in.Close()
	out := in.Name() + ".signed"
	defer os.Remove(out)
	rect := doc.SignatureRect
	_, err = signing.SignPDFFile(context.Background(), in.Name(), out, signing.PDFOptions{
		Signer:     signing.Signer{Key: g.pki.Leader.Key, Chain: g.pki.Leader.Chain},
		Appearance: signing.Appearance{Kind: signing.AppearancePersonal, ImageOnly: true, Page: doc.SignaturePage, Rect: &rect},
	})
	if err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

type memSource map[edxml.AttachmentRef][]byte

func (m memSource) Open(_ context.Context, a *edxml.Attachment) (io.ReadCloser, error) {
	b, ok := m[a.Ref]
	if !ok {
		return nil, errors.New("no such attachment")
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// advance moves a seeded document along the workflow so that the demo
// inbox holds documents in every state.
func (g *seeder) advance(ctx context.Context, d *deskEnv, id int64) error {
	p := g.rng.IntN(100)
	later := func() { g.clock = minTime(g.clock.Add(time.Duration(1+g.rng.IntN(72))*time.Hour), time.Now()) }
	later()
	switch {
	case p < 35:
		return nil // still to register
	case p < 38:
		return d.store.Refuse(ctx, id, d.actor, "Văn bản gửi nhầm đơn vị nhận")
	}
	if _, err := d.store.Register(ctx, id, d.actor, demoRegister); err != nil {
		return err
	}
	if p < 55 {
		return nil
	}
	later()
	officers := []string{"Trần Thị Bình (Phòng Tổng hợp)", "Lê Văn Cường (Phòng Kinh tế)", "Phạm Thu Hà (Phòng Nội chính)", "Hoàng Minh Đức (Văn phòng)"}
	a := inbox.Assignment{Assignee: officers[g.rng.IntN(len(officers))], Role: inbox.RoleLead, Note: "Đề nghị nghiên cứu, tham mưu xử lý."}
	if g.rng.IntN(2) == 0 {
		a.Deadline = g.clock.AddDate(0, 0, 3+g.rng.IntN(20))
	}
	if err := d.store.Assign(ctx, id, d.actor, a); err != nil {
		return err
	}
	if p < 75 {
		return nil
	}
	later()
	if err := d.store.StartProcessing(ctx, id, d.actor); err != nil {
		return err
	}
	if p < 85 {
		return nil
	}
	later()
	return d.store.Done(ctx, id, d.actor)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
