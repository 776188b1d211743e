package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/tsp"
)

const demoPassword = "vanthu-demo"

// cmdDemo walks an official dispatch through its signatures: the leader's
// personal signature, the clerk's issue (number stamp and agency seal), an
// appendix stamped by the agency, and the verification of each.
func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dir := fs.String("dir", "vanthu-demo", "directory for the demo PKI and documents")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErr("%v", err)
	}
	if len(pos) != 0 {
		return usageErr("demo takes no arguments")
	}
	if err := os.MkdirAll(filepath.Join(*dir, "pki"), 0o700); err != nil {
		return err
	}
	say := func(format string, a ...any) { fmt.Fprintf(e.stdout, format+"\n", a...) }

	say("1. Demo PKI: root CA, issuing CA, leader, agency, timestamp authority, OCSP responder (servers on 127.0.0.1)")
	pki, err := demopki.New(demopki.Options{})
	if err != nil {
		return err
	}
	defer pki.Close()
	if err := pki.WriteFiles(filepath.Join(*dir, "pki"), []byte(demoPassword)); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dir, "pki", "password.txt"), []byte(demoPassword+"\n"), 0o600); err != nil {
		return err
	}
	say("   certificates and PKCS#12 files (password %q) in %s", demoPassword, filepath.Join(*dir, "pki"))

	now := time.Now().In(signing.VietnamTime)
	spec := demodoc.Example(demodoc.CongVan, now.Unix()/86400)
	spec.Agency = "ỦY BAN NHÂN DÂN TỈNH HÀ NAM"
	spec.ParentAgency = ""
	spec.AgencyCode = "000.00.00.H41"
	spec.Notation = "UBND-VP"
	spec.Place = "Hà Nam"
	spec.Date = now
	spec.Number = ""
	spec.SignerPrefix = "KT. CHỦ TỊCH"
	spec.SignerTitle = "PHÓ CHỦ TỊCH"
	spec.SignerName = pki.Leader.Cert.Subject.CommonName
	draft, err := demodoc.Generate(spec)
	if err != nil {
		return err
	}
	draftPath := filepath.Join(*dir, "1-draft.pdf")
	if err := os.WriteFile(draftPath, draft.PDF, 0o644); err != nil {
		return err
	}
	say("2. Draft dispatch %q (%d page(s)): %s", spec.Subject, draft.Pages, draftPath)

	tsa := &tsp.Client{URL: pki.TSAURL, Timeout: 20 * time.Second}
	rect := draft.SignatureRect
	leader := signing.PDFOptions{
		Signer: signing.Signer{Key: pki.Leader.Key, Chain: pki.Leader.Chain},
		Level:  signing.LevelBT, TSA: tsa,
		Reason: "Phê duyệt văn bản", Location: "Hà Nam",
		Appearance: signing.Appearance{Kind: signing.AppearancePersonal, ImageOnly: true, Page: draft.SignaturePage, Rect: &rect},
	}
	approved := filepath.Join(*dir, "2-approved.pdf")
	if _, err := signing.SignPDFFile(ctx, draftPath, approved, leader); err != nil {
		return fmt.Errorf("leader's signature: %w", err)
	}
	say("3. Leader %s approves and signs (personal signature, PAdES B-T): %s", spec.SignerName, approved)

	number := fmt.Sprintf("Số: %d/%s", 100+now.YearDay(), spec.Notation)
	agency := signing.Signer{Key: pki.Agency.Key, Chain: pki.Agency.Chain}
	stamped := filepath.Join(*dir, "3-numbered.pdf")
	if _, err := signing.SignPDFFile(ctx, approved, stamped, signing.PDFOptions{
		Signer: agency, Level: signing.LevelBT, TSA: tsa, Reason: "Cấp số văn bản",
		Appearance: signing.Appearance{Kind: signing.AppearanceStamp, Text: []string{number}},
	}); err != nil {
		return fmt.Errorf("number stamp: %w", err)
	}
	issued := filepath.Join(*dir, "4-issued.pdf")
	if _, err := signing.SignPDFFile(ctx, stamped, issued, signing.PDFOptions{
		Signer: agency, Level: signing.LevelBT, TSA: tsa, Reason: "Phát hành văn bản",
		Appearance: signing.Appearance{Kind: signing.AppearanceAgency},
	}); err != nil {
		return fmt.Errorf("agency seal: %w", err)
	}
	say("4. Clerk issues it: number %q stamped at the top right of page 1, agency seal over the left third of the leader's signature: %s", number, issued)

	app, err := demodoc.Generate(demodoc.Example(demodoc.PhuLuc, now.Unix()/86400))
	if err != nil {
		return err
	}
	appPath := filepath.Join(*dir, "5-appendix.pdf")
	if err := os.WriteFile(appPath, app.PDF, 0o644); err != nil {
		return err
	}
	appSigned := filepath.Join(*dir, "5-appendix-signed.pdf")
	if _, err := signing.SignPDFFile(ctx, appPath, appSigned, signing.PDFOptions{
		Signer: agency, Level: signing.LevelBT, TSA: tsa,
		Appearance: signing.Appearance{Kind: signing.AppearanceStamp, Text: []string{"Phụ lục kèm theo văn bản " + number[len("Số: "):]}},
	}); err != nil {
		return fmt.Errorf("appendix stamp: %w", err)
	}
	say("5. Appendix signed by the agency with a text stamp (no image): %s", appSigned)

	say("6. Verification (trusting only the demo root, revocation checked online):")
	opts := signing.VerifyOptions{Roots: pki.Root.Chain[:1], Online: true}
	allValid := true
	for _, p := range []string{approved, issued, appSigned} {
		rep, err := signing.VerifyPDFFile(ctx, p, opts)
		if err != nil {
			return err
		}
		say("   %s: %s — %s", filepath.Base(p), rep.Verdict, rep.Summary)
		for _, s := range rep.Signatures {
			who := ""
			if s.Signer != nil {
				who = s.Signer.Name
			}
			say("      %-14s %-13s %s, %s", s.Field, s.Verdict, who, s.Kind)
		}
		data, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(p[:len(p)-len(filepath.Ext(p))]+".report.json", data, 0o644); err != nil {
			return err
		}
		if rep.Verdict != signing.Valid {
			allValid = false
		}
	}
	say("\nCheck it yourself (the demo's OCSP server stops with the demo, hence --offline):")
	say("   vanthuctl verify --offline --trust %s %s", filepath.Join(*dir, "pki", "root.pem"), issued)
	say("   pdftoppm -png -r 80 %s page   # to see the signatures", issued)
	if !allValid {
		return &exitError{code: 1, err: fmt.Errorf("a demo document did not verify")}
	}
	return nil
}
