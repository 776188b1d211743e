package axis

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ProtocolError is an answer that breaks the protocol: not the JSON
// envelope, a member of the wrong type, a required member missing. Another
// attempt would not help.
type ProtocolError struct {
	HTTPStatus int
	Reason     string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("the axis's answer (HTTP %d) breaks the protocol: %s", e.HTTPStatus, e.Reason)
}

// ErrResponseTooLarge is an answer longer than ClientOptions.MaxResponse.
var ErrResponseTooLarge = errors.New("the axis's answer is longer than allowed")

// CodeHTTPPrefix starts the Code of an Error made from an HTTP status that
// came without an envelope (a proxy's 502 page): "HTTP_502".
const CodeHTTPPrefix = "HTTP_"

// decodeEnvelope reads the JSON envelope strictly: one object and nothing
// after it; status "OK" or "FAIL" and a non-empty ErrorCode, both
// required; a member named twice, even in another letter case, refused.
// Leniently, member names match in any case, ErrorCode and DocId may be
// numbers, count a numeric string, and unknown members are ignored (the
// axis adds members across versions).
func decodeEnvelope(b []byte) (*Envelope, error) {
	env := &Envelope{}
	var status, code, count *string
	seen := map[string]string{}
	err := walkObject(b, func(key string, raw json.RawMessage) error {
		lk := strings.ToLower(key)
		switch lk {
		case "status", "errorcode", "errordesc", "docid", "count", "data":
		default:
			return nil
		}
		if prev, dup := seen[lk]; dup {
			return fmt.Errorf("member %q given twice (also as %q)", key, prev)
		}
		seen[lk] = key
		if lk == "data" {
			if string(raw) != "null" {
				env.Data = append(json.RawMessage(nil), raw...)
			}
			return nil
		}
		s, err := scalarText(raw)
		if err != nil {
			return fmt.Errorf("member %q: %w", key, err)
		}
		switch lk {
		case "status":
			if raw[0] != '"' {
				return errors.New("status is not a string")
			}
			status = &s
		case "errorcode":
			code = &s
		case "errordesc":
			env.ErrorDesc = s
		case "docid":
			env.DocID = s
		case "count":
			count = &s
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case status == nil:
		return nil, errors.New("no status member")
	case strings.EqualFold(*status, "OK"):
		env.Status = "OK"
	case strings.EqualFold(*status, "FAIL"):
		env.Status = "FAIL"
	default:
		return nil, fmt.Errorf("status %q is neither OK nor FAIL", clip(*status, 40))
	}
	if code == nil || *code == "" {
		return nil, errors.New("no ErrorCode member")
	}
	env.ErrorCode = *code
	if env.Status == "FAIL" && env.ErrorCode == CodeOK {
		return nil, errors.New("status FAIL with ErrorCode 0")
	}
	if count != nil && *count != "" {
		n, err := strconv.Atoi(*count)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("count %q is not a count", clip(*count, 40))
		}
		env.Count = &n
	}
	return env, nil
}

// answerError turns a decoded envelope into the call's error: nil on
// success (ErrorCode "0" and a 2xx status).
func answerError(status int, env *Envelope, redact func(string) string) error {
	if env.ErrorCode != CodeOK {
		return &Error{HTTPStatus: status, Code: clean(env.ErrorCode, 64, redact), Desc: clean(env.ErrorDesc, 300, redact)}
	}
	if status/100 != 2 {
		return &Error{HTTPStatus: status, Code: CodeHTTPPrefix + strconv.Itoa(status),
			Desc: "the axis answered " + http.StatusText(status) + " with a success envelope"}
	}
	return nil
}

// bareStatusError is the error of a non-2xx answer without an envelope.
func bareStatusError(status int) *Error {
	return &Error{HTTPStatus: status, Code: CodeHTTPPrefix + strconv.Itoa(status),
		Desc: "the axis answered " + strconv.Itoa(status) + " " + http.StatusText(status) + " without an envelope"}
}

// clean makes server text fit a one-line error: no control characters,
// valid UTF-8, at most max bytes, any credential the transport knows
// redacted.
func clean(s string, maxLen int, redact func(string) string) string {
	if redact != nil {
		s = redact(s)
	}
	s = strings.ToValidUTF8(s, "�")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return clip(s, maxLen)
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// decodeList reads a list's data: a JSON list of objects (null or absent
// for none).
func decodeList[T any](data json.RawMessage) ([]T, error) {
	if len(data) == 0 {
		return nil, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, errors.New("data is not a list")
	}
	out := make([]T, 0, len(raws))
	for i, raw := range raws {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("data item %d: %w", i, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// decodePacket reads getEdoc's data: the packet in base64 (standard
// alphabet, padded or not, line breaks allowed as Java's MIME encoder
// writes them).
func decodePacket(data json.RawMessage) ([]byte, error) {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, errors.New("data is not a base64 string")
	}
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return nil, errors.New("data is empty")
	}
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return nil, errors.New("data is not base64")
	}
	return b, nil
}
