package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The systems of the benchmark's axis: one per sender, the desk and the
// listed system. Secrets are derived from the ids: the axis runs on
// 127.0.0.1 for the length of the benchmark only.
func senderSystem(o org) string { return "sender-" + strings.ReplaceAll(o.Code, ".", "-") }

const (
	deskSystem = "bench-desk"
	listSystem = "bench-list"
)

func secretOf(id string) string {
	sum := sha256.Sum256([]byte("axisbench secret of " + id))
	return hex.EncodeToString(sum[:16])
}

// The rate limits: every system gets axisd's --rate, except the two the
// benchmark drives, which the systems file lets through at a rate far
// above what is measured (the limiter still runs on each request).
const (
	defaultRate = 50
	benchRate   = 1e6
)

// writeSystems writes axisd's systems file.
func writeSystems(path string) error {
	type sys struct {
		ID     string  `json:"id"`
		Secret string  `json:"secret"`
		Agency string  `json:"agency"`
		Name   string  `json:"name"`
		Rate   float64 `json:"rate,omitempty"`
		Burst  int     `json:"burst,omitempty"`
	}
	var f struct {
		Systems []sys `json:"systems"`
	}
	for _, s := range senders {
		// Seeding sends as fast as the axis takes packets.
		f.Systems = append(f.Systems, sys{ID: senderSystem(s), Secret: secretOf(senderSystem(s)), Agency: s.Code, Name: s.Name, Rate: benchRate, Burst: 1000})
	}
	f.Systems = append(f.Systems,
		sys{ID: deskSystem, Secret: secretOf(deskSystem), Agency: deskOrg.Code, Name: deskOrg.Name, Rate: benchRate, Burst: 1000},
		sys{ID: listSystem, Secret: secretOf(listSystem), Agency: listOrg.Code, Name: listOrg.Name, Rate: benchRate, Burst: 1000})
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// build builds the commands the benchmark runs (without the race
// detector, as they are shipped) into dir.
func build(ctx context.Context, dir string) (axisd, vanthuctl string, err error) {
	axisd, vanthuctl = filepath.Join(dir, "axisd"), filepath.Join(dir, "vanthuctl")
	for pkg, out := range map[string]string{"github.com/vanthu/vanthu/cmd/axisd": axisd, "github.com/vanthu/vanthu/cmd/vanthuctl": vanthuctl} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return "", "", fmt.Errorf("building %s (run axisbench inside the module, or give --axisd and --vanthuctl): %w", pkg, err)
		}
	}
	return axisd, vanthuctl, nil
}

// axisd is a running axisd process.
type axisd struct {
	cmd  *exec.Cmd
	url  string
	logs string
	done chan error
}

// startAxisd runs axisd with args (and --listen 127.0.0.1:0), its log in
// logFile, and waits until it listens.
func startAxisd(ctx context.Context, bin, logFile string, env []string, args ...string) (*axisd, error) {
	lf, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"--listen", "127.0.0.1:0"}, args...)...) //nolint:gosec // the binary under test, given or built by the benchmark
	cmd.Env = append(os.Environ(), env...)
	pr, pw, err := os.Pipe()
	if err != nil {
		lf.Close()
		return nil, err
	}
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		lf.Close()
		pr.Close()
		pw.Close()
		return nil, fmt.Errorf("starting axisd: %w", err)
	}
	pw.Close()
	d := &axisd{cmd: cmd, logs: logFile, done: make(chan error, 1)}
	addr := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		defer lf.Close()
		br := bufio.NewReaderSize(pr, 64<<10)
		found := false
		for {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 {
				_, _ = lf.Write(line)
				if !found {
					var rec struct{ Msg, Addr string }
					if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" && rec.Addr != "" {
						found = true
						addr <- rec.Addr
					}
				}
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		err := cmd.Wait()
		<-copied
		pr.Close()
		d.done <- err
	}()
	select {
	case a := <-addr:
		d.url = "http://" + a
	case err := <-d.done:
		d.done <- err
		return nil, fmt.Errorf("axisd stopped before it listened (%w); its log: %s\n%s", err, logFile, tailFile(logFile, 2000))
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("axisd did not listen within a minute; its log: %s", logFile)
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		return nil, ctx.Err()
	}
	return d, nil
}

// peakRSS returns the process's peak resident set size in bytes (VmHWM).
func (d *axisd) peakRSS() int64 { return procPeakRSS(d.cmd.Process.Pid) }

// stop ends axisd with SIGTERM (SIGKILL after a minute).
func (d *axisd) stop() error {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		if err != nil {
			return fmt.Errorf("axisd: %w; its log: %s", err, d.logs)
		}
		return nil
	case <-time.After(time.Minute):
		_ = d.cmd.Process.Kill()
		return fmt.Errorf("axisd did not stop within a minute of SIGTERM, and was killed: %w", <-d.done)
	}
}

// procPeakRSS reads VmHWM of a process (0 when it cannot).
func procPeakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// metric reads one counter of axisd's /metrics (0 when absent).
func metric(ctx context.Context, url, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/metrics", nil) //nolint:gosec // the axisd this benchmark started, on 127.0.0.1
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req) //nolint:gosec // likewise
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(rest), 64)
		}
	}
	return 0, nil
}

func tailFile(path string, n int) string {
	b, _ := os.ReadFile(path)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// splitPassword takes the password out of a DSN, for PGPASSWORD.
func splitPassword(dsn string) (string, string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", errors.New("the PostgreSQL DSN is not a URL")
	}
	pw, _ := u.User.Password()
	u.User = url.User(u.User.Username())
	return u.String(), pw, nil
}

// procCPU returns a process's user and system time so far (0 when it
// cannot be read).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times (100 on Linux).
const clockTicks = 100
