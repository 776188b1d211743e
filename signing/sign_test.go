package signing

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vanthu/vanthu/signing/pdf"
)

func TestSignInvisibleOracles(t *testing.T) {
	in := writeTemp(t, "in.pdf", simplePDF(2))
	for _, level := range []Level{LevelBB, LevelBT} {
		t.Run(string(level), func(t *testing.T) {
			opts := leaderOpts(t)
			opts.Level = level
			if level == LevelBT {
				opts.TSA = tsaClient(t)
			}
			out := signFile(t, in, opts)
			rep, err := VerifyPDFFile(context.Background(), out, verifyOpts(t))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != Valid {
				t.Fatalf("verdict %s:\n%s", rep.Verdict, rep.Text())
			}
			if got := rep.Signatures[0].Level; got != string(level) {
				t.Errorf("level: got %s, want %s", got, level)
			}
			res := pdfsig(t, out)
			if len(res) != 1 || !res[0].Valid || !res[0].Trusted {
				t.Fatalf("pdfsig: %+v", res)
			}
			if w := qpdfCheck(t, out); len(w) > 0 {
				t.Errorf("qpdf warnings: %v", w)
			}
		})
	}
}

func TestSignPersonalThenAgency(t *testing.T) {
	in := writeTemp(t, "in.pdf", simplePDF(1))
	p := leaderOpts(t)
	p.Appearance = Appearance{Kind: AppearancePersonal, Position: []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}, Name: "Nguyễn Văn An"}
	first := signFile(t, in, p)
	a := agencyOpts(t)
	a.Appearance = Appearance{Kind: AppearanceAgency}
	second := signFile(t, first, a)
	rep, err := VerifyPDFFile(context.Background(), second, verifyOpts(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep.Text())
	if rep.Verdict != Valid || len(rep.Signatures) != 2 {
		t.Fatalf("verdict %s with %d signatures", rep.Verdict, len(rep.Signatures))
	}
	for i, r := range pdfsig(t, second) {
		if !r.Valid {
			t.Errorf("pdfsig signature %d: %s", i+1, r.Text)
		}
	}
	if w := qpdfCheck(t, second); len(w) > 0 {
		t.Errorf("qpdf warnings: %v", w)
	}
}

// TestSealGoesWithPersonalSignature: when a stamp was signed after the
// leader's signature, the agency seal still overlaps the leader's image.
func TestSealGoesWithPersonalSignature(t *testing.T) {
	in := writeTemp(t, "in.pdf", simplePDF(1))
	p := leaderOpts(t)
	p.Appearance = Appearance{Kind: AppearancePersonal, Position: []string{"PHÓ CHỦ TỊCH"}}
	first := signFile(t, in, p)
	s := agencyOpts(t)
	s.Appearance = Appearance{Kind: AppearanceStamp, Text: []string{"Số: 12/UBND-VP"}}
	second := signFile(t, first, s)
	a := agencyOpts(t)
	a.Appearance = Appearance{Kind: AppearanceAgency}
	out := filepath.Join(t.TempDir(), "issued.pdf")
	res, err := SignPDFFile(context.Background(), second, out, a)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(first)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := pdf.Open(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := inspect(pf)
	if err != nil {
		t.Fatal(err)
	}
	img, ok := signatureImageRect(pf, doc.lastVisible)
	if !ok {
		t.Fatal("the personal signature has no image")
	}
	seal := res.Rect
	wantRight := img[0] + (img[2]-img[0])/3
	if d := seal[2] - wantRight; d < -1 || d > 1 {
		t.Errorf("seal right edge %.1f, want %.1f (a third into the signature image %v)", seal[2], wantRight, img)
	}
	midY := (img[1] + img[3]) / 2
	if seal[1] > midY || seal[3] < midY {
		t.Errorf("seal %v does not straddle the signature image's middle (y=%.1f)", seal, midY)
	}
}
