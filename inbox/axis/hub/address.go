package hub

import (
	"regexp"
	"strings"
)

// Addresses on the axis: an agency code (QCVN 102, 13 characters such as
// 000.00.00.H41) or a personal mailbox under it (000.00.00.H41/lanhdao).
// The field uses digits and capital letters in every group; the pattern
// accepts that shape rather than a fixed letter position.
var (
	agencyCodeRE = regexp.MustCompile(`^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[0-9A-Z]{3}$`)
	mailboxRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	systemIDRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
)

// validAgencyCode reports whether code has the shape of an agency code.
func validAgencyCode(code string) bool { return agencyCodeRE.MatchString(code) }

// validMailbox reports whether name can name a personal mailbox.
func validMailbox(name string) bool { return mailboxRE.MatchString(name) }

// agencyOf returns the agency part of an address.
func agencyOf(addr string) string {
	agency, _, _ := strings.Cut(addr, "/")
	return agency
}

// splitAddress parses an address into agency and mailbox (empty for the
// agency itself); ok is false when it is not an address.
func splitAddress(addr string) (agency, mailbox string, ok bool) {
	agency, mailbox, hasBox := strings.Cut(addr, "/")
	if !validAgencyCode(agency) {
		return "", "", false
	}
	if hasBox && !validMailbox(mailbox) {
		return "", "", false
	}
	return agency, mailbox, true
}
