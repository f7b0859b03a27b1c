package federation

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/envelope"
)

// sentRow is an outbox row in a delivery request.
type sentRow struct {
	seq      int64
	id       string
	wire     []byte
	prevWire []byte
	queuedAt int64
}

// resealReasons are refusals a fresh envelope may cure: the partner may
// have rotated its key or learnt ours since, or the envelope aged.
var resealReasons = []envelope.Reason{
	envelope.ReasonBadSignature, envelope.ReasonUnknownSender, envelope.ReasonDecryptFailed,
	envelope.ReasonStale, envelope.ReasonFuture, envelope.ReasonWrongRecipient,
	envelope.ReasonMalformed, envelope.ReasonUnsupported,
}

// deliveryError is a failed delivery attempt: the partner was unreachable,
// answered with an error, or refused the head of the queue.
type deliveryError struct {
	msg string
}

func (e *deliveryError) Error() string { return e.msg }

// deliverRounds bounds how many batches deliverOnce sends before it
// returns to its worker loop.
const deliverRounds = 16

// deliverOnce sends the sealed envelopes queued for p, in sequence order
// and in batches, and records the answers. It pipelines: while the answers
// to one batch are checked and stored, the next batch is already on its
// way. It returns how many envelopes got a final answer (delivered or
// failed), and an error when an attempt failed or the partner refused the
// envelope at the head of the queue, which holds up the pair until a retry
// succeeds.
func (s *Service) deliverOnce(ctx context.Context, p *partner) (int, error) {
	if p.expired(s.now()) {
		var one int
		err := s.db.QueryRowContext(ctx, `SELECT 1 FROM fed_outbox WHERE partner = ? AND state = ? LIMIT 1`, p.agency, DeliveryQueued).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil // nothing waits: nothing to report
		}
		if err != nil {
			return 0, fmt.Errorf("read queue: %w", err)
		}
		return 0, s.partnerFailure(ctx, p, "the partner's card expired on "+p.card.NotAfter.Format(time.DateOnly)+": import its renewed card")
	}
	type outcome struct {
		n   int
		err error
	}
	var pending chan outcome // the recording of the previous batch
	total := 0
	wait := func() error {
		if pending == nil {
			return nil
		}
		o := <-pending
		pending = nil
		total += o.n
		return o.err
	}
	after := int64(0)
	for range deliverRounds {
		batch, err := s.nextBatch(ctx, p, s.now(), after)
		if err != nil || len(batch) == 0 {
			if werr := wait(); werr != nil {
				return total, werr
			}
			return total, err
		}
		envs := make([][]byte, len(batch))
		for i, r := range batch {
			envs[i] = r.wire
		}
		results, err := s.post(ctx, p, encodeBatch(envs), len(batch))
		if werr := wait(); werr != nil {
			// The batch just sent is answered with sequence-gap refusals,
			// which change nothing on either side.
			return total, werr
		}
		if err != nil {
			return total, s.recordFailure(ctx, p, batch[0], err.Error())
		}
		after = batch[len(batch)-1].seq
		pending = make(chan outcome, 1)
		go func() {
			n, err := s.recordResults(ctx, p, batch, results)
			pending <- outcome{n, err}
		}()
	}
	return total, wait()
}

// inlineSeal is how many envelopes at the head of the queue the deliverer
// seals itself rather than waiting for the sealer.
const inlineSeal = 16

// nextBatch reads the sealed envelopes queued for p after sequence number
// after, stopping before the first one that still needs (re)sealing. When
// that one is the first of the batch, it seals up to inlineSeal envelopes
// itself (a message sent on its own then goes out without waiting for the
// sealer); beyond those it rings the sealer.
func (s *Service) nextBatch(ctx context.Context, p *partner, now time.Time, after int64) ([]sentRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, message_id, wire, prev_wire, seal_due, queued_at FROM fed_outbox
		WHERE partner = ? AND state = ? AND seq > ? ORDER BY seq LIMIT ?`, p.agency, DeliveryQueued, after, s.cfg.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("read queue: %w", err)
	}
	var batch []sentRow
	size := 0
	unsealed := int64(-1) // the first envelope that needs sealing, if any
	for rows.Next() {
		var r sentRow
		var due int64
		if err := rows.Scan(&r.seq, &r.id, &r.wire, &r.prevWire, &due, &r.queuedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read queue: %w", err)
		}
		if due <= now.UnixMicro() {
			unsealed = r.seq // new, refused or aging: (re)seal it
			break
		}
		if r.wire == nil {
			break // sealing failed; it waits for its retry time
		}
		if size += len(r.wire); size > s.cfg.BatchBytes && len(batch) > 0 {
			break
		}
		batch = append(batch, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read queue: %w", err)
	}
	if unsealed < 0 {
		return batch, nil
	}
	if len(batch) > 0 {
		s.bells(p.agency).ring(bellSeal)
		return batch, nil
	}
	head, err := s.queuedRows(ctx, `seq >= ? ORDER BY seq LIMIT ?`, p.agency, unsealed, inlineSeal+1)
	if err != nil {
		return nil, err
	}
	if len(head) > inlineSeal {
		s.bells(p.agency).ring(bellSeal)
		head = head[:inlineSeal]
	}
	var toSeal []*queuedRow
	for _, r := range head { // the contiguous run of envelopes never sealed
		if r.wire != nil && r.seq != unsealed {
			break
		}
		toSeal = append(toSeal, r)
	}
	if _, err := s.sealAndStore(ctx, p, toSeal, now); err != nil {
		return nil, err
	}
	for _, r := range toSeal {
		if !r.stored {
			break // the sealer stored it first: the next round reads its envelope
		}
		batch = append(batch, sentRow{seq: r.seq, id: r.msg.ID.String(), wire: r.sealed, prevWire: r.wire, queuedAt: r.queuedAt})
	}
	if len(batch) == 0 {
		s.bells(p.agency).ring(bellDeliver)
	}
	return batch, nil
}

// post sends one batch to the partner, trying its URLs in order until one
// answers, and decodes the per-envelope results.
func (s *Service) post(ctx context.Context, p *partner, body []byte, n int) ([]deliveryResult, error) {
	client := s.clientFor(p)
	var lastErr error
	for _, base := range p.card.URLs {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+Prefix+"/envelopes", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", BatchContentType)
		resp, err := client.Do(req)
		if err != nil {
			lastErr = fmt.Errorf("unreachable: %v", errors.Unwrap(err))
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, int64(n*maxResultSize+64)+1))
		resp.Body.Close()
		if err != nil {
			lastErr = fmt.Errorf("reading the answer: %v", err)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("partner answered %s", problemSummary(resp.StatusCode, data))
		}
		results, err := decodeDeliveryResponse(data, n)
		if err != nil {
			return nil, fmt.Errorf("bad answer from partner: %v", err)
		}
		s.bells(p.agency).ring(bellFetchNow) // the partner is up: resume attachment transfers too
		return results, nil
	}
	return nil, lastErr
}

// recordFailure notes a failed attempt on the partner and on the envelope
// at the head of its queue.
func (s *Service) recordFailure(ctx context.Context, p *partner, head sentRow, msg string) error {
	msg = truncate(msg, 500)
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE fed_outbox SET attempts = attempts + 1, last_error = ? WHERE partner = ? AND seq = ?`,
			msg, p.agency, head.seq)
		return err
	})
	if err != nil && ctx.Err() == nil {
		s.log.Error("record delivery failure", slog.String("partner", p.agency), slog.String("error", err.Error()))
	}
	return s.partnerFailure(ctx, p, msg)
}

// partnerFailure notes a failed delivery attempt on the partner, for its
// status and metrics, and lets the sealer prepare the queue meanwhile.
func (s *Service) partnerFailure(ctx context.Context, p *partner, msg string) error {
	msg = truncate(msg, 500)
	s.metrics.deliveryFailures.WithLabelValues(p.agency).Inc()
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE fed_partners SET failures = failures + 1, last_error = ?, last_error_at = ? WHERE agency = ?`,
			msg, s.nowMicro(), p.agency)
		return err
	})
	if err != nil && ctx.Err() == nil {
		s.log.Error("record delivery failure", slog.String("partner", p.agency), slog.String("error", err.Error()))
	}
	s.bells(p.agency).ring(bellSeal)
	return &deliveryError{msg: msg}
}

// recordResults stores the receipts and rejections of a batch. Processing
// stops at the first envelope neither delivered nor rejected: everything
// after it waits for the next attempt.
func (s *Service) recordResults(ctx context.Context, p *partner, batch []sentRow, results []deliveryResult) (int, error) {
	now := s.now()
	type done struct {
		row      sentRow
		receipt  []byte
		at       int64
		rejected string
	}
	// Receipts are checked on all cores; the answers are then taken in order.
	checks := make([]error, len(results))
	var wg sync.WaitGroup
	work := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(results)) {
		wg.Go(func() {
			for i := range work {
				checks[i] = s.checkReceipt(p, results[i].Receipt, batch[i])
			}
		})
	}
	for i, res := range results {
		if len(res.Receipt) > 0 {
			work <- i
		}
	}
	close(work)
	wg.Wait()
	var finals []done
	var stop *deliveryResult
	var stopRow sentRow
	for i, res := range results {
		r := batch[i]
		if len(res.Receipt) > 0 {
			if err := checks[i]; err != nil {
				stop, stopRow = &deliveryResult{Reason: envelope.ReasonMismatch, Detail: "invalid delivered receipt: " + err.Error()}, r
				break
			}
			finals = append(finals, done{row: r, receipt: res.Receipt, at: now.UnixMicro()})
			continue
		}
		if res.Reason == ReasonRejected {
			finals = append(finals, done{row: r, rejected: "rejected by " + p.agency + ": " + res.Detail})
			continue
		}
		stop, stopRow = &results[i], r
		break
	}
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		for _, d := range finals {
			state, lastErr := DeliveryDelivered, ""
			if d.receipt == nil {
				state, lastErr = DeliveryFailed, truncate(d.rejected, 500)
			}
			// The payload is no longer needed once the partner has answered for good.
			if _, err := tx.ExecContext(ctx, `UPDATE fed_outbox SET state = ?, last_error = ?, receipt = ?, delivered_at = ?,
				payload = NULL, prev_wire = NULL WHERE partner = ? AND seq = ? AND state = ?`,
				state, lastErr, d.receipt, d.at, p.agency, d.row.seq, DeliveryQueued); err != nil {
				return err
			}
		}
		if stop != nil {
			msg := truncate(fmt.Sprintf("refused by %s: %s", p.agency, stop.Detail), 500)
			if stop.Reason == ReasonRetry {
				msg = truncate(fmt.Sprintf("%s could not process it yet: %s", p.agency, stop.Detail), 500)
			}
			reseal := slices.Contains(resealReasons, stop.Reason)
			if _, err := tx.ExecContext(ctx, `UPDATE fed_outbox SET attempts = attempts + 1, last_error = ?,
				wire = CASE WHEN ? THEN NULL ELSE wire END, seal_due = CASE WHEN ? THEN 0 ELSE seal_due END
				WHERE partner = ? AND seq = ?`, msg, reseal, reseal, p.agency, stopRow.seq); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE fed_partners SET last_contact = ?, failures = failures + 1, last_error = ?, last_error_at = ?
				WHERE agency = ?`, now.UnixMicro(), msg, now.UnixMicro(), p.agency)
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE fed_partners SET last_contact = ?, failures = 0 WHERE agency = ?`, now.UnixMicro(), p.agency)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("record delivery results: %w", err)
	}
	if len(finals) > 0 {
		s.notifySettled()
	}
	for _, d := range finals {
		if d.receipt != nil {
			s.metrics.delivered.WithLabelValues(p.agency).Inc()
			s.metrics.deliveryLatency.Observe(time.Duration((d.at - d.row.queuedAt) * 1e3).Seconds())
		} else {
			s.metrics.rejected.WithLabelValues(p.agency).Inc()
		}
	}
	if stop != nil {
		s.metrics.deliveryFailures.WithLabelValues(p.agency).Inc()
		if stop.Reason != ReasonRetry {
			s.log.Warn("partner refused an envelope", slog.String("partner", p.agency), slog.Int64("seq", stopRow.seq),
				slog.String("reason", string(stop.Reason)), slog.String("detail", stop.Detail))
		}
		return len(finals), &deliveryError{msg: string(stop.Reason) + ": " + stop.Detail}
	}
	return len(finals), nil
}

// checkReceipt verifies a delivered receipt for the envelope sent (or the
// one it replaced on a reseal).
func (s *Service) checkReceipt(p *partner, raw []byte, r sentRow) error {
	rc, err := envelope.ParseReceipt(raw)
	if err != nil {
		return err
	}
	if rc.Kind != envelope.Delivered {
		return errs.E(errs.Invalid, "receipt", "not a delivered receipt")
	}
	key, err := s.anyKey(p.agency, rc.ByKey)
	if err != nil {
		return err
	}
	for _, wb := range [][]byte{r.wire, r.prevWire} {
		if wb == nil {
			continue
		}
		w, err := envelope.Unmarshal(wb, 0)
		if err != nil {
			return fmt.Errorf("stored envelope: %w", err)
		}
		if err = rc.Verify(key, w); err == nil {
			return nil
		}
	}
	return errs.E(errs.Invalid, "receipt", "the receipt does not acknowledge the envelope sent")
}

// problemSummary renders an error answer for the partner's status line.
func problemSummary(status int, body []byte) string {
	s := fmt.Sprintf("HTTP %d", status)
	var p struct {
		Detail string `json:"detail"`
	}
	if err := jsonUnmarshalLimited(body, &p); err == nil && p.Detail != "" {
		s += ": " + p.Detail
	}
	return truncate(s, 300)
}
