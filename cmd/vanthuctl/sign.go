package main

import (
	"context"
	"crypto"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/tsp"
)

func cmdSign(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var (
		out          = fs.String("o", "", "output file (required)")
		p12          = fs.String("p12", "", "PKCS#12 file with the key and certificate")
		passwordFile = fs.String("password-file", "", "file holding the PKCS#12 password (else asked at the terminal)")
		module       = fs.String("pkcs11", "", "PKCS#11 module (token driver) path")
		token        = fs.String("token", "", "token label")
		keyLabel     = fs.String("key-label", "", "key label on the token")
		pinFile      = fs.String("pin-file", "", "file holding the token PIN (else asked at the terminal)")
		kind         = fs.String("appearance", "none", "visible signature: personal, agency, stamp or none")
		image        = fs.String("image", "", "PNG signature or seal image (transparent background)")
		page         = fs.Int("page", 0, "page for the visible signature (1 = first; default per appearance)")
		rect         = fs.String("rect", "", "signature rectangle llx,lly,urx,ury in points")
		name         = fs.String("name", "", "signer's full name (personal; default: from the certificate)")
		text         multiFlag
		position     multiFlag
		reason       = fs.String("reason", "", "reason for signing")
		location     = fs.String("location", "", "place of signing")
		tsaURL       = fs.String("tsa", "", "RFC 3161 timestamp server URL")
		level        = fs.String("level", "", "PAdES level: B-B or B-T (default B-T with --tsa, else B-B)")
		certify      = fs.Bool("certify", false, "certify the document (DocMDP: form filling and signing allowed)")
		hashName     = fs.String("hash", "SHA-256", "digest: SHA-256, SHA-384 or SHA-512")
		pss          = fs.Bool("pss", false, "RSA-PSS instead of PKCS#1 v1.5 for RSA keys")
	)
	fs.Var(&position, "position", "position line of a personal signature (repeat for several lines)")
	fs.Var(&text, "text", "stamp text line, e.g. the number/notation (repeat for several lines)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErr("%v", err)
	}
	if len(pos) != 1 {
		return usageErr("give exactly one input file (got %d)", len(pos))
	}
	in := pos[0]
	if *out == "" {
		return usageErr("-o OUT is required")
	}
	if (*p12 == "") == (*module == "") {
		return usageErr("choose one key source: --p12 FILE or --pkcs11 MODULE --token LABEL")
	}
	if _, err := os.Stat(in); err != nil {
		return usageErr("cannot open the input: %v", err)
	}

	opts := signing.PDFOptions{
		Reason: *reason, Location: *location, Certify: *certify, PSS: *pss,
		Appearance: signing.Appearance{Kind: signing.AppearanceKind(*kind), Page: *page, Name: *name, Text: text},
	}
	for _, p := range position {
		for _, line := range strings.Split(strings.ReplaceAll(p, `\n`, "\n"), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				opts.Appearance.Position = append(opts.Appearance.Position, line)
			}
		}
	}
	switch strings.ToUpper(strings.ReplaceAll(*hashName, "-", "")) {
	case "SHA256":
		opts.Hash = crypto.SHA256
	case "SHA384":
		opts.Hash = crypto.SHA384
	case "SHA512":
		opts.Hash = crypto.SHA512
	default:
		return usageErr("unknown --hash %q (use SHA-256, SHA-384 or SHA-512)", *hashName)
	}
	if *rect != "" {
		r, err := parseRect(*rect)
		if err != nil {
			return usageErr("%v", err)
		}
		opts.Appearance.Rect = &r
	}
	if *image != "" {
		data, err := os.ReadFile(*image)
		if err != nil {
			return usageErr("cannot read the image: %v", err)
		}
		opts.Appearance.Image = data
	}
	switch strings.ToUpper(*level) {
	case "":
		opts.Level = signing.LevelBB
		if *tsaURL != "" {
			opts.Level = signing.LevelBT
		}
	case "B-B":
		opts.Level = signing.LevelBB
	case "B-T":
		opts.Level = signing.LevelBT
	default:
		return usageErr("unknown --level %q (use B-B or B-T)", *level)
	}
	if *tsaURL != "" {
		opts.TSA = &tsp.Client{URL: *tsaURL, Timeout: 30 * time.Second}
	}
	if opts.Level == signing.LevelBT && opts.TSA == nil {
		return usageErr("level B-T needs --tsa URL")
	}

	key, err := openKey(e, *p12, *passwordFile, keys.TokenConfig{Module: *module, TokenLabel: *token, KeyLabel: *keyLabel}, *pinFile)
	if err != nil {
		return err
	}
	defer key.Close()
	opts.Signer = signing.Signer{Key: key.Signer, Chain: key.Chain}

	if strings.EqualFold(filepath.Ext(in), ".pdf") {
		res, err := signing.SignPDFFile(ctx, in, *out, opts)
		if err != nil {
			return err
		}
		where := "invisible"
		if res.Page > 0 {
			where = fmt.Sprintf("page %d at [%.0f %.0f %.0f %.0f]", res.Page, res.Rect[0], res.Rect[1], res.Rect[2], res.Rect[3])
		}
		fmt.Fprintf(e.stdout, "signed %s → %s (PAdES %s, field %s, %s)\n", in, *out, opts.Level, res.Field, where)
		return nil
	}
	if err := signing.SignDetachedFile(ctx, in, *out, opts); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "signed %s → %s (detached CMS, %s)\n", in, *out, opts.Level)
	return nil
}

func openKey(e *env, p12, passwordFile string, tok keys.TokenConfig, pinFile string) (*keys.Key, error) {
	if p12 != "" {
		data, err := os.ReadFile(p12)
		if err != nil {
			return nil, usageErr("cannot read the PKCS#12 file: %v", err)
		}
		pw, err := readSecret(e, passwordFile, "password for "+filepath.Base(p12))
		if err != nil {
			return nil, err
		}
		defer zero(pw)
		return keys.LoadPKCS12(data, pw)
	}
	if tok.TokenLabel == "" {
		return nil, usageErr("--pkcs11 needs --token LABEL")
	}
	pin, err := readSecret(e, pinFile, "PIN for token "+tok.TokenLabel)
	if err != nil {
		return nil, err
	}
	defer zero(pin)
	tok.PIN = pin
	return keys.OpenToken(tok)
}

func parseRect(s string) ([4]float64, error) {
	var r [4]float64
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return r, fmt.Errorf("--rect wants four numbers llx,lly,urx,ury (got %q)", s)
	}
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return r, fmt.Errorf("--rect: %q is not a number", p)
		}
		r[i] = v
	}
	return r, nil
}
