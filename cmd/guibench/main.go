// Command guibench measures the desktop app over a desk of 100 000
// documents and prints the figures next to the goals of the GUI:
//
//   - cold start to the first painted list: the real binary under Xvfb,
//     from exec to the app's "list-painted" trace line (VANTHU_TRACE);
//   - resident memory after browsing: the real binary, driven with xdotool
//     (scrolling the list, searching, opening documents), VmRSS and VmHWM
//     from /proc;
//   - search-as-you-type latency per keystroke and the first page of a PDF
//     shown: the Go benchmarks of package app and app/pdfview.
//
// The seeded desk is cached under os.TempDir() (the same cache as the
// app's benchmarks); seeding it takes several minutes the first time.
//
//	go run ./cmd/guibench [--runs 5] [--skip-go]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	docs    = 100_000
	version = "v1" // app/search_bench_test.go: guiBenchVersion
	dataEnv = "VANTHU_GUIBENCH_DATA"
	appID   = "vn.vanthu.desktop"
)

func main() {
	runs := flag.Int("runs", 5, "cold starts to measure")
	skipGo := flag.Bool("skip-go", false, "skip the Go benchmarks (search, PDF)")
	flag.StringVar(&shotAfterBrowsing, "shot", "", "write a screenshot (PNG) of the screen after browsing to this file")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *runs, *skipGo); err != nil {
		fmt.Fprintln(os.Stderr, "guibench:", err)
		os.Exit(1)
	}
}

// shotAfterBrowsing is where to save a screenshot after browsing ("" none).
var shotAfterBrowsing string

// row is one line of the result table.
type row struct{ what, goal, got string }

func run(ctx context.Context, runs int, skipGo bool) error {
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed; run `make deps`", tool)
		}
	}
	desk, err := seeded(ctx)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "vanthu-guibench-run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	fmt.Fprintln(os.Stderr, "guibench: building the app")
	bin := filepath.Join(work, "vanthu")
	if out, err := command(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	// The app works on a copy: browsing marks documents read.
	data := filepath.Join(work, "desk")
	if out, err := command(ctx, "cp", "-a", desk, data).CombinedOutput(); err != nil {
		return fmt.Errorf("copy the seeded desk: %w\n%s", err, out)
	}
	home := filepath.Join(work, "home")
	if err := writePreferences(home); err != nil {
		return err
	}
	x, err := startXvfb(ctx, work)
	if err != nil {
		return err
	}
	defer x.stop()

	var table []row
	// Cold start.
	var starts []time.Duration
	for i := range runs {
		a, err := startApp(ctx, bin, x.display, home, "--data", data)
		if err != nil {
			return err
		}
		l, err := a.wait("list-painted", 2*time.Minute)
		if err != nil {
			a.stop()
			return err
		}
		starts = append(starts, l.at.Sub(a.started))
		fmt.Fprintf(os.Stderr, "guibench: cold start %d: %v (app: %s)\n", i+1, starts[i].Round(time.Millisecond), l.raw)
		a.stop()
	}
	table = append(table, row{fmt.Sprintf("Cold start to the first painted list (median of %d; min–max)", runs), "≤ 1.5 s",
		fmt.Sprintf("%s (%s–%s)", secs(median(starts)), secs(slices.Min(starts)), secs(slices.Max(starts)))})

	// Memory after browsing.
	mem, err := browse(ctx, bin, x.display, home, data)
	if err != nil {
		return err
	}
	table = append(table, row{"Resident memory after browsing (VmRSS; peak VmHWM)", "≤ 300 MB",
		fmt.Sprintf("%d MB (peak %d MB)", mem.rss>>20, mem.hwm>>20)},
		row{"… of which private (RssAnon) and file-backed (RssFile: the program's code, fonts)", "",
			fmt.Sprintf("%d MB; %d MB", mem.anon>>20, mem.file>>20)})

	if !skipGo {
		rows, err := goBenchmarks(ctx, desk)
		if err != nil {
			return err
		}
		table = append(table, rows...)
	}
	fmt.Printf("\n| Measure (%d documents) | Goal | Measured |\n|---|---|---|\n", docs)
	for _, r := range table {
		fmt.Printf("| %s | %s | %s |\n", r.what, r.goal, r.got)
	}
	return nil
}

// seeded returns the seeded desk, seeding it when the cache lacks it.
func seeded(ctx context.Context) (string, error) {
	if dir := os.Getenv(dataEnv); dir != "" {
		return dir, nil
	}
	root := filepath.Join(os.TempDir(), fmt.Sprintf("vanthu-guibench-%s-%d", version, docs))
	if _, err := os.Stat(filepath.Join(root, "ready")); err == nil {
		return filepath.Join(root, "desk"), nil
	}
	tmp := root + fmt.Sprintf(".building-%d", os.Getpid())
	_ = os.RemoveAll(tmp)
	fmt.Fprintf(os.Stderr, "guibench: seeding %d documents into %s (several minutes, once)\n", docs, root)
	cmd := command(ctx, "go", "run", "./cmd/vanthuctl", "demo", "seed", "--docs", strconv.Itoa(docs), "--data", filepath.Join(tmp, "desk"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("vanthuctl demo seed: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "ready"), nil, 0o600); err != nil {
		return "", err
	}
	_ = os.RemoveAll(root)
	if err := os.Rename(tmp, root); err != nil {
		return "", err
	}
	return filepath.Join(root, "desk"), nil
}

// writePreferences writes the settings of a configured desk (the clerk of
// the seeded agency, Vietnamese) where Fyne keeps them under home.
func writePreferences(home string) error {
	dir := filepath.Join(home, ".config", "fyne", appID)
	for _, d := range []string{dir, filepath.Join(home, ".cache"), filepath.Join(home, ".local", "share"), filepath.Join(home, "run")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	prefs := map[string]any{
		"configured": true, "language": "vi", "agency.code": "000.00.00.H41", "agency.name": "Ủy ban nhân dân tỉnh Hà Nam",
		"person.id": "vanthu", "person.name": "Nguyễn Thị Lan", "person.role": "clerk", "person.position": "Văn thư",
	}
	data, err := json.Marshal(prefs)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "preferences.json"), data, 0o600)
}

// browse runs the app, scrolls the list, searches and opens documents,
// and returns its memory.
func browse(ctx context.Context, bin, display, home, data string) (memStatus, error) {
	a, err := startApp(ctx, bin, display, home, "--data", data)
	if err != nil {
		return memStatus{}, err
	}
	defer a.stop()
	l, err := a.wait("list-painted", 2*time.Minute)
	if err != nil {
		return memStatus{}, err
	}
	x, y, rowH := l.int("x"), l.int("y"), max(l.int("rowh"), 20)
	xdo := func(args ...string) error {
		cmd := command(ctx, "xdotool", args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("xdotool %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	click := func(x, y int) error {
		return xdo("mousemove", "--sync", strconv.Itoa(x), strconv.Itoa(y), "click", "1")
	}
	pause := func(d time.Duration) { time.Sleep(d) }
	steps := []func() error{}
	// Open the first ten documents.
	for i := range 10 {
		steps = append(steps, func() error { pause(300 * time.Millisecond); return click(x, y+i*rowH) })
	}
	// Scroll down through several pages of the list, opening a document
	// now and then.
	for range 15 {
		steps = append(steps,
			func() error { return xdo("mousemove", "--sync", strconv.Itoa(x), strconv.Itoa(y+5*rowH)) },
			func() error { return xdo("click", "--repeat", "40", "--delay", "15", "5") },
			func() error { pause(500 * time.Millisecond); return click(x, y+3*rowH) })
	}
	// Search as a clerk types, and open the first results.
	for _, q := range []string{"chuyen doi so", "quyết toán ngân sách", "bộ tài chính", "tiêm chủng", "an ninh mang"} {
		steps = append(steps,
			func() error { return xdo("key", "ctrl+f") },
			func() error { return xdo("key", "ctrl+a", "BackSpace") },
			func() error { return xdo("type", "--delay", "60", q) },
			func() error { pause(1500 * time.Millisecond); return click(x, y) },
			func() error { pause(300 * time.Millisecond); return click(x, y+rowH) })
	}
	steps = append(steps, func() error { return xdo("key", "ctrl+f", "ctrl+a", "BackSpace") },
		func() error { pause(1500 * time.Millisecond); return click(x, y+2*rowH) })
	for _, s := range steps {
		if err := s(); err != nil {
			return memStatus{}, err
		}
		if err := a.exited(); err != nil {
			return memStatus{}, fmt.Errorf("the app stopped while browsing: %w\n%s", err, a.output())
		}
	}
	pause(3 * time.Second)
	if shotAfterBrowsing != "" {
		cmd := command(ctx, "import", "-window", "root", shotAfterBrowsing)
		cmd.Env = append(cmd.Env, "DISPLAY="+display)
		if out, err := cmd.CombinedOutput(); err != nil {
			return memStatus{}, fmt.Errorf("import: %w\n%s", err, out)
		}
	}
	return procStatus(a.cmd.Process.Pid)
}

// memStatus is a process's memory from /proc/PID/status, in bytes:
// resident (VmRSS) and its peak (VmHWM), and the resident memory split into
// private (RssAnon) and file-backed pages (RssFile: the program's code and
// the fonts).
type memStatus struct {
	rss, hwm, anon, file int64
}

// procStatus reads the memory of pid.
func procStatus(pid int) (memStatus, error) {
	var m memStatus
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			m.rss = n << 10
		case "VmHWM":
			m.hwm = n << 10
		case "RssAnon":
			m.anon = n << 10
		case "RssFile":
			m.file = n << 10
		}
	}
	if m.rss == 0 {
		return m, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return m, nil
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// goBenchmarks runs the search and PDF benchmarks and returns their rows.
func goBenchmarks(ctx context.Context, desk string) ([]row, error) {
	results := map[string]map[string]float64{}
	bench := func(pkg, pattern, benchtime string) error {
		fmt.Fprintf(os.Stderr, "guibench: go test -bench %s %s\n", pattern, pkg)
		cmd := command(ctx, "go", "test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime, "-timeout", "60m", pkg)
		cmd.Env = append(os.Environ(), dataEnv+"="+desk)
		out, err := cmd.CombinedOutput()
		os.Stderr.Write(out)
		if err != nil {
			return fmt.Errorf("go test -bench %s %s: %w", pattern, pkg, err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
			if m == nil {
				continue
			}
			vals := map[string]float64{}
			f := strings.Fields(m[2])
			for i := 0; i+1 < len(f); i += 2 {
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					vals[f[i+1]] = v
				}
			}
			results[m[1]] = vals
		}
		return nil
	}
	if err := bench("./app/", "^BenchmarkSearchAsYouType(Store)?$", "300x"); err != nil {
		return nil, err
	}
	if err := bench("./app/pdfview/", "^BenchmarkViewerFirstPage(Warm|ColdCache)$", "10x"); err != nil {
		return nil, err
	}
	if err := bench("./app/pdfview/", "^BenchmarkViewerFirstPageColdNoCache$", "2x"); err != nil {
		return nil, err
	}
	get := func(name, unit string) (float64, error) {
		v, ok := results[name][unit]
		if !ok {
			return 0, fmt.Errorf("no %s %s in the benchmark output", name, unit)
		}
		return v, nil
	}
	var rows []row
	s := results["BenchmarkSearchAsYouType"]
	if s == nil {
		return nil, errors.New("no BenchmarkSearchAsYouType result")
	}
	rows = append(rows, row{"Search as you type, per keystroke to the updated list (p50; p95; max)", "≤ 50 ms",
		fmt.Sprintf("%.0f ms; %.0f ms; %.0f ms", s["p50-ms"], s["p95-ms"], s["max-ms"])})
	if st := results["BenchmarkSearchAsYouTypeStore"]; st != nil {
		rows = append(rows, row{"… of which the store's search (same prefixes, folder and limit)", "",
			fmt.Sprintf("%.0f ms; %.0f ms; %.0f ms", st["p50-ms"], st["p95-ms"], st["max-ms"])})
	}
	for _, b := range []struct{ name, what, goal string }{
		{"BenchmarkViewerFirstPageWarm", "First page of a PDF shown, renderer warm", "≤ 300 ms"},
		{"BenchmarkViewerFirstPageColdCache", "First page of a PDF shown, cold, with the compilation cache", "(reported)"},
		{"BenchmarkViewerFirstPageColdNoCache", "First page of a PDF shown, cold, without the compilation cache", "(reported)"},
	} {
		ns, err := get(b.name, "ns/op")
		if err != nil {
			return nil, err
		}
		rows = append(rows, row{b.what, b.goal, fmt.Sprintf("%.0f ms", ns/1e6)})
	}
	return rows, nil
}

func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = os.Environ()
	return cmd
}

// xserver is a running Xvfb.
type xserver struct {
	cmd     *exec.Cmd
	display string
	done    chan struct{}
}

func startXvfb(ctx context.Context, dir string) (*xserver, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1600x1000x24", "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.Create(filepath.Join(dir, "xvfb.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start Xvfb: %w", err)
	}
	w.Close()
	x := &xserver{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(x.done)
	}()
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
	}()
	select {
	case n := <-num:
		if n == "" {
			x.stop()
			return nil, errors.New("the X server (Xvfb) did not start; see its log")
		}
		x.display = ":" + n
		return x, nil
	case <-time.After(30 * time.Second):
	case <-ctx.Done():
	}
	x.stop()
	return nil, errors.New("the X server (Xvfb) did not report its display")
}

func (x *xserver) stop() { stopGroup(x.cmd.Process.Pid, x.done) }

// stopGroup ends a process group: SIGTERM, then SIGKILL after 5 s.
func stopGroup(pid int, done <-chan struct{}) {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-done:
		return
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-done
}

// app is a running desktop app.
type app struct {
	cmd     *exec.Cmd
	started time.Time
	done    chan struct{}
	err     error
	mu      sync.Mutex
	out     strings.Builder
	lines   chan trace
}

type trace struct {
	event  string
	fields map[string]string
	raw    string
	at     time.Time
}

func (t trace) int(k string) int {
	n, _ := strconv.Atoi(t.fields[k])
	return n
}

func startApp(ctx context.Context, bin, display, home string, args ...string) (*app, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_RUNTIME_DIR="+filepath.Join(home, "run"), "LANG=en_US.UTF-8", "VANTHU_TRACE=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	a := &app{cmd: cmd, done: make(chan struct{}), lines: make(chan trace, 16)}
	a.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the app: %w", err)
	}
	go func() {
		a.err = cmd.Wait()
		pw.Close()
	}()
	go func() {
		defer close(a.done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			a.mu.Lock()
			a.out.WriteString(line + "\n")
			a.mu.Unlock()
			rest, ok := strings.CutPrefix(line, "vanthu-trace ")
			if !ok {
				continue
			}
			event, fields, _ := strings.Cut(rest, " ")
			t := trace{event: event, fields: map[string]string{}, raw: line, at: time.Now()}
			for _, f := range strings.Fields(fields) {
				if k, v, ok := strings.Cut(f, "="); ok {
					t.fields[k] = v
				}
			}
			select {
			case a.lines <- t:
			default:
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	return a, nil
}

func (a *app) wait(event string, limit time.Duration) (trace, error) {
	timeout := time.After(limit)
	for {
		select {
		case t := <-a.lines:
			if t.event == event {
				return t, nil
			}
		case <-a.done:
			return trace{}, fmt.Errorf("the app exited (%w) before %q:\n%s", a.err, event, a.output())
		case <-timeout:
			return trace{}, fmt.Errorf("no %q from the app within %v", event, limit)
		}
	}
}

func (a *app) output() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.out.String()
}

func (a *app) exited() error {
	select {
	case <-a.done:
		if a.err == nil {
			return errors.New("it exited with status 0")
		}
		return a.err
	default:
		return nil
	}
}

func (a *app) stop() { stopGroup(a.cmd.Process.Pid, a.done) }

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
