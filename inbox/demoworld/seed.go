package demoworld

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/keys"
)

// incomingPlan is where the seeding leaves the documents we receive, in
// turn; outgoingPlan the same for the documents we write.
var (
	incomingPlan = []inbox.State{inbox.StateArrived, inbox.StateRegistered, inbox.StateAssigned, inbox.StateDone,
		inbox.StateArrived, inbox.StateProcessing, inbox.StateAssigned, inbox.StateDone, inbox.StateRefused,
		inbox.StateRecallRequested, inbox.StateArrived, inbox.StateProcessing}
	outgoingPlan = []inbox.State{inbox.StateIssued, inbox.StateDraft, inbox.StateSubmitted, inbox.StateIssued,
		inbox.StateApproved, inbox.StateReturned, inbox.StateIssued, inbox.StateSubmitted, inbox.StateDraft,
		inbox.StateIssued}
)

// seed fills a new world: documents the peers send us over the past
// weeks, left in every incoming state; documents we write, left in every
// outgoing state, the issued ones sent to the peers, who answer with
// statuses. Everything goes through the desks and the axis.
func (w *World) seed(ctx context.Context) error {
	defer w.setClock(time.Time{})
	opts := w.Desk
	opts.Now, opts.Logger = w.now, w.log.With("desk", Self.Code)
	us, err := desk.Open(ctx, opts)
	if err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	defer us.Close()
	leader := w.ids.leader
	if w.LeaderOnToken {
		k, err := desk.OpenKey(ctx, w.Leader.Source, []byte(w.Leader.Secret))
		if err != nil {
			return fmt.Errorf("demo world: the leader's token: %w", err)
		}
		defer k.Close()
		leader = k
	}
	s := &seeder{w: w, us: us, leader: leader}
	n := w.opts.Docs
	start := time.Now().Add(-21 * 24 * time.Hour)
	step := 20 * 24 * time.Hour / time.Duration(n+1)
	in, out := 0, 0
	for k := range n {
		t := start.Add(time.Duration(k+1) * step)
		w.setClock(t)
		s.later = t
		if k%5 == 1 || k%5 == 3 {
			err = s.outgoing(ctx, out)
			out++
		} else {
			err = s.incoming(ctx, in)
			in++
		}
		if err != nil {
			return fmt.Errorf("demo world: seeding document %d: %w", k+1, err)
		}
	}
	// The peers handle what we sent them, to different stages, and tell us.
	w.setClock(time.Now().Add(-time.Hour))
	if _, err := us.SyncOnce(ctx); err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	w.cfg.PeerSeeded = map[string]int64{}
	for _, p := range w.peers {
		if _, err := p.desk.SyncOnce(ctx); err != nil {
			return fmt.Errorf("demo world: %w", err)
		}
		page, _, err := p.desk.Store().List(ctx, inbox.Filter{Direction: inbox.Incoming}, inbox.Page{Limit: 500})
		if err != nil {
			return err
		}
		for i, sm := range page {
			p.seeded = max(p.seeded, sm.ID)
			st := sm.State
			for range i % 5 {
				if _, err := w.advance(ctx, p.desk, sm.ID, st); err != nil {
					return fmt.Errorf("demo world: peer %s: %w", p.org.Code, err)
				}
				doc, err := p.desk.Store().Get(ctx, sm.ID)
				if err != nil {
					return err
				}
				st = doc.State
			}
		}
		w.cfg.PeerSeeded[p.org.Code] = p.seeded
		if _, err := p.desk.SyncOnce(ctx); err != nil {
			return fmt.Errorf("demo world: %w", err)
		}
	}
	if _, err := us.SyncOnce(ctx); err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	return nil
}

// seeder is the state of a seeding.
type seeder struct {
	w      *World
	us     *desk.Desk
	leader *keys.Key
	later  time.Time
}

// tick moves the clock a few minutes on.
func (s *seeder) tick() {
	s.later = s.later.Add(7 * time.Minute)
	s.w.setClock(s.later)
}

// incoming has a peer send us the i-th incoming document and takes it
// where incomingPlan says.
func (s *seeder) incoming(ctx context.Context, i int) error {
	w := s.w
	p := w.peers[i%len(w.peers)]
	pid, err := w.peerDispatch(ctx, p, w.opts.Seed*1000+int64(i))
	if err != nil {
		return err
	}
	pdoc, err := p.desk.Store().Get(ctx, pid)
	if err != nil {
		return err
	}
	s.later = s.later.Add(time.Duration(1+i%4) * time.Hour)
	w.setClock(s.later)
	if _, err := s.us.SyncOnce(ctx); err != nil {
		return err
	}
	id, err := s.us.Store().FindIncoming(ctx, p.org.Code, pdoc.DocumentID)
	if err != nil {
		return err
	}
	want := incomingPlan[i%len(incomingPlan)]
	if want == inbox.StateRefused && i >= len(incomingPlan) {
		want = inbox.StateArrived // one refusal is enough
	}
	switch want {
	case inbox.StateArrived:
		return nil
	case inbox.StateRefused:
		s.tick()
		return s.us.Refuse(ctx, id, "Văn bản gửi nhầm đơn vị nhận, đề nghị gửi Sở Nội vụ tỉnh Hà Nam")
	}
	s.tick()
	if _, err := s.us.Register(ctx, id, ""); err != nil {
		return err
	}
	switch want {
	case inbox.StateRegistered:
		return nil
	case inbox.StateRecallRequested:
		// The sender asks for it back.
		s.tick()
		if err := p.desk.Recall(ctx, pid, "Văn bản có sai sót về thể thức, đề nghị thu hồi để ban hành lại"); err != nil {
			return err
		}
		if _, err := p.desk.SyncOnce(ctx); err != nil {
			return err
		}
		_, err := s.us.SyncOnce(ctx)
		return err
	}
	s.tick()
	// Deadlines around today: some passed, some near, most ahead.
	deadline := time.Now().AddDate(0, 0, []int{-2, 1, 5, 12}[i%4])
	if err := s.us.Assign(ctx, id, inbox.Assignment{Assignee: pick(officers, i), Role: inbox.RoleLead,
		Deadline: deadline, Note: "Giao phòng chuyên môn chủ trì, tham mưu văn bản trả lời."}); err != nil {
		return err
	}
	if want == inbox.StateAssigned {
		return nil
	}
	s.tick()
	if err := s.us.StartProcessing(ctx, id); err != nil {
		return err
	}
	if want == inbox.StateProcessing {
		return nil
	}
	s.tick()
	return s.us.Done(ctx, id)
}

// outgoing writes the j-th outgoing document and takes it where
// outgoingPlan says.
func (s *seeder) outgoing(ctx context.Context, j int) error {
	w := s.w
	spec := demodoc.Example(demodoc.CongVan, w.opts.Seed*7919+int64(j))
	spec.Agency, spec.ParentAgency, spec.AgencyCode = "ỦY BAN NHÂN DÂN TỈNH HÀ NAM", "", Self.Code
	spec.Number, spec.Notation, spec.Place, spec.Date = "", "UBND-VP", "Hà Nam", w.now()
	spec.SignerPrefix, spec.SignerTitle = "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"
	spec.SignerName = s.leader.Certificate().Subject.CommonName
	to := []inbox.Organization{w.Peers[j%2]}
	if j%3 == 0 {
		to = w.Peers
	}
	spec.Recipients = nil
	for _, o := range to {
		spec.Recipients = append(spec.Recipients, o.Name)
	}
	doc, err := demodoc.Generate(spec)
	if err != nil {
		return err
	}
	id, err := s.us.NewDraft(ctx, bytes.NewReader(doc.PDF), desk.DraftInfo{
		Subject: spec.Subject, Notation: spec.Notation, DocType: "Công văn", Content: spec.Body[0], Place: spec.Place,
		Priority: inbox.Priority(j % 3), Recipients: to, FileName: fmt.Sprintf("cong-van-%d.pdf", j+1),
		Signer: inbox.Signer{Competence: "KT.", Position: "Phó Chủ tịch", FullName: spec.SignerName},
	})
	if err != nil {
		return err
	}
	want := outgoingPlan[j%len(outgoingPlan)]
	if want == inbox.StateDraft {
		return nil
	}
	s.tick()
	if err := s.us.Submit(ctx, id); err != nil {
		return err
	}
	switch want {
	case inbox.StateSubmitted:
		return nil
	case inbox.StateReturned:
		s.tick()
		return s.us.Return(ctx, id, "Đề nghị bổ sung căn cứ pháp lý và rà soát lại thể thức văn bản.")
	}
	s.tick()
	r := doc.SignatureRect
	res := s.us.ApproveAndSign(ctx, []int64{id}, s.leader, desk.SignOptions{ImageOnly: true,
		Placement: &desk.Placement{Page: doc.SignaturePage, X: (r[0] + r[2]) / 2, Y: (r[1] + r[3]) / 2, Width: r[2] - r[0], Height: r[3] - r[1]}}, nil)
	if res[0].Err != nil {
		return res[0].Err
	}
	if want == inbox.StateApproved {
		return nil
	}
	s.tick()
	if _, err := s.us.Issue(ctx, id, "", w.ids.agency); err != nil {
		return err
	}
	_, err = s.us.SyncOnce(ctx)
	return err
}
