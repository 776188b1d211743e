package demopki

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
)

// Attribute types used in Vietnamese certificate subjects.
var (
	oidCountry      = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidProvince     = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidLocality     = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidOrganization = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrgUnit      = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidTitle        = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidUserID       = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
)

// subject is a distinguished name as Vietnamese CAs write them. Empty fields
// are left out.
type subject struct {
	Country      string // always PrintableString
	Province     string // ST
	Locality     string // L
	Organization string // O
	OrgUnit      string // OU
	Title        string // T, the holder's position
	CommonName   string // CN
	UserID       string // UID, e.g. "CMND:168123456" or "MNS:000.00.00.H41"
}

// der encodes the name with one attribute per RDN, from the country down,
// every value except the country as a UTF8String (RFC 5280 §4.1.2.4), so the
// Vietnamese diacritics survive exactly. (crypto/x509 would pick
// PrintableString for ASCII values.)
func (s subject) der() ([]byte, error) {
	attrs := []struct {
		oid   asn1.ObjectIdentifier
		value string
	}{
		{oidCountry, s.Country},
		{oidProvince, s.Province},
		{oidLocality, s.Locality},
		{oidOrganization, s.Organization},
		{oidOrgUnit, s.OrgUnit},
		{oidTitle, s.Title},
		{oidCommonName, s.CommonName},
		{oidUserID, s.UserID},
	}
	var rdns pkix.RDNSequence
	for _, a := range attrs {
		if a.value == "" {
			continue
		}
		tag := asn1.TagUTF8String
		if a.oid.Equal(oidCountry) {
			tag = asn1.TagPrintableString
		}
		rdns = append(rdns, pkix.RelativeDistinguishedNameSET{{
			Type:  a.oid,
			Value: asn1.RawValue{Class: asn1.ClassUniversal, Tag: tag, Bytes: []byte(a.value)},
		}})
	}
	der, err := asn1.Marshal(rdns)
	if err != nil {
		return nil, fmt.Errorf("encode the name %q: %w", s.CommonName, err)
	}
	return der, nil
}
