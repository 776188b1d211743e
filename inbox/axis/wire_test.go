package axis

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func signed(t *testing.T, cred Credentials, now time.Time, reqID string, call ...Header) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/getEdoc", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Sign(req, cred, "application/json", call, now, reqID); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestSignVerify(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 30, 0, 123e6, VietnamTime)
	cred := Credentials{SystemID: "vpubnd-hanam", Secret: []byte("bí-mật")}
	secrets := func(id string) ([]byte, bool) {
		if id == cred.SystemID {
			return cred.Secret, true
		}
		return nil, false
	}
	opts := VerifyOptions{Secret: secrets, Now: now}
	req := signed(t, cred, now, "3f1c", Header{HDocID, "42"}, Header{HServiceType, "eDoc"})
	if got := req.Header.Get("XroadVnpt-timestamp"); got != "26112026T093000+0123" {
		t.Errorf("timestamp header %q, want 26112026T093000+0123", got)
	}
	if got := req.Header.Get(HeaderSignKey); got != "XroadVnpt-systemid;XroadVnpt-timestamp;XroadVnpt-requestid;XroadVnpt-Content-Type;XroadVnpt-docId;XroadVnpt-servicetype" {
		t.Errorf("sign-header-key %q", got)
	}
	v, err := Verify(req, opts)
	if err != nil {
		t.Fatal(err)
	}
	if v.SystemID != cred.SystemID || v.Get(HDocID) != "42" || v.RequestID != "3f1c" || !v.Timestamp.Equal(now) {
		t.Errorf("verified %+v", v)
	}

	type mutate func(r *http.Request)
	cases := []struct {
		name string
		req  func() *http.Request
		code string
	}{
		{"wrong secret", func() *http.Request {
			return signed(t, Credentials{SystemID: cred.SystemID, Secret: []byte("x")}, now, "1")
		}, CodeAuthBadSignature},
		{"unknown system", func() *http.Request {
			return signed(t, Credentials{SystemID: "khac", Secret: cred.Secret}, now, "1")
		}, CodeAuthUnknownSystem},
		{"stale", func() *http.Request { return signed(t, cred, now.Add(-6*time.Minute), "1") }, CodeAuthStale},
		{"future", func() *http.Request { return signed(t, cred, now.Add(6*time.Minute), "1") }, CodeAuthStale},
		{"no request id", func() *http.Request { return signed(t, cred, now, "") }, CodeAuthMissing},
		{"header changed after signing", func() *http.Request {
			r := signed(t, cred, now, "1", Header{HDocID, "42"})
			r.Header.Set("XroadVnpt-docId", "43")
			return r
		}, CodeAuthMismatch},
		{"signed value changed (HMAC)", func() *http.Request {
			r := signed(t, cred, now, "1", Header{HDocID, "42"})
			r.Header.Set(HeaderSign, strings.Replace(r.Header.Get(HeaderSign), `"42"`, `"43"`, 1))
			r.Header.Set("XroadVnpt-docId", "43")
			return r
		}, CodeAuthBadSignature},
		{"key list shortened", func() *http.Request {
			r := signed(t, cred, now, "1", Header{HDocID, "42"})
			r.Header.Set(HeaderSignKey, "XroadVnpt-systemid")
			return r
		}, CodeAuthMalformed},
		{"unsigned", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/x", nil)
			return r
		}, CodeAuthMissing},
		{"garbage json", func() *http.Request {
			r := signed(t, cred, now, "1")
			r.Header.Set(HeaderSign, "{not json")
			return r
		}, CodeAuthMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(c.req(), opts)
			var ae *Error
			if !errors.As(err, &ae) || ae.Code != c.code {
				t.Fatalf("got %v, want code %s", err, c.code)
			}
			if ae.HTTPStatus != http.StatusUnauthorized {
				t.Errorf("HTTP %d, want 401", ae.HTTPStatus)
			}
			if strings.Contains(err.Error(), "bí-mật") {
				t.Error("the secret leaks into the error")
			}
		})
	}
	// The field SDK's form: no request id.
	compat := opts
	compat.SDKCompat = true
	if _, err := Verify(signed(t, cred, now, ""), compat); err != nil {
		t.Errorf("SDK-compatible request refused: %v", err)
	}
	var _ mutate
}

func TestTimestamp(t *testing.T) {
	for _, s := range []string{"26112026T093000+0123", "2026-11-26T02:30:00.123Z", "2026-11-26T09:30:00.123+07:00"} {
		got, err := ParseTimestamp(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		want := time.Date(2026, 11, 26, 2, 30, 0, 123e6, time.UTC)
		if !got.Equal(want) {
			t.Errorf("%s: got %v, want %v", s, got, want)
		}
	}
	for _, s := range []string{"", "yesterday", "26112026T093000", "99999999T999999+0000"} {
		if _, err := ParseTimestamp(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(`{"XroadVnpt-systemid":"a","XroadVnpt-timestamp":"26112026T093000+0123"}`, "XroadVnpt-systemid;XroadVnpt-timestamp", "00")
	f.Fuzz(func(t *testing.T, sign, keys, hash string) {
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/x", nil)
		req.Header.Set(HeaderSign, sign)
		req.Header.Set(HeaderSignKey, keys)
		req.Header.Set(HeaderHash, hash)
		req.Header.Set("XroadVnpt-systemid", "a")
		_, _ = Verify(req, VerifyOptions{Secret: func(string) ([]byte, bool) { return []byte("s"), true }, Now: time.Now()})
	})
}
