package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
)

// Filter selects events. Empty fields match everything; From is inclusive
// and To exclusive.
type Filter struct {
	ActorID    string
	Agency     string
	Kind       Kind
	ObjectID   string // matches events with an object of this id
	ObjectType string // with ObjectID: only objects of this type
	CaseRef    string
	From, To   time.Time
}

// validate bounds the filter like the fields it matches.
func (f Filter) validate() error {
	for _, v := range []struct{ name, value string }{
		{"actor", f.ActorID}, {"agency", f.Agency}, {"object", f.ObjectID}, {"objectType", f.ObjectType}, {"case", f.CaseRef},
	} {
		if err := checkID(v.name, v.value); err != nil {
			return err
		}
	}
	if f.Kind != "" && !isToken(string(f.Kind)) {
		return errs.E(errs.Invalid, "kind", "not an event kind")
	}
	if f.ObjectType != "" && f.ObjectID == "" {
		return errs.E(errs.Invalid, "objectType", "objectType needs object")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return errs.E(errs.Invalid, "to", "to must be after from")
	}
	return nil
}

// refs describes the filter as object references of the consult event that
// records a search, so that searches are themselves searchable: who looked
// up the events of user u-42 shows in a search for object u-42.
func (f Filter) refs() []Ref {
	var refs []Ref
	add := func(name, v string) {
		if v != "" {
			refs = append(refs, Ref{Type: "filter:" + name, ID: v})
		}
	}
	add("actor", f.ActorID)
	add("agency", f.Agency)
	add("kind", string(f.Kind))
	add("object", f.ObjectID)
	add("object-type", f.ObjectType)
	add("case", f.CaseRef)
	if !f.From.IsZero() {
		add("from", f.From.UTC().Format(time.RFC3339Nano))
	}
	if !f.To.IsZero() {
		add("to", f.To.UTC().Format(time.RFC3339Nano))
	}
	return refs
}

// Entry is a stored event with its place in the log.
type Entry struct {
	Index    uint64 `json:"index"`
	LeafHash []byte `json:"leafHash"`
	Event    Event  `json:"event"`
}

// MaxSearchLimit bounds the events one search returns.
const MaxSearchLimit = 1000

// Search returns up to limit events matching f, newest first, with leaf
// index below before (0: from the newest). Every event returned is checked
// against its MAC: a search never shows a forged event as genuine.
//
// Search only reads. The caller records the consultation of the log (see
// the HTTP handler) and shows the results only once that event committed.
func (l *Log) Search(ctx context.Context, f Filter, before uint64, limit int) ([]Entry, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxSearchLimit {
		return nil, errs.E(errs.Invalid, "limit", fmt.Sprintf("must be from 1 to %d", MaxSearchLimit))
	}
	var where []string
	var args []any
	cond := func(c string, v any) {
		where = append(where, c)
		args = append(args, v)
	}
	if f.ActorID != "" {
		cond("actor_id = ?", f.ActorID)
	}
	if f.Agency != "" {
		cond("agency = ?", f.Agency)
	}
	if f.Kind != "" {
		cond("kind = ?", string(f.Kind))
	}
	if f.CaseRef != "" {
		cond("case_ref = ?", f.CaseRef)
	}
	if !f.From.IsZero() {
		cond("time >= ?", f.From.UnixMicro())
	}
	if !f.To.IsZero() {
		cond("time < ?", f.To.UnixMicro())
	}
	if f.ObjectID != "" {
		if f.ObjectType != "" {
			where = append(where, "leaf_index IN (SELECT leaf_index FROM audit_objects WHERE ref_id = ? AND ref_type = ?)")
			args = append(args, f.ObjectID, f.ObjectType)
		} else {
			cond("leaf_index IN (SELECT leaf_index FROM audit_objects WHERE ref_id = ?)", f.ObjectID)
		}
	}
	if before > 0 {
		cond("leaf_index < ?", int64(before))
	}
	q := `SELECT leaf_index, body, leaf_hash, mac FROM audit_events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY leaf_index DESC LIMIT ?"
	args = append(args, limit)
	return l.readEntries(ctx, q, args...)
}

// Entry returns the event at index.
func (l *Log) Entry(ctx context.Context, index uint64) (Entry, error) {
	es, err := l.readEntries(ctx, `SELECT leaf_index, body, leaf_hash, mac FROM audit_events WHERE leaf_index = ?`, int64(index))
	if err != nil {
		return Entry{}, err
	}
	if len(es) == 0 {
		return Entry{}, errs.E(errs.NotExist, "index", "no such audit event")
	}
	return es[0], nil
}

// readEntries runs q, which selects (leaf_index, body, leaf_hash, mac), and
// checks every row.
func (l *Log) readEntries(ctx context.Context, q string, args ...any) ([]Entry, error) {
	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("search audit events: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var r storedEvent
		if err := rows.Scan(&r.index, &r.body, &r.leafHash, &r.mac); err != nil {
			return nil, fmt.Errorf("search audit events: %w", err)
		}
		e, err := r.decode(l.keys, uint64(max(r.index, 0)))
		if err != nil {
			var ie *IntegrityError
			if errors.As(err, &ie) {
				l.logger.Error("audit event fails verification", slog.Uint64("index", ie.Index), slog.String("reason", ie.Reason))
				return nil, errs.E(errs.Internal, fmt.Sprintf("audit event %d fails verification: run liaison audit verify", ie.Index), err)
			}
			return nil, err
		}
		out = append(out, Entry{Index: uint64(r.index), LeafHash: r.leafHash, Event: e})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search audit events: %w", err)
	}
	return out, nil
}
