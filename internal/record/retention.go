package record

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
)

// RetentionReport says what one retention run did.
type RetentionReport struct {
	Flagged int `json:"flagged"`
	Erased  int `json:"erased"`
}

// retentionBatch is how many due records one query of the job fetches.
const retentionBatch = 200

// retentionActor names the retention job in audit events.
const retentionActor = "retention-job"

// RunRetention acts on every record whose review date is at or before now,
// own records and copies alike, as configured: in mode flag, active
// records become flagged (readable only by the SPOC and the DPO, who
// review or erase them); in mode erase, active, flagged and withdrawn
// records are erased. Each record is handled in its own write with its
// audit event (alter or erase, actor "retention-job"), so a failure stops
// the run without undoing what was done.
func (s *Service) RunRetention(ctx context.Context, now time.Time) (RetentionReport, error) {
	var rep RetentionReport
	states := `'active'`
	if s.cfg.Retention == RetentionErase {
		states = `'active', 'flagged', 'withdrawn'`
	}
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT id FROM records WHERE review_at <= ? AND state IN (`+states+`)
			ORDER BY review_at LIMIT ?`, now.UnixMicro(), retentionBatch)
		if err != nil {
			return rep, fmt.Errorf("retention: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return rep, fmt.Errorf("retention: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return rep, fmt.Errorf("retention: %w", err)
		}
		if len(ids) == 0 {
			return rep, nil
		}
		progress := false
		for _, id := range ids {
			done, err := s.retain(ctx, id, now)
			if err != nil {
				return rep, err
			}
			switch {
			case !done:
			case s.cfg.Retention == RetentionErase:
				rep.Erased++
			default:
				rep.Flagged++
			}
			progress = progress || done
		}
		if !progress { // every record fetched changed meanwhile: stop rather than fetch them again
			return rep, nil
		}
	}
}

// retain flags or erases one due record, re-checking under the write lock
// that it is still due (a review may have extended it meanwhile).
func (s *Service) retain(ctx context.Context, id string, now time.Time) (bool, error) {
	done := false
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		st, err := loadRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		r := &st.rec
		if r.State == StateErased || now.Before(r.Envelope.ReviewDate) {
			return nil
		}
		e := event(ctx, audit.Alter, &r.Envelope, id)
		e.ActorName = retentionActor
		if s.cfg.Retention == RetentionErase {
			if err := s.erase(ctx, tx, st, now); err != nil {
				return err
			}
			e.Kind, e.Reason = audit.Erase, "retention.review-date"
		} else {
			if r.State != StateActive {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE records SET state = ? WHERE rid = ?`, string(StateFlagged), st.rid); err != nil {
				return fmt.Errorf("flag record: %w", err)
			}
			e.Reason = "retention.flag"
		}
		done = true
		return s.audit.Append(ctx, tx, e)
	})
	return done, err
}

// Run runs the retention job every Config.RetentionInterval until ctx
// ends. Failures are logged and retried at the next interval.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.RetentionInterval)
	defer t.Stop()
	for {
		rep, err := s.RunRetention(ctx, s.now())
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "record retention failed", slog.String("error", err.Error()))
		} else if rep.Flagged+rep.Erased > 0 {
			s.log.InfoContext(ctx, "record retention", slog.Int("flagged", rep.Flagged), slog.Int("erased", rep.Erased))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
