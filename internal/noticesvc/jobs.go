package noticesvc

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/notice"
)

// JobResult is what one run of the job did.
type JobResult struct {
	Expired  int // notices (own and received) whose validity ran out
	Reminded int // own notices newly due for reassessment
	Retried  int // pending notifications sent to partners that are active again
}

// maxJobBatch bounds the notices or alerts one job run handles per step;
// the next run continues.
const maxJobBatch = 1000

// Run runs the job every JobInterval until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.JobInterval)
	defer t.Stop()
	for {
		if res, err := s.RunOnce(ctx, s.now()); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("notice job", slog.String("error", err.Error()))
		} else if res != (JobResult{}) {
			s.log.Info("notice job", slog.Int("expired", res.Expired), slog.Int("reassessment_due", res.Reminded),
				slog.Int("retried", res.Retried))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce expires the notices whose validity ran out at now (own ones
// through the lifecycle; received copies likewise, as their partners
// expire them at the same instant), flags own notices whose reassessment
// reminder fell due (listed with ?reassessmentDue=true, shown with
// reassessmentDue), and sends notifications that were pending because a
// partner was suspended.
func (s *Service) RunOnce(ctx context.Context, now time.Time) (JobResult, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var res JobResult
	ids, err := s.noticeIDs(ctx, maxJobBatch, `state IN (?, ?) AND expires_at > 0 AND expires_at <= ?`,
		append(stateArgs(circulating), micro(now))...)
	if err != nil {
		return res, err
	}
	for _, id := range ids {
		if err := s.expire(ctx, id, now); err != nil {
			return res, err
		}
		res.Expired++
	}
	r, err := s.db.ExecContext(ctx, `UPDATE notices SET reminded_at = ? WHERE received_from = '' AND state IN (?, ?)
		AND reminder_at > 0 AND reminder_at <= ? AND reminded_at = 0`,
		append(append([]any{micro(now)}, stateArgs(circulating)...), micro(now))...)
	if err != nil {
		return res, err
	}
	if n, err := r.RowsAffected(); err == nil {
		res.Reminded = int(n)
	}
	res.Retried, err = s.retryPending(ctx, now)
	return res, err
}

// expire marks one notice expired and takes it out of the lookup index.
func (s *Service) expire(ctx context.Context, id string, now time.Time) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		r, err := loadNotice(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.n.Active(now) || r.state() == notice.Expired {
			return nil // reassessed or expired meanwhile
		}
		if r.own() {
			if err := r.n.Expire(now); err != nil {
				return err
			}
		} else {
			r.n.History = append(r.n.History, notice.Change{From: r.state(), To: notice.Expired, Event: notice.Expire,
				Actor: "system", At: now})
			r.n.State = notice.Expired
		}
		r.version++
		r.updatedAt = now
		if err := updateNotice(ctx, tx, r, r.version-1); err != nil {
			return err
		}
		if err := s.stage(ctx, tx, &indexOps{removeNotice: []string{id}}); err != nil {
			return err
		}
		e := noticeEvent(ctx, audit.Alter, id, "notice-expired")
		e.ActorID, e.ActorName = "system", "notice-expiry-job"
		return s.audit.Append(ctx, tx, e)
	})
}

// retryPending tells partners that are active again what they missed
// while suspended: the state of notices they hold, and the cancellation of
// alerts they hold.
func (s *Service) retryPending(ctx context.Context, now time.Time) (int, error) {
	partners, err := s.partners(ctx)
	if err != nil || len(partners) == 0 {
		return 0, err
	}
	retried := 0
	rows, err := s.db.QueryContext(ctx, `SELECT s.subject_id, s.partner FROM notice_sends s
		WHERE s.subject_type = ? AND s.withheld LIKE ? AND s.id = (SELECT MAX(t.id) FROM notice_sends t
		WHERE t.subject_type = s.subject_type AND t.subject_id = s.subject_id AND t.partner = s.partner)
		ORDER BY s.id LIMIT `+strconv.Itoa(maxJobBatch), subjectNotice, pendingPrefix+"%")
	if err != nil {
		return 0, err
	}
	var pending [][2]string
	for rows.Next() {
		var id, partner string
		if err := rows.Scan(&id, &partner); err != nil {
			rows.Close()
			return 0, err
		}
		pending = append(pending, [2]string{id, partner})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, pp := range pending {
		p := partnerByAgency(partners, pp[1])
		if p.State != partnerActive {
			continue
		}
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			r, err := loadNotice(ctx, tx, pp[0])
			if err != nil {
				return err
			}
			told, err := s.tellNoticeHolder(ctx, tx, r, p, now)
			if err != nil || !told {
				return err
			}
			return s.auditDisclosure(ctx, tx, audit.Ref{Type: "notice", ID: r.n.ID}, "notice-distributed", []string{p.Agency})
		})
		if err != nil {
			return retried, err
		}
		retried++
	}
	n, err := s.retryAlertCancels(ctx, partners, now)
	return retried + n, err
}

// retryAlertCancels sends the cancellations of alerts still held by a
// partner that was suspended when they were cancelled.
func (s *Service) retryAlertCancels(ctx context.Context, partners []partnerRef, now time.Time) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE state = ? AND held_by <> '' ORDER BY id LIMIT `+
		strconv.Itoa(maxJobBatch), AlertCancelled)
	if err != nil {
		return 0, err
	}
	var alerts []*alertRow
	for rows.Next() {
		r, err := scanAlert(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		alerts = append(alerts, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(alerts) == 0 {
		return 0, err
	}
	byPartner := map[string][]*alertRow{}
	for _, r := range alerts {
		for _, h := range r.heldBy {
			if partnerByAgency(partners, h).State == partnerActive {
				byPartner[h] = append(byPartner[h], r)
			}
		}
	}
	retried := 0
	for _, h := range slices.Sorted(maps.Keys(byPartner)) {
		rs := byPartner[h]
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			for chunk := range slices.Chunk(rs, s.cfg.AlertsPerSend) {
				w := wire{Kind: wireAlerts}
				for _, r := range chunk {
					w.Cancel = append(w.Cancel, r.sourceID)
				}
				// Recorded against the first alert; each alert's row below names the message too.
				if err := s.send(ctx, tx, subjectAlert, chunk[0].id, h, EventCancel, chunk[0].version, nil, w, now); err != nil {
					return err
				}
				msg, err := lastMessage(ctx, tx, chunk[0].id, h)
				if err != nil {
					return err
				}
				for _, r := range chunk {
					cur, err := loadAlert(ctx, tx, `id = ?`, r.id)
					if err != nil {
						return err
					}
					cur.heldBy = slices.DeleteFunc(cur.heldBy, func(p string) bool { return p == h })
					if err := updateAlert(ctx, tx, cur, cur.version); err != nil {
						return err
					}
					if r != chunk[0] {
						if err := recordSend(ctx, tx, subjectAlert, r.id, h, EventCancel, r.version, msg, "", now); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			return retried, err
		}
		retried += len(rs)
	}
	return retried, nil
}

// lastMessage is the message id of the latest send of an alert to a partner.
func lastMessage(ctx context.Context, tx *db.Tx, alertID, partner string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT message_id FROM notice_sends WHERE subject_type = ? AND subject_id = ? AND partner = ?
		ORDER BY id DESC LIMIT 1`, subjectAlert, alertID, partner).Scan(&id)
	return id, err
}
