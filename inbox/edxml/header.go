package edxml

import (
	"slices"
	"strconv"
	"strings"
)

// This file maps the header tree onto the model. Children are matched by
// name in any order; unknown ones are kept in Extra with the known sibling
// they followed; a known element that may appear once and appears twice is
// an error.

type fieldFunc func(*node) error

func decodeFields(n *node, path string, extra *Extra, fields map[string]fieldFunc, repeated ...string) error {
	if n.hasText() {
		return errorf(ErrNotEdXML, "line %d: %s holds text where elements were expected", n.line, path)
	}
	extra.Attrs = attrsOf(n.attrs)
	seen := map[string]bool{}
	last := ""
	for _, c := range n.elems() {
		f, ok := fields[c.name.local]
		if ok && (c.name.space == Namespace || c.name.space == "") {
			if seen[c.name.local] && !slices.Contains(repeated, c.name.local) {
				return errorf(ErrNotEdXML, "line %d: %s has a second %s", c.line, path, c.name.local)
			}
			seen[c.name.local] = true
			if err := f(c); err != nil {
				return err
			}
			last = c.name.local
			continue
		}
		extra.Elems = append(extra.Elems, RawElement{After: last, XML: rawXML(c)})
	}
	return nil
}

func attrsOf(as []xattr) []Attr {
	var out []Attr
	for _, a := range as {
		out = append(out, Attr{Space: a.space, Prefix: a.prefix, Name: a.local, Value: a.value})
	}
	return out
}

// leafText returns the text of an element that must hold only text,
// without the white space around it.
func leafText(n *node, path string) (string, error) {
	var b strings.Builder
	for _, k := range n.kids {
		if k.elem != nil {
			return "", errorf(ErrNotEdXML, "line %d: %s must hold text, not elements", k.elem.line, path)
		}
		b.WriteString(k.text)
	}
	return strings.Trim(b.String(), " \t\n\r"), nil
}

func strField(path string, dst *string) fieldFunc {
	return func(n *node) error {
		v, err := leafText(n, path)
		*dst = v
		return err
	}
}

func listField(path string, dst *[]string) fieldFunc {
	return func(n *node) error {
		v, err := leafText(n, path)
		*dst = append(*dst, v)
		return err
	}
}

func intField(path string, dst *int) fieldFunc {
	return func(n *node) error {
		v, err := leafText(n, path)
		if err != nil || v == "" {
			return err
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || strings.HasPrefix(v, "+") {
			return errorf(ErrNotEdXML, "line %d: %s %q is not a whole number", n.line, path, v)
		}
		*dst = i
		return nil
	}
}

// rangeField reads a number that must lie in [0, max].
func rangeField(path string, dst *int, maxValue int) fieldFunc {
	return func(n *node) error {
		var v int
		if err := intField(path, &v)(n); err != nil {
			return err
		}
		if v > maxValue {
			return errorf(ErrNotEdXML, "line %d: %s %d is not between 0 and %d", n.line, path, v, maxValue)
		}
		*dst = v
		return nil
	}
}

func dateField(path string, dst *Date) fieldFunc {
	return func(n *node) error {
		v, err := leafText(n, path)
		if err != nil {
			return err
		}
		d, err := ParseDate(v)
		if err != nil {
			return prefixError("line "+strconv.Itoa(n.line)+": "+path, err)
		}
		*dst = d
		return nil
	}
}

func organizationField(path string, dst *Organization) fieldFunc {
	return func(n *node) error {
		o, err := decodeOrganization(n, path)
		*dst = o
		return err
	}
}

func decodeOrganization(n *node, path string) (Organization, error) {
	var o Organization
	err := decodeFields(n, path, &o.Extra, map[string]fieldFunc{
		"OrganId":              strField(path+"/OrganId", &o.OrganID),
		"OrganizationInCharge": strField(path+"/OrganizationInCharge", &o.OrganizationInCharge),
		"OrganName":            strField(path+"/OrganName", &o.OrganName),
		"OrganAdd":             strField(path+"/OrganAdd", &o.OrganAdd),
		"Email":                strField(path+"/Email", &o.Email),
		"Telephone":            strField(path+"/Telephone", &o.Telephone),
		"Fax":                  strField(path+"/Fax", &o.Fax),
		"Website":              strField(path+"/Website", &o.Website),
	})
	return o, err
}

func decodeResponseFor(n *node, path string) (ResponseFor, error) {
	var r ResponseFor
	err := decodeFields(n, path, &r.Extra, map[string]fieldFunc{
		"OrganId":          strField(path+"/OrganId", &r.OrganID),
		"Code":             strField(path+"/Code", &r.Code),
		"PromulgationDate": dateField(path+"/PromulgationDate", &r.PromulgationDate),
		"DocumentId":       strField(path+"/DocumentId", &r.DocumentID),
	})
	return r, err
}

func decodeStaffInfo(n *node, path string, s *StaffInfo) error {
	return decodeFields(n, path, &s.Extra, map[string]fieldFunc{
		"Department": strField(path+"/Department", &s.Department),
		"Staff":      strField(path+"/Staff", &s.Staff),
		"Email":      strField(path+"/Email", &s.Email),
		"Mobile":     strField(path+"/Mobile", &s.Mobile),
	})
}

func decodeMessageHeader(n *node) (MessageHeader, error) {
	const p = "MessageHeader"
	var h MessageHeader
	seenFrom, seenDocID := false, false
	err := decodeFields(n, p, &h.Extra, map[string]fieldFunc{
		"From": func(c *node) error {
			seenFrom = true
			return organizationField(p+"/From", &h.From)(c)
		},
		"To": func(c *node) error {
			o, err := decodeOrganization(c, p+"/To")
			h.To = append(h.To, o)
			return err
		},
		"DocumentId": func(c *node) error {
			seenDocID = true
			return strField(p+"/DocumentId", &h.DocumentID)(c)
		},
		"Code": func(c *node) error {
			return decodeFields(c, p+"/Code", &h.Code.Extra, map[string]fieldFunc{
				"CodeNumber":   strField(p+"/Code/CodeNumber", &h.Code.CodeNumber),
				"CodeNotation": strField(p+"/Code/CodeNotation", &h.Code.CodeNotation),
			})
		},
		"PromulgationInfo": func(c *node) error {
			pi := &h.PromulgationInfo
			return decodeFields(c, p+"/PromulgationInfo", &pi.Extra, map[string]fieldFunc{
				"Place":            strField(p+"/PromulgationInfo/Place", &pi.Place),
				"PromulgationDate": dateField(p+"/PromulgationInfo/PromulgationDate", &pi.PromulgationDate),
			})
		},
		"DocumentType": func(c *node) error {
			dt := &h.DocumentType
			return decodeFields(c, p+"/DocumentType", &dt.Extra, map[string]fieldFunc{
				"Type":       intField(p+"/DocumentType/Type", &dt.Type),
				"TypeDetail": intField(p+"/DocumentType/TypeDetail", &dt.TypeDetail),
				"TypeName":   strField(p+"/DocumentType/TypeName", &dt.TypeName),
			})
		},
		"Subject": strField(p+"/Subject", &h.Subject),
		"Content": strField(p+"/Content", &h.Content),
		"SignerInfo": func(c *node) error {
			si := &h.SignerInfo
			return decodeFields(c, p+"/SignerInfo", &si.Extra, map[string]fieldFunc{
				"Competence": strField(p+"/SignerInfo/Competence", &si.Competence),
				"Position":   strField(p+"/SignerInfo/Position", &si.Position),
				"FullName":   strField(p+"/SignerInfo/FullName", &si.FullName),
			})
		},
		"DueDate": dateField(p+"/DueDate", &h.DueDate),
		"OtherInfo": func(c *node) error {
			oi := &h.OtherInfo
			const q = p + "/OtherInfo"
			var prio int
			err := decodeFields(c, q, &oi.Extra, map[string]fieldFunc{
				"Priority":             rangeField(q+"/Priority", &prio, int(PriorityFlashTimed)),
				"SphereOfPromulgation": strField(q+"/SphereOfPromulgation", &oi.SphereOfPromulgation),
				"TyperNotation":        strField(q+"/TyperNotation", &oi.TyperNotation),
				"PromulgationAmount":   intField(q+"/PromulgationAmount", &oi.PromulgationAmount),
				"PageAmount":           intField(q+"/PageAmount", &oi.PageAmount),
				"Appendixes": func(c *node) error {
					return decodeFields(c, q+"/Appendixes", &oi.Appendixes.Extra, map[string]fieldFunc{
						"Appendix": listField(q+"/Appendixes/Appendix", &oi.Appendixes.Appendix),
					}, "Appendix")
				},
			})
			oi.Priority = Priority(prio)
			return err
		},
		"SteeringType": strField(p+"/SteeringType", &h.SteeringType),
		"ToPlaces": func(c *node) error {
			return decodeFields(c, p+"/ToPlaces", &h.ToPlaces.Extra, map[string]fieldFunc{
				"Place": listField(p+"/ToPlaces/Place", &h.ToPlaces.Place),
			}, "Place")
		},
		"ResponseFor": func(c *node) error {
			r, err := decodeResponseFor(c, p+"/ResponseFor")
			h.ResponseFor = append(h.ResponseFor, r)
			return err
		},
	}, "To", "ResponseFor")
	if err != nil {
		return h, err
	}
	switch {
	case !seenFrom:
		return h, errorf(ErrNotEdXML, "line %d: MessageHeader has no From (the sender)", n.line)
	case h.From.OrganID == "":
		return h, errorf(ErrNotEdXML, "line %d: MessageHeader/From has no OrganId", n.line)
	case !seenDocID || h.DocumentID == "":
		return h, errorf(ErrNotEdXML, "line %d: MessageHeader has no DocumentId", n.line)
	}
	return h, nil
}

func decodeTrace(n *node) (TraceHeaderList, error) {
	const p = "TraceHeaderList"
	var t TraceHeaderList
	err := decodeFields(n, p, &t.Extra, map[string]fieldFunc{
		"TraceHeader": func(c *node) error {
			var th TraceHeader
			err := decodeFields(c, p+"/TraceHeader", &th.Extra, map[string]fieldFunc{
				"OrganId":   strField(p+"/TraceHeader/OrganId", &th.OrganID),
				"Timestamp": dateField(p+"/TraceHeader/Timestamp", &th.Timestamp),
			})
			t.TraceHeader = append(t.TraceHeader, th)
			return err
		},
		elBusiness: func(c *node) error {
			b, err := decodeBusiness(c, p+"/"+elBusiness)
			t.Business = b
			return err
		},
	}, "TraceHeader")
	return t, err
}

func decodeBusiness(n *node, p string) (*Business, error) {
	b := &Business{}
	var docType int
	err := decodeFields(n, p, &b.Extra, map[string]fieldFunc{
		elBusinessDocType:   rangeField(p+"/"+elBusinessDocType, &docType, int(DocReplace)),
		elBusinessDocReason: strField(p+"/"+elBusinessDocReason, &b.BusinessDocReason),
		"DocumentId":        strField(p+"/DocumentId", &b.DocumentID),
		"Paper":             rangeField(p+"/Paper", &b.Paper, 1),
		"StaffInfo": func(c *node) error {
			return decodeStaffInfo(c, p+"/StaffInfo", &b.StaffInfo)
		},
		elBusinessDocumentInfo: func(c *node) error {
			q := p + "/" + elBusinessDocumentInfo
			bi := &BusinessDocumentInfo{}
			b.BusinessDocumentInfo = bi
			return decodeFields(c, q, &bi.Extra, map[string]fieldFunc{
				"DocumentInfo":     strField(q+"/DocumentInfo", &bi.DocumentInfo),
				"DocumentReceiver": strField(q+"/DocumentReceiver", &bi.DocumentReceiver),
				"ReceiverList": func(c *node) error {
					rl := &bi.ReceiverList
					return decodeFields(c, q+"/ReceiverList", &rl.Extra, map[string]fieldFunc{
						"Receiver": func(c *node) error {
							var r Receiver
							err := decodeFields(c, q+"/ReceiverList/Receiver", &r.Extra, map[string]fieldFunc{
								"ReceiverType": intField(q+"/ReceiverList/Receiver/ReceiverType", &r.ReceiverType),
								"OrganId":      strField(q+"/ReceiverList/Receiver/OrganId", &r.OrganID),
							})
							rl.Receiver = append(rl.Receiver, r)
							return err
						},
					}, "Receiver")
				},
			})
		},
		"ReplacementInfoList": func(c *node) error {
			q := p + "/ReplacementInfoList"
			rl := &ReplacementInfoList{}
			b.ReplacementInfoList = rl
			return decodeFields(c, q, &rl.Extra, map[string]fieldFunc{
				"ReplacementInfo": func(c *node) error {
					var ri ReplacementInfo
					err := decodeFields(c, q+"/ReplacementInfo", &ri.Extra, map[string]fieldFunc{
						"DocumentId": strField(q+"/ReplacementInfo/DocumentId", &ri.DocumentID),
						"OrganIdList": func(c *node) error {
							return decodeFields(c, q+"/ReplacementInfo/OrganIdList", &ri.OrganIDList.Extra, map[string]fieldFunc{
								"OrganId": listField(q+"/ReplacementInfo/OrganIdList/OrganId", &ri.OrganIDList.OrganID),
							}, "OrganId")
						},
					})
					rl.ReplacementInfo = append(rl.ReplacementInfo, ri)
					return err
				},
			}, "ReplacementInfo")
		},
	})
	b.BusinessDocType = BusinessDocType(docType)
	return b, err
}

func decodeReference(n *node, path string) (Reference, error) {
	var r Reference
	err := decodeFields(n, path, &r.Extra, map[string]fieldFunc{
		"ContentId":      strField(path+"/ContentId", &r.ContentID),
		"ContentType":    strField(path+"/ContentType", &r.ContentType),
		"Description":    strField(path+"/Description", &r.Description),
		"AttachmentName": strField(path+"/AttachmentName", &r.AttachmentName),
	})
	return r, err
}

func decodeStatusNode(n *node) (Status, error) {
	const p = "Status"
	var s Status
	var seenResp, seenFrom bool
	err := decodeFields(n, p, &s.Extra, map[string]fieldFunc{
		"ResponseFor": func(c *node) error {
			seenResp = true
			r, err := decodeResponseFor(c, p+"/ResponseFor")
			s.ResponseFor = r
			return err
		},
		"From": func(c *node) error {
			seenFrom = true
			return organizationField(p+"/From", &s.From)(c)
		},
		"StatusCode": func(c *node) error {
			v, err := leafText(c, p+"/StatusCode")
			s.StatusCode = StatusCode(v)
			return err
		},
		"Description": strField(p+"/Description", &s.Description),
		"Timestamp":   dateField(p+"/Timestamp", &s.Timestamp),
		"StaffInfo": func(c *node) error {
			return decodeStaffInfo(c, p+"/StaffInfo", &s.StaffInfo)
		},
	})
	if err != nil {
		return s, err
	}
	switch {
	case !seenResp || s.ResponseFor.DocumentID == "":
		return s, errorf(ErrNotEdXML, "line %d: Status has no ResponseFor/DocumentId (which document it is about)", n.line)
	case !seenFrom || s.From.OrganID == "":
		return s, errorf(ErrNotEdXML, "line %d: Status has no From/OrganId (who sends it)", n.line)
	case s.StatusCode == "":
		return s, errorf(ErrNotEdXML, "line %d: Status has no StatusCode", n.line)
	}
	return s, nil
}
