package disclosure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// Run keeps holders up to date until ctx ends: every PollInterval, and
// when nudged, it follows the change feed, sends due updates and records
// acknowledgements. Failures are logged and retried at the next round.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		if err := s.Step(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "disclosure propagation", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.nudge:
		}
	}
}

// Step runs one round of the worker: it turns new changes of records this
// node originated into due updates, sends the due updates, and records
// the acknowledged ones. It returns the first error; the rest of the round
// still runs.
func (s *Service) Step(ctx context.Context) error {
	return errors.Join(s.followFeed(ctx), s.sendDue(ctx), s.collectDeliveries(ctx))
}

// followFeed reads the change feed from the stored cursor and marks the
// holders of this node's records that changed as outdated.
func (s *Service) followFeed(ctx context.Context) error {
	for {
		var cursor int64
		if err := s.db.QueryRowContext(ctx, `SELECT seq FROM disclosure_cursor WHERE id = 1`).Scan(&cursor); err != nil {
			return fmt.Errorf("read change cursor: %w", err)
		}
		changes, err := s.records.ChangesSince(ctx, cursor, changesPage)
		if err != nil || len(changes) == 0 {
			return err
		}
		err = s.db.Write(ctx, func(tx *db.Tx) error {
			for _, c := range changes {
				if c.Originator != s.cfg.Agency || c.Change == record.ChangeCreate || c.Change == record.ChangeReceive {
					continue // copies change hop by hop, see markDownstream
				}
				if _, err := tx.ExecContext(ctx, `UPDATE disclosure_holders SET due = ?, retry_at = 0
					WHERE record_id = ? AND sent_version < ? AND sent_kind <> ?`, true, c.RecordID, c.Version, string(record.ReceivedErase)); err != nil {
					return fmt.Errorf("mark holders outdated: %w", err)
				}
			}
			// Guarded by the old value, so that two workers (two processes of
			// one node) never both advance from the same position.
			res, err := tx.ExecContext(ctx, `UPDATE disclosure_cursor SET seq = ? WHERE id = 1 AND seq = ?`, changes[len(changes)-1].Seq, cursor)
			if err != nil {
				return fmt.Errorf("advance change cursor: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return errs.E(errs.Conflict, "the change cursor moved meanwhile")
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(changes) < changesPage {
			return nil
		}
	}
}

// holderRow is a disclosure_holders row as the worker uses it.
type holderRow struct {
	recordID, agency string
	purpose          policy.Purpose
	caseRef          string
	sentVersion      int
	sentKind         string
	messageID        string
}

func loadHolder(ctx context.Context, q db.Querier, recordID, agency string) (*holderRow, error) {
	h := holderRow{recordID: recordID, agency: agency}
	var purpose string
	err := q.QueryRowContext(ctx, `SELECT purpose, case_ref, sent_version, sent_kind, message_id FROM disclosure_holders
		WHERE record_id = ? AND agency = ?`, recordID, agency).Scan(&purpose, &h.caseRef, &h.sentVersion, &h.sentKind, &h.messageID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "holder", agency+" was sent no copy of this record")
	}
	if err != nil {
		return nil, fmt.Errorf("read holder: %w", err)
	}
	h.purpose = policy.Purpose(purpose)
	return &h, nil
}

// sent records that the holder was sent version (kind) in message msgID.
func (h *holderRow) sent(ctx context.Context, tx *db.Tx, version int, kind string, msgID uuid.UUID, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE disclosure_holders SET sent_version = ?, sent_kind = ?, message_id = ?, delivery = ?,
		due = ?, last_error = '', sent_at = ?, retry_at = 0 WHERE record_id = ? AND agency = ?`,
		version, kind, msgID.String(), federation.DeliveryQueued, false, micros(now), h.recordID, h.agency)
	if err != nil {
		return fmt.Errorf("record update sent: %w", err)
	}
	return nil
}

// sendDue sends every outdated holder what it must be told, each in its
// own transaction with its disclose event.
func (s *Service) sendDue(ctx context.Context) error {
	now := s.now()
	rows, err := s.db.QueryContext(ctx, `SELECT record_id, agency FROM disclosure_holders WHERE due = ? AND retry_at <= ?
		ORDER BY retry_at LIMIT ?`, true, micros(now), workBatch)
	if err != nil {
		return fmt.Errorf("read outdated holders: %w", err)
	}
	type key struct{ recordID, agency string }
	var due []key
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.recordID, &k.agency); err != nil {
			rows.Close()
			return fmt.Errorf("read outdated holders: %w", err)
		}
		due = append(due, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read outdated holders: %w", err)
	}
	var errsOut []error
	for _, k := range due {
		if err := s.sendUpdate(ctx, k.recordID, k.agency); err != nil {
			errsOut = append(errsOut, fmt.Errorf("update %s for %s: %w", k.recordID, k.agency, err))
		}
	}
	return errors.Join(errsOut...)
}

// sendUpdate sends one outdated holder its update. A holder that is not
// an active partner waits RetryInterval.
func (s *Service) sendUpdate(ctx context.Context, recordID, agency string) error {
	to, fp, err := s.partner(ctx, agency)
	if err == nil && fp.State != federation.StateActive {
		err = errs.E(errs.Precondition, "to", "partner "+agency+" is "+fp.State)
	}
	if err != nil {
		if errs.Is(err, errs.NotExist) || errs.Is(err, errs.Precondition) {
			return s.postpone(ctx, recordID, agency, errs.PublicMessage(err))
		}
		return err
	}
	msgID, err := newMessageID()
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		h, err := loadHolder(ctx, tx, recordID, agency)
		if err != nil {
			return err
		}
		u, err := s.records.UpdateForHolder(ctx, tx, record.HolderRef{RecordID: recordID, To: to, Purpose: h.purpose,
			CaseRef: h.caseRef, Sent: h.sentVersion, Message: msgID.String()})
		if err != nil {
			return err
		}
		if u.Kind == "" {
			_, err := tx.ExecContext(ctx, `UPDATE disclosure_holders SET due = ? WHERE record_id = ? AND agency = ?`, false, recordID, agency)
			return err
		}
		m := federation.Outbound{ID: msgID, To: []string{agency}}
		if u.Kind == record.ReceivedCopy {
			m.Type, m.Payload = envelope.TypeRecordUpdate, u.Document
		} else {
			t := tombstone{RecordID: recordID, Version: u.Version, Kind: string(u.Kind)}
			if !u.Decision.Allowed && u.Decision.Rule != "" {
				t.Reason = "revoked: " + u.Decision.Rule
			}
			if m.Payload, err = jsonMarshal(t); err != nil {
				return err
			}
			m.Type = envelope.TypeRecordTombstone
		}
		if _, err := s.fed.Send(ctx, tx, m); err != nil {
			return err
		}
		return h.sent(ctx, tx, u.Version, string(u.Kind), msgID, s.now())
	})
}

// postpone leaves an update due for RetryInterval, saying why.
func (s *Service) postpone(ctx context.Context, recordID, agency, why string) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE disclosure_holders SET last_error = ?, retry_at = ? WHERE record_id = ? AND agency = ?`,
			truncate(why, 500), micros(s.now().Add(s.cfg.RetryInterval)), recordID, agency)
		return err
	})
}

// collectDeliveries records the outcome of the messages still in flight:
// a delivered copy or tombstone is the holder's acknowledgement
// (record.SetHolder); a rejected one keeps the holder's reason.
func (s *Service) collectDeliveries(ctx context.Context) error {
	type inFlight struct {
		recordID, agency, msg, kind string
		version                     int
	}
	var holders []inFlight
	rows, err := s.db.QueryContext(ctx, `SELECT record_id, agency, message_id, sent_kind, sent_version FROM disclosure_holders
		WHERE delivery = ? LIMIT ?`, federation.DeliveryQueued, workBatch)
	if err != nil {
		return fmt.Errorf("read holders in flight: %w", err)
	}
	for rows.Next() {
		var f inFlight
		if err := rows.Scan(&f.recordID, &f.agency, &f.msg, &f.kind, &f.version); err != nil {
			rows.Close()
			return fmt.Errorf("read holders in flight: %w", err)
		}
		holders = append(holders, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read holders in flight: %w", err)
	}
	err = settle(ctx, s, holders, func(f inFlight) (string, string) { return f.msg, f.agency }, func(tx *db.Tx, f inFlight, d federation.Delivery) error {
		if d.State == federation.DeliveryFailed {
			_, err := tx.ExecContext(ctx, `UPDATE disclosure_holders SET delivery = ?, last_error = ? WHERE record_id = ? AND agency = ? AND message_id = ?`,
				federation.DeliveryFailed, truncate(d.LastError, 500), f.recordID, f.agency, f.msg)
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE disclosure_holders SET delivery = ?, acked_version = ?, acked_kind = ?, acked_at = ?
				WHERE record_id = ? AND agency = ? AND message_id = ?`,
			federation.DeliveryDelivered, f.version, f.kind, micros(d.DeliveredAt), f.recordID, f.agency, f.msg)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // a newer message was sent meanwhile: its own delivery will count
		}
		return record.SetHolder(ctx, tx, f.recordID, f.agency, f.version, d.DeliveredAt)
	})
	return errors.Join(err, s.collectRequestDeliveries(ctx))
}

// settle records the outcome of messages in flight: for each item, the
// delivery of its message to its agency (target) and, once the partner
// has answered for good, store(tx, item, delivery) in a write of its own.
// Items whose message is still queued wait for the next round.
func settle[T any](ctx context.Context, s *Service, items []T, target func(T) (msg, agency string),
	store func(tx *db.Tx, item T, d federation.Delivery) error) error {
	var errsOut []error
	for _, it := range items {
		msg, agency := target(it)
		d, ok, err := s.delivery(ctx, msg, agency)
		if err != nil || !ok || d.State == federation.DeliveryQueued {
			errsOut = append(errsOut, err)
			continue
		}
		if err := s.db.Write(ctx, func(tx *db.Tx) error { return store(tx, it, d) }); err != nil {
			errsOut = append(errsOut, fmt.Errorf("record delivery of %s to %s: %w", msg, agency, err))
		}
	}
	return errors.Join(errsOut...)
}

// delivery returns the delivery state of message msg to agency.
func (s *Service) delivery(ctx context.Context, msg, agency string) (federation.Delivery, bool, error) {
	ds, err := s.fed.Deliveries(ctx, msg)
	if err != nil {
		if errs.Is(err, errs.NotExist) {
			return federation.Delivery{}, false, nil
		}
		return federation.Delivery{}, false, err
	}
	for _, d := range ds {
		if d.Partner == agency {
			if d.State == federation.DeliveryRead {
				d.State = federation.DeliveryDelivered
			}
			return d, true, nil
		}
	}
	return federation.Delivery{}, false, nil
}

// collectRequestDeliveries records the outcome of permission requests
// and answers in flight; one that cannot be delivered fails the request.
func (s *Service) collectRequestDeliveries(ctx context.Context) error {
	type inFlight struct{ id, direction, msg, agency string }
	var reqs []inFlight
	rows, err := s.db.QueryContext(ctx, `SELECT id, direction, message_id, holder, originator FROM disclosure_requests
		WHERE delivery = ? LIMIT ?`, federation.DeliveryQueued, workBatch)
	if err != nil {
		return fmt.Errorf("read requests in flight: %w", err)
	}
	for rows.Next() {
		var f inFlight
		var holder, origin string
		if err := rows.Scan(&f.id, &f.direction, &f.msg, &holder, &origin); err != nil {
			rows.Close()
			return fmt.Errorf("read requests in flight: %w", err)
		}
		f.agency = origin
		if f.direction == DirectionIn {
			f.agency = holder
		}
		reqs = append(reqs, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read requests in flight: %w", err)
	}
	return settle(ctx, s, reqs, func(f inFlight) (string, string) { return f.msg, f.agency }, func(tx *db.Tx, f inFlight, d federation.Delivery) error {
		if d.State == federation.DeliveryFailed {
			_, err := tx.ExecContext(ctx, `UPDATE disclosure_requests SET delivery = ?, state = ?, last_error = ?
					WHERE id = ? AND direction = ? AND message_id = ?`,
				federation.DeliveryFailed, StateFailed, truncate(d.LastError, 500), f.id, f.direction, f.msg)
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE disclosure_requests SET delivery = ? WHERE id = ? AND direction = ? AND message_id = ?`,
			federation.DeliveryDelivered, f.id, f.direction, f.msg)
		return err
	})
}
