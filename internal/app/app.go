// Package app is the only wiring package: it turns a node directory into
// running services — configuration, identity, database, capability
// services, the officer API, the portal, the federation listener and
// metrics — and is imported by nothing but the CLI.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/config"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/identity"
	"github.com/liaison-project/liaison/internal/matchsvc"
	"github.com/liaison-project/liaison/internal/metrics"
	"github.com/liaison-project/liaison/internal/noticesvc"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
	"github.com/liaison-project/liaison/internal/witness"
)

// Schemas lists every component's migrations, in dependency order.
func Schemas() []db.Schema {
	return []db.Schema{api.Schema, audit.Schema, auth.Schema, federation.Schema, record.Schema, disclosure.Schema, witness.Schema, noticesvc.Schema, matchsvc.Schema}
}

// services are the capability services of a node.
type services struct {
	cfg        *config.Config
	id         *identity.Identity
	db         *db.DB
	log        *slog.Logger
	audit      *audit.Log
	auth       *auth.Service
	idem       *api.Idempotency
	decider    *policy.Decider
	federation *federation.Service
	records    *record.Service
	disclosure *disclosure.Service
	witness    *witness.Service
	notices    *noticesvc.Service
	matching   *matchsvc.Service
}

// newServices builds every capability over d. dir is the node directory
// (for files some capabilities keep beside the database).
func newServices(ctx context.Context, dir string, cfg *config.Config, id *identity.Identity, d *db.DB, log *slog.Logger, m *metrics.Metrics) (*services, error) {
	s := &services{cfg: cfg, id: id, db: d, log: log}
	var err error
	// Partners' witness keys come from their cards (filled by the witness
	// service); the audit log accepts cosignatures from them.
	witnessKeys := witness.NewKeys()
	// The records service tells disclosure, built after it, about changes.
	var recordChanged forwardChange
	s.audit, err = audit.Open(ctx, d, audit.Config{Agency: cfg.Agency.ID, Key: id.SigningKey, Logger: log, Witnesses: witnessKeys,
		Exercise: cfg.Agency.Exercise})
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	s.idem = &api.Idempotency{DB: d, Log: log}
	s.auth = auth.New(auth.Config{
		Agency: cfg.Agency.ID, Country: cfg.Agency.Country,
		TokenTTL:    cfg.Auth.TokenTTL.Or(config.DefaultTokenTTL),
		SessionIdle: cfg.Auth.SessionIdle.Or(config.DefaultSessionIdle),
		SessionMax:  cfg.Auth.SessionMax.Or(config.DefaultSessionMax),
		Exercise:    cfg.Agency.Exercise,
	}, d, s.audit, log)
	if s.decider, err = policy.New(policy.DefaultConfig()); err != nil {
		return nil, err
	}

	var reg prometheus.Registerer
	if m != nil {
		reg = m.Registry
	}
	s.federation, err = federation.New(federation.Config{URLs: cfg.Federation.URLs, Exercise: cfg.Agency.Exercise},
		federation.Deps{DB: d, Identity: id, Audit: s.audit, Log: log, Metrics: reg})
	if err != nil {
		return nil, fmt.Errorf("federation: %w", err)
	}
	s.records, err = record.New(record.Config{
		Agency: cfg.Agency.ID, Country: cfg.Agency.Country,
		Retention:      record.RetentionMode(cfg.Records.Retention),
		MaxCorrelation: cfg.Records.MaxCorrelation,
		ReviewDefaults: cfg.Records.ReviewDefaults,
	}, record.Deps{DB: d, Audit: s.audit, Hasher: s.audit, Decider: s.decider, Log: log, Hook: &recordChanged})
	if err != nil {
		return nil, fmt.Errorf("records: %w", err)
	}
	s.disclosure, err = disclosure.New(disclosure.Config{Agency: cfg.Agency.ID},
		disclosure.Deps{DB: d, Records: s.records, Federation: s.federation, Audit: s.audit, Log: log})
	if err != nil {
		return nil, fmt.Errorf("disclosure: %w", err)
	}
	// A correction, withdrawal or erasure starts towards the holders of
	// copies as soon as it commits, not at the disclosure worker's next poll.
	recordChanged.to = s.disclosure
	s.witness, err = witness.New(witness.Config{Agency: cfg.Agency.ID},
		witness.Deps{DB: d, Log: s.audit, Federation: s.federation, Keys: witnessKeys, Key: id.SigningKey,
			Audit: s.audit, Logger: log, Metrics: reg})
	if err != nil {
		return nil, fmt.Errorf("witness: %w", err)
	}
	s.notices, err = noticesvc.New(ctx, noticesvc.Config{
		Agency: cfg.Agency.ID, Country: cfg.Agency.Country,
		SnapshotFile: filepath.Join(dir, "border-index.snapshot"),
		Exercise:     cfg.Agency.Exercise,
	}, noticesvc.Deps{DB: d, Audit: s.audit, Hasher: s.audit, Decider: s.decider, Federation: s.federation, Log: log})
	if err != nil {
		return nil, fmt.Errorf("notices: %w", err)
	}
	s.matching, err = matchsvc.New(ctx, matchsvc.Config{Agency: cfg.Agency.ID, Country: cfg.Agency.Country, Exercise: cfg.Agency.Exercise},
		matchsvc.Deps{DB: d, Audit: s.audit, Hasher: s.audit, Decider: s.decider, Federation: s.federation,
			Records: s.records, SigningKey: id.SigningKey, Log: log})
	if err != nil {
		return nil, fmt.Errorf("matching: %w", err)
	}
	return s, nil
}

// routes collects the API routes of every capability.
func (s *services) routes() []api.Route {
	var r []api.Route
	r = append(r, s.auth.Routes()...)
	r = append(r, s.audit.Routes()...)
	r = append(r, s.federation.Routes()...)
	r = append(r, s.records.Routes()...)
	r = append(r, s.disclosure.Routes()...)
	r = append(r, s.witness.Routes()...)
	r = append(r, s.notices.Routes()...)
	r = append(r, s.matching.Routes()...)
	return r
}

// run starts the background work of every capability and returns a
// channel closed when all of it has stopped after ctx ends.
func (s *services) run(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	jobs := []func(context.Context){
		s.audit.Run, // signs a last checkpoint covering every committed event
		func(ctx context.Context) {
			if err := s.federation.Run(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("federation stopped", slog.String("error", err.Error()))
			}
		},
		s.records.Run,
		s.disclosure.Run,
		s.witness.Run,
		s.notices.Run,
		s.matching.Run,
		s.housekeeping,
	}
	go func() {
		defer close(done)
		finished := make(chan struct{}, len(jobs))
		for _, job := range jobs {
			go func() { job(ctx); finished <- struct{}{} }()
		}
		for range jobs {
			<-finished
		}
	}()
	return done
}

// housekeeping prunes expired sessions and idempotency keys.
func (s *services) housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.auth.PruneSessions(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("prune sessions", slog.String("error", err.Error()))
			}
			if err := s.idem.Prune(ctx, time.Now()); err != nil && ctx.Err() == nil {
				s.log.Warn("prune idempotency keys", slog.String("error", err.Error()))
			}
		}
	}
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

// forwardChange is the records service's change hook, forwarding to a
// capability built after it (record disclosure). It is set before the node
// runs, and a change before then is found through the change feed.
type forwardChange struct{ to record.ChangeHook }

func (f *forwardChange) RecordChanged(c record.ChangeEntry) {
	if f.to != nil {
		f.to.RecordChanged(c)
	}
}
