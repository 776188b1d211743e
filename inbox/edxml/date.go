package edxml

import (
	"strings"
	"time"
)

// Vietnam is the time zone of dates written without one (UTC+7).
var Vietnam = time.FixedZone("ICT", 7*60*60)

// DateForm is the way a date was written; a Date is written back in it.
type DateForm uint8

// The date forms seen in the field. The zero form is the standard's.
const (
	FormDate         DateForm = iota // 2006/01/02
	FormDateTime                     // 2006/01/02 15:04:05
	FormDayFirst                     // 02/01/2006
	FormDayFirstTime                 // 02/01/2006 15:04:05
	FormISODate                      // 2006-01-02
	FormISODateTime                  // 2006-01-02T15:04:05 (Vietnam time)
	FormISOSpaceTime                 // 2006-01-02 15:04:05 (Vietnam time)
	FormRFC3339                      // 2006-01-02T15:04:05+07:00
)

// dateForms lists how each form is parsed and written. Parsing accepts
// months, days and hours without a leading zero and fractions of seconds,
// which are written back when not zero.
var dateForms = []struct {
	form          DateForm
	parse, format string
}{
	{FormDate, "2006/1/2", "2006/01/02"},
	{FormDateTime, "2006/1/2 15:04:05.999999999", "2006/01/02 15:04:05.999999999"},
	{FormDayFirst, "2/1/2006", "02/01/2006"},
	{FormDayFirstTime, "2/1/2006 15:04:05.999999999", "02/01/2006 15:04:05.999999999"},
	{FormISODate, "2006-01-02", "2006-01-02"},
	{FormISODateTime, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999"},
	{FormISOSpaceTime, "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05.999999999"},
	{FormRFC3339, time.RFC3339Nano, time.RFC3339Nano},
}

// Date is a date or a date and time as edXML writes them. The zero Date
// stands for an empty element.
type Date struct {
	Time time.Time
	Form DateForm
}

// NewDate returns t as a date (yyyy/MM/dd, Vietnam time).
func NewDate(t time.Time) Date { return Date{Time: t.In(Vietnam), Form: FormDate} }

// NewDateTime returns t as a date and time (yyyy/MM/dd HH:mm:ss, Vietnam time).
func NewDateTime(t time.Time) Date {
	return Date{Time: t.In(Vietnam).Truncate(time.Second), Form: FormDateTime}
}

// ParseDate reads any of the date forms; "" gives the zero Date.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	for _, f := range dateForms {
		if f.form == FormRFC3339 {
			t, err := time.Parse(f.parse, s)
			if err != nil {
				continue
			}
			if t.Location() != time.UTC {
				_, off := t.Zone()
				t = t.In(time.FixedZone("", off))
			}
			return Date{Time: t, Form: f.form}, nil
		}
		t, err := time.ParseInLocation(f.parse, s, Vietnam)
		if err == nil {
			return Date{Time: t, Form: f.form}, nil
		}
	}
	return Date{}, errorf(ErrNotEdXML, "%q is not a date (expected yyyy/MM/dd or yyyy/MM/dd HH:mm:ss)", s)
}

// IsZero reports whether d stands for an empty element.
func (d Date) IsZero() bool { return d == Date{} }

// String writes d in its form; the zero Date writes "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	for _, f := range dateForms {
		if f.form != d.Form {
			continue
		}
		if f.form == FormRFC3339 {
			return d.Time.Format(f.format)
		}
		return d.Time.In(Vietnam).Format(f.format)
	}
	return d.Time.In(Vietnam).Format(dateForms[0].format)
}
