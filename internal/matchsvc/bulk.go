package matchsvc

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/match"
)

// bulkBatch is the batch size of bulk runs: one proof per 256 values.
const bulkBatch = match.DefaultBulkBatch

// bulkRetry is the pause after a bulk batch failed for a reason that may
// pass (the partner was unreachable or not ready).
const bulkRetry = time.Minute

// SubmitBulk stores a bulk run of a list against one partner, pending a
// second person's approval: a SPOC submits, another SPOC or an
// administrator approves ([Service.ApproveBulk]).
func (s *Service) SubmitBulk(ctx context.Context, req BulkRequest) (*BulkRun, error) {
	p, err := officer(ctx, bulkRoles)
	if err != nil {
		return nil, err
	}
	ctx, j, err := justified(ctx, req.Justification, req.CaseRef)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(j.Text) == "" {
		return nil, errs.E(errs.Precondition, "justification", "a bulk run needs a justification text for the approver")
	}
	purpose, err := parsePurpose(req.Purpose)
	if err != nil {
		return nil, err
	}
	t, err := match.ParseType(req.Type)
	if err != nil {
		return nil, err
	}
	if _, ok, err := s.partner(ctx, req.Partner); err != nil {
		return nil, err
	} else if !ok {
		return nil, errs.E(errs.Invalid, "partner", truncate(req.Partner, 32)+" is not an active partner")
	}
	if len(req.Data) > s.cfg.MaxBulkBytes {
		return nil, errs.E(errs.TooLarge, "data", fmt.Sprintf("a bulk list is at most %d bytes", s.cfg.MaxBulkBytes))
	}
	values, skipped, err := parseBulkList(req.Format, req.Data, t, req.Country, s.cfg.MaxBulkValues)
	if err != nil {
		return nil, err
	}
	id := ids.New()
	now := s.now()
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO match_bulk_runs (id, partner, type, purpose, case_ref, justification,
			requested_by, requested_name, requested_at, approved_by, approved_name, approved_at, state, detail, total, done, hits,
			skipped, list, segment_ann, segment_indexes, checkpoint, next_attempt, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, ?, '', ?, 0, 0, ?, ?, NULL, NULL, NULL, 0, ?)`,
			id, req.Partner, t.String(), purpose, j.CaseRef, j.Text, p.UserID, p.Username, now.UnixMicro(), BulkPending,
			len(values), skipped, []byte(strings.Join(values, "\n")), now.UnixMicro()); err != nil {
			return fmt.Errorf("store bulk run: %w", err)
		}
		e := audit.New(ctx, audit.Collect, audit.Ref{Type: "match-bulk", ID: id})
		e.Purpose, e.Recipients = purpose, []string{req.Partner}
		e.Reason = fmt.Sprintf("bulk run submitted: %d %s values for %s, awaiting approval", len(values), t, req.Partner)
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.bulkRun(ctx, id, false)
}

// ApproveBulk approves a pending run. The approver must be another person
// than the requester (a SPOC or an administrator): the two-person rule.
func (s *Service) ApproveBulk(ctx context.Context, id string) (*BulkRun, error) {
	p, err := officer(ctx, approveRoles)
	if err != nil {
		return nil, err
	}
	if access.JustificationFrom(ctx).Empty() {
		return nil, errs.E(errs.Precondition, "justification", "a justification or case reference is required to approve a bulk run")
	}
	if !ids.Valid(id) {
		return nil, errs.E(errs.NotExist, "id", "no such bulk run")
	}
	var state, requester string
	err = s.db.QueryRowContext(ctx, `SELECT state, requested_by FROM match_bulk_runs WHERE id = ?`, id).Scan(&state, &requester)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "id", "no such bulk run")
	}
	if err != nil {
		return nil, fmt.Errorf("read bulk run: %w", err)
	}
	if requester == p.UserID {
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			e := audit.New(ctx, audit.Alter, audit.Ref{Type: "match-bulk", ID: id})
			e.Outcome, e.Reason = audit.Denied, "bulk run approval refused: two-person rule"
			return s.audit.Append(ctx, tx, e)
		})
		if err != nil {
			return nil, err
		}
		return nil, errs.E(errs.Permission, "id", "two-person rule: a bulk run is approved by another SPOC or an administrator than the one who submitted it")
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE match_bulk_runs SET state = ?, approved_by = ?, approved_name = ?, approved_at = ?,
			next_attempt = ?, updated_at = ? WHERE id = ? AND state = ?`,
			BulkApproved, p.UserID, p.Username, now.UnixMicro(), now.UnixMicro(), now.UnixMicro(), id, BulkPending)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return errs.E(errs.Conflict, "id", "the bulk run is "+state+", not pending")
		}
		e := audit.New(ctx, audit.Alter, audit.Ref{Type: "match-bulk", ID: id})
		e.Reason = "bulk run approved"
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	nudge(s.bulkWake)
	return s.bulkRun(ctx, id, false)
}

// BulkStatus returns a run's state and progress, and with hits its hits.
func (s *Service) BulkStatus(ctx context.Context, id string, hits bool) (*BulkRun, error) {
	if _, err := officer(ctx, overseeRoles); err != nil {
		return nil, err
	}
	if !ids.Valid(id) {
		return nil, errs.E(errs.NotExist, "id", "no such bulk run")
	}
	r, err := s.bulkRun(ctx, id, hits)
	if err != nil || !hits {
		return r, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		e := audit.New(ctx, audit.Consult, audit.Ref{Type: "match-bulk", ID: id})
		e.Reason = fmt.Sprintf("bulk run hits listed (%d)", len(r.HitList))
		return s.audit.Append(ctx, tx, e)
	})
	return r, err
}

func (s *Service) bulkRun(ctx context.Context, id string, withHits bool) (*BulkRun, error) {
	var r BulkRun
	var requested, approved, next int64
	err := s.db.QueryRowContext(ctx, `SELECT id, partner, type, purpose, case_ref, requested_name, requested_at, approved_name,
		approved_at, state, detail, total, done, hits, skipped, next_attempt FROM match_bulk_runs WHERE id = ?`, id).Scan(
		&r.ID, &r.Partner, &r.Type, &r.Purpose, &r.CaseRef, &r.RequestedBy, &requested, &r.ApprovedBy, &approved, &r.State,
		&r.Detail, &r.Total, &r.Done, &r.Hits, &r.Skipped, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "id", "no such bulk run")
	}
	if err != nil {
		return nil, fmt.Errorf("read bulk run: %w", err)
	}
	r.RequestedAt, r.ApprovedAt = fromMicro(requested), fromMicro(approved)
	if r.State == BulkPaused {
		r.NextAttemptAt = fromMicro(next)
	}
	if !withHits {
		return &r, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, value_index, type, ref FROM match_hits WHERE bulk_run = ? ORDER BY value_index`, id)
	if err != nil {
		return nil, fmt.Errorf("read bulk hits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h BulkHit
		var typ string
		var ref []byte
		if err := rows.Scan(&h.HitID, &h.Index, &typ, &ref); err != nil {
			return nil, err
		}
		t, _ := match.ParseType(typ)
		h.Strength, h.Candidate, h.Reference = t.Strength().String(), t.Strength() == match.Weak, fmt.Sprintf("%x", ref)
		r.HitList = append(r.HitList, h)
	}
	return &r, rows.Err()
}

// runBulk runs approved bulk runs, one at a time, until ctx ends.
func (s *Service) runBulk(ctx context.Context) {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		if err := s.RunBulkOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("bulk run", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.bulkWake:
		}
	}
}

// RunBulkOnce works on every run that is due until each is done, paused or
// failed. Run calls it; tests call it to drive runs.
func (s *Service) RunBulkOnce(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM match_bulk_runs WHERE state IN (?, ?, ?) AND next_attempt <= ?
		ORDER BY requested_at LIMIT 16`, BulkApproved, BulkRunning, BulkPaused, s.now().UnixMicro())
	if err != nil {
		return fmt.Errorf("read bulk runs: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.execBulk(ctx, id); err != nil {
			return fmt.Errorf("bulk run %s: %w", id, err)
		}
	}
	return nil
}

// bulkState is a run as the worker loads it.
type bulkState struct {
	id, partner, purpose, caseRef, justification string
	requester, requesterName                     string
	typ                                          match.Type
	values                                       []string
	segAnn                                       []byte
	segIdx                                       []int // original positions of the segment's values; nil: the whole list
	checkpoint                                   []byte
	done, hits                                   int
}

func (s *Service) loadBulk(ctx context.Context, id string) (*bulkState, error) {
	b := &bulkState{id: id}
	var typ string
	var list, idx []byte
	err := s.db.QueryRowContext(ctx, `SELECT partner, type, purpose, case_ref, justification, requested_by, requested_name, list,
		segment_ann, segment_indexes, checkpoint, done, hits FROM match_bulk_runs WHERE id = ?`, id).Scan(
		&b.partner, &typ, &b.purpose, &b.caseRef, &b.justification, &b.requester, &b.requesterName, &list, &b.segAnn, &idx,
		&b.checkpoint, &b.done, &b.hits)
	if err != nil {
		return nil, fmt.Errorf("read bulk run: %w", err)
	}
	if b.typ, err = match.ParseType(typ); err != nil {
		return nil, err
	}
	b.values = strings.Split(string(list), "\n")
	if len(idx)%4 != 0 {
		return nil, fmt.Errorf("stored segment of bulk run %s is malformed", id)
	}
	for i := 0; i+4 <= len(idx); i += 4 {
		n := int(binary.BigEndian.Uint32(idx[i:]))
		if n >= len(b.values) {
			return nil, fmt.Errorf("stored segment of bulk run %s is malformed", id)
		}
		b.segIdx = append(b.segIdx, n)
	}
	return b, nil
}

// segment returns the values of the current segment.
func (b *bulkState) segment() []string {
	if b.segIdx == nil {
		return b.values
	}
	out := make([]string, len(b.segIdx))
	for i, n := range b.segIdx {
		out[i] = b.values[n]
	}
	return out
}

// original maps a position in the segment to the position in the list.
func (b *bulkState) original(i int) int {
	if b.segIdx == nil {
		return i
	}
	return b.segIdx[i]
}

func encodeIndexes(idx []int) []byte {
	out := make([]byte, 0, 4*len(idx))
	for _, n := range idx {
		out = binary.BigEndian.AppendUint32(out, uint32(n))
	}
	return out
}

// actingFor is the context bulk work runs in: the requesting SPOC with the
// run's justification, so that audit events name them.
func (b *bulkState) actingFor(ctx context.Context, agency string, exercise bool) context.Context {
	ctx = access.With(ctx, access.Principal{UserID: b.requester, Username: b.requesterName, Role: access.SPOC, Agency: agency,
		Exercise: exercise})
	return access.WithJustification(ctx, access.Justification{Text: b.justification, CaseRef: b.caseRef})
}

// execBulk runs the remaining batches of one run against the partner's
// current table. A run whose epoch ended continues with its remaining
// values against the next epoch's table.
func (s *Service) execBulk(ctx context.Context, id string) error {
	b, err := s.loadBulk(ctx, id)
	if err != nil {
		return err
	}
	actx := b.actingFor(ctx, s.cfg.Agency, s.cfg.Exercise)
	rt, err := s.table(ctx, b.partner, false)
	if err != nil {
		return s.pauseBulk(actx, b, s.now().Add(bulkRetry), "partner table unavailable: "+reasonFor(b.partner, err))
	}
	meta := match.Meta{Purpose: b.purpose, Case: b.caseRef}
	var run *match.Bulk
	if b.checkpoint != nil {
		old, err := match.ParseAnnouncement(b.segAnn)
		if err != nil {
			return s.failBulk(actx, b, "stored segment is malformed")
		}
		if old == rt.ann.Announcement {
			if run, err = s.querier.ResumeBulk(old, rt.table, b.segment(), b.checkpoint); err != nil {
				return s.failBulk(actx, b, "cannot resume: "+errs.PublicMessage(err))
			}
		} else {
			// The epoch moved on: what the old segment did not finish
			// becomes a new segment against the new table.
			if run, err = s.nextSegment(b, old, rt, meta); err != nil {
				return s.failBulk(actx, b, "cannot continue in the new epoch: "+errs.PublicMessage(err))
			}
		}
	} else if run, err = s.querier.NewBulk(rt.ann.Announcement, rt.table, b.typ, b.segment(), meta, bulkBatch, s.rnd); err != nil {
		return s.failBulk(actx, b, "cannot start: "+errs.PublicMessage(err))
	}
	annRaw := rt.ann.Raw
	if err := s.saveBulk(actx, b, run, annRaw, nil, BulkRunning, ""); err != nil {
		return err
	}
	segVals := b.segment()
	for _, i := range run.Remaining() {
		if ctx.Err() != nil {
			return nil
		}
		pend, err := run.Prepare(i)
		if err != nil {
			return s.failBulk(actx, b, errs.PublicMessage(err))
		}
		bctx, cancel := context.WithTimeout(ctx, 4*s.cfg.QueryTimeout)
		resp, err := s.roundTrip(bctx, b.partner, pend)
		cancel()
		if err == nil {
			err = run.Complete(pend, resp)
		}
		switch {
		case err == nil:
		case errors.Is(err, match.ErrBadProof):
			s.log.Error("matching holder sent an invalid proof in a bulk run", slog.String("partner", b.partner))
			return s.failBulk(actx, b, reasonFor(b.partner, err))
		case errs.Is(err, errs.RateLimited):
			// Budgets are per UTC day: wait for the next one.
			return s.pauseBulk(actx, b, nextUTCDay(s.now()).Add(time.Minute), reasonFor(b.partner, err))
		case errs.Is(err, errs.Conflict):
			_, _ = s.table(ctx, b.partner, true) // a new epoch: the next attempt starts a new segment
			return s.pauseBulk(actx, b, s.now(), "the partner moved to a new epoch")
		case errs.Is(err, errs.Invalid) || errs.Is(err, errs.Permission):
			return s.failBulk(actx, b, reasonFor(b.partner, err))
		default:
			return s.pauseBulk(actx, b, s.now().Add(bulkRetry), reasonFor(b.partner, err))
		}
		lo, hi := i*bulkBatch, min((i+1)*bulkBatch, len(segVals))
		var newHits []storedHit
		for _, h := range run.Hits() {
			if h.Index < lo || h.Index >= hi || h.Status != match.Hit {
				continue
			}
			hid := ids.New()
			newHits = append(newHits, storedHit{id: hid, bulkRun: b.id, partner: b.partner, epoch: rt.ann.Announcement.Epoch,
				typ: b.typ, ref: h.Ref, index: b.original(h.Index), officer: b.requester, caseRef: b.caseRef, purpose: b.purpose})
		}
		b.done += hi - lo
		b.hits += len(newHits)
		batch := segVals[lo:hi]
		if err := s.saveBulk(actx, b, run, annRaw, func(tx *db.Tx) error {
			if err := insertHits(actx, tx, newHits, s.now()); err != nil {
				return err
			}
			return s.auditBatch(actx, tx, b, i, batch, len(newHits))
		}, BulkRunning, ""); err != nil {
			return err
		}
	}
	return s.finishBulk(actx, b)
}

// nextSegment starts a new segment of the run with the values the old
// segment (under announcement old) did not complete.
func (s *Service) nextSegment(b *bulkState, old match.Announcement, rt *remoteTable, meta match.Meta) (*match.Bulk, error) {
	// The old run is resumed against an empty stand-in of its table: only
	// its checkpoint is read, to learn which batches are done.
	stand, err := match.NewTable(&match.Snapshot{Holder: old.Holder, Partner: s.cfg.Agency, Epoch: old.Epoch})
	if err != nil {
		return nil, err
	}
	seg := b.segment()
	prev, err := s.querier.ResumeBulk(old, stand, seg, b.checkpoint)
	if err != nil {
		return nil, err
	}
	var idx []int
	for _, i := range prev.Remaining() {
		for j := i * bulkBatch; j < min((i+1)*bulkBatch, len(seg)); j++ {
			idx = append(idx, b.original(j))
		}
	}
	b.segIdx = idx
	if len(idx) == 0 {
		b.segIdx = []int{}
	}
	b.checkpoint = nil
	return s.querier.NewBulk(rt.ann.Announcement, rt.table, b.typ, b.segment(), meta, bulkBatch, s.rnd)
}

// auditBatch writes the querier's audit events of one batch: the keyed
// hashes of its values, at most audit.MaxHashes per event.
func (s *Service) auditBatch(ctx context.Context, tx *db.Tx, b *bulkState, batch int, values []string, hits int) error {
	for lo := 0; lo < len(values); lo += audit.MaxHashes {
		chunk := values[lo:min(lo+audit.MaxHashes, len(values))]
		e := audit.New(ctx, audit.Consult, audit.Ref{Type: "match-bulk", ID: b.id})
		e.Purpose, e.Recipients = b.purpose, []string{b.partner}
		for _, v := range chunk {
			e.Hashes = append(e.Hashes, s.hasher.HashPersonal(b.typ.String(), v))
		}
		e.Reason = fmt.Sprintf("bulk run batch %d: %d %s values to %s, %d hit(s) in the batch", batch, len(chunk), b.typ, b.partner, hits)
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// saveBulk stores the run's progress (and runs more, in the same
// transaction).
func (s *Service) saveBulk(ctx context.Context, b *bulkState, run *match.Bulk, ann []byte, more func(*db.Tx) error, state, detail string) error {
	cp, err := run.Checkpoint()
	if err != nil {
		return err
	}
	var idx []byte
	if b.segIdx != nil {
		idx = encodeIndexes(b.segIdx)
	}
	now := s.now()
	return s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE match_bulk_runs SET state = ?, detail = ?, done = ?, hits = ?, segment_ann = ?,
			segment_indexes = ?, checkpoint = ?, next_attempt = ?, updated_at = ? WHERE id = ?`,
			state, detail, b.done, b.hits, ann, idx, cp, now.UnixMicro(), now.UnixMicro(), b.id); err != nil {
			return fmt.Errorf("store bulk progress: %w", err)
		}
		if more != nil {
			return more(tx)
		}
		return nil
	})
}

func (s *Service) pauseBulk(ctx context.Context, b *bulkState, until time.Time, reason string) error {
	return s.endBulkStep(ctx, b, BulkPaused, truncate(reason, 500), until, false)
}

func (s *Service) failBulk(ctx context.Context, b *bulkState, reason string) error {
	return s.endBulkStep(ctx, b, BulkFailed, truncate(reason, 500), time.Time{}, true)
}

func (s *Service) finishBulk(ctx context.Context, b *bulkState) error {
	return s.endBulkStep(ctx, b, BulkDone, fmt.Sprintf("%d hit(s)", b.hits), time.Time{}, true)
}

// endBulkStep records a pause or the end of a run. A run that ended keeps
// its hits but not its list.
func (s *Service) endBulkStep(ctx context.Context, b *bulkState, state, detail string, next time.Time, final bool) error {
	now := s.now()
	return s.db.Write(ctx, func(tx *db.Tx) error {
		q := `UPDATE match_bulk_runs SET state = ?, detail = ?, next_attempt = ?, updated_at = ? WHERE id = ?`
		if final {
			q = `UPDATE match_bulk_runs SET state = ?, detail = ?, next_attempt = ?, updated_at = ?, list = NULL, segment_ann = NULL,
				segment_indexes = NULL, checkpoint = NULL WHERE id = ?`
		}
		if _, err := tx.ExecContext(ctx, q, state, detail, next.UnixMicro(), now.UnixMicro(), b.id); err != nil {
			return err
		}
		if !final && state == BulkPaused {
			return nil
		}
		e := audit.New(ctx, audit.Consult, audit.Ref{Type: "match-bulk", ID: b.id})
		e.Purpose, e.Recipients, e.Reason = b.purpose, []string{b.partner}, "bulk run "+state+": "+detail
		if state == BulkFailed {
			e.Outcome = audit.Failed
		}
		return s.audit.Append(ctx, tx, e)
	})
}

func nextUTCDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}
