package demoworld

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
	"github.com/vanthu/vanthu/signing/demodoc"
)

// peer is a simulated agency: a desk of its own on the same axis.
type peer struct {
	org  inbox.Organization
	desk *desk.Desk
	// seeded is the largest id of the documents the seeding gave it: the
	// simulation leaves those in the state the seeding chose.
	seeded int64
}

// now is the world's clock: the real one, except while seeding, when
// documents are backdated over the past weeks.
func (w *World) now() time.Time {
	w.clockMu.Lock()
	defer w.clockMu.Unlock()
	if w.fake.IsZero() {
		return time.Now()
	}
	return w.fake
}

func (w *World) setClock(t time.Time) {
	w.clockMu.Lock()
	w.fake = t
	w.clockMu.Unlock()
}

// openPeers opens the peers' desks.
func (w *World) openPeers(ctx context.Context) error {
	for i, org := range []inbox.Organization{Peer1, Peer2} {
		sys := w.cfg.Systems[i+1]
		d, err := desk.Open(ctx, desk.Options{
			DataDir:         filepath.Join(w.opts.Dir, "peers", org.Code),
			Identity:        desk.Identity{Agency: org, Login: "vanthu", Name: "Văn thư " + org.Name, Role: desk.RoleClerk},
			TrustRoots:      w.roots,
			Axis:            &desk.AxisConfig{URL: w.AxisURL, SystemID: sys.ID, Secret: mustHex(sys.Secret)},
			DeadlineWarning: -1,
			Logger:          w.log.With("peer", org.Code),
			Now:             w.now,
		})
		if err != nil {
			return fmt.Errorf("demo world: peer %s: %w", org.Code, err)
		}
		w.peers = append(w.peers, &peer{org: org, desk: d, seeded: w.cfg.PeerSeeded[org.Code]})
	}
	return nil
}

// simulate runs the peers until ctx ends: every PeerEvery each peer
// syncs, takes one step on each document it received (register, assign,
// process, finish; agree to recalls) and syncs again to send its
// statuses; every DispatchEvery one of them sends us a new dispatch.
func (w *World) simulate(ctx context.Context) {
	rng := rand.New(rand.NewPCG(uint64(w.opts.Seed), uint64(time.Now().UnixNano()))) //nolint:gosec // demo content
	tick := time.NewTicker(w.opts.PeerEvery)
	defer tick.Stop()
	var dispatch <-chan time.Time
	if w.opts.DispatchEvery > 0 {
		t := time.NewTicker(w.opts.DispatchEvery)
		defer t.Stop()
		dispatch = t.C
	}
	n := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			for _, p := range w.peers {
				if err := w.peerStep(ctx, p); err != nil && ctx.Err() == nil {
					w.log.Warn("peer step", "peer", p.org.Code, "err", err)
				}
			}
		case <-dispatch:
			p := w.peers[n%len(w.peers)]
			n++
			if _, err := w.peerDispatch(ctx, p, rng.Int64()); err != nil && ctx.Err() == nil {
				w.log.Warn("peer dispatch", "peer", p.org.Code, "err", err)
			}
		}
	}
}

// peerStep is one round of a peer: receive, one step per document, send.
func (w *World) peerStep(ctx context.Context, p *peer) error {
	if _, err := p.desk.SyncOnce(ctx); err != nil {
		return err
	}
	page, _, err := p.desk.Store().List(ctx, inbox.Filter{Direction: inbox.Incoming}, inbox.Page{Limit: 200})
	if err != nil {
		return err
	}
	acted := false
	for _, s := range page {
		if s.ID <= p.seeded {
			continue
		}
		ok, err := w.advance(ctx, p.desk, s.ID, s.State)
		if err != nil {
			return err
		}
		acted = acted || ok
	}
	if acted {
		if _, err := p.desk.SyncOnce(ctx); err != nil {
			return err
		}
	}
	return nil
}

// advance takes one workflow step on an incoming document of d; it
// reports whether it did anything.
func (w *World) advance(ctx context.Context, d *desk.Desk, id int64, st inbox.State) (bool, error) {
	var err error
	switch st {
	case inbox.StateArrived:
		_, err = d.Register(ctx, id, "")
	case inbox.StateRegistered:
		err = d.Assign(ctx, id, inbox.Assignment{Assignee: pick(officers, int(id)), Role: inbox.RoleLead,
			Deadline: w.now().AddDate(0, 0, 7), Note: "Đề nghị nghiên cứu, tham mưu xử lý."})
	case inbox.StateAssigned:
		err = d.StartProcessing(ctx, id)
	case inbox.StateProcessing:
		err = d.Done(ctx, id)
	case inbox.StateRecallRequested:
		err = d.AcceptRecall(ctx, id)
	default:
		return false, nil
	}
	return err == nil, err
}

var officers = []string{"Trần Thị Bình (Phòng Tổng hợp)", "Lê Văn Cường (Phòng Kinh tế)", "Phạm Thu Hà (Phòng Nội chính)", "Hoàng Minh Đức (Văn phòng)"}

func pick(list []string, i int) string { return list[(i%len(list)+len(list))%len(list)] }

// peerDispatch has peer p draft, sign, issue and send a dispatch to us;
// it returns the peer's document id.
func (w *World) peerDispatch(ctx context.Context, p *peer, seed int64) (int64, error) {
	spec, kind := w.peerSpec(p.org, seed)
	doc, err := demodoc.Generate(spec)
	if err != nil {
		return 0, err
	}
	prio := inbox.PriorityNormal
	switch seed % 7 {
	case 1, 4:
		prio = inbox.PriorityUrgent
	case 2:
		prio = inbox.PriorityVeryUrgent
	case 3:
		prio = inbox.PriorityFlash
	}
	var due time.Time
	if seed%3 == 0 {
		due = w.now().AddDate(0, 0, int(5+seed%20))
	}
	content := ""
	if len(spec.Body) > 0 {
		content = spec.Body[0]
	}
	id, err := p.desk.NewDraft(ctx, bytes.NewReader(doc.PDF), desk.DraftInfo{
		Subject: spec.Subject, Notation: spec.Notation, DocType: kind.String(), TypeCode: fmt.Sprint(1 + int(kind)),
		Content: content, Place: spec.Place, Priority: prio, DueDate: due,
		Signer:     inbox.Signer{Competence: firstWord(spec.SignerPrefix), Position: spec.SignerTitle, FullName: spec.SignerName},
		Recipients: []inbox.Organization{Self}, FileName: fmt.Sprintf("%s-%s.pdf", kind.String(), spec.Notation),
	})
	if err != nil {
		return 0, err
	}
	if err := p.desk.Submit(ctx, id); err != nil {
		return 0, err
	}
	r := doc.SignatureRect
	res := p.desk.ApproveAndSign(ctx, []int64{id}, w.ids.clerk, desk.SignOptions{ImageOnly: true,
		Placement: &desk.Placement{Page: doc.SignaturePage, X: (r[0] + r[2]) / 2, Y: (r[1] + r[3]) / 2, Width: r[2] - r[0], Height: r[3] - r[1]}}, nil)
	if res[0].Err != nil {
		return 0, res[0].Err
	}
	if _, err := p.desk.Issue(ctx, id, "", w.ids.agency); err != nil {
		return 0, err
	}
	if _, err := p.desk.SyncOnce(ctx); err != nil {
		return 0, err
	}
	return id, nil
}

// peerSpec is a realistic document of agency org.
func (w *World) peerSpec(org inbox.Organization, seed int64) (demodoc.Spec, demodoc.Kind) {
	kinds := []demodoc.Kind{demodoc.CongVan, demodoc.CongVan, demodoc.QuyetDinh, demodoc.ThongBao, demodoc.ToTrinh}
	kind := kinds[(seed%int64(len(kinds))+int64(len(kinds)))%int64(len(kinds))]
	var spec demodoc.Spec
	for i := range int64(500) {
		spec = demodoc.Example(kind, seed*977+i)
		if spec.AgencyCode == org.Code {
			break
		}
	}
	spec.AgencyCode = org.Code
	spec.Number = ""
	spec.Date = w.now()
	if kind == demodoc.ToTrinh || kind == demodoc.CongVan {
		spec.Recipients = []string{Self.Name}
	}
	return spec, kind
}

func firstWord(s string) string {
	for i, r := range s {
		if r == ' ' {
			return s[:i]
		}
	}
	return s
}
