package federation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/envelope"
)

// Outbound is a message to send to one or more partners.
type Outbound struct {
	ID       uuid.UUID // zero: a new UUIDv7
	Type     string    // envelope type; a handler for it must be registered at the receivers
	To       []string  // partner agencies; each gets its own envelope
	Thread   string    // optional, printable ASCII
	CaseRef  string    // optional, printable ASCII
	Handling []string  // handling codes, e.g. "H0", "H2"
	TLP      string    // optional TLP 2.0 label
	Officer  string    // the sending officer's id; empty for messages the node sends by itself
	Payload  []byte    // at most envelope.MaxPayload bytes
}

// Delivery states of one envelope (one recipient of a message).
const (
	DeliveryQueued    = "queued"    // waiting to be delivered, or being retried (see LastError)
	DeliveryDelivered = "delivered" // the partner returned a signed delivered receipt
	DeliveryRead      = "read"      // an officer of the partner opened it (signed read receipt)
	DeliveryFailed    = "failed"    // the partner rejected its content for good (see LastError)
)

// Send queues m for every partner in m.To inside the caller's transaction,
// so that whatever the caller records (a message, a record share) and the
// outbox entries commit together or not at all. Each recipient gets the
// next sequence number of its pair; delivery workers (Run) seal and deliver
// after the commit, in sequence order per partner, retrying until the
// partner answers. Send validates everything Seal will check, so a queued
// message always seals.
//
// Send writes no audit event: the caller records the disclosure in the
// same transaction. It returns the message id, shared by all recipients.
// When Send fails, the caller must fail its transaction too: a sequence
// number taken for one recipient must not commit without its envelope.
func (s *Service) Send(ctx context.Context, tx *db.Tx, m Outbound) (uuid.UUID, error) {
	id := m.ID
	if id == uuid.Nil {
		var err error
		if id, err = uuid.NewV7(); err != nil {
			return uuid.Nil, fmt.Errorf("message id: %w", err)
		}
	}
	msg := envelope.Message{ID: id, Type: m.Type, Thread: m.Thread, CaseRef: m.CaseRef, Handling: m.Handling,
		TLP: m.TLP, Officer: m.Officer, Recipients: m.To, Payload: m.Payload}
	if err := envelope.Check(s.id.Agency, msg, m.To); err != nil {
		return uuid.Nil, err
	}
	if slices.Contains(m.To, s.id.Agency) {
		return uuid.Nil, errs.E(errs.Invalid, "to", "a node does not send to itself")
	}
	now := s.nowMicro()
	for _, to := range m.To {
		// One statement takes the number, so that concurrent senders (other
		// processes on PostgreSQL) serialise on the partner's row.
		var seq int64
		err := tx.QueryRowContext(ctx, `UPDATE fed_partners SET next_out = next_out + 1 WHERE agency = ? AND state = ?
			RETURNING next_out - 1`, to, StateActive).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			var state string
			if err := tx.QueryRowContext(ctx, `SELECT state FROM fed_partners WHERE agency = ?`, to).Scan(&state); err == nil {
				return uuid.Nil, errs.E(errs.Precondition, "to", "partner "+to+" is "+state)
			}
			return uuid.Nil, errs.E(errs.NotExist, "to", to+" is not a partner")
		}
		if err != nil {
			return uuid.Nil, fmt.Errorf("take sequence number for %s: %w", to, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO fed_outbox (partner, seq, message_id, type, thread, case_ref, handling, tlp,
			officer, recipients, payload, wire, prev_wire, sealed_at, seal_due, state, queued_at, attempts, last_error,
			delivered_at, receipt, read_at, read_by, read_receipt)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, 0, ?, ?, 0, '', 0, NULL, 0, '', NULL)`,
			to, seq, id.String(), m.Type, m.Thread, m.CaseRef, strings.Join(m.Handling, ","), m.TLP,
			m.Officer, strings.Join(m.To, ","), m.Payload, DeliveryQueued, now); err != nil {
			return uuid.Nil, fmt.Errorf("queue envelope for %s: %w", to, err)
		}
	}
	to := slices.Clone(m.To)
	tx.OnCommit(func() {
		for _, a := range to {
			s.bells(a).ring(bellDeliver)
		}
	})
	return id, nil
}

// splitList reads a comma-separated list column.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// queuedRow is an outbox row being sealed.
type queuedRow struct {
	seq      int64
	queuedAt int64
	msg      envelope.Message
	wire     []byte // current sealed envelope, if any
	sealed   []byte // newly sealed envelope
	sealErr  error
	stored   bool // sealed stored in the outbox
}

// sealDue seals, for partner p, up to BatchSize queued envelopes that have
// not been sealed yet or whose seal is older than ResealAge, and stores
// them. It reports how many it sealed. It runs ahead of delivery, also
// while the partner is unreachable, so that a returning partner is sent
// envelopes that are ready; the deliverer seals the head of a short queue
// itself (see nextBatch), which saves a hop for a message sent on its own.
func (s *Service) sealDue(ctx context.Context, p *partner) (int, error) {
	now := s.now()
	batch, err := s.queuedRows(ctx, `seal_due <= ? ORDER BY seal_due, seq LIMIT ?`, p.agency, now.UnixMicro(), s.cfg.BatchSize)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	stored, err := s.sealAndStore(ctx, p, batch, now)
	if err != nil {
		return 0, err
	}
	if stored > 0 {
		s.bells(p.agency).ring(bellDeliver)
	}
	return len(batch), nil
}

// queuedRows reads p's queued envelopes selected by cond (a condition and
// an ORDER BY … LIMIT clause on fed_outbox, with its arguments), with what
// it takes to seal them.
func (s *Service) queuedRows(ctx context.Context, cond, agency string, args ...any) ([]*queuedRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, queued_at, message_id, type, thread, case_ref, handling, tlp, officer, recipients, payload, wire
		FROM fed_outbox WHERE partner = ? AND state = ? AND `+cond, append([]any{agency, DeliveryQueued}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("read queue: %w", err)
	}
	defer rows.Close()
	var batch []*queuedRow
	for rows.Next() {
		var r queuedRow
		var id, handling, recipients string
		if err := rows.Scan(&r.seq, &r.queuedAt, &id, &r.msg.Type, &r.msg.Thread, &r.msg.CaseRef, &handling, &r.msg.TLP,
			&r.msg.Officer, &recipients, &r.msg.Payload, &r.wire); err != nil {
			return nil, fmt.Errorf("read queue: %w", err)
		}
		if r.msg.ID, err = uuid.Parse(id); err != nil {
			return nil, fmt.Errorf("queued message id: %w", err)
		}
		r.msg.Handling, r.msg.Recipients = splitList(handling), splitList(recipients)
		batch = append(batch, &r)
	}
	return batch, rows.Err()
}

// sealAndStore seals rows on all cores and stores the envelopes of those
// still due for sealing at now (the sealer and the deliverer may race for
// the same rows; the first to store wins and the other's work is dropped).
// It sets queuedRow.stored and returns how many were stored.
func (s *Service) sealAndStore(ctx context.Context, p *partner, batch []*queuedRow, now time.Time) (int, error) {
	work := make(chan *queuedRow)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(batch)) {
		wg.Go(func() {
			for r := range work {
				ws, err := envelope.Seal(s.id, r.msg, []envelope.Recipient{{Agency: p.agency, Key: p.hpke, Seq: uint64(r.seq)}}, now)
				if err != nil {
					r.sealErr = err
					continue
				}
				r.sealed = ws[0].Marshal()
			}
		})
	}
	for _, r := range batch {
		work <- r
	}
	close(work)
	wg.Wait()
	due := now.Add(s.cfg.ResealAge).UnixMicro()
	stored := 0
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		stored = 0
		for _, r := range batch {
			r.stored = false
			if r.sealErr != nil {
				// Send checked the message, so this is a bug or a broken
				// partner key; keep it queued and visible.
				if _, err := tx.ExecContext(ctx, `UPDATE fed_outbox SET last_error = ?, seal_due = ? WHERE partner = ? AND seq = ?`,
					truncate("cannot seal: "+r.sealErr.Error(), 500), now.Add(s.cfg.BackoffMax).UnixMicro(), p.agency, r.seq); err != nil {
					return err
				}
				continue
			}
			// The previous envelope may have been accepted just before a
			// crash: keep it, its receipt may still come back.
			res, err := tx.ExecContext(ctx, `UPDATE fed_outbox SET wire = ?, prev_wire = CASE WHEN wire IS NULL THEN prev_wire ELSE wire END,
				sealed_at = ?, seal_due = ? WHERE partner = ? AND seq = ? AND state = ? AND seal_due <= ?`,
				r.sealed, now.UnixMicro(), due, p.agency, r.seq, DeliveryQueued, now.UnixMicro())
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				r.stored = true
				stored++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store sealed envelopes: %w", err)
	}
	return stored, nil
}
