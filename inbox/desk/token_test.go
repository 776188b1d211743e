//go:build cgo

package desk_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/keys"
)

// TestTokenSigning signs with the leader's key on a SoftHSM2 token: the
// key is listed without a PIN, a wrong PIN is ErrWrongSecret and changes
// nothing, the right one signs a batch that verifies (Vanthu and pdfsig).
func TestTokenSigning(t *testing.T) {
	ctx := context.Background()
	p, _ := testPKI(t)
	hsm, err := keys.NewSoftHSM(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// The token driver reads its configuration when first loaded.
	t.Setenv("SOFTHSM2_CONF", hsm.ConfigPath())
	pin := []byte("246810")
	if err := hsm.InitToken("Lanh dao", []byte("13579135"), pin); err != nil {
		t.Fatal(err)
	}
	if err := hsm.Import("Lanh dao", pin, "chu-ky", []byte{1}, p.Leader.Key, p.Leader.Chain, true); err != nil {
		t.Fatal(err)
	}

	list, err := desk.ListKeys(ctx, desk.KeySource{Kind: desk.KeyPKCS11, Path: hsm.Module()})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Source.TokenLabel != "Lanh dao" || list[0].Label != "chu-ky" ||
		list[0].Certificate == nil || !list[0].Certificate.Equal(p.Leader.Cert) {
		t.Fatalf("keys on the token: %+v", list)
	}
	src := list[0].Source

	d := openDesk(t, desk.RoleLeader, nil)
	ids := []int64{newSubmitted(t, d, 11, peerB), newSubmitted(t, d, 12, peerB)}
	before, err := d.Store().AuditTrail(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}

	wrong := []byte("999999")
	if _, err := desk.OpenKey(ctx, src, wrong); !errors.Is(err, desk.ErrWrongSecret) || strings.Contains(err.Error(), "999999") {
		t.Fatalf("wrong PIN: %v, want ErrWrongSecret without the PIN", err)
	}
	after, err := d.Store().AuditTrail(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := d.Store().Get(ctx, ids[0]); doc.State != inbox.StateSubmitted || len(after) != len(before) {
		t.Fatalf("after a wrong PIN the document is %s with %d audit entries (was %d)", doc.State, len(after), len(before))
	}

	key, err := desk.OpenKey(ctx, src, pin)
	if err != nil {
		t.Fatal(err)
	}
	defer key.Close()
	res := d.ApproveAndSign(ctx, ids, key, desk.SignOptions{Position: []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}}, nil)
	for _, r := range res {
		if r.Err != nil || r.Verdict != signing.Valid {
			t.Fatalf("token batch: %+v", r)
		}
	}
	doc, err := d.Store().Get(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	pdf := blob(t, d, doc.Attachments[0].Blob.SHA256)
	rep, err := signing.VerifyPDF(ctx, bytes.NewReader(pdf), int64(len(pdf)), signing.VerifyOptions{Roots: p.Root.Chain[:1]})
	if err != nil || rep.Verdict != signing.Valid || rep.Signatures[0].Signer.Name != p.Leader.Cert.Subject.CommonName {
		t.Fatalf("token-signed file: %v %+v", err, rep)
	}
	valid, trusted, out := pdfsig(t, pdf)
	if len(valid) != 1 || !valid[0] || !trusted[0] {
		t.Errorf("pdfsig on the token-signed file:\n%s", out)
	}
}
