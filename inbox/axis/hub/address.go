package hub

import (
	"regexp"
	"strings"

	"github.com/vanthu/vanthu/inbox/edxml"
)

// Addresses on the axis: an agency code (QCVN 102, 13 characters such as
// 000.00.00.H41, as edxml.ValidateOrganID checks it) or a personal mailbox
// under it (000.00.00.H41/lanhdao).
var (
	mailboxRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	systemIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
)

// validAgencyCode reports whether code has the shape of an agency code.
func validAgencyCode(code string) bool { return edxml.ValidateOrganID(code) == nil }

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
