package signing

import (
	"context"
	"testing"
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
