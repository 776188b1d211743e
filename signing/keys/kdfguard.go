package keys

import (
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// maxKDFIterations bounds the key-derivation rounds a PKCS#12 file may ask
// for. Real files use 1 000 to 600 000; the decoder has no bound of its own,
// so a damaged or hostile file could otherwise keep the application busy for
// hours before the password is even checked. It is a variable so that the
// fuzz test can lower it.
var maxKDFIterations int64 = 10_000_000

// Bounds of the walk, so that the guard itself stays cheap on any input.
const (
	kdfWalkMaxDepth = 24
	kdfWalkMaxNodes = 200_000
)

// kdfIterations returns the largest iteration count among the key-derivation
// parameters visible in the DER structure der without a password: the MAC's
// (MacData, PBMAC1) and those of the encryption schemes (PBEParameter,
// PBKDF2-params). All of them are a SEQUENCE in which an OCTET STRING (the
// salt) is directly followed by an INTEGER (the count). OCTET STRINGs that
// hold DER (the authenticated safe, safe contents) are walked into.
// Malformed parts are ignored: reporting them is the decoder's job.
func kdfIterations(der []byte) int64 {
	w := kdfWalker{}
	w.walk(cryptobyte.String(der), 0)
	return w.max
}

type kdfWalker struct {
	max   int64
	nodes int
}

func (w *kdfWalker) walk(s cryptobyte.String, depth int) {
	if depth > kdfWalkMaxDepth {
		return
	}
	prevOctet := false
	for !s.Empty() {
		w.nodes++
		if w.nodes > kdfWalkMaxNodes {
			return
		}
		var content cryptobyte.String
		var tag cbasn1.Tag
		if !s.ReadAnyASN1(&content, &tag) {
			return
		}
		switch {
		case tag == cbasn1.INTEGER && prevOctet:
			w.count(content)
		case tag == cbasn1.OCTET_STRING:
			if len(content) > 0 && content[0] == byte(cbasn1.SEQUENCE) {
				w.walk(content, depth+1)
			}
		case tag&0x20 != 0: // constructed: SEQUENCE, SET, [n] EXPLICIT
			w.walk(content, depth+1)
		}
		prevOctet = tag == cbasn1.OCTET_STRING
	}
}

// count records a non-negative INTEGER's value, saturating at the maximum
// int64 for longer encodings.
func (w *kdfWalker) count(content cryptobyte.String) {
	if len(content) == 0 || content[0]&0x80 != 0 {
		return // empty or negative
	}
	for len(content) > 1 && content[0] == 0 {
		content = content[1:]
	}
	if len(content) > 8 || len(content) == 8 && content[0]&0x80 != 0 {
		w.max = 1<<63 - 1
		return
	}
	var v int64
	for _, b := range content {
		v = v<<8 | int64(b)
	}
	w.max = max(w.max, v)
}
