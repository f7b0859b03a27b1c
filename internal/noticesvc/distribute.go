package noticesvc

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/policy"
)

// Distribution events, as stored in notice_sends and named in the API.
const (
	EventPublish = "publish"
	EventUpdate  = "update"
	EventCancel  = "cancel"
)

// Subjects of notice_sends rows.
const (
	subjectNotice = "notice"
	subjectAlert  = "alert"
	subjectImport = "import" // the alerts of one import request
)

// wire is the payload of notice-publish, notice-update and notice-cancel
// envelopes. Kind says whether it carries a notice or alerts; one type
// set serves both, as the envelope registry has no separate alert types.
type wire struct {
	Kind   string      `json:"kind"` // wireNotice or wireAlerts
	Notice *Notice     `json:"notice,omitempty"`
	Alerts []wireAlert `json:"alerts,omitempty"`
	Cancel []string    `json:"cancel,omitempty"` // the originator's ids of cancelled notices or alerts
	Reason string      `json:"reason,omitempty"` // why they were cancelled
	// Exercise marks every payload of an exercise node; a node refuses a
	// payload from the other side of the exercise boundary.
	Exercise bool `json:"exercise,omitempty"`
}

// Payload kinds.
const (
	wireNotice = "notice"
	wireAlerts = "alerts"
)

// wireAlert is an alert as partners receive it.
type wireAlert struct {
	ID      string `json:"id"` // the originator's id
	Version int64  `json:"version"`
	AlertInput
}

// partnerRef is a partner as distribution sees it: its country comes from
// its signed partner card, never from request input.
type partnerRef struct {
	Agency, Country, State string
	Exercise               bool // an exercise node, as its signed card says
}

// policyPartner is p as the policy decider sees it.
func (p partnerRef) policyPartner() policy.Partner {
	return policy.Partner{Agency: p.Agency, Country: p.Country, Exercise: p.Exercise}
}

func (s *Service) partners(ctx context.Context) ([]partnerRef, error) {
	if s.fed == nil {
		return nil, nil
	}
	ps, err := s.fed.ListPartners(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	out := make([]partnerRef, len(ps))
	for i, p := range ps {
		out[i] = partnerRef{Agency: p.Agency, Country: p.Country, State: p.State, Exercise: p.Exercise}
	}
	return out, nil
}

const partnerActive = federation.StateActive

// resolve turns a distribution into the partners of this node's side of
// the exercise boundary (exercise says which) to send to, and those named
// but not reachable, with the reason. Partners on the other side are
// withheld whatever the distribution says: federation never makes them
// partners, and this keeps exercise data from real nodes even if it did.
func resolve(d Distribution, partners []partnerRef, exercise bool) (to []partnerRef, withheld map[string]string) {
	withheld = map[string]string{}
	var same []partnerRef
	for _, p := range partners {
		switch {
		case p.Exercise == exercise:
			same = append(same, p)
		case exercise:
			withheld[p.Agency] = policy.RuleExerciseDataOutside
		default:
			withheld[p.Agency] = policy.RuleRealDataInExercise
		}
	}
	partners = same
	switch d.Scope {
	case notice.ScopeAll:
		for _, p := range partners {
			if p.State == partnerActive {
				to = append(to, p)
			}
		}
	case notice.ScopeAgencies:
		for _, a := range d.Agencies {
			i := slices.IndexFunc(partners, func(p partnerRef) bool { return p.Agency == a })
			switch {
			case i < 0:
				if withheld[a] == "" {
					withheld[a] = "not a partner"
				}
			case partners[i].State != partnerActive:
				withheld[a] = "partner is " + partners[i].State
			default:
				to = append(to, partners[i])
			}
		}
	case notice.ScopeRegion:
		for _, p := range partners {
			if p.State == partnerActive && inRegion(d.Region, p.Country) {
				to = append(to, p)
			}
		}
	}
	return to, withheld
}

// sent is a partner's latest distribution row of a subject.
type sent struct {
	partner, event, messageID, withheld string
	version                             int64
	at                                  time.Time
}

// sends returns the rows of the given subjects, oldest first.
func sends(ctx context.Context, q db.Querier, subjects ...[2]string) ([]sent, error) {
	var out []sent
	for _, sub := range subjects {
		rows, err := q.QueryContext(ctx, `SELECT partner, event, message_id, withheld, version, at FROM notice_sends
			WHERE subject_type = ? AND subject_id = ? ORDER BY id`, sub[0], sub[1])
		if err != nil {
			return nil, fmt.Errorf("read distribution: %w", err)
		}
		for rows.Next() {
			var x sent
			var at int64
			if err := rows.Scan(&x.partner, &x.event, &x.messageID, &x.withheld, &x.version, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read distribution: %w", err)
			}
			x.at = fromMicro(at)
			out = append(out, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read distribution: %w", err)
		}
	}
	slices.SortStableFunc(out, func(a, b sent) int { return a.at.Compare(b.at) })
	return out, nil
}

// holders returns the partners that hold the subject now: their latest
// row was sent and is not a cancellation.
func holders(rows []sent) []string {
	last := map[string]sent{}
	var order []string
	for _, r := range rows {
		if r.messageID == "" {
			continue
		}
		if _, ok := last[r.partner]; !ok {
			order = append(order, r.partner)
		}
		last[r.partner] = r
	}
	var out []string
	for _, p := range order {
		if last[p].event != EventCancel {
			out = append(out, p)
		}
	}
	return out
}

func recordSend(ctx context.Context, tx *db.Tx, subjectType, subjectID, partner, event string, version int64, messageID, withheld string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO notice_sends (subject_type, subject_id, partner, event, version, message_id, withheld, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, subjectType, subjectID, partner, event, version, messageID, withheld, micro(now))
	if err != nil {
		return fmt.Errorf("record distribution: %w", err)
	}
	return nil
}

func envelopeType(event string) string {
	switch event {
	case EventPublish:
		return envelope.TypeNoticePublish
	case EventUpdate:
		return envelope.TypeNoticeUpdate
	}
	return envelope.TypeNoticeCancel
}

// send queues one payload to one partner and records it.
func (s *Service) send(ctx context.Context, tx *db.Tx, subjectType, subjectID, partner, event string, version int64,
	env *policy.Envelope, payload wire, now time.Time) error {
	if s.fed == nil {
		return errs.E(errs.Precondition, "distribution", "this node has no federation service")
	}
	payload.Exercise = s.cfg.Exercise
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s payload: %w", payload.Kind, err)
	}
	m := federation.Outbound{Type: envelopeType(event), To: []string{partner}, Payload: b}
	if p, ok := access.From(ctx); ok && !p.Partner {
		m.Officer = p.UserID
	}
	if env != nil {
		m.Handling, m.TLP, m.CaseRef = env.Handling.Codes(), string(env.TLP), env.CaseRef
	}
	id, err := s.fed.Send(ctx, tx, m)
	if err != nil {
		return fmt.Errorf("send to %s: %w", partner, err)
	}
	return recordSend(ctx, tx, subjectType, subjectID, partner, event, version, id.String(), "", now)
}

// propagateNotice tells partners about the notice's new state, in the
// transaction that stores it:
//
//   - in circulation: the notice goes to every partner its distribution
//     resolves to that the policy decider lets it go to (publish for a
//     partner that does not hold it, update for one that does); a partner
//     that holds it but is no longer reached gets a cancellation;
//   - cancelled: every partner that holds it gets a cancellation;
//   - otherwise (back in review, refused, expired): the partners that hold
//     it get the new state, so that it stops producing hits there.
//
// Partners the envelope excludes, and named agencies that are not active
// partners, are recorded as withheld with the reason and sent nothing. A
// holder that cannot be told now (suspended) is recorded as pending and
// told by the job once it is active again (see RunOnce).
func (s *Service) propagateNotice(ctx context.Context, tx *db.Tx, r *record, now time.Time) error {
	rows, err := sends(ctx, tx, [2]string{subjectNotice, r.n.ID})
	if err != nil {
		return err
	}
	have := holders(rows)
	if len(have) == 0 && !r.n.Active(now) {
		return nil
	}
	partners, err := s.partners(ctx)
	if err != nil {
		return err
	}
	var sentTo []string
	reached := map[string]bool{}
	if r.n.Active(now) {
		to, withheld := resolve(draftOf(&r.n, nil).Distribution, partners, s.cfg.Exercise)
		for _, agency := range sortedKeys(withheld) {
			if err := recordSend(ctx, tx, subjectNotice, r.n.ID, agency, EventPublish, r.version, "", withheld[agency], now); err != nil {
				return err
			}
		}
		for _, p := range to {
			dec := s.decider.CanDisclose(s.cfg.Agency, *r.env, p.policyPartner(), r.env.Purpose, now)
			if !dec.Allowed {
				if err := recordSend(ctx, tx, subjectNotice, r.n.ID, p.Agency, EventPublish, r.version, "", dec.Rule, now); err != nil {
					return err
				}
				continue
			}
			event := EventPublish
			if slices.Contains(have, p.Agency) {
				event = EventUpdate
			}
			if err := s.sendNotice(ctx, tx, r, p, event, now); err != nil {
				return err
			}
			reached[p.Agency] = true
			sentTo = append(sentTo, p.Agency)
		}
	}
	for _, h := range have {
		if reached[h] {
			continue
		}
		told, err := s.tellNoticeHolder(ctx, tx, r, partnerByAgency(partners, h), now)
		if err != nil {
			return err
		}
		if told {
			sentTo = append(sentTo, h)
		}
	}
	return s.auditDisclosure(ctx, tx, audit.Ref{Type: "notice", ID: r.n.ID}, "notice-distributed", sentTo)
}

// sendNotice sends the notice in full, with the partner's envelope.
func (s *Service) sendNotice(ctx context.Context, tx *db.Tx, r *record, p partnerRef, event string, now time.Time) error {
	penv, err := s.decider.RecipientEnvelope(*r.env, s.cfg.Agency, p.policyPartner(), now)
	if err != nil {
		return fmt.Errorf("envelope for %s: %w", p.Agency, err)
	}
	return s.send(ctx, tx, subjectNotice, r.n.ID, p.Agency, event, r.version, r.env, wire{Kind: wireNotice, Notice: r.forPartner(&penv)}, now)
}

// tellNoticeHolder tells a partner that holds the notice what became of
// it, when the notice's distribution does not send it the notice itself:
// a cancellation if the notice is cancelled or in circulation without
// that partner, and otherwise its new state. A partner that is not active
// is recorded as pending. It reports whether something was sent.
func (s *Service) tellNoticeHolder(ctx context.Context, tx *db.Tx, r *record, p partnerRef, now time.Time) (bool, error) {
	cancel := r.state() == notice.Cancelled || r.n.Active(now)
	event := EventUpdate
	if cancel {
		event = EventCancel
	}
	if p.State != partnerActive {
		return false, recordSend(ctx, tx, subjectNotice, r.n.ID, p.Agency, event, r.version, "", unreachable(p), now)
	}
	if !cancel {
		if _, err := s.decider.RecipientEnvelope(*r.env, s.cfg.Agency, p.policyPartner(), now); err == nil {
			return true, s.sendNotice(ctx, tx, r, p, EventUpdate, now)
		}
		// Past its review date, or otherwise no longer shareable: withdraw it.
		event = EventCancel
	}
	reason := cancelReason(&r.n)
	if r.state() != notice.Cancelled {
		reason = "withdrawn from this partner by the originator"
	}
	w := wire{Kind: wireNotice, Cancel: []string{r.n.ID}, Reason: reason}
	return true, s.send(ctx, tx, subjectNotice, r.n.ID, p.Agency, event, r.version, r.env, w, now)
}

// pendingPrefix marks a withheld row that the job retries.
const pendingPrefix = "pending: "

// unreachable is the withheld reason for a holder that cannot be told now:
// pending (retried by the job) while the partner is suspended, final once
// it is removed.
func unreachable(p partnerRef) string {
	if p.State == federation.StateRemoved {
		return "partner was removed"
	}
	return pendingPrefix + "partner is " + p.State
}

// partnerByAgency finds a partner; a partner no longer listed (removed)
// comes back with state "removed".
func partnerByAgency(partners []partnerRef, agency string) partnerRef {
	for _, p := range partners {
		if p.Agency == agency {
			return p
		}
	}
	return partnerRef{Agency: agency, State: federation.StateRemoved}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func cancelReason(n *notice.Notice) string {
	for i := len(n.History) - 1; i >= 0; i-- {
		if n.History[i].To == notice.Cancelled {
			return n.History[i].Note
		}
	}
	return ""
}

// auditDisclosure writes disclose events naming the recipients, at most
// audit.MaxRecipients per event.
func (s *Service) auditDisclosure(ctx context.Context, tx *db.Tx, ref audit.Ref, reason string, to []string) error {
	for len(to) > 0 {
		n := min(len(to), audit.MaxRecipients)
		e := audit.New(ctx, audit.Disclose, ref)
		e.Recipients, e.Reason = to[:n], reason
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		to = to[n:]
	}
	return nil
}

// forPartner is the notice as a partner receives it: its own envelope,
// and the history and decisions without who acted and why (the reviewer's
// identity and reasons stay with the originator); what is left lets the
// partner check that every blocking flag was weighed by a reviewer.
func (r *record) forPartner(env *policy.Envelope) *Notice {
	v := r.view(time.Time{})
	v.Envelope = env
	v.ReassessmentDue, v.AwaitingReview = false, false
	for i := range v.History {
		v.History[i].Actor, v.History[i].Note = "", ""
	}
	for i := range v.Decisions {
		v.Decisions[i].Reviewer, v.Decisions[i].Reasons = "", ""
	}
	return v
}

// PartnerState is the distribution state of a notice or alert at one partner.
type PartnerState struct {
	Partner        string    `json:"partner"`
	Event          string    `json:"event" doc:"the latest: publish, update or cancel"`
	Version        int64     `json:"version" doc:"the version that event carried"`
	State          string    `json:"state" doc:"queued, delivered (acknowledged by a signed receipt), read, failed, withheld or pending"`
	Reason         string    `json:"reason,omitempty" doc:"why it was withheld (a policy rule or the partner's state), or the delivery error"`
	MessageID      string    `json:"messageId,omitempty"`
	At             time.Time `json:"at"`
	AcknowledgedAt time.Time `json:"acknowledgedAt,omitzero"`
}

// Distribution states besides the federation delivery states.
const (
	Withheld = "withheld" // not sent: the envelope or the partner's state excludes it
	Pending  = "pending"  // the partner holds an outdated state and is told once it is active again
)

// distribution reports per partner the latest event of the given subjects
// and its delivery state: the federation layer's signed delivered receipt
// is the partner's acknowledgement.
func (s *Service) distribution(ctx context.Context, subjects ...[2]string) ([]PartnerState, error) {
	rows, err := sends(ctx, s.db, subjects...)
	if err != nil {
		return nil, err
	}
	last := map[string]sent{}
	var order []string
	for _, r := range rows {
		if _, ok := last[r.partner]; !ok {
			order = append(order, r.partner)
		}
		// A withheld row does not hide what the partner already has,
		// unless it is pending: then the partner holds an outdated state.
		if prev, ok := last[r.partner]; ok && r.messageID == "" && prev.messageID != "" && !strings.HasPrefix(r.withheld, pendingPrefix) {
			continue
		}
		last[r.partner] = r
	}
	slices.Sort(order)
	out := []PartnerState{}
	for _, p := range order {
		r := last[p]
		st := PartnerState{Partner: p, Event: r.event, Version: r.version, MessageID: r.messageID, At: r.at}
		if r.messageID == "" {
			st.State, st.Reason = Withheld, r.withheld
			if strings.HasPrefix(r.withheld, pendingPrefix) {
				st.State, st.Reason = Pending, strings.TrimPrefix(r.withheld, pendingPrefix)
			}
			out = append(out, st)
			continue
		}
		ds, err := s.fed.Deliveries(ctx, r.messageID)
		if err != nil {
			return nil, fmt.Errorf("delivery state for %s: %w", p, err)
		}
		for _, d := range ds {
			if d.Partner == p {
				st.State, st.Reason, st.AcknowledgedAt = d.State, d.LastError, d.DeliveredAt
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// NoticeDistribution reports where an own notice went and whether each
// partner acknowledged it.
func (s *Service) NoticeDistribution(ctx context.Context, id string) ([]PartnerState, error) {
	if _, err := s.officer(ctx, DistributionReaders); err != nil {
		return nil, err
	}
	var own bool
	if err := s.db.QueryRowContext(ctx, `SELECT received_from = '' FROM notices WHERE id = ?`, id).Scan(&own); err != nil {
		return nil, errs.E(errs.NotExist, "id", "no such notice")
	}
	if !own {
		return nil, errs.E(errs.Conflict, "id", "a received notice is distributed by its originator")
	}
	return s.distribution(ctx, [2]string{subjectNotice, id})
}
