package edxml

import (
	"path"
	"strings"
)

// This file keeps in one place the choices made where producers differ
// or the standard is uncertain (AXIS.md §1: "keep every uncertain choice
// in one place so it can change").

// nsDSig is the W3C XMLDSig namespace.
const nsDSig = "http://www.w3.org/2000/09/xmldsig#"

// acceptedEncoding reports whether an XML declaration's encoding is read
// as UTF-8. "utf-16" is accepted because .NET producers that serialise to
// a string declare it and then save UTF-8 bytes; a real UTF-16 file starts
// with a byte order mark or a zero byte and is refused before this.
func acceptedEncoding(enc string) bool {
	switch strings.ToLower(enc) {
	case "utf-8", "utf8", "us-ascii", "ascii", "utf-16", "unicode":
		return true
	}
	return false
}

// isEd reports whether n names the edXML element local. Below the root,
// producers write edXML elements with the prefix, in the default namespace
// or (some Java SDKs) in no namespace at all: all are accepted.
func isEd(n qname, local string) bool {
	return n.local == local && (n.space == Namespace || n.space == "")
}

// isSignatureName reports whether n is the header's Signature element:
// an XMLDSig signature, or the empty placeholder some producers write in
// the edXML namespace or in none.
func isSignatureName(n qname) bool {
	return n.local == "Signature" && (n.space == nsDSig || n.space == Namespace || n.space == "")
}

// normalizeContentID strips what producers add around a content id: the
// "cid:" prefix (present in the manifest, absent in the attachment, or the
// reverse) and MIME angle brackets.
func normalizeContentID(id string) string {
	id = strings.TrimSpace(id)
	if len(id) >= 4 && strings.EqualFold(id[:4], "cid:") {
		id = id[4:]
	}
	if strings.HasPrefix(id, "<") && strings.HasSuffix(id, ">") && len(id) >= 2 {
		id = id[1 : len(id)-1]
	}
	return id
}

// zipContainerExts are file types that are ZIP archives themselves: sent
// raw they begin with the ZIP magic like a wrapper does.
var zipContainerExts = map[string]bool{
	".zip": true, ".docx": true, ".docm": true, ".dotx": true, ".xlsx": true,
	".xlsm": true, ".xltx": true, ".pptx": true, ".pptm": true, ".ppsx": true,
	".odt": true, ".ods": true, ".odp": true, ".odg": true, ".epub": true,
	".jar": true, ".apk": true, ".xps": true, ".oxps": true, ".kmz": true,
	".vsdx": true, ".3mf": true,
}

func lowerExt(name string) string { return strings.ToLower(path.Ext(name)) }

// zipDecision says what to do with an attachment whose bytes begin with
// the ZIP magic. Producers wrap each file in a ZIP with one entry; others
// send a file raw, and DOCX, XLSX, ODT or a user's own .zip are ZIPs too.
// The rule: a ZIP is a wrapper when it holds exactly one file and either
// the attachment's name is not of a ZIP-based type, or the entry has the
// same extension as the name (a .zip wrapped in a .zip). Otherwise a
// ZIP-based attachment is delivered as it came, and any other name with
// more than one file inside is refused as ambiguous.
type zipDecision uint8

const (
	zipUnwrap zipDecision = iota + 1
	zipKeepRaw
	zipRefuse
)

func decideZip(name string, files []string) zipDecision {
	ext := lowerExt(name)
	container := zipContainerExts[ext]
	if len(files) == 1 {
		if !container || lowerExt(files[0]) == ext {
			return zipUnwrap
		}
		return zipKeepRaw
	}
	if container {
		return zipKeepRaw
	}
	return zipRefuse
}

// isContainerName reports whether a ZIP-magic attachment that is not a
// readable ZIP should still be delivered as sent.
func isContainerName(name string) bool { return zipContainerExts[lowerExt(name)] }

// organIDShape checks the QCVN 102 organisation code: four dot-separated
// groups of 3, 2, 2 and 3 characters (000.00.00.G22). The last group is a
// letter and two digits; the others are digits or capital letters.
func organIDShape(s string) bool {
	if len(s) != 13 || s[3] != '.' || s[6] != '.' || s[9] != '.' {
		return false
	}
	for i := range 9 {
		if i == 3 || i == 6 {
			continue
		}
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return s[10] >= 'A' && s[10] <= 'Z' && s[11] >= '0' && s[11] <= '9' && s[12] >= '0' && s[12] <= '9'
}

// The standard spells "Business" with a double s in these element names;
// the Go names use the English spelling.
const (
	elBusiness             = "Bussiness"             //nolint:misspell // the standard's spelling
	elBusinessDocType      = "BussinessDocType"      //nolint:misspell // the standard's spelling
	elBusinessDocReason    = "BussinessDocReason"    //nolint:misspell // the standard's spelling
	elBusinessDocumentInfo = "BussinessDocumentInfo" //nolint:misspell // the standard's spelling
)
