package hub

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// EdXMLNamespace is the namespace of QCVN 102:2016 packets.
const EdXMLNamespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

// packetInfo is what the hub reads from an edXML packet to validate and
// route it. The hub does not need the attachments.
type packetInfo struct {
	Kind         string // MessageEdoc or MessageStatus
	From         string // the sender's OrganId
	To           []string
	DocumentID   string
	Subject      string
	CodeNumber   string
	CodeNotation string
	// status messages
	StatusCode      string
	StatusDesc      string
	ResponseForOrg  string
	ResponseForDoc  string
	ResponseForCode string
}

// Notation is "CodeNumber/CodeNotation" (or whichever is present).
func (p packetInfo) Notation() string {
	switch {
	case p.CodeNumber != "" && p.CodeNotation != "":
		return p.CodeNumber + "/" + p.CodeNotation
	case p.CodeNumber != "":
		return p.CodeNumber
	}
	return p.CodeNotation
}

// Limits of the inspection: edXML is shallow, and the fields the hub keeps
// are short; anything beyond is not a packet the hub will route.
const (
	maxXMLDepth  = 64
	maxFieldText = 4 << 10
	maxTo        = 1000
)

// errNotEdXML wraps every reason a file is not an edXML packet.
var errNotEdXML = errors.New("not an edXML packet")

func notEdXML(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errNotEdXML, fmt.Sprintf(format, args...))
}

// field paths (suffixes of the element stack, local names) the hub keeps.
var fieldPaths = []struct {
	path []string
	set  func(p *packetInfo, v string)
}{
	{[]string{"MessageHeader", "From", "OrganId"}, func(p *packetInfo, v string) { p.From = v }},
	{[]string{"MessageHeader", "To", "OrganId"}, func(p *packetInfo, v string) { p.To = append(p.To, v) }},
	{[]string{"MessageHeader", "DocumentId"}, func(p *packetInfo, v string) { p.DocumentID = v }},
	{[]string{"MessageHeader", "Subject"}, func(p *packetInfo, v string) { p.Subject = v }},
	{[]string{"MessageHeader", "Code", "CodeNumber"}, func(p *packetInfo, v string) { p.CodeNumber = v }},
	{[]string{"MessageHeader", "Code", "CodeNotation"}, func(p *packetInfo, v string) { p.CodeNotation = v }},
	{[]string{"Status", "From", "OrganId"}, func(p *packetInfo, v string) { p.From = v }},
	{[]string{"Status", "StatusCode"}, func(p *packetInfo, v string) { p.StatusCode = v }},
	{[]string{"Status", "Description"}, func(p *packetInfo, v string) { p.StatusDesc = v }},
	{[]string{"Status", "ResponseFor", "OrganId"}, func(p *packetInfo, v string) { p.ResponseForOrg = v }},
	{[]string{"Status", "ResponseFor", "DocumentId"}, func(p *packetInfo, v string) { p.ResponseForDoc = v }},
	{[]string{"Status", "ResponseFor", "Code"}, func(p *packetInfo, v string) { p.ResponseForCode = v }},
}

func hasSuffix(stack, suffix []string) bool {
	if len(stack) < len(suffix) {
		return false
	}
	for i, s := range suffix {
		if stack[len(stack)-len(suffix)+i] != s {
			return false
		}
	}
	return true
}

// inspectPacket reads an edXML packet to its end: the root must be edXML
// in the QCVN 102 namespace, well formed, without a DOCTYPE (no entity
// tricks), holding exactly one of MessageHeader (edoc) or Status (status)
// with a sender. Inner elements are matched by local name: producers
// differ on prefixing them.
//
// The edxml codec validates packets (readPacket); this reads the envelope
// of a document the codec refused only for its attachments.
func inspectPacket(r io.Reader) (packetInfo, error) {
	var p packetInfo
	dec := xml.NewDecoder(r)
	dec.Strict = true
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return in, nil
		}
		return nil, fmt.Errorf("encoding %q (edXML is UTF-8)", label)
	}
	var (
		stack           []string
		capture         func(*packetInfo, string)
		text            strings.Builder
		rootDone        bool
		headers, status int
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return p, notEdXML("%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if rootDone {
				return p, notEdXML("content after the root element")
			}
			if len(stack) == 0 && (t.Name.Local != "edXML" || t.Name.Space != EdXMLNamespace) {
				return p, notEdXML("the root element is {%s}%s, not edXML in %s", truncate(t.Name.Space, 80), truncate(t.Name.Local, 80), EdXMLNamespace)
			}
			if len(stack) >= maxXMLDepth {
				return p, notEdXML("elements nested deeper than %d", maxXMLDepth)
			}
			stack = append(stack, t.Name.Local)
			switch t.Name.Local {
			case "MessageHeader":
				headers++
			case "Status":
				status++
			}
			capture = nil
			for _, f := range fieldPaths {
				if hasSuffix(stack, f.path) {
					capture = f.set
					text.Reset()
					break
				}
			}
		case xml.CharData:
			if len(stack) == 0 && len(bytes.TrimSpace(t)) > 0 {
				return p, notEdXML("text outside the root element")
			}
			if capture != nil {
				if text.Len()+len(t) > maxFieldText {
					return p, notEdXML("element %s is longer than %d bytes", stack[len(stack)-1], maxFieldText)
				}
				text.Write(t)
			}
		case xml.EndElement:
			if capture != nil {
				capture(&p, strings.TrimSpace(text.String()))
				capture = nil
				if len(p.To) > maxTo {
					return p, notEdXML("more than %d recipients", maxTo)
				}
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				rootDone = true
			}
		case xml.Directive:
			return p, notEdXML("a DOCTYPE or other directive (not allowed in edXML)")
		}
	}
	switch {
	case !rootDone:
		return p, notEdXML("no root element")
	case headers+status == 0:
		return p, notEdXML("neither a MessageHeader (edoc) nor a Status (status)")
	case headers > 0 && status > 0, headers > 1, status > 1:
		return p, notEdXML("more than one MessageHeader or Status")
	case headers == 1:
		p.Kind = MessageEdoc
	default:
		p.Kind = MessageStatus
	}
	if p.From == "" {
		return p, notEdXML("no sender (From/OrganId)")
	}
	if p.Kind == MessageStatus && p.StatusCode == "" {
		return p, notEdXML("a Status without a StatusCode")
	}
	return p, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
