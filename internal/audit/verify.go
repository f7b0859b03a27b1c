package audit

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/transparency-dev/merkle/compact"

	"github.com/liaison-project/liaison/internal/db"
)

// Report is the outcome of verifying a log.
type Report struct {
	Size        uint64          // events read
	Root        []byte          // root hash over them
	Checkpoints int             // checkpoints held against the events (stored and trusted)
	Problem     *IntegrityError // the first problem found; nil when the log is intact
}

// Verify recomputes the log stored in d from its events and checks, in
// leaf order, that every event is where it claims to be, carries the leaf
// hash and MAC of its canonical encoding, and agrees with the search columns
// and object rows derived from it; that the tree over the events has the
// root of every stored checkpoint and of every trusted one (saved outside
// the node, signature already checked); and that no checkpoint covers more
// events than are stored.
//
// An error means the log could not be read. Tampering is reported in
// Report.Problem with the first bad leaf index: the MACs locate an edit,
// deletion, insertion, reordering or truncation exactly as long as the node
// key is not compromised. An attacker holding the key can rewrite events
// consistently; checkpoints saved outside the node and witness
// cosignatures reveal that, located to the range after the last checkpoint
// that still matches.
func Verify(ctx context.Context, d *db.DB, keys *Keys, trusted []Checkpoint) (*Report, error) {
	v := &verifier{keys: keys, rng: rangeFactory.NewEmptyRange(0)}
	err := d.Read(ctx, func(q db.Querier) error {
		if err := v.loadCheckpoints(ctx, q, trusted); err != nil || v.problem != nil {
			return err
		}
		if err := v.events(ctx, q); err != nil || v.problem != nil {
			return err
		}
		return v.tail(ctx, q)
	})
	if err != nil {
		return nil, err
	}
	root := hasher.EmptyRoot()
	if v.size > 0 {
		if root, err = v.rng.GetRootHash(nil); err != nil {
			return nil, err
		}
	}
	return &Report{Size: v.size, Root: root, Checkpoints: len(v.checkpoints), Problem: v.problem}, nil
}

// checkpointRef is a checkpoint the recomputed tree must match.
type checkpointRef struct {
	Checkpoint
	what string // "stored" or "trusted"
}

type verifier struct {
	keys        *Keys
	checkpoints []checkpointRef // ascending size
	next        int             // first checkpoint not yet reached
	matched     uint64          // size of the last checkpoint matched
	rng         *compact.Range
	size        uint64
	problem     *IntegrityError
}

func (v *verifier) fail(index uint64, format string, args ...any) {
	if v.problem == nil {
		v.problem = &IntegrityError{Index: index, Reason: fmt.Sprintf(format, args...)}
	}
}

// loadCheckpoints reads and checks the stored checkpoints and merges in the
// trusted ones.
func (v *verifier) loadCheckpoints(ctx context.Context, q db.Querier, trusted []Checkpoint) error {
	rows, err := q.QueryContext(ctx, `SELECT size, note FROM audit_checkpoints ORDER BY size`)
	if err != nil {
		return fmt.Errorf("read audit checkpoints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var size int64
		var msg string
		if err := rows.Scan(&size, &msg); err != nil {
			return fmt.Errorf("read audit checkpoints: %w", err)
		}
		c, _, err := OpenCheckpoint([]byte(msg), v.keys.verifier)
		if err != nil {
			v.fail(uint64(max(size, 0)), "stored checkpoint for size %d does not verify: %v", size, err)
			return nil
		}
		if c.Size != uint64(size) {
			v.fail(min(c.Size, uint64(max(size, 0))), "stored checkpoint row for size %d holds a checkpoint of size %d", size, c.Size)
			return nil
		}
		v.checkpoints = append(v.checkpoints, checkpointRef{c, "stored"})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit checkpoints: %w", err)
	}
	for _, c := range trusted {
		if c.Origin != v.keys.origin {
			return fmt.Errorf("trusted checkpoint is for log %q, not %q", c.Origin, v.keys.origin)
		}
		v.checkpoints = append(v.checkpoints, checkpointRef{c, "trusted"})
	}
	slices.SortStableFunc(v.checkpoints, func(a, b checkpointRef) int { return cmp.Compare(a.Size, b.Size) })
	return nil
}

// verifyBatch bounds the events one verification query reads, so that a
// long verification does not hold one read transaction's cursor forever.
const verifyBatch = 10000

// events streams the events in leaf order with their object rows.
func (v *verifier) events(ctx context.Context, q db.Querier) error {
	v.reach() // checkpoints of size 0
	for {
		n, err := v.eventBatch(ctx, q)
		if err != nil || v.problem != nil {
			return err
		}
		if n < verifyBatch {
			break
		}
	}
	// Events beyond a gap of a whole batch or more.
	var next sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT MIN(leaf_index) FROM audit_events WHERE leaf_index >= ?`, int64(v.size)).Scan(&next); err != nil {
		return fmt.Errorf("read audit events: %w", err)
	}
	if next.Valid {
		v.fail(v.size, "missing (the next stored event is %d)", next.Int64)
	}
	return nil
}

// eventBatch verifies the events of leaf indexes [v.size, v.size+verifyBatch)
// and returns how many rows it read. One row per (event, object) pair comes
// back, objects in a fixed order; the leaf range on both tables lets each
// engine read them by index.
func (v *verifier) eventBatch(ctx context.Context, q db.Querier) (int, error) {
	lo, hi := int64(v.size), int64(v.size)+verifyBatch
	rows, err := q.QueryContext(ctx, `SELECT e.leaf_index, e.time, e.kind, e.actor_id, e.agency, e.case_ref, e.body, e.leaf_hash, e.mac,
			o.ref_type, o.ref_id
		FROM audit_events e
		LEFT JOIN audit_objects o ON o.leaf_index = e.leaf_index AND o.leaf_index >= ? AND o.leaf_index < ?
		WHERE e.leaf_index >= ? AND e.leaf_index < ?
		ORDER BY e.leaf_index, o.ref_type, o.ref_id`, lo, hi, lo, hi)
	if err != nil {
		return 0, fmt.Errorf("read audit events: %w", err)
	}
	defer rows.Close()
	var (
		cur     *eventRow
		count   int
		refType sql.NullString
		refID   sql.NullString
	)
	for rows.Next() {
		var r eventRow
		if err := rows.Scan(&r.index, &r.time, &r.kind, &r.actor, &r.agency, &r.caseRef, &r.body, &r.leafHash, &r.mac, &refType, &refID); err != nil {
			return 0, fmt.Errorf("read audit events: %w", err)
		}
		if cur == nil || r.index != cur.index {
			if cur != nil {
				v.event(cur)
				if v.problem != nil {
					return count, nil
				}
			}
			cur, count = &r, count+1
		}
		if refType.Valid {
			cur.objects = append(cur.objects, Ref{Type: refType.String, ID: refID.String})
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read audit events: %w", err)
	}
	if cur != nil {
		v.event(cur)
	}
	return count, nil
}

// eventRow is an event with its search columns and object rows.
type eventRow struct {
	storedEvent
	time                         int64
	kind, actor, agency, caseRef string
	objects                      []Ref
}

// event verifies the event expected at leaf v.size.
func (v *verifier) event(r *eventRow) {
	want := v.size
	e, err := r.decode(v.keys, want)
	if err != nil {
		var ie *IntegrityError
		if errors.As(err, &ie) {
			v.problem = ie
		}
		return
	}
	if r.time != e.Time.UnixMicro() || r.kind != string(e.Kind) || r.actor != e.ActorID || r.agency != e.Agency || r.caseRef != e.CaseRef {
		v.fail(want, "search columns (time, kind, actor, agency or case) do not match the event")
		return
	}
	objs := slices.Clone(e.Objects)
	slices.SortFunc(objs, func(a, b Ref) int { return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.ID, b.ID)) })
	if !slices.Equal(objs, r.objects) {
		v.fail(want, "object index rows do not match the event's objects")
		return
	}
	leaf := LeafHash(r.body)
	if err := v.rng.Append(leaf[:], nil); err != nil {
		v.fail(want, "merkle tree: %v", err)
		return
	}
	v.size++
	v.reach()
}

// reach checks every checkpoint of the current size.
func (v *verifier) reach() {
	for v.next < len(v.checkpoints) && v.checkpoints[v.next].Size == v.size {
		c := v.checkpoints[v.next]
		root := hasher.EmptyRoot()
		if v.size > 0 {
			root, _ = v.rng.GetRootHash(nil) // the range starts at 0
		}
		if !bytes.Equal(root, c.Root) {
			v.fail(v.matched, "events %d to %d do not hash to the %s checkpoint of size %d (rewritten with the node key, or a forged checkpoint)",
				v.matched, c.Size-1, c.what, c.Size)
			return
		}
		v.matched = c.Size
		v.next++
	}
}

// tail checks what lies beyond the last event: checkpoints covering more
// events than exist (truncation), the PostgreSQL index counter, and object
// rows without their event.
func (v *verifier) tail(ctx context.Context, q db.Querier) error {
	if v.next < len(v.checkpoints) {
		c := v.checkpoints[v.next]
		v.fail(v.size, "missing: the %s checkpoint of size %d covers %d events, only %d are stored (truncated)", c.what, c.Size, c.Size, v.size)
		return nil
	}
	if q.Dialect() == db.Postgres {
		var next int64
		if err := q.QueryRowContext(ctx, `SELECT next_index FROM audit_head WHERE id = 1`).Scan(&next); err != nil {
			return fmt.Errorf("read audit index counter: %w", err)
		}
		switch {
		case uint64(next) > v.size:
			v.fail(v.size, "missing: %d events were appended, %d are stored (truncated)", next, v.size)
			return nil
		case uint64(next) < v.size:
			v.fail(uint64(next), "stored beyond the %d events appended (inserted)", next)
			return nil
		}
	}
	var orphan sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT MIN(o.leaf_index) FROM audit_objects o
		WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.leaf_index = o.leaf_index)`).Scan(&orphan)
	if err != nil {
		return fmt.Errorf("read audit object rows: %w", err)
	}
	if orphan.Valid {
		v.fail(uint64(max(orphan.Int64, 0)), "object index rows point at a missing event")
	}
	return nil
}
