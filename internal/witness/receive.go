package witness

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
)

// Alert reasons.
const (
	ReasonSplitView = "split-view" // two checkpoints of one log that cannot both hold
	ReasonRollback  = "rollback"   // a checkpoint smaller than one already accepted
)

// seen is a checkpoint of a log as the witness keeps it.
type seen struct {
	size uint64
	root []byte
	note string
	via  string // the partner it came from (observations only)
}

// decodeCheckpointMsg decodes and bounds a checkpoint message.
func decodeCheckpointMsg(b []byte) (checkpointMsg, error) {
	var m checkpointMsg
	if err := federation.DecodePayload(b, maxMessage, &m); err != nil {
		return m, err
	}
	switch {
	case len(m.Checkpoint) == 0 || len(m.Checkpoint) > audit.MaxNoteSize:
		return m, errs.E(errs.Invalid, "checkpoint", "a signed checkpoint note is required")
	case len(m.Gossip) > maxGossip:
		return m, errs.E(errs.Invalid, "gossip", fmt.Sprintf("at most %d checkpoints", maxGossip))
	case len(m.Proofs) > maxProofs:
		return m, errs.E(errs.Invalid, "proofs", fmt.Sprintf("at most %d proofs", maxProofs))
	}
	for _, g := range m.Gossip {
		if len(g) > audit.MaxNoteSize {
			return m, errs.E(errs.Invalid, "gossip", "checkpoint note too large")
		}
	}
	for _, p := range m.Proofs {
		if len(p.Hashes) > maxProofDepth {
			return m, errs.E(errs.Invalid, "proofs", "proof too long")
		}
		for _, h := range p.Hashes {
			if len(h) != 32 {
				return m, errs.E(errs.Invalid, "proofs", "a proof hash is 32 bytes")
			}
		}
	}
	return m, nil
}

// receiveCheckpoint is the witness side: it checks a partner's checkpoint
// against what it has seen of that log (and the gossip the message
// carries against what it has seen of others), and answers with its
// cosignature. A split view is recorded as an alert and the envelope is
// accepted: the evidence stays, and nothing is cosigned.
func (s *Service) receiveCheckpoint(ctx context.Context, tx *db.Tx, m *federation.Inbound) error {
	msg, err := decodeCheckpointMsg(m.Payload)
	if err != nil {
		return err
	}
	p, err := s.peerOf(ctx, m.Sender)
	if err != nil {
		return err
	}
	c, err := openSeen(msg.Checkpoint, p.log)
	if err != nil {
		return errs.E(errs.Invalid, "checkpoint", err.Error())
	}
	if err := s.checkDirect(ctx, tx, m, p, c, msg.Proofs); err != nil {
		return err
	}
	for _, g := range msg.Gossip {
		if err := s.checkGossip(ctx, tx, m, g); err != nil {
			return err
		}
	}
	return nil
}

// openSeen verifies a checkpoint note with a log's key.
func openSeen(msg string, log note.Verifier) (seen, error) {
	c, _, err := audit.OpenCheckpoint([]byte(msg), log)
	if err != nil {
		return seen{}, err
	}
	return seen{size: c.Size, root: c.Root, note: msg}, nil
}

// peerOf returns the keys of partner agency, reloading the registry once
// if it is not known yet (a partner added since the last round).
func (s *Service) peerOf(ctx context.Context, agency string) (*peer, error) {
	if p, ok := s.keys.peer(agency); ok {
		return p, nil
	}
	if err := s.keys.Refresh(ctx, s.fed); err != nil {
		return nil, err
	}
	if p, ok := s.keys.peer(agency); ok {
		return p, nil
	}
	return nil, errs.E(errs.Precondition, "partner", "no usable signing key for "+agency)
}

// checkDirect checks checkpoint c that partner p sent of its own log.
func (s *Service) checkDirect(ctx context.Context, tx *db.Tx, m *federation.Inbound, p *peer, c seen, proofs []proof) error {
	if alerted, err := hasAlert(ctx, tx, p.agency); err != nil || alerted {
		return err // a log with a split view is not cosigned again
	}
	last, ok, err := loadSeen(ctx, tx, p.agency)
	if err != nil {
		return err
	}
	switch v, detail := judge(last, ok, c, proofs); v {
	case verdictRecosign:
		return s.cosign(ctx, tx, p, last)
	case verdictSplit:
		return s.alert(ctx, tx, m.ID, p.agency, ReasonSplitView, c.size, detail, p.agency, last.note, c.note)
	case verdictRollback:
		return s.alert(ctx, tx, m.ID, p.agency, ReasonRollback, c.size, detail, p.agency, last.note, c.note)
	}
	observed, err := loadObserved(ctx, tx, p.agency)
	if err != nil {
		return err
	}
	for _, o := range observed {
		var bad error
		switch {
		case o.size > c.size:
			continue // checked against a later checkpoint
		case o.size == c.size:
			if !bytes.Equal(o.root, c.root) {
				bad = errors.New("a partner saw another checkpoint of the same size")
			}
		default:
			pr, found := findProof(proofs, o.size)
			if !found {
				continue // asked for again below
			}
			bad = verifyConsistency(o, c, pr)
		}
		if bad != nil {
			return s.alert(ctx, tx, m.ID, p.agency, ReasonSplitView, o.size, bad.Error(), o.via, o.note, c.note)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM witness_observed WHERE origin = ? AND size = ?`, p.agency, int64(o.size)); err != nil {
			return fmt.Errorf("clear observation: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO witness_seen (origin, size, root, note, seen_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note, seen_at = excluded.seen_at`,
		p.agency, int64(c.size), c.root, c.note, s.now().UnixMicro())
	if err != nil {
		return fmt.Errorf("store checkpoint seen: %w", err)
	}
	return s.cosign(ctx, tx, p, c)
}

// cosign sends partner p the checkpoint c with this node's cosignature,
// and the sizes of p's log it wants proofs from.
func (s *Service) cosign(ctx context.Context, tx *db.Tx, p *peer, c seen) error {
	n, err := note.Open([]byte(c.note), note.VerifierList(p.log))
	if err != nil {
		return errs.E(errs.Invalid, "checkpoint", err.Error())
	}
	n.UnverifiedSigs = nil
	signed, err := note.Sign(n, s.cosigner)
	if err != nil {
		return fmt.Errorf("cosign: %w", err)
	}
	observed, err := loadObserved(ctx, tx, p.agency)
	if err != nil {
		return err
	}
	reply := cosignatureMsg{Cosigned: string(signed), Size: c.size}
	for _, o := range observed {
		if o.size != c.size && len(reply.Prove) < maxProve {
			reply.Prove = append(reply.Prove, o.size)
		}
	}
	payload, err := jsonMarshal(reply)
	if err != nil {
		return err
	}
	if _, err := s.fed.Send(ctx, tx, federation.Outbound{Type: envelope.TypeCosignature, To: []string{p.agency}, Payload: payload}); err != nil {
		return err
	}
	s.cosigned.WithLabelValues(p.agency).Inc()
	return nil
}

// checkGossip checks a checkpoint of a third party's log that partner
// m.Sender accepted against this node's view of that log.
func (s *Service) checkGossip(ctx context.Context, tx *db.Tx, m *federation.Inbound, msg string) error {
	if origin := s.log.Keys().Origin(); bytes.HasPrefix([]byte(msg), []byte(origin+"\n")) {
		c, err := openSeen(msg, s.log.Keys().Verifier())
		if err != nil {
			return nil // not signed by this node's key: nothing it vouches for
		}
		if bad := s.checkOwn(ctx, c); bad != nil {
			return s.alert(ctx, tx, m.ID, s.cfg.Agency, ReasonSplitView, c.size, bad.Error(), m.Sender, "", c.note)
		}
		return nil
	}
	p, ok := s.keys.byNote(msg)
	if !ok || p.agency == m.Sender {
		return nil // not a partner's log, or the sender's own (checked directly)
	}
	g, err := openSeen(msg, p.log)
	if err != nil {
		s.logger.WarnContext(ctx, "gossiped checkpoint does not verify", slog.String("via", m.Sender), slog.String("origin", p.agency))
		return nil
	}
	g.via = m.Sender
	last, ok, err := loadSeen(ctx, tx, p.agency)
	if err != nil {
		return err
	}
	if ok && last.size == g.size {
		if !bytes.Equal(last.root, g.root) {
			return s.alert(ctx, tx, m.ID, p.agency, ReasonSplitView, g.size, m.Sender+" accepted another checkpoint of the same size", m.Sender, last.note, g.note)
		}
		return nil
	}
	observed, err := loadObserved(ctx, tx, p.agency)
	if err != nil {
		return err
	}
	for _, o := range observed {
		if o.size == g.size {
			if !bytes.Equal(o.root, g.root) {
				return s.alert(ctx, tx, m.ID, p.agency, ReasonSplitView, g.size, o.via+" and "+m.Sender+" accepted different checkpoints of the same size",
					m.Sender, o.note, g.note)
			}
			return nil
		}
	}
	if len(observed) >= maxObserved {
		return nil // enough open questions about this log
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO witness_observed (origin, size, root, note, via, seen_at) VALUES (?, ?, ?, ?, ?, ?)`,
		p.agency, int64(g.size), g.root, g.note, m.Sender, s.now().UnixMicro())
	if err != nil {
		return fmt.Errorf("store observation: %w", err)
	}
	return nil
}

// checkOwn checks a checkpoint signed with this node's key against its
// log: the log must have a checkpoint at least that large, consistent
// with it.
func (s *Service) checkOwn(ctx context.Context, c seen) error {
	latest, ok := s.log.Latest()
	if !ok || c.size > latest.Size {
		return fmt.Errorf("this node's key signed a checkpoint of size %d, beyond its log", c.size)
	}
	if c.size == latest.Size {
		if !bytes.Equal(c.root, latest.Root) {
			return errors.New("this node's key signed another checkpoint of its latest size")
		}
		return nil
	}
	p, err := s.log.Consistency(ctx, c.size, latest.Size)
	if err != nil {
		return nil // the log cannot prove now (broken, or busy): not evidence
	}
	if err := p.Verify(c.root, latest.Root); err != nil {
		return fmt.Errorf("this node's key signed a checkpoint its log contradicts: %w", err)
	}
	return nil
}

// verdict is what a witness does with a checkpoint an origin sent.
type verdict int

const (
	verdictAccept   verdict = iota // cosign it and hold it as the latest
	verdictRecosign                // not checkable: cosign the one held again
	verdictSplit                   // alert: another history
	verdictRollback                // alert: the log went back
)

// judge decides what to do with checkpoint c of a log whose latest
// accepted checkpoint is last (have: there is one), given the consistency
// proofs the origin sent. It is the whole rule of direct checks, and pure.
func judge(last seen, have bool, c seen, proofs []proof) (verdict, string) {
	switch {
	case !have:
		return verdictAccept, "" // the first checkpoint seen of the log
	case c.size == last.size && !bytes.Equal(c.root, last.root):
		return verdictSplit, "two checkpoints of the same size with different roots"
	case c.size == last.size:
		return verdictAccept, ""
	case c.size < last.size:
		return verdictRollback, fmt.Sprintf("a checkpoint of size %d after one of size %d", c.size, last.size)
	}
	pr, found := findProof(proofs, last.size)
	if !found {
		return verdictRecosign, ""
	}
	if err := verifyConsistency(last, c, pr); err != nil {
		return verdictSplit, err.Error()
	}
	return verdictAccept, ""
}

func findProof(ps []proof, from uint64) (proof, bool) {
	for _, p := range ps {
		if p.From == from {
			return p, true
		}
	}
	return proof{}, false
}

func verifyConsistency(old, cur seen, p proof) error {
	cp := audit.ConsistencyProof{From: old.size, To: cur.size, Hashes: p.Hashes}
	return cp.Verify(old.root, cur.root)
}

// alert records a split view of origin's log: an alert row with the two
// checkpoints, an audit event (denied), a metric and an error log line.
// Repeated evidence of the same split (origin, reason, size) is recorded
// once.
func (s *Service) alert(ctx context.Context, tx *db.Tx, msgID uuid.UUID, origin, reason string, size uint64, detail, via, first, second string) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO witness_alerts (origin, size, reason, detail, via, first_note, second_note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (origin, reason, size) DO NOTHING`,
		origin, int64(size), reason, truncate(detail, 500), via, first, second, s.now().UnixMicro())
	if err != nil {
		return fmt.Errorf("record alert: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	refs := []audit.Ref{{Type: "partner", ID: origin}}
	if msgID != uuid.Nil {
		refs = append(refs, audit.Ref{Type: "message", ID: msgID.String()})
	}
	e := audit.New(ctx, audit.Collect, refs...)
	if e.ActorName == "" {
		e.ActorName, e.Agency = "witness", s.cfg.Agency
	}
	e.Outcome, e.Reason = audit.Denied, truncate(reason+": "+detail, audit.MaxTextLen)
	if err := s.audit.Append(ctx, tx, e); err != nil {
		return err
	}
	tx.OnCommit(func() {
		s.alerts.WithLabelValues(origin, reason).Inc()
		s.logger.Error("audit log split view detected", slog.String("origin", origin), slog.String("reason", reason),
			slog.Uint64("size", size), slog.String("via", via), slog.String("detail", detail))
	})
	return nil
}

func hasAlert(ctx context.Context, q db.Querier, origin string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM witness_alerts WHERE origin = ?`, origin).Scan(&n); err != nil {
		return false, fmt.Errorf("read alerts: %w", err)
	}
	return n > 0, nil
}

func loadSeen(ctx context.Context, q db.Querier, origin string) (seen, bool, error) {
	var c seen
	var size int64
	err := q.QueryRowContext(ctx, `SELECT size, root, note FROM witness_seen WHERE origin = ?`, origin).Scan(&size, &c.root, &c.note)
	if isNoRows(err) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("read checkpoint seen: %w", err)
	}
	c.size = uint64(size)
	return c, true, nil
}

func loadObserved(ctx context.Context, q db.Querier, origin string) ([]seen, error) {
	rows, err := q.QueryContext(ctx, `SELECT size, root, note, via FROM witness_observed WHERE origin = ? ORDER BY size`, origin)
	if err != nil {
		return nil, fmt.Errorf("read observations: %w", err)
	}
	defer rows.Close()
	var out []seen
	for rows.Next() {
		var c seen
		var size int64
		if err := rows.Scan(&size, &c.root, &c.note, &c.via); err != nil {
			return nil, fmt.Errorf("read observations: %w", err)
		}
		c.size = uint64(size)
		out = append(out, c)
	}
	return out, rows.Err()
}

// receiveCosignature is the origin side: a witness's answer is kept for
// the worker, which checks it against this node's log and stores it with
// audit.Log.AddCosignatures (which writes in a transaction of its own).
func (s *Service) receiveCosignature(ctx context.Context, tx *db.Tx, m *federation.Inbound) error {
	var c cosignatureMsg
	if err := federation.DecodePayload(m.Payload, maxMessage, &c); err != nil {
		return err
	}
	if len(c.Cosigned) == 0 || len(c.Cosigned) > audit.MaxNoteSize {
		return errs.E(errs.Invalid, "cosigned", "a cosigned checkpoint note is required")
	}
	if len(c.Prove) > maxProve {
		return errs.E(errs.Invalid, "prove", fmt.Sprintf("at most %d sizes", maxProve))
	}
	prove := slices.Clone(c.Prove)
	sort.Slice(prove, func(i, j int) bool { return prove[i] < prove[j] })
	_, err := tx.ExecContext(ctx, `INSERT INTO witness_peers (agency, reported_size, reported_at, prove, pending_note, cosigned_size, cosigned_at,
		sent_size, sent_at, last_error) VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, '')
		ON CONFLICT (agency) DO UPDATE SET reported_size = excluded.reported_size, reported_at = excluded.reported_at,
		prove = excluded.prove, pending_note = excluded.pending_note`,
		m.Sender, int64(c.Size), s.now().UnixMicro(), formatSizes(slices.Compact(prove)), c.Cosigned)
	if err != nil {
		return fmt.Errorf("record cosignature: %w", err)
	}
	tx.OnCommit(s.wake)
	return nil
}

// storeCosignatures stores the cosignatures that arrived: each must be of
// a checkpoint this node's log signed and can vouch for. One its key
// signed but its log contradicts is an alert about this node's own log.
func (s *Service) storeCosignatures(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT agency, pending_note FROM witness_peers WHERE pending_note <> ''`)
	if err != nil {
		return fmt.Errorf("read cosignatures: %w", err)
	}
	type pending struct{ agency, note string }
	var ps []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.agency, &p.note); err != nil {
			rows.Close()
			return fmt.Errorf("read cosignatures: %w", err)
		}
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read cosignatures: %w", err)
	}
	var errsOut []error
	for _, p := range ps {
		errsOut = append(errsOut, s.storeCosignature(ctx, p.agency, p.note))
	}
	return errors.Join(errsOut...)
}

func (s *Service) storeCosignature(ctx context.Context, agency, msg string) error {
	size, at, lastErr := int64(-1), int64(0), ""
	c, err := openSeen(msg, s.log.Keys().Verifier())
	switch {
	case err != nil:
		lastErr = "cosigned checkpoint: " + err.Error()
	default:
		if bad := s.checkOwn(ctx, c); bad != nil {
			if err := s.db.Write(ctx, func(tx *db.Tx) error {
				return s.alert(ctx, tx, uuid.Nil, s.cfg.Agency, ReasonSplitView, c.size, bad.Error(), agency, "", c.note)
			}); err != nil {
				return err
			}
			lastErr = bad.Error()
			break
		}
		if _, err := s.log.AddCosignatures(ctx, []byte(msg)); err != nil {
			lastErr = "store cosignature: " + errs.PublicMessage(err)
			if !permanentKind(err) {
				return err // try again at the next round
			}
			break
		}
		size, at = int64(c.size), s.now().UnixMicro()
	}
	if lastErr != "" {
		s.logger.WarnContext(ctx, "witness cosignature refused", slog.String("witness", agency), slog.String("error", lastErr))
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE witness_peers SET pending_note = '', last_error = ?,
			cosigned_size = CASE WHEN ? >= 0 THEN ? ELSE cosigned_size END,
			cosigned_at = CASE WHEN ? >= 0 THEN ? ELSE cosigned_at END
			WHERE agency = ? AND pending_note = ?`, truncate(lastErr, 500), size, size, size, at, agency, msg)
		return err
	})
}

// permanentKind reports whether an AddCosignatures error is about the
// cosignature itself rather than a local failure.
func permanentKind(err error) bool {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.NotExist, errs.Permission:
		return true
	}
	return false
}

func jsonMarshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	return b, nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// truncate shortens s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func sortPeers(ps []*peer) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].agency < ps[j].agency })
}
