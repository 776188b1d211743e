package app

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vanthu/vanthu/inbox"
)

// The list reads one page at a time: 250 documents show as 100 rows plus a
// "loading" row, and scrolling to the end reads the next page.
func TestListPagesByCursor(t *testing.T) {
	h := newHarness(t)
	h.seedIncoming(250)
	h.start()
	d := h.u.list
	if got := len(d.rows); got != pageSize {
		t.Fatalf("rows after start = %d, want %d (one page)", got, pageSize)
	}
	if !d.more || d.length() != pageSize+1 {
		t.Fatalf("more = %v, length = %d; want a loading row after the first page", d.more, d.length())
	}
	for want := 2 * pageSize; want <= 250; want += pageSize {
		d.list.ScrollToBottom()
		h.settle()
		if got := len(d.rows); got != min(want, 250) {
			t.Fatalf("rows after scrolling = %d, want %d", got, min(want, 250))
		}
	}
	d.list.ScrollToBottom()
	h.settle()
	if len(d.rows) != 250 || d.more {
		t.Fatalf("rows = %d, more = %v; want all 250 and no more", len(d.rows), d.more)
	}
	seen := map[int64]bool{}
	for _, r := range d.rows {
		if seen[r.ID] {
			t.Fatalf("document %d listed twice", r.ID)
		}
		seen[r.ID] = true
	}
}

// The side bar shows each folder's counts.
func TestFolderCounts(t *testing.T) {
	h := newHarness(t)
	h.seedIncoming(7)
	h.start()
	label := &widget.Label{}
	for i, f := range h.u.folders.folders {
		if f == inbox.FolderToRegister {
			h.u.folders.update(i, label)
		}
	}
	if want := folderLabel(inbox.FolderToRegister) + " (7/7)"; label.Text != want {
		t.Errorf("folder label = %q, want %q", label.Text, want)
	}
	if !label.TextStyle.Bold {
		t.Error("a folder with unread documents is not bold")
	}
}

// A row shows the priority badge, the number, the overdue deadline in red
// and an unread document in bold.
func TestRowRendering(t *testing.T) {
	h := newHarness(t)
	h.seedIncoming(5)
	h.start()
	d := h.u.list
	o := d.createRow()
	urgent, overdue := -1, -1
	for i, r := range d.rows {
		if r.Priority == inbox.PriorityUrgent && urgent < 0 {
			urgent = i
		}
		if r.Overdue && overdue < 0 {
			overdue = i
		}
	}
	if urgent < 0 || overdue < 0 {
		t.Fatalf("seed has no urgent (%d) or overdue (%d) row", urgent, overdue)
	}
	d.updateRow(urgent, o)
	r := d.rowOf[o]
	if r.prio.Text != "Khẩn" {
		t.Errorf("priority badge = %q, want Khẩn", r.prio.Text)
	}
	if !r.subject.TextStyle.Bold {
		t.Error("unread row is not bold")
	}
	if !strings.Contains(r.code.Text, "/VPCP-KTTH") {
		t.Errorf("number/notation = %q", r.code.Text)
	}
	d.updateRow(overdue, o)
	if r.due.Importance != widget.DangerImportance || r.due.Text != "01/03/2025" {
		t.Errorf("overdue deadline = %q (importance %v), want 01/03/2025 in red", r.due.Text, r.due.Importance)
	}
	if r.state.Text != "Mới đến" {
		t.Errorf("state = %q, want Mới đến", r.state.Text)
	}
}

// Selecting a row opens the document and marks it read in the store.
func TestSelectOpensAndMarksRead(t *testing.T) {
	h := newHarness(t)
	id := h.insertOne("V/v tổ chức Hội nghị tổng kết năm", senders[0], inbox.PriorityNormal)
	h.start()
	h.u.list.list.Select(0)
	h.settle()
	if !h.get(id).Read {
		t.Error("the opened document is still unread in the store")
	}
	if !strings.Contains(h.u.view.title.Text, "Hội nghị tổng kết") {
		t.Errorf("document view title = %q", h.u.view.title.Text)
	}
	if h.u.counts.Folders[inbox.FolderToRegister].Unread != 0 {
		t.Errorf("unread count after opening = %d, want 0", h.u.counts.Folders[inbox.FolderToRegister].Unread)
	}
}

// Search as you type is diacritic-insensitive and replaces the list; clearing
// it brings the folder back.
func TestSearchAsYouType(t *testing.T) {
	h := newHarness(t)
	h.seedIncoming(20)
	want := h.insertOne("V/v phòng chống lụt bão tại Hà Nội", senders[2], inbox.PriorityFlash)
	h.start()
	test.Type(h.u.list.search, "lut bao ha noi")
	h.settle()
	d := h.u.list
	if len(d.rows) != 1 || d.rows[0].ID != want {
		t.Fatalf("search rows = %+v, want only document %d", d.rows, want)
	}
	if d.info.Text != "1 kết quả" {
		t.Errorf("info = %q", d.info.Text)
	}
	d.search.SetText("")
	h.settle()
	if len(d.rows) != 21 {
		t.Errorf("rows after clearing the search = %d, want 21", len(d.rows))
	}
}

// A slow search's results are dropped when a newer query has been typed:
// the first search is still running when the second one finishes.
func TestSearchDropsStaleResults(t *testing.T) {
	h := newHarness(t)
	h.seedIncoming(10)
	flood := h.insertOne("V/v phòng chống lụt bão", senders[2], inbox.PriorityNormal)
	h.start()
	d := h.u.list
	release := make(chan struct{})
	d.searchHook = func(q string) {
		switch q {
		case "nhiệm vụ":
			<-release // held until the newer search has its results
		case "lụt bão":
			close(release)
		}
	}
	d.search.SetText("nhiệm vụ")
	d.search.SetText("lụt bão")
	h.settle()
	if len(d.rows) != 1 || d.rows[0].ID != flood {
		t.Fatalf("rows = %d, want only the newer query's result %d", len(d.rows), flood)
	}
}

// The filters narrow the list (unread, priority).
func TestFilters(t *testing.T) {
	h := newHarness(t)
	ids := h.seedIncoming(9)
	if err := h.st.MarkRead(h.ctx, ids[1], h.set.Actor(), true); err != nil {
		t.Fatal(err)
	}
	h.start()
	d := h.u.list
	d.unread.SetChecked(true)
	h.settle()
	if len(d.rows) != 8 {
		t.Errorf("unread rows = %d, want 8", len(d.rows))
	}
	d.unread.SetChecked(false)
	d.prio.SetSelectedIndex(1)
	h.settle()
	if len(d.rows) != 3 {
		t.Errorf("urgent rows = %d, want 3", len(d.rows))
	}
	for _, r := range d.rows {
		if r.Priority < inbox.PriorityUrgent {
			t.Errorf("row %d has priority %d", r.ID, r.Priority)
		}
	}
}

// Choosing a folder lists its documents.
func TestFolderSelection(t *testing.T) {
	h := newHarness(t)
	ids := h.seedIncoming(4)
	if _, err := h.st.Register(h.ctx, ids[0], h.set.Actor(), "Sổ văn bản đến"); err != nil {
		t.Fatal(err)
	}
	h.start()
	h.u.folders.selectFolder(inbox.FolderToProcess)
	h.settle()
	if len(h.u.list.rows) != 1 || h.u.list.rows[0].ID != ids[0] {
		t.Fatalf("to-process rows = %+v, want document %d", h.u.list.rows, ids[0])
	}
}

// The order above the list: newest first, oldest first, soonest deadline
// first (documents without a deadline last).
func TestListOrder(t *testing.T) {
	h := newHarness(t)
	ids := h.seedIncoming(7) // the first and the sixth have a deadline
	h.start()
	d := h.u.list
	rowIDs := func() []int64 {
		var out []int64
		for _, r := range d.rows {
			out = append(out, r.ID)
		}
		return out
	}
	newest := slices.Clone(ids)
	slices.Reverse(newest)
	if got := rowIDs(); !slices.Equal(got, newest) {
		t.Errorf("default order = %v, want %v", got, newest)
	}
	d.order.SetSelectedIndex(1)
	h.settle()
	if got := rowIDs(); !slices.Equal(got, ids) {
		t.Errorf("oldest first = %v, want %v", got, ids)
	}
	d.order.SetSelectedIndex(2)
	h.settle()
	want := []int64{ids[0], ids[5], ids[1], ids[2], ids[3], ids[4], ids[6]}
	if got := rowIDs(); !slices.Equal(got, want) {
		t.Errorf("soonest deadline first = %v, want %v", got, want)
	}
}
