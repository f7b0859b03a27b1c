package noticesvc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/notice"
)

// Bounds on received payloads (the transport bounds the bytes).
const (
	maxWireAlerts  = 10_000 // alerts or cancellations in one message
	maxSourceIDLen = 64
	// maxAcknowledged bounds the flags one decision acknowledges: far
	// more than screening can raise for one notice.
	maxAcknowledged = 200
)

// decodeWire decodes a notice-* payload strictly (federation.DecodePayload)
// and checks its limits.
func decodeWire(payload []byte) (*wire, error) {
	var w wire
	if err := federation.DecodePayload(payload, envelope.MaxPayload, &w); err != nil {
		return nil, err
	}
	if len(w.Alerts) > maxWireAlerts || len(w.Cancel) > maxWireAlerts {
		return nil, errs.E(errs.TooLarge, "payload", fmt.Sprintf("more than %d alerts in one message", maxWireAlerts))
	}
	if len(w.Reason) > notice.MaxReasonsLen || !utf8.ValidString(w.Reason) {
		return nil, errs.E(errs.Invalid, "reason", "reason too long or not UTF-8")
	}
	for i, id := range w.Cancel {
		if !validSourceID(id) {
			return nil, errs.E(errs.Invalid, fmt.Sprintf("cancel[%d]", i), "not an id")
		}
	}
	return &w, nil
}

// validSourceID accepts the ids a partner gives its notices and alerts:
// printable ASCII without spaces, at most maxSourceIDLen bytes.
func validSourceID(id string) bool {
	if id == "" || len(id) > maxSourceIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// receive is the inbound handler of notice-publish, notice-update and
// notice-cancel: it stores the partner's notice or alerts as received
// (originator kept), updates the lookup index after commit, and audits the
// collection. Its error rejects the envelope for good when the content is
// at fault (see federation.InboundHandler); the federation layer's signed
// delivered receipt is the acknowledgement the originator sees.
func (s *Service) receive(ctx context.Context, tx *db.Tx, m *federation.Inbound) error {
	w, err := decodeWire(m.Payload)
	if err != nil {
		return err
	}
	if w.Exercise != s.cfg.Exercise {
		return errs.E(errs.Permission, "exercise", "exercise notices and alerts travel only between exercise nodes, and real ones never reach them")
	}
	cancel := m.Type == envelope.TypeNoticeCancel
	if cancel != (len(w.Cancel) > 0) || cancel && (w.Notice != nil || len(w.Alerts) > 0) {
		return errs.E(errs.Invalid, "payload", "a notice-cancel message carries only cancellations, and only it does")
	}
	switch {
	case w.Kind == wireNotice && cancel:
		return s.receiveNoticeCancel(ctx, tx, m.Sender, w.Cancel, w.Reason)
	case w.Kind == wireNotice && w.Notice != nil && len(w.Alerts) == 0:
		return s.receiveNotice(ctx, tx, m.Sender, w.Notice)
	case w.Kind == wireAlerts && cancel:
		return s.receiveAlertCancel(ctx, tx, m.Sender, w.Cancel)
	case w.Kind == wireAlerts && w.Notice == nil && len(w.Alerts) > 0:
		return s.receiveAlerts(ctx, tx, m.Sender, w.Alerts)
	}
	return errs.E(errs.Invalid, "payload", "not a notice or alerts payload")
}

// receivedStates are the states a partner's notice may arrive in.
var receivedStates = []notice.State{notice.Published, notice.Updated, notice.InReview, notice.Refused, notice.Draft, notice.Expired}

// receiveNotice stores a partner's notice. The partner must be its
// originator (nodes do not relay each other's notices), its envelope must
// be the copy's (received from the partner), and it must pass the same
// invariant as a local notice: screening is run again here and every
// blocking flag must have been acknowledged by the reviewer's approval the
// notice carries. A notice published without that is refused.
func (s *Service) receiveNotice(ctx context.Context, tx *db.Tx, sender string, v *Notice) error {
	n, err := receivedNotice(sender, v)
	if err != nil {
		return err
	}
	env := v.Envelope
	if env != nil && env.Exercise != s.cfg.Exercise {
		return errs.E(errs.Permission, "envelope.exercise", "exercise notices travel only between exercise nodes, and real ones never reach them")
	}
	now := s.clock()
	old, err := loadReceived(ctx, tx, sender, v.ID)
	if err != nil {
		return err
	}
	r := &record{n: n, env: env, version: v.Version, sourceID: v.ID, receivedFrom: sender, createdBy: "partner:" + sender,
		createdAt: now, updatedAt: now}
	kind, reason := audit.Collect, "notice-received"
	if old == nil {
		r.n.ID = ids.New()
		if err := insertNotice(ctx, tx, r); err != nil {
			return err
		}
	} else {
		if old.version >= v.Version {
			return nil // already have this version or a later one
		}
		r.n.ID, r.createdAt, r.createdBy = old.n.ID, old.createdAt, old.createdBy
		if err := replaceHistory(ctx, tx, r); err != nil {
			return err
		}
		if err := updateNotice(ctx, tx, r, old.version); err != nil {
			return err
		}
		kind, reason = audit.Alter, "notice-update-received"
	}
	if err := s.stage(ctx, tx, &indexOps{addNotices: []notice.Notice{r.n}}); err != nil {
		return err
	}
	return s.audit.Append(ctx, tx, noticeEvent(ctx, kind, r.n.ID, reason))
}

// receivedNotice checks a partner's notice (see receiveNotice) and returns
// it as the core's notice, with the flags of this node's screening.
func receivedNotice(sender string, v *Notice) (notice.Notice, error) {
	if v.Originator != sender {
		return notice.Notice{}, errs.E(errs.Permission, "notice.originator", "a partner distributes only its own notices")
	}
	if !validSourceID(v.ID) {
		return notice.Notice{}, errs.E(errs.Invalid, "notice.id", "not an id")
	}
	if !slices.Contains(receivedStates, v.State) {
		return notice.Notice{}, errs.E(errs.Invalid, "notice.state", "unknown or unexpected state")
	}
	if v.Version < 1 {
		return notice.Notice{}, errs.E(errs.Invalid, "notice.version", "version must be positive")
	}
	env := v.Envelope
	if env == nil {
		return notice.Notice{}, errs.E(errs.Invalid, "notice.envelope", "a notice carries its envelope")
	}
	if err := env.ValidateStored(); err != nil {
		return notice.Notice{}, err
	}
	if env.Originator != sender || env.ReceivedFrom != sender {
		return notice.Notice{}, errs.E(errs.Invalid, "notice.envelope", "the envelope must name the sender as originator and as the agency the copy came from")
	}
	n, err := fromView(v)
	if err != nil {
		return notice.Notice{}, err
	}
	if err := n.Validate(); err != nil {
		return notice.Notice{}, err
	}
	if len(v.History) > 1000 || len(v.Decisions) > 1000 {
		return notice.Notice{}, errs.E(errs.TooLarge, "notice.history", "history too long")
	}
	for _, c := range v.History {
		n.History = append(n.History, notice.Change{From: c.From, To: c.To, Event: c.Event, Agency: c.Agency, At: c.At})
	}
	for i, d := range v.Decisions {
		if len(d.Acknowledged) > maxAcknowledged {
			return notice.Notice{}, errs.E(errs.TooLarge, fmt.Sprintf("notice.decisions[%d].acknowledged", i), "too many flags")
		}
		n.Decisions = append(n.Decisions, notice.Decision{Outcome: d.Outcome, Acknowledged: d.Acknowledged,
			ExtraditionWillBeSought: d.ExtraditionWillBeSought, AfterCirculation: d.AfterCirculation, At: d.At})
	}
	n.Flags = notice.Screen(n, nil)
	if err := n.CheckInvariants(); err != nil {
		return notice.Notice{}, errs.E(errs.Conflict, "notice", "the notice is published without a reviewer's approval of every blocking flag raised by screening", err)
	}
	return n, nil
}

// loadReceived finds the copy of a partner's notice, or returns nil.
func loadReceived(ctx context.Context, tx *db.Tx, sender, sourceID string) (*record, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM notices WHERE originator = ? AND source_id = ? AND received_from = ?`,
		sender, sourceID, sender).Scan(&id)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, fmt.Errorf("find received notice: %w", err)
	}
	return loadNotice(ctx, tx, id)
}

// replaceHistory drops a copy's stored history and decisions so that the
// partner's current ones are stored in their place.
func replaceHistory(ctx context.Context, tx *db.Tx, r *record) error {
	for _, q := range []string{`DELETE FROM notice_changes WHERE notice_id = ?`, `DELETE FROM notice_decisions WHERE notice_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, r.n.ID); err != nil {
			return fmt.Errorf("replace notice history: %w", err)
		}
	}
	r.stored, r.storedDec = 0, 0
	return nil
}

// receiveNoticeCancel cancels copies of a partner's notices. A notice this
// node does not hold (withheld, or never received) is ignored.
func (s *Service) receiveNoticeCancel(ctx context.Context, tx *db.Tx, sender string, ids []string, reason string) error {
	now := s.clock()
	ops := &indexOps{}
	for _, sid := range ids {
		r, err := loadReceived(ctx, tx, sender, sid)
		if err != nil {
			return err
		}
		if r == nil || r.state() == notice.Cancelled {
			continue
		}
		r.n.History = append(r.n.History, notice.Change{From: r.state(), To: notice.Cancelled, Event: notice.Cancel,
			Actor: "partner:" + sender, Agency: sender, At: now, Note: reason})
		r.n.State = notice.Cancelled
		r.version++
		r.updatedAt = now
		if err := updateNotice(ctx, tx, r, r.version-1); err != nil {
			return err
		}
		ops.removeNotice = append(ops.removeNotice, r.n.ID)
		if err := s.audit.Append(ctx, tx, noticeEvent(ctx, audit.Alter, r.n.ID, "notice-cancel-received")); err != nil {
			return err
		}
	}
	if err := s.stage(ctx, tx, ops); err != nil {
		return err
	}
	return nil
}

// receiveAlerts stores a partner's alerts, new or newer versions of ones
// held. Every alert must name the sender as originator.
func (s *Service) receiveAlerts(ctx context.Context, tx *db.Tx, sender string, alerts []wireAlert) error {
	now := s.clock()
	ops := &indexOps{}
	var stored []string
	for i, w := range alerts {
		field := fmt.Sprintf("alerts[%d]", i)
		if !validSourceID(w.ID) || w.Version < 1 {
			return errs.E(errs.Invalid, field+".id", "an alert carries its id and a positive version")
		}
		a := w.AlertInput.core(sender)
		if err := a.Normalize(); err != nil {
			return errs.E(errs.KindOf(err), field+"."+errs.FieldOf(err), errs.PublicMessage(err))
		}
		old, err := loadAlert(ctx, tx, `originator = ? AND source_id = ? AND received_from = ?`, sender, w.ID, sender)
		if err != nil && !errs.Is(err, errs.NotExist) {
			return err
		}
		if old != nil && old.version >= w.Version {
			continue
		}
		r := &alertRow{a: a, originator: sender, sourceID: w.ID, receivedFrom: sender, state: AlertActive, version: w.Version,
			createdBy: "partner:" + sender, createdAt: now, updatedAt: now}
		if old == nil {
			r.id = ids.New()
			r.a.ID = r.id
			err = insertAlert(ctx, tx, r)
		} else {
			r.id, r.createdAt, r.createdBy = old.id, old.createdAt, old.createdBy
			r.a.ID = r.id
			err = updateAlert(ctx, tx, r, old.version)
		}
		if err != nil {
			return err
		}
		if err := stageAlert(ctx, tx, ops, old, r); err != nil {
			return err
		}
		stored = append(stored, r.id)
	}
	if err := s.stage(ctx, tx, ops); err != nil {
		return err
	}
	return s.appendChunked(ctx, tx, audit.Collect, "alert", "alert-received", stored)
}

// receiveAlertCancel cancels copies of a partner's alerts; unknown ids are
// ignored.
func (s *Service) receiveAlertCancel(ctx context.Context, tx *db.Tx, sender string, sourceIDs []string) error {
	now := s.clock()
	ops := &indexOps{}
	var ids []string
	for _, sid := range sourceIDs {
		old, err := loadAlert(ctx, tx, `originator = ? AND source_id = ? AND received_from = ?`, sender, sid, sender)
		if errs.Is(err, errs.NotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if old.state != AlertActive {
			continue
		}
		r := *old
		r.state, r.version, r.updatedAt = AlertCancelled, old.version+1, now
		if err := updateAlert(ctx, tx, &r, old.version); err != nil {
			return err
		}
		if err := stageAlert(ctx, tx, ops, old, &r); err != nil {
			return err
		}
		ids = append(ids, r.id)
	}
	if err := s.stage(ctx, tx, ops); err != nil {
		return err
	}
	return s.appendChunked(ctx, tx, audit.Alter, "alert", "alert-cancel-received", ids)
}
