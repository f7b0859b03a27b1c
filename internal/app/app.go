// Package app is the only wiring package: it turns a node directory into
// running services — configuration, identity, database, capability
// services, the officer API, the federation listener and metrics — and is
// imported by nothing but the CLI.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/config"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/identity"
	"github.com/liaison-project/liaison/internal/metrics"
)

// Schemas lists every component's migrations, in dependency order.
func Schemas() []db.Schema {
	return []db.Schema{api.Schema, audit.Schema, auth.Schema}
}

// services are the capability services of a node.
type services struct {
	cfg   *config.Config
	id    *identity.Identity
	db    *db.DB
	log   *slog.Logger
	audit *audit.Log
	auth  *auth.Service
	idem  *api.Idempotency
}

func newServices(ctx context.Context, cfg *config.Config, id *identity.Identity, d *db.DB, log *slog.Logger, m *metrics.Metrics) (*services, error) {
	s := &services{cfg: cfg, id: id, db: d, log: log}
	var err error
	s.audit, err = audit.Open(ctx, d, audit.Config{Agency: cfg.Agency.ID, Key: id.SigningKey, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	s.idem = &api.Idempotency{DB: d, Log: log}
	s.auth = auth.New(auth.Config{
		Agency: cfg.Agency.ID, Country: cfg.Agency.Country,
		TokenTTL:    cfg.Auth.TokenTTL.Or(config.DefaultTokenTTL),
		SessionIdle: cfg.Auth.SessionIdle.Or(config.DefaultSessionIdle),
		SessionMax:  cfg.Auth.SessionMax.Or(config.DefaultSessionMax),
	}, d, s.audit, log)
	return s, nil
}

// routes collects the API routes of every capability.
func (s *services) routes() []api.Route {
	var r []api.Route
	r = append(r, s.auth.Routes()...)
	r = append(r, s.audit.Routes()...)
	return r
}

// apiHandler builds the officer API.
func (s *services) apiHandler() (http.Handler, error) {
	return api.Handler(api.Config{
		Log:         s.log,
		Auth:        s.auth,
		Idempotency: s.idem,
		MaxBody:     s.cfg.API.MaxBodyBytes,
		Info:        api.Info{Title: "Liaison officer API", Version: "1"},
	}, s.routes())
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
