package db

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the SQLite writer's statements prepared: compiling a
// statement costs as much as running it, and the same few statements run
// thousands of times a second. Statements are prepared on the writer pool
// between transactions (its one connection is then free) and used inside
// transactions through Tx.StmtContext, which finds the statement already
// prepared on that connection.
type stmtCache struct {
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool
}

// maxCachedStmts bounds the cache; queries built with a variable number of
// placeholders would otherwise grow it without end.
const maxCachedStmts = 512

func newStmtCache() *stmtCache {
	return &stmtCache{stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the prepared statement for q, or nil after noting q to be
// prepared at the next opportunity.
func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.stmts[q]; st != nil {
		return st
	}
	if len(c.stmts)+len(c.pending) < maxCachedStmts {
		c.pending[q] = true
	}
	return nil
}

// prepare prepares the noted statements on w. It must be called when the
// caller holds no transaction on w.
func (c *stmtCache) prepare(ctx context.Context, w *sql.DB) {
	c.mu.Lock()
	var qs []string
	for q := range c.pending {
		qs = append(qs, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range qs {
		st, err := w.PrepareContext(ctx, q)
		if err != nil {
			continue // the statement keeps running unprepared and reports its own error
		}
		c.mu.Lock()
		if c.stmts[q] == nil {
			c.stmts[q] = st
			st = nil
		}
		c.mu.Unlock()
		if st != nil {
			st.Close()
		}
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}
