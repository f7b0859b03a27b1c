package witness

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
)

// AuditLog is this node's audit log as the witness uses it. *audit.Log
// implements it.
type AuditLog interface {
	// Latest returns the latest signed checkpoint.
	Latest() (audit.SignedCheckpoint, bool)
	// Consistency proves that the tree of size from is a prefix of the
	// tree of size to.
	Consistency(ctx context.Context, from, to uint64) (audit.ConsistencyProof, error)
	// AddCosignatures verifies and stores witnesses' cosignatures of one
	// of the log's checkpoints.
	AddCosignatures(ctx context.Context, msg []byte) ([]audit.Cosignature, error)
	// Keys are the log's keys (its checkpoint verifier).
	Keys() *audit.Keys
}

// Federation is what the witness needs of federation. *federation.Service
// implements it.
type Federation interface {
	Partners
	Send(ctx context.Context, tx *db.Tx, m federation.Outbound) (uuid.UUID, error)
	HandleControl(msgType string, h federation.InboundHandler)
	// Status tells how many envelopes wait for each partner.
	Status(ctx context.Context) ([]federation.PartnerStatus, error)
}

// Config configures the witness.
type Config struct {
	// Agency is this node's agency id.
	Agency string
	// Interval is how often the node offers an unchanged checkpoint
	// again to partners that have not cosigned it; default
	// DefaultInterval. A new checkpoint, or a partner never offered one,
	// is offered within PollInterval.
	Interval time.Duration
}

// DefaultInterval is the default Config.Interval.
const DefaultInterval = 60 * time.Second

// PollInterval is how often the node reloads partner keys, stores
// cosignatures and looks for a checkpoint or partner to offer: a checkpoint
// the node signs, or a partner onboarded, is witnessed within seconds.
const PollInterval = 2 * time.Second

// Limits on what one message carries.
const (
	maxGossip     = 16 // third-party checkpoints per message
	maxProofs     = 17 // consistency proofs per message
	maxProofDepth = 64 // hashes per proof (a tree of 2^63 leaves needs fewer)
	maxObserved   = 16 // gossiped checkpoints kept per origin
	maxProve      = 16 // sizes a witness asks proofs from
	maxMessage    = 512 << 10
)

// Deps are the witness's collaborators.
type Deps struct {
	DB         *db.DB
	Log        AuditLog
	Federation Federation
	// Keys is the partner key set, also given to the audit log as
	// audit.Config.Witnesses; nil: a new one.
	Keys *Keys
	// Key is the node's Ed25519 signing key (identity.SigningKey), with
	// which it cosigns as WitnessName(Agency).
	Key     ed25519.PrivateKey
	Audit   audit.Appender
	Logger  *slog.Logger
	Metrics prometheus.Registerer // nil: no metrics
	Now     func() time.Time      // default time.Now
}

// Service is the witness capability. It is safe for concurrent use.
type Service struct {
	cfg      Config
	db       *db.DB
	log      AuditLog
	fed      Federation
	keys     *Keys
	cosigner *audit.Cosigner
	audit    audit.Appender
	logger   *slog.Logger
	now      func() time.Time
	alerts   *prometheus.CounterVec
	cosigned *prometheus.CounterVec
	nudge    chan struct{}
}

// New returns the witness and registers its handlers (checkpoint,
// cosignature) with federation. Call it before federation runs.
func New(cfg Config, deps Deps) (*Service, error) {
	if deps.DB == nil || deps.Log == nil || deps.Federation == nil || deps.Audit == nil {
		return nil, errors.New("witness: DB, Log, Federation and Audit are required")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Keys == nil {
		deps.Keys = NewKeys()
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	cosigner, err := audit.NewCosigner(WitnessName(cfg.Agency), deps.Key, deps.Now)
	if err != nil {
		return nil, fmt.Errorf("witness: %w", err)
	}
	s := &Service{cfg: cfg, db: deps.DB, log: deps.Log, fed: deps.Federation, keys: deps.Keys, cosigner: cosigner,
		audit: deps.Audit, logger: deps.Logger, now: deps.Now, nudge: make(chan struct{}, 1),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaison_witness_alerts_total",
			Help: "Split views and other inconsistencies detected in partners' (or this node's) audit logs."}, []string{"origin", "reason"}),
		cosigned: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaison_witness_cosignatures_total",
			Help: "Checkpoints this node cosigned as a witness, per origin."}, []string{"origin"}),
	}
	if deps.Metrics != nil {
		for _, c := range []prometheus.Collector{s.alerts, s.cosigned} {
			if err := deps.Metrics.Register(c); err != nil {
				return nil, fmt.Errorf("witness metrics: %w", err)
			}
		}
	}
	// Checkpoint exchange is not an audit event (federation.HandleControl):
	// otherwise every round would grow the log it is about.
	s.fed.HandleControl(envelope.TypeCheckpoint, s.receiveCheckpoint)
	s.fed.HandleControl(envelope.TypeCosignature, s.receiveCosignature)
	return s, nil
}

// Keys is the partner key set (audit.WitnessKeys).
func (s *Service) Keys() *Keys { return s.keys }

// Run runs a round every PollInterval (or Interval, if shorter) until ctx
// ends, and stores cosignatures as they arrive. Failures are logged and
// retried.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(min(PollInterval, s.cfg.Interval))
	defer t.Stop()
	for {
		if err := s.Step(ctx); err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "witness round", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.nudge:
			if err := s.storeCosignatures(ctx); err != nil && ctx.Err() == nil {
				s.logger.WarnContext(ctx, "store cosignatures", slog.String("error", err.Error()))
			}
		}
	}
}

// Step runs one round: reload partner keys, store cosignatures that
// arrived, and offer the latest checkpoint to partners that have not
// cosigned it.
func (s *Service) Step(ctx context.Context) error {
	if err := s.keys.Refresh(ctx, s.fed); err != nil {
		return err
	}
	return errors.Join(s.storeCosignatures(ctx), s.offer(ctx))
}

func (s *Service) wake() {
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

// checkpointMsg is a checkpoint message.
type checkpointMsg struct {
	// Checkpoint is the sender's latest signed checkpoint note.
	Checkpoint string `json:"checkpoint"`
	// Proofs prove it consistent with smaller checkpoints of the same
	// log: the one the witness reported accepting, and any it asked about.
	Proofs []proof `json:"proofs,omitempty"`
	// Gossip holds the latest checkpoints the sender accepted from other
	// logs.
	Gossip []string `json:"gossip,omitempty"`
}

// proof is a consistency proof from size From to the message's checkpoint.
type proof struct {
	From   uint64   `json:"from"`
	Hashes [][]byte `json:"hashes"`
}

// cosignatureMsg answers a checkpoint message.
type cosignatureMsg struct {
	// Cosigned is a checkpoint note of the origin's log with the
	// witness's cosignature line.
	Cosigned string `json:"cosigned"`
	// Size is the size of the checkpoint the witness holds (and cosigned).
	Size uint64 `json:"size"`
	// Prove lists sizes of the origin's log the witness saw through
	// gossip: the next checkpoint must be proven consistent with them.
	Prove []uint64 `json:"prove,omitempty"`
}

// offer sends the latest checkpoint to every active partner that has not
// accepted it, at most once per Interval unless the checkpoint changed.
// Most rounds offer nothing; they read no more than the partners' states.
func (s *Service) offer(ctx context.Context) error {
	cp, ok := s.log.Latest()
	if !ok {
		return nil
	}
	type candidate struct {
		agency string
		st     peerState
		due    bool
	}
	var candidates []candidate
	var errsOut []error
	for _, p := range s.keys.active() {
		st, err := s.peerState(ctx, s.db, p.agency)
		if err != nil {
			errsOut = append(errsOut, err)
			continue
		}
		due := s.now().Sub(st.sentAt) >= s.cfg.Interval
		// A witness that answered the last offer with a smaller size could
		// not check it (it held an older checkpoint, or a message was
		// lost): offer again, proving from the size it holds. A witness
		// that does not answer (it saw a split view) waits for Interval.
		unproven := st.reportedSize < st.sentSize && st.reportedAt.After(st.sentAt)
		fresh := cp.Size != st.sentSize || due || unproven
		if cp.Size == st.reportedSize && len(st.prove) == 0 || !fresh {
			continue
		}
		candidates = append(candidates, candidate{p.agency, st, due})
	}
	if len(candidates) == 0 {
		return errors.Join(errsOut...)
	}
	gossip, err := s.gossip(ctx)
	if err != nil {
		return errors.Join(append(errsOut, err)...)
	}
	links, err := s.fed.Status(ctx)
	if err != nil {
		return errors.Join(append(errsOut, err)...)
	}
	waiting := map[string]int64{}
	for _, l := range links {
		waiting[l.Agency] = l.QueueDepth
	}
	for _, c := range candidates {
		// A partner that has not taken what was sent (it is down, or
		// behind) would only get newer checkpoints queued behind the
		// first: one per Interval is enough.
		if waiting[c.agency] > 0 && !c.due {
			continue
		}
		if err := s.send(ctx, c.agency, cp, c.st, gossip); err != nil {
			errsOut = append(errsOut, fmt.Errorf("checkpoint to %s: %w", c.agency, err))
		}
	}
	return errors.Join(errsOut...)
}

// gossip returns the latest checkpoints accepted from partners' logs.
func (s *Service) gossip(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT origin, note FROM witness_seen ORDER BY seen_at DESC LIMIT ?`, maxGossip+1)
	if err != nil {
		return nil, fmt.Errorf("read checkpoints seen: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var origin, n string
		if err := rows.Scan(&origin, &n); err != nil {
			return nil, fmt.Errorf("read checkpoints seen: %w", err)
		}
		out[origin] = n
	}
	return out, rows.Err()
}

// send sends checkpoint cp to agency with the proofs it needs.
func (s *Service) send(ctx context.Context, agency string, cp audit.SignedCheckpoint, st peerState, gossip map[string]string) error {
	m := checkpointMsg{Checkpoint: string(cp.Note)}
	froms := append([]uint64{st.reportedSize}, st.prove...)
	for _, from := range froms {
		if from == 0 || from >= cp.Size || slices.ContainsFunc(m.Proofs, func(p proof) bool { return p.From == from }) {
			continue
		}
		p, err := s.log.Consistency(ctx, from, cp.Size)
		if err != nil {
			s.logger.WarnContext(ctx, "witness consistency proof", slog.String("partner", agency), slog.Uint64("from", from),
				slog.String("error", err.Error()))
			continue
		}
		m.Proofs = append(m.Proofs, proof{From: from, Hashes: p.Hashes})
	}
	for origin, n := range gossip {
		if origin != agency && len(m.Gossip) < maxGossip {
			m.Gossip = append(m.Gossip, n)
		}
	}
	slices.Sort(m.Gossip)
	payload, err := jsonMarshal(m)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := s.fed.Send(ctx, tx, federation.Outbound{Type: envelope.TypeCheckpoint, To: []string{agency}, Payload: payload}); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO witness_peers (agency, reported_size, prove, pending_note, cosigned_size, cosigned_at,
			sent_size, sent_at, last_error) VALUES (?, 0, '', '', 0, 0, ?, ?, '')
			ON CONFLICT (agency) DO UPDATE SET sent_size = excluded.sent_size, sent_at = excluded.sent_at, prove = ''`,
			agency, int64(cp.Size), s.now().UnixMicro())
		return err
	})
}

// peerState is a witness_peers row.
type peerState struct {
	reportedSize uint64
	reportedAt   time.Time // when the witness last answered
	prove        []uint64
	pendingNote  string
	cosignedSize uint64
	cosignedAt   time.Time
	sentSize     uint64
	sentAt       time.Time
	lastError    string
}

func (s *Service) peerState(ctx context.Context, q db.Querier, agency string) (peerState, error) {
	var st peerState
	var reported, reportedAt, cosigned, cosignedAt, sent, sentAt int64
	var prove string
	err := q.QueryRowContext(ctx, `SELECT reported_size, reported_at, prove, pending_note, cosigned_size, cosigned_at, sent_size, sent_at, last_error
		FROM witness_peers WHERE agency = ?`, agency).Scan(&reported, &reportedAt, &prove, &st.pendingNote, &cosigned, &cosignedAt, &sent, &sentAt, &st.lastError)
	if isNoRows(err) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read witness state of %s: %w", agency, err)
	}
	st.reportedSize, st.cosignedSize, st.sentSize = uint64(reported), uint64(cosigned), uint64(sent)
	st.reportedAt, st.cosignedAt, st.sentAt = fromMicros(reportedAt), fromMicros(cosignedAt), fromMicros(sentAt)
	st.prove = parseSizes(prove)
	return st, nil
}

func parseSizes(s string) []uint64 {
	var out []uint64
	for _, f := range strings.Split(s, ",") {
		var n uint64
		if _, err := fmt.Sscan(f, &n); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

func formatSizes(ns []uint64) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ",")
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
