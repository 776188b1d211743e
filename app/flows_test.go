package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
	"github.com/vanthu/vanthu/signing/demodoc"
)

// tapAction taps the document view's button for action key.
func (h *harness) tapAction(key string) {
	h.t.Helper()
	b := h.u.view.buttons[key]
	if b == nil {
		var have []string
		for k := range h.u.view.buttons {
			have = append(have, k)
		}
		h.t.Fatalf("no %q button for document %d (%s) as %s; buttons: %v", key, h.u.view.doc.ID, h.u.view.doc.State, h.set.Role(), have)
	}
	test.Tap(b)
	h.settle()
}

// submitDialog taps the open dialog's OK button and waits for its work.
func (h *harness) submitDialog() {
	h.t.Helper()
	if h.u.dialog == nil {
		h.t.Fatal("no dialog is open")
	}
	test.Tap(h.u.dialog.ok)
	h.settle()
}

func (h *harness) state(id int64) inbox.State { return h.get(id).State }

func TestRegisterShowsArrivalNumber(t *testing.T) {
	h := newWorldHarness(t, roleClerk)
	h.start()
	id := h.inState(inbox.StateArrived)[0]
	h.open(id)
	h.tapAction("register")
	if got := h.u.dialog.fields["register"].(*widget.SelectEntry).Text; got != "Sổ văn bản đến" {
		t.Errorf("register prefilled with %q", got)
	}
	h.submitDialog()
	d := h.get(id)
	if d.State != inbox.StateRegistered || d.Number == 0 {
		t.Fatalf("after registering: state %s, number %d", d.State, d.Number)
	}
	want := "số đến " + itoa(d.Number)
	if !strings.Contains(h.u.notice, want) {
		t.Errorf("notice %q does not give %q", h.u.notice, want)
	}
	if h.u.view.doc.State != inbox.StateRegistered {
		t.Errorf("the document view still shows %s", h.u.view.doc.State)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// Refusing needs a reason: without one the dialog says so and nothing
// changes; with one the document is refused.
func TestRefuseNeedsReason(t *testing.T) {
	h := newWorldHarness(t, roleClerk)
	h.start()
	id := h.inState(inbox.StateArrived)[0]
	h.open(id)
	h.tapAction("refuse")
	h.submitDialog()
	if h.u.dialog.msg.Text == "" || h.state(id) != inbox.StateArrived {
		t.Fatalf("empty reason: message %q, state %s", h.u.dialog.msg.Text, h.state(id))
	}
	test.Type(h.u.dialog.entry("reason"), "Gửi nhầm cơ quan")
	h.submitDialog()
	if h.state(id) != inbox.StateRefused {
		t.Fatalf("state after refusing = %s", h.state(id))
	}
	found := false
	for _, c := range h.get(id).Comments {
		found = found || strings.Contains(c.Text, "Gửi nhầm cơ quan")
	}
	if !found {
		t.Error("the reason is not recorded")
	}
}

func TestAssignValidatesDeadline(t *testing.T) {
	h := newWorldHarness(t, roleLeader)
	h.start()
	id := h.inState(inbox.StateRegistered)[0]
	h.open(id)
	h.tapAction("assign")
	fd := h.u.dialog
	test.Type(fd.entry("assignee"), "Trần Văn Bình")
	test.Type(fd.entry("deadline"), "31/02/2025")
	h.submitDialog()
	if !strings.Contains(fd.msg.Text, "25/12/2025") || h.state(id) != inbox.StateRegistered {
		t.Fatalf("bad date: message %q, state %s", fd.msg.Text, h.state(id))
	}
	due := today().AddDate(0, 0, 10)
	fd.entry("deadline").SetText(formatDate(due))
	test.Type(fd.entry("note"), "Đề nghị xử lý gấp")
	fd.fields["role"].(*widget.RadioGroup).SetSelected("Phối hợp")
	h.submitDialog()
	d := h.get(id)
	if d.State != inbox.StateAssigned || len(d.Assignments) == 0 {
		t.Fatalf("after assigning: state %s, assignments %+v", d.State, d.Assignments)
	}
	a := d.Assignments[len(d.Assignments)-1]
	if a.Assignee != "Trần Văn Bình" || a.Role != inbox.RoleCoordinating || formatDate(a.Deadline) != formatDate(due) || a.Note != "Đề nghị xử lý gấp" {
		t.Errorf("assignment = %+v", a)
	}
}

func TestProcessingAndDone(t *testing.T) {
	h := newWorldHarness(t, roleOfficer)
	h.start()
	id := h.inState(inbox.StateAssigned)[0]
	h.open(id)
	h.tapAction("process")
	if h.state(id) != inbox.StateProcessing {
		t.Fatalf("state after start processing = %s", h.state(id))
	}
	h.tapAction("done")
	if h.state(id) != inbox.StateDone {
		t.Fatalf("state after done = %s", h.state(id))
	}
	if _, ok := h.u.view.buttons["done"]; ok {
		t.Error("a finished document still offers “done”")
	}
}

func TestSubmitThenReturnWithComment(t *testing.T) {
	h := newWorldHarness(t, roleOfficer)
	h.start()
	id := h.inState(inbox.StateDraft)[0]
	h.open(id)
	h.tapAction("submit")
	if h.state(id) != inbox.StateSubmitted {
		t.Fatalf("state after submit = %s", h.state(id))
	}
	h.u.roleSel.SetSelected("Lãnh đạo")
	h.tapAction("return")
	h.submitDialog()
	if h.state(id) != inbox.StateSubmitted {
		t.Fatal("returned without a comment")
	}
	test.Type(h.u.dialog.entry("comment"), "Sửa lại đoạn 2")
	h.submitDialog()
	if h.state(id) != inbox.StateReturned {
		t.Fatalf("state after return = %s", h.state(id))
	}
}

func TestApproveAndSign(t *testing.T) {
	h := newWorldHarness(t, roleLeader)
	h.start()
	id := h.inState(inbox.StateSubmitted)[0]
	h.open(id)
	h.tapAction("approve")
	if h.u.dialog.entry("secret").Text == "" {
		t.Error("the demo secret is not prefilled")
	}
	h.submitDialog()
	d := h.get(id)
	if d.State != inbox.StateApproved {
		t.Fatalf("state after signing = %s (dialog says %q)", d.State, h.u.dialog.msg.Text)
	}
	if len(h.u.batch.results) != 1 || h.u.batch.results[0].Err != nil || h.u.batch.bar.Value != 1 {
		t.Fatalf("results %+v, progress %v", h.u.batch.results, h.u.batch.bar.Value)
	}
	if d.Attachments[0].Stage != inbox.StageApproved || d.Attachments[0].Verdict != "VALID" {
		t.Errorf("signed attachment: stage %s, verdict %s", d.Attachments[0].Stage, d.Attachments[0].Verdict)
	}
	if h.u.dialog.entry("secret").Text != "" {
		t.Error("the password stays in the entry after signing")
	}
}

// A refused password keeps the dialog open with a message the leader can
// act on, changes nothing, and the right one then signs.
func TestRefusedPassword(t *testing.T) {
	h := newWorldHarness(t, roleLeader)
	h.start()
	id := h.inState(inbox.StateSubmitted)[0]
	h.open(id)
	h.tapAction("approve")
	fd := h.u.dialog
	good := fd.entry("secret").Text
	fd.entry("secret").SetText("")
	test.Type(fd.entry("secret"), "sai-mat-khau")
	h.submitDialog()
	if !strings.Contains(fd.msg.Text, "Sai mật khẩu") || h.state(id) != inbox.StateSubmitted {
		t.Fatalf("wrong password: message %q, state %s", fd.msg.Text, h.state(id))
	}
	if strings.Contains(fd.msg.Text, "sai-mat-khau") {
		t.Error("the message repeats the password")
	}
	fd.entry("secret").SetText(good)
	h.submitDialog()
	if h.state(id) != inbox.StateApproved {
		t.Fatalf("state after the right password = %s", h.state(id))
	}
}

// Clicking on the page places the signature where clicked.
func TestSignatureAtClickedPlace(t *testing.T) {
	h := newWorldHarness(t, roleLeader)
	h.start()
	id := h.inState(inbox.StateSubmitted)[0]
	h.open(id)
	h.tapAction("approve")
	h.u.placeAt(0, 300, 200) // the viewer's tap on page 1
	h.submitDialog()
	d := h.get(id)
	if d.State != inbox.StateApproved {
		t.Fatalf("state = %s (%q)", d.State, h.u.dialog.msg.Text)
	}
	v, err := h.desk.Verification(h.ctx, id, d.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	last := v.Signatures[len(v.Signatures)-1]
	if last.Page != 1 {
		t.Errorf("signature on page %d, want 1 (the clicked page)", last.Page)
	}
}

// newDraftPDF stores a demo PDF as a new draft and submits it.
func (h *harness) submittedDraft(seed int64) int64 {
	h.t.Helper()
	doc, err := demodoc.Generate(demodoc.Example(demodoc.CongVan, seed))
	if err != nil {
		h.t.Fatal(err)
	}
	id, err := h.desk.NewDraft(h.ctx, bytes.NewReader(doc.PDF), desk.DraftInfo{Subject: "V/v thử ký hàng loạt", Notation: "UBND-VP",
		Recipients: []inbox.Organization{senders[0]}})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.desk.Submit(h.ctx, id); err != nil {
		h.t.Fatal(err)
	}
	return id
}

// Batch: several documents ticked in the list, one password, a progress
// bar and a result per document; a document that cannot be signed (a
// draft not submitted) fails alone.
func TestBatchSign(t *testing.T) {
	h := newWorldHarness(t, roleLeader)
	ids := []int64{h.submittedDraft(11), h.submittedDraft(12), h.submittedDraft(13)}
	draft := h.inState(inbox.StateDraft)[0]
	h.start()
	h.u.folders.selectFolder("")
	h.settle()
	for _, id := range append(ids, draft) {
		h.u.list.setChecked(id, true)
	}
	if h.u.signBatch.Disabled() {
		t.Fatal("the batch button is disabled with documents ticked")
	}
	test.Tap(h.u.signBatch)
	h.settle()
	h.submitDialog()
	res := h.u.batch.results
	if len(res) != 4 {
		t.Fatalf("%d results, want 4", len(res))
	}
	failed := 0
	for _, r := range res {
		if r.Err != nil {
			failed++
			if r.ID != draft {
				t.Errorf("document %d failed: %v", r.ID, r.Err)
			}
		}
	}
	if failed != 1 {
		t.Errorf("%d failures, want 1 (the draft)", failed)
	}
	for _, id := range ids {
		if h.state(id) != inbox.StateApproved {
			t.Errorf("document %d is %s after the batch", id, h.state(id))
		}
	}
	if h.state(draft) != inbox.StateDraft {
		t.Errorf("the draft became %s", h.state(draft))
	}
	if h.u.batch.bar.Value != 1 || !strings.Contains(h.u.notice, "3/4") {
		t.Errorf("progress %v, notice %q", h.u.batch.bar.Value, h.u.notice)
	}
	if len(h.u.list.checked) != 0 {
		t.Error("the ticks stay after the batch")
	}
}

func TestIssue(t *testing.T) {
	h := newWorldHarness(t, roleClerk)
	h.start()
	id := h.inState(inbox.StateApproved)[0]
	h.open(id)
	h.tapAction("issue")
	h.submitDialog()
	d := h.get(id)
	if d.State != inbox.StateIssued || d.Number == 0 {
		t.Fatalf("after issuing: state %s, number %d (%q)", d.State, d.Number, h.u.dialog.msg.Text)
	}
	if !strings.Contains(h.u.notice, "số "+itoa(d.Number)+"/") {
		t.Errorf("notice %q", h.u.notice)
	}
	out, err := h.st.Outbox(h.ctx, id)
	if err != nil || len(out) == 0 {
		t.Errorf("no packet queued for the recipients (%v)", err)
	}
}

func TestRecallIssued(t *testing.T) {
	h := newWorldHarness(t, roleClerk)
	h.start()
	id := h.inState(inbox.StateIssued)[0]
	h.open(id)
	h.tapAction("recall")
	test.Type(h.u.dialog.entry("reason"), "Văn bản có sai sót")
	h.submitDialog()
	if h.state(id) != inbox.StateRecallSent {
		t.Fatalf("state = %s", h.state(id))
	}
}

func TestAcceptAndRefuseRecall(t *testing.T) {
	h := newWorldHarness(t, roleClerk)
	h.start()
	id := h.inState(inbox.StateRecallRequested)[0]
	h.open(id)
	h.tapAction("acceptRecall")
	h.submitDialog()
	d := h.get(id)
	if d.State != inbox.StateRecalled || !d.Hidden {
		t.Fatalf("after accepting: state %s, hidden %v", d.State, d.Hidden)
	}

	h2 := newWorldHarness(t, roleClerk)
	h2.start()
	id = h2.inState(inbox.StateRecallRequested)[0]
	h2.open(id)
	h2.tapAction("refuseRecall")
	test.Type(h2.u.dialog.entry("reason"), "Đã xử lý xong")
	h2.submitDialog()
	if st := h2.state(id); st == inbox.StateRecallRequested || st == inbox.StateRecalled {
		t.Fatalf("after refusing the recall: state %s", st)
	}
}

func TestSendToMoreAgencies(t *testing.T) {
	h := newWorldHarness(t, roleClerk)
	h.start()
	id := h.inState(inbox.StateIssued)[0]
	before := len(h.get(id).Recipients)
	h.open(id)
	h.tapAction("send")
	h.submitDialog()
	if h.u.dialog.msg.Text == "" {
		t.Fatal("sending to nobody was accepted")
	}
	// The offline copy's directory may be empty: an agency is named by its
	// organisation code.
	p := h.u.picker
	test.Type(p.search, "000.00.00.g12")
	if len(p.shown) != 1 || p.shown[0].Code != "000.00.00.G12" {
		t.Fatalf("typing a code shows %+v", p.shown)
	}
	p.toggle(p.shown[0], true)
	h.submitDialog()
	if got := len(h.get(id).Recipients); got != before+1 {
		t.Fatalf("recipients %d, want %d (%q)", got, before+1, h.u.dialog.msg.Text)
	}
}

func TestComment(t *testing.T) {
	h := newWorldHarness(t, roleOfficer)
	h.start()
	id := h.inState(inbox.StateProcessing)[0]
	h.open(id)
	test.Type(h.u.view.comment, "Đã liên hệ đơn vị phối hợp")
	test.Tap(h.u.view.buttons["comment"])
	h.settle()
	found := false
	for _, c := range h.get(id).Comments {
		found = found || c.Text == "Đã liên hệ đơn vị phối hợp"
	}
	if !found || h.u.view.comment.Text != "" {
		t.Fatalf("comment stored %v, entry %q", found, h.u.view.comment.Text)
	}
}

// The signature panel explains a signed attachment in plain words.
func TestSignaturePanel(t *testing.T) {
	h := newWorldHarness(t, roleClerk)
	h.start()
	id := h.inState(inbox.StateIssued)[0]
	h.open(id)
	text := labelsText(h.u.view.files)
	for _, want := range []string{"Chữ ký 1: hợp lệ", "Người ký", "Chuỗi chứng thư"} {
		if !strings.Contains(text, want) {
			t.Errorf("the signature panel does not say %q:\n%s", want, text)
		}
	}
}

// Dropping a PDF on the window starts a draft; anything else is refused
// with a message.
func TestDropPDFStartsDraft(t *testing.T) {
	h := newWorldHarness(t, roleOfficer)
	h.start()
	doc, err := demodoc.Generate(demodoc.Example(demodoc.CongVan, 5))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "to-trinh.pdf")
	if err := os.WriteFile(path, doc.PDF, 0o600); err != nil {
		t.Fatal(err)
	}
	h.u.dropped(fyne.NewPos(10, 10), []fyne.URI{uriOf(path)})
	fd := h.u.dialog
	test.Type(fd.entry("subject"), "V/v đề xuất kinh phí năm 2026")
	h.submitDialog()
	rows, _, err := h.st.List(h.ctx, inbox.Filter{Folder: inbox.FolderDrafts}, inbox.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		found = found || r.Subject == "V/v đề xuất kinh phí năm 2026"
	}
	if !found {
		t.Fatalf("no draft created (%q)", fd.msg.Text)
	}
	h.u.dropped(fyne.NewPos(10, 10), []fyne.URI{uriOf(filepath.Join(t.TempDir(), "note.docx"))})
	if !strings.Contains(h.u.notice, "PDF") {
		t.Errorf("dropping a .docx: notice %q", h.u.notice)
	}
}

func TestStatusBarOffline(t *testing.T) {
	h := newWorldHarness(t, roleClerk)
	h.start()
	if got := h.u.status.online.Text; got != "Chưa cấu hình trục (làm việc ngoại tuyến)" {
		t.Errorf("status = %q", got)
	}
	if !strings.HasPrefix(h.u.status.outbox.Text, "Hộp thư đi: ") {
		t.Errorf("outbox = %q", h.u.status.outbox.Text)
	}
}

// labelsText is the text of every label under o.
func labelsText(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}
