package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/trust"
)

func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var trustFiles, tsaFiles multiFlag
	fs.Var(&trustFiles, "trust", "PEM/DER file of trusted root certificates (repeatable)")
	fs.Var(&tsaFiles, "tsa-cert", "PEM/DER file of known timestamp authority certificates (repeatable)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	sig := fs.String("sig", "", "detached CMS signature of IN (default: IN.p7s when IN is not a PDF)")
	offline := fs.Bool("offline", false, "do not fetch OCSP responses or CRLs")
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
	opts := signing.VerifyOptions{Online: !*offline}
	if len(trustFiles) > 0 {
		roots, err := trust.LoadPEM(trustFiles...)
		if err != nil {
			return usageErr("%v", err)
		}
		opts.Roots = roots
	}
	if len(tsaFiles) > 0 {
		tsas, err := trust.LoadPEM(tsaFiles...)
		if err != nil {
			return usageErr("%v", err)
		}
		opts.TSACerts = tsas
	}
	vctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()

	var rep *signing.Report
	isPDF := strings.EqualFold(filepath.Ext(in), ".pdf") && *sig == ""
	if !isPDF && *sig == "" {
		if _, err := os.Stat(in + ".p7s"); err == nil {
			*sig = in + ".p7s"
		} else if head, err := readHead(in); err == nil && strings.HasPrefix(head, "%PDF-") {
			isPDF = true
		} else {
			return usageErr("%s is not a PDF: give its detached signature with --sig SIG", in)
		}
	}
	if isPDF {
		rep, err = signing.VerifyPDFFile(vctx, in, opts)
	} else {
		var sigData []byte
		sigData, err = os.ReadFile(*sig)
		if err != nil {
			return usageErr("cannot read the signature: %v", err)
		}
		var f *os.File
		f, err = os.Open(in)
		if err != nil {
			return usageErr("cannot open the input: %v", err)
		}
		defer f.Close()
		rep, err = signing.VerifyDetached(vctx, f, sigData, opts)
		if rep != nil {
			rep.File = in
		}
	}
	if err != nil {
		if errors.Is(err, signing.ErrUnreadable) {
			return usageErr("%v", err)
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprint(e.stdout, rep.Text())
	}
	if rep.Verdict != signing.Valid {
		return &exitError{code: 1, err: errors.New("")}
	}
	return nil
}

func readHead(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, 1024)
	n, _ := f.Read(buf)
	s := string(buf[:n])
	if i := strings.Index(s, "%PDF-"); i >= 0 {
		return s[i:], nil
	}
	return s, nil
}
