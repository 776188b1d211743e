package signing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/vanthu/vanthu/signing/cms"
	"github.com/vanthu/vanthu/signing/trust"
)

// checkSigned re-reads a freshly signed PDF and verifies the new signature.
func checkSigned(ctx context.Context, out *os.File, res *SignResult) error {
	st, err := out.Stat()
	if err != nil {
		return err
	}
	if st.Size() != res.Size {
		return fmt.Errorf("the output has %d bytes, expected %d", st.Size(), res.Size)
	}
	rep, err := VerifyPDF(ctx, out, res.Size, VerifyOptions{Field: res.Field, IntegrityOnly: true})
	if err != nil {
		return err
	}
	if len(rep.Signatures) != 1 {
		return fmt.Errorf("the new signature %q was not found", res.Field)
	}
	s := rep.Signatures[0]
	if !s.Intact || s.Verdict == Invalid || !s.CoversDocument {
		return errors.New(s.Reason)
	}
	return nil
}

// SignDetached makes a detached CMS signature (DER, CAdES-BES with a
// signing-time attribute, plus a signature timestamp for B-T) of everything
// content yields. Of opts it uses Signer, Hash, PSS, Level, TSA and Time. The signature is
// checked against the content before it is returned.
func SignDetached(ctx context.Context, content io.ReadSeeker, opts PDFOptions) ([]byte, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	h := opts.Hash.New()
	if _, err := copyCtx(ctx, h, content); err != nil {
		return nil, fmt.Errorf("reading the file to sign: %w", err)
	}
	digest := h.Sum(nil)
	sd, err := cms.SignDigest(digest, opts.Signer.Key, opts.Signer.Chain, cms.SignOptions{Hash: opts.Hash, PSS: opts.PSS, SigningTime: opts.Time})
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	if opts.Level == LevelBT {
		token, _, err := signatureTimestamp(ctx, opts, sd.Signers[0].SignatureValue())
		if err != nil {
			return nil, fmt.Errorf("getting the timestamp: %w", err)
		}
		if err := sd.AddUnsignedAttribute(oidSignatureTimeStampToken, token); err != nil {
			return nil, err
		}
	}
	der, err := sd.Marshal()
	if err != nil {
		return nil, err
	}
	// Self-check: parse what was written and verify it against the content.
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	rep, err := VerifyDetached(ctx, content, der, VerifyOptions{IntegrityOnly: true})
	if err != nil {
		return nil, err
	}
	if !rep.Signatures[0].Intact {
		return nil, fmt.Errorf("the signature failed its own verification: %s", rep.Signatures[0].Reason)
	}
	return der, nil
}

// SignDetachedFile signs the file at inPath into a detached DER signature
// at outPath (written to a temporary file, verified, then renamed).
func SignDetachedFile(ctx context.Context, inPath, outPath string, opts PDFOptions) error {
	if same, err := sameFile(inPath, outPath); err != nil {
		return err
	} else if same {
		return errors.New("the output must be a different file from the input (the input is never modified)")
	}
	in, err := os.Open(inPath)
	if err != nil {
		return fmt.Errorf("cannot open the input: %w", err)
	}
	defer in.Close()
	der, err := SignDetached(ctx, in, opts)
	if err != nil {
		return err
	}
	_, err = writeAtomically(outPath, func(f *os.File) (struct{}, error) {
		_, err := f.Write(der)
		return struct{}{}, err
	})
	return err
}

// VerifyDetached verifies a detached CMS signature over content.
func VerifyDetached(ctx context.Context, content io.Reader, sig []byte, opts VerifyOptions) (*Report, error) {
	sd, err := cms.Parse(sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	rep := &Report{}
	for i, si := range sd.Signers {
		sr := &SignatureReport{Field: fmt.Sprintf("signer %d", i+1), Kind: "signature", SubFilter: "CMS detached", Verdict: Valid}
		rep.Signatures = append(rep.Signatures, sr)
		h, err := si.Hash()
		if err != nil {
			sr.fail(Invalid, err.Error())
			continue
		}
		sr.Hash = hashName(h)
		cert := si.FindCertificate(sd.Certificates)
		if cert == nil {
			sr.fail(Invalid, "the signer's certificate is not in the signature")
			continue
		}
		sr.Signer = certInfo(cert)
		if t, ok := si.SigningTime(); ok {
			sr.ClaimedTime = t
		}
		if i == 0 {
			hh := h.New()
			if _, err := copyCtx(ctx, hh, content); err != nil {
				return nil, fmt.Errorf("%w: reading the signed file: %w", ErrUnreadable, err)
			}
			if err := si.VerifyContentDigest(hh.Sum(nil)); err != nil {
				sr.fail(Invalid, "the file was changed after it was signed ("+err.Error()+")")
				continue
			}
		} else {
			sr.fail(Indeterminate, "only the first signer of a detached signature is checked")
			continue
		}
		if err := si.VerifySignature(cert); err != nil {
			sr.fail(Invalid, "the signature value does not verify with the signer's certificate: "+err.Error())
			continue
		}
		if err := si.CheckSigningCertificate(cert); err != nil && !errors.Is(err, cms.ErrNoSigningCertificate) {
			sr.fail(Invalid, err.Error())
			continue
		}
		sr.Intact = true
		if opts.IntegrityOnly {
			continue
		}
		v := &verifier{opts: opts, store: trust.NewStore(opts.Roots, opts.Intermediates)}
		best := opts.now()
		if tok, ok := si.TimestampToken(); ok {
			if t, ok := v.checkSignatureTimestamp(ctx, sr, si, tok); ok {
				best = t
			}
			if sr.Verdict == Invalid {
				continue
			}
		}
		v.checkChain(ctx, sr, cert, sd, best)
	}
	rep.finish()
	return rep, nil
}

// copyCtx copies like io.Copy and stops when ctx is done.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	buf := make([]byte, 1<<20)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, err := r.Read(buf)
		if m > 0 {
			if _, werr := w.Write(buf[:m]); werr != nil {
				return n, werr
			}
			n += int64(m)
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
