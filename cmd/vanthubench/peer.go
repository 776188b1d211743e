package main

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/digitorus/pdfsign/sign"
	"github.com/digitorus/pdfsign/verify"

	"github.com/vanthu/vanthu/signing/keys"
)

// runPeer signs or verifies with the digitorus/pdfsign library:
//
//	peer sign IN OUT P12 PASSWORD-FILE
//	peer verify IN
func runPeer(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: peer sign|verify …")
	}
	switch args[0] {
	case "sign":
		if len(args) != 5 {
			return errors.New("usage: peer sign IN OUT P12 PASSWORD-FILE")
		}
		pw, err := os.ReadFile(args[4])
		if err != nil {
			return err
		}
		key, err := keys.LoadPKCS12File(args[3], bytes.TrimSpace(pw))
		if err != nil {
			return err
		}
		return sign.SignFile(args[1], args[2], sign.SignData{
			Signature: sign.SignDataSignature{
				CertType: sign.ApprovalSignature,
				Info:     sign.SignDataSignatureInfo{Name: "bench", Date: time.Now()},
			},
			Signer:            key.Signer,
			DigestAlgorithm:   crypto.SHA256,
			Certificate:       key.Certificate(),
			CertificateChains: [][]*x509.Certificate{key.Chain},
		})
	case "verify":
		if len(args) != 2 {
			return errors.New("usage: peer verify IN")
		}
		f, err := os.Open(args[1])
		if err != nil {
			return err
		}
		defer f.Close()
		opts := verify.DefaultVerifyOptions()
		opts.AllowUntrustedRoots = true
		resp, err := verify.VerifyFileWithOptions(f, opts)
		if err != nil {
			return err
		}
		for _, s := range resp.Signers {
			if !s.ValidSignature {
				return fmt.Errorf("pdfsign says a signature is not valid")
			}
		}
		return nil
	}
	return fmt.Errorf("unknown peer command %q", args[0])
}
