package inbox

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestFold(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Công văn khẩn", "cong van khan"},
		{"ĐẢNG ỦY Đường", "dang uy duong"},
		{"Hỏa tốc, Thượng khẩn", "hoa toc, thuong khan"},
		{norm.NFD.String("Nghị định"), "nghi dinh"},
		{"1234/UBND-VP", "1234/ubnd-vp"},
		{"Ơ ư Ă â ê ô", "o u a a e o"},
		{"", ""},
	}
	for _, c := range cases {
		if got := fold(c.in); got != c.want {
			t.Errorf("fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range cases {
		got, offs := foldMap(c.in)
		if got != fold(c.in) || len(offs) != len(got)+1 || offs[len(got)] != len(c.in) {
			t.Errorf("foldMap(%q) = %q %v", c.in, got, offs)
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Công văn khẩn", "ĐẢNG ỦY", norm.NFD.String("Nghị định"), "a\u0301\u0323", "\u0344x", "한국어", "ﬁ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, offs := foldMap(s)
		if want := foldNFD(s); utf8.ValidString(s) && (got != want || fold(s) != want) {
			t.Errorf("decomposed whole, %q folds to %q; fold gives %q, foldMap %q", s, want, fold(s), got)
		}
		if len(offs) != len(got)+1 {
			t.Errorf("foldMap(%q): %d offsets for %d bytes", s, len(offs), len(got))
		}
	})
}

// foldNFD is the definition fold follows: the whole string decomposed,
// combining marks dropped, đ and Đ made d, the rest lower-cased.
func foldNFD(s string) string {
	var out []byte
	for _, r := range norm.NFD.String(s) {
		switch {
		case r == 'đ' || r == 'Đ':
			out = append(out, 'd')
		case unicode.Is(unicode.Mn, r):
		default:
			out = utf8.AppendRune(out, unicode.ToLower(r))
		}
	}
	return string(out)
}

// TestFoldTables checks every rune the lookup tables answer against the
// decomposition they stand for.
func TestFoldTables(t *testing.T) {
	for _, block := range [][2]rune{{0x80, 0x370}, {0x1E00, 0x1F00}} {
		for r := block[0]; r < block[1]; r++ {
			if got, want := string(appendFold(nil, r)), foldNFD(string(r)); got != want {
				t.Errorf("U+%04X %q folds to %q, want %q", r, r, got, want)
			}
		}
	}
	// Outside the tables: Greek, Cyrillic, Hangul and a ligature.
	for _, s := range []string{"Ωμέγα", "Привет", "한국어", "ﬁ"} {
		if got, want := fold(s), foldNFD(s); got != want {
			t.Errorf("fold(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestFTSQuery(t *testing.T) {
	cases := []struct{ in, want string }{
		{"cong van khan", `"cong" "van" "khan"*`},
		{"  Công-văn  KHẨN ", `"cong" "van" "khan"*`},
		{`"quoted" OR NEAR(xy)`, `"quoted" "or" "near" "xy"*`},
		{"7816/VPCP-TTĐT", `"7816" "vpcp" "ttdt"*`},
		{" - \" * ", ""},
		{"cong van k", `"cong" "van"*`}, // a one-letter last word is still being typed
		{"d", `"d"`},
		{"Đ", `"d"`},
	}
	for _, c := range cases {
		if got, _ := ftsQuery(c.in); got != c.want {
			t.Errorf("ftsQuery(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzFTSQuery(f *testing.F) {
	for _, s := range []string{"cong van", `"a" OR b*`, "Đường", "(x) AND -y", "\x00"} {
		f.Add(s)
	}
	dir := f.TempDir()
	s, err := Open(t0ctx(), dir, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := s.Search(t0ctx(), q, Filter{}, 5); err != nil {
			t.Errorf("Search(%q): %v", q, err)
		}
	})
}

type searchFixture struct {
	*fixture
	khan, duong, ngansach, recalled, outgoingID int64
}

func newSearchFixture(t *testing.T) *searchFixture {
	t.Helper()
	f := &searchFixture{fixture: newFixture(t)}
	f.register(t, RegisterIncoming, "Sổ đến")
	d := f.incoming("Công văn khẩn về phòng chống bão lụt năm 2024")
	d.Priority = PriorityFlash
	d.DueDate = time.Date(2024, 3, 10, 0, 0, 0, 0, vietnam()) // already passed
	f.khan = f.insert(t, d)
	f.clock.Advance(time.Hour)
	d = f.incoming("Đề nghị đầu tư dự án Đường ven biển")
	d.Priority = PriorityNormal
	d.Sender = Organization{Code: "000.00.00.H40", Name: "UBND tỉnh Hà Tĩnh"}
	d.DueDate = time.Date(2024, 4, 10, 0, 0, 0, 0, vietnam())
	f.duong = f.insert(t, d)
	f.clock.Advance(time.Hour)
	d = f.incoming("Báo cáo tình hình tháng 3")
	d.Content = ""
	f.ngansach = f.insert(t, d, f.attachment(t, "baocao.pdf", "pdf", "Phụ lục: quyết toán ngân sách nhà nước năm 2023"))
	f.clock.Advance(time.Hour)
	f.recalled = f.insert(t, f.incoming("Công văn khẩn đã bị thu hồi"))
	if err := f.s.RecallRequested(f.ctx, f.recalled, Actor{ID: "axis"}, "nhầm"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.AcceptRecall(f.ctx, f.recalled, clerk); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	var err error
	f.outgoingID, err = f.s.CreateDraft(f.ctx, officer, outgoing("Dự thảo công văn về phòng chống bão", sender), nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func ids(hits []Hit) []int64 {
	var out []int64
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func TestSearchDiacriticsAndPrefix(t *testing.T) {
	f := newSearchFixture(t)
	cases := []struct {
		query string
		want  []int64
	}{
		{"cong van khan", []int64{f.khan}},
		{"Công văn khẩn", []int64{f.khan}},
		{"CONG VAN KHAN", []int64{f.khan}},
		{"duong", []int64{f.duong}},     // d matches đ
		{"đường ven", []int64{f.duong}}, // đ in the query too
		{"de nghi dau tu", []int64{f.duong}},
		{"phong cho", []int64{f.outgoingID, f.khan}}, // the last word is a prefix
		{"chong bao lut", []int64{f.khan}},
		{"khan duong", nil},                // every word must occur
		{"ngan sach", []int64{f.ngansach}}, // attachment text
		{"quyet toan ngan", []int64{f.ngansach}},
		{"ha tinh", []int64{f.duong}},                                 // organisation name
		{"nguyen sy hiep", []int64{f.khan, f.duong, f.ngansach}[0:0]}, // filled below
		{"VPCP-TTĐT", nil},                                            // filled below
	}
	cases[len(cases)-2].want = []int64{f.ngansach, f.duong, f.khan} // signer of all three, newest first
	cases[len(cases)-1].want = []int64{f.ngansach, f.duong, f.khan}
	for _, c := range cases {
		hits, err := f.s.Search(f.ctx, c.query, Filter{}, 10)
		if err != nil {
			t.Fatalf("Search(%q): %v", c.query, err)
		}
		got := ids(hits)
		if c.query == "phong cho" { // ranked by bm25: either order is right
			slices.Sort(got)
			slices.Sort(c.want)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Search(%q) = %v, want %v", c.query, got, c.want)
		}
	}
	d := f.get(t, f.khan)
	hits, err := f.s.Search(f.ctx, d.CodeNumber+"/VPCP", Filter{}, 10)
	if err != nil || !slices.Equal(ids(hits), []int64{f.khan}) {
		t.Errorf("search by number/notation: %v %v", ids(hits), err)
	}
}

func TestSearchSnippets(t *testing.T) {
	f := newSearchFixture(t)
	hits, err := f.s.Search(f.ctx, "ngan sach", Filter{}, 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("%v %v", hits, err)
	}
	h := hits[0]
	if h.Field != "baocao.pdf" || h.Snippet != "Phụ lục: quyết toán ngân sách nhà nước năm 2023" {
		t.Errorf("snippet from %q: %q", h.Field, h.Snippet)
	}
	var marked []string
	for _, sp := range h.Highlights {
		marked = append(marked, h.Snippet[sp.Start:sp.End])
	}
	if !slices.Equal(marked, []string{"ngân", "sách"}) {
		t.Errorf("highlights: %q", marked)
	}
	hits, err = f.s.Search(f.ctx, "cong van kh", Filter{}, 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("%v %v", hits, err)
	}
	h = hits[0]
	marked = nil
	for _, sp := range h.Highlights {
		marked = append(marked, h.Snippet[sp.Start:sp.End])
	}
	if h.Field != "subject" || !slices.Equal(marked, []string{"Công", "văn", "khẩn"}) {
		t.Errorf("subject snippet %q highlights %q", h.Snippet, marked)
	}
	if h.Rank <= 0 {
		t.Errorf("rank %v, want positive", h.Rank)
	}

	long := ""
	for i := range 100 {
		long += fmt.Sprintf("từ%d ", i)
	}
	long += "mục tiêu cuối"
	sn, hl, ok := snippet(long, []string{"muc", "tieu"})
	if !ok || len(hl) != 2 || sn[:len("…")] != "…" || sn[hl[0].Start:hl[0].End] != "mục" {
		t.Errorf("long snippet %q %v", sn, hl)
	}
}

func TestSearchRanking(t *testing.T) {
	f := newFixture(t)
	inAttachment := f.insert(t, f.incoming("Báo cáo định kỳ"), f.attachment(t, "a.pdf", "a", "Kế hoạch phòng chống thiên tai các năm"))
	f.clock.Advance(time.Minute)
	older := f.insert(t, f.incoming("Kế hoạch phòng chống thiên tai"))
	f.clock.Advance(time.Minute)
	newer := f.insert(t, f.incoming("Kế hoạch phòng chống thiên tai"))
	hits, err := f.s.Search(f.ctx, "thien tai", Filter{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{newer, older, inAttachment}; !slices.Equal(ids(hits), want) {
		t.Errorf("ranking: got %v, want %v (subject before attachment, then newest)", ids(hits), want)
	}
	if hits[0].Rank != hits[1].Rank || hits[1].Rank <= hits[2].Rank {
		t.Errorf("ranks: %v %v %v", hits[0].Rank, hits[1].Rank, hits[2].Rank)
	}
}

func TestSearchFilters(t *testing.T) {
	f := newSearchFixture(t)
	f.clock.Set(time.Date(2024, 3, 20, 9, 0, 0, 0, vietnam()))
	start := time.Date(2024, 3, 15, 9, 30, 0, 0, vietnam())
	cases := []struct {
		name  string
		query string
		f     Filter
		want  []int64
	}{
		{"incoming only", "cong van kh", Filter{Direction: Incoming}, []int64{f.khan}},
		{"outgoing only", "cong van", Filter{Direction: Outgoing}, []int64{f.outgoingID}},
		{"hidden too", "cong van khan", Filter{IncludeHidden: true}, []int64{f.recalled, f.khan}}, // shorter subject first
		{"hidden folder", "cong van", Filter{Folder: FolderHidden}, []int64{f.recalled}},
		{"state", "", Filter{States: []State{StateDraft}}, []int64{f.outgoingID}},
		{"priority", "", Filter{MinPriority: PriorityUrgent}, []int64{f.ngansach, f.khan}},
		{"flash", "", Filter{MinPriority: PriorityFlash}, []int64{f.khan}},
		{"sender", "", Filter{Sender: "000.00.00.H40"}, []int64{f.duong}},
		{"since", "", Filter{Since: start}, []int64{f.outgoingID, f.ngansach, f.duong}},
		{"range", "", Filter{Since: start, Until: start.Add(time.Hour)}, []int64{f.duong}},
		{"overdue", "", Filter{Overdue: true}, []int64{f.khan}},
		{"overdue with words", "cong van", Filter{Overdue: true}, []int64{f.khan}},
		{"folder", "", Filter{Folder: FolderToRegister}, []int64{f.ngansach, f.duong, f.khan}},
	}
	// Narrow filters are answered from the filter's documents first (by
	// row id, or by walking the matches); with the bound at zero every
	// filter takes the path through the index.
	for _, bound := range searchPaths {
		setSearchPath(t, bound)
		for _, c := range cases {
			hits, err := f.s.Search(f.ctx, c.query, c.f, 10)
			if err != nil {
				t.Fatalf("%s (%s): %v", c.name, bound, err)
			}
			if got := ids(hits); !slices.Equal(got, c.want) {
				t.Errorf("%s (%s): got %v, want %v", c.name, bound, got, c.want)
			}
		}
	}
	// Done documents are not overdue.
	if _, err := f.s.Register(f.ctx, f.khan, clerk, "Sổ đến"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.StartProcessing(f.ctx, f.khan, officer); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Done(f.ctx, f.khan, officer); err != nil {
		t.Fatal(err)
	}
	hits, err := f.s.Search(f.ctx, "", Filter{Overdue: true}, 10)
	if err != nil || len(hits) != 0 {
		t.Errorf("overdue after done: %v %v", ids(hits), err)
	}
}

// searchPaths name the three ways a filtered search can go.
var searchPaths = []string{"by row id", "walking the matches", "through the join"}

func setSearchPath(t *testing.T, path string) {
	t.Helper()
	oldF, oldD := maxFilteredSet, maxDirectSet
	t.Cleanup(func() { maxFilteredSet, maxDirectSet = oldF, oldD })
	switch path {
	case "walking the matches":
		maxDirectSet = 0
	case "through the join":
		maxFilteredSet = 0
	}
}

func TestListPagination(t *testing.T) {
	f := newFixture(t)
	var want []int64
	for i := range 7 {
		if i%3 == 0 {
			f.clock.Advance(time.Minute) // some share a time: id breaks the tie
		}
		want = append(want, f.insert(t, f.incoming(fmt.Sprint("Văn bản ", i))))
	}
	slices.Reverse(want)
	var got []int64
	var cur Cursor
	pages := 0
	for {
		page, next, err := f.s.List(f.ctx, Filter{Folder: FolderToRegister}, Page{Limit: 3, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page {
			got = append(got, s.ID)
		}
		if next == "" {
			break
		}
		cur = next
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("pages: got %v in %d pages, want %v", got, pages, want)
	}
	if _, _, err := f.s.List(f.ctx, Filter{}, Page{Cursor: "garbage"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad cursor: got %v, want ErrInvalid", err)
	}
}

func TestCounts(t *testing.T) {
	f := newSearchFixture(t)
	if err := f.s.MarkRead(f.ctx, f.duong, clerk, true); err != nil {
		t.Fatal(err)
	}
	if err := f.s.MarkRead(f.ctx, f.duong, clerk, true); err != nil { // no change, no audit entry
		t.Fatal(err)
	}
	if err := f.s.MarkRead(f.ctx, 999, clerk, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkRead unknown: got %v", err)
	}
	c, err := f.s.Counts(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Folder]FolderCount{
		FolderToRegister: {Total: 3, Unread: 2},
		FolderHidden:     {Total: 1, Unread: 1},
		FolderDrafts:     {Total: 1, Unread: 0},
	}
	if fmt.Sprint(c.Folders) != fmt.Sprint(want) || c.Overdue != 1 || c.OutboxPending != 5 {
		t.Errorf("counts: got %+v, want %v, 1 overdue, 5 pending (4 × 01, 1 × 15)", c, want)
	}
	trail, _ := f.s.AuditTrail(f.ctx, f.duong)
	if n := len(trail); n != 2 || trail[1].Action != ActionMarkRead {
		t.Errorf("mark read audit: %d entries", n)
	}
}

func TestOpenMatchesSQL(t *testing.T) {
	f := newFixture(t)
	for _, st := range States() {
		var open bool
		if err := f.s.r.QueryRowContext(f.ctx, `SELECT ? IN ('arrived', 'registered', 'assigned',
			'processing', 'recall_requested', 'draft', 'submitted', 'returned', 'approved')`, string(st)).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open != st.open() {
			t.Errorf("state %s: SQL is_open %v, Go %v", st, open, st.open())
		}
	}
	var def string
	if err := f.s.r.QueryRowContext(f.ctx, `SELECT sql FROM sqlite_schema WHERE name = 'documents'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	for _, st := range States() {
		if st.open() != strings.Contains(def, "'"+string(st)+"'") {
			t.Errorf("documents.is_open and State.open disagree on %s", st)
		}
	}
}

func TestCountsAreChecked(t *testing.T) {
	f := newSearchFixture(t)
	if rep, err := f.s.Check(f.ctx, CheckOptions{}); err != nil || !rep.OK() {
		t.Fatalf("Check: %+v %v", rep, err)
	}
	f.exec(t, `UPDATE folder_counts SET total = total + 1 WHERE folder = 'drafts'`)
	rep, err := f.s.Check(f.ctx, CheckOptions{})
	if err != nil || rep.OK() || len(rep.Counts) != 1 || !strings.Contains(rep.Counts[0], "drafts") {
		t.Errorf("Check after tampering with a counter: %+v %v", rep.Counts, err)
	}
	f.exec(t, `UPDATE folder_counts SET total = total - 1 WHERE folder = 'drafts'`)
	var id int64
	if err := f.s.r.QueryRowContext(f.ctx, `SELECT id FROM documents WHERE folder <> 'hidden' LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	f.exec(t, `UPDATE documents SET hidden = 1 WHERE id = ?`, id)
	rep, err = f.s.Check(f.ctx, CheckOptions{})
	if err != nil || rep.OK() || len(rep.Counts) != 1 || !strings.Contains(rep.Counts[0], "hidden documents are outside") {
		t.Errorf("Check after hiding a document outside the hidden folder: %+v %v", rep.Counts, err)
	}
	f.exec(t, `UPDATE documents SET hidden = 0 WHERE id = ?`, id)
	f.exec(t, `UPDATE outbox_counts SET n = n + 2 WHERE state = 'failed'`)
	rep, err = f.s.Check(f.ctx, CheckOptions{})
	if err != nil || rep.OK() || len(rep.Counts) != 1 || !strings.Contains(rep.Counts[0], "failed") {
		t.Errorf("Check after tampering with the outbox counter: %+v %v", rep.Counts, err)
	}
}

func TestLabels(t *testing.T) {
	for _, s := range States() {
		if s.Vietnamese() == string(s) || s.English() == string(s) {
			t.Errorf("state %s has no label", s)
		}
		if folderOf(s) == "" {
			t.Errorf("state %s has no folder", s)
		}
	}
	for _, fl := range Folders() {
		if fl.Vietnamese() == string(fl) || fl.English() == string(fl) {
			t.Errorf("folder %s has no label", fl)
		}
	}
	if PriorityFlash.Vietnamese() != "Hỏa tốc" || PriorityNormal.English() != "Normal" {
		t.Error("priority labels")
	}
}

func TestSearchWindow(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.SearchWindow = 2 })
	best := f.insert(t, f.incoming("Kế hoạch phòng chống thiên tai"))
	f.clock.Advance(time.Minute)
	mid := f.insert(t, f.incoming("Báo cáo"), f.attachment(t, "a.pdf", "a", "thiên tai năm nay"))
	f.clock.Advance(time.Minute)
	newest := f.insert(t, f.incoming("Tổng hợp"), f.attachment(t, "b.pdf", "b", "thiên tai năm trước"))
	for range 5 {
		f.insert(t, f.incoming("Văn bản khác"))
	}
	// Only the two newest matches are ranked: the best one is older.
	hits, err := f.s.Search(f.ctx, "thien tai", Filter{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(hits); len(got) != 2 || slices.Contains(got, best) || !slices.Contains(got, mid) || !slices.Contains(got, newest) {
		t.Errorf("window of 2: got %v, want %d and %d", got, mid, newest)
	}
	// A filter narrows the matches before the window.
	hits, err = f.s.Search(f.ctx, "thien tai", Filter{Until: f.clock.Now().Add(-time.Second)}, 10)
	if err != nil || !slices.Equal(ids(hits), []int64{best, mid}) {
		t.Errorf("window after a date filter: got %v %v, want [%d %d]", ids(hits), err, best, mid)
	}
}

func TestSearchWindowWithNarrowFilter(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.SearchWindow = 2 })
	other := Organization{Code: "000.00.00.H40", Name: "UBND tỉnh Hà Tĩnh"}
	var want []int64
	for i := range 4 {
		d := f.incoming("Kế hoạch phòng chống thiên tai")
		if i%2 == 1 {
			d.Sender = other
		}
		id := f.insert(t, d)
		if i%2 == 1 {
			want = append([]int64{id}, want...)
		}
		f.clock.Advance(time.Minute)
	}
	// Newer matches from other senders do not use up the window.
	for range 3 {
		f.insert(t, f.incoming("Thiên tai"))
	}
	for _, bound := range searchPaths {
		setSearchPath(t, bound)
		hits, err := f.s.Search(f.ctx, "thien tai", Filter{Sender: other.Code}, 10)
		if err != nil || !slices.Equal(ids(hits), want) {
			t.Errorf("%s: got %v %v, want %v", bound, ids(hits), err, want)
		}
		// Words found nowhere among the sender's documents.
		hits, err = f.s.Search(f.ctx, "ngan sach", Filter{Sender: other.Code}, 10)
		if err != nil || len(hits) != 0 {
			t.Errorf("%s: no match expected, got %v %v", bound, ids(hits), err)
		}
	}
}

func TestSearchRankedMatchesSearch(t *testing.T) {
	f := newSearchFixture(t)
	for _, q := range []string{"cong van", "ngan sach", "phong cho", "ha tinh"} {
		full, err := f.s.Search(f.ctx, q, Filter{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		ranked, err := f.s.SearchRanked(f.ctx, q, Filter{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(ranked), ids(full)) || len(full) == 0 {
			t.Errorf("%q: SearchRanked %v, Search %v", q, ids(ranked), ids(full))
		}
		for _, h := range ranked {
			if h.Snippet != "" {
				t.Errorf("%q: document %d has a snippet %q", q, h.ID, h.Snippet)
			}
		}
		if full[0].Snippet == "" {
			t.Errorf("%q: Search gave no snippet", q)
		}
	}
}

func TestListOrders(t *testing.T) {
	f := newFixture(t)
	type doc struct {
		id       int64
		deadline string
	}
	var docs []doc
	// Deadlines out of date order, shared deadlines, and documents without.
	for i, dl := range []string{"2026-12-05", "", "2026-12-01", "2026-12-05", "", "2026-11-30", "2026-12-01"} {
		if i%2 == 0 {
			f.clock.Advance(time.Minute) // some share a time: id breaks the tie
		}
		d := f.incoming(fmt.Sprint("Văn bản ", i))
		if dl != "" {
			day, _ := time.ParseInLocation(time.DateOnly, dl, vietnam())
			d.DueDate = day
		}
		docs = append(docs, doc{f.insert(t, d), dl})
	}
	newest := make([]int64, len(docs))
	for i, d := range docs {
		newest[len(docs)-1-i] = d.id
	}
	oldest := slices.Clone(newest)
	slices.Reverse(oldest)
	byDeadline := slices.Clone(docs)
	slices.SortStableFunc(byDeadline, func(a, b doc) int {
		switch {
		case (a.deadline == "") != (b.deadline == ""):
			if a.deadline == "" {
				return 1
			}
			return -1
		case a.deadline != b.deadline:
			return strings.Compare(a.deadline, b.deadline)
		}
		return int(a.id - b.id)
	})
	var deadline []int64
	for _, d := range byDeadline {
		deadline = append(deadline, d.id)
	}
	for _, c := range []struct {
		order Order
		want  []int64
	}{{OrderNewest, newest}, {OrderOldest, oldest}, {OrderDeadline, deadline}} {
		var got []int64
		var cur Cursor
		for pages := 0; ; pages++ {
			if pages > len(docs) {
				t.Fatalf("%q: the pages do not end", c.order)
			}
			page, next, err := f.s.List(f.ctx, Filter{Folder: FolderToRegister}, Page{Limit: 2, Cursor: cur, Order: c.order})
			if err != nil {
				t.Fatalf("%q: %v", c.order, err)
			}
			for _, s := range page {
				got = append(got, s.ID)
			}
			if next == "" {
				break
			}
			cur = next
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: got %v, want %v", c.order, got, c.want)
		}
	}
	// A cursor belongs to its order; unknown orders are refused.
	_, next, err := f.s.List(f.ctx, Filter{}, Page{Limit: 2, Order: OrderDeadline})
	if err != nil || next == "" {
		t.Fatalf("first deadline page: %v %q", err, next)
	}
	if _, _, err := f.s.List(f.ctx, Filter{}, Page{Limit: 2, Cursor: next}); !errors.Is(err, ErrInvalid) {
		t.Errorf("deadline cursor in the newest order: got %v, want ErrInvalid", err)
	}
	if _, _, err := f.s.List(f.ctx, Filter{}, Page{Order: "by-mood"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown order: got %v, want ErrInvalid", err)
	}
}
