package desk_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/sample"
)

// TestOutgoingFlow walks a dispatch from the draft to the outbox with
// PKCS#12 keys: draft, submit, approve and sign (leader), issue (number
// stamp, agency seal); the issued PDF verifies with Vanthu's verifier and
// with poppler's pdfsig, and one packet per recipient waits in the outbox.
func TestOutgoingFlow(t *testing.T) {
	ctx := context.Background()
	d := openDesk(t, desk.RoleClerk, nil)
	rec := record(d)
	id := newSubmitted(t, d, 7, peerB, peerC)
	rec.waitFor(t, "for the new draft", func(c desk.Change) bool {
		return c.Kind == desk.ChangeDocuments && hasID(c.Documents, id)
	})

	var updates []desk.BatchUpdate
	res := d.ApproveAndSign(ctx, []int64{id}, p12Key(t, "leader"), desk.SignOptions{}, func(u desk.BatchUpdate) {
		updates = append(updates, u)
	})
	if len(res) != 1 || res[0].Err != nil {
		t.Fatalf("approve and sign: %+v", res)
	}
	if res[0].Verdict != signing.Valid {
		t.Errorf("approved file's verdict %s, want VALID", res[0].Verdict)
	}
	if len(updates) != 1 || updates[0].Done != 1 || updates[0].Total != 1 || updates[0].ID != id {
		t.Errorf("progress %+v, want one update 1/1 for %d", updates, id)
	}
	doc, err := d.Store().Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if doc.State != inbox.StateApproved || len(doc.Attachments) != 1 || doc.Attachments[0].Stage != inbox.StageApproved {
		t.Fatalf("after approval: state %s, attachments %+v", doc.State, doc.Attachments)
	}

	st, err := d.Issue(ctx, id, "", p12Key(t, "agency"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Number != 1 || st.Register.Name != desk.DefaultOutgoingRegister || !strings.HasPrefix(st.DocumentID, self.Code+",") ||
		!strings.HasSuffix(st.DocumentID, ",1/UBND-VP") {
		t.Errorf("issue stamp %+v: want number 1 of %q, DocumentId %s,…,1/UBND-VP", st, desk.DefaultOutgoingRegister, self.Code)
	}
	doc, err = d.Store().Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if doc.State != inbox.StateIssued || doc.Number != 1 || doc.DocumentID != st.DocumentID {
		t.Fatalf("after issue: state %s number %d id %q", doc.State, doc.Number, doc.DocumentID)
	}
	issued := blob(t, d, doc.Attachments[0].Blob.SHA256)
	p, _ := testPKI(t)
	rep, err := signing.VerifyPDF(ctx, bytes.NewReader(issued), int64(len(issued)), signing.VerifyOptions{Roots: p.Root.Chain[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != signing.Valid || len(rep.Signatures) != 3 {
		t.Fatalf("issued file: %s, %d signatures (want VALID, 3: leader, number stamp, seal)\n%s", rep.Verdict, len(rep.Signatures), rep.Text())
	}
	wantSigners := []string{p.Leader.Cert.Subject.CommonName, p.Agency.Cert.Subject.CommonName, p.Agency.Cert.Subject.CommonName}
	for i, s := range rep.Signatures {
		if s.Signer == nil || s.Signer.Name != wantSigners[i] {
			t.Errorf("signature %d signed by %+v, want %s", i+1, s.Signer, wantSigners[i])
		}
	}
	valid, trusted, out := pdfsig(t, issued)
	if len(valid) != 3 {
		t.Fatalf("pdfsig sees %d signatures, want 3\n%s", len(valid), out)
	}
	for i := range valid {
		if !valid[i] || !trusted[i] {
			t.Errorf("pdfsig: signature %d valid=%v trusted=%v\n%s", i+1, valid[i], trusted[i], out)
		}
	}

	rows, err := d.Store().Outbox(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, r := range rows {
		if r.Kind == inbox.OutboxEdoc && r.State == inbox.OutboxPending && r.DocumentID == st.DocumentID {
			to = append(to, r.Recipients...)
		}
	}
	if strings.Join(to, ",") != peerB.Code+","+peerC.Code {
		t.Errorf("outbox edoc rows to %v, want %s and %s", to, peerB.Code, peerC.Code)
	}

	// The signature panel's view of the issued file.
	v, err := d.Verification(ctx, id, doc.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Fresh || v.Verdict != string(signing.Valid) || len(v.Signatures) != 3 {
		t.Fatalf("verification: fresh %v verdict %s, %d signatures", v.Fresh, v.Verdict, len(v.Signatures))
	}
	first, last := v.Signatures[0], v.Signatures[2]
	if first.Signer != p.Leader.Cert.Subject.CommonName || first.CoversDocument || !strings.Contains(first.Coverage, "2 later revision") ||
		len(first.Modifications) == 0 || len(first.Chain) < 2 {
		t.Errorf("leader's signature view: %+v", first)
	}
	if last.Coverage != "the whole document" || !last.CoversDocument || last.Organization == "" {
		t.Errorf("seal's signature view: %+v", last)
	}

	// Sent to one more agency: a new recipient and a new packet.
	more := inbox.Organization{Code: "000.00.02.H41", Name: "Sở Nội vụ tỉnh Hà Nam"}
	if err := d.Send(ctx, id, []inbox.Organization{more}); err != nil {
		t.Fatal(err)
	}
	if rows2, _ := d.Store().Outbox(ctx, id); len(rows2) != len(rows)+1 {
		t.Errorf("after Send: %d outbox rows, want %d", len(rows2), len(rows)+1)
	}
	if err := d.Recall(ctx, id, "Văn bản ban hành chưa đúng thẩm quyền"); err != nil {
		t.Fatal(err)
	}
	if doc, _ := d.Store().Get(ctx, id); doc.State != inbox.StateRecallSent {
		t.Errorf("after recall: %s", doc.State)
	}
}

// TestBatchOneBad signs a batch in which one document is not submitted and
// one has a damaged file: the others are signed and approved.
func TestBatchOneBad(t *testing.T) {
	ctx := context.Background()
	d := openDesk(t, desk.RoleLeader, nil)
	good1 := newSubmitted(t, d, 1, peerB)
	good2 := newSubmitted(t, d, 2, peerB)
	draft, err := d.NewDraft(ctx, bytes.NewReader(sample.SimplePDF(1)), desk.DraftInfo{Subject: "V/v dự thảo chưa trình"})
	if err != nil {
		t.Fatal(err)
	}
	// A damaged file stored behind the desk's back (a PDF header and junk).
	b, err := d.Store().PutBlob(ctx, strings.NewReader("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	broken, err := d.Store().CreateDraft(ctx, d.Actor(), &inbox.Document{Subject: "V/v tệp hỏng", TypeName: "Công văn"},
		[]inbox.NewAttachment{{Name: "hong.pdf", ContentType: "application/pdf", Blob: b}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Submit(ctx, broken); err != nil {
		t.Fatal(err)
	}
	ids := []int64{good1, draft, broken, good2}
	var progress []int64
	res := d.ApproveAndSign(ctx, ids, p12Key(t, "leader"), desk.SignOptions{
		Placement: &desk.Placement{Page: 1, X: 400, Y: 200},
	}, func(u desk.BatchUpdate) { progress = append(progress, u.ID) })
	if len(res) != 4 || len(progress) != 4 {
		t.Fatalf("%d results, %d progress updates, want 4 each", len(res), len(progress))
	}
	for i, want := range []bool{true, false, false, true} {
		if res[i].ID != ids[i] || (res[i].Err == nil) != want {
			t.Errorf("result %d: %+v, want success %v", i, res[i], want)
		}
	}
	if !errors.Is(res[1].Err, inbox.ErrIllegalTransition) {
		t.Errorf("the draft's error %v, want an illegal transition", res[1].Err)
	}
	for _, c := range []struct {
		id   int64
		want inbox.State
	}{{good1, inbox.StateApproved}, {draft, inbox.StateDraft}, {broken, inbox.StateSubmitted}, {good2, inbox.StateApproved}} {
		doc, err := d.Store().Get(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if doc.State != c.want {
			t.Errorf("document %d is %s, want %s", c.id, doc.State, c.want)
		}
	}
	// The signature went where it was asked: page 1, centred on (400, 200).
	doc, _ := d.Store().Get(ctx, good1)
	pdf := blob(t, d, doc.Attachments[0].Blob.SHA256)
	rep, err := signing.VerifyPDF(ctx, bytes.NewReader(pdf), int64(len(pdf)), signing.VerifyOptions{IntegrityOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.Page != 1 || len(s.Rect) != 4 || (s.Rect[0]+s.Rect[2])/2 != 400 || (s.Rect[1]+s.Rect[3])/2 != 200 {
		t.Errorf("signature on page %d at %v, want page 1 centred on (400, 200)", s.Page, s.Rect)
	}
}

// TestWrongPassword: a wrong PKCS#12 password is ErrWrongSecret, never
// echoed.
func TestWrongPassword(t *testing.T) {
	_, dir := testPKI(t)
	secret := []byte("sai-mat-khau-123")
	_, err := desk.OpenKey(context.Background(), desk.KeySource{Kind: desk.KeyPKCS12, Path: filepath.Join(dir, "leader.p12")}, secret)
	if !errors.Is(err, desk.ErrWrongSecret) {
		t.Fatalf("got %v, want ErrWrongSecret", err)
	}
	if strings.Contains(err.Error(), string(secret)) {
		t.Errorf("the error %q shows the password", err)
	}
	keys, err := desk.ListKeys(context.Background(), desk.KeySource{Kind: desk.KeyPKCS12, Path: filepath.Join(dir, "leader.p12")})
	if err != nil || len(keys) != 1 || keys[0].Label != "leader.p12" {
		t.Errorf("ListKeys of a PKCS#12 file: %+v, %v", keys, err)
	}
	if _, err := desk.ListKeys(context.Background(), desk.KeySource{Kind: desk.KeyPKCS12, Path: filepath.Join(dir, "none.p12")}); err == nil {
		t.Error("ListKeys of a missing file: no error")
	}
}

// TestNewDraftRefusesNonPDF: a file that is not a readable PDF is refused
// with a clear error and nothing is stored.
func TestNewDraftRefusesNonPDF(t *testing.T) {
	ctx := context.Background()
	d := openDesk(t, desk.RoleOfficer, nil)
	good := sample.SimplePDF(1)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"text", []byte("Kính gửi: Sở Tài chính"), "does not start like a PDF"},
		{"docx", []byte("PK\x03\x04 word/document.xml"), "does not start like a PDF"},
		{"empty", nil, "does not start like a PDF"},
		{"truncated", good[:len(good)/3], ""},
		{"no pages", []byte("%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[]/Count 0>> endobj\n" +
			"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000056 00000 n \ntrailer <</Size 3/Root 1 0 R>>\nstartxref\n103\n%%EOF\n"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := d.NewDraft(ctx, bytes.NewReader(c.data), desk.DraftInfo{Subject: "V/v thử"})
			if !errors.Is(err, desk.ErrNotPDF) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrNotPDF %q", err, c.want)
			}
		})
	}
	if _, err := d.NewDraft(ctx, bytes.NewReader(good), desk.DraftInfo{}); !errors.Is(err, inbox.ErrInvalid) {
		t.Errorf("a draft without subject: %v, want ErrInvalid", err)
	}
	counts, err := d.Store().Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := counts.Folders[inbox.FolderDrafts].Total; n != 0 {
		t.Errorf("%d drafts stored after refusals, want 0", n)
	}
	path := filepath.Join(t.TempDir(), "Tờ trình.pdf")
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := d.NewDraftFile(ctx, path, desk.DraftInfo{Subject: "V/v tờ trình"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := d.Store().Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if doc.State != inbox.StateDraft || doc.Attachments[0].Name != "Tờ trình.pdf" || doc.Sender.Code != self.Code {
		t.Errorf("draft from a file: %s %q %s", doc.State, doc.Attachments[0].Name, doc.Sender.Code)
	}
}

// TestReturnAndEvents: a leader returns a draft; the events name it and
// arrive on another goroutine than the action's.
func TestReturnAndEvents(t *testing.T) {
	ctx := context.Background()
	d := openDesk(t, desk.RoleLeader, nil)
	id := newSubmitted(t, d, 3)
	rec := record(d)
	block := make(chan struct{})
	cancel := d.Subscribe(func(desk.Change) { <-block })
	// The callback above blocks the event goroutine; the action must still
	// return.
	if err := d.Return(ctx, id, "Đề nghị bổ sung căn cứ pháp lý"); err != nil {
		t.Fatal(err)
	}
	close(block)
	cancel()
	rec.waitFor(t, "for the returned draft", func(c desk.Change) bool {
		return c.Kind == desk.ChangeDocuments && hasID(c.Documents, id)
	})
	doc, err := d.Store().Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if doc.State != inbox.StateReturned || len(doc.Comments) != 1 || doc.Comments[0].Author != "leader" {
		t.Errorf("returned draft: %s, comments %+v", doc.State, doc.Comments)
	}
	if err := d.Return(ctx, id, "lần nữa"); !errors.Is(err, inbox.ErrIllegalTransition) {
		t.Errorf("returning a returned draft: %v, want illegal transition", err)
	}
}

// TestModulePresets: SoftHSM2's preset finds the driver installed here;
// the Vietnamese CAs are offered.
func TestModulePresets(t *testing.T) {
	presets := desk.ModulePresets()
	names := map[string]desk.ModulePreset{}
	for _, p := range presets {
		names[p.Name] = p
	}
	for _, want := range []string{"Viettel-CA", "VNPT-CA", "FPT-CA", "BKAV-CA", "Nacencomm (CA2)", "Safe-CA", "MISA-CA", "SoftHSM2"} {
		if _, ok := names[want]; !ok {
			t.Errorf("no preset %q", want)
		}
	}
	path, ok := names["SoftHSM2"].Find()
	if !ok {
		t.Fatal("the SoftHSM2 preset does not find the driver (Debian package softhsm2)")
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("SoftHSM2 preset found %s: %v", path, err)
	}
}
