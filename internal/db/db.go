// Package db is Liaison's one storage layer over two engines: embedded
// SQLite (modernc.org/sqlite, the zero-setup default) and PostgreSQL (pgx),
// both through database/sql.
//
// Capability packages write their SQL once, in the common subset of the two
// dialects, with `?` placeholders; this package rebinds placeholders and
// expands the few type macros migrations need (see [Migration]). Every
// dialect difference lives in dialect.go.
//
// # Writes and group commit
//
// All writes go through [DB.Write]: the function runs inside a transaction
// shared with other concurrent writers (group commit: one commit, one fsync
// per batch), isolated from them by a savepoint, and Write returns only
// after the batch has committed durably. A function that fails rolls back to
// its savepoint and does not affect the others. This is how an action and
// its audit event are written atomically while the node still sustains
// thousands of durable writes per second on SQLite.
//
// Reads that need a consistent view use [DB.Read]; reads that must leave an
// audit trace (consultation of personal data) are writes and use Write.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Querier runs SQL with `?` placeholders. *Tx and *DB implement it.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Dialect() Dialect
}

// Options tune an opened database. The zero value is sensible.
type Options struct {
	// MaxBatch bounds how many Write functions share one transaction.
	MaxBatch int
	// BusyTimeout is how long SQLite waits for a lock held by another process.
	BusyTimeout time.Duration
	// ReadConns is the size of the read pool.
	ReadConns int
}

// Defaults for Options.
const (
	DefaultMaxBatch    = 256
	DefaultBusyTimeout = 10 * time.Second
	DefaultReadConns   = 8
)

// DB is an open database.
type DB struct {
	dialect Dialect
	w       *sql.DB // writes (SQLite: one connection)
	r       *sql.DB // reads (SQLite: query_only pool; PostgreSQL: same as w)
	batch   *committer
	stmts   *stmtCache // SQLite writer only; nil on PostgreSQL (pgx caches per connection)
	dsn     string
}

// Open opens the database named by dsn: "postgres://…" or "postgresql://…"
// selects PostgreSQL, anything else is a SQLite file path (optionally
// prefixed with "sqlite:" or "file:").
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = DefaultReadConns
	}
	d := &DB{dsn: dsn}
	var err error
	if IsPostgres(dsn) {
		d.dialect = Postgres
		d.w, err = openPostgres(dsn, opts)
		d.r = d.w
	} else {
		d.dialect = SQLite
		d.w, d.r, err = openSQLite(dsn, opts)
	}
	if err != nil {
		return nil, err
	}
	if err := d.w.PingContext(ctx); err != nil {
		d.closePools()
		return nil, fmt.Errorf("connect to %s database: %w", d.dialect, err)
	}
	if d.dialect == SQLite {
		d.stmts = newStmtCache()
	}
	d.batch = newCommitter(d, opts.MaxBatch)
	return d, nil
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Dialect reports the engine.
func (d *DB) Dialect() Dialect { return d.dialect }

// Close stops the committer, waiting for queued writes, and closes the pools.
func (d *DB) Close() error {
	d.batch.close()
	if d.stmts != nil {
		d.stmts.close()
	}
	return d.closePools()
}

func (d *DB) closePools() error {
	err := d.w.Close()
	if d.r != d.w {
		err = errors.Join(err, d.r.Close())
	}
	return err
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.w.PingContext(ctx) }

// ExecContext runs a statement outside any batch. Prefer Write.
func (d *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.w.ExecContext(ctx, d.dialect.rebind(query), args...)
}

// QueryContext runs a query on the read pool.
func (d *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.r.QueryContext(ctx, d.dialect.rebind(query), args...)
}

// QueryRowContext runs a single-row query on the read pool.
func (d *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return d.r.QueryRowContext(ctx, d.dialect.rebind(query), args...)
}

// Write runs fn inside a write transaction shared with other writers (group
// commit) and returns after the transaction committed. fn's changes are
// applied entirely or not at all; its error is returned unchanged. fn must
// not retain tx and must not start goroutines that use it.
func (d *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	return d.batch.do(ctx, fn)
}

// Tx runs fn in a transaction of its own, outside the group committer. Use
// it for long bulk work (imports, migrations) that should not hold up
// interactive writes queued behind a large batch.
func (d *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, dialect: d.dialect, stmts: d.stmts}
	if err := runHook(ctx, tx); err != nil {
		return errors.Join(err, rollback(sqlTx))
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, rollback(sqlTx))
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	tx.runOnCommit()
	if d.stmts != nil {
		d.stmts.prepare(ctx, d.w)
	}
	return nil
}

// Read runs fn in a read-only transaction: a consistent snapshot.
func (d *DB) Read(ctx context.Context, fn func(q Querier) error) error {
	sqlTx, err := d.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: d.dialect == Postgres})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer sqlTx.Rollback()
	return fn(&Tx{tx: sqlTx, dialect: d.dialect})
}

func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

// Tx is a transaction. Its methods rebind `?` placeholders.
type Tx struct {
	tx       *sql.Tx
	dialect  Dialect
	stmts    *stmtCache // nil: no statement cache
	onCommit []func()
}

// Dialect reports the engine.
func (t *Tx) Dialect() Dialect { return t.dialect }

// ExecContext runs a statement in the transaction.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = t.dialect.rebind(query)
	if st := t.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = t.dialect.rebind(query)
	if st := t.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a single-row query in the transaction.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	query = t.dialect.rebind(query)
	if st := t.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

func (t *Tx) cached(query string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	return t.stmts.get(query)
}

// OnCommit registers f to run after the transaction (for a Write: this
// function's part of it) has committed, e.g. to update an in-memory index.
// It does not run if the work is rolled back.
func (t *Tx) OnCommit(f func()) { t.onCommit = append(t.onCommit, f) }

func (t *Tx) runOnCommit() {
	for _, f := range t.onCommit {
		f()
	}
	t.onCommit = nil
}

// IsUniqueViolation reports whether err is a unique or primary key violation.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || // SQLite
		strings.Contains(s, "SQLSTATE 23505") || strings.Contains(s, "duplicate key value") // PostgreSQL
}
