// Command axisd runs Vanthu's reference axis server: a stand-in for the
// national document axis (AXIS.md §4) for demos, development, tests and
// small deployments.
//
//	axisd --systems systems.json [--db axis.db | --postgres DSN [--postgres-conns N]]
//	      [--listen 127.0.0.1:8080]
//	      [--secret-key axis.key] [--tls-cert cert.pem --tls-key key.pem]
//	      [--max-body BYTES] [--rate PER_SECOND [--burst N]]
//	      [--sdk-compat] [--faults SPEC] [--log-level info]
//
// With --postgres several instances can share one database behind a load
// balancer (see package pgstore); give them the same systems file and
// server key. It logs JSON to stderr and stops gracefully on SIGINT or
// SIGTERM.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/inbox/axis/hub/pgstore"
	"github.com/vanthu/vanthu/internal/gctune"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command line.
type options struct {
	listen, db, postgres string
	tlsCert, tlsKey      string
	systems, secretKey   string
	faults               string
	sdkCompat            bool
	maxBody              int64
	pgConns              int
	rate                 float64
	burst                int
	logLevel             string
	shutdownGrace        time.Duration
	readHeaderTimeout    time.Duration
	idleTimeout          time.Duration
}

// usageError is a bad command line (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("axisd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to serve on (host:port; port 0 picks one)")
	fs.StringVar(&o.db, "db", "axis.db", "SQLite database file (created if missing)")
	fs.StringVar(&o.postgres, "postgres", "", "PostgreSQL DSN (postgres://user@host/db), instead of --db: several instances may share it behind a load balancer; "+
		"give the password in PGPASSWORD or ~/.pgpass, not here, where other local users can read it")
	fs.IntVar(&o.pgConns, "postgres-conns", 0, "most PostgreSQL connections of this instance (default: the larger of 4 and the number of CPUs)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate chain: serve HTTPS (with --tls-key)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.StringVar(&o.systems, "systems", "", "systems file (JSON: id, secret or secretFile, agency, name, mailboxes, optional rate and burst); without it the systems stored earlier are served, which needs --secret-key")
	fs.StringVar(&o.secretKey, "secret-key", "", "file of the server key sealing system secrets in the database (created, mode 0600, if missing); without it secrets stay in memory only")
	fs.StringVar(&o.faults, "faults", "", "inject faults for testing clients, e.g. 5xx=0.3,drop=0.1,dup=0.1,delay=200ms,expire=0.05,seed=1")
	fs.BoolVar(&o.sdkCompat, "sdk-compat", false, "accept requests without a request id, as the field SDK sends them (weaker replay protection)")
	fs.Int64Var(&o.maxBody, "max-body", hub.DefaultMaxBody, "largest request body in bytes (a packet upload)")
	fs.Float64Var(&o.rate, "rate", 0, "requests per second allowed to each system (0: no limit)")
	fs.IntVar(&o.burst, "burst", 0, "requests a system may make at once above --rate (default: one second's worth)")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&o.shutdownGrace, "shutdown-grace", 30*time.Second, "how long requests in flight may finish on SIGINT/SIGTERM")
	o.readHeaderTimeout, o.idleTimeout = 10*time.Second, 2*time.Minute
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil, err
	} else if err != nil {
		return nil, &usageError{err.Error()}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case fs.NArg() > 0:
		return nil, &usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	case o.postgres != "" && set["db"]:
		return nil, &usageError{"--db and --postgres exclude each other"}
	case o.pgConns < 0 || o.pgConns > 10000:
		return nil, &usageError{"--postgres-conns must be between 0 and 10000"}
	case o.pgConns != 0 && o.postgres == "":
		return nil, &usageError{"--postgres-conns needs --postgres"}
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return nil, &usageError{"--tls-cert and --tls-key go together"}
	case o.maxBody <= 0:
		return nil, &usageError{"--max-body must be positive"}
	case o.rate < 0 || o.burst < 0:
		return nil, &usageError{"--rate and --burst must not be negative"}
	case o.shutdownGrace <= 0:
		return nil, &usageError{"--shutdown-grace must be positive"}
	}
	return o, nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, &usageError{fmt.Sprintf("--log-level %q: debug, info, warn or error", level)}
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func run(ctx context.Context, args []string, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if err == nil {
		var log *slog.Logger
		if log, err = newLogger(stderr, o.logLevel); err == nil {
			gctune.ForThroughput(256 << 20)
			err = serve(ctx, o, log)
			if err != nil {
				log.Error("axisd failed", "err", err)
				return 1
			}
			return 0
		}
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "axisd:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// serve runs the server until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, o *options, log *slog.Logger) error {
	cfg := hub.Config{
		MaxBody:   o.maxBody,
		RateLimit: hub.RateLimit{PerSecond: o.rate, Burst: o.burst},
		SDKCompat: o.sdkCompat,
		Logger:    log,
	}
	var err error
	if o.systems != "" {
		if cfg.Systems, err = hub.ReadSystemsFile(o.systems); err != nil {
			return err
		}
	}
	if o.secretKey != "" {
		if cfg.SecretKey, err = hub.LoadKeyFile(o.secretKey, true); err != nil {
			return err
		}
	}
	if o.faults != "" {
		if cfg.Faults, err = hub.ParseFaults(o.faults); err != nil {
			return err
		}
	}
	var tlsConfig *tls.Config
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return fmt.Errorf("TLS certificate: %w", err)
		}
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}

	store, storeName, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing the database failed", "err", err)
		}
	}()
	cfg.Store = store
	srv, err := hub.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: o.readHeaderTimeout,
		IdleTimeout:       o.idleTimeout,
		MaxHeaderBytes:    1 << 20,
		TLSConfig:         tlsConfig,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	done := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			done <- hs.ServeTLS(ln, "", "")
		} else {
			done <- hs.Serve(ln)
		}
	}()
	log.Info("listening", "addr", ln.Addr().String(), "tls", tlsConfig != nil, "store", storeName)

	select {
	case err := <-done:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", o.shutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			log.Error("serving failed", "err", err)
		}
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// openStore opens the PostgreSQL store of --postgres or else the SQLite
// file of --db, and names it for the log (never with the DSN, which may
// hold a password).
func openStore(ctx context.Context, o *options) (hub.Store, string, error) {
	if o.postgres != "" {
		s, err := pgstore.Open(ctx, o.postgres, pgstore.Options{MaxConns: int32(o.pgConns)})
		if err != nil {
			return nil, "", err
		}
		return s, "postgres", nil
	}
	s, err := hub.OpenSQLite(ctx, o.db)
	if err != nil {
		return nil, "", err
	}
	return s, "sqlite:" + o.db, nil
}
