package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vanthu/vanthu/inbox"
)

// folderPane is the side bar: every folder with its counts.
type folderPane struct {
	u       *ui
	list    *widget.List
	folders []inbox.Folder // "" = every document
}

func newFolderPane(u *ui) *folderPane {
	p := &folderPane{u: u, folders: append([]inbox.Folder{""}, inbox.Folders()...)}
	p.list = widget.NewList(
		func() int { return len(p.folders) },
		func() fyne.CanvasObject { return widget.NewLabel("Văn bản đến chờ vào sổ (00000)") },
		func(id widget.ListItemID, o fyne.CanvasObject) { p.update(id, o.(*widget.Label)) },
	)
	p.list.OnSelected = func(id widget.ListItemID) { u.list.setFolder(p.folders[id]) }
	return p
}

func (p *folderPane) content() fyne.CanvasObject { return p.list }

func (p *folderPane) label(f inbox.Folder) string {
	if f == "" {
		return lang.L("All documents")
	}
	return folderLabel(f)
}

func (p *folderPane) update(id widget.ListItemID, l *widget.Label) {
	f := p.folders[id]
	c := p.u.counts.Folders[f]
	text := p.label(f)
	switch {
	case f == "":
	case c.Unread > 0:
		text = fmt.Sprintf("%s (%d/%d)", text, c.Unread, c.Total)
	case c.Total > 0:
		text = fmt.Sprintf("%s (%d)", text, c.Total)
	}
	l.SetText(text)
	l.TextStyle.Bold = c.Unread > 0
	l.Refresh()
}

func (p *folderPane) refresh() { p.list.Refresh() }

// selectFolder selects f in the side bar (and so shows it).
func (p *folderPane) selectFolder(f inbox.Folder) {
	for i, x := range p.folders {
		if x == f {
			p.list.Select(i)
		}
	}
}

// pageSize is how many rows the list reads at a time.
const pageSize = 100

// docList is the virtualized document list: it reads the store one page at
// a time (by cursor) as the user scrolls, or shows search results.
type docList struct {
	u      *ui
	list   *widget.List
	search *widget.Entry
	prio   *widget.Select
	order  *widget.Select // the list's order (search results are ranked)
	unread *widget.Check
	due    *widget.Check
	info   *widget.Label

	folder   inbox.Folder
	query    string
	rows     []inbox.Summary
	next     inbox.Cursor
	more     bool
	loading  bool
	gen      int // bumped whenever what the list shows changes; older results are dropped
	selected int64
	checked  map[int64]bool
	rowOf    map[fyne.CanvasObject]*docRow

	debounce     time.Duration
	cancelSearch context.CancelFunc
	// searchHook, when set (tests), runs before a search's results are
	// applied.
	searchHook func(query string)
}

func newDocList(u *ui) *docList {
	d := &docList{u: u, checked: map[int64]bool{}, rowOf: map[fyne.CanvasObject]*docRow{},
		debounce: 250 * time.Millisecond, folder: inbox.FolderToRegister}
	d.list = widget.NewList(d.length, d.createRow, d.updateRow)
	d.list.OnSelected = d.onSelected
	d.search = widget.NewEntry()
	d.search.SetPlaceHolder(lang.L("Search number, subject, sender, text… (Ctrl+F)"))
	d.search.OnChanged = d.onSearch
	prios := []string{lang.L("Any priority"), priorityLabel(inbox.PriorityUrgent) + "+",
		priorityLabel(inbox.PriorityVeryUrgent) + "+", priorityLabel(inbox.PriorityFlash) + "+"}
	d.prio = widget.NewSelect(prios, nil)
	d.prio.SetSelectedIndex(0)
	d.prio.OnChanged = func(string) { d.reload() }
	d.order = widget.NewSelect([]string{lang.L("Newest first"), lang.L("Oldest first"), lang.L("Soonest deadline first")}, nil)
	d.order.SetSelectedIndex(0)
	d.order.OnChanged = func(string) { d.reload() }
	d.unread = widget.NewCheck(lang.L("Unread"), func(bool) { d.reload() })
	d.due = widget.NewCheck(lang.L("Overdue"), func(bool) { d.reload() })
	d.info = widget.NewLabel("")
	return d
}

// toolbar is the search box, for the window's top bar.
func (d *docList) toolbar() fyne.CanvasObject { return d.search }

// listColumns: check, priority, sender, number, subject (flex), date,
// deadline, state. In a narrow pane the date goes first, then the state,
// the number and the sender; the subject keeps its room.
var listColumns = &columns{widths: []float32{28, 80, 130, 100, 0, 94, 94, 110}, flex: 4, minFlex: 200,
	drop: []int{5, 7, 3, 2}}

func (d *docList) content() fyne.CanvasObject {
	head := func(s string) fyne.CanvasObject {
		l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	header := container.New(listColumns, widget.NewLabel(""), head(lang.L("Priority")), head(lang.L("Sender")),
		head(lang.L("Number")), head(lang.L("Subject")), head(lang.L("Date")), head(lang.L("Deadline")), head(lang.L("State")))
	filters := container.NewHBox(d.order, d.prio, d.unread, d.due)
	return container.NewBorder(container.NewVBox(filters, header), d.info, nil, nil, d.list)
}

// docRow is one row's widgets.
type docRow struct {
	box                                           *fyne.Container
	check                                         *widget.Check
	prio, sender, code, subject, date, due, state *widget.Label
	id                                            int64
}

func (d *docList) createRow() fyne.CanvasObject {
	r := &docRow{}
	lbl := func() *widget.Label {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	r.check = widget.NewCheck("", nil)
	r.prio, r.sender, r.code, r.subject, r.date, r.due, r.state = lbl(), lbl(), lbl(), lbl(), lbl(), lbl(), lbl()
	r.box = container.New(listColumns, r.check, r.prio, r.sender, r.code, r.subject, r.date, r.due, r.state)
	r.check.OnChanged = func(on bool) { d.setChecked(r.id, on) }
	d.rowOf[r.box] = r
	return r.box
}

func (d *docList) length() int {
	if d.more {
		return len(d.rows) + 1 // the "loading…" row
	}
	return len(d.rows)
}

func (d *docList) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	r := d.rowOf[o]
	if r == nil {
		return
	}
	if id >= len(d.rows) {
		r.id = 0
		r.check.Hide()
		for _, l := range []*widget.Label{r.prio, r.sender, r.code, r.date, r.due, r.state} {
			setLabel(l, "", widget.MediumImportance, false)
		}
		setLabel(r.subject, lang.L("Loading…"), widget.MediumImportance, false)
		d.loadMore()
		return
	}
	if id >= len(d.rows)-pageSize/4 {
		d.loadMore()
	}
	s := d.rows[id]
	r.id = s.ID
	r.check.Show()
	r.check.OnChanged = nil
	r.check.SetChecked(d.checked[s.ID])
	r.check.OnChanged = func(on bool) { d.setChecked(r.id, on) }
	bold := !s.Read
	prio, prioImp := "", widget.MediumImportance
	if s.Priority > inbox.PriorityNormal {
		prio, prioImp = priorityLabel(s.Priority), widget.WarningImportance
		if s.Priority >= inbox.PriorityVeryUrgent {
			prioImp = widget.DangerImportance
		}
	}
	dueImp := widget.MediumImportance
	if s.Overdue {
		dueImp = widget.DangerImportance
	}
	setLabel(r.prio, prio, prioImp, bold)
	setLabel(r.sender, s.Sender.Name, widget.MediumImportance, bold)
	setLabel(r.code, codeOf(s.CodeNumber, s.CodeNotation), widget.MediumImportance, bold)
	setLabel(r.subject, s.Subject, widget.MediumImportance, bold)
	setLabel(r.date, formatDate(s.Date), widget.MediumImportance, bold)
	setLabel(r.due, formatDate(s.Deadline), dueImp, bold)
	setLabel(r.state, stateLabel(s.State), widget.MediumImportance, bold)
}

// setLabel gives a list cell its text and style, redrawing it only when
// they change: a refresh shapes and truncates the text again, most of
// the time a keystroke in the search box costs.
func setLabel(l *widget.Label, text string, imp widget.Importance, bold bool) {
	if l.Text == text && l.Importance == imp && l.TextStyle.Bold == bold {
		return
	}
	l.Text, l.Importance, l.TextStyle.Bold = text, imp, bold
	l.Refresh()
}

func (d *docList) setChecked(id int64, on bool) {
	if id == 0 {
		return
	}
	if on {
		d.checked[id] = true
	} else {
		delete(d.checked, id)
	}
	d.u.updateBatchButton()
}

func (d *docList) onSelected(id widget.ListItemID) {
	if id >= len(d.rows) {
		return
	}
	s := d.rows[id]
	d.selected = s.ID
	d.u.view.show(s.ID)
	if !s.Read {
		d.rows[id].Read = true
		d.list.RefreshItem(id)
		d.u.goTask(func() {
			if err := d.u.desk.MarkRead(d.u.ctx, s.ID, true); err != nil {
				d.u.logErr("mark read", err)
				return
			}
			d.u.do(d.u.loadCounts)
		})
	}
}

func (d *docList) filter() inbox.Filter {
	f := inbox.Filter{Folder: d.folder, Unread: d.unread.Checked, Overdue: d.due.Checked}
	switch d.prio.SelectedIndex() {
	case 1:
		f.MinPriority = inbox.PriorityUrgent
	case 2:
		f.MinPriority = inbox.PriorityVeryUrgent
	case 3:
		f.MinPriority = inbox.PriorityFlash
	}
	return f
}

func (d *docList) setFolder(f inbox.Folder) {
	if f == d.folder {
		return
	}
	d.folder = f
	d.checked = map[int64]bool{}
	d.u.updateBatchButton()
	d.reload()
}

// listOrder is the order chosen above the list.
func (d *docList) listOrder() inbox.Order {
	return []inbox.Order{inbox.OrderNewest, inbox.OrderOldest, inbox.OrderDeadline}[max(0, d.order.SelectedIndex())]
}

// reload shows the first page again (or re-runs the search); the rows on
// screen stay until the new ones arrive.
func (d *docList) reload() {
	if d.query != "" {
		d.runSearch(d.query, 0)
		return
	}
	d.gen++
	gen, f, ord := d.gen, d.filter(), d.listOrder()
	d.loading = true
	d.u.goTask(func() {
		rows, next, err := d.u.st.List(d.u.ctx, f, inbox.Page{Limit: pageSize, Order: ord})
		d.u.do(func() {
			if gen != d.gen {
				return
			}
			d.loading = false
			if err != nil {
				d.info.SetText(friendly(err))
				return
			}
			d.rows, d.next, d.more = rows, next, next != ""
			d.info.SetText("")
			d.list.Refresh()
			d.reselect()
		})
	})
}

// loadMore reads the next page when the user scrolls near the end.
func (d *docList) loadMore() {
	if d.loading || !d.more || d.query != "" {
		return
	}
	d.loading = true
	gen, f, cur, ord := d.gen, d.filter(), d.next, d.listOrder()
	d.u.goTask(func() {
		rows, next, err := d.u.st.List(d.u.ctx, f, inbox.Page{Limit: pageSize, Cursor: cur, Order: ord})
		d.u.do(func() {
			if gen != d.gen {
				return
			}
			d.loading = false
			if err != nil {
				d.more = false
				d.info.SetText(friendly(err))
				d.list.Refresh()
				return
			}
			d.rows = append(d.rows, rows...)
			d.next, d.more = next, next != ""
			d.list.Refresh()
		})
	})
}

// reselect keeps the open document selected after a reload.
func (d *docList) reselect() {
	for i, r := range d.rows {
		if r.ID == d.selected {
			d.list.Select(i)
			return
		}
	}
	d.list.UnselectAll()
}

func (d *docList) onSearch(text string) {
	q := strings.TrimSpace(text)
	if q == d.query {
		return
	}
	d.query = q
	if d.cancelSearch != nil {
		d.cancelSearch()
		d.cancelSearch = nil
	}
	if q == "" {
		d.reload()
		return
	}
	d.runSearch(q, d.debounce)
}

// searchLimit is how many results a search shows.
const searchLimit = 200

// runSearch searches after a pause in typing, off the UI goroutine; a newer
// keystroke cancels it and its results are dropped.
func (d *docList) runSearch(q string, wait time.Duration) {
	d.gen++
	gen, f := d.gen, d.filter()
	ctx, cancel := context.WithCancel(d.u.ctx)
	d.cancelSearch = cancel
	hook := d.searchHook
	d.u.goTask(func() {
		defer cancel()
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		hits, err := d.u.st.SearchRanked(ctx, q, f, searchLimit)
		if hook != nil {
			hook(q)
		}
		if ctx.Err() != nil {
			return
		}
		rows := make([]inbox.Summary, len(hits))
		for i, h := range hits {
			rows[i] = h.Summary
		}
		d.u.do(func() {
			if gen != d.gen {
				return
			}
			if err != nil {
				d.info.SetText(friendly(err))
				return
			}
			d.rows, d.next, d.more = rows, "", false
			switch {
			case len(rows) == 0:
				d.info.SetText(lang.L("Nothing found for “{{.Query}}”.", map[string]any{"Query": q}))
			case len(rows) >= searchLimit:
				d.info.SetText(lang.L("The first {{.N}} results; type more words to narrow the search.", map[string]any{"N": len(rows)}))
			default:
				d.info.SetText(lang.L("{{.N}} results", map[string]any{"N": len(rows)}))
			}
			d.list.ScrollToTop()
			d.list.Refresh()
			d.reselect()
		})
	})
}
