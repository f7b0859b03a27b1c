package audit

import (
	"context"
	"sync"
	"time"

	"github.com/liaison-project/liaison/internal/db"
)

// maxRecordBatch bounds the events one Record write inserts (nine
// arguments each, well within both engines' limits on arguments).
const maxRecordBatch = 256

// maxRecordFlushes bounds the Record batches written at once.
const maxRecordFlushes = 2

// Record appends e as the next leaf in a write of its own and returns once
// it has committed durably. It is for an event that is the only write of
// what it records — a consultation by a read, such as a border lookup or a
// search of the log — never for an action's event, which Append writes in
// the action's own transaction.
//
// Concurrent calls share one insert: while one batch commits, the events
// that arrive meanwhile queue and go together in the next. Each event costs
// one row of a multi-row insert instead of a savepoint and a statement of
// its own: with many concurrent readers that doubles the durable events per
// second on SQLite and multiplies them on PostgreSQL (docs/benchmarks/audit.md).
// A failed write fails every event of its batch; none of them is stored.
func (l *Log) Record(ctx context.Context, e Event) error {
	if err := l.check(&e); err != nil {
		return err
	}
	if db.PendingFirstWriteHook(ctx) {
		// A batch is written outside the callers' contexts, where the
		// request's hook (its Idempotency-Key) would not run.
		return l.db.Write(ctx, func(tx *db.Tx) error { return l.appendChecked(ctx, tx, e) })
	}
	req := &recordReq{e: e, done: make(chan error, 1)}
	q := &l.records
	q.mu.Lock()
	q.pending = append(q.pending, req)
	lead := q.flushing < maxRecordFlushes
	if lead {
		q.flushing++
	}
	q.mu.Unlock()
	if lead {
		l.flushRecords()
	}
	// Once queued, wait for the outcome even if ctx ends: the caller must
	// learn whether its event was stored.
	return <-req.done
}

// recordQueue holds the events waiting for the next Record write.
type recordQueue struct {
	mu      sync.Mutex
	pending []*recordReq
	// flushing counts the batches being written; at most
	// maxRecordFlushes, so that the next batch waits in the committer's
	// queue while one commits, and gathers what arrives meanwhile.
	flushing int
}

type recordReq struct {
	e    Event
	done chan error
}

// flushRecords writes one batch of queued events. If more arrived while it
// wrote, it hands them to a new goroutine rather than keep the caller that
// started it waiting for other callers' batches.
func (l *Log) flushRecords() {
	q := &l.records
	q.mu.Lock()
	n := min(len(q.pending), maxRecordBatch)
	if n == 0 {
		// The other flush took what this one was started for.
		q.flushing--
		q.mu.Unlock()
		return
	}
	batch := q.pending[:n:n]
	q.pending = q.pending[n:]
	if len(q.pending) == 0 {
		q.pending = nil // let the array, and the requests it holds, go
	}
	q.mu.Unlock()

	// Not the leader's context: its cancellation must not fail the others.
	ctx := context.Background()
	err := l.db.Write(ctx, func(tx *db.Tx) error {
		events := make([]Event, len(batch))
		now := l.now().UTC().Truncate(time.Microsecond)
		for i, r := range batch {
			events[i] = r.e
			events[i].Time = now
		}
		return l.insertEvents(ctx, tx, events)
	})
	for _, r := range batch {
		r.done <- err
	}

	q.mu.Lock()
	more := len(q.pending) > 0
	if !more {
		q.flushing--
	}
	q.mu.Unlock()
	if more {
		go l.flushRecords()
	}
}
