package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/config"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/identity"
	"github.com/liaison-project/liaison/internal/metrics"
)

// ServeOptions are the inputs of `liaison serve`.
type ServeOptions struct {
	Dir              string
	APIListen        string // overrides the configuration when set
	FederationListen string
	PlainHTTP        bool
	LogLevel         string
	Stderr           io.Writer
	// Ready, when not nil, is called with the bound addresses once every
	// listener accepts connections (tests use it).
	Ready func(Addrs)
}

// Addrs are the addresses a serving node listens on.
type Addrs struct {
	API, Federation, Metrics string
}

// ShutdownTimeout bounds how long in-flight requests may run after SIGTERM.
const ShutdownTimeout = config.DefaultShutdownTimeout

// Node is an opened node directory: configuration, identity, database and
// services, ready to serve.
type Node struct {
	cfg     *config.Config
	dir     string
	id      *identity.Identity
	db      *db.DB
	log     *slog.Logger
	metrics *metrics.Metrics
	svc     *services
}

// Open loads a node directory, connects to its database and applies pending
// migrations.
func Open(ctx context.Context, dir string, cfg *config.Config, log *slog.Logger) (*Node, error) {
	id, err := identity.Load(dir, cfg.Agency.ID, cfg.Agency.Country, cfg.Agency.Name, cfg.API.CertFile, cfg.API.KeyFile)
	if err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, cfg.DatabaseDSN(dir), db.Options{})
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx, Schemas()...); err != nil {
		d.Close()
		return nil, err
	}
	m := metrics.New()
	svc, err := newServices(ctx, dir, cfg, id, d, log, m)
	if err != nil {
		d.Close()
		return nil, err
	}
	if err := svc.audit.Err(); err != nil {
		log.Error("audit log integrity failure: the node records events but signs no checkpoints until `liaison audit verify` has located the damage",
			slog.String("error", err.Error()))
	}
	return &Node{cfg: cfg, dir: dir, id: id, db: d, log: log, metrics: m, svc: svc}, nil
}

// Close releases the database after queued writes have committed.
func (n *Node) Close() error { return n.db.Close() }

// Serve runs a node until ctx is cancelled (SIGINT/SIGTERM), then shuts down
// gracefully.
func Serve(ctx context.Context, o ServeOptions) error {
	cfg, err := config.Load(o.Dir)
	if err != nil {
		return err
	}
	if o.APIListen != "" {
		cfg.API.Listen = o.APIListen
	}
	if o.FederationListen != "" {
		cfg.Federation.Listen = o.FederationListen
	}
	if o.PlainHTTP {
		cfg.API.PlainHTTP = true
	}
	if o.LogLevel != "" {
		cfg.Log.Level = o.LogLevel
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	stderr := o.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	log := NewLogger(stderr, cfg.Log.Level).With(slog.String("agency", cfg.Agency.ID))
	n, err := Open(ctx, o.Dir, cfg, log)
	if err != nil {
		return err
	}
	defer n.Close()
	return n.serve(ctx, o.Ready)
}

// NewLogger returns the JSON logger of a node.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch level {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func (n *Node) serve(ctx context.Context, ready func(Addrs)) error {
	apiHandler, err := n.apiMux()
	if err != nil {
		return err
	}
	apiLn, err := net.Listen("tcp", n.cfg.API.Listen)
	if err != nil {
		return fmt.Errorf("officer API listener: %w", err)
	}
	fedLn, err := net.Listen("tcp", n.cfg.Federation.Listen)
	if err != nil {
		apiLn.Close()
		return fmt.Errorf("federation listener: %w", err)
	}
	servers := []*http.Server{
		n.newServer(apiHandler),
		n.newServer(httpx.Common(n.log, n.metrics.Instrument("federation", n.svc.federation.Handler()))),
	}
	servers[1].TLSConfig = n.svc.federation.TLSConfig()
	listeners := []net.Listener{apiLn, tls.NewListener(fedLn, servers[1].TLSConfig)}
	if !n.cfg.API.PlainHTTP {
		servers[0].TLSConfig = &tls.Config{Certificates: []tls.Certificate{n.id.TLS}, MinVersion: tls.VersionTLS12}
		listeners[0] = tls.NewListener(apiLn, servers[0].TLSConfig)
	}
	addrs := Addrs{API: apiLn.Addr().String(), Federation: fedLn.Addr().String()}
	if n.cfg.Metrics.Listen != "" {
		mln, err := net.Listen("tcp", n.cfg.Metrics.Listen)
		if err != nil {
			apiLn.Close()
			fedLn.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", n.metrics.Handler())
		servers = append(servers, n.newServer(mux))
		listeners = append(listeners, mln)
		addrs.Metrics = mln.Addr().String()
	}

	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() {
			if err := srv.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	jobsDone := n.svc.run(jobsCtx)
	n.log.Info("node serving",
		slog.String("api", APIURLFor(addrs.API, n.cfg.API.PlainHTTP)),
		slog.String("federation", addrs.Federation),
		slog.String("database", n.db.Dialect().String()))
	if ready != nil {
		ready(addrs)
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
		n.log.Error("listener failed", slog.String("error", serveErr.Error()))
	}
	n.log.Info("shutting down: draining in-flight requests", slog.Duration("timeout", ShutdownTimeout))
	shutCtx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(shutCtx); err != nil {
			n.log.Warn("shutdown", slog.String("error", err.Error()))
			srv.Close()
		}
	}
	stopJobs()
	<-jobsDone // the audit log signs a last checkpoint covering every committed event
	if err := n.svc.notices.WriteSnapshot(); err != nil {
		n.log.Warn("save border index snapshot", slog.String("error", err.Error()))
	}
	n.log.Info("stopped")
	return serveErr
}

// APIURLFor is the URL of an API bound to addr.
func APIURLFor(addr string, plain bool) string {
	if plain {
		return "http://" + addr
	}
	return "https://" + addr
}

func (n *Node) newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // large uploads stream; bodies are size-limited
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
	}
}

// apiMux is the officer listener: health, metrics and the API.
func (n *Node) apiMux() (http.Handler, error) {
	apiH, err := n.svc.apiHandler()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /readyz", httpx.Handle(n.log, n.handleReady))
	mux.Handle("GET /metrics", httpx.Handle(n.log, func(w http.ResponseWriter, r *http.Request) error {
		p, err := n.svc.auth.Authenticate(r)
		if err != nil {
			return err
		}
		if p.Role != access.Admin {
			return errs.E(errs.Permission, "metrics are for administrators")
		}
		n.metrics.Handler().ServeHTTP(w, r)
		return nil
	}))
	mux.Handle("/api/", apiH)
	mux.Handle("/", n.portal())
	return httpx.Common(n.log, n.metrics.Instrument("api", mux)), nil
}

func (n *Node) handleReady(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := n.db.Ping(ctx); err != nil {
		return errs.E(errs.Transient, "database unreachable", err)
	}
	if err := n.db.CheckMigrations(ctx, Schemas()...); err != nil {
		return errs.E(errs.Transient, "database migrations not current", err)
	}
	return httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
