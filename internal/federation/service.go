package federation

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/federation/card"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/identity"
)

// Deps are the service's collaborators.
type Deps struct {
	DB       *db.DB
	Identity *identity.Identity
	Audit    audit.Appender
	Log      *slog.Logger          // operational messages; never message contents
	Metrics  prometheus.Registerer // nil: no metrics
	Now      func() time.Time      // nil: time.Now
}

// Service is a node's federation capability. It is safe for concurrent use.
type Service struct {
	cfg   Config
	db    *db.DB
	id    *identity.Identity
	keyID card.KeyID
	audit audit.Appender
	log   *slog.Logger
	now   func() time.Time

	partners *registry
	metrics  *serviceMetrics

	handlersMu sync.RWMutex
	handlers   map[string]InboundHandler
	control    map[string]bool // types registered with HandleControl
	peers      peerRoutes      // synchronous routes of other capabilities (HandlePeer)

	settledMu sync.RWMutex
	settled   []func() // OnSettled observers

	wakeMu sync.Mutex
	wake   map[string]*doorbells // partner → its workers' doorbells
	reload chan struct{}         // partners changed: workers to start or stop
}

// New returns the service. It loads the partners and this node's partner
// card, making (or renewing) and storing the card when there is none, when
// it no longer matches the identity or the URLs, or when it expires within
// CardRenewBefore. A renewed card signed by the previous key is announced
// to every partner.
func New(cfg Config, deps Deps) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if deps.DB == nil || deps.Identity == nil || deps.Audit == nil {
		return nil, errors.New("federation: DB, Identity and Audit are required")
	}
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Service{
		cfg:      cfg,
		db:       deps.DB,
		id:       deps.Identity,
		keyID:    card.KeyIDOf(deps.Identity.Agency, deps.Identity.SigningKey.Public().(ed25519.PublicKey)),
		audit:    deps.Audit,
		log:      deps.Log,
		now:      deps.Now,
		partners: newRegistry(),
		handlers: map[string]InboundHandler{},
		wake:     map[string]*doorbells{},
		reload:   make(chan struct{}, 1),
	}
	s.metrics = newServiceMetrics(s)
	if deps.Metrics != nil {
		if err := s.metrics.register(deps.Metrics); err != nil {
			return nil, fmt.Errorf("federation metrics: %w", err)
		}
	}
	ctx := context.Background()
	if err := s.loadPartners(ctx); err != nil {
		return nil, err
	}
	if err := s.ensureOwnCard(ctx); err != nil {
		return nil, err
	}
	s.Handle(envelope.TypeMessage, s.receiveMessage)
	s.Handle(envelope.TypeReceipt, s.receiveReadReceipt)
	s.Handle(TypePartnerCard, s.receivePartnerCard)
	return s, nil
}

// Agency is this node's agency id.
func (s *Service) Agency() string { return s.id.Agency }

// Handle registers the handler of inbound envelopes of msgType, replacing
// any earlier one. Register handlers before Run. See [InboundHandler].
func (s *Service) Handle(msgType string, h InboundHandler) {
	if err := envelope.CheckType(msgType); err != nil {
		panic(fmt.Sprintf("federation: Handle(%q): %v", msgType, err))
	}
	s.handlersMu.Lock()
	defer s.handlersMu.Unlock()
	s.handlers[msgType] = h
	delete(s.control, msgType)
}

// HandleControl registers h like Handle, for a type of control message
// that carries no personal data and concerns no officer's work (witness
// checkpoints and cosignatures): its accepted envelopes are kept as
// evidence in the inbox but are not audit events. Otherwise exchanging
// checkpoints of the audit log would itself grow the log, and each new
// checkpoint be offered again, forever.
func (s *Service) HandleControl(msgType string, h InboundHandler) {
	s.Handle(msgType, h)
	s.handlersMu.Lock()
	defer s.handlersMu.Unlock()
	if s.control == nil {
		s.control = map[string]bool{}
	}
	s.control[msgType] = true
}

// handler returns the handler of msgType and whether the type is a
// control message.
func (s *Service) handler(msgType string) (h InboundHandler, control bool) {
	s.handlersMu.RLock()
	defer s.handlersMu.RUnlock()
	return s.handlers[msgType], s.control[msgType]
}

// nowMicro is the service clock in the storage unit.
func (s *Service) nowMicro() int64 { return s.now().UnixMicro() }

func fromMicro(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
