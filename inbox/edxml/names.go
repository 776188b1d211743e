package edxml

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxNameBytes bounds an attachment name (most file systems allow 255).
const maxNameBytes = 255

// ValidateAttachmentName checks that name is safe to use as a file name on
// any desktop system and returns it NFC-normalised. It refuses empty names,
// names longer than 255 bytes, invalid UTF-8, path separators, "." and "..",
// drive letters and other colons, control and bidirectional-override
// characters, characters Windows forbids, names Windows reserves for
// devices, and names ending in a dot or a space. Errors match ErrUnsafeName.
func ValidateAttachmentName(name string) (string, error) {
	return checkName(name)
}

func checkName(name string) (string, error) {
	if name == "" {
		return "", errorf(ErrUnsafeName, "the file has no name")
	}
	if !utf8.ValidString(name) {
		return "", errorf(ErrUnsafeName, "the file name is not valid UTF-8")
	}
	n := norm.NFC.String(name)
	if len(n) > maxNameBytes {
		return "", errorf(ErrUnsafeName, "the file name is longer than %d bytes", maxNameBytes)
	}
	for _, r := range n {
		switch {
		case r == '/' || r == '\\':
			return "", errorf(ErrUnsafeName, "the file name contains a path separator (%q)", r)
		case r < 0x20 || r >= 0x7F && r <= 0x9F:
			return "", errorf(ErrUnsafeName, "the file name contains a control character (U+%04X)", r)
		case r == ':':
			return "", errorf(ErrUnsafeName, "the file name contains ':' (a drive letter or stream name)")
		case strings.ContainsRune(`<>"|?*`, r):
			return "", errorf(ErrUnsafeName, "the file name contains %q, which Windows forbids", r)
		case r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F || r == 0x061C:
			return "", errorf(ErrUnsafeName, "the file name contains a text-direction control (U+%04X) that can disguise its type", r)
		case r == 0xFEFF:
			return "", errorf(ErrUnsafeName, "the file name contains an invisible byte order mark")
		}
	}
	if strings.Trim(n, ".") == "" {
		return "", errorf(ErrUnsafeName, "the file name %q names a folder (\".\" or \"..\")", n)
	}
	if strings.HasSuffix(n, ".") || strings.HasSuffix(n, " ") || strings.HasPrefix(n, " ") {
		return "", errorf(ErrUnsafeName, "the file name begins or ends with a space or ends with a dot")
	}
	base, _, _ := strings.Cut(n, ".")
	switch strings.ToUpper(strings.TrimRight(base, " ")) {
	case "CON", "PRN", "AUX", "NUL",
		"COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		return "", errorf(ErrUnsafeName, "the file name %q is reserved for a device on Windows", base)
	}
	return n, nil
}

// ErrOrganID is returned for a malformed organisation code or document id.
var ErrOrganID = errors.New("invalid organisation code")

// ValidateOrganID checks the shape of a QCVN 102 organisation code
// (mã định danh): 13 characters like 000.00.00.G22.
func ValidateOrganID(id string) error {
	if organIDShape(id) {
		return nil
	}
	return &Error{Kind: ErrOrganID, Msg: fmt.Sprintf("organisation code %q is not of the form 000.00.00.G22 (13 characters)", id)}
}

// ParseDocumentID splits a DocumentId "{organ},{yyyy/MM/dd},{number}/{notation}"
// into the issuing organisation, the issue date and "number/notation".
func ParseDocumentID(s string) (organ string, date Date, numberNotation string, err error) {
	parts := strings.SplitN(s, ",", 3)
	if len(parts) != 3 {
		return "", Date{}, "", &Error{Kind: ErrOrganID, Msg: fmt.Sprintf("document id %q is not of the form organ,yyyy/MM/dd,number/notation", s)}
	}
	organ = strings.TrimSpace(parts[0])
	if err := ValidateOrganID(organ); err != nil {
		return "", Date{}, "", prefixError(fmt.Sprintf("document id %q", s), err)
	}
	date, err = ParseDate(parts[1])
	if err != nil || date.IsZero() {
		return "", Date{}, "", &Error{Kind: ErrOrganID, Msg: fmt.Sprintf("document id %q: %q is not a date", s, parts[1])}
	}
	numberNotation = strings.TrimSpace(parts[2])
	if numberNotation == "" {
		return "", Date{}, "", &Error{Kind: ErrOrganID, Msg: fmt.Sprintf("document id %q has no number/notation", s)}
	}
	return organ, date, numberNotation, nil
}

// MakeDocumentID builds a DocumentId from the issuing organisation, the
// issue date (written yyyy/MM/dd in Vietnam time), the number and the
// notation; number/notation is written "number" alone when notation is "".
func MakeDocumentID(organ string, date time.Time, number, notation string) (string, error) {
	if err := ValidateOrganID(organ); err != nil {
		return "", err
	}
	number, notation = strings.TrimSpace(number), strings.TrimSpace(notation)
	if number == "" && notation == "" {
		return "", &Error{Kind: ErrOrganID, Msg: "a document id needs a number or a notation"}
	}
	if strings.Contains(number, ",") || strings.Contains(number, "/") {
		return "", &Error{Kind: ErrOrganID, Msg: fmt.Sprintf("document number %q contains ',' or '/'", number)}
	}
	nn := number
	if notation != "" {
		nn += "/" + notation
	}
	return organ + "," + NewDate(date).String() + "," + nn, nil
}
