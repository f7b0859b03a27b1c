// Package noticesvc is the notices and alerts capability of a node:
// storage, the officer API, distribution to partners through federation,
// the border lookup service and the expiry and reassessment job, built on
// the pure core in internal/notice (types, lifecycle, screening),
// internal/notice/interpol and internal/notice/alertcsv (imports) and
// internal/notice/lookup (the in-memory border index).
//
// # Notices
//
// Officers draft notices (POST /notices, or an INTERPOL import), submit
// them for review, and a reviewer of this node approves or refuses them
// with reasons. Screening runs at submission; its blocking flags must be
// acknowledged by the approving reviewer. The only state change that
// publishes a notice is [Service.DecideNotice]; a diffusion may be
// circulated before review ([Service.CirculateNotice]) only when screening
// raises no blocking flag, as the core enforces. A received copy is checked
// the same way: its originator's screening is re-run and every blocking
// flag must be acknowledged by the approval it carries, or the copy is
// refused (see receive.go).
//
// Every notice carries a policy envelope (handling codes, TLP, evaluation,
// purpose, legal basis) and the subject's data-subject category. Its
// review date is the notice's validity: five years from publication,
// renewed by reassessment. Distribution asks the policy decider for every
// partner (CanDisclose); a partner the envelope excludes is recorded as
// withheld and sent nothing. Partners receive the envelope of their copy
// (RecipientEnvelope) and reviewer identities and reasons stay home.
//
// # Alerts
//
// Alerts for stolen, lost or revoked travel documents, stolen vehicles and
// other objects are published at once (no compliance review) to their
// distribution. Own alerts are identified by their lookup keys, so that
// importing the same document again updates it instead of duplicating it.
//
// # Border lookups
//
// The lookup index (internal/notice/lookup) holds every active own and
// received alert and every notice in circulation. It is rebuilt from
// storage when the service starts and kept in step on every change
// through tx.OnCommit. Every lookup, hit or miss, writes a consult audit
// event holding keyed hashes of the looked-up identifiers, never the
// identifiers. A hit shows what a border officer needs: the instruction,
// whom to contact, the reference and the matched item — never the notice.
//
// # Exercise nodes
//
// On an exercise node (Config.Exercise) every notice and alert is exercise
// data: notices carry an exercise envelope (purpose training), payloads
// are marked exercise, and distribution reaches exercise partners only.
// A real node refuses officers acting inside an exercise, and both refuse
// payloads from the other side of the boundary (see officer).
package noticesvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/notice/lookup"
	"github.com/liaison-project/liaison/internal/policy"
)

// Federation is what the service needs from the federation capability;
// *federation.Service implements it.
type Federation interface {
	// Send queues a message to partners inside the caller's transaction.
	Send(ctx context.Context, tx *db.Tx, m federation.Outbound) (uuid.UUID, error)
	// Handle registers the handler of an inbound message type.
	Handle(msgType string, h federation.InboundHandler)
	// ListPartners lists the partner agencies with their country and state.
	ListPartners(ctx context.Context, withRemoved bool) ([]federation.Partner, error)
	// Deliveries reports the delivery state of a sent message per recipient.
	Deliveries(ctx context.Context, messageID string) ([]federation.Delivery, error)
}

// Hasher makes the keyed hashes of looked-up identifiers for the audit
// log; *audit.Log implements it.
type Hasher interface {
	HashPersonal(kind, value string) string
}

// Defaults for Config.
const (
	DefaultJobInterval   = time.Hour
	DefaultLegalBasis    = "INTERPOL Rules on the Processing of Data; national law on international police cooperation"
	DefaultImportRows    = 100_000 // rows in one import request; the CLI sends 10,000 per request
	DefaultAlertsPerSend = 2_000   // alerts in one federation message
)

// Config configures the service. Agency and Country are the node's.
type Config struct {
	Agency  string
	Country string
	// LegalBasis is the legal basis written into the default envelope of
	// new notices; default DefaultLegalBasis.
	LegalBasis string
	// JobInterval is how often Run expires notices and flags reminders.
	JobInterval time.Duration
	// MaxImportRows bounds the rows of one alert import request.
	MaxImportRows int
	// AlertsPerSend bounds the alerts in one federation message.
	AlertsPerSend int
	// SnapshotFile, when set, is where WriteSnapshot saves the border
	// index at shutdown and where New restores it from, if storage has not
	// changed since, instead of rebuilding it from every stored alert.
	SnapshotFile string
	// Exercise says the node is an exercise node: its notices and alerts
	// are exercise data, go only to exercise partners, and its border
	// checks are exercise checks. Only officers acting inside an exercise
	// use the service there, and only officers outside one on a real node.
	Exercise bool
}

func (c *Config) withDefaults() error {
	if !policy.ValidAgencyID(c.Agency) {
		return fmt.Errorf("noticesvc: agency %q is not an agency id", c.Agency)
	}
	if !policy.ValidCountry(c.Country) {
		return fmt.Errorf("noticesvc: country %q is not an ISO 3166-1 alpha-2 code", c.Country)
	}
	if c.LegalBasis == "" {
		c.LegalBasis = DefaultLegalBasis
	}
	if c.JobInterval <= 0 {
		c.JobInterval = DefaultJobInterval
	}
	if c.MaxImportRows <= 0 {
		c.MaxImportRows = DefaultImportRows
	}
	if c.AlertsPerSend <= 0 {
		c.AlertsPerSend = DefaultAlertsPerSend
	}
	return nil
}

// Deps are the service's collaborators.
type Deps struct {
	DB      *db.DB
	Audit   audit.Appender
	Hasher  Hasher
	Decider *policy.Decider
	// Federation distributes and receives notices and alerts; nil runs the
	// node without partners (distribution to anyone is refused).
	Federation Federation
	Log        *slog.Logger // operational messages; never personal data
	Now        func() time.Time
}

// Service is the notices and alerts capability. It is safe for concurrent use.
type Service struct {
	cfg     Config
	db      *db.DB
	audit   audit.Appender
	hasher  Hasher
	decider *policy.Decider
	fed     Federation
	log     *slog.Logger
	now     func() time.Time

	index *lookup.Index
	load  LoadStats

	// genMu orders index updates with snapshots; applied is the alert
	// generation the index reflects.
	genMu   sync.Mutex
	applied int64
}

// LoadStats describes the rebuild of the lookup index at start-up.
type LoadStats struct {
	Notices      int           `json:"notices"`      // notices in circulation indexed
	Duration     time.Duration `json:"duration"`     // reading storage (or the snapshot) and building the index
	FromSnapshot bool          `json:"fromSnapshot"` // the alerts came from the snapshot file
	Index        lookup.Stats  `json:"index"`
}

// New opens the service: it rebuilds the lookup index from storage (see
// LoadStats for how long that took) and registers the inbound handlers of
// notice-publish, notice-update and notice-cancel with federation. The
// database must be migrated with Schema.
func New(ctx context.Context, cfg Config, deps Deps) (*Service, error) {
	if err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	if deps.DB == nil || deps.Audit == nil || deps.Hasher == nil || deps.Decider == nil {
		return nil, errors.New("noticesvc: DB, Audit, Hasher and Decider are required")
	}
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Service{cfg: cfg, db: deps.DB, audit: deps.Audit, hasher: deps.Hasher, decider: deps.Decider,
		fed: deps.Federation, log: deps.Log, now: deps.Now}
	if err := s.loadIndex(ctx); err != nil {
		return nil, err
	}
	if s.fed != nil {
		for _, t := range []string{envelope.TypeNoticePublish, envelope.TypeNoticeUpdate, envelope.TypeNoticeCancel} {
			s.fed.Handle(t, s.receive)
		}
	}
	s.log.Info("notice lookup index loaded", slog.Int("alert_keys", s.load.Index.Keys), slog.Int("notices", s.load.Notices),
		slog.Duration("duration", s.load.Duration), slog.Bool("from_snapshot", s.load.FromSnapshot))
	return s, nil
}

// LoadStats reports how the lookup index was rebuilt at start-up.
func (s *Service) LoadStats() LoadStats { return s.load }

// IndexStats reports the lookup index's current sizes.
func (s *Service) IndexStats() lookup.Stats { return s.index.Stats() }

// loadIndex builds the lookup index from the snapshot file, when it
// matches storage, or from the stored active alerts; then it adds the
// notices in circulation.
func (s *Service) loadIndex(ctx context.Context) error {
	start := time.Now()
	gen, err := generation(ctx, s.db)
	if err != nil {
		return err
	}
	x := s.restoreSnapshot(gen)
	fromSnapshot := x != nil
	if x == nil {
		if x, err = s.indexFromStorage(ctx); err != nil {
			return err
		}
	}
	now := s.now()
	ids, err := s.noticeIDs(ctx, 0, `state IN (?, ?)`, stateArgs(circulating)...)
	if err != nil {
		return err
	}
	notices := 0
	for _, id := range ids {
		r, err := loadNotice(ctx, s.db, id)
		if err != nil {
			return err
		}
		if r.n.Active(now) {
			if err := x.AddNotice(r.n, now); err != nil {
				return fmt.Errorf("index notice %s: %w", id, err)
			}
			notices++
		}
	}
	s.index, s.applied = x, gen
	s.load = LoadStats{Notices: notices, Duration: time.Since(start), FromSnapshot: fromSnapshot, Index: x.Stats()}
	return nil
}

// indexFromStorage indexes every stored active alert.
func (s *Service) indexFromStorage(ctx context.Context) (*lookup.Index, error) {
	var count int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts WHERE state = ?`, AlertActive).Scan(&count); err != nil {
		return nil, fmt.Errorf("count alerts: %w", err)
	}
	x := lookup.New(lookup.Options{ExpectedAlerts: count})
	rows, err := s.db.QueryContext(ctx, `SELECT `+alertIndexColumns+` FROM alerts WHERE state = ?`, AlertActive)
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanIndexAlert(rows)
		if err != nil {
			return nil, err
		}
		if err := addAlert(x, a); err != nil {
			return nil, fmt.Errorf("index stored alert: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	x.Compact()
	return x, nil
}
