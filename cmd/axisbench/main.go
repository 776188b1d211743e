// Command axisbench measures the axis as processes, against the goals of
// the project:
//
//   - axisd's getReceivedEdocList under concurrent clients: wrk (Debian
//     package) with -c clients on -t threads, every request carrying
//     header sets signed just before the run, each with its own request id
//     and HMAC, so that axisd really verifies each one and its replay
//     memory records each one (goal: ≥ 2,000 requests/s with a p99 of at
//     most 100 ms for 200 clients);
//   - a vanthuctl sync --once on a fresh desk of a queue of packets of
//     about 100 KB until all are stored and acknowledged (goal: 10,000
//     packets in at most 30 s), with the client's peak RSS (GNU time).
//
// Each runs with axisd's SQLite store and with PostgreSQL (a private
// server started for the run and removed afterwards, see pgtest). The
// queues are filled through axisd's sendEdoc beforehand, not timed.
//
//	axisbench [--stores sqlite,postgres] [--packets 10000] [--packet-kb 100]
//	          [--pending 1000] [--clients 200] [--threads 2] [--duration 10s]
//	          [--text] [--dir DIR] [--axisd BIN --vanthuctl BIN]
//
// `make bench-axis` runs it from the module's root.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/vanthu/vanthu/inbox/axis/hub/pgstore/pgtest"
)

// The goals (issue 4 §5).
const (
	goalRPS      = 2000
	goalP99      = 100 * time.Millisecond
	goalSyncWall = 30 * time.Second
	goalPackets  = 10000
)

// config is the command line.
type config struct {
	stores    []string
	packets   int
	packetKB  int
	pending   int
	clients   int
	threads   int
	duration  time.Duration
	maxRate   int
	withText  bool
	dir       string
	axisd     string
	vanthuctl string
	pgConns   int
	seeders   int
	list      bool   // measure the list
	sync      bool   // measure the sync
	encodings []bool // wrk runs accepting gzip (true) or not
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "axisbench:", err)
		}
		os.Exit(1)
	}
}

func parse(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("axisbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stores := fs.String("stores", "sqlite,postgres", "axisd stores to measure: sqlite, postgres or both")
	fs.IntVar(&c.packets, "packets", goalPackets, "packets the sync receives")
	fs.IntVar(&c.packetKB, "packet-kb", 100, "size of each packet in KB (1024 bytes)")
	fs.IntVar(&c.pending, "pending", 1000, "packets waiting in the listed queue")
	fs.IntVar(&c.clients, "clients", 200, "concurrent wrk connections")
	fs.IntVar(&c.threads, "threads", runtime.NumCPU(), "wrk threads")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "length of the wrk run")
	fs.IntVar(&c.maxRate, "max-rate", 20000, "requests per second the pre-signed header sets are made for (beyond it they run out and are counted)")
	fs.BoolVar(&c.withText, "text", false, "sync with the text of PDF attachments indexed (vanthuctl sync's default; slower) instead of --no-text")
	fs.StringVar(&c.dir, "dir", "", "work directory (default: a new directory in the temp dir, on disk as a desk is)")
	fs.StringVar(&c.axisd, "axisd", "", "axisd binary (default: built from ./cmd/axisd)")
	fs.StringVar(&c.vanthuctl, "vanthuctl", "", "vanthuctl binary (default: built from ./cmd/vanthuctl)")
	fs.IntVar(&c.pgConns, "postgres-conns", 0, "axisd --postgres-conns (0: axisd's default)")
	fs.IntVar(&c.seeders, "seeders", 8, "concurrent sendEdoc calls filling the queues")
	only := fs.String("only", "", "measure only list or sync")
	encodings := fs.String("encodings", "gzip,identity", "wrk runs: requests accepting gzip (as Go's HTTP client sends them), plain (identity), or both")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for _, e := range strings.Split(*encodings, ",") {
		switch e = strings.TrimSpace(e); e {
		case "gzip", "identity":
			c.encodings = append(c.encodings, e == "gzip")
		default:
			return nil, fmt.Errorf("--encodings: %q is neither gzip nor identity", e)
		}
	}
	switch *only {
	case "":
		c.list, c.sync = true, true
	case "list":
		c.list = true
	case "sync":
		c.sync = true
	default:
		return nil, fmt.Errorf("--only: %q is neither list nor sync", *only)
	}
	for _, s := range strings.Split(*stores, ",") {
		switch s = strings.TrimSpace(s); s {
		case "sqlite", "postgres":
			c.stores = append(c.stores, s)
		default:
			return nil, fmt.Errorf("--stores: %q is neither sqlite nor postgres", s)
		}
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.packets < 1 || c.packetKB < 1 || c.pending < 1 || c.clients < 1 || c.threads < 1 || c.seeders < 1:
		return nil, errors.New("--packets, --packet-kb, --pending, --clients, --threads and --seeders must be positive")
	case c.threads > c.clients:
		return nil, errors.New("--threads must not exceed --clients")
	case c.duration < time.Second:
		return nil, errors.New("--duration must be at least 1s")
	case c.maxRate < 1:
		return nil, errors.New("--max-rate must be positive")
	case (c.axisd == "") != (c.vanthuctl == ""):
		return nil, errors.New("give --axisd and --vanthuctl together (or neither, to build both)")
	}
	return c, nil
}

// storeResult is what one store measured.
type storeResult struct {
	store     string
	list      []listResult
	listSeed  seedResult
	sync      syncResult
	syncSeed  seedResult
	serverRSS int64
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parse(args, stderr)
	if err != nil {
		return err
	}
	for _, tool := range []string{"wrk", "/usr/bin/time"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: run make deps (Debian packages wrk and time)", tool)
		}
	}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "axisbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		c.dir = d
	} else if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	if c.axisd == "" {
		fmt.Fprintln(stderr, "axisbench: building axisd and vanthuctl")
		if c.axisd, c.vanthuctl, err = build(ctx, c.dir); err != nil {
			return err
		}
	}
	fmt.Fprintln(stderr, "axisbench: making the packets (signed dispatches, scanned appendices)")
	m, err := newPacketMaker(ctx, c.dir, c.packetKB<<10)
	if err != nil {
		return err
	}
	defer m.Close()

	var results []storeResult
	for _, store := range c.stores {
		r, err := measureStore(ctx, c, m, store, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", store, err)
		}
		results = append(results, r)
	}
	report(stdout, c, results)
	return nil
}

// measureStore starts axisd on a fresh store, measures the list under
// load, then the sync, and stops it.
func measureStore(ctx context.Context, c *config, m *packetMaker, store string, stderr io.Writer) (storeResult, error) {
	res := storeResult{store: store}
	dir := filepath.Join(c.dir, store)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	systems := filepath.Join(dir, "systems.json")
	if err := writeSystems(systems); err != nil {
		return res, err
	}
	args := []string{"--systems", systems, "--rate", fmt.Sprint(defaultRate)}
	var env []string
	switch store {
	case "sqlite":
		args = append(args, "--db", filepath.Join(dir, "axis.db"))
	case "postgres":
		fmt.Fprintln(stderr, "axisbench: starting a private PostgreSQL server")
		pg, err := pgtest.StartServer(ctx)
		if err != nil {
			return res, err
		}
		defer func() {
			if err := pg.Stop(); err != nil {
				fmt.Fprintln(stderr, "axisbench: stopping PostgreSQL:", err)
			}
		}()
		dsn, err := pg.CreateDatabase(ctx, "axisbench")
		if err != nil {
			return res, err
		}
		dsn, password, err := splitPassword(dsn)
		if err != nil {
			return res, err
		}
		env = append(env, "PGPASSWORD="+password) // not on the command line, where ps shows it
		args = append(args, "--postgres", dsn)
		if c.pgConns > 0 {
			args = append(args, "--postgres-conns", fmt.Sprint(c.pgConns))
		}
	}
	d, err := startAxisd(ctx, c.axisd, filepath.Join(dir, "axisd.log"), env, args...)
	if err != nil {
		return res, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = d.stop()
		}
	}()

	if c.list {
		if err := measureList(ctx, c, m, d, dir, &res, stderr); err != nil {
			return res, err
		}
	}
	if c.sync {
		fmt.Fprintf(stderr, "axisbench: %s: filling the desk's queue with %d packets of %d KB\n", store, c.packets, c.packetKB)
		if res.syncSeed, err = seed(ctx, d.url, m, c.pending, c.packets, deskOrg, c.seeders); err != nil {
			return res, err
		}
		fmt.Fprintf(stderr, "axisbench: %s: vanthuctl sync --once\n", store)
		if res.sync, err = runSync(ctx, dir, c.vanthuctl, d.url, d.cmd.Process.Pid, m, c.packets, res.syncSeed.Bytes, c.withText); err != nil {
			return res, err
		}
	}
	res.serverRSS = d.peakRSS()
	stopped = true
	if err := d.stop(); err != nil {
		return res, err
	}
	return res, nil
}

// measureList fills the listed system's queue and runs wrk.
func measureList(ctx context.Context, c *config, m *packetMaker, d *axisd, dir string, res *storeResult, stderr io.Writer) error {
	store := res.store
	var err error
	fmt.Fprintf(stderr, "axisbench: %s: filling the listed queue with %d packets\n", store, c.pending)
	if res.listSeed, err = seed(ctx, d.url, m, 0, c.pending, listOrg, c.seeders); err != nil {
		return err
	}
	for _, gz := range c.encodings {
		perThread := (int(c.duration.Seconds())*c.maxRate + c.threads - 1) / c.threads
		fmt.Fprintf(stderr, "axisbench: %s: signing %d header sets\n", store, perThread*c.threads)
		files, err := presign(dir, c.threads, perThread, gz)
		if err != nil {
			return err
		}
		before, err := metric(ctx, d.url, `axis_requests_total{call="getReceivedEdocList",code="0"}`)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "axisbench: %s: wrk, %d clients for %s (gzip accepted: %v)\n", store, c.clients, c.duration, gz)
		l, err := runWrk(ctx, dir, d.url, c.threads, c.clients, c.duration, files)
		if err != nil {
			return err
		}
		after, err := metric(ctx, d.url, `axis_requests_total{call="getReceivedEdocList",code="0"}`)
		if err != nil {
			return err
		}
		l.Gzip, l.Verified, l.Pending, l.Listed = gz, int64(after-before), c.pending, min(c.pending, 500)
		res.list = append(res.list, l)
		for _, f := range files {
			_ = os.Remove(f)
		}
	}
	return nil
}

// report prints the figures side by side with the goals.
func report(w io.Writer, c *config, results []storeResult) {
	host, _ := os.Hostname()
	fmt.Fprintf(w, "axisbench — %s, %s, %d CPUs, %s\n\n", time.Now().Format("2006-01-02"), host, runtime.NumCPU(), runtime.Version())
	if c.list {
		fmt.Fprintf(w, "getReceivedEdocList: wrk -t%d -c%d -d%s, every request signed with its own request id; %d pending, %d listed per answer\n",
			c.threads, c.clients, c.duration, c.pending, min(c.pending, 500))
		fmt.Fprintf(w, "%-9s %-9s %9s %9s %10s %10s %10s %8s %8s %10s %12s %12s\n", "store", "encoding", "KB/answer", "requests", "req/s", "p50", "p99",
			"non-2xx", "errors", "verified", "req/s÷goal", "p99÷goal")
		for _, r := range results {
			for _, l := range r.list {
				enc := "identity"
				if l.Gzip {
					enc = "gzip"
				}
				kb := 0.0
				if l.Requests > 0 {
					kb = float64(l.Bytes) / float64(l.Requests) / 1024
				}
				fmt.Fprintf(w, "%-9s %-9s %9.1f %9d %10.0f %10s %10s %8d %8d %10d %11.2f× %11.2f×\n", r.store, enc, kb, l.Requests, l.RPS, ms(l.P50), ms(l.P99),
					l.Non2xx, l.SockErrs, l.Verified, l.RPS/goalRPS, l.P99.Seconds()/goalP99.Seconds())
				if l.Exhausted > 0 {
					fmt.Fprintf(w, "          (%d requests after the pre-signed sets ran out: replays, refused; raise --max-rate)\n", l.Exhausted)
				}
			}
		}
		fmt.Fprintf(w, "goal: ≥ %d req/s and p99 ≤ %s (req/s÷goal ≥ 1 and p99÷goal ≤ 1 meet it)\n\n", goalRPS, ms(goalP99))

	}
	if c.sync {
		text := "--no-text"
		if c.withText {
			text = "text indexed"
		}
		fmt.Fprintf(w, "vanthuctl sync --once (%s), fresh desk, packets of %d KB; client peak RSS from GNU time\n", text, c.packetKB)
		fmt.Fprintf(w, "%-9s %8s %8s %9s %10s %7s %11s %11s %11s %11s %10s %10s\n", "store", "packets", "MB", "wall", "packets/s", "MB/s",
			"client RSS", "client CPU", "axisd RSS", "axisd CPU", "sent back", "wall÷goal")
		goal := goalSyncWall.Seconds() * float64(c.packets) / goalPackets
		for _, r := range results {
			s := r.sync
			mb := float64(s.Bytes) / (1 << 20)
			fmt.Fprintf(w, "%-9s %8d %8.1f %8.2fs %10.0f %7.1f %9.1fMB %10.1fs %9.1fMB %10.1fs %10d %9.2f×\n", r.store, s.Packets, mb, s.Wall.Seconds(),
				float64(s.Packets)/s.Wall.Seconds(), mb/s.Wall.Seconds(), float64(s.RSS)/(1<<20), s.CPU.Seconds(),
				float64(r.serverRSS)/(1<<20), s.AxisCPU.Seconds(), s.Sent, s.Wall.Seconds()/goal)
		}
		fmt.Fprintf(w, "goal: %d packets of 100 KB in ≤ %s (scaled to %d packets: %.2fs; wall÷goal ≤ 1 meets it)\n\n", goalPackets, goalSyncWall, c.packets, goal)
	}
	fmt.Fprintln(w, "queues filled through sendEdoc (not timed):")
	for _, r := range results {
		for _, s := range []seedResult{r.listSeed, r.syncSeed} {
			if s.Packets == 0 {
				continue
			}
			fmt.Fprintf(w, "%-9s %8d packets, %8.1f MB in %7.2fs: %6.0f packets/s, %6.1f MB/s\n", r.store, s.Packets, float64(s.Bytes)/(1<<20),
				s.Took.Seconds(), float64(s.Packets)/s.Took.Seconds(), float64(s.Bytes)/(1<<20)/s.Took.Seconds())
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
