package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
)

// The screen of the virtual X server the real-window test runs on: larger
// than the window the app asks for, so that the whole window is visible.
const (
	screenW, screenH = 1600, 1000
	// traceEnv is app.TraceEnv (the test does not import the GUI package).
	traceEnv = "VANTHU_TRACE"
)

// The real app, built with cgo and run under Xvfb in demo mode on a fresh
// data directory: its window is drawn (the expected size, many colours),
// it is still running after 10 s, and a click on the first unread row of
// the list marks that document read in the store.
func TestRealWindow(t *testing.T) {
	needTools(t, "Xvfb", "xdotool", "import")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	work := t.TempDir()
	bin := buildApp(ctx, t, work)
	display := startXvfb(ctx, t, work)

	data := filepath.Join(work, "data")
	app := startApp(t, bin, display, work, "--demo", "--data", data)
	started := time.Now()

	painted := app.waitTrace(t, "list-painted", 75*time.Second)
	t.Logf("first list page painted %v after start (app: %s)", time.Since(started).Round(time.Millisecond), painted.raw)

	// The window: where the X server has it, and its size as the app sees it.
	_, geo := windowGeometry(ctx, t, display, app.pid())
	winW, winH := painted.size(t, "win")
	if geo.Dx() != winW || geo.Dy() != winH {
		t.Errorf("window geometry %v, the app reports %dx%d", geo, winW, winH)
	}
	if winW < 1000 || winH < 600 {
		t.Errorf("window is %dx%d, want at least 1000x600 (the app asks for 1200x720)", winW, winH)
	}

	shot := filepath.Join(work, "screen.png")
	runTool(ctx, t, display, "import", "-window", "root", shot)
	img := decodePNG(t, shot)
	if b := img.Bounds(); b.Dx() != screenW || b.Dy() != screenH {
		t.Fatalf("screenshot is %v, want the %dx%d screen", b, screenW, screenH)
	}
	win := geo.Intersect(img.Bounds())
	if n := distinctColours(img, win, 64); n < 16 {
		t.Errorf("the window area %v holds %d distinct colours, want a drawn window (at least 16)", win, n)
	}
	if n := distinctColours(img, image.Rect(geo.Max.X, 0, screenW, screenH), 64); geo.Max.X < screenW && n != 1 {
		t.Errorf("the screen right of the window holds %d colours, want the empty X background (1)", n)
	}

	if wait := 10*time.Second - time.Since(started); wait > 0 {
		time.Sleep(wait)
	}
	if err := app.exited(); err != nil {
		t.Fatalf("the app stopped within 10 s: %v", err)
	}

	// The action: a click on the subject of the first unread document in the
	// list opens it, which marks it read.
	doc := painted.int64(t, "doc")
	if !painted.bool(t, "unread") {
		t.Fatalf("the first list page has no unread document to open: %s", painted.raw)
	}
	store, err := inbox.Open(ctx, filepath.Join(data, "desk"), inbox.Options{})
	if err != nil {
		t.Fatalf("open the app's store: %v", err)
	}
	defer store.Close()
	if d, err := store.Get(ctx, doc); err != nil || d.Read {
		t.Fatalf("before the click: document %d read = %v, err = %v; want unread", doc, d != nil && d.Read, err)
	}
	x, y := geo.Min.X+painted.int(t, "x"), geo.Min.Y+painted.int(t, "y")
	runTool(ctx, t, display, "xdotool", "mousemove", "--sync", strconv.Itoa(x), strconv.Itoa(y), "click", "1")
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := store.Get(ctx, doc)
		if err != nil {
			t.Fatalf("read document %d: %v", doc, err)
		}
		if d.Read {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("document %d is still unread 20 s after clicking its row at (%d, %d)", doc, x, y)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := app.exited(); err != nil {
		t.Fatalf("the app stopped after the click: %v", err)
	}
}

// needTools fails (not skips) when a program the test needs is missing.
func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Fatalf("%s is not installed; run `make deps` (it installs xvfb, xauth, imagemagick and xdotool)", n)
		}
	}
}

// buildApp builds the desktop app with cgo into dir.
func buildApp(ctx context.Context, t *testing.T, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	bin := filepath.Join(dir, "vanthu")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build (cgo): %v\n%s", err, out)
	}
	return bin
}

// startXvfb starts a virtual X server on a free display; it is stopped
// when the test ends.
func startXvfb(ctx context.Context, t *testing.T, dir string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", screenW, screenH),
		"-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.Create(filepath.Join(dir, "xvfb.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	t.Cleanup(func() { stop(cmd.Process.Pid, done) })
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
	}()
	select {
	case n := <-num:
		if n == "" {
			log, _ := os.ReadFile(filepath.Join(dir, "xvfb.log"))
			t.Fatalf("Xvfb did not start:\n%s", log)
		}
		return ":" + n
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not report its display within 30 s")
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	return ""
}

// stop ends a process group: SIGTERM, then SIGKILL after 5 s.
func stop(pid int, done <-chan struct{}) {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-done:
		return
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-done
}

// runningApp is the app under test with its output.
type runningApp struct {
	cmd    *exec.Cmd
	done   chan struct{}
	err    error
	mu     sync.Mutex
	out    strings.Builder
	traces chan traceLine
}

// startApp runs bin on display with a private home (preferences, caches)
// and tracing on; it is stopped when the test ends.
func startApp(t *testing.T, bin, display, dir string, args ...string) *runningApp {
	t.Helper()
	home := filepath.Join(dir, "home")
	runtimeDir := filepath.Join(dir, "run")
	for _, d := range []string{home, filepath.Join(home, ".cache"), filepath.Join(home, ".config"), filepath.Join(home, ".local", "share"), runtimeDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_RUNTIME_DIR="+runtimeDir, "LANG=en_US.UTF-8", traceEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	a := &runningApp{cmd: cmd, done: make(chan struct{}), traces: make(chan traceLine, 16)}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the app: %v", err)
	}
	go func() {
		a.err = cmd.Wait()
		pw.Close()
		close(a.done)
	}()
	go a.read(pr)
	t.Cleanup(func() {
		stop(cmd.Process.Pid, a.done)
		if t.Failed() {
			t.Logf("the app's output:\n%s", a.output())
		}
	})
	return a
}

func (a *runningApp) pid() int { return a.cmd.Process.Pid }

func (a *runningApp) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		a.mu.Lock()
		a.out.WriteString(line + "\n")
		a.mu.Unlock()
		if rest, ok := strings.CutPrefix(line, "vanthu-trace "); ok {
			event, fields, _ := strings.Cut(rest, " ")
			select {
			case a.traces <- parseTrace(event, fields, line):
			default:
			}
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

func (a *runningApp) output() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.out.String()
}

// exited is nil while the app runs, else why it stopped.
func (a *runningApp) exited() error {
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

// waitTrace waits for the trace line of event.
func (a *runningApp) waitTrace(t *testing.T, event string, limit time.Duration) traceLine {
	t.Helper()
	timeout := time.After(limit)
	for {
		select {
		case l := <-a.traces:
			if l.event == event {
				return l
			}
		case <-a.done:
			t.Fatalf("the app exited (%v) before %q", a.err, event)
		case <-timeout:
			// A goroutine dump shows where it is stuck (Go prints it on SIGQUIT).
			_ = a.cmd.Process.Signal(syscall.SIGQUIT)
			select {
			case <-a.done:
			case <-time.After(5 * time.Second):
			}
			t.Fatalf("no %q from the app within %v (its output below ends with a goroutine dump)", event, limit)
		}
	}
}

// traceLine is one "vanthu-trace EVENT k=v ..." line.
type traceLine struct {
	event  string
	fields map[string]string
	raw    string
}

func parseTrace(event, fields, raw string) traceLine {
	l := traceLine{event: event, fields: map[string]string{}, raw: raw}
	for _, f := range strings.Fields(fields) {
		if k, v, ok := strings.Cut(f, "="); ok {
			l.fields[k] = v
		}
	}
	return l
}

func (l traceLine) int(t *testing.T, key string) int {
	t.Helper()
	n, err := strconv.Atoi(l.fields[key])
	if err != nil {
		t.Fatalf("trace %q: field %s: %v", l.raw, key, err)
	}
	return n
}

func (l traceLine) int64(t *testing.T, key string) int64 { return int64(l.int(t, key)) }

func (l traceLine) bool(t *testing.T, key string) bool {
	t.Helper()
	b, err := strconv.ParseBool(l.fields[key])
	if err != nil {
		t.Fatalf("trace %q: field %s: %v", l.raw, key, err)
	}
	return b
}

func (l traceLine) size(t *testing.T, key string) (int, int) {
	t.Helper()
	w, h, ok := strings.Cut(l.fields[key], "x")
	wi, err1 := strconv.Atoi(w)
	hi, err2 := strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("trace %q: field %s is not WxH", l.raw, key)
	}
	return wi, hi
}

// runTool runs an X client on display.
func runTool(ctx context.Context, t *testing.T, display, name string, args ...string) string {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr)
	}
	return string(out)
}

var geometryRE = regexp.MustCompile(`(?s)Position: (-?\d+),(-?\d+).*Geometry: (\d+)x(\d+)`)

// windowGeometry finds the app's window (by its process id) and returns
// its id and its rectangle on the screen.
func windowGeometry(ctx context.Context, t *testing.T, display string, pid int) (string, image.Rectangle) {
	t.Helper()
	ids := strings.Fields(runTool(ctx, t, display, "xdotool", "search", "--onlyvisible", "--pid", strconv.Itoa(pid)))
	if len(ids) == 0 {
		ids = strings.Fields(runTool(ctx, t, display, "xdotool", "search", "--onlyvisible", "--name", "Vanthu"))
	}
	if len(ids) == 0 {
		t.Fatal("no visible window of the app")
	}
	wid := ids[0]
	m := geometryRE.FindStringSubmatch(runTool(ctx, t, display, "xdotool", "getwindowgeometry", wid))
	if m == nil {
		t.Fatalf("xdotool getwindowgeometry %s: unexpected output", wid)
	}
	n := make([]int, 4)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	return wid, image.Rect(n[0], n[1], n[0]+n[2], n[1]+n[3])
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode the screenshot %s: %v", path, err)
	}
	return img
}

// distinctColours counts the distinct colours in r, stopping at limit.
func distinctColours(img image.Image, r image.Rectangle, limit int) int {
	seen := map[[4]uint32]bool{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, ca := img.At(x, y).RGBA()
			seen[[4]uint32{cr, cg, cb, ca}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}
