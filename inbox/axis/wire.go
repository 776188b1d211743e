// Package axis speaks to the national document axis: the VXP-style HTTP API
// of AXIS.md §2 with its XroadVnpt-* HMAC header scheme. This file holds the
// wire protocol shared by the client and the reference server (hub).
package axis

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Header prefix and the signature headers (AXIS.md §2).
const (
	Prefix          = "XroadVnpt-"
	HeaderSign      = Prefix + "sign-header"
	HeaderSignKey   = Prefix + "sign-header-key"
	HeaderHash      = Prefix + "hash-header"
	HeaderSystemID  = "systemid"
	HeaderTimestamp = "timestamp"
	HeaderRequestID = "requestid"
	HeaderCType     = "Content-Type"
)

// Logical header names of the calls.
const (
	HServiceType = "servicetype"
	HMessageType = "messagetype"
	HDocID       = "docId"
	HFrom        = "from"
	HTo          = "to"
	HHashFile    = "hash-file"
	HStatus      = "status"
	HAgencyCode  = "AgencyCode"
)

// VietnamTime is UTC+7, the zone of the axis's timestamps.
var VietnamTime = time.FixedZone("ICT", 7*3600)

// FormatTimestamp writes t in the SDK's form ddMMyyyy'T'HHmmss+SSSS
// (milliseconds after the plus sign), in Vietnam time.
func FormatTimestamp(t time.Time) string {
	t = t.In(VietnamTime)
	return fmt.Sprintf("%sT%s+%04d", t.Format("02012006"), t.Format("150405"), t.Nanosecond()/1e6)
}

// ParseTimestamp reads the SDK's form or RFC 3339.
func ParseTimestamp(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if len(s) == 20 && s[8] == 'T' && s[15] == '+' {
		t, err := time.ParseInLocation("02012006T150405", s[:15], VietnamTime)
		if err == nil {
			var ms int
			if _, err := fmt.Sscanf(s[16:], "%04d", &ms); err == nil {
				return t.Add(time.Duration(ms) * time.Millisecond), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is neither ddMMyyyyTHHmmss+SSSS nor RFC 3339", truncate(s))
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Header is one logical header (name without the prefix, and its value).
type Header struct{ Name, Value string }

// Credentials identify a system to the axis. The secret never leaves the
// process: it only keys the HMAC.
type Credentials struct {
	SystemID string
	Secret   []byte
}

// NewRequestID returns a random UUID (version 4).
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Sign sets the headers of req for the call's logical headers: systemid,
// timestamp, requestid (unless requestID is empty) and Content-Type come
// first, then the call's own, each as XroadVnpt-<name>, with the
// sign-header JSON, the key list and the HMAC.
func Sign(req *http.Request, cred Credentials, contentType string, call []Header, now time.Time, requestID string) error {
	logical := []Header{{HeaderSystemID, cred.SystemID}, {HeaderTimestamp, FormatTimestamp(now)}}
	if requestID != "" {
		logical = append(logical, Header{HeaderRequestID, requestID})
	}
	logical = append(logical, Header{HeaderCType, contentType})
	logical = append(logical, call...)
	var js bytes.Buffer
	js.WriteByte('{')
	keys := make([]string, 0, len(logical))
	seen := map[string]bool{}
	for i, h := range logical {
		if strings.ContainsAny(h.Value, "\r\n") {
			return fmt.Errorf("header %s holds a line break", h.Name)
		}
		name := Prefix + h.Name
		if seen[strings.ToLower(name)] {
			return fmt.Errorf("header %s given twice", h.Name)
		}
		seen[strings.ToLower(name)] = true
		if i > 0 {
			js.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		v, _ := json.Marshal(h.Value)
		js.Write(k)
		js.WriteByte(':')
		js.Write(v)
		keys = append(keys, name)
		req.Header.Set(name, h.Value)
	}
	js.WriteByte('}')
	req.Header.Set(HeaderCType, contentType)
	req.Header.Set(HeaderSign, js.String())
	req.Header.Set(HeaderSignKey, strings.Join(keys, ";"))
	req.Header.Set(HeaderHash, mac(cred.Secret, js.Bytes()))
	return nil
}

func mac(secret, msg []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(msg)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Secret returns the secret of a system id (false when unknown).
	Secret func(systemID string) ([]byte, bool)
	Now    time.Time
	// Window is how far the request's timestamp may be from Now (default 5 minutes).
	Window time.Duration
	// SDKCompat accepts requests without a request id (the field SDK's form).
	SDKCompat bool
}

// Verified is an authenticated request: only the signed headers.
type Verified struct {
	SystemID  string
	Timestamp time.Time
	RequestID string
	// Headers holds the signed logical headers by lower-case name.
	Headers map[string]string
}

// Get returns a signed logical header.
func (v *Verified) Get(name string) string { return v.Headers[strings.ToLower(name)] }

// Verify authenticates req: the HMAC over the received sign-header string,
// that every signed header was sent with the signed value, that systemid,
// timestamp and (unless SDKCompat) requestid are signed, and that the
// timestamp is within the window. Replays (a request id seen before) are
// the caller's to reject, since only the caller keeps history.
func Verify(req *http.Request, opts VerifyOptions) (*Verified, error) {
	sign := req.Header.Get(HeaderSign)
	keys := req.Header.Get(HeaderSignKey)
	hash := req.Header.Get(HeaderHash)
	if sign == "" || keys == "" || hash == "" {
		return nil, NewError(CodeAuthMissing, "the request is not signed (XroadVnpt-sign-header, -sign-header-key and -hash-header are required)")
	}
	var fields map[string]string
	if err := json.Unmarshal([]byte(sign), &fields); err != nil {
		return nil, NewError(CodeAuthMalformed, "the signed header list is not a JSON object of strings")
	}
	v := &Verified{Headers: map[string]string{}}
	lower := map[string]string{}
	for k, val := range fields {
		lk := strings.ToLower(k)
		if _, dup := lower[lk]; dup {
			return nil, NewError(CodeAuthMalformed, "the signed header list names "+k+" twice")
		}
		lower[lk] = val
	}
	list := strings.Split(keys, ";")
	if len(list) != len(fields) {
		return nil, NewError(CodeAuthMalformed, "sign-header-key does not list exactly the signed headers")
	}
	for _, k := range list {
		lk := strings.ToLower(strings.TrimSpace(k))
		val, ok := lower[lk]
		if !ok {
			return nil, NewError(CodeAuthMalformed, "sign-header-key names "+k+", which is not signed")
		}
		sent := req.Header.Values(k)
		if len(sent) != 1 || sent[0] != val {
			return nil, NewError(CodeAuthMismatch, "header "+k+" was not sent as signed")
		}
		if !strings.HasPrefix(lk, strings.ToLower(Prefix)) {
			return nil, NewError(CodeAuthMalformed, "signed header "+k+" lacks the XroadVnpt- prefix")
		}
		v.Headers[strings.TrimPrefix(lk, strings.ToLower(Prefix))] = val
	}
	v.SystemID = v.Headers[HeaderSystemID]
	if v.SystemID == "" {
		return nil, NewError(CodeAuthMissing, "the system id is not signed")
	}
	secret, ok := opts.Secret(v.SystemID)
	if !ok {
		return nil, NewError(CodeAuthUnknownSystem, "unknown system id "+truncate(v.SystemID))
	}
	want := mac(secret, []byte(sign))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(hash))) {
		return nil, NewError(CodeAuthBadSignature, "the request signature does not match (wrong secret or altered headers)")
	}
	ts, err := ParseTimestamp(v.Headers[HeaderTimestamp])
	if err != nil {
		return nil, NewError(CodeAuthMalformed, err.Error())
	}
	v.Timestamp = ts
	window := opts.Window
	if window <= 0 {
		window = 5 * time.Minute
	}
	if d := opts.Now.Sub(ts); d > window || d < -window {
		return nil, NewError(CodeAuthStale, fmt.Sprintf("the request's timestamp is %s away from the server's clock (allowed: %s)", d.Round(time.Second).Abs(), window))
	}
	v.RequestID = v.Headers[HeaderRequestID]
	if v.RequestID == "" && !opts.SDKCompat {
		return nil, NewError(CodeAuthMissing, "the request id (XroadVnpt-requestid) is not signed")
	}
	return v, nil
}

// Stable error codes of the JSON envelope.
const (
	CodeOK                = "0"
	CodeAuthMissing       = "AUTH_MISSING"
	CodeAuthMalformed     = "AUTH_MALFORMED"
	CodeAuthMismatch      = "AUTH_HEADER_MISMATCH"
	CodeAuthUnknownSystem = "AUTH_UNKNOWN_SYSTEM"
	CodeAuthBadSignature  = "AUTH_BAD_SIGNATURE"
	CodeAuthStale         = "AUTH_STALE"
	CodeAuthReplay        = "AUTH_REPLAY"
	CodeAuthExpired       = "AUTH_EXPIRED"
	CodeHashMismatch      = "HASH_MISMATCH"
	CodeUnknownSender     = "UNKNOWN_SENDER"
	CodeUnknownRecipient  = "UNKNOWN_RECIPIENT"
	CodeNotEdXML          = "NOT_EDXML"
	CodeTooLarge          = "TOO_LARGE"
	CodeBadRequest        = "BAD_REQUEST"
	CodeNotFound          = "NOT_FOUND"
	CodeRateLimited       = "RATE_LIMITED"
	CodeInternal          = "INTERNAL"
	CodeUnavailable       = "UNAVAILABLE"
)

// Error is a FAIL answer of the axis.
type Error struct {
	HTTPStatus int
	Code       string
	Desc       string
}

func (e *Error) Error() string {
	if e.HTTPStatus != 0 {
		return fmt.Sprintf("the axis refused the request (%s, HTTP %d): %s", e.Code, e.HTTPStatus, e.Desc)
	}
	return fmt.Sprintf("the axis refused the request (%s): %s", e.Code, e.Desc)
}

// NewError returns an Error with the HTTP status the code maps to.
func NewError(code, desc string) *Error {
	return &Error{HTTPStatus: StatusFor(code), Code: code, Desc: desc}
}

// StatusFor maps an error code to its HTTP status (AXIS.md conventions).
func StatusFor(code string) int {
	switch {
	case strings.HasPrefix(code, "AUTH_"):
		return http.StatusUnauthorized
	case code == CodeNotFound:
		return http.StatusNotFound
	case code == CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case code == CodeRateLimited:
		return http.StatusTooManyRequests
	case code == CodeInternal:
		return http.StatusInternalServerError
	case code == CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// Transient reports whether err is worth retrying (server faults, rate
// limits, network trouble) rather than a refusal that will not change.
func Transient(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.HTTPStatus >= 500 || e.HTTPStatus == http.StatusTooManyRequests || e.Code == CodeAuthStale
	}
	return err != nil
}

// Envelope is the JSON answer of every call.
type Envelope struct {
	Status    string          `json:"status"`
	ErrorCode string          `json:"ErrorCode"`
	ErrorDesc string          `json:"ErrorDesc,omitempty"`
	DocID     string          `json:"DocId,omitempty"`
	Count     *int            `json:"count,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
}
