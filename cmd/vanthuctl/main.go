// Command vanthuctl is Vanthu's command-line tool: it signs and verifies
// official documents with the same engine as the desktop app.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

const usage = `vanthuctl — sign and verify official documents

Usage:
  vanthuctl sign -o OUT [--p12 FILE --password-file FILE | --pkcs11 MODULE --token LABEL [--key-label L] --pin-file FILE]
                 [--appearance personal|agency|stamp|none] [--image PNG] [--page N] [--rect llx,lly,urx,ury]
                 [--name TEXT] [--position TEXT] [--text TEXT] [--reason R] [--location L]
                 [--tsa URL] [--level B-B|B-T] [--certify] IN
      IN *.pdf → PAdES incremental signature to OUT; any other file → detached CMS (DER) to OUT
  vanthuctl verify [--trust PEM]... [--json] [--sig SIG] [--offline] IN
      exit 0: at least one signature and every signature VALID; 1: otherwise; 2: usage error or unreadable input
  vanthuctl demo [--dir DIR]
      demo PKI + an example dispatch signed by the leader (personal), issued by the clerk (stamp + agency), verified
  vanthuctl demo seed --docs N [--with-pdfs] [--data DIR]
      fill an inbox with realistic documents from demo agencies
  vanthuctl inbox COMMAND ...
      the local inbox: import, list, show, search, register, refuse, assign, done, export, audit (vanthuctl inbox help)
  vanthuctl sync [--once | --watch] [--axis URL --system-id ID --secret-file FILE --ca PEM [--save]] [--json]
      exchange packets with the axis: send the outbox, receive documents and statuses
      (settings from DATA/config.json; exit 1 when a pass ended with failures)
  vanthuctl send ID --to CODE[,CODE...]
      queue an issued document for (more) recipients, or again
  vanthuctl agencies [--refresh] [--json] [QUERY]
      the axis's agency directory, searched without diacritics
  vanthuctl outbox [--all] [--json]
      packets waiting to be sent, and those the axis refused

Run "vanthuctl COMMAND -h" for the options of a command.
`

// exitError carries an exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	env := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	switch args[0] {
	case "sign":
		err = cmdSign(ctx, env, args[1:])
	case "verify":
		err = cmdVerify(ctx, env, args[1:])
	case "demo":
		if len(args) > 1 && args[1] == "seed" {
			err = cmdSeed(ctx, env, args[2:])
		} else {
			err = cmdDemo(ctx, env, args[1:])
		}
	case "inbox":
		err = cmdInbox(ctx, env, args[1:])
	case "sync":
		err = cmdSync(ctx, env, args[1:])
	case "send":
		err = cmdSend(ctx, env, args[1:])
	case "agencies":
		err = cmdAgencies(ctx, env, args[1:])
	case "outbox":
		err = cmdOutbox(ctx, env, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "vanthuctl: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ee *exitError
	code := 2
	if errors.As(err, &ee) {
		code = ee.code
	}
	if msg := oneLine(err.Error()); msg != "" {
		fmt.Fprintf(stderr, "vanthuctl %s: %s\n", args[0], msg)
	}
	return code
}

// env is what a command may touch of the process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// parseInterspersed parses flags that may come before or after the
// positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
