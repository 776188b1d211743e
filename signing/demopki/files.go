package demopki

import (
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"software.sslmate.com/src/go-pkcs12"
)

// WriteFiles writes the PKI into dir (which must exist):
//
//   - root.pem, intermediate.pem: the CA certificates;
//   - <name>.pem: the certificate chain (certificate, then the issuing CA)
//     of each end-entity identity: leader, agency, clerk, tsa, ocsp,
//     revoked, expired, nonsigning, docsigningonly;
//   - <name>.p12: its key and chain, encrypted with password (PKCS#12 with
//     AES-256 and PBKDF2), mode 0600;
//   - issuing-ca.crl, root.crl: the current CRLs.
//
// The CA keys are never written.
func (p *PKI) WriteFiles(dir string, password []byte) error {
	if len(password) == 0 {
		return errors.New("demo PKI: choose a password for the .p12 files")
	}
	write := func(name string, data []byte, mode os.FileMode) error {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, mode); err != nil {
			return fmt.Errorf("demo PKI: write %s: %w", path, err)
		}
		// WriteFile keeps the mode of an existing file; enforce ours.
		if err := os.Chmod(path, mode); err != nil {
			return fmt.Errorf("demo PKI: set the permissions of %s: %w", path, err)
		}
		return nil
	}
	certPEM := func(id *Identity) []byte {
		var out []byte
		for _, c := range id.Chain {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
		return out
	}

	if err := write("root.pem", certPEM(p.Root), 0o644); err != nil {
		return err
	}
	if err := write("intermediate.pem", certPEM(p.Intermediate), 0o644); err != nil {
		return err
	}
	if err := write("issuing-ca.crl", p.crl, 0o644); err != nil {
		return err
	}
	if err := write("root.crl", p.ca, 0o644); err != nil {
		return err
	}
	for _, n := range p.named() {
		if err := write(n.name+".pem", certPEM(n.id), 0o644); err != nil {
			return err
		}
		pfx, err := pkcs12.Modern.Encode(n.id.Key, n.id.Cert, n.id.Chain[1:], string(password))
		if err != nil {
			return fmt.Errorf("demo PKI: encode %s.p12: %w", n.name, err)
		}
		if err := write(n.name+".p12", pfx, 0o600); err != nil {
			return err
		}
	}
	return nil
}
