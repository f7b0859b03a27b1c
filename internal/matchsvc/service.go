package matchsvc

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/match/budget"
	"github.com/liaison-project/liaison/internal/match/sweep"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// Federation is what the service needs of internal/federation;
// *federation.Service implements it.
type Federation interface {
	HandlePeer(pattern string, h httpx.HandlerFunc)
	CallPeer(ctx context.Context, agency, method, path string, body []byte, contentType string) (int, []byte, error)
	Handle(msgType string, h federation.InboundHandler)
	Send(ctx context.Context, tx *db.Tx, m federation.Outbound) (uuid.UUID, error)
	ListPartners(ctx context.Context, withRemoved bool) ([]federation.Partner, error)
}

// Records is what the holder's index reads of the records capability: every
// current record (principal-free, see record.Current) and the change feed
// that follows them. *record.Service implements it.
type Records interface {
	ScanCurrent(ctx context.Context, after int64, limit int) ([]*record.Current, error)
	CurrentRecord(ctx context.Context, id string) (*record.Current, error)
	LastChange(ctx context.Context) (int64, error)
	ChangesSince(ctx context.Context, after int64, limit int) ([]record.ChangeEntry, error)
}

// PersonalHasher returns the keyed hash of a personal value for audit
// events; *audit.Log implements it.
type PersonalHasher interface {
	HashPersonal(kind, value string) string
}

// Deps are the collaborators of a [Service].
type Deps struct {
	DB         *db.DB
	Audit      audit.Appender
	Hasher     PersonalHasher
	Decider    *policy.Decider
	Federation Federation
	Records    Records
	// SigningKey is the node's agency key (its partner card's): it signs
	// epoch announcements and, through a derived key, seals epoch keys at
	// rest.
	SigningKey ed25519.PrivateKey
	Log        *slog.Logger
	Now        func() time.Time // default time.Now
	Rand       io.Reader        // default crypto/rand.Reader
}

// Service is the hit/no-hit matching capability, both as holder (its
// records answer partners' queries) and as querier (its officers query
// partners). It is safe for concurrent use.
type Service struct {
	cfg     Config
	db      *db.DB
	audit   audit.Appender
	hasher  PersonalHasher
	decider *policy.Decider
	fed     Federation
	records Records
	signing ed25519.PrivateKey
	log     *slog.Logger
	now     func() time.Time
	rnd     io.Reader

	vault   *keyVault
	holder  *match.Holder
	querier *match.Querier
	meter   *budget.Meter
	monitor *budget.Monitor
	guard   *sweep.Guard

	idx    *index
	tables *tableCache

	partnersMu sync.Mutex
	partners   []federation.Partner // active partners, refreshed by the index loop
	partnersAt time.Time

	wake     chan struct{} // nudges the index loop (a follow-up to resolve)
	bulkWake chan struct{} // nudges the bulk worker (a run was approved)
}

// TypeFollowUp is the federation message type of a hit follow-up.
const TypeFollowUp = "hit-follow-up"

// New returns the service and registers its federation routes and its
// follow-up handler. The index is built by [Service.Run] (or
// [Service.Sync]); until then the holder answers partners that it is not
// ready.
func New(ctx context.Context, cfg Config, deps Deps) (*Service, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if deps.DB == nil || deps.Audit == nil || deps.Hasher == nil || deps.Decider == nil || deps.Federation == nil || deps.Records == nil {
		return nil, errors.New("matchsvc: DB, Audit, Hasher, Decider, Federation and Records are required")
	}
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Rand == nil {
		deps.Rand = rand.Reader
	}
	s := &Service{cfg: cfg, db: deps.DB, audit: deps.Audit, hasher: deps.Hasher, decider: deps.Decider,
		fed: deps.Federation, records: deps.Records, signing: deps.SigningKey, log: deps.Log, now: deps.Now, rnd: deps.Rand,
		wake: make(chan struct{}, 1), bulkWake: make(chan struct{}, 1)}
	var err error
	if s.vault, err = newKeyVault(deps.SigningKey, cfg.Agency, deps.Rand); err != nil {
		return nil, err
	}
	if s.holder, err = match.NewHolder(cfg.Agency, s.now); err != nil {
		return nil, err
	}
	if s.querier, err = match.NewQuerier(cfg.Agency, s.now); err != nil {
		return nil, err
	}
	if s.meter, err = budget.NewMeter(*cfg.Budget, s.now); err != nil {
		return nil, err
	}
	if s.monitor, err = budget.NewMonitor(*cfg.Monitor, s.now); err != nil {
		return nil, err
	}
	if s.guard, err = sweep.New(*cfg.Sweep, s.now); err != nil {
		return nil, err
	}
	if err := s.restoreBudgets(ctx); err != nil {
		return nil, err
	}
	s.idx = newIndex()
	s.tables = newTableCache()
	s.fed.HandlePeer("POST "+pathEvaluate, s.handleEvaluate)
	s.fed.HandlePeer("GET "+pathTable, s.handleTable)
	s.fed.Handle(TypeFollowUp, s.receiveFollowUp)
	return s, nil
}

// Run builds the index and keeps it current (change feed, partners,
// epochs, publication, follow-up resolution), refreshes partner tables and
// runs approved bulk runs, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.runIndex(ctx) })
	wg.Go(func() { s.runTableRefresh(ctx) })
	wg.Go(func() { s.runBulk(ctx) })
	wg.Go(func() { s.runHousekeeping(ctx) })
	wg.Wait()
}

func (s *Service) runIndex(ctx context.Context) {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("matching index", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

func nudge(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// runHousekeeping deletes old budget counters and hits nobody followed up.
func (s *Service) runHousekeeping(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.housekeeping(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("matching housekeeping", slog.String("error", err.Error()))
			}
		}
	}
}

func (s *Service) housekeeping(ctx context.Context) error {
	now := s.now()
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM match_budget_usage WHERE day < ?`, dayOf(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM match_hits WHERE followed_up_at = 0 AND created_at < ?`,
			now.Add(-s.cfg.HitRetention).UnixMicro())
		return err
	})
}

// activePartners returns the active partners, re-read at most every
// poll interval.
func (s *Service) activePartners(ctx context.Context) ([]federation.Partner, error) {
	s.partnersMu.Lock()
	defer s.partnersMu.Unlock()
	if s.partners != nil && s.now().Sub(s.partnersAt) < s.cfg.PollInterval {
		return s.partners, nil
	}
	all, err := s.fed.ListPartners(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	active := make([]federation.Partner, 0, len(all))
	for _, p := range all {
		if p.State == federation.StateActive && match.ValidAgency(p.Agency) {
			active = append(active, p)
		}
	}
	s.partners, s.partnersAt = active, s.now()
	return active, nil
}

func (s *Service) partner(ctx context.Context, agency string) (federation.Partner, bool, error) {
	ps, err := s.activePartners(ctx)
	if err != nil {
		return federation.Partner{}, false, err
	}
	i := slices.IndexFunc(ps, func(p federation.Partner) bool { return p.Agency == agency })
	if i < 0 {
		return federation.Partner{}, false, nil
	}
	return ps[i], true, nil
}

// officer returns the calling officer, checking the role. Partner nodes
// reach this service through the federation API only.
func officer(ctx context.Context, roles []access.Role) (access.Principal, error) {
	p, ok := access.From(ctx)
	if !ok {
		return p, errs.E(errs.Unauthorized, "no authenticated caller")
	}
	if p.Partner {
		return p, errs.E(errs.Permission, "partner nodes reach matching through federation only")
	}
	if !slices.Contains(roles, p.Role) {
		return p, errs.E(errs.Permission, "your role "+string(p.Role)+" may not do this")
	}
	return p, nil
}

// dayOf is the UTC day of t as Unix days, the budget counters' key.
func dayOf(t time.Time) int64 { return t.UTC().Unix() / 86400 }

func fromMicro(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
