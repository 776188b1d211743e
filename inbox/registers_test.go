package inbox

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"
)

func TestRegisterNumbering(t *testing.T) {
	f := newFixture(t)
	f.register(t, RegisterIncoming, "Sổ đến")
	if _, err := f.s.CreateRegister(f.ctx, clerk, "Sổ đến", RegisterIncoming, 2024); !errors.Is(err, ErrDuplicate) {
		t.Errorf("second register of the same name and year: got %v, want ErrDuplicate", err)
	}
	a := f.insert(t, f.incoming("A"))
	if _, err := f.s.Register(f.ctx, a, clerk, "Sổ không có"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown register: got %v, want ErrNotFound", err)
	}
	if d := f.get(t, a); d.State != StateArrived || d.Register != nil {
		t.Fatalf("a failed register changed the document: %s %+v", d.State, d.Register)
	}
	var got []int
	for i := range 3 {
		id := f.insert(t, f.incoming(fmt.Sprint("B", i)))
		n, err := f.s.Register(f.ctx, id, clerk, "Sổ đến")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	// A failing transaction (here: the status cannot be encoded) takes no number.
	f.enc.fail = errors.New("encoder down")
	if _, err := f.s.Register(f.ctx, a, clerk, "Sổ đến"); err == nil {
		t.Fatal("register with a failing encoder succeeded")
	}
	f.enc.fail = nil
	n, err := f.s.Register(f.ctx, a, clerk, "Sổ đến")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, n)
	if fmt.Sprint(got) != "[1 2 3 4]" {
		t.Errorf("arrival numbers: got %v, want [1 2 3 4]", got)
	}

	// A document that arrives in the new year opens that year's book.
	f.clock.Set(time.Date(2025, 1, 2, 8, 0, 0, 0, vietnam()))
	c := f.insert(t, f.incoming("C"))
	if n, err := f.s.Register(f.ctx, c, clerk, "Sổ đến"); err != nil || n != 1 {
		t.Errorf("first number of 2025: got %d %v, want 1", n, err)
	}
	regs, err := f.s.Registers(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(regs) != 2 || regs[0].Year != 2025 || regs[0].LastNumber != 1 || regs[1].LastNumber != 4 {
		t.Errorf("registers: %+v", regs)
	}
}

func TestIssueFailureTakesNoNumber(t *testing.T) {
	f := newFixture(t)
	f.register(t, RegisterOutgoing, "Sổ đi")
	a, b := f.docIn(t, StateApproved), f.docIn(t, StateApproved)
	_, err := f.s.Issue(f.ctx, a, clerk, "Sổ đi", func(s IssueStamp) ([]NewAttachment, error) {
		if s.Number != 1 {
			t.Errorf("stamp saw number %d, want 1", s.Number)
		}
		return nil, errors.New("token removed")
	})
	if err == nil {
		t.Fatal("Issue with a failing stamp succeeded")
	}
	if d := f.get(t, a); d.State != StateApproved || d.Number != 0 || d.DocumentID != "" {
		t.Errorf("a failed issue changed the document: %+v", d)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox`); n != 0 {
		t.Errorf("a failed issue queued %d packets", n)
	}
	st, err := f.s.Issue(f.ctx, b, clerk, "Sổ đi", nil)
	if err != nil || st.Number != 1 {
		t.Errorf("next issue: got %+v %v, want number 1", st, err)
	}
	if _, err := (&Store{opts: Options{}}).Issue(f.ctx, b, clerk, "Sổ đi", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("issue without an agency code: got %v, want ErrInvalid", err)
	}
}

func TestConcurrentIssueIsGapFree(t *testing.T) {
	f := newFixture(t)
	f.register(t, RegisterOutgoing, "Sổ đi")
	const n = 50
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = f.docIn(t, StateApproved)
	}
	numbers := make([]int, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, id := range ids {
		wg.Go(func() {
			st, err := f.s.Issue(f.ctx, id, clerk, "Sổ đi", func(s IssueStamp) ([]NewAttachment, error) {
				b, err := f.s.PutBlob(f.ctx, stringsReader(fmt.Sprintf("stamped %d %s", s.Number, s.DocumentID)))
				if err != nil {
					return nil, err
				}
				return []NewAttachment{{Name: "issued.pdf", Blob: b}}, nil
			})
			if err != nil {
				errs <- err
				return
			}
			numbers[i] = st.Number
		})
	}
	// Readers keep working meanwhile.
	wg.Go(func() {
		for range 20 {
			if _, _, err := f.s.List(f.ctx, Filter{Folder: FolderSent}, Page{}); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sort.Ints(numbers)
	for i, got := range numbers {
		if got != i+1 {
			t.Fatalf("issue numbers: got %v, want 1..%d", numbers, n)
		}
	}
	if c := f.count(t, `SELECT count(DISTINCT reg_number) FROM documents WHERE state = 'issued'`); c != n {
		t.Errorf("%d distinct numbers stored, want %d", c, n)
	}
	res, err := f.s.VerifyAudit(f.ctx)
	if err != nil || !res.OK {
		t.Errorf("audit chain after concurrent writes: %+v %v", res, err)
	}
}

func TestReadersDoNotWaitForTheWriter(t *testing.T) {
	f := newFixture(t)
	f.register(t, RegisterOutgoing, "Sổ đi")
	id := f.docIn(t, StateApproved)
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := f.s.Issue(f.ctx, id, clerk, "Sổ đi", func(IssueStamp) ([]NewAttachment, error) {
			close(inside)
			<-release
			return nil, errors.New("cancelled by the clerk")
		})
		done <- err
	}()
	<-inside
	// The writer holds its transaction open; readers still answer, from the
	// last committed state.
	start := time.Now()
	d, err := f.s.Get(f.ctx, id)
	if err != nil || d.State != StateApproved {
		t.Errorf("Get during a write: %v %v", d, err)
	}
	if _, err := f.s.Search(f.ctx, "dự thảo", Filter{}, 10); err != nil {
		t.Errorf("Search during a write: %v", err)
	}
	if _, err := f.s.Counts(f.ctx); err != nil {
		t.Errorf("Counts during a write: %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("reads took %v while a write was open", el)
	}
	// A second writer waits its turn.
	second := make(chan error, 1)
	go func() { second <- f.s.AddComment(f.ctx, id, clerk, "chờ") }()
	select {
	case err := <-second:
		t.Fatalf("a second write ran while the first was open: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-done; err == nil {
		t.Error("the cancelled issue succeeded")
	}
	if err := <-second; err != nil {
		t.Errorf("the waiting write failed: %v", err)
	}
}

func TestConcurrentInsertsKeepTheChain(t *testing.T) {
	f := newFixture(t)
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := f.s.InsertIncoming(f.ctx, f.incoming(fmt.Sprintf("Văn bản %d-%d", w, i)), nil); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for range 30 {
			if _, err := f.s.Search(f.ctx, "van ban", Filter{}, 20); err != nil {
				errs <- err
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM documents`); n != writers*each {
		t.Errorf("%d documents, want %d", n, writers*each)
	}
	res, err := f.s.VerifyAudit(f.ctx)
	if err != nil || !res.OK || res.Entries != writers*each {
		t.Errorf("audit: %+v %v", res, err)
	}
}
