package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vanthu/vanthu/inbox"
)

// The GUI benchmarks run over a desk of 100 000 documents seeded by
// `vanthuctl demo seed` (the import path of packets from the axis), cached
// under os.TempDir() between runs: seeding takes several minutes. The
// cache key holds guiBenchVersion; cmd/guibench builds the same cache.
// GUIBenchDataEnv, when set, names a seeded desk to use instead.
const (
	guiBenchDocs    = 100_000
	guiBenchVersion = "v1"
	guiBenchDataEnv = "VANTHU_GUIBENCH_DATA"
)

// guiBenchDesk returns the seeded desk's data directory, seeding it first
// when the cache does not hold it.
func guiBenchDesk(b *testing.B) string {
	b.Helper()
	if testing.Short() {
		b.Skip("-short: the 100 000-document desk is not seeded")
	}
	if dir := os.Getenv(guiBenchDataEnv); dir != "" {
		return dir
	}
	root := filepath.Join(os.TempDir(), fmt.Sprintf("vanthu-guibench-%s-%d", guiBenchVersion, guiBenchDocs))
	if _, err := os.Stat(filepath.Join(root, "ready")); err == nil {
		return filepath.Join(root, "desk")
	}
	tmp := root + fmt.Sprintf(".building-%d", os.Getpid())
	_ = os.RemoveAll(tmp)
	start := time.Now()
	cmd := exec.CommandContext(b.Context(), "go", "run", "github.com/vanthu/vanthu/cmd/vanthuctl",
		"demo", "seed", "--docs", fmt.Sprint(guiBenchDocs), "--data", filepath.Join(tmp, "desk"))
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = os.RemoveAll(tmp)
		b.Fatalf("vanthuctl demo seed: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, "ready"), nil, 0o600); err != nil {
		b.Fatal(err)
	}
	_ = os.RemoveAll(root)
	if err := os.Rename(tmp, root); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d documents in %v into %s", guiBenchDocs, time.Since(start).Round(time.Second), root)
	return filepath.Join(root, "desk")
}

// benchUI is the main window over the seeded desk with the test driver,
// its first screen loaded. Background work runs on goroutines; its UI
// work runs on the benchmark's goroutine in u.wait, as the real driver
// runs it on its UI goroutine.
func benchUI(b *testing.B) *ui {
	b.Helper()
	dir := guiBenchDesk(b)
	a := test.NewTempApp(b)
	if err := useLanguage("vi"); err != nil {
		b.Fatal(err)
	}
	set := newSettings(a.Preferences(), false)
	set.SetAgency(inbox.Organization{Code: "000.00.00.H41", Name: "Ủy ban nhân dân tỉnh Hà Nam"})
	set.SetActor(inbox.Actor{ID: "vanthu", Name: "Nguyễn Thị Lan"})
	set.SetConfigured(true)
	ctx, cancel := context.WithCancel(context.Background())
	env, err := openDesk(ctx, dir, set, nil)
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	w := a.NewWindow("Vanthu")
	u := newUI(ctx, a, w, env, set)
	u.queue = &uiQueue{}
	w.SetContent(u.content())
	w.Resize(fyne.NewSize(1400, 820))
	b.Cleanup(func() {
		cancel()
		u.wait()
		env.close()
	})
	u.start()
	u.wait()
	if len(u.list.rows) == 0 {
		b.Fatalf("the seeded desk in %s shows no document", dir)
	}
	return u
}

// searchTyped are what a clerk types in the search box, a character at a
// time: topics, agencies, numbers and people, with and without diacritics
// (from the inbox's search benchmark).
var searchTyped = []string{
	"phòng chống thiên tai", "chuyen doi so", "quyết toán ngân sách", "bộ tài chính", "1234/VPCP",
	"an ninh mang", "tiêm chủng", "ke khai tai san", "nghị định 30", "Vũ Đức Đam",
}

// BenchmarkSearchAsYouType types into the real search box of the main
// window over 100 000 documents, one character per iteration, and waits
// until the list shows the results of the text typed so far. The search
// box's pause before searching (debounce, 250 ms in the app) is set to 0:
// the figure is the work a keystroke causes, from the key to the updated
// list. Clearing the box between queries is not timed.
func BenchmarkSearchAsYouType(b *testing.B) {
	u := benchUI(b)
	d := u.list
	d.debounce = 0
	var lat []time.Duration
	qi, ci := 0, 0
	for b.Loop() {
		q := []rune(searchTyped[qi%len(searchTyped)])
		t0 := time.Now()
		test.Type(d.search, string(q[ci]))
		u.wait()
		lat = append(lat, time.Since(t0))
		if want := strings.TrimSpace(string(q[:ci+1])); d.query != want {
			b.Fatalf("after typing %q the list shows the search %q", string(q[:ci+1]), d.query)
		}
		ci++
		if ci == len(q) {
			b.StopTimer()
			if len(d.rows) == 0 {
				b.Logf("no result for %q", string(q))
			}
			d.search.SetText("")
			u.wait()
			ci = 0
			qi++
			b.StartTimer()
		}
	}
	reportLatencies(b, lat)
}

// BenchmarkSearchAsYouTypeStore is the store's share of
// BenchmarkSearchAsYouType: the same prefixes, with the list's filter and
// limit, asked of the store directly (no widget, no goroutine).
func BenchmarkSearchAsYouTypeStore(b *testing.B) {
	u := benchUI(b)
	f := u.list.filter()
	var lat []time.Duration
	qi, ci := 0, 0
	for b.Loop() {
		q := []rune(searchTyped[qi%len(searchTyped)])
		t0 := time.Now()
		if p := strings.TrimSpace(string(q[:ci+1])); p != "" {
			if _, err := u.st.SearchRanked(u.ctx, p, f, searchLimit); err != nil {
				b.Fatal(err)
			}
		}
		lat = append(lat, time.Since(t0))
		ci++
		if ci == len(q) {
			ci = 0
			qi++
		}
	}
	reportLatencies(b, lat)
}

// reportLatencies adds the median, 95th percentile and maximum, in
// milliseconds.
func reportLatencies(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*95/100)]), "p95-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
}
