package demopki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
)

const (
	day  = 24 * time.Hour
	year = 365 * day
)

// The demo organisation that runs the CA.
const caOrganization = "Ban Cơ yếu Chính phủ (demo)"

// Where the demo servers answer.
const (
	pathOCSP      = "/ocsp"
	pathCRL       = "/crl/issuing-ca.crl"
	pathRootCRL   = "/crl/root.crl"
	pathCAIssuers = "/ca/issuing-ca.cer"
	pathRootCert  = "/ca/root.cer"
	pathTSA       = "/tsa"
)

// leafProfile describes one end-entity certificate.
type leafProfile struct {
	dst       **Identity
	name      subject
	email     string
	notBefore time.Duration // relative to now
	notAfter  time.Duration // relative to now
	keyUsage  x509.KeyUsage
	ekus      []x509.ExtKeyUsage
	unknown   []asn1.ObjectIdentifier
	extra     []pkix.Extension
	policy    asn1.ObjectIdentifier
	noPointer bool // no AIA/CRLDP (the OCSP responder)
}

func (p *PKI) issueAll(now time.Time, rsaLeaves bool) error {
	now = now.Truncate(time.Second)
	signingKU := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	signingEKU := []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	docSigning := []asn1.ObjectIdentifier{oidDocSigning}
	hanam := func(cn, title, org, uid string) subject {
		return subject{Country: "VN", Province: "Hà Nam", Locality: "Phủ Lý",
			Organization: org, Title: title, CommonName: cn, UserID: uid}
	}
	const ubnd = "Ủy ban nhân dân tỉnh Hà Nam"

	tsaEKU, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		return fmt.Errorf("encode the timestamping key usage: %w", err)
	}
	null, err := asn1.Marshal(asn1.NullRawValue)
	if err != nil {
		return fmt.Errorf("encode id-pkix-ocsp-nocheck: %w", err)
	}

	leaves := []leafProfile{
		{dst: &p.Leader, name: hanam("Nguyễn Văn An", "Phó Chủ tịch", ubnd, "CMND:168123456"),
			email: "an.nv@hanam.demo.invalid", notBefore: -30 * day, notAfter: 2 * year,
			keyUsage: signingKU, ekus: signingEKU, unknown: docSigning, policy: oidPolicySigning},
		{dst: &p.Agency, name: hanam(ubnd, "", ubnd, "MNS:000.00.00.H41"),
			email: "vanthu@hanam.demo.invalid", notBefore: -30 * day, notAfter: 2 * year,
			keyUsage: signingKU, ekus: signingEKU, unknown: docSigning, policy: oidPolicySigning},
		{dst: &p.Clerk, name: func() subject {
			s := hanam("Trần Thị Bình", "Văn thư", ubnd, "CMND:168234567")
			s.OrgUnit = "Văn phòng"
			return s
		}(),
			email: "binh.tt@hanam.demo.invalid", notBefore: -30 * day, notAfter: 2 * year,
			keyUsage: signingKU, ekus: signingEKU, unknown: docSigning, policy: oidPolicySigning},
		{dst: &p.TSA, name: subject{Country: "VN", Organization: caOrganization, CommonName: "Vanthu Demo TSA"},
			notBefore: -30 * day, notAfter: 5 * year, keyUsage: x509.KeyUsageDigitalSignature,
			extra:  []pkix.Extension{{Id: oidExtKeyUsageExt, Critical: true, Value: tsaEKU}},
			policy: oidPolicyTSA},
		{dst: &p.OCSP, name: subject{Country: "VN", Organization: caOrganization, CommonName: "Vanthu Demo OCSP Responder"},
			notBefore: -30 * day, notAfter: year, keyUsage: x509.KeyUsageDigitalSignature,
			ekus:  []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
			extra: []pkix.Extension{{Id: oidOCSPNoCheck, Value: null}}, noPointer: true},
		{dst: &p.Revoked, name: hanam("Lê Văn Cường", "Chuyên viên", "Sở Nội vụ tỉnh Hà Nam", "CMND:168345678"),
			email: "cuong.lv@hanam.demo.invalid", notBefore: -30 * day, notAfter: 2 * year,
			keyUsage: signingKU, ekus: signingEKU, unknown: docSigning, policy: oidPolicySigning},
		{dst: &p.Expired, name: hanam("Phạm Thị Dung", "Trưởng phòng", "Sở Tài chính tỉnh Hà Nam", "CMND:168456789"),
			email: "dung.pt@hanam.demo.invalid", notBefore: -2 * year, notAfter: -day,
			keyUsage: signingKU, ekus: signingEKU, unknown: docSigning, policy: oidPolicySigning},
		{dst: &p.NonSigning, name: hanam("Hoàng Văn Em", "Chuyên viên", "Sở Thông tin và Truyền thông tỉnh Hà Nam", "CMND:168567890"),
			email: "em.hv@hanam.demo.invalid", notBefore: -30 * day, notAfter: 2 * year,
			keyUsage: x509.KeyUsageKeyEncipherment, ekus: signingEKU, policy: oidPolicySigning},
		{dst: &p.DocSigningOnly, name: hanam("Đặng Thị Giang", "Phó Giám đốc", "Sở Tư pháp tỉnh Hà Nam", "CMND:168678901"),
			email: "giang.dt@hanam.demo.invalid", notBefore: -30 * day, notAfter: 2 * year,
			keyUsage: signingKU, unknown: docSigning, policy: oidPolicySigning},
	}

	caKeys, err := generateKeys(2, func() (crypto.Signer, error) {
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	})
	if err != nil {
		return fmt.Errorf("generate the CA keys: %w", err)
	}
	newLeafKey := func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }
	if rsaLeaves {
		newLeafKey = func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }
	}
	leafKeys, err := generateKeys(len(leaves), newLeafKey)
	if err != nil {
		return fmt.Errorf("generate the end-entity keys: %w", err)
	}

	rootName, err := subject{Country: "VN", Organization: caOrganization, CommonName: "Vanthu Demo Root CA"}.der()
	if err != nil {
		return err
	}
	root := &x509.Certificate{
		RawSubject:            rootName,
		NotBefore:             now.Add(-10 * year),
		NotAfter:              now.Add(20 * year),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
	}
	p.Root, err = issue(root, nil, caKeys[0])
	if err != nil {
		return fmt.Errorf("issue the root certificate: %w", err)
	}

	interName, err := subject{Country: "VN", Organization: caOrganization,
		CommonName: "Vanthu Demo CA dùng cho các cơ quan nhà nước"}.der()
	if err != nil {
		return err
	}
	inter := &x509.Certificate{
		RawSubject:            interName,
		NotBefore:             now.Add(-5 * year),
		NotAfter:              now.Add(10 * year),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		Policies:              []x509.OID{mustOID(oidAnyPolicy)},
	}
	if p.RootCRLURL != "" {
		inter.CRLDistributionPoints = []string{p.RootCRLURL}
		inter.IssuingCertificateURL = []string{rootCertURL(p.CAIssuersURL)}
	}
	p.Intermediate, err = issue(inter, p.Root, caKeys[1])
	if err != nil {
		return fmt.Errorf("issue the issuing CA certificate: %w", err)
	}

	p.status = make(map[string]certStatus, len(leaves))
	p.RevokedAt = now.Add(-time.Hour)
	for i, lp := range leaves {
		name, err := lp.name.der()
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			RawSubject:            name,
			NotBefore:             now.Add(lp.notBefore),
			NotAfter:              now.Add(lp.notAfter),
			KeyUsage:              lp.keyUsage,
			ExtKeyUsage:           lp.ekus,
			UnknownExtKeyUsage:    lp.unknown,
			ExtraExtensions:       lp.extra,
			BasicConstraintsValid: true,
		}
		if lp.email != "" {
			tmpl.EmailAddresses = []string{lp.email}
		}
		if lp.policy != nil {
			tmpl.Policies = []x509.OID{mustOID(lp.policy)}
		}
		if !lp.noPointer && p.OCSPURL != "" {
			tmpl.OCSPServer = []string{p.OCSPURL}
			tmpl.IssuingCertificateURL = []string{p.CAIssuersURL}
			tmpl.CRLDistributionPoints = []string{p.CRLURL}
		}
		id, err := issue(tmpl, p.Intermediate, leafKeys[i])
		if err != nil {
			return fmt.Errorf("issue the certificate of %s: %w", lp.name.CommonName, err)
		}
		*lp.dst = id
		p.status[serialKey(id.Cert.SerialNumber)] = certStatus{}
	}
	p.status[serialKey(p.Revoked.Cert.SerialNumber)] = certStatus{
		revoked: true, revokedAt: p.RevokedAt, reason: ocsp.KeyCompromise,
	}
	return nil
}

// rootCertURL derives the root certificate's URL from the CA issuers URL of
// the issuing CA (both live on the same server).
func rootCertURL(caIssuers string) string {
	return caIssuers[:len(caIssuers)-len(pathCAIssuers)] + pathRootCert
}

// issue signs tmpl with parent (nil: self-signed) and returns the identity.
func issue(tmpl *x509.Certificate, parent *Identity, key crypto.Signer) (*Identity, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	ski, err := keyID(key.Public())
	if err != nil {
		return nil, err
	}
	tmpl.SubjectKeyId = ski

	parentCert, parentKey, chain := tmpl, key, []*x509.Certificate(nil)
	if parent != nil {
		parentCert, parentKey = parent.Cert, parent.Key
		if !bytes.Equal(parent.Cert.RawIssuer, parent.Cert.RawSubject) {
			chain = parent.Chain // the root is never part of a chain
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, key.Public(), parentKey)
	if err != nil {
		return nil, fmt.Errorf("sign the certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("re-read the certificate: %w", err)
	}
	return &Identity{Cert: cert, Key: key, Chain: append([]*x509.Certificate{cert}, chain...)}, nil
}

// newSerial returns a random positive 127-bit serial number.
func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("draw a serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

// keyID is the subject key identifier of pub: the leftmost 160 bits of the
// SHA-256 hash of the subjectPublicKey bits (RFC 7093 §2 method 1).
func keyID(pub crypto.PublicKey) ([]byte, error) {
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode the public key: %w", err)
	}
	bits, err := spkiBits(spki)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(bits)
	return sum[:20], nil
}

// subjectPublicKeyBits returns the subjectPublicKey bits of cert, the input
// of OCSP key hashes and key identifiers.
func subjectPublicKeyBits(cert *x509.Certificate) ([]byte, error) {
	return spkiBits(cert.RawSubjectPublicKeyInfo)
}

func spkiBits(spki []byte) ([]byte, error) {
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		return nil, fmt.Errorf("decode the public key: %w", err)
	}
	return info.PublicKey.RightAlign(), nil
}

// generateKeys makes n keys in parallel (RSA generation is slow).
func generateKeys(n int, gen func() (crypto.Signer, error)) ([]crypto.Signer, error) {
	keys := make([]crypto.Signer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = gen() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return keys, nil
}

func mustOID(oid asn1.ObjectIdentifier) x509.OID {
	ints := make([]uint64, len(oid))
	for i, v := range oid {
		ints[i] = uint64(v) // #nosec G115 -- our constant OIDs are non-negative
	}
	o, err := x509.OIDFromInts(ints)
	if err != nil {
		panic("demopki: bad constant OID " + oid.String())
	}
	return o
}
