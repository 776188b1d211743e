package axis

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"
)

// ErrInvalidArgument is a call the Client refuses before sending it.
var ErrInvalidArgument = errors.New("invalid argument")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
}

// checkParam refuses a parameter that cannot travel in a header.
func checkParam(name, v string) error {
	if v == "" {
		return invalid("%s is empty", name)
	}
	if strings.ContainsFunc(v, unicode.IsControl) {
		return invalid("%s holds a control character", name)
	}
	return nil
}

func checkMessageType(mt MessageType) error {
	if !mt.Valid() {
		return invalid("message type %q is neither edoc nor status", clip(string(mt), 20))
	}
	return nil
}

// ReceivedList returns the packets of a message type waiting for this
// system (getReceivedEdocList).
func (c *Client) ReceivedList(ctx context.Context, mt MessageType) ([]ReceivedItem, error) {
	if err := checkMessageType(mt); err != nil {
		return nil, err
	}
	var items []ReceivedItem
	call := Call{Name: CallReceivedList, Method: http.MethodPost, Headers: []Header{
		{HServiceType, ServiceTypeEDoc}, {HMessageType, string(mt)}}}
	err := c.do(ctx, call, func(resp *Response) error {
		env, err := c.envelope(resp)
		if err != nil {
			return err
		}
		items, err = decodeList[ReceivedItem](env.Data)
		if err != nil {
			return c.protocol(resp, err.Error())
		}
		return nil
	})
	return items, err
}

// Get returns a packet, decoded from the base64 of getEdoc's answer. For
// large packets use Download.
func (c *Client) Get(ctx context.Context, docID string) ([]byte, error) {
	if err := checkParam("docId", docID); err != nil {
		return nil, err
	}
	var packet []byte
	call := Call{Name: CallGetEdoc, Method: http.MethodPost, Headers: []Header{{HDocID, docID}}}
	err := c.do(ctx, call, func(resp *Response) error {
		env, err := c.envelope(resp)
		if err != nil {
			return err
		}
		packet, err = decodePacket(env.Data)
		if err != nil {
			return c.protocol(resp, err.Error())
		}
		return nil
	})
	return packet, err
}

// Download streams a packet (downloadEdoc). The caller reads and closes
// it; a failure while reading (the connection lost, a stall longer than
// the transport's timeout) comes from Read and is not retried. An axis
// answering the envelope instead of the raw stream is understood.
func (c *Client) Download(ctx context.Context, docID string) (io.ReadCloser, error) {
	if err := checkParam("docId", docID); err != nil {
		return nil, err
	}
	var stream io.ReadCloser
	call := Call{Name: CallDownloadEdoc, Method: http.MethodGet, Headers: []Header{{HDocID, docID}}, Stream: true}
	err := c.do(ctx, call, func(resp *Response) error {
		br := bufio.NewReader(resp.Body)
		if resp.StatusCode/100 == 2 && !isJSON(resp.Header.Get("Content-Type"), br) {
			stream = struct {
				io.Reader
				io.Closer
			}{br, resp.Body}
			return nil
		}
		env, err := c.envelope(&Response{StatusCode: resp.StatusCode, Header: resp.Header,
			Body: struct {
				io.Reader
				io.Closer
			}{br, resp.Body}})
		if err != nil {
			return err
		}
		packet, err := decodePacket(env.Data)
		if err != nil {
			return c.protocol(resp, "an envelope instead of the packet: "+err.Error())
		}
		stream = io.NopCloser(bytes.NewReader(packet))
		return nil
	})
	return stream, err
}

// isJSON reports whether an answer is the envelope rather than a packet:
// its type says JSON, or it names none and starts with '{' (an edXML
// starts with '<' or a byte-order mark).
func isJSON(ct string, br *bufio.Reader) bool {
	if ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
	}
	buf, _ := br.Peek(512)
	buf = bytes.TrimLeft(buf, " \t\r\n")
	return len(buf) > 0 && buf[0] == '{'
}

// UpdateStatus acknowledges a received packet at the transport level
// (updateStatus): done once it is stored, fail (with a reason, sent when
// the axis takes one) when it cannot be parsed or stored.
func (c *Client) UpdateStatus(ctx context.Context, docID string, status TransportStatus, reason string) error {
	if err := checkParam("docId", docID); err != nil {
		return err
	}
	if !status.Valid() {
		return invalid("status %q is not done, fail or processing", clip(string(status), 20))
	}
	h := []Header{{HDocID, docID}, {HStatus, string(status)}}
	if r := oneLine(reason, MaxReasonLen); r != "" {
		h = append(h, Header{HReason, r})
	}
	call := Call{Name: CallUpdateStatus, Method: http.MethodPost, Headers: h}
	return c.do(ctx, call, func(resp *Response) error {
		_, err := c.envelope(resp)
		return err
	})
}

// oneLine makes free text fit a header: valid UTF-8, control characters
// as spaces, trimmed, at most n bytes.
func oneLine(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = strings.TrimSuffix(clip(s, n-len("…")), "…") + "…"
	}
	return s
}

// SentList returns, per recipient, what became of a packet this system
// sent (getSentEdocList); docID is the axis id Send returned.
func (c *Client) SentList(ctx context.Context, mt MessageType, docID string) ([]SentItem, error) {
	if err := checkMessageType(mt); err != nil {
		return nil, err
	}
	if err := checkParam("docId", docID); err != nil {
		return nil, err
	}
	var items []SentItem
	call := Call{Name: CallSentList, Method: http.MethodPost, Headers: []Header{
		{HServiceType, ServiceTypeEDoc}, {HMessageType, string(mt)}, {HDocID, docID}}}
	err := c.do(ctx, call, func(resp *Response) error {
		env, err := c.envelope(resp)
		if err != nil {
			return err
		}
		items, err = decodeList[SentItem](env.Data)
		if err != nil {
			return c.protocol(resp, err.Error())
		}
		return nil
	})
	return items, err
}

// CountReceived returns how many packets of a message type wait
// (countReceiveEdoc, countReceiveStatus).
func (c *Client) CountReceived(ctx context.Context, mt MessageType) (int, error) {
	if err := checkMessageType(mt); err != nil {
		return 0, err
	}
	name := CallCountEdoc
	if mt == MessageStatus {
		name = CallCountStatus
	}
	var n int
	call := Call{Name: name, Method: http.MethodGet, Headers: []Header{
		{HServiceType, ServiceTypeEDoc}, {HMessageType, string(mt)}}}
	err := c.do(ctx, call, func(resp *Response) error {
		env, err := c.envelope(resp)
		if err != nil {
			return err
		}
		if env.Count == nil {
			return c.protocol(resp, "no count")
		}
		n = *env.Count
		return nil
	})
	return n, err
}

// Agencies returns the axis's agency registry (getAgenciesList).
func (c *Client) Agencies(ctx context.Context) ([]Agency, error) {
	var list []Agency
	call := Call{Name: CallAgencies, Method: http.MethodPost}
	err := c.do(ctx, call, func(resp *Response) error {
		env, err := c.envelope(resp)
		if err != nil {
			return err
		}
		list, err = decodeList[Agency](env.Data)
		if err != nil {
			return c.protocol(resp, err.Error())
		}
		return nil
	})
	return list, err
}

// RegisterAgency adds or updates an agency in the registry
// (registerAgency, the agency as a JSON body).
func (c *Client) RegisterAgency(ctx context.Context, a Agency) error {
	if err := checkParam("agency code", a.Code); err != nil {
		return err
	}
	if strings.TrimSpace(a.Name) == "" {
		return invalid("the agency has no name")
	}
	body, err := json.Marshal(a)
	if err != nil {
		return invalid("the agency cannot be written as JSON")
	}
	call := Call{Name: CallRegisterAgcy, Method: http.MethodPost, ContentType: ContentTypeJSON,
		Body: func() (io.Reader, error) { return bytes.NewReader(body), nil }, ContentLength: int64(len(body))}
	return c.do(ctx, call, func(resp *Response) error {
		_, err := c.envelope(resp)
		return err
	})
}

// DeleteAgency removes an agency from the registry (deleteAgency).
func (c *Client) DeleteAgency(ctx context.Context, code string) error {
	if err := checkParam("agency code", code); err != nil {
		return err
	}
	call := Call{Name: CallDeleteAgency, Method: http.MethodPost, Headers: []Header{{HAgencyCode, code}}}
	return c.do(ctx, call, func(resp *Response) error {
		_, err := c.envelope(resp)
		return err
	})
}
