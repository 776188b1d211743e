package desk

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/courier"
	"github.com/vanthu/vanthu/inbox/pdftext"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/tsp"
)

// Role is what the desk's person does in the agency.
type Role string

// Roles.
const (
	RoleClerk   Role = "clerk"   // văn thư: registers, issues, seals
	RoleLeader  Role = "leader"  // lãnh đạo: assigns, approves and signs
	RoleOfficer Role = "officer" // chuyên viên: drafts, processes
)

// Identity is who works at the desk.
type Identity struct {
	// Agency is this desk's agency: the sender of what it issues.
	Agency inbox.Organization
	// Login identifies the person in the audit log ("" : the role's name).
	Login      string
	Name       string
	Position   string // e.g. "Phó Chủ tịch", printed under a personal signature
	Department string
	Email      string
	Mobile     string
	Role       Role
}

// Actor is the identity as the store records it.
func (id Identity) Actor() inbox.Actor {
	login := strings.TrimSpace(id.Login)
	if login == "" {
		login = string(id.Role)
	}
	if login == "" {
		login = "desk"
	}
	return inbox.Actor{ID: login, Name: id.Name, Department: id.Department, Email: id.Email, Mobile: id.Mobile}
}

// AxisConfig says how the desk reaches the document axis.
type AxisConfig struct {
	URL      string // the endpoint, e.g. https://truc.example.gov.vn/vxp
	SystemID string
	// Secret is the system's HMAC secret. Open copies it; the caller may
	// zero its slice afterwards. It is never logged or stored.
	Secret []byte
	// CAPEM holds the roots the axis's TLS certificate is checked against
	// (nil: the system's roots).
	CAPEM []byte
	// From is the address packets are sent from ("": the agency's code).
	From string
}

// Options configure a desk.
type Options struct {
	// DataDir holds the store, the quarantine, the spool and the agency
	// directory (required).
	DataDir  string
	Identity Identity
	// TrustRoots are the roots signatures are verified against; nothing
	// else is trusted. TSACerts are known timestamp authorities.
	TrustRoots []*x509.Certificate
	TSACerts   []*x509.Certificate
	// OnlineRevocation lets verification fetch OCSP responses and CRLs.
	OnlineRevocation bool
	// TSA is the RFC 3161 timestamp server signatures are timestamped
	// with (PAdES B-T); "" signs B-B.
	TSA string
	// Axis is the document axis; nil works offline.
	Axis *AxisConfig
	// SyncInterval is the time between sync passes (default 1 minute).
	SyncInterval time.Duration
	// Text extracts the text of PDFs for search; nil indexes none. The
	// caller owns it (and closes it after Close).
	Text *pdftext.Extractor
	// IncomingRegister and OutgoingRegister are the registers created for
	// the current year when the store has none of their kind (defaults
	// "Sổ văn bản đến" and "Sổ văn bản đi").
	IncomingRegister, OutgoingRegister string
	// DeadlineWarning is how far ahead an approaching deadline is
	// announced (default 2 days; negative: never).
	DeadlineWarning time.Duration
	// Logger receives structured logs (nil: none). Now is the clock
	// (default time.Now).
	Logger *slog.Logger
	Now    func() time.Time
}

// Default register names.
const (
	DefaultIncomingRegister = "Sổ văn bản đến"
	DefaultOutgoingRegister = "Sổ văn bản đi"
)

// Desk is one person's desk. Its methods are safe for concurrent use.
type Desk struct {
	opts   Options
	id     Identity
	actor  inbox.Actor
	store  *inbox.Store
	im     *inbox.Importer
	eng    *courier.Engine
	log    *slog.Logger
	now    func() time.Time
	tsa    *tsp.Client
	verify signing.VerifyOptions

	bus *bus

	mu       sync.Mutex
	lastSeen int64          // the newest incoming document id announced
	warned   map[int64]bool // deadlines announced
	closed   bool
}

// Open opens the desk in opts.DataDir: the store (created if needed, with
// the default registers), the importer and, with opts.Axis, the sync
// engine. Close it when done.
func Open(ctx context.Context, opts Options) (*Desk, error) {
	if strings.TrimSpace(opts.DataDir) == "" {
		return nil, errors.New("open desk: no data directory")
	}
	if strings.TrimSpace(opts.Identity.Agency.Code) == "" {
		return nil, errors.New("open desk: the identity has no agency code")
	}
	switch opts.Identity.Role {
	case RoleClerk, RoleLeader, RoleOfficer:
	case "":
		opts.Identity.Role = RoleClerk
	default:
		return nil, fmt.Errorf("open desk: unknown role %q (clerk, leader or officer)", opts.Identity.Role)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IncomingRegister == "" {
		opts.IncomingRegister = DefaultIncomingRegister
	}
	if opts.OutgoingRegister == "" {
		opts.OutgoingRegister = DefaultOutgoingRegister
	}
	if opts.DeadlineWarning == 0 {
		opts.DeadlineWarning = 48 * time.Hour
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Desk{
		opts: opts, id: opts.Identity, actor: opts.Identity.Actor(), log: log, now: opts.Now,
		warned: map[int64]bool{},
		verify: signing.VerifyOptions{Roots: opts.TrustRoots, TSACerts: opts.TSACerts, Online: opts.OnlineRevocation},
	}
	if opts.TSA != "" {
		d.tsa = &tsp.Client{URL: opts.TSA, Timeout: 20 * time.Second}
	}
	store, err := inbox.Open(ctx, opts.DataDir, inbox.Options{
		EncodeStatus: inbox.EncodeStatus, Self: opts.Identity.Agency, Now: opts.Now,
	})
	if err != nil {
		return nil, err
	}
	d.store = store
	if err := d.ensureRegisters(ctx); err != nil {
		_ = store.Close()
		return nil, err
	}
	d.im = &inbox.Importer{Store: store, Verify: d.verify, Text: opts.Text}
	co := courier.Options{
		Store: store, Importer: d.im, DataDir: opts.DataDir, Interval: opts.SyncInterval,
		Logger: log, Now: opts.Now, Progress: courier.ProgressFunc(d.onProgress),
	}
	if opts.Axis != nil {
		client, err := newAxisClient(*opts.Axis, log)
		if err != nil {
			_ = store.Close()
			return nil, err
		}
		co.Axis = client
		co.From = opts.Axis.From
		if co.From == "" {
			co.From = opts.Identity.Agency.Code
		}
	}
	d.eng, err = courier.New(co)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	if d.lastSeen, err = d.newestIncoming(ctx); err != nil {
		_ = store.Close()
		return nil, err
	}
	d.bus = newBus()
	return d, nil
}

// newAxisClient makes the axis client; the secret is copied by the
// transport and never appears in errors.
func newAxisClient(a AxisConfig, log *slog.Logger) (*axis.Client, error) {
	if strings.TrimSpace(a.URL) == "" || strings.TrimSpace(a.SystemID) == "" {
		return nil, errors.New("open desk: the axis needs an address and a system id")
	}
	if len(a.Secret) == 0 {
		return nil, errors.New("open desk: the axis secret is empty")
	}
	vo := axis.VXPOptions{}
	if len(a.CAPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(a.CAPEM) {
			return nil, errors.New("open desk: the axis's CA certificate is not a PEM certificate")
		}
		vo.CA = pool
	}
	tr, err := axis.NewVXP(a.URL, axis.Credentials{SystemID: a.SystemID, Secret: a.Secret}, vo)
	if err != nil {
		return nil, fmt.Errorf("open desk: %w", err)
	}
	return axis.NewClient(tr, axis.ClientOptions{Logger: log}), nil
}

// ensureRegisters creates this year's default registers when the store has
// no register of their kind.
func (d *Desk) ensureRegisters(ctx context.Context) error {
	regs, err := d.store.Registers(ctx)
	if err != nil {
		return err
	}
	have := map[inbox.RegisterKind]bool{}
	for _, r := range regs {
		have[r.Kind] = true
	}
	year := d.now().In(signing.VietnamTime).Year()
	for _, r := range []struct {
		kind inbox.RegisterKind
		name string
	}{{inbox.RegisterIncoming, d.opts.IncomingRegister}, {inbox.RegisterOutgoing, d.opts.OutgoingRegister}} {
		if have[r.kind] {
			continue
		}
		if _, err := d.store.CreateRegister(ctx, d.actor, r.name, r.kind, year); err != nil {
			return fmt.Errorf("open desk: create register %q: %w", r.name, err)
		}
	}
	return nil
}

// Close stops event delivery and closes the store. Stop Run (cancel its
// context) before calling Close. Close may be called more than once.
func (d *Desk) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	d.bus.close()
	return d.store.Close()
}

// Store is the desk's store, for reading (List, Search, Counts, Get,
// AuditTrail, Registers, OpenBlob). Write through the desk's actions so
// that events are emitted.
func (d *Desk) Store() *inbox.Store { return d.store }

// Identity is who works at the desk.
func (d *Desk) Identity() Identity { return d.id }

// Actor is the identity as the store records it.
func (d *Desk) Actor() inbox.Actor { return d.actor }

// Online reports whether an axis is configured.
func (d *Desk) Online() bool { return d.opts.Axis != nil }

// Run runs the sync loop until ctx ends and returns ctx's error. Without
// an axis it only watches deadlines. It also announces approaching
// deadlines once at the start and after every pass.
func (d *Desk) Run(ctx context.Context) error {
	d.checkDeadlines(ctx)
	if d.opts.Axis == nil {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				d.checkDeadlines(ctx)
			}
		}
	}
	return d.eng.Run(ctx)
}

// SyncNow asks Run for a pass now, without waiting for it.
func (d *Desk) SyncNow() { d.eng.Kick() }

// SyncOnce runs one pass now and waits for it (for tools and tests; the
// GUI calls SyncNow). Without an axis it returns courier.ErrNoAxis.
func (d *Desk) SyncOnce(ctx context.Context) (courier.Report, error) {
	return d.eng.Once(ctx)
}

// Status is the sync state for the status bar.
func (d *Desk) Status(ctx context.Context) courier.Status { return d.eng.Status(ctx) }

// Agencies searches the agency directory (the send dialog's picker): up to
// limit agencies (0: all) whose code or name holds every word of query,
// insensitive to case and diacritics. The directory is refreshed by sync
// passes; RefreshAgencies fetches it now.
func (d *Desk) Agencies(query string, limit int) []courier.Agency {
	return d.eng.Directory().Search(query, limit)
}

// RefreshAgencies fetches the agency directory from the axis now.
func (d *Desk) RefreshAgencies(ctx context.Context) error {
	if err := d.eng.RefreshAgencies(ctx); err != nil {
		return err
	}
	return nil
}
