package disclosure

import (
	"context"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// ShareRequest asks to send a copy of a record to partners.
type ShareRequest struct {
	To            []string       `json:"to" doc:"partner agency ids"`
	Purpose       policy.Purpose `json:"purpose" doc:"purpose of the disclosure, from the policy vocabulary"`
	Justification string         `json:"justification,omitempty" doc:"why the record is disclosed (or send Liaison-Justification)"`
	// RequestPermission asks the originator for permission when a
	// partner is refused only because the record is H2.
	RequestPermission bool   `json:"requestPermission,omitempty" doc:"when an H2 copy may not go onward, ask its originator for permission"`
	Reason            string `json:"reason,omitempty" doc:"for a permission request: why the recipient needs the record (no personal data)"`
}

// Outcomes of a share, per partner.
const (
	OutcomeQueued    = "queued"               // the copy is on its way
	OutcomeRefused   = "refused"              // policy or the partner's state refused it (see Rule, Reason)
	OutcomeRequested = "permission-requested" // refused under H2; the originator was asked
)

// ShareOutcome is what became of one partner of a share.
type ShareOutcome struct {
	Partner   string `json:"partner"`
	Outcome   string `json:"outcome" doc:"queued, refused or permission-requested"`
	Rule      string `json:"rule,omitempty" doc:"the policy rule that decided"`
	Reason    string `json:"reason,omitempty"`
	Version   int    `json:"version,omitempty" doc:"the version sent"`
	MessageID string `json:"messageId,omitempty" doc:"the federation message carrying the copy (or the permission request)"`
	RequestID string `json:"requestId,omitempty" doc:"the permission request, when one was sent"`

	err error // the refusal, for single-partner callers
}

// ShareResult is the answer to a share.
type ShareResult struct {
	RecordID string         `json:"recordId"`
	Outcomes []ShareOutcome `json:"outcomes"`
}

// checkShare validates a share request's partners and purpose.
func checkShare(req *ShareRequest) error {
	if len(req.To) == 0 {
		return errs.E(errs.Invalid, "to", "name at least one partner")
	}
	if len(req.To) > MaxPartners {
		return errs.E(errs.Invalid, "to", fmt.Sprintf("at most %d partners per share", MaxPartners))
	}
	for i, a := range req.To {
		if !policy.ValidAgencyID(a) {
			return errs.E(errs.Invalid, fmt.Sprintf("to[%d]", i), "not a valid agency id")
		}
		if slices.Contains(req.To[:i], a) {
			return errs.E(errs.Invalid, fmt.Sprintf("to[%d]", i), a+" appears twice")
		}
	}
	if !req.Purpose.Valid() {
		_, err := policy.ParsePurpose(string(req.Purpose))
		return err
	}
	return checkReason("reason", req.Reason)
}

// checkReason bounds a free-text reason that travels to a partner.
func checkReason(field, s string) error {
	if len(s) > MaxReasonLen || !utf8.ValidString(s) {
		return errs.E(errs.Invalid, field, fmt.Sprintf("at most %d bytes of UTF-8", MaxReasonLen))
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' || r == 0x7f {
			return errs.E(errs.Invalid, field, "control characters are not allowed")
		}
	}
	return nil
}

// Share sends a copy of record id to each partner in req.To for
// req.Purpose, on behalf of the officer in ctx, whose justification's case
// is the case context of the policy decision. Each partner is decided and
// queued in its own transaction: a refusal for one (recorded as a denied
// disclose event) does not hold up the others. A record the officer may
// not read is reported as errs.Withheld, whatever the partners.
func (s *Service) Share(ctx context.Context, id string, req ShareRequest) (*ShareResult, error) {
	if err := checkShare(&req); err != nil {
		return nil, err
	}
	officer, ok := access.From(ctx)
	if !ok || officer.Partner {
		return nil, errs.E(errs.Unauthorized, "an officer shares records")
	}
	if !officer.Is(shareRoles...) {
		return nil, errs.E(errs.Permission, "your role "+string(officer.Role)+" may not share records")
	}
	res := &ShareResult{RecordID: id}
	for _, agency := range req.To {
		out, err := s.shareWith(ctx, id, agency, req, officer)
		if err != nil {
			return nil, err
		}
		res.Outcomes = append(res.Outcomes, out)
	}
	return res, nil
}

// Portal adapts the service to the officer portal (web.RecordSharing),
// which shares with one partner at a time.
type Portal struct{ *Service }

// Share implements web.RecordSharing: it sends a copy of record recordID
// to partner. A refusal is returned as an error carrying the policy's
// reason.
func (p Portal) Share(ctx context.Context, recordID, partner string, purpose policy.Purpose) error {
	res, err := p.Service.Share(ctx, recordID, ShareRequest{To: []string{partner}, Purpose: purpose})
	if err != nil {
		return err
	}
	return res.Outcomes[0].err
}

func refused(agency, rule, reason string, err error) ShareOutcome {
	return ShareOutcome{Partner: agency, Outcome: OutcomeRefused, Rule: rule, Reason: reason, err: err}
}

// shareWith decides and queues the copy for one partner.
func (s *Service) shareWith(ctx context.Context, id, agency string, req ShareRequest, officer access.Principal) (ShareOutcome, error) {
	to, fp, err := s.partner(ctx, agency)
	if errs.Is(err, errs.NotExist) {
		return refused(agency, "", agency+" is not a partner", errs.E(errs.NotExist, "to", agency+" is not a partner")), nil
	}
	if err != nil {
		return ShareOutcome{}, err
	}
	if fp.State != federation.StateActive {
		msg := "partner " + agency + " is " + fp.State
		return refused(agency, "", msg, errs.E(errs.Precondition, "to", msg)), nil
	}
	msgID, err := newMessageID()
	if err != nil {
		return ShareOutcome{}, err
	}
	var (
		out     ShareOutcome
		refusal error
	)
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		d, err := s.records.DiscloseCopyIn(ctx, tx, id, to, req.Purpose, msgID.String())
		if err != nil {
			return err
		}
		if d.Refusal != nil {
			if d.Envelope.Originator == "" {
				refusal = d.Refusal // the officer may not read the record
				return nil
			}
			if d.Decision.Rule == policy.RuleH2OnwardWithoutGrant && req.RequestPermission {
				out, err = s.requestPermission(ctx, tx, id, d, to, req, officer)
				return err
			}
			out = refused(agency, d.Decision.Rule, d.Decision.Reason, d.Refusal)
			return nil
		}
		if _, err := s.fed.Send(ctx, tx, federation.Outbound{ID: msgID, Type: envelope.TypeRecordShare, To: []string{agency},
			Handling: d.Envelope.Handling.Codes(), TLP: string(d.Envelope.TLP), Officer: officer.UserID, Payload: d.Document}); err != nil {
			return err
		}
		now := micros(s.now())
		_, err = tx.ExecContext(ctx, `INSERT INTO disclosure_holders (record_id, agency, purpose, case_ref, sent_version, sent_kind,
			message_id, delivery, acked_version, acked_kind, due, last_error, shared_at, sent_at, acked_at, retry_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, '', ?, '', ?, ?, 0, 0)
			ON CONFLICT (record_id, agency) DO UPDATE SET purpose = excluded.purpose, case_ref = excluded.case_ref,
				sent_version = excluded.sent_version, sent_kind = excluded.sent_kind, message_id = excluded.message_id,
				delivery = excluded.delivery, due = excluded.due, last_error = '', shared_at = excluded.shared_at,
				sent_at = excluded.sent_at, retry_at = 0`,
			id, agency, string(req.Purpose), access.JustificationFrom(ctx).CaseRef, d.Version, string(record.ReceivedCopy),
			msgID.String(), federation.DeliveryQueued, false, now, now)
		if err != nil {
			return fmt.Errorf("record holder: %w", err)
		}
		out = ShareOutcome{Partner: agency, Outcome: OutcomeQueued, Rule: d.Decision.Rule, Version: d.Version, MessageID: msgID.String()}
		return nil
	})
	if err != nil {
		return ShareOutcome{}, err
	}
	if refusal != nil {
		return ShareOutcome{}, refusal
	}
	if out.Outcome == OutcomeQueued {
		s.wake()
	}
	return out, nil
}

// Holder is a partner holding a copy of a record this node sent it, as
// [Service.Holders] lists it.
type Holder struct {
	Agency string `json:"agency"`
	// Version and Kind are what the holder acknowledged: its copy is at
	// Version, withdrawn, or erased (Kind copy, withdraw or erase).
	Version int    `json:"version" doc:"the version the holder acknowledged; 0 before the first delivery"`
	Kind    string `json:"kind,omitempty" doc:"what the holder acknowledged last: copy, withdraw or erase"`
	// SentVersion and SentKind are the last message sent, in state
	// Delivery.
	SentVersion int    `json:"sentVersion"`
	SentKind    string `json:"sentKind" doc:"copy, withdraw or erase"`
	Delivery    string `json:"delivery" doc:"queued, delivered or failed: the last message sent"`
	MessageID   string `json:"messageId"`
	// Outdated is set while a change of the record waits to be sent.
	Outdated  bool           `json:"outdated" doc:"the record changed and the holder is yet to be sent the change"`
	LastError string         `json:"lastError,omitempty"`
	Purpose   policy.Purpose `json:"purpose"`
	SharedAt  time.Time      `json:"sharedAt"`
	SentAt    time.Time      `json:"sentAt"`
	AckedAt   time.Time      `json:"ackedAt,omitzero"`
}

// Holders returns the partners this node sent a copy of record id,
// acknowledged or not. The caller must be allowed to read the record: it
// is a consultation of the record (audited by the records capability).
func (s *Service) Holders(ctx context.Context, id string) ([]Holder, error) {
	if _, _, err := s.records.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT agency, acked_version, acked_kind, sent_version, sent_kind, delivery, message_id,
		due, last_error, purpose, shared_at, sent_at, acked_at FROM disclosure_holders WHERE record_id = ? ORDER BY agency`, id)
	if err != nil {
		return nil, fmt.Errorf("read holders: %w", err)
	}
	defer rows.Close()
	out := []Holder{}
	for rows.Next() {
		var h Holder
		var purpose string
		var shared, sent, acked int64
		if err := rows.Scan(&h.Agency, &h.Version, &h.Kind, &h.SentVersion, &h.SentKind, &h.Delivery, &h.MessageID,
			&h.Outdated, &h.LastError, &purpose, &shared, &sent, &acked); err != nil {
			return nil, fmt.Errorf("read holders: %w", err)
		}
		h.Purpose, h.SharedAt, h.SentAt, h.AckedAt = policy.Purpose(purpose), fromMicros(shared), fromMicros(sent), fromMicros(acked)
		out = append(out, h)
	}
	return out, rows.Err()
}

// disclosureEvent is the disclose event of a message about record id sent
// to agency.
func disclosureEvent(ctx context.Context, id, agency string, message uuid.UUID, purpose policy.Purpose, reason string) audit.Event {
	e := audit.New(ctx, audit.Disclose, audit.Ref{Type: "record", ID: id}, audit.Ref{Type: "message", ID: message.String()})
	e.Recipients, e.Purpose, e.Reason = []string{agency}, string(purpose), truncate(reason, audit.MaxTextLen)
	return e
}
