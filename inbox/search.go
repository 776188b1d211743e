package inbox

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Filter narrows a list or a search. The zero Filter is every document that
// is not hidden.
type Filter struct {
	Folder        Folder
	Direction     Direction
	States        []State
	MinPriority   Priority // 0: any
	Sender        string   // sender organisation code
	Since, Until  time.Time
	Overdue       bool // deadline passed and work not finished
	Unread        bool
	IncludeHidden bool // recalled documents too (always in FolderHidden)
}

// Page asks for one page of a list.
type Page struct {
	Limit  int    // default 50
	Cursor Cursor // "" for the first page; a cursor belongs to one Order
	Order  Order
}

// Order is the order of a list.
type Order string

// List orders.
const (
	OrderNewest   Order = ""         // newest first (by date, then id): the default
	OrderOldest   Order = "oldest"   // oldest first
	OrderDeadline Order = "deadline" // soonest deadline first; documents without one last
)

// listOrder is how List walks one Order: the SQL ordering, the condition
// that starts after a cursor, and the cursor of a row.
type listOrder struct {
	by     string
	after  string
	prefix string // of the order's cursors
	cursor func(sm Summary) string
	parse  func(rest string) ([]any, bool)
}

func parseInts(rest string, n int) ([]any, bool) {
	parts := strings.Split(rest, ":")
	if len(parts) != n {
		return nil, false
	}
	out := make([]any, n)
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

var listOrders = map[Order]listOrder{
	OrderNewest: {
		by: "d.sort_at DESC, d.id DESC", after: "(d.sort_at, d.id) < (?, ?)",
		cursor: func(sm Summary) string { return fmt.Sprintf("%d:%d", sm.Date.UnixMilli(), sm.ID) },
		parse:  func(rest string) ([]any, bool) { return parseInts(rest, 2) },
	},
	OrderOldest: {
		by: "d.sort_at ASC, d.id ASC", after: "(d.sort_at, d.id) > (?, ?)", prefix: "o:",
		cursor: func(sm Summary) string { return fmt.Sprintf("o:%d:%d", sm.Date.UnixMilli(), sm.ID) },
		parse:  func(rest string) ([]any, bool) { return parseInts(rest, 2) },
	},
	OrderDeadline: {
		by: "(d.deadline = '') ASC, d.deadline ASC, d.id ASC", after: "((d.deadline = ''), d.deadline, d.id) > (?, ?, ?)", prefix: "d:",
		cursor: func(sm Summary) string {
			if sm.Deadline.IsZero() {
				return fmt.Sprintf("d:1::%d", sm.ID)
			}
			return fmt.Sprintf("d:0:%s:%d", dateString(sm.Deadline), sm.ID)
		},
		parse: func(rest string) ([]any, bool) {
			parts := strings.Split(rest, ":")
			if len(parts) != 3 || (parts[0] != "0" && parts[0] != "1") {
				return nil, false
			}
			if parts[0] == "0" {
				if _, err := time.Parse(time.DateOnly, parts[1]); err != nil {
					return nil, false
				}
			} else if parts[1] != "" {
				return nil, false
			}
			id, err := strconv.ParseInt(parts[2], 10, 64)
			if err != nil {
				return nil, false
			}
			noDeadline := int64(0)
			if parts[0] == "1" {
				noDeadline = 1
			}
			return []any{noDeadline, parts[1], id}, true
		},
	},
}

// Cursor marks where the next page of a list starts. It is opaque.
type Cursor string

// Span is a byte range in a snippet that matched the query.
type Span struct{ Start, End int }

// Hit is one search result.
type Hit struct {
	Summary
	Rank       float64 // relevance (BM25F), higher is better
	Field      string  // where the snippet comes from: subject, content, code, organisation, signer, or an attachment's name
	Snippet    string  // the matching passage, in the original spelling
	Highlights []Span  // the matched words within Snippet
}

// FolderCount is the number of documents in a folder.
type FolderCount struct {
	Total  int
	Unread int
}

// Counts are the numbers the side bar shows.
type Counts struct {
	Folders       map[Folder]FolderCount
	Overdue       int
	OutboxPending int // packets waiting to be sent
	OutboxFailed  int // packets given up on
}

const summaryColumns = `d.id, d.direction, d.state, d.folder, d.document_id, d.sender_code, d.sender_name,
	d.code_number, d.code_notation, d.type_name, d.subject, d.priority, coalesce(d.reg_number, 0),
	d.sort_at, d.deadline, d.read, d.hidden`

func scanSummary(dest []any, sm *Summary, today string) func() {
	var dir, st, folder, deadline string
	var prio int
	var sortAt int64
	base := []any{&sm.ID, &dir, &st, &folder, &sm.DocumentID, &sm.Sender.Code, &sm.Sender.Name,
		&sm.CodeNumber, &sm.CodeNotation, &sm.TypeName, &sm.Subject, &prio, &sm.Number,
		&sortAt, &deadline, &sm.Read, &sm.Hidden}
	copy(dest, base)
	return func() {
		sm.Direction, sm.State, sm.Folder, sm.Priority = Direction(dir), State(st), Folder(folder), Priority(prio)
		sm.Date, sm.Deadline = time.UnixMilli(sortAt), parseDate(deadline)
		sm.Overdue = deadline != "" && deadline < today && sm.State.open()
	}
}

const summaryColumnCount = 17

// today is the current calendar date in Vietnam, as stored.
func (s *Store) today() string {
	return s.now().In(vietnam()).Format(time.DateOnly)
}

func (f Filter) where(today string) (string, []any) {
	var conds []string
	var args []any
	add := func(c string, a ...any) {
		conds = append(conds, c)
		args = append(args, a...)
	}
	if f.Folder != "" {
		add("d.folder = ?", string(f.Folder))
	}
	if f.Direction != "" {
		add("d.direction = ?", string(f.Direction))
	}
	if len(f.States) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(f.States)), ", ")
		a := make([]any, len(f.States))
		for i, s := range f.States {
			a[i] = string(s)
		}
		add("d.state IN ("+ph+")", a...)
	}
	if f.MinPriority > 0 {
		add("d.priority >= ?", int(f.MinPriority))
	}
	if f.Sender != "" {
		add("d.sender_code = ?", f.Sender)
	}
	if !f.Since.IsZero() {
		add("d.sort_at >= ?", millis(f.Since))
	}
	if !f.Until.IsZero() {
		add("d.sort_at < ?", millis(f.Until))
	}
	if f.Overdue {
		// The unary + keeps the planner off the deadline index, so that a
		// list walks the open documents newest first and stops at a page.
		add("d.is_open = 1 AND d.deadline <> '' AND +d.deadline < ?", today)
	}
	if f.Unread {
		add("d.read = 0")
	}
	// Hidden documents (recalled ones) are all in FolderHidden and only
	// there (Check verifies it), so a folder says all: its documents are
	// then found from the folder index alone.
	if !f.IncludeHidden && f.Folder == "" {
		add("d.hidden = 0")
	}
	if len(conds) == 0 {
		return "1", nil
	}
	return strings.Join(conds, " AND "), args
}

// List returns one page of documents in the page's order (newest first by
// default) and the cursor of the next page ("" after the last).
func (s *Store) List(ctx context.Context, f Filter, p Page) ([]Summary, Cursor, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 50
	}
	ord, ok := listOrders[p.Order]
	if !ok {
		return nil, "", invalidf("unknown list order %q", p.Order)
	}
	today := s.today()
	where, args := f.where(today)
	if p.Cursor != "" {
		rest, found := strings.CutPrefix(string(p.Cursor), ord.prefix)
		after, ok := ord.parse(rest)
		if !found || !ok {
			return nil, "", invalidf("the list position %q is not valid for this order", p.Cursor)
		}
		where += " AND " + ord.after
		args = append(args, after...)
	}
	args = append(args, limit+1)
	//nolint:gosec // where and the ordering are built from fixed fragments; every value is a bound parameter
	rows, err := s.r.QueryContext(ctx, `SELECT `+summaryColumns+` FROM documents d WHERE `+where+`
		ORDER BY `+ord.by+` LIMIT ?`, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list documents: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var sm Summary
		dest := make([]any, summaryColumnCount)
		done := scanSummary(dest, &sm, today)
		if err := rows.Scan(dest...); err != nil {
			return nil, "", fmt.Errorf("list documents: %w", err)
		}
		done()
		out = append(out, sm)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list documents: %w", err)
	}
	var next Cursor
	if len(out) > limit {
		out = out[:limit]
		next = Cursor(ord.cursor(out[limit-1]))
	}
	return out, next, nil
}

// Search finds documents by words in their subject, content, number and
// notation, organisation names, signer and attachments' text, ignoring
// Vietnamese diacritics and case. Every word must occur; the last one may
// be the start of a word (from two letters on). Results are ranked by
// relevance, then date.
//
// FTS5 finds the matches; the store ranks the newest Options.SearchWindow
// of them (300 by default) that pass the filter. Folded Vietnamese
// syllables are few and frequent, so a broad query can match most of a
// 100 000-document inbox: ranking every match, or even FTS5's bm25 over a
// few (its IDF statistics scan each word's whole posting list), takes tens
// to hundreds of milliseconds. The ranking is BM25F computed in Go over the
// candidates' metadata fields (subject ×8, number/notation ×6, content ×3,
// sender and signer ×2), with the term statistics of the candidate set; a
// word found only in the attachments or recipients counts as one weak hit.
// A query matching more than the window ranks its newest matches;
// narrowing the words or the filter (e.g. by date) reaches older ones. A
// query without words lists the newest documents.
func (s *Store) Search(ctx context.Context, query string, f Filter, limit int) ([]Hit, error) {
	return s.search(ctx, query, f, limit, true)
}

// SearchRanked is Search without snippets: the same hits in the same
// order, for a list that shows no passages (search as you type), at a
// fraction of the cost for long result lists.
func (s *Store) SearchRanked(ctx context.Context, query string, f Filter, limit int) ([]Hit, error) {
	return s.search(ctx, query, f, limit, false)
}

func (s *Store) search(ctx context.Context, query string, f Filter, limit int, snippets bool) ([]Hit, error) {
	if limit <= 0 {
		limit = 50
	}
	match, terms := ftsQuery(query)
	if match == "" {
		list, _, err := s.List(ctx, f, Page{Limit: limit})
		if err != nil {
			return nil, err
		}
		hits := make([]Hit, len(list))
		for i, sm := range list {
			hits[i] = Hit{Summary: sm}
		}
		return hits, nil
	}
	today := s.today()
	where, args := f.where(today)
	args = append([]any{match}, args...)
	args = append(args, s.opts.SearchWindow)
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	// A narrow filter (a folder, a sender, unread…) is answered the other
	// way round: the filter's documents first, through their indexes, then
	// the newest matches among them from the index's row ids alone; the
	// join below would otherwise visit every newer match outside the filter.
	if f.selective() {
		cands, ok, err := s.searchFiltered(ctx, tx, match, query, where, args[1:len(args)-1], today)
		if err != nil {
			return nil, err
		}
		if ok {
			return s.finishSearch(ctx, tx, cands, terms, limit, snippets)
		}
	}
	// Matches newest first (FTS5 yields them in rowid order, and ids grow
	// with time), filtered, up to the window.
	//nolint:gosec // where is built from fixed fragments; every value is a bound parameter
	q := `SELECT ` + summaryColumns + `, coalesce(sf.fields, '')
		FROM doc_fts JOIN documents d ON d.id = doc_fts.rowid LEFT JOIN search_fields sf ON sf.document = d.id
		WHERE doc_fts MATCH ? AND ` + where + `
		ORDER BY doc_fts.rowid DESC LIMIT ?`
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil && strings.Contains(err.Error(), "phrase queries are not supported") {
		// A word with letters FTS5 does not know (see ftsQueryASCII).
		match, terms = ftsQueryASCII(query)
		if match == "" {
			return nil, nil
		}
		args[0] = match
		rows, err = tx.QueryContext(ctx, q, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var cands []candidate
	for rows.Next() {
		var c candidate
		dest := make([]any, summaryColumnCount, summaryColumnCount+1)
		done := scanSummary(dest, &c.hit.Summary, today)
		dest = append(dest, &c.fields)
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("search: %w", err)
		}
		done()
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return s.finishSearch(ctx, tx, cands, terms, limit, snippets)
}

// finishSearch ranks the candidates and, when asked, finds their snippets.
func (s *Store) finishSearch(ctx context.Context, tx *sql.Tx, cands []candidate, terms []string, limit int, snippets bool) ([]Hit, error) {
	order := rank(cands, terms)
	if len(order) > limit {
		order = order[:limit]
	}
	hits := make([]Hit, len(order))
	for i, k := range order {
		h := &cands[k].hit
		if snippets {
			if err := hitSnippet(ctx, &wtx{tx: tx}, h, terms); err != nil {
				return nil, err
			}
		}
		hits[i] = *h
	}
	return hits, nil
}

// maxFilteredSet bounds the filter's documents searchFiltered holds in
// memory; a broader filter takes the ordinary path. Tests lower it to
// check both paths give the same answers.
var maxFilteredSet = 10000

// maxDirectSet is the largest filter set searchFiltered asks the index
// for by row id; a larger one is met by walking the matches.
var maxDirectSet = 400

// selective reports whether the filter narrows the documents beyond
// hiding recalled ones.
func (f Filter) selective() bool {
	// Date ranges are left to the ordinary path: ids grow with time, so
	// the index walk there already stays within the range.
	return f.Folder != "" || len(f.States) > 0 || f.MinPriority > 0 || f.Sender != "" || f.Overdue || f.Unread
}

// searchFiltered returns up to the search window of the newest documents
// that both pass the filter and match, or ok=false when the filter keeps
// too many documents for this path.
func (s *Store) searchFiltered(ctx context.Context, tx *sql.Tx, match, query, where string, whereArgs []any, today string) ([]candidate, bool, error) {
	//nolint:gosec // where is built from fixed fragments; every value is a bound parameter
	rows, err := tx.QueryContext(ctx, `SELECT d.id FROM documents d WHERE `+where+` LIMIT ?`,
		append(append([]any{}, whereArgs...), maxFilteredSet+1)...)
	if err != nil {
		return nil, false, fmt.Errorf("search: %w", err)
	}
	in := make(map[int64]struct{}, 1024)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, false, fmt.Errorf("search: %w", err)
		}
		in[id] = struct{}{}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("search: %w", err)
	}
	if len(in) > maxFilteredSet {
		return nil, false, nil
	}
	if len(in) == 0 {
		return nil, true, nil
	}
	// A small set is asked of the index directly (each id a seek in the
	// index); a larger one is met by walking the matches' row ids newest
	// first, without touching the documents table, until the window is
	// full. Asking for a large set in chunks would rebuild the doclists of
	// prefix terms once per chunk.
	ids := make([]int64, 0, s.opts.SearchWindow)
	collect := func(m string) error {
		var rows *sql.Rows
		var err error
		if len(in) <= maxDirectSet {
			args := make([]any, 0, len(in)+1)
			args = append(args, m)
			for id := range in {
				args = append(args, id)
			}
			ph := strings.TrimSuffix(strings.Repeat("?,", len(in)), ",")
			//nolint:gosec // only placeholders are spliced in
			rows, err = tx.QueryContext(ctx, `SELECT rowid FROM doc_fts WHERE doc_fts MATCH ? AND rowid IN (`+ph+`) ORDER BY rowid DESC`, args...)
		} else {
			rows, err = tx.QueryContext(ctx, `SELECT rowid FROM doc_fts WHERE doc_fts MATCH ? ORDER BY rowid DESC`, m)
		}
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() && len(ids) < s.opts.SearchWindow {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			if _, ok := in[id]; ok {
				ids = append(ids, id)
			}
		}
		return rows.Err()
	}
	err = collect(match)
	if err != nil && strings.Contains(err.Error(), "phrase queries are not supported") {
		ids = ids[:0]
		if m, _ := ftsQueryASCII(query); m != "" {
			err = collect(m)
		} else {
			err = nil
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("search: %w", err)
	}
	if len(ids) == 0 {
		return nil, true, nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	//nolint:gosec // only placeholders are spliced in
	rows, err = tx.QueryContext(ctx, `SELECT `+summaryColumns+`, coalesce(sf.fields, '')
		FROM documents d LEFT JOIN search_fields sf ON sf.document = d.id
		WHERE d.id IN (`+ph+`) ORDER BY d.id DESC`, args...)
	if err != nil {
		return nil, false, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var cands []candidate
	for rows.Next() {
		var c candidate
		dest := make([]any, summaryColumnCount, summaryColumnCount+1)
		done := scanSummary(dest, &c.hit.Summary, today)
		dest = append(dest, &c.fields)
		if err := rows.Scan(dest...); err != nil {
			return nil, false, fmt.Errorf("search: %w", err)
		}
		done()
		cands = append(cands, c)
	}
	return cands, true, rows.Err()
}

// hitSnippet finds the passage to show for a hit: in its metadata, or else
// in its attachments.
func hitSnippet(ctx context.Context, tx *wtx, h *Hit, terms []string) error {
	var content, comp, pos, name string
	if err := tx.QueryRowContext(ctx, `SELECT content, signer_competence, signer_position, signer_name FROM documents WHERE id = ?`,
		h.ID).Scan(&content, &comp, &pos, &name); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	fields := []struct{ name, text string }{
		{"subject", h.Subject}, {"content", content}, {"code", strings.TrimPrefix(h.CodeNumber+"/"+h.CodeNotation, "/")},
		{"organisation", h.Sender.Name}, {"signer", strings.Join(strings.Fields(comp+" "+pos+" "+name), " ")},
	}
	for _, fl := range fields {
		var found bool
		if h.Snippet, h.Highlights, found = snippet(fl.text, terms); found {
			h.Field = fl.name
			return nil
		}
	}
	return attachmentSnippet(ctx, tx, h, terms)
}

// candidate is a match being ranked.
type candidate struct {
	hit    Hit
	fields string // folded ranked fields, separated by fieldSep
}

// BM25F parameters: field weights, k1 and b.
const (
	bm25K1           = 1.2
	bm25B            = 0.75
	weakHit          = 0.5 // a word found only outside the ranked fields
	fieldSubject     = 8.0
	fieldCode        = 6.0
	fieldContent     = 3.0
	fieldOrg         = 2.0
	fieldSigner      = 2.0
	rankedFieldCount = 5
)

// rank scores candidates by BM25F over their metadata fields (statistics
// from the candidates themselves) and returns their indexes, best first,
// then newest first.
func rank(cands []candidate, terms []string) []int {
	if len(cands) == 0 {
		return nil
	}
	weights := [rankedFieldCount]float64{fieldSubject, fieldCode, fieldContent, fieldOrg, fieldSigner}
	last := len(terms) - 1
	prefix := utf8.RuneCountInString(terms[last]) > 1
	// tf[i][t][f]: occurrences of term t in field f of candidate i.
	tf := make([][][rankedFieldCount]float64, len(cands))
	lens := make([][rankedFieldCount]float64, len(cands))
	var avg [rankedFieldCount]float64
	df := make([]float64, len(terms))
	for i := range cands {
		rest := cands[i].fields
		tf[i] = make([][rankedFieldCount]float64, len(terms))
		for f := range rankedFieldCount {
			text, after, _ := strings.Cut(rest, fieldSep)
			rest = after
			words := 0
			eachWord(text, func(w string) {
				words++
				for t, term := range terms {
					if w == term || t == last && prefix && strings.HasPrefix(w, term) {
						tf[i][t][f]++
					}
				}
			})
			lens[i][f] = float64(words)
			avg[f] += float64(words)
		}
		for t := range terms {
			for f := range rankedFieldCount {
				if tf[i][t][f] > 0 {
					df[t]++
					break
				}
			}
		}
	}
	n := float64(len(cands))
	for f := range avg {
		avg[f] = max(avg[f]/n, 1)
	}
	score := make([]float64, len(cands))
	for i := range cands {
		for t := range terms {
			var x float64
			for f := range rankedFieldCount {
				if tf[i][t][f] > 0 {
					x += weights[f] * tf[i][t][f] / (1 - bm25B + bm25B*lens[i][f]/avg[f])
				}
			}
			if x == 0 {
				x = weakHit // matched in the attachments or recipients
			}
			idf := math.Log(1 + (n-df[t]+0.5)/(df[t]+0.5))
			score[i] += idf * x * (bm25K1 + 1) / (x + bm25K1)
		}
		cands[i].hit.Rank = score[i]
	}
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		ha, hb := &cands[order[a]].hit, &cands[order[b]].hit
		if ha.Rank != hb.Rank {
			return ha.Rank > hb.Rank
		}
		if !ha.Date.Equal(hb.Date) {
			return ha.Date.After(hb.Date)
		}
		return ha.ID > hb.ID
	})
	return order
}

// attachmentSnippet looks for the snippet in the hit's attachments.
func attachmentSnippet(ctx context.Context, tx *wtx, h *Hit, terms []string) error {
	rows, err := tx.QueryContext(ctx, `SELECT name, text FROM attachments WHERE document = ? AND superseded_at IS NULL
		ORDER BY position, id`, h.ID)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, text string
		if err := rows.Scan(&name, &text); err != nil {
			return fmt.Errorf("search: %w", err)
		}
		for _, t := range []string{text, name} {
			if sn, hl, ok := snippet(t, terms); ok {
				h.Field, h.Snippet, h.Highlights = name, sn, hl
				return nil
			}
		}
	}
	return rows.Err()
}

// eachWord calls fn for each word of folded text, without allocating.
func eachWord(folded string, fn func(string)) {
	start := -1
	for i, r := range folded {
		if isTokenRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			fn(folded[start:i])
			start = -1
		}
	}
	if start >= 0 {
		fn(folded[start:])
	}
}

// snippet finds the first word of text that matches terms (the last as a
// prefix) and returns the passage around it with the matching words marked.
func snippet(text string, terms []string) (string, []Span, bool) {
	const before, after = 8, 24
	if text == "" || len(terms) == 0 {
		return "", nil, false
	}
	folded, offs := foldMap(text)
	type tok struct {
		start, end int // in text
		match      bool
	}
	var toks []tok
	first := -1
	for i := 0; i < len(folded); {
		r, size := utf8.DecodeRuneInString(folded[i:])
		if !isTokenRune(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(folded) {
			r, size := utf8.DecodeRuneInString(folded[j:])
			if !isTokenRune(r) {
				break
			}
			j += size
		}
		w := folded[i:j]
		last := terms[len(terms)-1]
		m := w == last || utf8.RuneCountInString(last) > 1 && strings.HasPrefix(w, last)
		for _, t := range terms[:len(terms)-1] {
			m = m || w == t
		}
		if m && first < 0 {
			first = len(toks)
		}
		toks = append(toks, tok{start: offs[i], end: offs[j], match: m})
		i = j
	}
	if first < 0 {
		return "", nil, false
	}
	a, b := max(0, first-before), min(len(toks), first+after)
	var sb strings.Builder
	prefix := 0
	if a > 0 {
		sb.WriteString("…")
		prefix = sb.Len()
	}
	start := toks[a].start
	if a == 0 {
		start = 0
	}
	end := toks[b-1].end
	if b == len(toks) {
		end = len(text)
	}
	body := []byte(text[start:end])
	for i, c := range body {
		if c == '\n' || c == '\r' || c == '\t' {
			body[i] = ' '
		}
	}
	sb.Write(body)
	if b < len(toks) {
		sb.WriteString("…")
	}
	var spans []Span
	for _, t := range toks[a:b] {
		if t.match {
			spans = append(spans, Span{Start: prefix + t.start - start, End: prefix + t.end - start})
		}
	}
	return sb.String(), spans, true
}

// Counts returns the number of documents per folder (hidden ones in
// FolderHidden), the overdue ones and the outbox backlog.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	c := Counts{Folders: map[Folder]FolderCount{}}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return c, fmt.Errorf("count documents: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, `SELECT folder, total, unread FROM folder_counts`)
	if err != nil {
		return c, fmt.Errorf("count documents: %w", err)
	}
	for rows.Next() {
		var f string
		var fc FolderCount
		if err := rows.Scan(&f, &fc.Total, &fc.Unread); err != nil {
			rows.Close()
			return c, fmt.Errorf("count documents: %w", err)
		}
		if fc.Total > 0 {
			c.Folders[Folder(f)] = fc
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("count documents: %w", err)
	}
	// Recalled documents are never open. The open states are named, not
	// is_open (a virtual column, read from every row): the count reads
	// documents_by_state_deadline alone.
	args := make([]any, 0, len(openStates)+1)
	for _, st := range openStates {
		args = append(args, string(st))
	}
	args = append(args, s.today())
	//nolint:gosec // only placeholders are spliced in
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM documents
		WHERE state IN (`+strings.TrimSuffix(strings.Repeat("?,", len(openStates)), ",")+`) AND deadline <> '' AND deadline < ?`,
		args...).Scan(&c.Overdue); err != nil {
		return c, fmt.Errorf("count overdue documents: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT n FROM outbox_counts WHERE state = 'pending'),
		(SELECT n FROM outbox_counts WHERE state = 'failed')`).Scan(&c.OutboxPending, &c.OutboxFailed); err != nil {
		return c, fmt.Errorf("count outbox: %w", err)
	}
	return c, nil
}
