// Package fedtest runs several federated nodes in one test process. Each
// node has its own database (internal/db/dbtest: SQLite in a temporary
// directory, or a PostgreSQL schema when LIAISON_TEST_POSTGRES is set), its
// own identity, a federation.Service, a real mutual-TLS federation listener
// on a loopback port, and the officer API behind api.Handler with a fixed
// token per role. Nodes can be stopped and started again on the same
// database and port, to test a partner that is offline for a while.
//
// The audit log is a [Recorder]: events are rows written in the caller's
// transaction, so tests see exactly the events that committed.
package fedtest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/identity"
	"github.com/liaison-project/liaison/internal/loopback"
)

// Roles with a fixed API token on every node: the token is the role name.
var Roles = []access.Role{access.Admin, access.SPOC, access.Investigator, access.Analyst, access.DPO}

// Config returns the federation configuration tests use: short backoffs and
// polls so that retries happen within a test's patience.
func Config() federation.Config {
	return federation.Config{
		BackoffMin:   20 * time.Millisecond,
		BackoffMax:   300 * time.Millisecond,
		PollInterval: 250 * time.Millisecond,
		ChunkSize:    64 << 10,
	}
}

// Node is one agency's node.
type Node struct {
	Agency  string
	Country string
	ID      *identity.Identity
	DB      *db.DB
	Audit   *Recorder
	API     *httptest.Server // officer API, plain HTTP, stable across restarts
	URL     string           // federation URL, e.g. https://127.0.0.1:40123

	t        testing.TB
	cfg      federation.Config
	addr     string
	svc      atomic.Pointer[federation.Service]
	metrics  atomic.Pointer[prometheus.Registry]
	handler  atomic.Pointer[http.Handler]
	offset   atomic.Int64 // added to the wall clock, for tests of time limits
	mu       sync.Mutex
	running  *running
	handlers map[string]federation.InboundHandler
	control  map[string]bool // handlers registered with HandleControl
	settled  []func()        // OnSettled observers
	log      *slog.Logger
}

type running struct {
	srv    *http.Server
	cancel context.CancelFunc
	done   chan error
}

// NewNode creates and starts a node for agency (an id such as "NL-NCB")
// in country. edit, when not nil, adjusts its federation configuration.
func NewNode(t testing.TB, agency, country string, edit func(*federation.Config)) *Node {
	t.Helper()
	id, err := identity.Generate(agency, country, agency+" liaison office", nil)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := loopback.FreeAddr() // fixed: the partner card names it, and restarts reuse it
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config()
	cfg.URLs = []string{"https://" + addr}
	if edit != nil {
		edit(&cfg)
	}
	d := dbtest.Open(t, federation.Schema, RecorderSchema)
	n := &Node{Agency: agency, Country: country, ID: id, DB: d, Audit: &Recorder{DB: d}, URL: cfg.URLs[0],
		t: t, cfg: cfg, addr: addr, log: testLogger(t, agency)}
	var notStarted http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, r, n.log, errs.E(errs.Transient, "node is stopped"))
	})
	n.handler.Store(&notStarted)
	n.API = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*n.handler.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(n.API.Close)
	t.Cleanup(n.Stop)
	n.Start()
	return n
}

// testLogger logs warnings and errors through t when LIAISON_TEST_LOG is
// set, and discards everything otherwise.
func testLogger(t testing.TB, agency string) *slog.Logger {
	if os.Getenv("LIAISON_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})).With("node", agency)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// Service is the node's current federation service (a new one after each
// Start).
func (n *Node) Service() *federation.Service { return n.svc.Load() }

// Handle registers an inbound handler on the node's service, now and
// after every restart (before its workers and listener start).
func (n *Node) Handle(msgType string, h federation.InboundHandler) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.handlers == nil {
		n.handlers = map[string]federation.InboundHandler{}
	}
	n.handlers[msgType] = h
	delete(n.control, msgType)
	n.Service().Handle(msgType, h)
}

// HandleControl registers a control message handler
// (federation.Service.HandleControl), now and after every restart.
func (n *Node) HandleControl(msgType string, h federation.InboundHandler) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.handlers == nil {
		n.handlers = map[string]federation.InboundHandler{}
	}
	if n.control == nil {
		n.control = map[string]bool{}
	}
	n.handlers[msgType] = h
	n.control[msgType] = true
	n.Service().HandleControl(msgType, h)
}

// OnSettled registers f with the node's service
// (federation.Service.OnSettled), now and after every restart.
func (n *Node) OnSettled(f func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.settled = append(n.settled, f)
	n.Service().OnSettled(f)
}

// Now is the node's clock: the wall clock moved by Advance.
func (n *Node) Now() time.Time { return time.Now().Add(time.Duration(n.offset.Load())) }

// Advance moves the node's clock forward by d.
func (n *Node) Advance(d time.Duration) { n.offset.Add(int64(d)) }

// Metrics is the registry of the node's current service.
func (n *Node) Metrics() *prometheus.Registry { return n.metrics.Load() }

// Start opens a fresh federation service on the node's database, serves the
// federation listener on the node's port and runs the delivery workers.
func (n *Node) Start() {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.running != nil {
		return
	}
	reg := prometheus.NewRegistry()
	svc, err := federation.New(n.cfg, federation.Deps{DB: n.DB, Identity: n.ID, Audit: n.Audit, Log: n.log, Metrics: reg, Now: n.Now})
	if err != nil {
		n.t.Fatalf("%s: federation.New: %v", n.Agency, err)
	}
	for t, h := range n.handlers {
		if n.control[t] {
			svc.HandleControl(t, h)
		} else {
			svc.Handle(t, h)
		}
	}
	for _, f := range n.settled {
		svc.OnSettled(f)
	}
	n.svc.Store(svc)
	n.metrics.Store(reg)
	h, err := api.Handler(api.Config{Log: n.log, Auth: roleTokens{agency: n.Agency, country: n.Country}}, svc.Routes())
	if err != nil {
		n.t.Fatalf("%s: api.Handler: %v", n.Agency, err)
	}
	n.handler.Store(&h)
	var ln net.Listener
	for range 50 { // the port may still be held briefly after a stop
		if ln, err = net.Listen("tcp", n.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		n.t.Fatalf("%s: listen on %s again: %v", n.Agency, n.addr, err)
	}
	tlsCfg := svc.TLSConfig()
	srv := &http.Server{Handler: httpx.Common(n.log, svc.Handler()), TLSConfig: tlsCfg,
		ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
	go srv.Serve(tls.NewListener(ln, tlsCfg))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	n.running = &running{srv: srv, cancel: cancel, done: done}
}

// Stop takes the node offline: the workers stop and the federation
// listener closes. The database stays open, as a disk would.
func (n *Node) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	r := n.running
	if r == nil {
		return
	}
	n.running = nil
	r.srv.Close()
	r.cancel()
	if err := <-r.done; err != nil {
		n.t.Errorf("%s: Run: %v", n.Agency, err)
	}
	var stopped http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, r, n.log, errs.E(errs.Transient, "node is stopped"))
	})
	n.handler.Store(&stopped)
}

// Client returns an officer API client acting with role.
func (n *Node) Client(role access.Role) *client.Client {
	return client.New(n.API.URL, string(role), nil)
}

// Principal is the officer behind role's token on this node.
func (n *Node) Principal(role access.Role) access.Principal {
	return access.Principal{UserID: "u-" + string(role), Username: strings.ToLower(n.Agency) + "-" + string(role),
		Role: role, Agency: n.Agency, Country: n.Country}
}

// Context returns a context acting as role with a justification, for
// calling the service directly.
func (n *Node) Context(role access.Role) context.Context {
	ctx := access.With(context.Background(), n.Principal(role))
	return access.WithJustification(ctx, access.Justification{Text: "test", CaseRef: "TEST-1"})
}

type roleTokens struct{ agency, country string }

func (a roleTokens) Authenticate(r *http.Request) (access.Principal, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	for _, role := range Roles {
		if ok && tok == string(role) {
			return access.Principal{UserID: "u-" + tok, Username: strings.ToLower(a.agency) + "-" + tok,
				Role: role, Agency: a.agency, Country: a.country}, nil
		}
	}
	return access.Principal{}, errs.E(errs.Unauthorized, "bad token")
}

// Introduce makes every pair of the given nodes partners, as their
// administrators would: each imports the other's card with the fingerprint
// read out of band.
func Introduce(t testing.TB, nodes ...*Node) {
	t.Helper()
	for _, a := range nodes {
		for _, b := range nodes {
			if a != b {
				AddCard(t, a, b)
			}
		}
	}
}

// AddCard makes to a partner of from on to's side: to imports from's card.
func AddCard(t testing.TB, to, from *Node) {
	t.Helper()
	ctx := to.Context(access.Admin)
	c, err := from.Service().OwnCard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jsonMarshal(c.Card)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := to.Service().AddPartner(ctx, raw, c.Fingerprint); err != nil {
		t.Fatalf("%s adds %s: %v", to.Agency, from.Agency, err)
	}
}

// Eventually retries check until it returns nil or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %v: %v", what, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ErrNotYet is a convenience for Eventually checks.
var ErrNotYet = errors.New("not yet")

// Errorf formats a not-yet error for Eventually checks.
func Errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// PartnerClient returns an HTTP client that connects with from's TLS
// certificate to to's federation listener (pinned to to's certificate),
// for tests that speak the federation protocol by hand.
func PartnerClient(from, to *Node) *http.Client {
	pin := identity.CertPin(to.ID.TLS.Leaf)
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		Certificates:       []tls.Certificate{from.ID.TLS},
		MinVersion:         tls.VersionTLS13,
		InsecureSkipVerify: true, // pinned below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || identity.CertPin(cs.PeerCertificates[0]) != pin {
				return errors.New("fedtest: server certificate does not match the pin")
			}
			return nil
		},
	}}}
}
