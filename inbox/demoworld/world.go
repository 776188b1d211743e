// Package demoworld is Vanthu's live demo: an embedded reference axis,
// the demo PKI, three agencies (ours and two peers), a few dozen
// realistic documents in every state, and peers that answer — so that a
// newcomer can walk the whole flow (receive, register, assign, approve and
// sign, issue, send, see the statuses) with no setup.
//
// Start builds the world in Options.Dir the first time and reuses it
// afterwards; World.Desk is what desk.Open needs to open the user's desk,
// with the demo keys and their secrets for the GUI to prefill.
//
// Layout of Dir: world.json (the agencies and their demo axis secrets —
// demo values, nothing real), pki/ (certificates, PKCS#12 files), axis/
// (the hub's SQLite store), desk/ (the user's desk), peers/CODE/ (each
// peer's desk), softhsm/ (the leader's demo token, when SoftHSM2 is
// available).
package demoworld

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/inbox/desk"
	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/trust"
)

// The agencies of the demo: ours, and two peers with their real codes.
var (
	Self  = inbox.Organization{Code: "000.00.00.H41", Name: "Ủy ban nhân dân tỉnh Hà Nam"}
	Peer1 = inbox.Organization{Code: "000.00.00.G09", Name: "Bộ Nội vụ"}
	Peer2 = inbox.Organization{Code: "000.00.11.H48", Name: "Sở Tài chính tỉnh Phú Thọ"}
)

// Demo secrets, shown to the user in demo mode.
const (
	// Password of every PKCS#12 file of the demo PKI.
	Password = "vanthu-demo"
	// TokenPIN is the user PIN of the leader's SoftHSM2 token.
	TokenPIN = "123456"
	tokenSO  = "12345678"
	// TokenLabel is the token's label, KeyLabel the leader's key on it.
	TokenLabel = "Vanthu Demo"
	KeyLabel   = "lanh-dao"
)

// TokenMode chooses where the leader's key lives.
type TokenMode int

// Token modes.
const (
	TokenAuto TokenMode = iota // a SoftHSM2 token when available, else PKCS#12
	TokenOff                   // always PKCS#12
)

// Options configure Start.
type Options struct {
	// Dir holds the world (required). An existing world is reused.
	Dir string
	// Docs is how many documents a new world starts with (default 36).
	Docs int
	// Seed makes the documents reproducible (default 1).
	Seed int64
	// Token says where the leader's key lives (default TokenAuto).
	Token TokenMode
	// PeerEvery is how often the peers sync and take one step on what
	// they received (default 3 s); DispatchEvery how often one of them
	// sends us a new dispatch (default 90 s; negative: never).
	PeerEvery, DispatchEvery time.Duration
	// Logger receives the world's logs (nil: none).
	Logger *slog.Logger
}

// Credential is a demo key with its secret.
type Credential struct {
	Source desk.KeySource
	// Secret is the PIN or password (demo values, for prefilling).
	Secret string
	// Where says it in words: "SoftHSM2 token" or "PKCS#12 file".
	Where string
}

// World is a running demo world.
type World struct {
	// Desk opens the user's desk (desk.Open): our agency, a clerk's
	// identity (the demo lets one person act in every role), the demo
	// root as the only trusted root, the embedded axis.
	Desk desk.Options
	// Self and Peers are the agencies; AxisURL the embedded axis.
	Self    inbox.Organization
	Peers   []inbox.Organization
	AxisURL string
	// Leader signs approvals (on the SoftHSM2 token when LeaderOnToken);
	// Agency is the agency's seal key (PKCS#12).
	Leader, Agency Credential
	LeaderOnToken  bool
	// TokenNote says why the leader's key is not on a token ("" when it
	// is).
	TokenNote string
	// Created is true when Start built the world, false when it reused it.
	Created bool
	// PKIDir holds the demo certificates and PKCS#12 files.
	PKIDir string

	log    *slog.Logger
	opts   Options
	cfg    config
	roots  []*x509.Certificate
	ids    ids
	hubDB  *hub.SQLite
	hubSrv *hub.Server
	http   *http.Server
	served chan struct{}
	peers  []*peer

	clockMu sync.Mutex
	fake    time.Time // the clock while seeding (zero: the real one)

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// config is world.json.
type config struct {
	Version  int       `json:"version"`
	Created  time.Time `json:"created"`
	Systems  []system  `json:"systems"`
	Seeded   bool      `json:"seeded"`
	OnToken  bool      `json:"leaderOnToken"`
	TokenWhy string    `json:"tokenNote,omitempty"`
	// PeerSeeded is, per peer, the largest id of the documents seeding
	// gave it; the simulation leaves those as they are.
	PeerSeeded map[string]int64 `json:"peerSeeded,omitempty"`
}

type system struct {
	ID     string `json:"id"`
	Secret string `json:"secret"` // demo secret, hex
	Code   string `json:"code"`
	Name   string `json:"name"`
}

// ids are the demo PKI's keys the world signs with.
type ids struct {
	leader, agency, clerk *keys.Key
}

// Start builds (or reopens) the world in opts.Dir and starts the axis and
// the peers. It returns when the world is ready: the user's desk holds its
// documents. Close it when done; ctx bounds the start only.
func Start(ctx context.Context, opts Options) (w *World, err error) {
	if opts.Dir == "" {
		return nil, errors.New("demo world: no directory")
	}
	if opts.Docs <= 0 {
		opts.Docs = 36
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.PeerEvery <= 0 {
		opts.PeerEvery = 3 * time.Second
	}
	if opts.DispatchEvery == 0 {
		opts.DispatchEvery = 90 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("demo world: %w", err)
	}
	opts.Dir = dir
	w = &World{log: log, opts: opts, Self: Self, Peers: []inbox.Organization{Peer1, Peer2}, PKIDir: filepath.Join(dir, "pki")}
	defer func() {
		if err != nil {
			w.stop()
		}
	}()
	if err := os.MkdirAll(w.PKIDir, 0o700); err != nil {
		return nil, fmt.Errorf("demo world: %w", err)
	}
	if err := w.loadOrCreate(); err != nil {
		return nil, err
	}
	if err := w.startAxis(ctx); err != nil {
		return nil, err
	}
	if err := w.openPeers(ctx); err != nil {
		return nil, err
	}
	w.Desk = desk.Options{
		DataDir: filepath.Join(dir, "desk"),
		Identity: desk.Identity{Agency: Self, Login: "vanthu", Name: "Nguyễn Thị Lan", Position: "Văn thư",
			Department: "Văn phòng", Role: desk.RoleClerk},
		TrustRoots: w.roots,
		Axis: &desk.AxisConfig{URL: w.AxisURL, SystemID: w.cfg.Systems[0].ID,
			Secret: mustHex(w.cfg.Systems[0].Secret)},
		SyncInterval: 10 * time.Second,
	}
	if !w.cfg.Seeded {
		if err := w.seed(ctx); err != nil {
			return nil, err
		}
		w.cfg.Seeded = true
		if err := w.saveConfig(); err != nil {
			return nil, err
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		w.simulate(runCtx)
	}()
	log.Info("demo world ready", "dir", dir, "axis", w.AxisURL, "created", w.Created, "leaderOnToken", w.LeaderOnToken)
	return w, nil
}

// Close stops the peers and the axis and closes what the world opened. It
// may be called more than once.
func (w *World) Close() error {
	w.stop()
	return nil
}

func (w *World) stop() {
	w.closeOnce.Do(func() {
		if w.cancel != nil {
			w.cancel()
		}
		w.wg.Wait()
		for _, p := range w.peers {
			_ = p.desk.Close()
		}
		if w.http != nil {
			_ = w.http.Close()
			<-w.served
		}
		if w.hubSrv != nil {
			_ = w.hubSrv.Close()
		}
		if w.hubDB != nil {
			_ = w.hubDB.Close()
		}
		for _, k := range []*keys.Key{w.ids.leader, w.ids.agency, w.ids.clerk} {
			_ = k.Close()
		}
	})
}

// loadOrCreate reads world.json and the PKI, or makes them.
func (w *World) loadOrCreate() error {
	data, err := os.ReadFile(filepath.Join(w.opts.Dir, "world.json"))
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &w.cfg); err != nil {
			return fmt.Errorf("demo world: world.json is damaged (remove %s to start afresh): %w", w.opts.Dir, err)
		}
		if len(w.cfg.Systems) != 3 {
			return fmt.Errorf("demo world: world.json names %d systems, want 3 (remove %s to start afresh)", len(w.cfg.Systems), w.opts.Dir)
		}
	case errors.Is(err, os.ErrNotExist):
		w.Created = true
		pki, err := demopki.New(demopki.Options{NoServers: true})
		if err != nil {
			return fmt.Errorf("demo world: %w", err)
		}
		defer pki.Close()
		if err := pki.WriteFiles(w.PKIDir, []byte(Password)); err != nil {
			return fmt.Errorf("demo world: %w", err)
		}
		if err := os.WriteFile(filepath.Join(w.PKIDir, "password.txt"), []byte(Password+"\n"), 0o600); err != nil {
			return fmt.Errorf("demo world: %w", err)
		}
		w.cfg = config{Version: 1, Created: time.Now()}
		for i, o := range []inbox.Organization{Self, Peer1, Peer2} {
			w.cfg.Systems = append(w.cfg.Systems, system{ID: fmt.Sprintf("demo-%d", i+1), Secret: randomHex(), Code: o.Code, Name: o.Name})
		}
		if w.opts.Token == TokenAuto {
			if err := w.makeToken(pki); err != nil {
				w.cfg.TokenWhy = "SoftHSM2 is not usable here (" + err.Error() + "); the leader's key is a PKCS#12 file"
			} else {
				w.cfg.OnToken = true
			}
		} else {
			w.cfg.TokenWhy = "a token was not asked for"
		}
		if err := w.saveConfig(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("demo world: %w", err)
	}
	roots, err := trust.LoadPEM(filepath.Join(w.PKIDir, "root.pem"))
	if err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	w.roots = roots
	p12 := func(name string) Credential {
		return Credential{Source: desk.KeySource{Kind: desk.KeyPKCS12, Path: filepath.Join(w.PKIDir, name+".p12")},
			Secret: Password, Where: "PKCS#12 file"}
	}
	w.Leader, w.Agency = p12("leader"), p12("agency")
	w.TokenNote = w.cfg.TokenWhy
	if w.cfg.OnToken {
		if mod, err := w.useToken(); err != nil {
			w.TokenNote = "the leader's token cannot be used now (" + err.Error() + "); the leader's key is a PKCS#12 file"
		} else {
			w.LeaderOnToken = true
			w.Leader = Credential{Source: desk.KeySource{Kind: desk.KeyPKCS11, Path: mod, TokenLabel: TokenLabel, KeyLabel: KeyLabel},
				Secret: TokenPIN, Where: "SoftHSM2 token"}
		}
	}
	for _, k := range []struct {
		dst  **keys.Key
		name string
	}{{&w.ids.leader, "leader"}, {&w.ids.agency, "agency"}, {&w.ids.clerk, "clerk"}} {
		key, err := keys.LoadPKCS12File(filepath.Join(w.PKIDir, k.name+".p12"), []byte(Password))
		if err != nil {
			return fmt.Errorf("demo world: %w", err)
		}
		*k.dst = key
	}
	return nil
}

// makeToken puts the leader's key on a new SoftHSM2 token.
func (w *World) makeToken(pki *demopki.PKI) error {
	hsm, err := keys.NewSoftHSM(filepath.Join(w.opts.Dir, "softhsm"))
	if err != nil {
		return err
	}
	if err := selectSoftHSM(hsm); err != nil {
		return err
	}
	if err := hsm.InitToken(TokenLabel, []byte(tokenSO), []byte(TokenPIN)); err != nil {
		return err
	}
	return hsm.Import(TokenLabel, []byte(TokenPIN), KeyLabel, []byte{1}, pki.Leader.Key, pki.Leader.Chain, false)
}

// useToken selects the world's SoftHSM2 instance and returns its driver.
func (w *World) useToken() (string, error) {
	hsm, err := keys.NewSoftHSM(filepath.Join(w.opts.Dir, "softhsm"))
	if err != nil {
		return "", err
	}
	if err := selectSoftHSM(hsm); err != nil {
		return "", err
	}
	return hsm.Module(), nil
}

// selectSoftHSM points this process's SoftHSM2 driver at hsm: the driver
// reads SOFTHSM2_CONF when it is first loaded.
func selectSoftHSM(hsm *keys.SoftHSM) error {
	if cur := os.Getenv("SOFTHSM2_CONF"); cur != "" && cur != hsm.ConfigPath() {
		return fmt.Errorf("SOFTHSM2_CONF already names %s", cur)
	}
	return os.Setenv("SOFTHSM2_CONF", hsm.ConfigPath())
}

func (w *World) saveConfig() error {
	data, err := json.MarshalIndent(w.cfg, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(w.opts.Dir, "world.json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	return nil
}

// startAxis serves the reference axis on 127.0.0.1.
func (w *World) startAxis(ctx context.Context) error {
	if err := os.MkdirAll(filepath.Join(w.opts.Dir, "axis", "tmp"), 0o700); err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	db, err := hub.OpenSQLite(ctx, filepath.Join(w.opts.Dir, "axis", "axis.db"))
	if err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	w.hubDB = db
	var systems []hub.System
	for _, s := range w.cfg.Systems {
		systems = append(systems, hub.System{ID: s.ID, Secret: mustHex(s.Secret), Agency: s.Code, Name: s.Name})
	}
	srv, err := hub.New(ctx, hub.Config{Systems: systems, Store: db, TempDir: filepath.Join(w.opts.Dir, "axis", "tmp"),
		Logger: w.log.With("part", "axis")})
	if err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	w.hubSrv = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo world: open a local port for the axis: %w", err)
	}
	w.AxisURL = "http://" + ln.Addr().String()
	w.http = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	w.served = make(chan struct{})
	go func() {
		defer close(w.served)
		_ = w.http.Serve(ln)
	}()
	return nil
}

func randomHex() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		return []byte(s)
	}
	return b
}
