package courier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"

	"github.com/vanthu/vanthu/inbox/axis"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Đồng Tháp":           "dong thap",
		"UBND tỉnh Hà Nam":    "ubnd tinh ha nam",
		"Nghệ An":             "nghe an",
		"Thừa Thiên Huế":      "thua thien hue",
		"ĐẮK LẮK":             "dak lak",
		"000.00.00.G22":       "000.00.00.g22",
		"Bà Rịa – Vũng Tàu":   "ba ria – vung tau",
		"Nghe\u0302\u0323 An": "nghe an", // already decomposed
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFileName(t *testing.T) {
	seen := map[string]string{}
	for _, id := range []string{"9d6fd27a-36f5-46ce", "../../etc/passwd", "a/b", "a%2Fb", "..", "", "Văn bản", "a:b", "A.B_c-1"} {
		n := fileName(id)
		if n == "" || n[0] == '.' {
			t.Errorf("fileName(%q) = %q", id, n)
		}
		for _, c := range n {
			if c == '/' || c == '\\' || c == ':' {
				t.Errorf("fileName(%q) = %q holds %q", id, n, c)
			}
		}
		if prev, dup := seen[n]; dup && id != "" && prev != "" {
			t.Errorf("fileName(%q) = fileName(%q) = %q", id, prev, n)
		}
		seen[n] = id
	}
	if got := fileName("A.B_c-1"); got != "A.B_c-1" {
		t.Errorf("a safe id changed: %q", got)
	}
}

func TestClassification(t *testing.T) {
	urlErr := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/x", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}
	for _, c := range []struct {
		name                 string
		err                  error
		unreachable, refused bool
	}{
		{"connection refused", fmt.Errorf("axis sendEdoc: %w", urlErr), true, false},
		{"timeout", fmt.Errorf("axis: %w", axis.ErrTimeout), true, false},
		{"cut answer", io.ErrUnexpectedEOF, true, false},
		{"503", axis.NewError(axis.CodeUnavailable, "x"), false, false},
		{"429", axis.NewError(axis.CodeRateLimited, "x"), false, false},
		{"expired", axis.NewError(axis.CodeAuthExpired, "x"), false, false},
		{"bad signature", axis.NewError(axis.CodeAuthBadSignature, "x"), false, false},
		{"hash", axis.NewError(axis.CodeHashMismatch, "x"), false, false},
		{"unknown sender", axis.NewError(axis.CodeUnknownSender, "x"), false, false},
		{"unknown recipient", axis.NewError(axis.CodeUnknownRecipient, "x"), false, true},
		{"not edxml", axis.NewError(axis.CodeNotEdXML, "x"), false, true},
		{"too large", axis.NewError(axis.CodeTooLarge, "x"), false, true},
		{"fail in a 200", &axis.Error{HTTPStatus: 200, Code: axis.CodeUnknownRecipient}, false, true},
		{"503 in a 200", &axis.Error{HTTPStatus: 200, Code: axis.CodeUnavailable}, false, false},
		{"protocol", &axis.ProtocolError{HTTPStatus: 200, Reason: "x"}, false, false},
		{"invalid argument", fmt.Errorf("%w: recipient", axis.ErrInvalidArgument), false, true},
		{"cannot encode", &permanentError{errors.New("blob damaged")}, false, true},
		{"cancelled", fmt.Errorf("x: %w", &url.Error{Op: "Post", Err: context.Canceled}), false, false},
		{"retry after", &axis.RetryAfterError{After: 1, Err: axis.NewError(axis.CodeRateLimited, "x")}, false, false},
	} {
		if got := unreachable(c.err); got != c.unreachable {
			t.Errorf("%s: unreachable = %v", c.name, got)
		}
		if got := refusedForGood(c.err); got != c.refused {
			t.Errorf("%s: refusedForGood = %v", c.name, got)
		}
	}
}
