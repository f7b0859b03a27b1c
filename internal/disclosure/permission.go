package disclosure

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// Directions and states of permission requests.
const (
	DirectionOut = "out" // this node holds a copy and asked the originator
	DirectionIn  = "in"  // a holder asked this node, the originator

	StatePending = "pending"
	StateGranted = "granted"
	StateDenied  = "denied"
	StateFailed  = "failed" // the request could not be delivered or applied
)

// Request is a request for permission to pass an H2 record onward.
type Request struct {
	ID         string         `json:"id"`
	Direction  string         `json:"direction" doc:"out: this node asked the originator; in: a holder asks this node"`
	RecordID   string         `json:"recordId"`
	Holder     string         `json:"holder" doc:"the agency holding the copy, which asks"`
	Originator string         `json:"originator"`
	Recipient  string         `json:"recipient" doc:"the agency the holder wants to pass the record to"`
	Purpose    policy.Purpose `json:"purpose"`
	Reason     string         `json:"reason,omitempty"`
	Officer    string         `json:"officer,omitempty" doc:"the requesting officer's id at the holder"`
	State      string         `json:"state" doc:"pending, granted, denied or failed"`
	Answer     string         `json:"answer,omitempty" doc:"the originator's reason"`
	AnsweredBy string         `json:"answeredBy,omitempty" doc:"the answering officer's id at the originator"`
	MessageID  string         `json:"messageId" doc:"the last message this node sent about the request"`
	Delivery   string         `json:"delivery" doc:"delivery state of that message"`
	LastError  string         `json:"lastError,omitempty"`
	CreatedAt  time.Time      `json:"createdAt"`
	AnsweredAt time.Time      `json:"answeredAt,omitzero"`
}

// requestPayload is a permission-request message.
type requestPayload struct {
	ID        string         `json:"id"`
	RecordID  string         `json:"recordId"`
	Version   int            `json:"version"`
	Recipient string         `json:"recipient"`
	Purpose   policy.Purpose `json:"purpose"`
	Reason    string         `json:"reason,omitempty"`
}

// answerPayload is a permission-answer message. A grant carries the
// holder's copy of the record version that holds the grant.
type answerPayload struct {
	ID       string          `json:"id"`
	RecordID string          `json:"recordId"`
	Grant    bool            `json:"grant"`
	Reason   string          `json:"reason,omitempty"`
	Copy     json.RawMessage `json:"copy,omitempty"`
}

// requestPermission sends the originator of the copy described by d a
// request to pass it to partner to, inside the share's transaction, and
// records it. A pending request for the same record and recipient is
// reused.
func (s *Service) requestPermission(ctx context.Context, tx *db.Tx, id string, d record.Disclosed, to policy.Partner,
	req ShareRequest, officer access.Principal) (ShareOutcome, error) {
	origin := d.Envelope.Originator
	var existing string
	err := tx.QueryRowContext(ctx, `SELECT id FROM disclosure_requests WHERE direction = ? AND record_id = ? AND recipient = ? AND state = ?`,
		DirectionOut, id, to.Agency, StatePending).Scan(&existing)
	switch {
	case err == nil:
		return ShareOutcome{Partner: to.Agency, Outcome: OutcomeRequested, Rule: d.Decision.Rule, Reason: "a request to " + origin + " is pending",
			RequestID: existing, err: d.Refusal}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return ShareOutcome{}, fmt.Errorf("read permission requests: %w", err)
	}
	if p, err := s.fed.GetPartner(ctx, origin); err != nil || p.State != federation.StateActive {
		reason := "the originator " + origin + " is not an active partner of this node: ask the agency the copy came from"
		return refused(to.Agency, d.Decision.Rule, reason, errs.E(errs.Precondition, "to", reason)), nil
	}
	reqID, err := uuid.NewV7()
	if err != nil {
		return ShareOutcome{}, fmt.Errorf("request id: %w", err)
	}
	msgID, err := newMessageID()
	if err != nil {
		return ShareOutcome{}, err
	}
	payload, err := jsonMarshal(requestPayload{ID: reqID.String(), RecordID: id, Version: d.Version, Recipient: to.Agency,
		Purpose: req.Purpose, Reason: req.Reason})
	if err != nil {
		return ShareOutcome{}, err
	}
	if _, err := s.fed.Send(ctx, tx, federation.Outbound{ID: msgID, Type: envelope.TypePermissionRequest, To: []string{origin},
		Handling: d.Envelope.Handling.Codes(), TLP: string(d.Envelope.TLP), Officer: officer.UserID, Payload: payload}); err != nil {
		return ShareOutcome{}, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO disclosure_requests (id, direction, record_id, holder, originator, recipient, purpose,
		reason, officer, state, answer, answered_by, message_id, delivery, last_error, created_at, answered_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, '', ?, 0)`,
		reqID.String(), DirectionOut, id, s.cfg.Agency, origin, to.Agency, string(req.Purpose), req.Reason, officer.UserID,
		StatePending, msgID.String(), federation.DeliveryQueued, micros(s.now()))
	if err != nil {
		return ShareOutcome{}, fmt.Errorf("record permission request: %w", err)
	}
	e := disclosureEvent(ctx, id, origin, msgID, req.Purpose, "permission-request: onward to "+to.Agency)
	if err := s.audit.Append(ctx, tx, e); err != nil {
		return ShareOutcome{}, err
	}
	return ShareOutcome{Partner: to.Agency, Outcome: OutcomeRequested, Rule: d.Decision.Rule,
		Reason: "the record is H2: permission was requested from " + origin, MessageID: msgID.String(),
		RequestID: reqID.String(), err: d.Refusal}, nil
}

// receiveRequest handles a permission-request from a holder: the holder
// must be one this node sent the record to.
func (s *Service) receiveRequest(ctx context.Context, tx *db.Tx, m *federation.Inbound) error {
	var p requestPayload
	if err := federation.DecodePayload(m.Payload, maxControlBytes, &p); err != nil {
		return err
	}
	switch {
	case !ids.Valid(p.ID):
		return errs.E(errs.Invalid, "id", "a request id is a UUID")
	case !ids.Valid(p.RecordID):
		return errs.E(errs.Invalid, "recordId", "a record id is a UUID")
	case !policy.ValidAgencyID(p.Recipient) || p.Recipient == m.Sender || p.Recipient == s.cfg.Agency:
		return errs.E(errs.Invalid, "recipient", "the recipient is another agency than the holder and the originator")
	case !p.Purpose.Valid():
		return errs.E(errs.Invalid, "purpose", "unknown purpose")
	}
	if err := checkReason("reason", p.Reason); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM disclosure_holders WHERE record_id = ? AND agency = ?`,
		p.RecordID, m.Sender).Scan(&n); err != nil {
		return fmt.Errorf("read holders: %w", err)
	}
	if n == 0 {
		return errs.E(errs.NotExist, "recordId", "this node sent your agency no copy of that record")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO disclosure_requests (id, direction, record_id, holder, originator, recipient, purpose,
		reason, officer, state, answer, answered_by, message_id, delivery, last_error, created_at, answered_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', '', '', ?, 0)`,
		p.ID, DirectionIn, p.RecordID, m.Sender, s.cfg.Agency, p.Recipient, string(p.Purpose), p.Reason, m.Officer,
		StatePending, micros(s.now()))
	if db.IsUniqueViolation(err) {
		return errs.E(errs.Conflict, "id", "a request with this id exists")
	}
	if err != nil {
		return fmt.Errorf("record permission request: %w", err)
	}
	e := collectEvent(ctx, p.RecordID, m.ID, "permission-request from "+m.Sender+": onward to "+p.Recipient)
	e.Purpose = string(p.Purpose)
	return s.audit.Append(ctx, tx, e)
}

// collectEvent is the collect event of a message about record id
// received from the partner in ctx.
func collectEvent(ctx context.Context, id string, message uuid.UUID, reason string) audit.Event {
	e := audit.New(ctx, audit.Collect, audit.Ref{Type: "record", ID: id}, audit.Ref{Type: "message", ID: message.String()})
	e.Reason = truncate(reason, audit.MaxTextLen)
	return e
}

// AnswerRequest is the originator's answer to a permission request.
type AnswerRequest struct {
	Grant         bool   `json:"grant"`
	Reason        string `json:"reason,omitempty" doc:"why, told to the holder (no personal data)"`
	Justification string `json:"justification,omitempty" doc:"why the record is consulted and changed (or send Liaison-Justification)"`
}

// answerRoles may answer permission requests.
var answerRoles = []access.Role{access.SPOC}

// Answer answers the pending request id that a holder sent this node, as
// the SPOC in ctx. A grant adds the recipient to the record's onward
// grants (a new version, through the records capability: consulted and
// altered under the SPOC's justification) and sends the holder, with the
// answer, its copy of that version. A refusal sends the reason.
func (s *Service) Answer(ctx context.Context, id string, a AnswerRequest) (*Request, error) {
	officer, ok := access.From(ctx)
	if !ok || officer.Partner || !slices.Contains(answerRoles, officer.Role) {
		return nil, errs.E(errs.Permission, "only the SPOC answers permission requests")
	}
	if err := checkReason("reason", a.Reason); err != nil {
		return nil, err
	}
	r, err := s.request(ctx, id, DirectionIn)
	if err != nil {
		return nil, err
	}
	if r.State != StatePending {
		return nil, errs.E(errs.Conflict, "state", "the request was already answered: "+r.State)
	}
	to, _, err := s.partner(ctx, r.Holder)
	if err != nil {
		return nil, err
	}
	if a.Grant {
		if err := s.grant(ctx, r); err != nil {
			return nil, err
		}
	}
	msgID, err := newMessageID()
	if err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		var cur string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM disclosure_requests WHERE id = ? AND direction = ?`, id, DirectionIn).Scan(&cur); err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		if cur != StatePending {
			return errs.E(errs.Conflict, "state", "the request was answered meanwhile: "+cur)
		}
		ans := answerPayload{ID: r.ID, RecordID: r.RecordID, Grant: a.Grant, Reason: a.Reason}
		state, reason := StateDenied, "permission-answer: denied onward to "+r.Recipient
		if a.Grant {
			doc, err := s.grantedCopy(ctx, tx, r, to, msgID)
			if err != nil {
				return err
			}
			ans.Copy, state, reason = doc, StateGranted, "permission-answer: granted onward to "+r.Recipient
		}
		payload, err := jsonMarshal(ans)
		if err != nil {
			return err
		}
		if _, err := s.fed.Send(ctx, tx, federation.Outbound{ID: msgID, Type: envelope.TypePermissionAnswer, To: []string{r.Holder},
			Officer: officer.UserID, Payload: payload}); err != nil {
			return err
		}
		now := micros(s.now())
		if _, err := tx.ExecContext(ctx, `UPDATE disclosure_requests SET state = ?, answer = ?, answered_by = ?, message_id = ?,
			delivery = ?, answered_at = ? WHERE id = ? AND direction = ?`,
			state, a.Reason, officer.UserID, msgID.String(), federation.DeliveryQueued, now, id, DirectionIn); err != nil {
			return fmt.Errorf("record answer: %w", err)
		}
		return s.audit.Append(ctx, tx, disclosureEvent(ctx, r.RecordID, r.Holder, msgID, r.Purpose, reason))
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return s.request(ctx, id, DirectionIn)
}

// grant adds the request's recipient to the onward grants of the record,
// unless they already name it.
func (s *Service) grant(ctx context.Context, r *Request) error {
	rec, _, err := s.records.Get(ctx, r.RecordID)
	if err != nil {
		return err
	}
	env := rec.Envelope
	switch {
	case env.IsCopy() || env.Originator != s.cfg.Agency:
		return errs.E(errs.Conflict, "recordId", "only the originator grants onward dissemination")
	case rec.State != record.StateActive && rec.State != record.StateFlagged:
		return errs.E(errs.Conflict, "state", "the record is "+string(rec.State)+": nothing to grant")
	case !env.Handling.Has(policy.H2) || slices.Contains(env.OnwardGrants, r.Recipient):
		return nil // nothing restricts the recipient, or already granted
	case len(env.OnwardGrants) >= policy.MaxOnwardGrants:
		return errs.E(errs.Conflict, "envelope.onwardGrants", fmt.Sprintf("the record already names %d onward grants", policy.MaxOnwardGrants))
	}
	env.OnwardGrants = append(slices.Clone(env.OnwardGrants), r.Recipient)
	d := record.Draft{Title: rec.Title, Narrative: rec.Narrative, Assessment: rec.Assessment, CaseRef: rec.CaseRef,
		Entities: rec.Entities, DataSubjects: rec.DataSubjects, Assessments: rec.Assessments, Attachments: rec.Attachments,
		Envelope: env, Version: rec.Version}
	_, err = s.records.Update(ctx, r.RecordID, d)
	return err
}

// grantedCopy records, inside tx, that the holder of request r is sent
// the current version of the record with the answer, and returns that
// copy.
func (s *Service) grantedCopy(ctx context.Context, tx *db.Tx, r *Request, to policy.Partner, msgID uuid.UUID) ([]byte, error) {
	h, err := loadHolder(ctx, tx, r.RecordID, r.Holder)
	if err != nil {
		return nil, err
	}
	u, err := s.records.UpdateForHolder(ctx, tx, record.HolderRef{RecordID: r.RecordID, To: to, Purpose: h.purpose,
		CaseRef: h.caseRef, Sent: h.sentVersion, Message: msgID.String()})
	if err != nil {
		return nil, err
	}
	switch u.Kind {
	case "":
		return nil, nil // the holder has the current version already
	case record.ReceivedCopy:
	default:
		return nil, errs.E(errs.Conflict, "recordId", "the holder may no longer have the record ("+u.Decision.Rule+"): deny the request")
	}
	if err := h.sent(ctx, tx, u.Version, string(u.Kind), msgID, s.now()); err != nil {
		return nil, err
	}
	return u.Document, nil
}

// receiveAnswer handles the originator's answer to a request this node
// sent; a grant's copy is applied with it.
func (s *Service) receiveAnswer(ctx context.Context, tx *db.Tx, m *federation.Inbound) error {
	var a answerPayload
	if err := federation.DecodePayload(m.Payload, envelope.MaxPayload, &a); err != nil {
		return err
	}
	if !ids.Valid(a.ID) || !ids.Valid(a.RecordID) {
		return errs.E(errs.Invalid, "id", "request and record ids are UUIDs")
	}
	if err := checkReason("reason", a.Reason); err != nil {
		return err
	}
	var origin, recordID, state, recipient string
	err := tx.QueryRowContext(ctx, `SELECT originator, record_id, state, recipient FROM disclosure_requests WHERE id = ? AND direction = ?`,
		a.ID, DirectionOut).Scan(&origin, &recordID, &state, &recipient)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (origin != m.Sender || recordID != a.RecordID) {
		return errs.E(errs.NotExist, "id", "this node sent you no such permission request")
	}
	if err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	if state != StatePending {
		return errs.E(errs.Conflict, "id", "the request was already answered")
	}
	state, reason := StateDenied, "permission-answer from "+m.Sender+": denied onward to "+recipient
	if a.Grant {
		state, reason = StateGranted, "permission-answer from "+m.Sender+": granted onward to "+recipient
		if len(a.Copy) > 0 {
			r, err := s.records.ApplyReceivedIn(ctx, tx, record.Received{Kind: record.ReceivedCopy, Document: a.Copy, Message: m.ID.String()})
			if err != nil {
				return err
			}
			if r.ID != a.RecordID {
				return errs.E(errs.Invalid, "copy", "the copy is of another record")
			}
			if err := s.markDownstream(ctx, tx, r.ID, m.Sender); err != nil {
				return err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE disclosure_requests SET state = ?, answer = ?, answered_by = ?, answered_at = ?
		WHERE id = ? AND direction = ?`, state, a.Reason, m.Officer, micros(s.now()), a.ID, DirectionOut); err != nil {
		return fmt.Errorf("record answer: %w", err)
	}
	return s.audit.Append(ctx, tx, collectEvent(ctx, a.RecordID, m.ID, reason))
}

// maxRequestsPage bounds one Requests call.
const maxRequestsPage = 1000

// RequestFilter selects permission requests.
type RequestFilter struct {
	Direction string // DirectionIn, DirectionOut or "" for both
	State     string // a state, or "" for all
	Before    *RequestCursor
	Limit     int
}

// RequestCursor is a position in the list of requests, newest first.
type RequestCursor struct {
	Created int64  `json:"c"`
	ID      string `json:"i"`
}

// Requests lists permission requests, newest first. They name records,
// agencies and purposes, never personal data.
func (s *Service) Requests(ctx context.Context, f RequestFilter) ([]Request, error) {
	if f.Direction != "" && f.Direction != DirectionIn && f.Direction != DirectionOut {
		return nil, errs.E(errs.Invalid, "direction", "in or out")
	}
	if f.State != "" && !slices.Contains([]string{StatePending, StateGranted, StateDenied, StateFailed}, f.State) {
		return nil, errs.E(errs.Invalid, "state", "pending, granted, denied or failed")
	}
	f.Limit = min(max(f.Limit, 1), maxRequestsPage)
	q := `SELECT ` + requestColumns + ` FROM disclosure_requests WHERE 1 = 1`
	var args []any
	if f.Direction != "" {
		q += ` AND direction = ?`
		args = append(args, f.Direction)
	}
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, f.State)
	}
	if f.Before != nil {
		q += ` AND (created_at < ? OR created_at = ? AND id < ?)`
		args = append(args, f.Before.Created, f.Before.Created, f.Before.ID)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	defer rows.Close()
	out := []Request{}
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

const requestColumns = `id, direction, record_id, holder, originator, recipient, purpose, reason, officer, state, answer,
	answered_by, message_id, delivery, last_error, created_at, answered_at`

type scanner interface{ Scan(...any) error }

func scanRequest(row scanner) (*Request, error) {
	var r Request
	var purpose string
	var created, answered int64
	if err := row.Scan(&r.ID, &r.Direction, &r.RecordID, &r.Holder, &r.Originator, &r.Recipient, &purpose, &r.Reason, &r.Officer,
		&r.State, &r.Answer, &r.AnsweredBy, &r.MessageID, &r.Delivery, &r.LastError, &created, &answered); err != nil {
		return nil, err
	}
	r.Purpose, r.CreatedAt, r.AnsweredAt = policy.Purpose(purpose), fromMicros(created), fromMicros(answered)
	return &r, nil
}

// request reads one request.
func (s *Service) request(ctx context.Context, id, direction string) (*Request, error) {
	if !ids.Valid(id) {
		return nil, errs.E(errs.NotExist, "id", "no such request")
	}
	r, err := scanRequest(s.db.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM disclosure_requests WHERE id = ? AND direction = ?`, id, direction))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "id", "no such request")
	}
	if err != nil {
		return nil, fmt.Errorf("read request: %w", err)
	}
	return r, nil
}
