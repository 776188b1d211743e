package axis

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var envelopeCases = []struct {
	name string
	in   string
	want *Envelope // nil: refused
}{
	{"ok", `{"status":"OK","ErrorCode":"0","ErrorDesc":"Success"}`, &Envelope{Status: "OK", ErrorCode: "0", ErrorDesc: "Success"}},
	{"fail", `{"status":"FAIL","ErrorCode":"NOT_FOUND","ErrorDesc":"gone"}`, &Envelope{Status: "FAIL", ErrorCode: "NOT_FOUND", ErrorDesc: "gone"}},
	{"numeric code and doc id", `{"status":"OK","ErrorCode":0,"DocId":12345}`, &Envelope{Status: "OK", ErrorCode: "0", DocID: "12345"}},
	{"any letter case", `{"Status":"ok","errorCode":"0","docid":"S1"}`, &Envelope{Status: "OK", ErrorCode: "0", DocID: "S1"}},
	{"count", `{"status":"OK","ErrorCode":"0","count":3}`, &Envelope{Status: "OK", ErrorCode: "0", Count: ptr(3)}},
	{"count as string", `{"status":"OK","ErrorCode":"0","count":"7"}`, &Envelope{Status: "OK", ErrorCode: "0", Count: ptr(7)}},
	{"data list", `{"status":"OK","ErrorCode":"0","data":[{"docId":"1"}]}`, &Envelope{Status: "OK", ErrorCode: "0", Data: json.RawMessage(`[{"docId":"1"}]`)}},
	{"data null", `{"status":"OK","ErrorCode":"0","data":null}`, &Envelope{Status: "OK", ErrorCode: "0"}},
	{"unknown members", `{"status":"OK","ErrorCode":"0","total":9,"extra":{"a":[1]}}`, &Envelope{Status: "OK", ErrorCode: "0"}},
	{"null description", `{"status":"OK","ErrorCode":"0","ErrorDesc":null}`, &Envelope{Status: "OK", ErrorCode: "0"}},
	{"no status", `{"ErrorCode":"0"}`, nil},
	{"no code", `{"status":"OK"}`, nil},
	{"empty code", `{"status":"OK","ErrorCode":""}`, nil},
	{"other status", `{"status":"SUCCESS","ErrorCode":"0"}`, nil},
	{"status not a string", `{"status":true,"ErrorCode":"0"}`, nil},
	{"FAIL with 0", `{"status":"FAIL","ErrorCode":"0"}`, nil},
	{"duplicate", `{"status":"OK","ErrorCode":"0","ErrorCode":"X"}`, nil},
	{"duplicate in another case", `{"status":"OK","Status":"FAIL","ErrorCode":"E"}`, nil},
	{"code an object", `{"status":"OK","ErrorCode":{"v":0}}`, nil},
	{"negative count", `{"status":"OK","ErrorCode":"0","count":-1}`, nil},
	{"fractional count", `{"status":"OK","ErrorCode":"0","count":1.5}`, nil},
	{"trailing object", `{"status":"OK","ErrorCode":"0"}{}`, nil},
	{"trailing garbage", `{"status":"OK","ErrorCode":"0"} x`, nil},
	{"list", `[{"status":"OK","ErrorCode":"0"}]`, nil},
	{"html", `<html>502</html>`, nil},
	{"empty", ``, nil},
	{"truncated", `{"status":"OK","ErrorCode":"0"`, nil},
}

func ptr(n int) *int { return &n }

func TestDecodeEnvelope(t *testing.T) {
	for _, c := range envelopeCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeEnvelope([]byte(c.in))
			if c.want == nil {
				if err == nil {
					t.Fatalf("accepted as %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestAnswerError(t *testing.T) {
	ok := &Envelope{Status: "OK", ErrorCode: "0"}
	if err := answerError(200, ok, nil); err != nil {
		t.Errorf("success: %v", err)
	}
	var ae *Error
	if err := answerError(500, ok, nil); !errors.As(err, &ae) || ae.Code != "HTTP_500" {
		t.Errorf("success envelope in a 500: %v", err)
	}
	fail := &Envelope{Status: "FAIL", ErrorCode: "AUTH\nX", ErrorDesc: "key k3y-s3cret\x1b[31m wrong"}
	err := answerError(401, fail, func(s string) string { return strings.ReplaceAll(s, "k3y-s3cret", "[redacted]") })
	if !errors.As(err, &ae) || ae.HTTPStatus != 401 || ae.Code != "AUTH X" {
		t.Fatalf("got %#v", err)
	}
	if strings.Contains(err.Error(), "k3y-s3cret") || strings.ContainsAny(err.Error(), "\n\x1b") {
		t.Errorf("the error is not clean: %q", err)
	}
	// An OK status with a non-zero code is a failure: success iff ErrorCode is "0".
	if err := answerError(200, &Envelope{Status: "OK", ErrorCode: "E1"}, nil); !errors.As(err, &ae) || ae.Code != "E1" {
		t.Errorf("OK with code E1: %v", err)
	}
}

func TestDecodeItems(t *testing.T) {
	data := json.RawMessage(`[
		{"docId":"101","serviceType":"eDoc","messageType":"edoc","created_time":"2026/11/26 09:30:00",
		 "from":"000.00.00.G22","to":"000.00.00.H41","status":"initial","status_desc":null,"extra":[1]},
		{"DocId":102,"messageType":"status","status":1}
	]`)
	items, err := decodeList[ReceivedItem](data)
	if err != nil {
		t.Fatal(err)
	}
	want := []ReceivedItem{
		{DocID: "101", ServiceType: "eDoc", MessageType: MessageEdoc, Created: "2026/11/26 09:30:00",
			From: "000.00.00.G22", To: "000.00.00.H41", Status: "initial"},
		{DocID: "102", MessageType: MessageStatus, Status: "1"},
	}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("got %+v\nwant %+v", items, want)
	}
	for _, bad := range []string{
		`{"docId":"1"}`,               // not a list
		`["1"]`,                       // an item not an object
		`[{"docId":"1","DocId":"2"}]`, // one field twice
		`[{"docId":{"id":"1"}}]`,      // an object for a scalar
		`[{"docId":"1"}] trailing`,    // not JSON
		`[{"senderDocId":["a"]}]`,     // a list for a scalar
	} {
		if _, err := decodeList[ReceivedItem](json.RawMessage(bad)); err == nil {
			if _, err := decodeList[SentItem](json.RawMessage(bad)); err == nil {
				t.Errorf("%s accepted", bad)
			}
		}
	}
	if items, err := decodeList[ReceivedItem](nil); err != nil || len(items) != 0 {
		t.Errorf("absent data: %v, %v", items, err)
	}

	// What the hub writes, the client reads.
	sent := SentItem{ServiceType: "eDoc", MessageType: MessageEdoc, SenderDocID: "S1", ReceiverDocID: "R1",
		FromCode: "a", ToCode: "b", Title: "V/v họp", Notation: "12/UBND-VP", SentTime: "t", ReceiveStatus: "done"}
	agency := Agency{ID: "7", Code: "000.00.00.H29", OldCode: "H29", Name: "Sở Nội vụ", Mail: "m@x.vn", ParentID: "1"}
	b, _ := json.Marshal([]SentItem{sent})
	if got, err := decodeList[SentItem](b); err != nil || got[0] != sent {
		t.Errorf("sent item round trip: %+v, %v", got, err)
	}
	b, _ = json.Marshal([]Agency{agency})
	if got, err := decodeList[Agency](b); err != nil || got[0] != agency {
		t.Errorf("agency round trip: %+v, %v", got, err)
	}
}

func TestDecodePacket(t *testing.T) {
	for in, want := range map[string]string{
		`"PGVkWE1MLz4="`:      "<edXML/>",
		`"PGVkWE1MLz4"`:       "<edXML/>",
		`"PGVkWE1M\r\nLz4="`:  "<edXML/>",
		`"PGVk WE1M\nLz4=\n"`: "<edXML/>",
		`"8J+Ym3Zp4buHdA=="`:  "\U0001F61Bviệt",
	} {
		got, err := decodePacket(json.RawMessage(in))
		if err != nil || string(got) != want {
			t.Errorf("%s: got %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`""`, `"***"`, `123`, `null`, `{"data":"x"}`, `"PGVkWE1MLz4=="`, `"PGVkWE1MLz4-"`} {
		if got, err := decodePacket(json.RawMessage(in)); err == nil {
			t.Errorf("%s accepted as %q", in, got)
		}
	}
}

func TestParseRecipients(t *testing.T) {
	for in, want := range map[string][]string{
		``:                  nil,
		`["000.00.00.G22"]`: {"000.00.00.G22"},
		`["000.00.00.G22","000.00.00.H41/vanthu"]`:               {"000.00.00.G22", "000.00.00.H41/vanthu"},
		`[{"OrganId":"000.00.00.G22"},{"code":"000.00.00.H41"}]`: {"000.00.00.G22", "000.00.00.H41"},
		`000.00.00.G22, 000.00.00.H41`:                           {"000.00.00.G22", "000.00.00.H41"},
	} {
		got, err := ParseRecipients(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`[`, `[""]`, `a,,b`, `[1]`, `[{"Name":"x"}]`, `[["a"]]`} {
		if got, err := ParseRecipients(in); err == nil {
			t.Errorf("%s accepted as %q", in, got)
		}
	}
	to := []string{"000.00.00.G22", "000.00.00.H41/lãnh đạo"}
	if got, err := ParseRecipients(EncodeRecipients(to)); err != nil || !reflect.DeepEqual(got, to) {
		t.Errorf("round trip: %q, %v", got, err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 2, 30, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"0":                             0,
		"-5":                            0,
		"7":                             7 * time.Second,
		"999999999":                     24 * time.Hour,
		"soon":                          0,
		"Thu, 26 Nov 2026 02:31:00 GMT": time.Minute,
		"Thu, 26 Nov 2026 02:29:00 GMT": 0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	for _, r := range []float64{0, 0.5, 0.999} {
		c := NewClient(nil, ClientOptions{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, Rand: func() float64 { return r }})
		for n, full := range []time.Duration{100, 200, 400, 800, 1000, 1000, 1000} {
			full *= time.Millisecond
			if n >= 4 {
				full = time.Second
			}
			got := c.backoff(n + 1)
			if got < full/2 || got > full {
				t.Errorf("rand %.3f, retry %d: %s, want within [%s, %s]", r, n+1, got, full/2, full)
			}
		}
	}
	if c := NewClient(nil, ClientOptions{}); c.opts.Retries != DefaultRetries {
		t.Errorf("default retries %d", c.opts.Retries)
	}
	if c := NewClient(nil, ClientOptions{Retries: -1}); c.opts.Retries != 0 {
		t.Errorf("no retries: %d", c.opts.Retries)
	}
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"  không đọc được\r\nXML \x00": "không đọc được  XML",
		"\xff\xfeabc":                  "abc",
		strings.Repeat("ệ", 400):       strings.Repeat("ệ", (MaxReasonLen-3)/3) + "…",
	} {
		got := oneLine(in, MaxReasonLen)
		if got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
		if len(got) > MaxReasonLen {
			t.Errorf("%d bytes", len(got))
		}
	}
}

// FuzzDecodeEnvelope: any answer decodes or is refused without panicking;
// a decoded envelope survives a round trip, and its lists decode or are
// refused the same way.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, c := range envelopeCases {
		f.Add([]byte(c.in))
	}
	f.Add([]byte(`{"status":"OK","ErrorCode":"0","data":[{"docId":1,"to":"x","DocID":2}]}`))
	f.Add([]byte(`{"status":"OK","ErrorCode":"0","data":"PGVkWE1MLz4="}`))
	f.Add([]byte(`{"status":"OK","ErrorCode":"0","data":[{"code":"000.00.00.G22","name":"Văn phòng Chính phủ","pid":null}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := decodeEnvelope(b)
		if err != nil {
			return
		}
		if env.Status != "OK" && env.Status != "FAIL" || env.ErrorCode == "" || env.Status == "FAIL" && env.ErrorCode == CodeOK {
			t.Fatalf("accepted an inconsistent envelope %+v", env)
		}
		again, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		env2, err := decodeEnvelope(again)
		if err != nil {
			t.Fatalf("re-encoded envelope refused: %v\n%s", err, again)
		}
		if env.Status != env2.Status || env.ErrorCode != env2.ErrorCode || env.DocID != env2.DocID ||
			(env.Count == nil) != (env2.Count == nil) || env.Count != nil && *env.Count != *env2.Count {
			t.Fatalf("round trip changed %+v into %+v", env, env2)
		}
		if len(env.Data) > 0 && !reflect.DeepEqual(value(t, env.Data), value(t, env2.Data)) {
			t.Fatalf("round trip changed the data")
		}
		_ = answerError(200, env, nil)
		if items, err := decodeList[ReceivedItem](env.Data); err == nil {
			b, _ := json.Marshal(items)
			if again, err := decodeList[ReceivedItem](b); err != nil || !reflect.DeepEqual(normalise(items), normalise(again)) {
				t.Fatalf("items changed in a round trip: %v", err)
			}
		}
		_, _ = decodeList[SentItem](env.Data)
		_, _ = decodeList[Agency](env.Data)
		_, _ = decodePacket(env.Data)
	})
}

func value(t *testing.T, b []byte) any {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func normalise(items []ReceivedItem) []ReceivedItem {
	if len(items) == 0 {
		return nil
	}
	return items
}
