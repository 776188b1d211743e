package axis

// More of the wire protocol shared by the client and the reference server:
// call names, parameter values, the shapes of the list items and the `to`
// list of sendEdoc. Decoding is lenient where the field SDK is (it reads
// every scalar with getAsString, so numbers stand for strings) and strict
// where ambiguity could make two peers read one answer differently (a key
// given twice, even in another letter case, is refused).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Call names: the last path segment of each call (AXIS.md §2).
const (
	CallReceivedList  = "getReceivedEdocList"
	CallGetEdoc       = "getEdoc"
	CallDownloadEdoc  = "downloadEdoc" // GET, answers the raw edXML
	CallSendEdoc      = "sendEdoc"     // multipart, part PartFileDoc
	CallUpdateStatus  = "updateStatus"
	CallSentList      = "getSentEdocList"
	CallCountEdoc     = "countReceiveEdoc"   // GET
	CallCountStatus   = "countReceiveStatus" // GET
	CallAgencies      = "getAgenciesList"
	CallRegisterAgcy  = "registerAgency" // body: the Agency as JSON
	CallDeleteAgency  = "deleteAgency"   // header AgencyCode
	ServiceTypeEDoc   = "eDoc"           // the servicetype of every call that takes one
	PartFileDoc       = "file_doc"       // the multipart part of sendEdoc holding the packet
	ContentTypeJSON   = "application/json"
	ContentTypePacket = "application/octet-stream" // the file_doc part's type
)

// HReason is an optional header of updateStatus: why a packet is marked
// fail (one line of UTF-8, at most MaxReasonLen bytes). The field SDK sends
// no reason; an axis that does not know the header ignores it.
const (
	HReason      = "reason"
	MaxReasonLen = 500
)

// MessageType is the messagetype header: a document or a status message.
type MessageType string

// Message types.
const (
	MessageEdoc   MessageType = "edoc"
	MessageStatus MessageType = "status"
)

// Valid reports whether m is edoc or status.
func (m MessageType) Valid() bool { return m == MessageEdoc || m == MessageStatus }

// TransportStatus is the status header of updateStatus: the transport-level
// acknowledgement of a received packet (not the business status 01..16).
type TransportStatus string

// Transport statuses.
const (
	StatusDone       TransportStatus = "done"       // stored; take it off the pending list
	StatusFail       TransportStatus = "fail"       // could not be parsed or stored
	StatusProcessing TransportStatus = "processing" // taken, not yet stored
)

// Valid reports whether s is done, fail or processing.
func (s TransportStatus) Valid() bool {
	return s == StatusDone || s == StatusFail || s == StatusProcessing
}

// ReceivedItem is one entry of getReceivedEdocList's data.
type ReceivedItem struct {
	DocID       string      `json:"docId"`
	ServiceType string      `json:"serviceType"`
	MessageType MessageType `json:"messageType"`
	Created     string      `json:"created_time"` // as the axis wrote it
	Updated     string      `json:"updated_time"`
	From        string      `json:"from"`
	To          string      `json:"to"`
	Status      string      `json:"status"`
	StatusDesc  string      `json:"status_desc"`
}

// UnmarshalJSON reads an item leniently: numbers stand for strings,
// unknown keys are ignored, a key given twice is refused.
func (it *ReceivedItem) UnmarshalJSON(b []byte) error {
	var mt string
	err := decodeFields(b, map[string]*string{
		"docId": &it.DocID, "serviceType": &it.ServiceType, "messageType": &mt,
		"created_time": &it.Created, "updated_time": &it.Updated, "from": &it.From,
		"to": &it.To, "status": &it.Status, "status_desc": &it.StatusDesc,
	})
	it.MessageType = MessageType(mt)
	return err
}

// SentItem is one recipient's row of getSentEdocList.
type SentItem struct {
	ServiceType       string      `json:"serviceType"`
	MessageType       MessageType `json:"messageType"`
	SenderDocID       string      `json:"senderDocId"`
	ReceiverDocID     string      `json:"receiverDocId"`
	FromCode          string      `json:"fromCode"`
	ToCode            string      `json:"toCode"`
	Title             string      `json:"title"`
	Notation          string      `json:"notation"`
	SentTime          string      `json:"sentTime"`
	ReceivedTime      string      `json:"receivedTime"`
	SendStatus        string      `json:"sendStatus"`
	SendStatusDesc    string      `json:"sendStatusDesc"`
	ReceiveStatus     string      `json:"receiveStatus"`
	ReceiveStatusDesc string      `json:"receiveStatusDesc"`
}

// UnmarshalJSON reads a row leniently (see ReceivedItem.UnmarshalJSON).
func (it *SentItem) UnmarshalJSON(b []byte) error {
	var mt string
	err := decodeFields(b, map[string]*string{
		"serviceType": &it.ServiceType, "messageType": &mt, "senderDocId": &it.SenderDocID,
		"receiverDocId": &it.ReceiverDocID, "fromCode": &it.FromCode, "toCode": &it.ToCode,
		"title": &it.Title, "notation": &it.Notation, "sentTime": &it.SentTime,
		"receivedTime": &it.ReceivedTime, "sendStatus": &it.SendStatus,
		"sendStatusDesc": &it.SendStatusDesc, "receiveStatus": &it.ReceiveStatus,
		"receiveStatusDesc": &it.ReceiveStatusDesc,
	})
	it.MessageType = MessageType(mt)
	return err
}

// Agency is one entry of the axis's agency registry (getAgenciesList), and
// the body of registerAgency.
type Agency struct {
	ID       string `json:"id,omitempty"`
	Code     string `json:"code"` // the 13-character organisation code
	OldCode  string `json:"oldCode,omitempty"`
	Name     string `json:"name"`
	Mail     string `json:"mail,omitempty"`
	ParentID string `json:"pid,omitempty"`
}

// UnmarshalJSON reads an agency leniently (see ReceivedItem.UnmarshalJSON).
func (a *Agency) UnmarshalJSON(b []byte) error {
	return decodeFields(b, map[string]*string{
		"id": &a.ID, "code": &a.Code, "oldCode": &a.OldCode, "name": &a.Name,
		"mail": &a.Mail, "pid": &a.ParentID,
	})
}

// decodeFields reads a JSON object whose known keys hold scalars. Keys
// match case-insensitively (the field has `docId` and `DocId`); two keys
// for one field are refused; a string, number, boolean or null is taken as
// its text; unknown keys are skipped.
func decodeFields(b []byte, fields map[string]*string) error {
	byLower := make(map[string]*string, len(fields))
	for k, p := range fields {
		byLower[strings.ToLower(k)] = p
	}
	seen := map[string]string{}
	return walkObject(b, func(key string, raw json.RawMessage) error {
		p, ok := byLower[strings.ToLower(key)]
		if !ok {
			return nil
		}
		if prev, dup := seen[strings.ToLower(key)]; dup {
			return fmt.Errorf("key %q given twice (also as %q)", key, prev)
		}
		seen[strings.ToLower(key)] = key
		s, err := scalarText(raw)
		if err != nil {
			return fmt.Errorf("key %q: %w", key, err)
		}
		*p = s
		return nil
	})
}

// walkObject calls fn for each member of the JSON object b, in order.
func walkObject(b []byte, fn func(key string, raw json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("not JSON: %w", err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("not JSON: %w", err)
		}
		if err := fn(key, raw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON object")
	}
	return nil
}

// scalarText returns the text of a JSON string, number or boolean ("" for null).
func scalarText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", errors.New("empty value")
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case 'n':
		return "", nil
	case 't', 'f':
		return string(raw), nil
	case '{', '[':
		return "", errors.New("an object or a list where a scalar belongs")
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", err
	}
	return n.String(), nil
}

// EncodeRecipients writes sendEdoc's `to` header: a JSON list of codes
// (organisation codes, or code/mailbox).
func EncodeRecipients(to []string) string {
	b, _ := json.Marshal(to)
	return string(b)
}

// ParseRecipients reads a `to` header: the JSON list of strings Vanthu
// sends, a JSON list of objects with an OrganId (or code) member, or a bare
// comma-separated list. Empty entries are refused.
func ParseRecipients(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []string
	if strings.HasPrefix(s, "[") {
		var items []json.RawMessage
		if err := json.Unmarshal([]byte(s), &items); err != nil {
			return nil, errors.New("the recipient list is not a JSON list")
		}
		for _, raw := range items {
			var code string
			if err := json.Unmarshal(raw, &code); err != nil {
				var obj struct{ OrganID, Code string }
				err = decodeFields(raw, map[string]*string{"OrganId": &obj.OrganID, "code": &obj.Code})
				if err != nil {
					return nil, errors.New("a recipient is neither a string nor an object with an OrganId")
				}
				code = obj.OrganID
				if code == "" {
					code = obj.Code
				}
			}
			out = append(out, code)
		}
	} else {
		out = strings.Split(s, ",")
	}
	for i, c := range out {
		out[i] = strings.TrimSpace(c)
		if out[i] == "" {
			return nil, errors.New("the recipient list holds an empty entry")
		}
	}
	return out, nil
}
