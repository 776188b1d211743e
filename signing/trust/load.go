package trust

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxCertFile bounds the size of a certificate file.
const maxCertFile = 16 << 20

// LoadPEM reads certificates from files, each holding PEM "CERTIFICATE"
// blocks or DER (one certificate or several concatenated). Errors name the
// file.
func LoadPEM(paths ...string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, path := range paths {
		data, err := readFile(path)
		if err != nil {
			return nil, err
		}
		certs, err := parseCertificates(data)
		if err != nil {
			return nil, fmt.Errorf("read certificates from %s: %w", path, err)
		}
		out = append(out, certs...)
	}
	return out, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open the certificate file: %w", err)
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, maxCertFile+1))
	if err != nil {
		return nil, fmt.Errorf("read the certificate file %s: %w", path, err)
	}
	if len(data) > maxCertFile {
		return nil, fmt.Errorf("read the certificate file %s: it is larger than %d MiB, too large for certificates", path, maxCertFile>>20)
	}
	return data, nil
}

// parseCertificates decodes PEM certificate blocks or DER certificates.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("the file is empty")
	}
	if !bytes.Contains(trimmed, []byte("-----BEGIN")) {
		// DER is binary: its last byte may well be one TrimSpace removes.
		certs, err := x509.ParseCertificates(data)
		if err != nil {
			return nil, fmt.Errorf("neither PEM nor a DER certificate: %w", err)
		}
		if len(certs) == 0 {
			return nil, errors.New("no certificate found")
		}
		return certs, nil
	}
	var certs []*x509.Certificate
	rest := trimmed
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d is not a valid certificate: %w", n, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM CERTIFICATE block found")
	}
	return certs, nil
}
