package inbox

import (
	"errors"
	"testing"
	"time"
)

func TestOutboxSummaryAndRows(t *testing.T) {
	f := newFixture(t)
	sum, err := f.s.OutboxSummary(f.ctx)
	if err != nil || sum != (OutboxSummary{}) {
		t.Fatalf("empty outbox: got %+v, %v", sum, err)
	}
	a := f.insert(t, f.incoming("một"))
	b := f.insert(t, f.incoming("hai"))
	f.insert(t, f.incoming("ba"))
	rows, err := f.s.OutboxRows(f.ctx, OutboxPending, 0)
	if err != nil || len(rows) != 3 || rows[0].Document <= rows[2].Document {
		t.Fatalf("pending rows: got %d (%v), want 3 newest first", len(rows), err)
	}
	byDoc := map[int64]int64{}
	for _, r := range rows {
		byDoc[r.Document] = r.ID
	}
	if err := f.s.MarkSent(f.ctx, byDoc[a], "axis-1"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.MarkFailed(f.ctx, byDoc[b], "UNKNOWN_RECIPIENT", time.Time{}); err != nil {
		t.Fatal(err)
	}
	sum, err = f.s.OutboxSummary(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Pending != 1 || sum.Failed != 1 || sum.Sent != 1 || !sum.NextAttempt.Equal(f.clock.Now().Truncate(time.Millisecond)) {
		t.Errorf("summary: got %+v, want 1 pending due now, 1 failed, 1 sent", sum)
	}
	for _, c := range []struct {
		state OutboxState
		want  int
	}{{OutboxPending, 1}, {OutboxFailed, 1}, {OutboxSent, 1}, {"", 3}} {
		rows, err := f.s.OutboxRows(f.ctx, c.state, 10)
		if err != nil || len(rows) != c.want {
			t.Errorf("OutboxRows(%q): got %d rows (%v), want %d", c.state, len(rows), err, c.want)
		}
	}
	if rows, _ := f.s.OutboxRows(f.ctx, OutboxFailed, 10); len(rows) == 1 && rows[0].LastError != "UNKNOWN_RECIPIENT" {
		t.Errorf("failed row: last error %q", rows[0].LastError)
	}
}

func TestResend(t *testing.T) {
	f := newFixture(t)
	f.register(t, RegisterOutgoing, "Sổ đi")
	other := Organization{Code: "000.00.00.H40", Name: "UBND tỉnh Hà Tĩnh"}
	third := Organization{Code: "000.00.00.H23", Name: "UBND tỉnh Hà Nam"}
	id, err := f.s.CreateDraft(f.ctx, officer, outgoing("V/v gửi bổ sung", sender), []NewAttachment{f.attachment(t, "a.pdf", "draft", "")})
	if err != nil {
		t.Fatal(err)
	}
	// Only an issued document can be sent.
	if _, err := f.s.Resend(f.ctx, id, clerk, []Organization{other}); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("resending a draft: got %v, want ErrIllegalTransition", err)
	}
	if err := f.s.Submit(f.ctx, id, officer); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Approve(f.ctx, id, leader, []NewAttachment{f.attachment(t, "signed.pdf", "signed", "")}); err != nil {
		t.Fatal(err)
	}
	st, err := f.s.Issue(f.ctx, id, clerk, "Sổ đi", nil)
	if err != nil {
		t.Fatal(err)
	}
	box, _ := f.s.Outbox(f.ctx, id)
	if len(box) != 1 {
		t.Fatalf("after issue: %d outbox rows", len(box))
	}
	// The first row failed for good; the clerk sends again to the same
	// recipient and to two new ones.
	if err := f.s.MarkFailed(f.ctx, box[0].ID, "UNKNOWN_RECIPIENT", time.Time{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	to := []Organization{{Code: " " + sender.Code}, other, third}
	rows, err := f.s.Resend(f.ctx, id, clerk, to)
	if err != nil {
		t.Fatal(err)
	}
	if to[0].Code != " "+sender.Code {
		t.Error("Resend changed its argument")
	}
	if len(rows) != 3 || rows[0] != box[0].ID {
		t.Fatalf("queued rows %v: want the failed row %d retried and two new rows", rows, box[0].ID)
	}
	box, _ = f.s.Outbox(f.ctx, id)
	if len(box) != 3 {
		t.Fatalf("%d outbox rows, want 3", len(box))
	}
	for _, r := range box {
		if r.State != OutboxPending || r.Kind != OutboxEdoc || r.DocumentID != st.DocumentID || len(r.Recipients) != 1 ||
			r.NextAttemptAt.After(f.clock.Now()) || r.LastError != "" {
			t.Errorf("row %+v: want pending edoc for %s, due now", r, st.DocumentID)
		}
	}
	d := f.get(t, id)
	if len(d.Recipients) != 3 || d.Recipients[1].Code != other.Code || d.Recipients[2].Name != third.Name {
		t.Errorf("recipients: %+v", d.Recipients)
	}
	// The new recipients' statuses are recorded.
	if err := f.s.RecordRecipientStatus(f.ctx, st.DocumentID, third.Code, RecipientStatus{Code: StatusArrived, At: f.clock.Now()}); err != nil {
		t.Errorf("status from a new recipient: %v", err)
	}
	// Sent rows are sent again as new rows.
	for _, r := range box {
		if err := f.s.MarkSent(f.ctx, r.ID, "axis-"+r.Recipients[0]); err != nil {
			t.Fatal(err)
		}
	}
	rows, err = f.s.Resend(f.ctx, id, clerk, []Organization{other})
	if err != nil || len(rows) != 1 || rows[0] <= box[2].ID {
		t.Fatalf("resending a sent copy: rows %v, %v", rows, err)
	}
	trail, err := f.s.AuditTrail(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sends := 0
	for _, e := range trail {
		if e.Action == ActionSend {
			sends++
		}
	}
	if sends != 2 {
		t.Errorf("%d send entries in the audit trail, want 2", sends)
	}
	res, err := f.s.VerifyAudit(f.ctx)
	if err != nil || !res.OK {
		t.Errorf("audit chain: %+v, %v", res, err)
	}
	for _, bad := range [][]Organization{nil, {{Code: ""}}, {other, other}, {self}} {
		if _, err := f.s.Resend(f.ctx, id, clerk, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Resend(%v): got %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := f.s.Resend(f.ctx, 9999, clerk, []Organization{other}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Resend of a missing document: got %v, want ErrNotFound", err)
	}
}
