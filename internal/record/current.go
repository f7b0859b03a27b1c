package record

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/policy"
)

// Current is the current version of a record as a node-internal index reads
// it — the hit/no-hit index, which must see every record to decide per
// partner with policy.Decider.CanMatch whether to include it. It is read
// without a principal and without an audit event, so it must never be
// shown to an officer: officers read records through Get and Search.
type Current struct {
	Pos      int64 // storage position, for ScanCurrent paging
	ID       string
	State    State
	Envelope policy.Envelope // zero unless State is active
	Entities []ftm.Entity    // nil unless State is active
	// Err says why a stored active record could not be decoded; such a
	// record should be left out (and logged) rather than stop the reader.
	Err error
}

const currentColumns = `rid, id, state, envelope, body`

func scanCurrent(row scanner) (*Current, error) {
	var (
		c         Current
		state     string
		env, body string
	)
	if err := row.Scan(&c.Pos, &c.ID, &state, &env, &body); err != nil {
		return nil, err
	}
	c.State = State(state)
	if c.State != StateActive {
		return &c, nil
	}
	e, err := policy.DecodeEnvelope([]byte(env))
	if err != nil {
		c.Err = fmt.Errorf("record %s: stored envelope: %w", c.ID, err)
		return &c, nil
	}
	var content struct {
		Entities []ftm.Entity `json:"entities"`
	}
	if err := json.Unmarshal([]byte(body), &content); err != nil {
		c.Err = fmt.Errorf("record %s: stored content: %w", c.ID, err)
		return &c, nil
	}
	c.Envelope, c.Entities = e, content.Entities
	return &c, nil
}

// ScanCurrent returns up to limit records stored after position after, in
// storage order (see Current for who may call it).
func (s *Service) ScanCurrent(ctx context.Context, after int64, limit int) ([]*Current, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+currentColumns+` FROM records WHERE rid > ? ORDER BY rid LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("scan records: %w", err)
	}
	defer rows.Close()
	var out []*Current
	for rows.Next() {
		c, err := scanCurrent(rows)
		if err != nil {
			return nil, fmt.Errorf("scan records: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CurrentRecord returns one record's current version (see Current for who
// may call it); errs.NotExist when there is none.
func (s *Service) CurrentRecord(ctx context.Context, id string) (*Current, error) {
	c, err := scanCurrent(s.db.QueryRowContext(ctx, `SELECT `+currentColumns+` FROM records WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "id", "no such record")
	}
	if err != nil {
		return nil, fmt.Errorf("read record: %w", err)
	}
	return c, nil
}

// LastChange returns the sequence number of the newest change-feed entry
// (0 when there is none): a reader that scans every record and then follows
// ChangesSince from here misses nothing.
func (s *Service) LastChange(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM record_changes`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read change feed: %w", err)
	}
	return seq, nil
}
