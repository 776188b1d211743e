package courier_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/sample"
)

// signPDF signs a PDF in memory.
func signPDF(t testing.TB, pdf []byte, opts signing.PDFOptions) []byte {
	t.Helper()
	out, err := os.Create(filepath.Join(t.TempDir(), "signed.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := signing.SignPDF(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), out, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeEdoc decodes a packet stored on the hub, attachments in memory.
func decodeEdoc(t testing.TB, b []byte) (*edxml.Edoc, map[edxml.AttachmentRef][]byte) {
	t.Helper()
	sink := memSink{}
	e, err := edxml.DecodeEdoc(context.Background(), bytes.NewReader(b), sink, edxml.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return e, sink
}

type memSink map[edxml.AttachmentRef][]byte

func (m memSink) Put(_ context.Context, att edxml.AttachmentInfo, r io.Reader) (edxml.AttachmentRef, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	ref := edxml.AttachmentRef(att.ContentID)
	m[ref] = b
	return ref, nil
}

func (m memSink) Discard(_ context.Context, ref edxml.AttachmentRef) error {
	delete(m, ref)
	return nil
}

func decodeStatus(t testing.TB, b []byte) *edxml.Status {
	t.Helper()
	st, err := edxml.DecodeStatus(context.Background(), bytes.NewReader(b), edxml.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func check(t *testing.T, what string, got, want any) {
	t.Helper()
	if !equal(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func equal(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []string:
		y, ok := b.([]string)
		return ok && slices.Equal(x, y)
	}
	return a == b
}

// TestEndToEnd runs the whole exchange over one hub: A issues a signed
// dispatch to B and C; B registers, assigns, processes and finishes it; C
// refuses it; A sees each recipient's statuses; A recalls it, B agrees and
// its copy is frozen and hidden. Every packet on the hub is decoded and
// checked field by field.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	pki, err := demopki.New(demopki.Options{NoServers: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pki.Close()
	roots := pki.Root.Chain[:1]
	h := newHub(t, nil)
	a := newDesk(t, h.URL, orgA, sysA, deskOptions{})
	verifying := func() deskOptions {
		return deskOptions{importer: &inbox.Importer{Verify: signing.VerifyOptions{Roots: roots}}}
	}
	b := newDesk(t, h.URL, orgB, sysB, verifying())
	c := newDesk(t, h.URL, orgC, sysC, verifying())

	// A: the leader signs the draft, the clerk issues it with the agency seal.
	approved := signPDF(t, sample.SimplePDF(2), signing.PDFOptions{
		Signer:     signing.Signer{Key: pki.Leader.Key, Chain: pki.Leader.Chain},
		Appearance: signing.Appearance{Kind: signing.AppearancePersonal, Position: []string{"KT. CHỦ NHIỆM", "PHÓ CHỦ NHIỆM"}, Name: "Trần Văn Hùng"},
		Reason:     "Phê duyệt văn bản",
	})
	var issued []byte
	stamp := func(st inbox.IssueStamp) ([]inbox.NewAttachment, error) {
		issued = signPDF(t, approved, signing.PDFOptions{
			Signer:     signing.Signer{Key: pki.Agency.Key, Chain: pki.Agency.Chain},
			Appearance: signing.Appearance{Kind: signing.AppearanceAgency},
			Reason:     "Phát hành văn bản số " + st.DocumentID,
		})
		att := a.putPDF(t, "cong-van.pdf", issued)
		att.Description = "Công văn đã ký số"
		return []inbox.NewAttachment{att}, nil
	}
	docA, st := a.issue(t, "V/v triển khai liên thông văn bản điện tử", a.putPDF(t, "da-ky.pdf", approved), stamp, orgB, orgC)
	issuedSHA := sha256.Sum256(issued)

	// A sends: one packet per recipient.
	if rep := a.once(t); rep.Sent != 2 || rep.Failures() != 0 {
		t.Fatalf("A's first pass: %+v, want 2 sent", rep)
	}
	sentA := h.sent(t, orgA.Code, "edoc")
	if len(sentA) != 2 {
		t.Fatalf("%d edoc deliveries from A on the hub, want 2", len(sentA))
	}
	var deliveredTo []string
	for _, en := range sentA {
		deliveredTo = append(deliveredTo, en.Delivery.To)
		check(t, "packet DocumentID", en.Packet.DocumentID, st.DocumentID)
		e, atts := decodeEdoc(t, h.body(t, en.Packet.ID))
		hd := e.Header
		check(t, "From.OrganId", hd.From.OrganID, orgA.Code)
		check(t, "From.OrganName", hd.From.OrganName, orgA.Name)
		check(t, "To", []string{hd.To[0].OrganID, hd.To[1].OrganID}, []string{orgB.Code, orgC.Code})
		check(t, "To names", []string{hd.To[0].OrganName, hd.To[1].OrganName}, []string{orgB.Name, orgC.Name})
		check(t, "DocumentId", hd.DocumentID, st.DocumentID)
		check(t, "CodeNumber", hd.Code.CodeNumber, "1")
		check(t, "CodeNotation", hd.Code.CodeNotation, "VP-TH")
		check(t, "Place", hd.PromulgationInfo.Place, "Hà Nội")
		check(t, "PromulgationDate", hd.PromulgationInfo.PromulgationDate.Time.Format("2006/01/02"), st.Date.Format("2006/01/02"))
		check(t, "TypeName", hd.DocumentType.TypeName, "Công văn")
		check(t, "Type", hd.DocumentType.Type, 1)
		check(t, "Subject", hd.Subject, "V/v triển khai liên thông văn bản điện tử")
		check(t, "Content", hd.Content, "Nội dung: V/v triển khai liên thông văn bản điện tử")
		check(t, "SignerInfo", hd.SignerInfo.Competence+"|"+hd.SignerInfo.Position+"|"+hd.SignerInfo.FullName, "KT. CHỦ NHIỆM|PHÓ CHỦ NHIỆM|Trần Văn Hùng")
		check(t, "DueDate", hd.DueDate.Time.Format("2006/01/02"), "2030/12/31")
		check(t, "Priority", hd.OtherInfo.Priority, edxml.PriorityUrgent)
		if len(e.Attachments) != 1 {
			t.Fatalf("%d attachments in the packet", len(e.Attachments))
		}
		at := e.Attachments[0]
		check(t, "attachment name", at.Name, "cong-van.pdf")
		check(t, "attachment type", at.ContentType, "application/pdf")
		check(t, "attachment description", at.Description, "Công văn đã ký số")
		check(t, "attachment content", sha256.Sum256(atts[at.Ref]), issuedSHA)
	}
	slices.Sort(deliveredTo)
	check(t, "delivered to", deliveredTo, []string{orgC.Code, orgB.Code}) // sorted

	// B and C receive it, verify its signatures and say it arrived (01).
	for _, d := range []*desk{b, c} {
		rep := d.once(t)
		if rep.Received != 1 || rep.Sent != 1 || rep.Failures() != 0 {
			t.Fatalf("%s's pass: %+v, want 1 received and status 01 sent", d.org.Code, rep)
		}
		in := d.incoming(t)
		sum, ok := in[st.DocumentID]
		if len(in) != 1 || !ok {
			t.Fatalf("%s holds %v", d.org.Code, in)
		}
		doc, err := d.store.Get(ctx, sum.ID)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "received state", doc.State, inbox.StateArrived)
		check(t, "received sender", doc.Sender.Code+"|"+doc.Sender.Name, orgA.Code+"|"+orgA.Name)
		check(t, "received subject", doc.Subject, "V/v triển khai liên thông văn bản điện tử")
		check(t, "received number", doc.CodeNumber+"/"+doc.CodeNotation, "1/VP-TH")
		check(t, "received priority", doc.Priority, inbox.PriorityUrgent)
		check(t, "received signer", doc.Signer.FullName, "Trần Văn Hùng")
		if len(doc.Attachments) != 1 {
			t.Fatalf("%d attachments stored", len(doc.Attachments))
		}
		att := doc.Attachments[0]
		check(t, "stored file", att.Blob.SHA256, hex.EncodeToString(issuedSHA[:]))
		check(t, "signature verdict", att.Verdict, string(signing.Valid))
		if !strings.Contains(string(att.Verification), pki.Agency.Cert.Subject.CommonName) ||
			!strings.Contains(string(att.Verification), pki.Leader.Cert.Subject.CommonName) {
			t.Errorf("the verification does not name the leader and the agency: %s", att.Verification)
		}
		if p := h.pending(t, d.org.Code, "edoc"); len(p) != 0 {
			t.Errorf("%s: %d edoc deliveries not acknowledged", d.org.Code, len(p))
		}
	}
	docB := b.incoming(t)[st.DocumentID].ID
	docC := c.incoming(t)[st.DocumentID].ID

	// B handles it; C refuses it.
	if _, err := b.store.Register(ctx, docB, clerk, "Sổ văn bản đến"); err != nil {
		t.Fatal(err)
	}
	if err := b.store.Assign(ctx, docB, leader, inbox.Assignment{Assignee: "Phòng Tổng hợp", Note: "Xử lý ngay"}); err != nil {
		t.Fatal(err)
	}
	if err := b.store.StartProcessing(ctx, docB, officer); err != nil {
		t.Fatal(err)
	}
	if err := b.store.Done(ctx, docB, officer); err != nil {
		t.Fatal(err)
	}
	const refusal = "Gửi nhầm đơn vị, đề nghị gửi Sở Thông tin và Truyền thông"
	if err := c.store.Refuse(ctx, docC, clerk, refusal); err != nil {
		t.Fatal(err)
	}
	if rep := b.once(t); rep.Sent != 4 {
		t.Fatalf("B sent %+v, want 4 statuses", rep)
	}
	if rep := c.once(t); rep.Sent != 1 {
		t.Fatalf("C sent %+v, want 1 status", rep)
	}
	// A pulls: each recipient's statuses.
	if rep := a.once(t); rep.Statuses != 7 || rep.Failures() != 0 {
		t.Fatalf("A's pass: %+v, want 7 statuses applied", rep)
	}
	doc, err := a.store.Get(ctx, docA)
	if err != nil {
		t.Fatal(err)
	}
	codes := func(r inbox.Recipient) []string {
		var out []string
		for _, s := range r.Statuses {
			out = append(out, string(s.Code))
		}
		return out
	}
	check(t, "B's statuses", codes(doc.Recipients[0]), []string{"01", "03", "04", "05", "06"})
	check(t, "C's statuses", codes(doc.Recipients[1]), []string{"01", "02"})
	check(t, "C's reason", doc.Recipients[1].Latest.Description, refusal)
	check(t, "who refused", doc.Recipients[1].Latest.Staff, clerk.Name)

	// The status packets on the hub, field by field.
	wantFrom := map[string]inbox.Organization{orgB.Code: orgB, orgC.Code: orgC}
	wantStaff := map[string]inbox.Actor{"01": {ID: "system"}, "02": clerk, "03": clerk, "04": leader, "05": officer, "06": officer}
	for _, from := range []string{orgB.Code, orgC.Code} {
		for _, en := range h.sent(t, from, "status") {
			check(t, "status delivered to", en.Delivery.To, orgA.Code)
			check(t, "status delivery done", en.Delivery.Status, "done")
			s := decodeStatus(t, h.body(t, en.Packet.ID))
			check(t, "ResponseFor.OrganId", s.ResponseFor.OrganID, orgA.Code)
			check(t, "ResponseFor.DocumentId", s.ResponseFor.DocumentID, st.DocumentID)
			check(t, "ResponseFor.Code", s.ResponseFor.Code, "1/VP-TH")
			check(t, "ResponseFor.PromulgationDate", s.ResponseFor.PromulgationDate.Time.Format("2006/01/02"), st.Date.Format("2006/01/02"))
			check(t, "From.OrganId", s.From.OrganID, from)
			check(t, "From.OrganName", s.From.OrganName, wantFrom[from].Name)
			if s.Timestamp.Time.IsZero() || time.Since(s.Timestamp.Time) > time.Hour {
				t.Errorf("status %s: timestamp %v", s.StatusCode, s.Timestamp.Time)
			}
			staff := wantStaff[string(s.StatusCode)]
			name := staff.Name
			if name == "" {
				name = staff.ID
			}
			check(t, "StaffInfo.Staff "+string(s.StatusCode), s.StaffInfo.Staff, name)
			check(t, "StaffInfo.Department "+string(s.StatusCode), s.StaffInfo.Department, staff.Department)
			check(t, "StaffInfo.Email "+string(s.StatusCode), s.StaffInfo.Email, staff.Email)
			switch s.StatusCode {
			case "02":
				check(t, "02 description", s.Description, refusal)
				check(t, "02 from", from, orgC.Code)
			case "03":
				check(t, "03 description", s.Description, "Đã vào sổ Sổ văn bản đến, số đến 1")
			}
		}
	}

	// A recalls; B is asked, C (which refused it) has nothing to give back.
	const why = "Văn bản ban hành chưa đúng thẩm quyền"
	if err := a.store.Recall(ctx, docA, clerk, why); err != nil {
		t.Fatal(err)
	}
	if rep := a.once(t); rep.Sent != 1 {
		t.Fatalf("A's recall pass: %+v", rep)
	}
	recall := h.sent(t, orgA.Code, "status")
	if len(recall) != 2 {
		t.Fatalf("%d recall deliveries, want 2 (B and C)", len(recall))
	}
	s13 := decodeStatus(t, h.body(t, recall[0].Packet.ID))
	check(t, "13 code", string(s13.StatusCode), "13")
	check(t, "13 description", s13.Description, why)
	check(t, "13 responds to", s13.ResponseFor.DocumentID, st.DocumentID)
	check(t, "13 from", s13.From.OrganID, orgA.Code)
	check(t, "13 staff", s13.StaffInfo.Staff, clerk.Name)

	if rep := b.once(t); rep.Statuses != 1 {
		t.Fatalf("B's pass: %+v, want the recall request", rep)
	}
	if rep := c.once(t); rep.Duplicates != 1 || rep.Failures() != 0 {
		t.Fatalf("C's pass: %+v, want the recall request acknowledged", rep)
	}
	dB, _ := b.store.Get(ctx, docB)
	check(t, "B's state after 13", dB.State, inbox.StateRecallRequested)
	check(t, "B's recall reason", dB.RecallReason, why)
	if err := b.store.AcceptRecall(ctx, docB, clerk); err != nil {
		t.Fatal(err)
	}
	if rep := b.once(t); rep.Sent != 1 {
		t.Fatalf("B's pass: %+v, want 15 sent", rep)
	}
	if rep := a.once(t); rep.Statuses != 1 {
		t.Fatalf("A's pass: %+v, want 15", rep)
	}
	doc, _ = a.store.Get(ctx, docA)
	check(t, "B's statuses after the recall", codes(doc.Recipients[0]), []string{"01", "03", "04", "05", "06", "15"})
	check(t, "A's state", doc.State, inbox.StateRecallSent)
	dB, _ = b.store.Get(ctx, docB)
	if dB.State != inbox.StateRecalled || !dB.Hidden || !dB.Frozen {
		t.Errorf("B's copy: %s hidden=%v frozen=%v, want recalled, hidden and frozen", dB.State, dB.Hidden, dB.Frozen)
	}
	if list, _, _ := b.store.List(ctx, inbox.Filter{Direction: inbox.Incoming}, inbox.Page{}); len(list) != 0 {
		t.Errorf("B's recalled copy is still listed: %v", list)
	}
	if err := b.store.AddComment(ctx, docB, clerk, "still here?"); err == nil {
		t.Error("B's recalled copy took a comment")
	}

	// A packet seen again (A sends the document to B once more) is
	// recognised and acknowledged, not stored twice.
	if _, err := a.store.Resend(ctx, docA, clerk, []inbox.Organization{orgC}); err == nil {
		// A recalled the document: sending it again is refused.
		t.Error("a recalled document was queued again")
	}
	settle(t, h, a, b, c)
	for _, d := range []*desk{a, b, c} {
		if left := d.outboxLeft(t); len(left) != 0 {
			t.Errorf("%s: outbox not empty: %+v", d.org.Code, left)
		}
		for _, mt := range []string{"edoc", "status"} {
			if p := h.pending(t, d.org.Code, mt); len(p) != 0 {
				t.Errorf("%s: %d %s deliveries not acknowledged", d.org.Code, len(p), mt)
			}
		}
		st := d.eng.Status(ctx)
		if !st.Online || st.Outbox != 0 || st.LastSync.IsZero() || st.LastError != "" {
			t.Errorf("%s: status %+v", d.org.Code, st)
		}
	}
}
