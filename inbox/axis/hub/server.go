package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
)

// Config configures a Server.
type Config struct {
	// Systems are the client systems. When given they are the registry:
	// stored (secrets sealed only under SecretKey), their agencies
	// registered, and stored systems not among them removed. When empty,
	// the systems stored earlier are served, which needs SecretKey.
	Systems []System
	// Store keeps everything persistent. The server does not close it.
	Store Store
	// SecretKey (KeySize bytes, see LoadKeyFile) seals system secrets in
	// the store; nil keeps them in memory only.
	SecretKey []byte
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Window is how far a request's timestamp may be from Now (default 5 min).
	Window time.Duration
	// MaxBody bounds a request body in bytes (default 64 MiB).
	MaxBody int64
	// RateLimit bounds each system's requests (zero: no limit), except
	// for the systems with a RateLimit of their own.
	RateLimit RateLimit
	// Faults injects faults for tests (nil: none).
	Faults *Faults
	// SDKCompat accepts requests without a request id, as the field SDK
	// sends them; replays of such requests cannot be recognised.
	SDKCompat bool
	// Logger receives structured logs (default: discarded).
	Logger *slog.Logger
	// TempDir holds uploads while they are checked (default os.TempDir()).
	TempDir string
	// ListLimit bounds the entries of one list answer (default 500).
	ListLimit int
	// PruneEvery is how often expired request ids are forgotten (default 1 min).
	PruneEvery time.Duration
}

// Defaults.
const (
	DefaultMaxBody   = 64 << 20
	DefaultWindow    = 5 * time.Minute
	DefaultListLimit = 500
	maxSmallBody     = 64 << 10 // registerAgency's JSON
	minSecretLen     = 16       // below this a secret is logged as weak
)

// Server is the reference axis: an http.Handler serving the calls of
// AXIS.md §2 under /{call}, plus /healthz and /metrics.
type Server struct {
	store     Store
	log       *slog.Logger
	now       func() time.Time
	window    time.Duration
	maxBody   int64
	listLimit int
	tempDir   string
	sdkCompat bool
	systems   map[string]*System // by id; read-only after New
	mailboxes map[string]bool    // agency/mailbox addresses some system receives
	limiter   *limiter
	faults    *Faults
	metrics   *metrics
	lists     *listCache
	targets   *targetCache
	uploads   atomic.Int64 // bytes of uploads held in memory (see upload)

	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// New checks cfg, brings the store's systems and agencies in line with
// cfg.Systems and starts the pruning of expired request ids (stopped by
// Close).
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("hub: no store")
	}
	if cfg.SecretKey != nil && len(cfg.SecretKey) != KeySize {
		return nil, fmt.Errorf("hub: the server key has %d bytes, not %d", len(cfg.SecretKey), KeySize)
	}
	s := &Server{
		store:     cfg.Store,
		log:       cfg.Logger,
		now:       cfg.Now,
		window:    cfg.Window,
		maxBody:   cfg.MaxBody,
		listLimit: cfg.ListLimit,
		tempDir:   cfg.TempDir,
		sdkCompat: cfg.SDKCompat,
		systems:   map[string]*System{},
		mailboxes: map[string]bool{},
		faults:    cfg.Faults,
		metrics:   newMetrics(),
		lists:     newListCache(listCacheBytes),
		targets:   newTargetCache(recentTargets),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.window <= 0 {
		s.window = DefaultWindow
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	if s.listLimit <= 0 {
		s.listLimit = DefaultListLimit
	}
	if s.tempDir == "" {
		s.tempDir = os.TempDir()
	}
	if err := s.loadSystems(ctx, cfg.Systems, cfg.SecretKey); err != nil {
		return nil, err
	}
	own := map[string]RateLimit{}
	for id, sys := range s.systems {
		if sys.RateLimit != nil {
			own[id] = *sys.RateLimit
		}
	}
	s.limiter = newLimiter(cfg.RateLimit, own)
	if s.sdkCompat {
		s.log.Warn("sdk compatibility: requests without a request id are accepted; their replays within the time window cannot be recognised")
	}
	if s.faults != nil {
		s.log.Warn("fault injection is on", "faults", s.faults.String())
	}
	every := cfg.PruneEvery
	if every <= 0 {
		every = time.Minute
	}
	pctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop, s.done = stop, make(chan struct{})
	go s.prune(pctx, every)
	s.log.Info("axis ready", "systems", len(s.systems), "sdkCompat", s.sdkCompat, "maxBody", s.maxBody)
	return s, nil
}

// loadSystems makes the registry: cfg.Systems if given (and stores them),
// otherwise the stored systems opened with the key.
func (s *Server) loadSystems(ctx context.Context, systems []System, key []byte) error {
	now := s.now()
	if len(systems) > 0 {
		keep := map[string]bool{}
		for i := range systems {
			sys := systems[i]
			if err := sys.validate(); err != nil {
				return fmt.Errorf("hub: %w", err)
			}
			if keep[sys.ID] {
				return fmt.Errorf("hub: system %s configured twice", sys.ID)
			}
			keep[sys.ID] = true
			rec := SystemRecord{ID: sys.ID, Agency: sys.Agency, Name: sys.Name, Mailboxes: sys.Mailboxes, Updated: now}
			if key != nil {
				sealed, err := sealSecret(key, sys.ID, sys.Secret)
				if err != nil {
					return fmt.Errorf("hub: seal the secret of %s: %w", sys.ID, err)
				}
				rec.SealedSecret = sealed
			}
			if err := s.store.PutSystem(ctx, rec); err != nil {
				return err
			}
			a, err := s.store.Agency(ctx, sys.Agency)
			switch {
			case errors.Is(err, ErrNotFound):
				a = Agency{Code: sys.Agency, Name: sys.Name}
			case err != nil:
				return err
			}
			if a.Name == "" {
				a.Name = sys.Name
			}
			a.Owner, a.Updated = "", now
			if _, err := s.store.PutAgency(ctx, a); err != nil {
				return err
			}
			if len(sys.Secret) < minSecretLen {
				s.log.Warn("short system secret; use at least 16 random bytes", "systemId", sys.ID, "length", len(sys.Secret))
			}
			s.addSystem(sys)
		}
		stored, err := s.store.Systems(ctx)
		if err != nil {
			return err
		}
		for _, r := range stored {
			if !keep[r.ID] {
				if err := s.store.DeleteSystem(ctx, r.ID); err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
				s.log.Info("system removed", "systemId", r.ID)
			}
		}
		return nil
	}
	stored, err := s.store.Systems(ctx)
	if err != nil {
		return err
	}
	for _, r := range stored {
		if r.SealedSecret == nil || key == nil {
			s.log.Warn("stored system without a usable secret; not served", "systemId", r.ID, "sealed", r.SealedSecret != nil)
			continue
		}
		secret, err := openSecret(key, r.ID, r.SealedSecret)
		if err != nil {
			s.log.Warn("stored system whose secret does not open; not served", "systemId", r.ID, "err", err)
			continue
		}
		sys := System{ID: r.ID, Secret: secret, Agency: r.Agency, Name: r.Name, Mailboxes: r.Mailboxes}
		if err := sys.validate(); err != nil {
			s.log.Warn("stored system is invalid; not served", "systemId", r.ID, "err", err)
			continue
		}
		s.addSystem(sys)
	}
	if len(s.systems) == 0 {
		s.log.Warn("no systems: every call will be refused")
	}
	return nil
}

func (s *Server) addSystem(sys System) {
	s.systems[sys.ID] = &sys
	for _, m := range sys.Mailboxes {
		s.mailboxes[sys.Agency+"/"+m] = true
	}
}

// prune forgets expired request ids until ctx ends.
func (s *Server) prune(ctx context.Context, every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.store.ForgetRequests(ctx, s.now())
			if err != nil && ctx.Err() == nil {
				s.log.Error("forgetting expired request ids failed", "err", err)
			} else if n > 0 {
				s.log.Debug("expired request ids forgotten", "count", n)
			}
		}
	}
}

// Close stops the server's background work. It does not close the store;
// stop serving requests first.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		<-s.done
	})
	return nil
}

// Codes of this server beyond the shared ones of package axis.
const (
	CodeForbidden        = "FORBIDDEN"          // 403: the system may not touch that
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED" // 405
)

func errForbidden(desc string) *axis.Error {
	return &axis.Error{HTTPStatus: http.StatusForbidden, Code: CodeForbidden, Desc: desc}
}

// call describes one endpoint.
type call struct {
	method  string
	handler func(s *Server, ctx context.Context, w http.ResponseWriter, r *http.Request, q *request) error
	// inWrite: the handler's store write remembers the request id (q.req),
	// before the handler answers or changes anything else; other calls'
	// ids are remembered before the handler runs. One commit instead of
	// two for the calls a sync makes per packet.
	inWrite bool
}

var calls = map[string]call{
	axis.CallReceivedList: {method: http.MethodPost, handler: (*Server).receivedList},
	axis.CallGetEdoc:      {method: http.MethodPost, handler: (*Server).getEdoc, inWrite: true},
	axis.CallDownloadEdoc: {method: http.MethodGet, handler: (*Server).downloadEdoc, inWrite: true},
	axis.CallSendEdoc:     {method: http.MethodPost, handler: (*Server).sendEdoc, inWrite: true},
	axis.CallUpdateStatus: {method: http.MethodPost, handler: (*Server).updateStatus, inWrite: true},
	axis.CallSentList:     {method: http.MethodPost, handler: (*Server).sentList},
	axis.CallCountEdoc:    {method: http.MethodGet, handler: (*Server).countEdoc},
	axis.CallCountStatus:  {method: http.MethodGet, handler: (*Server).countStatus},
	axis.CallAgencies:     {method: http.MethodPost, handler: (*Server).agencies},
	axis.CallRegisterAgcy: {method: http.MethodPost, handler: (*Server).registerAgency},
	axis.CallDeleteAgency: {method: http.MethodPost, handler: (*Server).deleteAgency},
}

// request is an authenticated call.
type request struct {
	sys *System
	v   *axis.Verified
	now time.Time
	// req is the request id for the handler's write to remember (zero
	// when it was remembered before the handler ran, or there is none).
	req Request
}

// recorder remembers what was answered, for the log and the metrics.
type recorder struct {
	http.ResponseWriter
	status   int
	code     string
	desc     string
	systemID string
	call     string
	wrote    bool
}

func (w *recorder) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// discard is the writer of work done before a fault replaces the answer.
type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(code int)        { d.status = code }

// ServeHTTP answers one request. It never panics: a bug becomes a 500
// with the INTERNAL code, logged with its stack.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name := strings.TrimPrefix(r.URL.Path, "/")
	metricName := name
	if _, ok := calls[name]; !ok && name != "healthz" && name != "metrics" {
		metricName = "unknown"
	}
	rw := &recorder{ResponseWriter: w, call: metricName}
	defer func() {
		if v := recover(); v != nil {
			s.metrics.panicked()
			s.log.Error("request panicked", "call", metricName, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !rw.wrote {
				s.fail(rw, axis.NewError(axis.CodeInternal, "the server failed; the error is logged"))
			}
		}
		d := time.Since(start)
		code := rw.code
		if code == "" {
			code = axis.CodeOK
		}
		s.metrics.observe(metricName, code, d)
		level := slog.LevelInfo
		switch {
		case rw.status >= 500:
			level = slog.LevelError
		case rw.status >= 400 || rw.status == 0:
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("call", metricName), slog.String("method", r.Method),
			slog.Int("status", rw.status), slog.String("code", code),
			slog.Int64("durationMs", d.Milliseconds()), slog.String("remote", r.RemoteAddr),
		}
		if rw.systemID != "" {
			attrs = append(attrs, slog.String("systemId", rw.systemID))
		}
		if rw.desc != "" {
			attrs = append(attrs, slog.String("desc", rw.desc))
		}
		s.log.LogAttrs(r.Context(), level, "request", attrs...)
	}()
	switch name {
	case "healthz":
		s.healthz(rw, r)
		return
	case "metrics":
		s.serveMetrics(rw, r)
		return
	}
	c, ok := calls[name]
	if !ok {
		s.fail(rw, axis.NewError(axis.CodeNotFound, "no call named "+strconv.Quote(truncate(name, 80))))
		return
	}
	s.serveCall(r.Context(), rw, r, name, c)
}

func (s *Server) serveCall(ctx context.Context, w *recorder, r *http.Request, name string, c call) {
	plan := s.faults.plan()
	if plan.delay > 0 {
		s.metrics.fault("delay")
		t := time.NewTimer(plan.delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if plan.drop && !plan.after {
		s.metrics.fault("drop")
		s.drop(w)
		return
	}
	if plan.fail && !plan.after {
		s.metrics.fault("5xx")
		s.fail(w, axis.NewError(axis.CodeUnavailable, "the axis is unavailable (injected fault); retry later"))
		return
	}
	if r.Method != c.method {
		w.Header().Set("Allow", c.method)
		s.fail(w, &axis.Error{HTTPStatus: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed,
			Desc: fmt.Sprintf("%s takes %s, not %s", name, c.method, truncate(r.Method, 20))})
		return
	}
	limit := int64(maxSmallBody)
	if name == axis.CallSendEdoc {
		limit = s.maxBody
	}
	if r.ContentLength > limit {
		s.fail(w, axis.NewError(axis.CodeTooLarge, fmt.Sprintf("the request body has %d bytes; at most %d are accepted", r.ContentLength, limit)))
		return
	}
	r.Body = http.MaxBytesReader(w.ResponseWriter, r.Body, limit)

	now := s.now()
	v, err := axis.Verify(r, axis.VerifyOptions{Secret: s.secret, Now: now, Window: s.window, SDKCompat: s.sdkCompat})
	if err != nil {
		s.fail(w, err)
		return
	}
	sys := s.systems[v.SystemID]
	w.systemID = sys.ID
	if !s.sdkCompat {
		if h := unsignedParameter(r, v); h != "" {
			s.fail(w, axis.NewError(axis.CodeAuthMismatch, "header "+truncate(h, 60)+" was sent but not signed"))
			return
		}
		if ct, ok := v.Headers[strings.ToLower(axis.HeaderCType)]; ok && ct != r.Header.Get(axis.HeaderCType) {
			s.fail(w, axis.NewError(axis.CodeAuthMismatch, "Content-Type was not sent as signed"))
			return
		}
	}
	if ok, wait := s.limiter.allow(sys.ID, now); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.fail(w, axis.NewError(axis.CodeRateLimited, "too many requests from "+sys.ID+"; retry later"))
		return
	}
	q := &request{sys: sys, v: v, now: now}
	if v.RequestID != "" {
		// A request is acceptable while its timestamp is within the window;
		// remember its id a minute longer for clock differences between
		// instances.
		q.req = Request{SystemID: sys.ID, ID: v.RequestID, Until: v.Timestamp.Add(s.window + time.Minute)}
		if !c.inWrite {
			if err := s.store.RememberRequest(ctx, q.req.SystemID, q.req.ID, q.req.Until); err != nil {
				s.fail(w, replayed(err, v))
				return
			}
			q.req = Request{}
		}
	}
	if plan.expire {
		s.metrics.fault("expire")
		s.fail(w, axis.NewError(axis.CodeAuthExpired, "the credentials have expired (injected fault)"))
		return
	}
	if plan.after && (plan.fail || plan.drop) {
		d := &discard{}
		rec := &recorder{ResponseWriter: d, call: w.call, systemID: w.systemID}
		if err := c.handler(s, ctx, rec, r, q); err != nil {
			s.fail(rec, replayed(err, v))
		}
		if plan.drop {
			s.metrics.fault("drop_after")
			s.drop(w)
			return
		}
		s.metrics.fault("5xx_after")
		s.fail(w, axis.NewError(axis.CodeUnavailable, "the axis is unavailable (injected fault after doing the work); retry later"))
		return
	}
	if err := c.handler(s, ctx, w, r, q); err != nil {
		s.fail(w, replayed(err, v))
	}
}

// replayed turns the store's ErrReplay into the answer for a replayed
// request; other errors pass.
func replayed(err error, v *axis.Verified) error {
	if errors.Is(err, ErrReplay) {
		return axis.NewError(axis.CodeAuthReplay, "request id "+strconv.Quote(truncate(v.RequestID, 80))+" was used already")
	}
	return err
}

// unsignedParameter returns an XroadVnpt- header that was sent but not
// signed: the server reads only signed parameters, and a client sending
// another believes it has an effect it has not.
func unsignedParameter(r *http.Request, v *axis.Verified) string {
	for name := range r.Header {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, strings.ToLower(axis.Prefix)) {
			continue
		}
		switch http.CanonicalHeaderKey(name) {
		case http.CanonicalHeaderKey(axis.HeaderSign), http.CanonicalHeaderKey(axis.HeaderSignKey), http.CanonicalHeaderKey(axis.HeaderHash):
			continue
		}
		if _, ok := v.Headers[strings.TrimPrefix(lower, strings.ToLower(axis.Prefix))]; !ok {
			return name
		}
	}
	return ""
}

func (s *Server) secret(id string) ([]byte, bool) {
	sys, ok := s.systems[id]
	if !ok {
		return nil, false
	}
	return sys.Secret, true
}

// drop closes the connection without an answer (HTTP/1); where the
// connection cannot be taken over (HTTP/2) it answers 503 instead.
func (s *Server) drop(w *recorder) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.fail(w, axis.NewError(axis.CodeUnavailable, "the axis is unavailable (injected fault); retry later"))
		return
	}
	w.status, w.code, w.wrote = 0, "DROPPED", true
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// fail answers err with the JSON envelope. Errors other than *axis.Error
// are internal: logged, and answered without detail.
func (s *Server) fail(w *recorder, err error) {
	var ae *axis.Error
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, ErrNotFound):
		ae = axis.NewError(axis.CodeNotFound, "no such document")
	case errors.Is(err, context.Canceled):
		ae = axis.NewError(axis.CodeUnavailable, "the request was cancelled")
	default:
		s.log.Error("request failed", "call", w.call, "systemId", w.systemID, "err", err)
		ae = axis.NewError(axis.CodeInternal, "the server failed; the error is logged")
	}
	w.code, w.desc = ae.Code, ae.Desc
	status := ae.HTTPStatus
	if status == 0 {
		status = axis.StatusFor(ae.Code)
	}
	writeJSON(w, status, axis.Envelope{Status: "FAIL", ErrorCode: ae.Code, ErrorDesc: ae.Desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"status":"FAIL","ErrorCode":"INTERNAL","ErrorDesc":"the answer could not be encoded"}`)
	}
	writeBody(w, status, b)
}

// writeBody answers an encoded JSON body.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ok answers success with data (marshalled as the envelope's data when
// not nil).
func (s *Server) ok(w http.ResponseWriter, env axis.Envelope, data any) error {
	b, err := envelopeJSON(env, data)
	if err != nil {
		return err
	}
	writeBody(w, http.StatusOK, b)
	return nil
}

// envelopeJSON encodes a success with data (the envelope's data when not
// nil).
func envelopeJSON(env axis.Envelope, data any) ([]byte, error) {
	env.Status, env.ErrorCode = "OK", axis.CodeOK
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return nil, err
		}
		env.Data = b
	}
	return json.Marshal(env)
}

func (s *Server) healthz(w *recorder, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.fail(w, &axis.Error{HTTPStatus: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Desc: "healthz takes GET"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error("health check failed", "err", err)
		s.fail(w, axis.NewError(axis.CodeUnavailable, "the store does not answer"))
		return
	}
	_ = s.ok(w, axis.Envelope{}, nil)
}

func (s *Server) serveMetrics(w *recorder, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.fail(w, &axis.Error{HTTPStatus: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed, Desc: "metrics takes GET"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	depth, err := s.store.QueueDepth(ctx)
	if err != nil {
		s.log.Error("queue depth unavailable", "err", err)
		depth = nil
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_ = s.metrics.write(w, depth)
}

// addresses returns what sys receives for.
func (q *request) addresses() []string { return q.sys.Addresses() }

func (q *request) owns(addr string) bool { return slices.Contains(q.addresses(), addr) }

// copyBody copies a stored packet body to w.
func copyBody(w io.Writer, rc io.ReadCloser) error {
	defer rc.Close()
	_, err := io.Copy(w, rc)
	return err
}
