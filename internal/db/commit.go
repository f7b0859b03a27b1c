package db

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// committer runs Write functions in shared transactions.
type committer struct {
	db      *DB
	max     int
	reqs    chan *writeReq
	stopped chan struct{}

	mu     sync.RWMutex // guards closed against a send on a closed reqs
	closed bool
}

type writeReq struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan error
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("db: closed")

func newCommitter(d *DB, max int) *committer {
	c := &committer{db: d, max: max, reqs: make(chan *writeReq, max), stopped: make(chan struct{})}
	go c.loop()
	return c
}

func (c *committer) do(ctx context.Context, fn func(*Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return ErrClosed
	}
	select {
	case c.reqs <- req:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the caller must
	// learn whether its write committed.
	return <-req.done
}

func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.reqs)
	}
	c.mu.Unlock()
	<-c.stopped
}

func (c *committer) loop() {
	defer close(c.stopped)
	batch := make([]*writeReq, 0, c.max)
	for first := range c.reqs {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < c.max {
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		c.run(batch)
	}
}

// run executes one batch: each function under its own savepoint, then one
// commit. If the commit fails every function in the batch fails with it.
func (c *committer) run(batch []*writeReq) {
	ctx := context.Background() // a cancelled caller must not abort the others' commit
	sqlTx, err := c.db.w.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("begin: %w", err)
		}
		return
	}
	results := make([]error, len(batch))
	txs := make([]*Tx, len(batch))
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		sp := "w" + strconv.Itoa(i)
		if _, err := sqlTx.Exec("SAVEPOINT " + sp); err != nil {
			results[i] = fmt.Errorf("savepoint: %w", err)
			continue
		}
		tx := &Tx{tx: sqlTx, dialect: c.db.dialect, stmts: c.db.stmts}
		err := runHook(r.ctx, tx)
		if err == nil {
			err = callSafely(r.fn, tx)
		}
		if err != nil {
			if _, rbErr := sqlTx.Exec("ROLLBACK TO SAVEPOINT " + sp); rbErr != nil {
				// The transaction is unusable: fail the whole batch.
				c.abort(sqlTx, batch, fmt.Errorf("rollback to savepoint: %w", rbErr))
				return
			}
			results[i] = err
			continue
		}
		if _, err := sqlTx.Exec("RELEASE SAVEPOINT " + sp); err != nil {
			c.abort(sqlTx, batch, fmt.Errorf("release savepoint: %w", err))
			return
		}
		txs[i] = tx
	}
	if err := sqlTx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", err)
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	for i, r := range batch {
		if results[i] == nil && txs[i] != nil {
			txs[i].runOnCommit()
		}
		r.done <- results[i]
	}
	if c.db.stmts != nil {
		c.db.stmts.prepare(ctx, c.db.w) // between batches the writer connection is free
	}
}

func (c *committer) abort(sqlTx interface{ Rollback() error }, batch []*writeReq, err error) {
	sqlTx.Rollback()
	for _, r := range batch {
		r.done <- err
	}
}

// callSafely turns a panic in fn into an error so one bad function cannot
// take down the committer and every writer queued behind it.
func callSafely(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write: %v", p)
		}
	}()
	return fn(tx)
}
