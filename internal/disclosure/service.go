package disclosure

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// Records is what disclosure needs of the records capability.
// *record.Service implements it. The methods ending in In run inside the
// caller's transaction; see the record package for their contracts.
type Records interface {
	DiscloseCopyIn(ctx context.Context, tx *db.Tx, id string, to policy.Partner, purpose policy.Purpose, message string) (record.Disclosed, error)
	ApplyReceivedIn(ctx context.Context, tx *db.Tx, in record.Received) (*record.Record, error)
	UpdateForHolder(ctx context.Context, tx *db.Tx, h record.HolderRef) (record.HolderUpdate, error)
	ChangesSince(ctx context.Context, after int64, limit int) ([]record.ChangeEntry, error)
	Get(ctx context.Context, id string) (*record.Record, policy.Decision, error)
	Update(ctx context.Context, id string, d record.Draft) (*record.Record, error)
}

// Federation is what disclosure needs of federation. *federation.Service
// implements it.
type Federation interface {
	// Send queues a message inside the caller's transaction.
	Send(ctx context.Context, tx *db.Tx, m federation.Outbound) (uuid.UUID, error)
	// GetPartner returns a partner from the registry (errs.NotExist if none).
	GetPartner(ctx context.Context, agency string) (federation.Partner, error)
	// Deliveries returns the delivery state of a sent message per recipient.
	Deliveries(ctx context.Context, messageID string) ([]federation.Delivery, error)
	// Handle registers the handler of an inbound message type.
	Handle(msgType string, h federation.InboundHandler)
	// OnSettled registers f to run when partners' answers to sent
	// envelopes have been recorded.
	OnSettled(f func())
}

// Config configures the service.
type Config struct {
	// Agency is this node's agency id.
	Agency string
	// PollInterval is how often the worker follows the change feed, sends
	// due updates and collects acknowledgements; default
	// DefaultPollInterval. A change also nudges it (RecordChanged).
	PollInterval time.Duration
	// RetryInterval is how long an update waits when its holder is not an
	// active partner (suspended, card expired); default
	// DefaultRetryInterval.
	RetryInterval time.Duration
}

// Defaults for Config.
const (
	DefaultPollInterval  = 2 * time.Second
	DefaultRetryInterval = time.Minute
)

// Limits on requests.
const (
	MaxPartners     = 32   // partners one share names
	MaxReasonLen    = 500  // bytes of a permission request's or answer's reason
	workBatch       = 200  // holder rows one worker pass handles
	changesPage     = 1000 // change-feed entries read at once
	maxControlBytes = 16 << 10
)

// Deps are the service's collaborators.
type Deps struct {
	DB         *db.DB
	Records    Records
	Federation Federation
	Audit      audit.Appender
	Log        *slog.Logger     // operational messages; never record content
	Now        func() time.Time // default time.Now
}

// Service is the disclosure capability. It is safe for concurrent use.
type Service struct {
	cfg     Config
	db      *db.DB
	records Records
	fed     Federation
	audit   audit.Appender
	log     *slog.Logger
	now     func() time.Time
	nudge   chan struct{}
}

// New returns the service and registers its inbound message handlers with
// federation (record-share, record-update, record-tombstone,
// permission-request, permission-answer). Call it before federation runs.
func New(cfg Config, deps Deps) (*Service, error) {
	if !policy.ValidAgencyID(cfg.Agency) {
		return nil, fmt.Errorf("disclosure: agency %q is not a valid agency id", cfg.Agency)
	}
	if deps.DB == nil || deps.Records == nil || deps.Federation == nil || deps.Audit == nil {
		return nil, errors.New("disclosure: DB, Records, Federation and Audit are required")
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = DefaultRetryInterval
	}
	s := &Service{cfg: cfg, db: deps.DB, records: deps.Records, fed: deps.Federation, audit: deps.Audit,
		log: deps.Log, now: deps.Now, nudge: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.fed.Handle(envelope.TypeRecordShare, s.receiveCopy)
	s.fed.Handle(envelope.TypeRecordUpdate, s.receiveCopy)
	s.fed.Handle(envelope.TypeRecordTombstone, s.receiveTombstone)
	s.fed.Handle(envelope.TypePermissionRequest, s.receiveRequest)
	s.fed.Handle(envelope.TypePermissionAnswer, s.receiveAnswer)
	// A delivered copy is the holder's acknowledgement: record it now.
	s.fed.OnSettled(s.wake)
	return s, nil
}

// RecordChanged implements record.ChangeHook: it wakes the worker, which
// reads the change from the feed. It never blocks.
func (s *Service) RecordChanged(record.ChangeEntry) { s.wake() }

func (s *Service) wake() {
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

// partner returns a partner as policy sees it, from the registry, and
// whether it is active.
func (s *Service) partner(ctx context.Context, agency string) (policy.Partner, federation.Partner, error) {
	p, err := s.fed.GetPartner(ctx, agency)
	if err != nil {
		return policy.Partner{}, p, err
	}
	return policy.Partner{Agency: p.Agency, Country: p.Country, Exercise: p.Exercise}, p, nil
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

func newMessageID() (uuid.UUID, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, fmt.Errorf("message id: %w", err)
	}
	return id, nil
}

// truncate shortens s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
