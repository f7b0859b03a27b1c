package record

import (
	"context"
	"fmt"
	"time"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/policy"
)

// ChangeEntry is one entry of the change feed: record RecordID reached
// Version through Change. Federation reads the feed to bring every copy of
// a record up to date (updates, withdrawals, erasures), and the matching
// index to add or remove the record's identifiers.
type ChangeEntry struct {
	Seq        int64     `json:"seq"`
	RecordID   string    `json:"recordId"`
	Version    int       `json:"version"`
	Change     Change    `json:"change"`
	Originator string    `json:"originator"`
	At         time.Time `json:"at"`
}

// ChangeHook is told about changes after they commit, in commit order per
// record. It is a nudge: the feed in the database is the durable source, so
// a hook that misses an entry (the node stopped) finds it with
// [Service.ChangesSince]. RecordChanged must not block.
type ChangeHook interface {
	RecordChanged(c ChangeEntry)
}

// MaxChangesPage bounds one ChangesSince call.
const MaxChangesPage = 10_000

// ChangesSince returns up to limit entries of the change feed with a
// sequence number greater than after, in order. Sequence numbers increase
// in commit order, so a reader that remembers the last one it processed
// misses nothing.
func (s *Service) ChangesSince(ctx context.Context, after int64, limit int) ([]ChangeEntry, error) {
	if limit <= 0 || limit > MaxChangesPage {
		limit = MaxChangesPage
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, record_id, version, change, originator, at FROM record_changes
		WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	var out []ChangeEntry
	for rows.Next() {
		var c ChangeEntry
		var change string
		var at int64
		if err := rows.Scan(&c.Seq, &c.RecordID, &c.Version, &change, &c.Originator, &at); err != nil {
			return nil, fmt.Errorf("read changes: %w", err)
		}
		c.Change, c.At = Change(change), time.UnixMicro(at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Holder is a partner agency that holds a copy of a record, and which
// version it holds.
type Holder struct {
	RecordID  string    `json:"recordId"`
	Agency    string    `json:"agency"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// SetHolder records, inside the caller's transaction (the one that records
// the disclosure), that agency holds version of record recordID. Federation
// calls it when a copy or an update was delivered; a tombstone delivered
// for an erased record keeps the row so that the erasure is known to have
// reached the holder.
func SetHolder(ctx context.Context, tx *db.Tx, recordID, agency string, version int, at time.Time) error {
	if !policy.ValidAgencyID(agency) {
		return errs.E(errs.Invalid, "agency", "not a valid agency id")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO record_holders (record_id, agency, version, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (record_id, agency) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
		recordID, agency, version, at.UnixMicro())
	if err != nil {
		return fmt.Errorf("set holder: %w", err)
	}
	return nil
}

// Holders returns the partners that hold a copy of record recordID.
func (s *Service) Holders(ctx context.Context, recordID string) ([]Holder, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT record_id, agency, version, updated_at FROM record_holders
		WHERE record_id = ? ORDER BY agency`, recordID)
	if err != nil {
		return nil, fmt.Errorf("read holders: %w", err)
	}
	defer rows.Close()
	var out []Holder
	for rows.Next() {
		var h Holder
		var at int64
		if err := rows.Scan(&h.RecordID, &h.Agency, &h.Version, &at); err != nil {
			return nil, fmt.Errorf("read holders: %w", err)
		}
		h.UpdatedAt = time.UnixMicro(at).UTC()
		out = append(out, h)
	}
	return out, rows.Err()
}

// notify tells the hook about committed changes.
func (s *Service) notify(tx *db.Tx, changes ...ChangeEntry) {
	if s.hook == nil {
		return
	}
	tx.OnCommit(func() {
		for _, c := range changes {
			s.hook.RecordChanged(c)
		}
	})
}
