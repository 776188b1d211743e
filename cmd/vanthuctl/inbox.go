package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/inbox/pdftext"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/trust"
)

const inboxUsage = `vanthuctl inbox — the local inbox (--data DIR selects it; default %s)

  vanthuctl inbox init --agency CODE --name NAME [--trust PEM]...   this desk's agency
  vanthuctl inbox import FILE.edxml...          vanthuctl inbox list [--state S] [--folder F] [--limit N] [--json]
  vanthuctl inbox show ID [--json]              vanthuctl inbox search QUERY [--limit N] [--json]
  vanthuctl inbox register ID --register NAME   vanthuctl inbox refuse ID --reason TEXT
  vanthuctl inbox assign ID --to WHO [--deadline YYYY-MM-DD] [--note TEXT] [--coordinating]
  vanthuctl inbox done ID                       vanthuctl inbox export ID --edxml OUT | --zip OUT
  vanthuctl inbox registers [add NAME --kind incoming|outgoing]
  vanthuctl inbox audit verify                  vanthuctl inbox check
Every command takes --data DIR and --as WHO (the person acting; default the login name).
`

// deskEnv is an open inbox with this desk's settings.
type deskEnv struct {
	dir   string
	cfg   deskConfig
	store *inbox.Store
	actor inbox.Actor
}

// inboxFlags adds the flags every inbox command shares.
func inboxFlags(fs *flag.FlagSet) (dir, as *string) {
	dir = fs.String("data", defaultDataDir(), "inbox data directory")
	as = fs.String("as", "", "who is acting (for the audit log; default the login name)")
	return dir, as
}

func openDesk(ctx context.Context, dir, as string) (*deskEnv, error) {
	return openDeskClock(ctx, dir, as, nil)
}

// openDeskClock opens the desk with a clock (nil: the real one).
func openDeskClock(ctx context.Context, dir, as string, now func() time.Time) (*deskEnv, error) {
	cfg, err := loadConfig(dir)
	if err != nil {
		return nil, err
	}
	s, err := inbox.Open(ctx, dir, inbox.Options{EncodeStatus: inbox.EncodeStatus, Self: cfg.Agency, Now: now})
	if err != nil {
		return nil, err
	}
	if as == "" {
		if u, err := user.Current(); err == nil {
			as = u.Username
		} else {
			as = "vanthuctl"
		}
	}
	return &deskEnv{dir: dir, cfg: cfg, store: s, actor: inbox.Actor{ID: as, Name: as}}, nil
}

// needAgency refuses actions that notify a sender when the desk has no
// agency code yet.
func (d *deskEnv) needAgency() error {
	if d.cfg.Agency.Code == "" {
		return usageErr("this desk has no agency yet: run vanthuctl inbox init --agency CODE --name NAME")
	}
	return nil
}

func cmdInbox(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.stdout, inboxUsage, defaultDataDir())
		if len(args) == 0 {
			return usageErr("give an inbox command")
		}
		return nil
	}
	cmd, rest := args[0], args[1:]
	fs := flag.NewFlagSet("inbox "+cmd, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dir, as := inboxFlags(fs)
	var run func(d *deskEnv, pos []string) error
	switch cmd {
	case "init":
		agency := fs.String("agency", "", "this desk's organisation code (e.g. 000.00.00.H41)")
		name := fs.String("name", "", "the agency's name")
		var trustFiles multiFlag
		fs.Var(&trustFiles, "trust", "PEM file of roots trusted for attachment signatures (repeatable)")
		pos, err := parseFlags(fs, rest)
		if err != nil {
			return err
		}
		if len(pos) != 0 || *agency == "" || *name == "" {
			return usageErr("init wants --agency CODE --name NAME")
		}
		if err := edxml.ValidateOrganID(*agency); err != nil {
			return usageErr("%v", err)
		}
		if _, err := trust.LoadPEM(trustFiles...); err != nil {
			return usageErr("%v", err)
		}
		cfg, err := loadConfig(*dir)
		if err != nil {
			return err
		}
		cfg.Agency = inbox.Organization{Code: *agency, Name: *name}
		cfg.Trust = append(cfg.Trust, trustFiles...)
		if err := saveConfig(*dir, cfg); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "desk of %s (%s) in %s\n", *name, *agency, *dir)
		return nil
	case "import":
		asJSON := fs.Bool("json", false, "print the results as JSON")
		noText := fs.Bool("no-text", false, "do not index the text of PDF attachments (faster)")
		run = func(d *deskEnv, pos []string) error { return inboxImport(ctx, e, d, pos, *asJSON, !*noText) }
	case "list":
		state := fs.String("state", "", "only documents in this state (e.g. arrived, registered, assigned, done)")
		folder := fs.String("folder", "", "only this folder (to_register, to_process, recall, archive, drafts, outgoing, sent, hidden)")
		limit := fs.Int("limit", 50, "at most N documents")
		order := fs.String("order", "newest", "newest, oldest or deadline (soonest first)")
		asJSON := fs.Bool("json", false, "print JSON")
		run = func(d *deskEnv, pos []string) error {
			if len(pos) != 0 {
				return usageErr("list takes no arguments")
			}
			ord, ok := map[string]inbox.Order{"newest": inbox.OrderNewest, "oldest": inbox.OrderOldest, "deadline": inbox.OrderDeadline}[*order]
			if !ok {
				return usageErr("--order must be newest, oldest or deadline, not %q", *order)
			}
			f := inbox.Filter{Folder: inbox.Folder(*folder)}
			if *state != "" {
				f.States = []inbox.State{inbox.State(*state)}
			}
			list, _, err := d.store.List(ctx, f, inbox.Page{Limit: *limit, Order: ord})
			if err != nil {
				return err
			}
			return printSummaries(e.stdout, list, nil, *asJSON)
		}
	case "search":
		limit := fs.Int("limit", 20, "at most N results")
		asJSON := fs.Bool("json", false, "print JSON")
		run = func(d *deskEnv, pos []string) error {
			if len(pos) == 0 {
				return usageErr("search wants a query")
			}
			hits, err := d.store.Search(ctx, strings.Join(pos, " "), inbox.Filter{}, *limit)
			if err != nil {
				return err
			}
			list := make([]inbox.Summary, len(hits))
			for i, h := range hits {
				list[i] = h.Summary
			}
			return printSummaries(e.stdout, list, hits, *asJSON)
		}
	case "show":
		asJSON := fs.Bool("json", false, "print JSON")
		run = func(d *deskEnv, pos []string) error {
			id, err := oneID(pos)
			if err != nil {
				return err
			}
			doc, err := d.store.Get(ctx, id)
			if err != nil {
				return err
			}
			return printDocument(e.stdout, doc, *asJSON)
		}
	case "register":
		reg := fs.String("register", "", "the incoming register (sổ văn bản đến)")
		run = func(d *deskEnv, pos []string) error {
			id, err := oneID(pos)
			if err != nil {
				return err
			}
			if *reg == "" {
				return usageErr("register wants --register NAME")
			}
			if err := d.needAgency(); err != nil {
				return err
			}
			n, err := d.store.Register(ctx, id, d.actor, *reg)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "document %d registered in %q with arrival number %d (status 03 queued for the sender)\n", id, *reg, n)
			return nil
		}
	case "refuse":
		reason := fs.String("reason", "", "why the document is refused (sent to the sender)")
		run = func(d *deskEnv, pos []string) error {
			id, err := oneID(pos)
			if err != nil {
				return err
			}
			if strings.TrimSpace(*reason) == "" {
				return usageErr("refuse wants --reason TEXT (the sender is told)")
			}
			if err := d.needAgency(); err != nil {
				return err
			}
			if err := d.store.Refuse(ctx, id, d.actor, *reason); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "document %d refused (status 02 queued for the sender)\n", id)
			return nil
		}
	case "assign":
		to := fs.String("to", "", "the officer or unit in charge")
		deadline := fs.String("deadline", "", "deadline YYYY-MM-DD")
		note := fs.String("note", "", "direction for the assignee")
		coord := fs.Bool("coordinating", false, "a coordinating role (default: lead)")
		run = func(d *deskEnv, pos []string) error {
			id, err := oneID(pos)
			if err != nil {
				return err
			}
			if *to == "" {
				return usageErr("assign wants --to WHO")
			}
			a := inbox.Assignment{Assignee: *to, Role: inbox.RoleLead, Note: *note}
			if *coord {
				a.Role = inbox.RoleCoordinating
			}
			if *deadline != "" {
				t, err := time.Parse("2006-01-02", *deadline)
				if err != nil {
					return usageErr("--deadline wants YYYY-MM-DD, not %q", *deadline)
				}
				a.Deadline = t
			}
			if err := d.needAgency(); err != nil {
				return err
			}
			if err := d.store.Assign(ctx, id, d.actor, a); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "document %d assigned to %s\n", id, *to)
			return nil
		}
	case "done":
		run = func(d *deskEnv, pos []string) error {
			id, err := oneID(pos)
			if err != nil {
				return err
			}
			if err := d.needAgency(); err != nil {
				return err
			}
			doc, err := d.store.Get(ctx, id)
			if err != nil {
				return err
			}
			// Finishing a registered or assigned document means it was
			// processed: the sender is told both (05, then 06).
			if doc.State == inbox.StateRegistered || doc.State == inbox.StateAssigned {
				if err := d.store.StartProcessing(ctx, id, d.actor); err != nil {
					return err
				}
			}
			if err := d.store.Done(ctx, id, d.actor); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "document %d done (status 06 queued for the sender)\n", id)
			return nil
		}
	case "export":
		edx := fs.String("edxml", "", "write an edXML packet")
		zipOut := fs.String("zip", "", "write a ZIP (files, signature verifications, metadata.json)")
		run = func(d *deskEnv, pos []string) error {
			id, err := oneID(pos)
			if err != nil {
				return err
			}
			if (*edx == "") == (*zipOut == "") {
				return usageErr("export wants --edxml OUT or --zip OUT")
			}
			out := *edx + *zipOut
			return writeFileAtomically(out, func(w io.Writer) error {
				if *edx != "" {
					return d.store.ExportEdxml(ctx, id, w, edxml.EncodeOptions{})
				}
				return d.store.ExportZip(ctx, id, w)
			})
		}
	case "registers":
		kind := fs.String("kind", "incoming", "register kind for add: incoming or outgoing")
		year := fs.Int("year", time.Now().In(signing.VietnamTime).Year(), "year for add")
		run = func(d *deskEnv, pos []string) error {
			if len(pos) == 2 && pos[0] == "add" {
				k := inbox.RegisterKind(*kind)
				if k != inbox.RegisterIncoming && k != inbox.RegisterOutgoing {
					return usageErr("--kind is incoming or outgoing")
				}
				r, err := d.store.CreateRegister(ctx, d.actor, pos[1], k, *year)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "register %q (%s, %d) created\n", r.Name, r.Kind, r.Year)
				return nil
			}
			if len(pos) != 0 {
				return usageErr("registers [add NAME --kind incoming|outgoing]")
			}
			regs, err := d.store.Registers(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tKIND\tYEAR\tLAST NUMBER")
			for _, r := range regs {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", r.Name, r.Kind, r.Year, r.LastNumber)
			}
			return tw.Flush()
		}
	case "audit":
		run = func(d *deskEnv, pos []string) error {
			if len(pos) != 1 || pos[0] != "verify" {
				return usageErr("audit verify")
			}
			res, err := d.store.VerifyAudit(ctx)
			if err != nil {
				return err
			}
			if !res.OK {
				fmt.Fprintf(e.stdout, "audit log BROKEN at entry %d: %s\n", res.FirstBroken, res.Reason)
				return &exitError{code: 1, err: errors.New("")}
			}
			fmt.Fprintf(e.stdout, "audit log intact (%d entries)\n", res.Entries)
			return nil
		}
	case "check":
		run = func(d *deskEnv, pos []string) error {
			rep, err := d.store.Check(ctx, inbox.CheckOptions{})
			if err != nil {
				return err
			}
			if !rep.OK() {
				data, _ := json.MarshalIndent(rep, "", "  ")
				fmt.Fprintf(e.stdout, "inbox NOT consistent:\n%s\n", data)
				return &exitError{code: 1, err: errors.New("")}
			}
			fmt.Fprintln(e.stdout, "inbox consistent: database, blobs and audit log")
			return nil
		}
	default:
		return usageErr("unknown inbox command %q (see vanthuctl inbox help)", cmd)
	}
	pos, err := parseFlags(fs, rest)
	if err != nil {
		return err
	}
	d, err := openDesk(ctx, *dir, *as)
	if err != nil {
		return err
	}
	defer d.store.Close()
	return run(d, pos)
}

// parseFlags parses interspersed flags, mapping flag errors to usage errors.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageErr("%v", err)
	}
	return pos, nil
}

func oneID(pos []string) (int64, error) {
	if len(pos) != 1 {
		return 0, usageErr("give one document ID")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErr("%q is not a document ID", pos[0])
	}
	return id, nil
}

func inboxImport(ctx context.Context, e *env, d *deskEnv, files []string, asJSON, withText bool) error {
	if len(files) == 0 {
		return usageErr("import wants one or more .edxml files")
	}
	if err := d.needAgency(); err != nil {
		return err
	}
	roots, err := trust.LoadPEM(d.cfg.Trust...)
	if err != nil {
		return err
	}
	var ext *pdftext.Extractor
	if withText {
		ext, err = pdftext.New(ctx, pdftext.Options{CacheDir: cacheDir()})
		if err != nil {
			// Search loses the attachments' text; the import goes on.
			fmt.Fprintf(e.stderr, "vanthuctl inbox import: the text of PDF files will not be indexed: %v\n", err)
			ext = nil
		} else {
			defer ext.Close()
		}
	}
	im := &inbox.Importer{Store: d.store, Text: ext, Verify: signing.VerifyOptions{Roots: roots}}
	failed := 0
	var results []jsonImport
	// Packets are committed 50 at a time: one sync to disk per batch.
	const batch = 50
	for start := 0; start < len(files); start += batch {
		chunk := files[start:min(start+batch, len(files))]
		var open []*os.File
		var readers []io.ReadSeeker
		var names []string
		for _, f := range chunk {
			fh, err := os.Open(f)
			if err != nil {
				failed++
				ji := jsonImport{File: f, Error: oneLine(err.Error())}
				results = append(results, ji)
				if !asJSON {
					fmt.Fprintf(e.stderr, "%s: %s\n", f, ji.Error)
				}
				continue
			}
			open = append(open, fh)
			readers = append(readers, fh)
			names = append(names, f)
		}
		res, errs, err := im.ImportMany(ctx, readers)
		for _, fh := range open {
			fh.Close()
		}
		if err != nil {
			return err
		}
		for k, f := range names {
			ji := jsonImport{File: f, Result: res[k]}
			if errs[k] != nil {
				failed++
				ji.Result, ji.Error = nil, oneLine(errs[k].Error())
				if !asJSON {
					fmt.Fprintf(e.stderr, "%s: %s\n", f, ji.Error)
				}
			} else if !asJSON {
				printImport(e.stdout, f, res[k])
			}
			results = append(results, ji)
		}
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	}
	if failed > 0 {
		return &exitError{code: 2, err: fmt.Errorf("%d of %d packets were not imported", failed, len(files))}
	}
	return nil
}

type jsonImport struct {
	File   string              `json:"file"`
	Result *inbox.ImportResult `json:"result,omitempty"`
	Error  string              `json:"error,omitempty"`
}

func printImport(w io.Writer, file string, r *inbox.ImportResult) {
	switch {
	case r.Kind == "status":
		fmt.Fprintf(w, "%s: status %s from %s for %s applied\n", file, r.Status, r.Sender, r.DocumentID)
	case r.Duplicate:
		fmt.Fprintf(w, "%s: already in the inbox as document %d (%s)\n", file, r.ID, r.DocumentID)
	default:
		fmt.Fprintf(w, "%s: document %d imported (%s from %s)\n", file, r.ID, r.DocumentID, r.Sender)
		for _, a := range r.Attachments {
			v := a.Verdict
			if v == "" {
				v = "not a PDF"
			}
			fmt.Fprintf(w, "  %s (%d bytes): %s\n", a.Name, a.Size, v)
		}
		if ps := r.PacketSignature; ps != nil {
			fmt.Fprintf(w, "  packet signature: valid=%v %s\n", ps.Valid, ps.Reason)
		}
	}
}

// writeFileAtomically writes path through a temporary file renamed into
// place only when write succeeded.
func writeFileAtomically(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(dirOf(path), ".vanthu-*.tmp")
	if err != nil {
		return fmt.Errorf("cannot create the output: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil { // #nosec G302 -- an exported document is for sharing
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}
