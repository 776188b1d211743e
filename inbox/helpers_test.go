package inbox

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClock is a settable clock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// recorder is a status encoder that remembers what it was asked to encode.
type recorder struct {
	mu      sync.Mutex
	packets []StatusPacket
	fail    error
}

func (r *recorder) Encode(p StatusPacket) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return nil, r.fail
	}
	r.packets = append(r.packets, p)
	return []byte(fmt.Sprintf("<status code=%q doc=%q/>", p.Code, p.ResponseFor.DocumentID)), nil
}

func (r *recorder) Packets() []StatusPacket {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]StatusPacket(nil), r.packets...)
}

func (r *recorder) Last(t testing.TB) StatusPacket {
	t.Helper()
	p := r.Packets()
	if len(p) == 0 {
		t.Fatal("no status packet was encoded")
	}
	return p[len(p)-1]
}

var self = Organization{Code: "000.00.00.H41", Name: "Văn phòng UBND tỉnh Nghệ An"}

var sender = Organization{Code: "000.00.00.G22", Name: "Văn phòng Chính phủ"}

type fixture struct {
	s     *Store
	dir   string
	clock *testClock
	enc   *recorder
	ctx   context.Context //nolint:containedctx // one test's context
	seq   atomic.Int64
}

var (
	clerk   = Actor{ID: "vanthu1", Name: "Nguyễn Thị Lan", Department: "Văn thư", Email: "lan@example.vn", Mobile: "0912000001"}
	leader  = Actor{ID: "lanhdao1", Name: "Trần Văn Hùng", Department: "Lãnh đạo"}
	officer = Actor{ID: "chuyenvien1", Name: "Lê Minh Tuấn", Department: "Phòng Tổng hợp"}
)

// newFixture opens a store in a temporary directory and checks, when the
// test ends, that the database is intact and its foreign keys hold.
func newFixture(t testing.TB, mod ...func(*Options)) *fixture {
	t.Helper()
	f := &fixture{
		dir:   t.TempDir(),
		clock: &testClock{now: time.Date(2024, 3, 15, 9, 0, 0, 0, vietnam())},
		enc:   &recorder{},
		ctx:   context.Background(),
	}
	opts := Options{EncodeStatus: f.enc.Encode, Now: f.clock.Now, Self: self}
	for _, m := range mod {
		m(&opts)
	}
	s, err := Open(f.ctx, f.dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	f.s = s
	t.Cleanup(func() {
		checkDB(t, s)
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return f
}

// checkDB asserts PRAGMA integrity_check and foreign_key_check are clean.
func checkDB(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	integ, err := integrityProblems(ctx, s)
	if err != nil {
		t.Errorf("integrity_check: %v", err)
	}
	if len(integ) > 0 {
		t.Errorf("integrity_check: %v", integ)
	}
	fk, err := foreignKeyProblems(ctx, s)
	if err != nil {
		t.Errorf("foreign_key_check: %v", err)
	}
	if len(fk) > 0 {
		t.Errorf("foreign_key_check: %v", fk)
	}
}

func (f *fixture) blob(t testing.TB, content string) Blob {
	t.Helper()
	b, err := f.s.PutBlob(f.ctx, strings.NewReader(content))
	if err != nil {
		t.Fatalf("PutBlob: %v", err)
	}
	return b
}

func (f *fixture) attachment(t testing.TB, name, content, text string) NewAttachment {
	t.Helper()
	return NewAttachment{Name: name, ContentType: "application/pdf", ContentID: "cid:" + name,
		Blob: f.blob(t, content), Verdict: "valid", Verification: []byte(`{"verdict":"valid","signers":["VPCP"]}`), Text: text}
}

// incoming returns a typical incoming document with a unique DocumentId.
func (f *fixture) incoming(subject string) *Document {
	n := int(f.seq.Add(1))
	return &Document{
		DocumentID:        fmt.Sprintf("000.00.00.G22,2024/03/14,%d/VPCP-TTĐT", 7000+n),
		Sender:            sender,
		Recipients:        []Recipient{{Organization: self}},
		CodeNumber:        fmt.Sprint(7000 + n),
		CodeNotation:      "VPCP-TTĐT",
		PromulgationPlace: "Hà Nội",
		PromulgationDate:  time.Date(2024, 3, 14, 0, 0, 0, 0, vietnam()),
		TypeCode:          "1",
		TypeName:          "Công văn",
		Subject:           subject,
		Content:           "Thực hiện chỉ đạo của Thủ tướng Chính phủ.",
		Signer:            Signer{Competence: "KT. BỘ TRƯỞNG, CHỦ NHIỆM", Position: "PHÓ CHỦ NHIỆM", FullName: "Nguyễn Sỹ Hiệp"},
		Priority:          PriorityUrgent,
		SteeringType:      "0",
		Header:            []byte("<edXML:MessageHeader/>"),
	}
}

func (f *fixture) insert(t testing.TB, d *Document, atts ...NewAttachment) int64 {
	t.Helper()
	id, err := f.s.InsertIncoming(f.ctx, d, atts)
	if err != nil {
		t.Fatalf("InsertIncoming: %v", err)
	}
	return id
}

func (f *fixture) register(t testing.TB, kind RegisterKind, name string) {
	t.Helper()
	year := f.clock.Now().In(vietnam()).Year()
	if _, err := f.s.CreateRegister(f.ctx, clerk, name, kind, year); err != nil {
		t.Fatalf("CreateRegister: %v", err)
	}
}

func outgoing(subject string, to ...Organization) *Document {
	d := &Document{
		CodeNotation: "UBND-VP",
		TypeName:     "Công văn",
		Subject:      subject,
		Signer:       Signer{Competence: "KT. CHỦ TỊCH", Position: "PHÓ CHỦ TỊCH", FullName: "Lê Hồng Vinh"},
	}
	for _, o := range to {
		d.Recipients = append(d.Recipients, Recipient{Organization: o})
	}
	return d
}

func (f *fixture) get(t testing.TB, id int64) *Document {
	t.Helper()
	d, err := f.s.Get(f.ctx, id)
	if err != nil {
		t.Fatalf("Get(%d): %v", id, err)
	}
	return d
}

func (f *fixture) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.s.r.QueryRowContext(f.ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (f *fixture) readBlob(t testing.TB, sha string) ([]byte, error) {
	t.Helper()
	rc, err := f.s.OpenBlob(sha)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(rc)
	return b.Bytes(), err
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func t0ctx() context.Context { return context.Background() }
