package app

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/signing"
)

// Dates in the UI are dd/MM/yyyy and times HH:mm, Vietnam time (GLOSSARY.md).
const (
	dateLayout     = "02/01/2006"
	dateTimeLayout = "02/01/2006 15:04"
)

func vnTime(t time.Time) time.Time { return t.In(signing.VietnamTime) }

// formatDate is t's calendar date in Vietnam, "" for the zero time.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return vnTime(t).Format(dateLayout)
}

// formatDateTime is t in Vietnam, to the minute.
func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return vnTime(t).Format(dateTimeLayout)
}

var errBadDate = errors.New("bad date")

// parseDate reads a dd/MM/yyyy date as a calendar date in Vietnam; "" is
// the zero time.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(dateLayout, s, signing.VietnamTime)
	if err != nil {
		return time.Time{}, errBadDate
	}
	return t, nil
}

// stateLabel, folderLabel and priorityLabel translate the store's values;
// their keys are "state.<state>", "folder.<folder>" and "priority.<n>".
func stateLabel(s inbox.State) string   { return lang.X("state."+string(s), s.English()) }
func folderLabel(f inbox.Folder) string { return lang.X("folder."+string(f), f.English()) }
func priorityLabel(p inbox.Priority) string {
	return lang.X("priority."+strconv.Itoa(int(p)), p.English())
}

// codeOf is a document's number/notation as printed ("1234/UBND-VP").
func codeOf(number, notation string) string {
	switch {
	case number == "":
		return notation
	case notation == "":
		return number
	}
	return number + "/" + notation
}
