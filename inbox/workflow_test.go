package inbox

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestIncomingWorkflowNotifiesSender(t *testing.T) {
	f := newFixture(t)
	f.register(t, RegisterIncoming, "Sổ văn bản đến")
	d := f.incoming("V/v triển khai Nghị định 30/2020/NĐ-CP về công tác văn thư")
	id := f.insert(t, d, f.attachment(t, "cv.pdf", "%PDF-1.7 cv", "Nội dung công văn"))

	deadline := time.Date(2024, 3, 30, 0, 0, 0, 0, vietnam())
	steps := []struct {
		name   string
		do     func() error
		state  State
		code   StatusCode // "" when no packet is due
		desc   string     // substring of the description
		action Action
		actor  string
	}{
		{"insert", func() error { return nil }, StateArrived, StatusArrived, "Đã nhận", ActionReceive, "axis"},
		{"register", func() error {
			n, err := f.s.Register(f.ctx, id, clerk, "Sổ văn bản đến")
			if err == nil && n != 1 {
				t.Errorf("arrival number: got %d, want 1", n)
			}
			return err
		}, StateRegistered, StatusRegistered, "số đến 1", ActionRegister, clerk.ID},
		{"assign lead", func() error {
			return f.s.Assign(f.ctx, id, leader, Assignment{Assignee: "Phòng Tổng hợp", Role: RoleLead, Deadline: deadline, Note: "Tham mưu trả lời"})
		}, StateAssigned, StatusAssigned, "phân công", ActionAssign, leader.ID},
		{"assign coordinating", func() error {
			return f.s.Assign(f.ctx, id, leader, Assignment{Assignee: "Phòng Tài chính", Role: RoleCoordinating})
		}, StateAssigned, "", "", ActionAssign, leader.ID},
		{"start", func() error { return f.s.StartProcessing(f.ctx, id, officer) }, StateProcessing, StatusProcessing, "Đang xử lý", ActionStartProcessing, officer.ID},
		{"comment", func() error { return f.s.AddComment(f.ctx, id, officer, "Đã dự thảo văn bản trả lời") }, StateProcessing, "", "", ActionComment, officer.ID},
		{"done", func() error { return f.s.Done(f.ctx, id, officer) }, StateDone, StatusDone, "xong", ActionDone, officer.ID},
	}
	packets := 0
	for i, st := range steps {
		if i > 0 {
			f.clock.Advance(time.Minute)
		}
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		doc := f.get(t, id)
		if doc.State != st.state {
			t.Fatalf("%s: state got %s, want %s", st.name, doc.State, st.state)
		}
		if doc.Folder != folderOf(st.state) {
			t.Errorf("%s: folder got %s, want %s", st.name, doc.Folder, folderOf(st.state))
		}
		trail, err := f.s.AuditTrail(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		last := trail[len(trail)-1]
		if last.Action != st.action || last.Actor != st.actor {
			t.Errorf("%s: audit got %s by %s, want %s by %s", st.name, last.Action, last.Actor, st.action, st.actor)
		}
		got := f.enc.Packets()
		if st.code == "" {
			if len(got) != packets {
				t.Errorf("%s: got %d new status packets, want none", st.name, len(got)-packets)
			}
			continue
		}
		if len(got) != packets+1 {
			t.Fatalf("%s: got %d new status packets, want 1", st.name, len(got)-packets)
		}
		packets++
		p := got[len(got)-1]
		if p.Code != st.code || !strings.Contains(p.Description, st.desc) {
			t.Errorf("%s: packet got %s %q, want %s containing %q", st.name, p.Code, p.Description, st.code, st.desc)
		}
		if p.From != self || len(p.To) != 1 || p.To[0].Code != sender.Code {
			t.Errorf("%s: packet from %v to %v, want from us to the sender", st.name, p.From, p.To)
		}
		if p.ResponseFor.DocumentID != d.DocumentID || p.ResponseFor.OrganID != sender.Code ||
			p.ResponseFor.Code != d.CodeNumber+"/"+d.CodeNotation {
			t.Errorf("%s: packet responds to %+v", st.name, p.ResponseFor)
		}
		if !p.Timestamp.Equal(f.clock.Now()) {
			t.Errorf("%s: timestamp got %v, want %v", st.name, p.Timestamp, f.clock.Now())
		}
		box, err := f.s.Outbox(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		row := box[len(box)-1]
		if len(box) != packets || row.Kind != OutboxStatus || row.StatusCode != st.code ||
			!reflect.DeepEqual(row.Recipients, []string{sender.Code}) || row.State != OutboxPending ||
			!strings.Contains(string(row.Payload), string(st.code)) || row.DocumentID != d.DocumentID {
			t.Errorf("%s: outbox got %d rows, last %+v", st.name, len(box), row)
		}
	}
	doc := f.get(t, id)
	if doc.Number != 1 || doc.Register == nil || doc.Register.Name != "Sổ văn bản đến" || doc.Register.Year != 2024 {
		t.Errorf("register: got %d in %+v", doc.Number, doc.Register)
	}
	if !doc.Deadline.Equal(deadline) || !doc.DueDate.IsZero() {
		t.Errorf("deadline got %v (due %v), want %v", doc.Deadline, doc.DueDate, deadline)
	}
	if len(doc.Assignments) != 2 || doc.Assignments[0].By != leader.ID || doc.Assignments[1].Role != RoleCoordinating {
		t.Errorf("assignments: %+v", doc.Assignments)
	}
	if len(doc.Comments) != 1 || doc.Comments[0].Author != officer.ID {
		t.Errorf("comments: %+v", doc.Comments)
	}
	if len(doc.Attachments) != 1 || doc.Attachments[0].Verdict != "valid" || string(doc.Attachments[0].Verification) == "" {
		t.Errorf("attachments: %+v", doc.Attachments)
	}
	if string(doc.Header) != string(d.Header) || doc.Subject != d.Subject || doc.Signer != d.Signer ||
		!doc.PromulgationDate.Equal(d.PromulgationDate) || doc.Priority != d.Priority || doc.SteeringType != "0" {
		t.Errorf("metadata did not round-trip: %+v", doc)
	}
}

func TestRefuseAndRecall(t *testing.T) {
	f := newFixture(t)
	f.register(t, RegisterIncoming, "Sổ đến")

	refused := f.insert(t, f.incoming("Gửi nhầm"))
	if err := f.s.Refuse(f.ctx, refused, clerk, "  "); !errors.Is(err, ErrInvalid) {
		t.Errorf("refuse without reason: got %v, want ErrInvalid", err)
	}
	if err := f.s.Refuse(f.ctx, refused, clerk, "Văn bản không thuộc thẩm quyền"); err != nil {
		t.Fatal(err)
	}
	if p := f.enc.Last(t); p.Code != StatusRefused || p.Description != "Văn bản không thuộc thẩm quyền" {
		t.Errorf("refuse packet: %+v", p)
	}

	// Refused recall: back to where it was.
	kept := f.insert(t, f.incoming("Được giữ lại"))
	if _, err := f.s.Register(f.ctx, kept, clerk, "Sổ đến"); err != nil {
		t.Fatal(err)
	}
	from := Actor{ID: "axis:" + sender.Code, Name: "Chuyên viên VPCP"}
	if err := f.s.RecallRequested(f.ctx, kept, from, "Ban hành nhầm"); err != nil {
		t.Fatal(err)
	}
	if d := f.get(t, kept); d.State != StateRecallRequested || d.Folder != FolderRecall || d.RecallReason != "Ban hành nhầm" {
		t.Errorf("after recall request: %s in %s (%q)", d.State, d.Folder, d.RecallReason)
	}
	if err := f.s.RefuseRecall(f.ctx, kept, leader, "Đã triển khai"); err != nil {
		t.Fatal(err)
	}
	if p := f.enc.Last(t); p.Code != StatusRecallRefused || !strings.Contains(p.Description, "Đã triển khai") {
		t.Errorf("refuse recall packet: %+v", p)
	}
	if d := f.get(t, kept); d.State != StateRegistered {
		t.Errorf("after refused recall: got %s, want registered", d.State)
	}

	// Accepted recall: frozen and hidden, still readable for the record.
	gone := f.insert(t, f.incoming("Sẽ bị thu hồi"))
	if err := f.s.RecallRequested(f.ctx, gone, from, "Sai nội dung"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.AcceptRecall(f.ctx, gone, clerk); err != nil {
		t.Fatal(err)
	}
	if p := f.enc.Last(t); p.Code != StatusRecallAccepted || p.To[0] != (Organization{Code: sender.Code, Name: sender.Name}) {
		t.Errorf("accept recall packet: %+v", p)
	}
	d := f.get(t, gone)
	if d.State != StateRecalled || !d.Hidden || !d.Frozen || d.Folder != FolderHidden {
		t.Errorf("after accepted recall: %s hidden=%v frozen=%v folder=%s", d.State, d.Hidden, d.Frozen, d.Folder)
	}
	if err := f.s.AddComment(f.ctx, gone, clerk, "x"); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("comment on recalled: got %v, want ErrIllegalTransition", err)
	}
	list, _, err := f.s.List(f.ctx, Filter{}, Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.ID == gone {
			t.Error("List shows a recalled document")
		}
	}
	hidden, _, err := f.s.List(f.ctx, Filter{Folder: FolderHidden}, Page{})
	if err != nil || len(hidden) != 1 || hidden[0].ID != gone {
		t.Errorf("hidden folder: %v %v", hidden, err)
	}
	trail, err := f.s.AuditTrail(f.ctx, gone)
	if err != nil {
		t.Fatal(err)
	}
	var actions []Action
	for _, e := range trail {
		actions = append(actions, e.Action)
	}
	if want := []Action{ActionReceive, ActionRecallRequested, ActionAcceptRecall}; !slices.Equal(actions, want) {
		t.Errorf("audit trail: got %v, want %v", actions, want)
	}
}

func TestOutgoingWorkflow(t *testing.T) {
	f := newFixture(t)
	f.register(t, RegisterOutgoing, "Sổ văn bản đi")
	other := Organization{Code: "000.00.00.H40", Name: "UBND tỉnh Hà Tĩnh"}
	id, err := f.s.CreateDraft(f.ctx, officer, outgoing("V/v phối hợp phòng chống thiên tai", sender, other),
		[]NewAttachment{f.attachment(t, "duthao.pdf", "draft", "")})
	if err != nil {
		t.Fatal(err)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("submit", f.s.Submit(f.ctx, id, officer))
	must("return", f.s.Return(f.ctx, id, leader, "Bổ sung căn cứ pháp lý"))
	if d := f.get(t, id); d.State != StateReturned || d.Folder != FolderDrafts || len(d.Comments) != 1 {
		t.Errorf("after return: %s in %s, comments %v", d.State, d.Folder, d.Comments)
	}
	must("revise", f.s.ReviseDraft(f.ctx, id, officer, []NewAttachment{f.attachment(t, "duthao.pdf", "draft v2", "")}))
	must("submit again", f.s.Submit(f.ctx, id, officer))
	signed := f.attachment(t, "signed.pdf", "signed by the leader", "")
	must("approve", f.s.Approve(f.ctx, id, leader, []NewAttachment{signed}))
	if d := f.get(t, id); d.State != StateApproved || len(d.Attachments) != 1 || d.Attachments[0].Blob != signed.Blob ||
		d.Attachments[0].Stage != StageApproved {
		t.Errorf("after approve: %s %+v", d.State, d.Attachments)
	}
	if len(f.enc.Packets()) != 0 {
		t.Errorf("drafting sent %d status packets", len(f.enc.Packets()))
	}

	f.clock.Set(time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC)) // already 2025 in Vietnam
	var seen IssueStamp
	st, err := f.s.Issue(f.ctx, id, clerk, "Sổ văn bản đi", func(s IssueStamp) ([]NewAttachment, error) {
		seen = s
		return []NewAttachment{f.attachment(t, "issued.pdf", "stamped "+s.DocumentID, "")}, nil
	})
	must("issue", err)
	wantID := "000.00.00.H41,2025/01/01,1/UBND-VP"
	if st != seen || st.Number != 1 || st.DocumentID != wantID || st.Register.Year != 2025 {
		t.Errorf("issue stamp: got %+v (stamp saw %+v), want number 1, %s, year 2025", st, seen, wantID)
	}
	d := f.get(t, id)
	if d.State != StateIssued || d.Folder != FolderSent || d.DocumentID != wantID || d.CodeNumber != "1" ||
		dateString(d.PromulgationDate) != "2025-01-01" || d.Attachments[0].Stage != StageIssued || d.Sender != (Organization{Code: self.Code, Name: self.Name}) {
		t.Errorf("after issue: %+v", d)
	}
	box, err := f.s.Outbox(f.ctx, id)
	must("outbox", err)
	if len(box) != 2 || box[0].Kind != OutboxEdoc || box[0].Recipients[0] != sender.Code || box[1].Recipients[0] != other.Code ||
		box[0].DocumentID != wantID {
		t.Errorf("edoc outbox rows: %+v", box)
	}

	// Statuses come back from the recipients.
	at := f.clock.Now()
	must("01", f.s.RecordRecipientStatus(f.ctx, wantID, sender.Code, RecipientStatus{Code: StatusArrived, At: at}))
	must("03", f.s.RecordRecipientStatus(f.ctx, wantID, sender.Code, RecipientStatus{Code: StatusRegistered, At: at.Add(time.Hour), Description: "Số đến 12", Staff: "Hoa"}))
	must("03 again", f.s.RecordRecipientStatus(f.ctx, wantID, sender.Code, RecipientStatus{Code: StatusRegistered, At: at.Add(time.Hour), Description: "Số đến 12", Staff: "Hoa"}))
	must("01 late", f.s.RecordRecipientStatus(f.ctx, wantID, sender.Code, RecipientStatus{Code: StatusArrived, At: at.Add(-time.Minute)}))
	if err := f.s.RecordRecipientStatus(f.ctx, wantID, "000.00.00.Z99", RecipientStatus{Code: StatusArrived, At: at}); !errors.Is(err, ErrNotFound) {
		t.Errorf("status from a stranger: got %v, want ErrNotFound", err)
	}
	if err := f.s.RecordRecipientStatus(f.ctx, wantID, sender.Code, RecipientStatus{Code: StatusRecall, At: at}); !errors.Is(err, ErrInvalid) {
		t.Errorf("status 13 from a recipient: got %v, want ErrInvalid", err)
	}
	d = f.get(t, id)
	r := d.Recipients[0]
	if len(r.Statuses) != 3 || r.Latest == nil || r.Latest.Code != StatusRegistered || r.Latest.Staff != "Hoa" {
		t.Errorf("recipient statuses: %+v latest %+v", r.Statuses, r.Latest)
	}
	if d.Recipients[1].Latest != nil {
		t.Errorf("second recipient has a status: %+v", d.Recipients[1].Latest)
	}
	var lastCode string
	if err := f.s.r.QueryRowContext(f.ctx, `SELECT last_code FROM recipients WHERE organ_code = ?`, sender.Code).Scan(&lastCode); err != nil || lastCode != "03" {
		t.Errorf("denormalised latest status: %q %v", lastCode, err)
	}

	must("recall", f.s.Recall(f.ctx, id, leader, "Sai sót số liệu"))
	p := f.enc.Last(t)
	if p.Code != StatusRecall || p.Description != "Sai sót số liệu" || len(p.To) != 2 || p.ResponseFor.DocumentID != wantID ||
		p.ResponseFor.OrganID != self.Code || p.From != self || p.Staff.ID != leader.ID {
		t.Errorf("recall packet: %+v", p)
	}
	must("15", f.s.RecordRecipientStatus(f.ctx, wantID, other.Code, RecipientStatus{Code: StatusRecallAccepted, At: at.Add(2 * time.Hour)}))
	if d := f.get(t, id); d.State != StateRecallSent || d.Recipients[1].Latest.Code != StatusRecallAccepted {
		t.Errorf("after recall: %s %+v", d.State, d.Recipients[1].Latest)
	}
}

func TestDuplicateIncoming(t *testing.T) {
	f := newFixture(t)
	d := f.incoming("Một văn bản")
	id := f.insert(t, d)
	again := *d
	again.Subject = "Bản thứ hai"
	_, err := f.s.InsertIncoming(f.ctx, &again, nil)
	var dup *DuplicateError
	if !errors.Is(err, ErrDuplicate) || !errors.As(err, &dup) || dup.Existing != id {
		t.Fatalf("second insert: got %v, want ErrDuplicate naming %d", err, id)
	}
	if n := f.count(t, `SELECT count(*) FROM documents`); n != 1 {
		t.Errorf("%d documents stored, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox`); n != 1 {
		t.Errorf("%d outbox rows, want 1", n)
	}
	// The same DocumentId from another sender is another document.
	other := *d
	other.Sender = Organization{Code: "000.00.00.H40", Name: "UBND tỉnh Hà Tĩnh"}
	if _, err := f.s.InsertIncoming(f.ctx, &other, nil); err != nil {
		t.Errorf("same DocumentId from another sender: %v", err)
	}
	if got, err := f.s.FindIncoming(f.ctx, sender.Code, d.DocumentID); err != nil || got != id {
		t.Errorf("FindIncoming: got %d %v, want %d", got, err, id)
	}
	if _, err := f.s.FindIncoming(f.ctx, sender.Code, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindIncoming unknown: got %v, want ErrNotFound", err)
	}
}

func TestInvalidInput(t *testing.T) {
	f := newFixture(t)
	bad := []struct {
		name string
		doc  func() *Document
		atts []NewAttachment
		want error
	}{
		{"no DocumentId", func() *Document { d := f.incoming("x"); d.DocumentID = ""; return d }, nil, ErrInvalid},
		{"no sender", func() *Document { d := f.incoming("x"); d.Sender.Code = ""; return d }, nil, ErrInvalid},
		{"priority 5", func() *Document { d := f.incoming("x"); d.Priority = 5; return d }, nil, ErrInvalid},
		{"recipient twice", func() *Document {
			d := f.incoming("x")
			d.Recipients = append(d.Recipients, d.Recipients[0])
			return d
		}, nil, ErrInvalid},
		{"blob never stored", func() *Document { return f.incoming("x") }, []NewAttachment{{Name: "a.pdf", Blob: Blob{SHA256: strings.Repeat("ab", 32), Size: 3}}}, ErrNotFound},
		{"blob size wrong", func() *Document { return f.incoming("x") }, []NewAttachment{{Name: "a.pdf", Blob: Blob{SHA256: f.blob(t, "abc").SHA256, Size: 4}}}, ErrInvalid},
		{"verification not JSON", func() *Document { return f.incoming("x") }, []NewAttachment{{Name: "a.pdf", Blob: f.blob(t, "abc"), Verification: []byte("{")}}, ErrInvalid},
	}
	for _, tc := range bad {
		if _, err := f.s.InsertIncoming(f.ctx, tc.doc(), tc.atts); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM documents`); n != 0 {
		t.Errorf("%d documents stored from invalid input", n)
	}
	if _, err := f.s.CreateDraft(f.ctx, Actor{}, outgoing("x"), nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("draft without actor: got %v", err)
	}
	if _, err := f.s.Get(f.ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get unknown: got %v, want ErrNotFound", err)
	}
	if err := f.s.Submit(f.ctx, 999, officer); !errors.Is(err, ErrNotFound) {
		t.Errorf("Submit unknown: got %v, want ErrNotFound", err)
	}
}

func TestEncoderMissingOrFailing(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.EncodeStatus = nil })
	if _, err := f.s.InsertIncoming(f.ctx, f.incoming("x"), nil); !errors.Is(err, ErrNoEncoder) {
		t.Errorf("no encoder: got %v, want ErrNoEncoder", err)
	}
	g := newFixture(t)
	g.enc.fail = errors.New("boom")
	if _, err := g.s.InsertIncoming(g.ctx, g.incoming("x"), nil); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing encoder: got %v", err)
	}
	for _, fx := range []*fixture{f, g} {
		if n := fx.count(t, `SELECT count(*) FROM documents`) + fx.count(t, `SELECT count(*) FROM audit`); n != 0 {
			t.Errorf("a failed insert left %d rows", n)
		}
	}
}

// docIn makes a document in state st by legal steps.
func (f *fixture) docIn(t testing.TB, st State) int64 {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("making a %s document: %v", st, err)
		}
	}
	att := f.attachment(t, "a.pdf", "content of "+string(st), "văn bản")
	from := Actor{ID: "axis:" + sender.Code}
	if st.incoming() {
		id := f.insert(t, f.incoming("Văn bản "+string(st)), att)
		var path []func() error
		reg := func() error { _, err := f.s.Register(f.ctx, id, clerk, "Sổ đến"); return err }
		assign := func() error { return f.s.Assign(f.ctx, id, leader, Assignment{Assignee: "Phòng A"}) }
		start := func() error { return f.s.StartProcessing(f.ctx, id, officer) }
		switch st {
		case StateRefused:
			path = []func() error{func() error { return f.s.Refuse(f.ctx, id, clerk, "nhầm") }}
		case StateRegistered:
			path = []func() error{reg}
		case StateAssigned:
			path = []func() error{reg, assign}
		case StateProcessing:
			path = []func() error{reg, assign, start}
		case StateDone:
			path = []func() error{reg, assign, start, func() error { return f.s.Done(f.ctx, id, officer) }}
		case StateRecallRequested:
			path = []func() error{reg, func() error { return f.s.RecallRequested(f.ctx, id, from, "nhầm") }}
		case StateRecalled:
			path = []func() error{func() error { return f.s.RecallRequested(f.ctx, id, from, "nhầm") },
				func() error { return f.s.AcceptRecall(f.ctx, id, clerk) }}
		}
		for _, step := range path {
			must(step())
		}
		return id
	}
	id, err := f.s.CreateDraft(f.ctx, officer, outgoing("Dự thảo "+string(st), sender), []NewAttachment{att})
	must(err)
	submit := func() error { return f.s.Submit(f.ctx, id, officer) }
	approve := func() error { return f.s.Approve(f.ctx, id, leader, []NewAttachment{att}) }
	issue := func() error { _, err := f.s.Issue(f.ctx, id, clerk, "Sổ đi", nil); return err }
	var path []func() error
	switch st {
	case StateSubmitted:
		path = []func() error{submit}
	case StateReturned:
		path = []func() error{submit, func() error { return f.s.Return(f.ctx, id, leader, "sửa") }}
	case StateApproved:
		path = []func() error{submit, approve}
	case StateIssued:
		path = []func() error{submit, approve, issue}
	case StateRecallSent:
		path = []func() error{submit, approve, issue, func() error { return f.s.Recall(f.ctx, id, leader, "sai") }}
	}
	for _, step := range path {
		must(step())
	}
	return id
}

// snapshot is everything an illegal action must leave alone.
type snapshot struct {
	doc                     *Document
	audit, outbox, comments int
	assignments, regNumbers int
	attachments, statuses   int
}

func (f *fixture) snapshot(t testing.TB, id int64) snapshot {
	t.Helper()
	return snapshot{
		doc:         f.get(t, id),
		audit:       f.count(t, `SELECT count(*) FROM audit`),
		outbox:      f.count(t, `SELECT count(*) FROM outbox`),
		comments:    f.count(t, `SELECT count(*) FROM comments`),
		assignments: f.count(t, `SELECT count(*) FROM assignments`),
		regNumbers:  f.count(t, `SELECT coalesce(sum(last_number), 0) FROM registers`),
		attachments: f.count(t, `SELECT count(*) FROM attachments`),
		statuses:    f.count(t, `SELECT count(*) FROM recipient_statuses`),
	}
}

func TestTransitionTable(t *testing.T) {
	f := newFixture(t)
	f.register(t, RegisterIncoming, "Sổ đến")
	f.register(t, RegisterOutgoing, "Sổ đi")
	from := Actor{ID: "axis:" + sender.Code}

	type act struct {
		action Action
		legal  []State
		to     State // "" for unchanged (or restored)
		do     func(id int64, d *Document) error
	}
	att := f.attachment(t, "b.pdf", "new file", "")
	actions := []act{
		{ActionRegister, []State{StateArrived}, StateRegistered, func(id int64, _ *Document) error {
			_, err := f.s.Register(f.ctx, id, clerk, "Sổ đến")
			return err
		}},
		{ActionRefuse, []State{StateArrived}, StateRefused, func(id int64, _ *Document) error { return f.s.Refuse(f.ctx, id, clerk, "sai") }},
		{ActionAssign, []State{StateRegistered, StateAssigned}, StateAssigned, func(id int64, _ *Document) error {
			return f.s.Assign(f.ctx, id, leader, Assignment{Assignee: "Phòng B", Role: RoleCoordinating})
		}},
		{ActionStartProcessing, []State{StateRegistered, StateAssigned}, StateProcessing, func(id int64, _ *Document) error {
			return f.s.StartProcessing(f.ctx, id, officer)
		}},
		{ActionDone, []State{StateProcessing}, StateDone, func(id int64, _ *Document) error { return f.s.Done(f.ctx, id, officer) }},
		{ActionRecallRequested, []State{StateArrived, StateRegistered, StateAssigned, StateProcessing, StateDone}, StateRecallRequested,
			func(id int64, _ *Document) error { return f.s.RecallRequested(f.ctx, id, from, "nhầm") }},
		{ActionAcceptRecall, []State{StateRecallRequested}, StateRecalled, func(id int64, _ *Document) error { return f.s.AcceptRecall(f.ctx, id, clerk) }},
		{ActionRefuseRecall, []State{StateRecallRequested}, StateRegistered, func(id int64, _ *Document) error {
			return f.s.RefuseRecall(f.ctx, id, clerk, "")
		}},
		{ActionReviseDraft, []State{StateDraft, StateReturned}, "", func(id int64, _ *Document) error {
			return f.s.ReviseDraft(f.ctx, id, officer, []NewAttachment{att})
		}},
		{ActionSubmit, []State{StateDraft, StateReturned}, StateSubmitted, func(id int64, _ *Document) error { return f.s.Submit(f.ctx, id, officer) }},
		{ActionReturn, []State{StateSubmitted}, StateReturned, func(id int64, _ *Document) error { return f.s.Return(f.ctx, id, leader, "sửa") }},
		{ActionApprove, []State{StateSubmitted}, StateApproved, func(id int64, _ *Document) error {
			return f.s.Approve(f.ctx, id, leader, []NewAttachment{att})
		}},
		{ActionIssue, []State{StateApproved}, StateIssued, func(id int64, _ *Document) error {
			_, err := f.s.Issue(f.ctx, id, clerk, "Sổ đi", func(IssueStamp) ([]NewAttachment, error) { return []NewAttachment{att}, nil })
			return err
		}},
		{ActionRecall, []State{StateIssued}, StateRecallSent, func(id int64, _ *Document) error { return f.s.Recall(f.ctx, id, leader, "sai") }},
		{ActionRecipientStatus, []State{StateIssued, StateRecallSent}, "", func(_ int64, d *Document) error {
			docID := d.DocumentID
			if d.Direction == Incoming || docID == "" {
				docID = "not ours"
			}
			return f.s.RecordRecipientStatus(f.ctx, docID, sender.Code, RecipientStatus{Code: StatusDone, At: f.clock.Now()})
		}},
		{ActionComment, slices.DeleteFunc(States(), func(s State) bool { return s == StateRecalled }), "", func(id int64, _ *Document) error {
			return f.s.AddComment(f.ctx, id, clerk, "ghi chú")
		}},
		{ActionSetText, slices.DeleteFunc(States(), func(s State) bool { return s == StateRecalled }), "", func(_ int64, d *Document) error {
			return f.s.SetAttachmentText(f.ctx, d.Attachments[0].ID, "văn bản mới")
		}},
	}
	for _, a := range actions {
		for _, st := range States() {
			t.Run(string(a.action)+"/"+string(st), func(t *testing.T) {
				id := f.docIn(t, st)
				before := f.snapshot(t, id)
				packets := len(f.enc.Packets())
				err := a.do(id, before.doc)
				legal := slices.Contains(a.legal, st)
				if legal != Allowed(a.action, st) {
					t.Errorf("Allowed(%s, %s) = %v, want %v", a.action, st, !legal, legal)
				}
				if !legal {
					var te *TransitionError
					switch {
					case a.action == ActionRecipientStatus && errors.Is(err, ErrNotFound):
						// not one of our issued documents: no document to talk about
					case !errors.Is(err, ErrIllegalTransition) || !errors.As(err, &te) || te.State != st || te.Action != a.action:
						t.Fatalf("got %v, want ErrIllegalTransition naming %s and %s", err, a.action, st)
					case !strings.Contains(err.Error(), lower(st.English())):
						t.Errorf("message %q does not name the state", err)
					}
					if after := f.snapshot(t, id); !reflect.DeepEqual(before, after) {
						t.Errorf("an illegal action changed something:\nbefore %+v\nafter  %+v", before, after)
					}
					if len(f.enc.Packets()) != packets {
						t.Error("an illegal action encoded a status packet")
					}
					return
				}
				if err != nil {
					t.Fatalf("legal action failed: %v", err)
				}
				after := f.snapshot(t, id)
				want := a.to
				if want == "" {
					want = st
				}
				if after.doc.State != want {
					t.Errorf("state got %s, want %s", after.doc.State, want)
				}
				if after.audit != before.audit+1 {
					t.Errorf("audit entries: got %d new, want 1", after.audit-before.audit)
				}
			})
		}
	}
}
