package federation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/httpx"
)

// Inbound is an accepted envelope as a handler sees it. The envelope's
// signature, recipient, time, sequence number and encryption have all been
// checked.
type Inbound struct {
	ID         uuid.UUID
	Type       string
	Sender     string // sending agency
	Officer    string // the sending officer's id; empty for messages a node sends by itself
	Recipients []string
	Seq        uint64
	Thread     string
	CaseRef    string
	Handling   []string
	TLP        string
	Created    time.Time // when the sender sealed it
	Received   time.Time
	Payload    []byte
}

// InboundHandler applies an accepted envelope of one type. It runs in the
// same transaction that records the envelope as received (advancing the
// pair's sequence number and storing the evidence), so its effect happens
// exactly once: a duplicate delivery is answered from the record without
// calling it again.
//
// Its error decides what happens to the envelope:
//
//   - nil: the envelope is recorded and the sender gets a signed delivered
//     receipt.
//   - an error of kind Invalid, NotExist, Permission, Conflict, Precondition,
//     TooLarge, Unsupported or Withheld: the handler's changes are rolled
//     back, the envelope is recorded as rejected (its sequence number is used
//     up, so later envelopes are not held up), the rejection is audited and
//     the sender sees the message failed with the error's public message.
//   - any other error: nothing is recorded; the sender retries later, and
//     later envelopes of the pair wait behind this one.
//
// ctx carries the sending partner as the principal (access.From), so
// audit.New attributes the handler's own events to it. The handler must not
// keep m.Payload after it returns.
type InboundHandler func(ctx context.Context, tx *db.Tx, m *Inbound) error

// permanent reports whether a handler error rejects the envelope for good.
func permanent(err error) bool {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.NotExist, errs.Permission, errs.Conflict, errs.Precondition,
		errs.TooLarge, errs.Unsupported, errs.Withheld:
		return true
	}
	return false
}

// Inbox outcomes.
const (
	outcomeAccepted = "accepted"
	outcomeRejected = "rejected"
)

func (s *Service) handleEnvelopes(w http.ResponseWriter, r *http.Request) error {
	p := peerFrom(r.Context())
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != BatchContentType {
		return errs.E(errs.Unsupported, "body must be "+BatchContentType)
	}
	if r.ContentLength > s.cfg.MaxBatchBytes {
		return errs.E(errs.TooLarge, fmt.Sprintf("batch larger than %d bytes", s.cfg.MaxBatchBytes))
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBatchBytes)
	raws, err := decodeBatch(body, maxBatchSize, envelope.DefaultMaxSize, s.cfg.MaxBatchBytes)
	if err != nil {
		reason := envelope.ReasonMalformed
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			reason = envelope.ReasonTooLarge
		}
		if aerr := s.auditRefusals(r.Context(), []refusal{{reason: reason}}); aerr != nil {
			return errs.E(errs.Transient, "cannot record the refusal; retry later", aerr)
		}
		s.metrics.inboundRefused.WithLabelValues(p.agency, string(reason)).Inc()
		return errs.E(errs.Invalid, "batch", err.Error())
	}
	results := s.receive(r.Context(), p, raws)
	return httpx.WriteJSON(w, http.StatusOK, deliveryResponse{Results: results})
}

// inItem is one envelope of a batch on its way through receive.
type inItem struct {
	wire     *envelope.Wire
	hdr      envelope.Header
	opened   *envelope.Opened
	receipt  []byte // our signed delivered receipt
	rejected error  // set when the handler refused it: record as rejected
	result   *deliveryResult
}

// refusal is a refused envelope, for the audit log.
type refusal struct {
	reason envelope.Reason
	id     uuid.UUID // zero when the header could not be read
	detail string
}

// receive processes one batch from partner p and returns a result per
// envelope, in order. Envelopes are checked in sequence: the first one that
// cannot be accepted holds up the rest of the pair, which are refused with
// sequence-gap. Accepted envelopes are applied in one transaction with
// their handlers; refusals are audited in another.
func (s *Service) receive(ctx context.Context, p *partner, raws [][]byte) []deliveryResult {
	now := s.now()
	results := make([]deliveryResult, len(raws))
	items := make([]*inItem, len(raws))
	var refused []refusal
	refuse := func(i int, reason envelope.Reason, detail string, expected uint64) {
		results[i] = deliveryResult{Reason: reason, Expected: expected, Detail: detail}
		rf := refusal{reason: reason, detail: detail}
		if items[i] != nil {
			rf.id = items[i].hdr.ID
		}
		refused = append(refused, rf)
	}
	refuseErr := func(i int, err error, expected uint64) {
		reason := envelope.ReasonOf(err)
		if reason == "" {
			reason = envelope.ReasonMalformed
		}
		refuse(i, reason, errs.PublicMessage(err), expected)
	}
	for i, raw := range raws {
		w, err := envelope.Unmarshal(raw, 0)
		if err != nil {
			refuseErr(i, err, 0)
			continue
		}
		it := &inItem{wire: w, hdr: w.Header(), result: &results[i]}
		items[i] = it
		if it.hdr.Sender != p.agency {
			refuse(i, envelope.ReasonUnknownSender, fmt.Sprintf("unknown-sender: the envelope names sender %s, but the connection is from %s", it.hdr.Sender, p.agency), 0)
			items[i] = nil
		}
	}

	next, err := s.nextIn(ctx, p.agency)
	if err != nil {
		return s.retryAll(ctx, results, err)
	}
	// Duplicates of envelopes already recorded get the original answer.
	if err := s.answerDuplicates(ctx, p.agency, next, items, refuse); err != nil {
		return s.retryAll(ctx, results, err)
	}
	// Candidates: the envelopes at or after next, in order. Only the one at
	// next+k (k-th candidate) can be accepted; open those in parallel.
	var cands []*inItem
	var candIdx []int
	for i, it := range items {
		if it != nil && it.result.Reason == "" && it.result.Receipt == nil {
			cands = append(cands, it)
			candIdx = append(candIdx, i)
		}
	}
	openErrs := s.openAll(cands, next, now)
	expected := next
	var accepted []*inItem
	held := false // an earlier envelope of the batch was not accepted
	for k, it := range cands {
		i := candIdx[k]
		switch {
		case held:
			// Not refused on its own merit, so not audited: it comes again.
			results[i] = deliveryResult{Reason: ReasonRetry, Detail: "held up by an earlier envelope of this batch"}
		case it.hdr.Seq < expected:
			refuse(i, envelope.ReasonOutOfWindow, fmt.Sprintf("out-of-window: sequence number %d is below the next expected, %d", it.hdr.Seq, expected), expected)
		case it.hdr.Seq > expected:
			refuse(i, envelope.ReasonSequenceGap, fmt.Sprintf("sequence-gap: sequence number %d skips ahead of the next expected, %d", it.hdr.Seq, expected), expected)
			held = true
		case openErrs[k] != nil && envelope.ReasonOf(openErrs[k]) == "": // a local failure, not the envelope's fault
			results[i] = deliveryResult{Reason: ReasonRetry, Detail: "the receiver could not process the envelope; retry later"}
			s.log.Error("open envelope", slog.String("partner", p.agency), slog.String("error", openErrs[k].Error()))
			held = true
		case openErrs[k] != nil:
			refuseErr(i, openErrs[k], expected)
			held = true
		default:
			accepted = append(accepted, it)
			expected++
		}
	}
	s.apply(ctx, p, accepted, next, now)
	if len(refused) > 0 {
		if err := s.auditRefusals(ctx, refused); err != nil {
			// A refusal that is not on record is not made: the sender retries.
			s.log.Error("audit refusals", slog.String("error", err.Error()))
			for i := range results {
				if results[i].Receipt == nil && results[i].Reason != ReasonRejected {
					results[i] = deliveryResult{Reason: ReasonRetry, Detail: "the receiver could not process the envelope; retry later"}
				}
			}
		}
		for _, rf := range refused {
			s.metrics.inboundRefused.WithLabelValues(p.agency, string(rf.reason)).Inc()
		}
	}
	return results
}

// retryAll answers every envelope not yet answered with ReasonRetry after
// a local failure.
func (s *Service) retryAll(ctx context.Context, results []deliveryResult, err error) []deliveryResult {
	s.log.ErrorContext(ctx, "receive envelopes", slog.String("error", err.Error()))
	for i := range results {
		if results[i].Reason == "" && results[i].Receipt == nil {
			results[i] = deliveryResult{Reason: ReasonRetry, Detail: "the receiver could not process the envelope; retry later"}
		}
	}
	return results
}

func (s *Service) nextIn(ctx context.Context, agency string) (uint64, error) {
	var next int64
	if err := s.db.QueryRowContext(ctx, `SELECT next_in FROM fed_partners WHERE agency = ?`, agency).Scan(&next); err != nil {
		return 0, fmt.Errorf("read next sequence number of %s: %w", agency, err)
	}
	return uint64(next), nil
}

// answerDuplicates answers envelopes below next from the inbox record (the
// original receipt or rejection) and refuses those whose sequence number
// belongs to another message. Envelopes at or after next whose message id
// was already accepted are refused as replays.
func (s *Service) answerDuplicates(ctx context.Context, sender string, next uint64, items []*inItem, refuse func(int, envelope.Reason, string, uint64)) error {
	type rec struct {
		id      string
		seq     uint64
		outcome string
		reason  string
		receipt []byte
	}
	var seqs, ids []any
	for _, it := range items {
		if it == nil {
			continue
		}
		if it.hdr.Seq < next {
			seqs = append(seqs, int64(it.hdr.Seq))
		} else {
			ids = append(ids, it.hdr.ID.String())
		}
	}
	bySeq := map[uint64]rec{}
	byID := map[string]rec{}
	query := func(col string, vals []any) error {
		for len(vals) > 0 {
			chunk := vals[:min(len(vals), 500)]
			vals = vals[len(chunk):]
			q := `SELECT message_id, seq, outcome, reason, receipt FROM fed_inbox WHERE sender = ? AND ` + col +
				` IN (?` + strings.Repeat(", ?", len(chunk)-1) + `)`
			rows, err := s.db.QueryContext(ctx, q, append([]any{sender}, chunk...)...)
			if err != nil {
				return fmt.Errorf("look up received envelopes: %w", err)
			}
			for rows.Next() {
				var r rec
				var seq int64
				if err := rows.Scan(&r.id, &seq, &r.outcome, &r.reason, &r.receipt); err != nil {
					rows.Close()
					return fmt.Errorf("look up received envelopes: %w", err)
				}
				r.seq = uint64(seq)
				bySeq[r.seq] = r
				byID[r.id] = r
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("look up received envelopes: %w", err)
			}
		}
		return nil
	}
	if err := query("seq", seqs); err != nil {
		return err
	}
	if err := query("message_id", ids); err != nil {
		return err
	}
	seen := map[uuid.UUID]bool{}
	for i, it := range items {
		if it == nil {
			continue
		}
		id := it.hdr.ID
		if it.hdr.Seq < next {
			// Answer only the sender's own, authentic envelope.
			key, err := s.anyKey(sender, it.hdr.SenderKey)
			if err != nil {
				refuse(i, envelope.ReasonUnknownSender, "unknown-sender: no card of "+sender+" has the key that signed the envelope", 0)
				continue
			}
			if err := it.wire.Verify(key); err != nil {
				refuse(i, envelope.ReasonOf(err), errs.PublicMessage(err), 0)
				continue
			}
			r, ok := bySeq[it.hdr.Seq]
			switch {
			case ok && r.id == id.String() && r.outcome == outcomeAccepted:
				*it.result = deliveryResult{Receipt: r.receipt}
			case ok && r.id == id.String():
				*it.result = deliveryResult{Reason: ReasonRejected, Detail: r.reason}
			default:
				refuse(i, envelope.ReasonOutOfWindow, fmt.Sprintf("out-of-window: sequence number %d was used by another message", it.hdr.Seq), next)
			}
			continue
		}
		if _, ok := byID[id.String()]; ok || seen[id] {
			refuse(i, envelope.ReasonReplay, fmt.Sprintf("replay: message %s was already accepted", id), next)
			continue
		}
		seen[id] = true
	}
	return nil
}

// openAll opens the candidates that sit at their expected position
// (next+k), in parallel, and signs their delivered receipts. It returns the
// error of each; candidates out of position get nil and are refused by the
// caller.
func (s *Service) openAll(cands []*inItem, next uint64, now time.Time) []error {
	errsOut := make([]error, len(cands))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(cands)) {
		wg.Go(func() {
			for k := range work {
				errsOut[k] = s.openOne(cands[k], now)
			}
		})
	}
	for k, it := range cands {
		if it.hdr.Seq != next+uint64(k) {
			break // everything from here on is refused for its position
		}
		work <- k
	}
	close(work)
	wg.Wait()
	return errsOut
}

// positionChecked is the replay guard Open sees during receive: the batch
// logic has already checked each envelope's sequence number and message
// id against the durable state, and apply re-checks the sequence inside the
// transaction that records it.
type positionChecked struct{}

func (positionChecked) Check(*envelope.Header) error  { return nil }
func (positionChecked) Record(*envelope.Header) error { return nil }

func (s *Service) openOne(it *inItem, now time.Time) error {
	op, err := envelope.Open(it.wire, s.id, now, envelope.OpenOptions{
		Keys: s.lookupKey, Guard: positionChecked{}, MaxSkew: s.cfg.MaxSkew, MaxAge: s.cfg.MaxAge,
	})
	if err != nil {
		return err
	}
	rc, err := envelope.NewReceipt(s.id, envelope.Delivered, &op.Evidence, "", now)
	if err != nil {
		return fmt.Errorf("sign receipt: %w", err)
	}
	it.opened, it.receipt = op, rc.Marshal()
	return nil
}

// handlerError marks a failure of an InboundHandler, as opposed to one of
// the recording around it.
type handlerError struct {
	index int
	err   error
}

func (h *handlerError) Error() string { return h.err.Error() }
func (h *handlerError) Unwrap() error { return h.err }

// apply records the accepted envelopes and runs their handlers, all in one
// transaction. When a handler fails, the transaction is rolled back and
// applied again without that envelope's effect: as rejected, if the error
// is permanent, or not at all (and nothing after it), if it is not.
func (s *Service) apply(ctx context.Context, p *partner, accepted []*inItem, next uint64, now time.Time) {
	pending := accepted
	for len(pending) > 0 {
		err := s.db.Write(ctx, func(tx *db.Tx) error {
			for i, it := range pending {
				if err := s.recordInbound(ctx, tx, p, it, now); err != nil {
					var he *handlerError
					if errors.As(err, &he) {
						he.index = i
					}
					return err
				}
			}
			last := pending[len(pending)-1].hdr.Seq
			res, err := tx.ExecContext(ctx, `UPDATE fed_partners SET next_in = ?, last_contact = ? WHERE agency = ? AND next_in = ?`,
				int64(last+1), now.UnixMicro(), p.agency, int64(next))
			if err != nil {
				return fmt.Errorf("advance sequence: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return errs.E(errs.Conflict, "another delivery of this pair was applied concurrently")
			}
			return nil
		})
		var he *handlerError
		switch {
		case err == nil:
			for _, it := range pending {
				if it.rejected != nil {
					*it.result = deliveryResult{Reason: ReasonRejected, Detail: errs.PublicMessage(it.rejected)}
				} else {
					*it.result = deliveryResult{Receipt: it.receipt}
					s.metrics.received.WithLabelValues(p.agency).Inc()
				}
			}
			return
		case errors.As(err, &he) && permanent(he.err):
			s.log.Info("inbound envelope rejected", slog.String("partner", p.agency), slog.String("type", pending[he.index].hdr.Type),
				slog.String("reason", errs.PublicMessage(he.err)))
			pending[he.index].rejected = he.err
		case errors.As(err, &he):
			s.log.Error("inbound handler failed", slog.String("partner", p.agency), slog.String("type", pending[he.index].hdr.Type),
				slog.String("error", he.err.Error()))
			for _, it := range pending[he.index:] {
				*it.result = deliveryResult{Reason: ReasonRetry, Detail: "the receiver could not apply the envelope; retry later"}
			}
			pending = pending[:he.index]
		default:
			s.log.Error("record inbound envelopes", slog.String("partner", p.agency), slog.String("error", err.Error()))
			for _, it := range pending {
				*it.result = deliveryResult{Reason: ReasonRetry, Detail: "the receiver could not record the envelope; retry later"}
			}
			return
		}
	}
}

// recordInbound stores one accepted envelope and runs its handler (or
// records its rejection) inside tx.
func (s *Service) recordInbound(ctx context.Context, tx *db.Tx, p *partner, it *inItem, now time.Time) error {
	h := it.hdr
	hash := it.wire.Hash()
	outcome, reason, receipt := outcomeAccepted, "", it.receipt
	handler, control := s.handler(h.Type)
	if it.rejected == nil && handler == nil {
		return &handlerError{err: errs.E(errs.Unsupported, "type", "this node does not handle messages of type "+h.Type)}
	}
	if it.rejected != nil {
		outcome, reason, receipt = outcomeRejected, truncate(errs.PublicMessage(it.rejected), 500), nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO fed_inbox (sender, seq, message_id, type, envelope_hash, evidence, receipt, outcome, reason, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.Sender, int64(h.Seq), h.ID.String(), h.Type, hash[:], it.opened.Evidence.Marshal(), receipt, outcome, reason, now.UnixMicro()); err != nil {
		return fmt.Errorf("record envelope: %w", err)
	}
	e := audit.New(ctx, audit.Collect, audit.Ref{Type: "message", ID: h.ID.String()})
	e.CaseRef = h.CaseRef
	e.Reason = "received " + h.Type
	if it.rejected != nil {
		e.Outcome = audit.Denied
		e.Reason = truncate(string(ReasonRejected)+" "+h.Type+": "+errs.PublicMessage(it.rejected), audit.MaxTextLen)
		return s.audit.Append(ctx, tx, e)
	}
	in := &Inbound{
		ID: h.ID, Type: h.Type, Sender: h.Sender, Officer: it.opened.Officer, Recipients: h.Recipients, Seq: h.Seq,
		Thread: h.Thread, CaseRef: h.CaseRef, Handling: h.Handling, TLP: h.TLP, Created: h.Created, Received: now,
		Payload: it.opened.Payload,
	}
	if err := handler(ctx, tx, in); err != nil {
		return &handlerError{err: err}
	}
	if control {
		return nil // kept in fed_inbox; see HandleControl
	}
	return s.audit.Append(ctx, tx, e)
}

// auditRefusals records refused envelopes, one denied collect event each,
// in one transaction.
func (s *Service) auditRefusals(ctx context.Context, refused []refusal) error {
	return s.db.Write(ctx, func(tx *db.Tx) error {
		for _, rf := range refused {
			var objs []audit.Ref
			if rf.id != uuid.Nil {
				objs = append(objs, audit.Ref{Type: "message", ID: rf.id.String()})
			}
			e := audit.New(ctx, audit.Collect, objs...)
			e.Outcome = audit.Denied
			e.Reason = truncate("refused envelope: "+rf.detail, audit.MaxTextLen)
			if rf.detail == "" {
				e.Reason = "refused envelope: " + string(rf.reason)
			}
			if err := s.audit.Append(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// truncate shortens s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
