package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/courier"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/inbox/pdftext"
	"github.com/vanthu/vanthu/internal/gctune"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/trust"
)

// axisFlags name the axis and this desk's system on it; what is not given
// comes from DATA/config.json.
type axisFlags struct {
	url, systemID, secretFile, ca *string
	save                          *bool
}

func addAxisFlags(fs *flag.FlagSet) axisFlags {
	return axisFlags{
		url:        fs.String("axis", "", "the axis's endpoint, e.g. https://truc.example.gov.vn/vxp (default: from config.json)"),
		systemID:   fs.String("system-id", "", "this desk's system id on the axis (default: from config.json)"),
		secretFile: fs.String("secret-file", "", "file holding the system's secret (default: from config.json; else asked without echo)"),
		ca:         fs.String("ca", "", "PEM file of the roots the axis's TLS certificate is checked against (default: the system's)"),
		save:       fs.Bool("save", false, "remember --axis, --system-id, --secret-file and --ca in config.json (never the secret)"),
	}
}

// syncSetup is how the engine of a desk is made.
type syncSetup struct {
	axis     axisFlags
	interval time.Duration
	withText bool
	logger   *slog.Logger
}

// newEngine makes the desk's sync engine: the axis client from the flags
// and config.json, the secret read from its file or asked for, the
// importer checking signatures against the desk's trusted roots. close
// releases what it opened.
func newEngine(ctx context.Context, e *env, d *deskEnv, s syncSetup) (eng *courier.Engine, closeFn func(), err error) {
	closeFn = func() {}
	cfg := d.cfg
	pick := func(flagVal *string, cfgVal string) string {
		if *flagVal != "" {
			return *flagVal
		}
		return cfgVal
	}
	url, systemID := pick(s.axis.url, cfg.Axis), pick(s.axis.systemID, cfg.SystemID)
	secretFile, ca := pick(s.axis.secretFile, cfg.SecretFile), pick(s.axis.ca, cfg.CA)
	if *s.axis.save {
		abs := func(p string) string {
			if p == "" {
				return ""
			}
			if a, err := filepath.Abs(p); err == nil {
				return a
			}
			return p
		}
		cfg.Axis, cfg.SystemID, cfg.SecretFile, cfg.CA = url, systemID, abs(secretFile), abs(ca)
		if err := saveConfig(d.dir, cfg); err != nil {
			return nil, closeFn, err
		}
		d.cfg = cfg
	}
	opts := courier.Options{
		Store: d.store, From: cfg.Agency.Code, DataDir: d.dir, Interval: s.interval, Logger: s.logger,
	}
	if url == "" || systemID == "" {
		return nil, closeFn, usageErr("no axis: give --axis URL and --system-id ID (--save keeps them in config.json)")
	}
	secret, err := readSecret(e, secretFile, "secret of system "+systemID)
	if err != nil {
		return nil, closeFn, err
	}
	if len(secret) == 0 {
		return nil, closeFn, usageErr("the secret of system %s is empty", systemID)
	}
	tr, err := axis.NewVXP(url, axis.Credentials{SystemID: systemID, Secret: secret}, axis.VXPOptions{CAFile: ca})
	zero(secret) // NewVXP keeps its own copy
	if err != nil {
		return nil, closeFn, usageErr("%v", err)
	}
	opts.Axis = axis.NewClient(tr, axis.ClientOptions{Logger: s.logger})
	roots, err := trust.LoadPEM(cfg.Trust...)
	if err != nil {
		return nil, closeFn, err
	}
	im := &inbox.Importer{Store: d.store, Verify: signing.VerifyOptions{Roots: roots}}
	if s.withText {
		ext, err := pdftext.New(ctx, pdftext.Options{CacheDir: cacheDir()})
		if err != nil {
			fmt.Fprintf(e.stderr, "vanthuctl: the text of PDF files will not be indexed: %v\n", err)
		} else {
			im.Text = ext
			closeFn = func() { ext.Close() }
		}
	}
	opts.Importer = im
	eng, err = courier.New(opts)
	if err != nil {
		closeFn()
		return nil, func() {}, err
	}
	return eng, closeFn, nil
}

func newLogger(w io.Writer, verbose bool, watch bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose || watch {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// cmdSync runs the sync engine: one pass (--once, the default) or passes
// until interrupted (--watch).
func cmdSync(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dir, as := inboxFlags(fs)
	once := fs.Bool("once", false, "make one pass and exit (the default)")
	watch := fs.Bool("watch", false, "sync until interrupted, every --interval and at once when the axis comes back")
	interval := fs.Duration("interval", time.Minute, "time between passes with --watch")
	asJSON := fs.Bool("json", false, "print the pass's report as JSON")
	verbose := fs.Bool("v", false, "log what the engine does on stderr")
	noText := fs.Bool("no-text", false, "do not index the text of received PDF files (faster)")
	af := addAxisFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 0:
		return usageErr("sync takes no arguments")
	case *once && *watch:
		return usageErr("--once or --watch, not both")
	case *interval <= 0:
		return usageErr("--interval must be positive")
	}
	d, err := openDesk(ctx, *dir, *as)
	if err != nil {
		return err
	}
	defer d.store.Close()
	if err := d.needAgency(); err != nil {
		return err
	}
	gctune.ForThroughput(256 << 20)
	eng, closeEngine, err := newEngine(ctx, e, d, syncSetup{axis: af, interval: *interval, withText: !*noText,
		logger: newLogger(e.stderr, *verbose, *watch)})
	if err != nil {
		return err
	}
	defer closeEngine()
	if *watch {
		ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
		defer stop()
		if err := eng.Run(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		st := eng.Status(context.WithoutCancel(ctx))
		fmt.Fprintf(e.stdout, "stopped; %d packets wait to be sent, %d refused\n", st.Outbox, st.OutboxFailed)
		return nil
	}
	rep, err := eng.Once(ctx)
	if *asJSON {
		out := struct {
			courier.Report
			Error string `json:"error,omitempty"`
		}{Report: rep}
		if err != nil {
			out.Error = err.Error()
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(out); jerr != nil {
			return jerr
		}
	} else {
		printReport(e.stdout, rep)
	}
	switch {
	case errors.Is(err, courier.ErrNoAxis):
		return usageErr("%v", err)
	case err != nil:
		return &exitError{code: 1, err: err}
	case rep.Failures() > 0:
		return &exitError{code: 1, err: fmt.Errorf("%d packets did not go through (see vanthuctl outbox, and DATA/quarantine)", rep.Failures())}
	}
	return nil
}

func printReport(w io.Writer, r courier.Report) {
	fmt.Fprintf(w, "received %d documents and %d statuses (%d seen before), sent %d packets; %d packets wait to be sent",
		r.Received, r.Statuses, r.Duplicates, r.Sent, r.Outbox)
	var more []string
	if r.Offline {
		more = append(more, "the axis could not be reached")
	}
	if r.Quarantined > 0 {
		more = append(more, fmt.Sprintf("%d bad packets refused and kept in quarantine", r.Quarantined))
	}
	if r.Refused > 0 {
		more = append(more, fmt.Sprintf("%d packets refused by the axis", r.Refused))
	}
	if r.Postponed > 0 {
		more = append(more, fmt.Sprintf("%d sends postponed", r.Postponed))
	}
	if r.Retry > 0 {
		more = append(more, fmt.Sprintf("%d packets left for the next pass", r.Retry))
	}
	if r.Waiting > 0 {
		more = append(more, fmt.Sprintf("%d recall requests wait for their document", r.Waiting))
	}
	if len(more) > 0 {
		fmt.Fprintf(w, "; %s", strings.Join(more, "; "))
	}
	fmt.Fprintln(w)
}

// cmdSend queues an issued document for (more) recipients.
func cmdSend(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dir, as := inboxFlags(fs)
	to := fs.String("to", "", "recipients: organisation codes separated by commas")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos)
	if err != nil {
		return err
	}
	var orgs []inbox.Organization
	for c := range strings.SplitSeq(*to, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if err := edxml.ValidateOrganID(c); err != nil {
			return usageErr("%v", err)
		}
		orgs = append(orgs, inbox.Organization{Code: c})
	}
	if len(orgs) == 0 {
		return usageErr("send wants --to CODE[,CODE...]")
	}
	d, err := openDesk(ctx, *dir, *as)
	if err != nil {
		return err
	}
	defer d.store.Close()
	if err := d.needAgency(); err != nil {
		return err
	}
	if dirs, err := courier.OpenDirectory(d.dir); err == nil {
		for i := range orgs {
			if a, ok := dirs.Lookup(orgs[i].Code); ok {
				orgs[i].Name = a.Name
			}
		}
	}
	rows, err := d.store.Resend(ctx, id, d.actor, orgs)
	if err != nil {
		return err
	}
	names := make([]string, len(orgs))
	for i, o := range orgs {
		names[i] = o.Code
		if o.Name != "" {
			names[i] += " (" + o.Name + ")"
		}
	}
	fmt.Fprintf(e.stdout, "document %d queued for %s (%d packets); vanthuctl sync sends them\n", id, strings.Join(names, ", "), len(rows))
	return nil
}

// cmdAgencies lists (and with --refresh fetches) the agency directory.
func cmdAgencies(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("agencies", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dir, as := inboxFlags(fs)
	refresh := fs.Bool("refresh", false, "fetch the directory from the axis first")
	limit := fs.Int("limit", 0, "at most N agencies (0: all)")
	asJSON := fs.Bool("json", false, "print JSON")
	af := addAxisFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var dirs *courier.Directory
	if *refresh {
		d, err := openDesk(ctx, *dir, *as)
		if err != nil {
			return err
		}
		defer d.store.Close()
		if err := d.needAgency(); err != nil {
			return err
		}
		eng, closeEngine, err := newEngine(ctx, e, d, syncSetup{axis: af, interval: time.Minute, logger: newLogger(e.stderr, false, false)})
		if err != nil {
			return err
		}
		defer closeEngine()
		if err := eng.RefreshAgencies(ctx); err != nil {
			return &exitError{code: 1, err: err}
		}
		dirs = eng.Directory()
	} else if dirs, err = courier.OpenDirectory(*dir); err != nil {
		return err
	}
	list := dirs.Search(strings.Join(pos, " "), *limit)
	if *asJSON {
		if list == nil {
			list = []courier.Agency{}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if dirs.Updated().IsZero() {
		fmt.Fprintln(e.stderr, "the agency directory is empty: run vanthuctl sync, or vanthuctl agencies --refresh")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tNAME")
	for _, a := range list {
		fmt.Fprintf(tw, "%s\t%s\n", a.Code, a.Name)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d agencies (directory of %s)\n", len(list), dirs.Updated().In(signing.VietnamTime).Format("2006-01-02 15:04"))
	return nil
}

// jsonOutboxRow is an outbox row as `vanthuctl outbox --json` prints it.
type jsonOutboxRow struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	Document    int64     `json:"document"`
	DocumentID  string    `json:"documentId"`
	Status      string    `json:"status,omitempty"`
	To          []string  `json:"to"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"nextAttempt"`
	AxisDocID   string    `json:"axisDocId,omitempty"`
	LastError   string    `json:"lastError,omitempty"`
	Created     time.Time `json:"created"`
}

// cmdOutbox lists the packets waiting to be sent and those the axis
// refused (with --all, the sent ones too).
func cmdOutbox(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("outbox", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dir, as := inboxFlags(fs)
	all := fs.Bool("all", false, "the sent packets too (the newest 200)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErr("outbox takes no arguments")
	}
	d, err := openDesk(ctx, *dir, *as)
	if err != nil {
		return err
	}
	defer d.store.Close()
	var rows []inbox.OutboxItem
	states := []inbox.OutboxState{inbox.OutboxPending, inbox.OutboxFailed}
	if *all {
		states = append(states, inbox.OutboxSent)
	}
	for _, st := range states {
		limit := 100000
		if st == inbox.OutboxSent {
			limit = 200
		}
		r, err := d.store.OutboxRows(ctx, st, limit)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	if *asJSON {
		out := make([]jsonOutboxRow, len(rows))
		for i, r := range rows {
			out[i] = jsonOutboxRow{ID: r.ID, Kind: string(r.Kind), Document: r.Document, DocumentID: r.DocumentID,
				Status: string(r.StatusCode), To: r.Recipients, State: string(r.State), Attempts: r.Attempts,
				NextAttempt: r.NextAttemptAt, AxisDocID: r.AxisDocID, LastError: r.LastError, Created: r.CreatedAt}
			if out[i].To == nil {
				out[i].To = []string{}
			}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tSTATE\tKIND\tDOCUMENT\tTO\tATTEMPTS\tNEXT / ERROR")
	for _, r := range rows {
		kind := string(r.Kind)
		if r.Kind == inbox.OutboxStatus {
			kind += " " + string(r.StatusCode)
		}
		note := r.LastError
		if r.State == inbox.OutboxPending {
			note = r.NextAttemptAt.In(signing.VietnamTime).Format("2006-01-02 15:04:05")
			if r.LastError != "" {
				note += " — " + r.LastError
			}
		}
		if r.State == inbox.OutboxSent {
			note = r.AxisDocID
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d %s\t%s\t%d\t%s\n", r.ID, r.State, kind, r.Document, r.DocumentID,
			strings.Join(r.Recipients, ","), r.Attempts, oneLine(note))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	sum, err := d.store.OutboxSummary(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d waiting, %d refused, %d sent\n", sum.Pending, sum.Failed, sum.Sent)
	return nil
}
