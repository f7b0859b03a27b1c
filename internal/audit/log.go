package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
)

// Schema holds the audit tables. Step 1 was the placeholder table of the
// node skeleton, without leaf hashes; step 2 keeps whatever a development
// build wrote there as audit_events_v0, outside the Merkle tree.
var Schema = db.Schema{Component: "audit", Steps: []db.Migration{
	{SQL: `CREATE TABLE audit_events (
		id {{ID}},
		time BIGINT NOT NULL,
		kind TEXT NOT NULL,
		actor_id TEXT NOT NULL DEFAULT '',
		agency TEXT NOT NULL DEFAULT '',
		body {{BLOB}} NOT NULL)`},
	{SQL: `ALTER TABLE audit_events RENAME TO audit_events_v0`},
	// leaf_index is the event's position in the Merkle tree. On SQLite it is
	// the rowid (INTEGER PRIMARY KEY), which saves an index per event.
	{SQLite: `CREATE TABLE audit_events (
		leaf_index INTEGER PRIMARY KEY,
		time BIGINT NOT NULL,
		kind TEXT NOT NULL,
		actor_id TEXT NOT NULL,
		agency TEXT NOT NULL,
		case_ref TEXT NOT NULL,
		body BLOB NOT NULL,
		leaf_hash BLOB NOT NULL,
		mac BLOB NOT NULL)`,
		Postgres: `CREATE TABLE audit_events (
		leaf_index BIGINT PRIMARY KEY,
		time BIGINT NOT NULL,
		kind TEXT NOT NULL,
		actor_id TEXT NOT NULL,
		agency TEXT NOT NULL,
		case_ref TEXT NOT NULL,
		body BYTEA NOT NULL,
		leaf_hash BYTEA NOT NULL,
		mac BYTEA NOT NULL)`},
	{SQL: `CREATE INDEX audit_events_time ON audit_events (time)`},
	{SQL: `CREATE INDEX audit_events_actor ON audit_events (actor_id, leaf_index)`},
	{SQL: `CREATE INDEX audit_events_case ON audit_events (case_ref, leaf_index)`},
	{SQL: `CREATE TABLE audit_objects (
		leaf_index BIGINT NOT NULL,
		ref_type TEXT NOT NULL,
		ref_id TEXT NOT NULL)`},
	{SQL: `CREATE INDEX audit_objects_ref ON audit_objects (ref_id, leaf_index)`},
	// audit_head hands out leaf indexes on PostgreSQL (see insertEvent).
	{SQL: `CREATE TABLE audit_head (id INTEGER PRIMARY KEY, next_index BIGINT NOT NULL)`},
	{SQL: `INSERT INTO audit_head (id, next_index) VALUES (1, 0)`},
	{SQL: `CREATE TABLE audit_checkpoints (
		size BIGINT PRIMARY KEY,
		root {{BLOB}} NOT NULL,
		note TEXT NOT NULL,
		created_at BIGINT NOT NULL)`},
	{SQL: `CREATE TABLE audit_cosignatures (
		checkpoint_size BIGINT NOT NULL,
		witness TEXT NOT NULL,
		key_hash BIGINT NOT NULL,
		time BIGINT NOT NULL,
		line TEXT NOT NULL,
		received_at BIGINT NOT NULL,
		PRIMARY KEY (checkpoint_size, witness))`},
	// Verification reads object rows in leaf order.
	{SQL: `CREATE INDEX audit_objects_leaf ON audit_objects (leaf_index)`},
}}

// DefaultCheckpointInterval is how often the log integrates new events and
// signs a checkpoint while events arrive.
const DefaultCheckpointInterval = 10 * time.Second

// Config configures a Log.
type Config struct {
	// Origin names the log in checkpoints; default Origin(Agency).
	Origin string
	// Agency is the node's agency id, e.g. "NL-NCB".
	Agency string
	// Key is the node's Ed25519 signing key (identity.SigningKey).
	Key ed25519.PrivateKey
	// CheckpointInterval; default DefaultCheckpointInterval.
	CheckpointInterval time.Duration
	// MemoryLeaves bounds the recent leaf hashes kept in memory for fast
	// proofs (32 bytes each); default DefaultMemoryLeaves.
	MemoryLeaves int
	// Witnesses looks up the keys of partner witnesses whose cosignatures
	// the node accepts; nil accepts none.
	Witnesses WitnessKeys
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives operational messages (never event contents).
	Logger *slog.Logger
	// Exercise marks every event exercise: the node is an exercise node,
	// whose every action, background jobs' included, is the exercise's.
	Exercise bool
}

// WitnessKeys finds the cosignature verifier of a partner witness by name.
// The federation capability implements it from partner cards.
type WitnessKeys interface {
	// Witness returns the verifier of the witness called name, or false
	// when the node does not know (or no longer trusts) that witness.
	Witness(name string) (*CosignatureVerifier, bool)
}

// StaticWitnesses is a fixed set of witness keys.
type StaticWitnesses []*CosignatureVerifier

// Witness implements WitnessKeys.
func (s StaticWitnesses) Witness(name string) (*CosignatureVerifier, bool) {
	for _, v := range s {
		if v.Name() == name {
			return v, true
		}
	}
	return nil, false
}

// SignedCheckpoint is a checkpoint as the node stored it.
type SignedCheckpoint struct {
	Checkpoint
	Note      []byte    // the signed note: body, blank line, signature line
	CreatedAt time.Time // when the node signed it
}

// Log is the node's audit log. It is safe for concurrent use.
type Log struct {
	db       *db.DB
	keys     *Keys
	interval time.Duration
	witness  WitnessKeys
	now      func() time.Time
	logger   *slog.Logger
	tree     *tree
	exercise bool // every event is an exercise event (Config.Exercise)

	nextGuess atomic.Uint64 // SQLite: the leaf index the next append probably takes
	records   recordQueue   // events waiting for the next Record write

	sealMu sync.Mutex // serialises integration and signing

	mu     sync.RWMutex
	latest *SignedCheckpoint
	broken error // set when stored events contradict a checkpoint or fail their MAC
}

// Open returns the node's audit log over d (migrated with Schema). It
// rebuilds the Merkle tree from the stored leaf hashes, checks it against
// the latest stored checkpoint, and integrates and signs whatever events
// were committed after that checkpoint — the events a crash left uncovered.
//
// A log whose stored events contradict its checkpoint still opens, so that
// the node keeps recording events, but it signs nothing more and serves no
// proofs: [Log.Err] reports why, and `liaison audit verify` finds the first
// bad event.
func Open(ctx context.Context, d *db.DB, cfg Config) (*Log, error) {
	if cfg.Origin == "" {
		cfg.Origin = Origin(cfg.Agency)
	}
	keys, err := NewKeys(cfg.Origin, cfg.Key)
	if err != nil {
		return nil, err
	}
	if cfg.CheckpointInterval <= 0 {
		cfg.CheckpointInterval = DefaultCheckpointInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	l := &Log{db: d, keys: keys, interval: cfg.CheckpointInterval, witness: cfg.Witnesses, now: cfg.Now, logger: cfg.Logger,
		exercise: cfg.Exercise}
	if cfg.MemoryLeaves <= 0 {
		cfg.MemoryLeaves = DefaultMemoryLeaves
	}
	l.tree = newTree(l.readLeaves, cfg.MemoryLeaves)
	if err := l.load(ctx); err != nil {
		return nil, err
	}
	if l.Err() == nil {
		if _, err := l.Checkpoint(ctx); err != nil && l.Err() == nil {
			return nil, err
		}
	}
	return l, nil
}

// Keys returns the log's keys (for verification tools).
func (l *Log) Keys() *Keys { return l.keys }

// Err reports why the log stopped signing checkpoints, or nil.
func (l *Log) Err() error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.broken
}

func (l *Log) markBroken(err error) {
	l.mu.Lock()
	if l.broken == nil {
		l.broken = err
	}
	l.mu.Unlock()
	l.logger.Error("audit log integrity failure: checkpoints stopped; run liaison audit verify", slog.String("error", err.Error()))
}

// Append writes e inside tx as the next leaf of the log: it takes the next
// leaf index, stamps the time, and stores the canonical encoding with its
// leaf hash and MAC. If tx's work rolls back, the index is handed out again,
// so leaf indexes have no gaps.
func (l *Log) Append(ctx context.Context, tx *db.Tx, e Event) error {
	if err := l.check(&e); err != nil {
		return err
	}
	return l.appendChecked(ctx, tx, e)
}

// appendChecked is Append of an event check has passed.
func (l *Log) appendChecked(ctx context.Context, tx *db.Tx, e Event) error {
	e.Time = l.now().UTC().Truncate(time.Microsecond)
	return l.insertEvents(ctx, tx, []Event{e})
}

// check completes e's defaults and validates it.
func (l *Log) check(e *Event) error {
	if !slices.Contains(Kinds, e.Kind) {
		return errs.E(errs.Invalid, "kind", fmt.Sprintf("unknown audit event kind %q", e.Kind))
	}
	if e.Outcome == "" {
		e.Outcome = OK
	}
	e.Exercise = e.Exercise || l.exercise
	if err := e.validate(); err != nil {
		return fmt.Errorf("audit event: %w", err)
	}
	return nil
}

// insertEvents stores events, in order, as the next leaves, with their
// object references. Indexes follow commit order and a rolled-back append
// hands its indexes on, so the leaves have no gaps.
func (l *Log) insertEvents(ctx context.Context, tx *db.Tx, events []Event) error {
	var refs []objectRef
	for len(events) > 0 {
		n := chunk(len(events), eventChunkStep)
		first, err := l.insertEventRows(ctx, tx, events[:n])
		if err != nil {
			return err
		}
		for i, e := range events[:n] {
			for _, o := range e.Objects {
				refs = append(refs, objectRef{first + uint64(i), o})
			}
		}
		events = events[n:]
	}
	for len(refs) > 0 {
		n := chunk(min(len(refs), maxObjectRows), objectChunkStep)
		q, args := objectRows(refs[:n])
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("append audit event objects: %w", err)
		}
		refs = refs[n:]
	}
	return nil
}

// chunk returns how many of n rows (n > 0) the next multi-row insert
// takes: all of them up to step, else the largest multiple of step. So at
// most two statements insert a batch, and a bounded set of statement texts
// (step + max/step - 1 of them) serves every batch size up to max, all of
// which the writer's statement cache keeps prepared.
func chunk(n, step int) int {
	if n <= step {
		return n
	}
	return n - n%step
}

// insertEventRows inserts the audit_events rows of events and returns the
// leaf index of the first.
//
// On PostgreSQL the audit_head row lock, held until commit, serialises
// appenders across transactions and processes. On SQLite the database write
// lock already serialises them (one writer connection, BEGIN IMMEDIATE), and
// a separate statement to take an index would cost a third of a single
// append, so the log guesses the next index from its last append and the
// insert itself checks the guess against the largest stored index; a wrong
// guess (after a rollback) inserts nothing and is corrected from the table.
func (l *Log) insertEventRows(ctx context.Context, tx *db.Tx, events []Event) (uint64, error) {
	const cols = `INSERT INTO audit_events (leaf_index, time, kind, actor_id, agency, case_ref, body, leaf_hash, mac) `
	if tx.Dialect() == db.Postgres {
		var next int64
		if err := tx.QueryRowContext(ctx, `UPDATE audit_head SET next_index = next_index + ? WHERE id = 1 RETURNING next_index`,
			len(events)).Scan(&next); err != nil {
			return 0, fmt.Errorf("take audit leaf index: %w", err)
		}
		first := uint64(next) - uint64(len(events))
		values, args := l.eventRows(first, events)
		if _, err := tx.ExecContext(ctx, cols+`VALUES `+values, args...); err != nil {
			return 0, fmt.Errorf("append audit event: %w", err)
		}
		return first, nil
	}
	first := l.nextGuess.Load()
	for range 2 {
		values, args := l.eventRows(first, events)
		args = append(args, int64(first)-1)
		res, err := tx.ExecContext(ctx, cols+`SELECT * FROM (VALUES `+values+`)
			WHERE IFNULL((SELECT MAX(leaf_index) FROM audit_events), -1) = ?`, args...)
		if err != nil {
			return 0, fmt.Errorf("append audit event: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, fmt.Errorf("append audit event: %w", err)
		} else if n == int64(len(events)) {
			l.nextGuess.Store(first + uint64(len(events)))
			return first, nil
		}
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(leaf_index) FROM audit_events`).Scan(&last); err != nil {
			return 0, fmt.Errorf("take audit leaf index: %w", err)
		}
		first = 0
		if last.Valid {
			first = uint64(last.Int64) + 1
		}
	}
	return 0, fmt.Errorf("append audit event: leaf index %d taken by a concurrent writer", first)
}

// eventRows encodes events as leaves first, first+1, … and returns the
// VALUES rows of their audit_events insert with its arguments.
func (l *Log) eventRows(first uint64, events []Event) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 9*len(events)+1)
	for i, e := range events {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
		index := first + uint64(i)
		enc := encodeEvent(index, e)
		leaf := LeafHash(enc)
		mac := l.keys.eventMAC(index, leaf)
		args = append(args, int64(index), e.Time.UnixMicro(), string(e.Kind), e.ActorID, e.Agency, e.CaseRef, enc, leaf[:], mac[:])
	}
	return b.String(), args
}

// objectRef is an object reference of the event at leaf index.
type objectRef struct {
	index uint64
	Ref
}

// maxObjectRows bounds the rows of one audit_objects insert (three
// arguments each, well within both engines' limits on arguments).
const maxObjectRows = 512

// Steps of the multi-row inserts' sizes (see chunk).
const (
	eventChunkStep  = 16
	objectChunkStep = 32
)

// objectRows builds one multi-row insert of object references.
func objectRows(refs []objectRef) (string, []any) {
	var b strings.Builder
	b.WriteString(`INSERT INTO audit_objects (leaf_index, ref_type, ref_id) VALUES `)
	args := make([]any, 0, 3*len(refs))
	for i, o := range refs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?)")
		args = append(args, int64(o.index), o.Type, o.ID)
	}
	return b.String(), args
}

// HashPersonal returns the keyed hash of a personal value (a searched phone
// number, the username of a failed login) for Event.Hashes. kind names what
// the value is ("phone", "username", …) so equal strings of different kinds
// hash differently. The key is the node's, so the log never holds hashes an
// attacker could reverse by trying every phone number.
func (l *Log) HashPersonal(kind, value string) string { return l.keys.hashPersonal(kind, value) }

// Latest returns the latest signed checkpoint, if there is one.
func (l *Log) Latest() (SignedCheckpoint, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.latest == nil {
		return SignedCheckpoint{}, false
	}
	return *l.latest, true
}

// Run integrates new events and signs a checkpoint every interval until ctx
// ends, then signs a last one covering every event committed by then and
// returns. Run it once, in its own goroutine; cancel it after the API has
// stopped serving and wait for it to return before closing the database.
func (l *Log) Run(ctx context.Context) {
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := l.Checkpoint(final); err != nil {
				l.logger.Warn("final audit checkpoint", slog.String("error", err.Error()))
			}
			return
		case <-t.C:
			if _, err := l.Checkpoint(ctx); err != nil && ctx.Err() == nil {
				l.logger.Warn("audit checkpoint", slog.String("error", err.Error()))
			}
		}
	}
}

// ErrBroken wraps Log.Err in the errors of operations a broken log refuses.
var ErrBroken = errors.New("audit log integrity failure")

// Checkpoint integrates the events committed so far and, if the tree grew
// (or there is no checkpoint yet), signs and stores a new checkpoint. It
// returns the latest checkpoint.
func (l *Log) Checkpoint(ctx context.Context) (SignedCheckpoint, error) {
	l.sealMu.Lock()
	defer l.sealMu.Unlock()
	if err := l.Err(); err != nil {
		return SignedCheckpoint{}, errs.E(errs.Internal, fmt.Errorf("%w: %v", ErrBroken, err))
	}
	if err := l.integrate(ctx); err != nil {
		return SignedCheckpoint{}, err
	}
	size := l.tree.Size()
	if cp, ok := l.Latest(); ok && cp.Size == size {
		return cp, nil
	}
	c := Checkpoint{Origin: l.keys.origin, Size: size, Root: l.tree.Root()}
	msg, err := note.Sign(&note.Note{Text: string(c.Body())}, l.keys.signer)
	if err != nil {
		return SignedCheckpoint{}, fmt.Errorf("sign audit checkpoint: %w", err)
	}
	sc := SignedCheckpoint{Checkpoint: c, Note: msg, CreatedAt: l.now().UTC().Truncate(time.Microsecond)}
	err = l.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)`,
			int64(size), c.Root, string(msg), sc.CreatedAt.UnixMicro())
		return err
	})
	if err != nil {
		return SignedCheckpoint{}, fmt.Errorf("store audit checkpoint: %w", err)
	}
	l.mu.Lock()
	l.latest = &sc
	l.mu.Unlock()
	return sc, nil
}

// integrateBatch bounds the rows one integration query reads.
const integrateBatch = 4096

// integrate appends to the tree every committed event beyond it, after
// checking that each is where it claims to be and carries its MAC. A
// failure marks the log broken: a checkpoint must never cover a forged or
// altered event.
func (l *Log) integrate(ctx context.Context) error {
	for {
		next := l.tree.Size()
		rows, err := l.db.QueryContext(ctx, `SELECT leaf_index, body, leaf_hash, mac FROM audit_events
			WHERE leaf_index >= ? ORDER BY leaf_index LIMIT ?`, int64(next), integrateBatch)
		if err != nil {
			return fmt.Errorf("read audit events: %w", err)
		}
		var hashes [][32]byte
		var bad error
		for rows.Next() {
			var r storedEvent
			if err := rows.Scan(&r.index, &r.body, &r.leafHash, &r.mac); err != nil {
				rows.Close()
				return fmt.Errorf("read audit events: %w", err)
			}
			want := next + uint64(len(hashes))
			if _, bad = r.decode(l.keys, want); bad != nil {
				break
			}
			hashes = append(hashes, [32]byte(r.leafHash))
		}
		err = errors.Join(rows.Err(), rows.Close())
		if err != nil {
			return fmt.Errorf("read audit events: %w", err)
		}
		if len(hashes) > 0 {
			if err := l.tree.Append(hashes); err != nil {
				return err
			}
		}
		if bad != nil {
			l.markBroken(bad)
			return errs.E(errs.Internal, fmt.Errorf("%w: %v", ErrBroken, bad))
		}
		if len(hashes) < integrateBatch {
			return nil
		}
	}
}

// storedEvent is an audit_events row as integration and verification read it.
type storedEvent struct {
	index    int64
	body     []byte
	leafHash []byte
	mac      []byte
}

// IntegrityError says which event is bad and why.
type IntegrityError struct {
	Index  uint64
	Reason string
}

func (e *IntegrityError) Error() string {
	return fmt.Sprintf("event %d: %s", e.Index, e.Reason)
}

// decode verifies a stored event expected at leaf index want — its
// position, its encoding, its leaf hash and its MAC — and decodes it.
func (r *storedEvent) decode(k *Keys, want uint64) (Event, error) {
	bad := func(format string, args ...any) (Event, error) {
		return Event{}, &IntegrityError{Index: want, Reason: fmt.Sprintf(format, args...)}
	}
	if r.index < 0 || uint64(r.index) != want {
		if r.index >= 0 && uint64(r.index) > want {
			return bad("missing (the next stored event is %d)", r.index)
		}
		return bad("stored out of order as %d", r.index)
	}
	idx, e, err := DecodeEvent(r.body)
	if err != nil {
		return bad("undecodable: %v", err)
	}
	if idx != want {
		return bad("holds the encoding of event %d (moved or swapped)", idx)
	}
	leaf := LeafHash(r.body)
	if len(r.leafHash) != len(leaf) || !hmac.Equal(r.leafHash, leaf[:]) {
		return bad("stored leaf hash does not match the event (edited)")
	}
	mac := k.eventMAC(want, leaf)
	if !hmac.Equal(r.mac, mac[:]) {
		return bad("MAC does not verify (edited or forged)")
	}
	return e, nil
}

// load rebuilds the tree from the stored leaf hashes up to the latest
// checkpoint and checks the root against it.
func (l *Log) load(ctx context.Context) error {
	cp, ok, err := latestCheckpoint(ctx, l.db, l.keys)
	if err != nil {
		if errors.Is(err, ErrCheckpoint) {
			l.markBroken(fmt.Errorf("latest stored checkpoint: %w", err))
			return nil
		}
		return err
	}
	if !ok {
		return nil
	}
	for done := uint64(0); done < cp.Size; {
		end := min(done+integrateBatch*16, cp.Size)
		hashes, err := l.readLeaves(ctx, done, end)
		if err != nil {
			var ie *IntegrityError
			if errors.As(err, &ie) {
				l.markBroken(err)
				return nil
			}
			return err
		}
		if err := l.tree.Append(hashes); err != nil {
			return err
		}
		done = end
	}
	if root := l.tree.Root(); !hmac.Equal(root, cp.Root) {
		l.markBroken(fmt.Errorf("stored events do not hash to the root of the checkpoint of size %d", cp.Size))
		return nil
	}
	l.mu.Lock()
	l.latest = &cp
	l.mu.Unlock()
	return nil
}

// readLeaves reads the stored leaf hashes of [begin, end).
func (l *Log) readLeaves(ctx context.Context, begin, end uint64) ([][32]byte, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT leaf_index, leaf_hash FROM audit_events
		WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index`, int64(begin), int64(end))
	if err != nil {
		return nil, fmt.Errorf("read audit leaf hashes: %w", err)
	}
	defer rows.Close()
	out := make([][32]byte, 0, end-begin)
	for rows.Next() {
		var idx int64
		var h []byte
		if err := rows.Scan(&idx, &h); err != nil {
			return nil, fmt.Errorf("read audit leaf hashes: %w", err)
		}
		want := begin + uint64(len(out))
		if uint64(idx) != want {
			return nil, &IntegrityError{Index: want, Reason: "missing"}
		}
		if len(h) != 32 {
			return nil, &IntegrityError{Index: want, Reason: "stored leaf hash is not 32 bytes"}
		}
		out = append(out, [32]byte(h))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit leaf hashes: %w", err)
	}
	if uint64(len(out)) != end-begin {
		return nil, &IntegrityError{Index: begin + uint64(len(out)), Reason: "missing"}
	}
	return out, nil
}

// latestCheckpoint reads and verifies the checkpoint with the largest size.
func latestCheckpoint(ctx context.Context, q db.Querier, k *Keys) (SignedCheckpoint, bool, error) {
	var msg string
	var created int64
	err := q.QueryRowContext(ctx, `SELECT note, created_at FROM audit_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&msg, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return SignedCheckpoint{}, false, nil
	}
	if err != nil {
		return SignedCheckpoint{}, false, fmt.Errorf("read audit checkpoint: %w", err)
	}
	c, _, err := OpenCheckpoint([]byte(msg), k.verifier)
	if err != nil {
		return SignedCheckpoint{}, false, err
	}
	return SignedCheckpoint{Checkpoint: c, Note: []byte(msg), CreatedAt: time.UnixMicro(created).UTC()}, true, nil
}
