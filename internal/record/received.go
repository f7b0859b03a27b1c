package record

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/policy"
)

// DiscloseCopy decides whether the calling officer may send record id to
// partner to for purpose (in the case context of the request's
// justification), and if so returns the document of the recipient's copy:
// the record with the envelope the copy must carry
// ([policy.Decider.RecipientEnvelope]) and without this node's user ids.
// It records a disclose event naming the recipient and the rule, allowed
// or denied. Federation sends the document and then records the delivery
// with [SetHolder]. to must come from the partner registry, never from
// request input. [Service.DiscloseCopyIn] does the same inside the
// caller's transaction.
func (s *Service) DiscloseCopy(ctx context.Context, id string, to policy.Partner, purpose policy.Purpose) ([]byte, policy.Decision, error) {
	var out Disclosed
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.DiscloseCopyIn(ctx, tx, id, to, purpose, "")
		return err
	})
	if err != nil {
		return nil, out.Decision, err
	}
	if out.Refusal != nil {
		return nil, out.Decision, out.Refusal
	}
	return out.Document, out.Decision, nil
}

// Disclosed is the outcome of [Service.DiscloseCopyIn].
type Disclosed struct {
	// Document is the recipient's copy (a Record in JSON); nil when the
	// disclosure was refused.
	Document []byte
	// Version is the version of the record disclosed, or refused.
	Version int
	// Envelope is the record's envelope as held here; zero when the
	// caller may not read the record.
	Envelope policy.Envelope
	Decision policy.Decision
	// Refusal is set when the disclosure was refused: the error to report
	// (errs.Withheld for a record the caller may not read, so that its
	// existence is not revealed; otherwise the decision's error). The
	// refusal's denied audit event was appended in the transaction, which
	// the caller should commit so that the refusal stays on record.
	Refusal error
}

// DiscloseCopyIn is DiscloseCopy inside the caller's transaction, so that
// the disclosure and the message that carries the copy (federation's
// outbox entry) commit together or not at all. message, when not empty,
// is the id of that message: the disclose event names it, as the
// recipient's collect event will. A refusal is not an error: see
// [Disclosed.Refusal]. An error means tx must roll back.
func (s *Service) DiscloseCopyIn(ctx context.Context, tx *db.Tx, id string, to policy.Partner, purpose policy.Purpose, message string) (Disclosed, error) {
	now := s.now()
	sc, _, err := s.scope(ctx, now)
	if err != nil {
		return Disclosed{}, err
	}
	st, d, err := readable(ctx, tx, sc, id)
	if err != nil {
		return Disclosed{}, err
	}
	if !d.Allowed {
		return Disclosed{Decision: d, Refusal: withheld(d)}, s.denied(ctx, tx, audit.Disclose, id, d)
	}
	if st.rec.State != StateActive && st.rec.State != StateFlagged {
		return Disclosed{}, errs.E(errs.Conflict, "state", "a withdrawn record is not disclosed")
	}
	env := st.rec.Envelope
	out := Disclosed{Version: st.rec.Version, Envelope: env}
	out.Decision = s.decider.CanDiscloseInCase(s.cfg.Agency, env, to, purpose, access.JustificationFrom(ctx).CaseRef, now)
	e := event(ctx, audit.Disclose, &env, id)
	e.Recipients, e.Purpose, e.Reason = []string{to.Agency}, string(purpose), out.Decision.Rule
	if !out.Decision.Allowed {
		e.Outcome = audit.Denied
		out.Refusal = out.Decision.Err()
		return out, s.audit.Append(ctx, tx, e)
	}
	if out.Document, err = s.copyDocument(st.rec, to, now); err != nil {
		return Disclosed{}, err
	}
	e.Objects = append(e.Objects, messageRefs(message)...)
	return out, s.audit.Append(ctx, tx, e)
}

// copyDocument is the document of r as partner to receives it: the
// recipient's envelope, without this node's user ids and provenance.
func (s *Service) copyDocument(r Record, to policy.Partner, now time.Time) ([]byte, error) {
	cp, err := s.decider.RecipientEnvelope(r.Envelope, s.cfg.Agency, to, now)
	if err != nil {
		return nil, err
	}
	r.Envelope, r.CreatedBy, r.UpdatedBy, r.Provenance = cp, "", "", nil
	doc, err := json.Marshal(&r)
	if err != nil {
		return nil, fmt.Errorf("encode copy: %w", err)
	}
	return doc, nil
}

// messageRefs names the federation message an event concerns, if any.
func messageRefs(message string) []audit.Ref {
	if message == "" {
		return nil
	}
	return []audit.Ref{{Type: "message", ID: message}}
}

// ReceivedKind is what a partner sent about a record.
type ReceivedKind string

const (
	// ReceivedCopy is a copy of a record, new here or a newer version of
	// a copy held.
	ReceivedCopy ReceivedKind = "copy"
	// ReceivedWithdraw says the originator withdrew the record.
	ReceivedWithdraw ReceivedKind = "withdraw"
	// ReceivedErase says the originator erased the record: the copy must
	// go too.
	ReceivedErase ReceivedKind = "erase"
)

// Received is a message from a partner about a record, as federation
// passes it on after verifying the sender.
type Received struct {
	Kind ReceivedKind
	// Document is the copy (Kind copy): a Record in JSON as DiscloseCopy
	// produced it.
	Document []byte
	// RecordID and Version name the record and the originator's version
	// of a withdrawal or erasure.
	RecordID string
	Version  int
	// Message, when not empty, is the id of the federation message that
	// carried it: the audit event names it, as the sender's does.
	Message string
}

// ApplyReceived applies what partner node p (the principal in ctx, a
// partner) sent. A copy is validated like local input (FtM entities,
// markings, limits), must carry the originator's envelope with
// ReceivedFrom naming the sender, must be one this node may hold (TLP:RED
// recipient, not excluded by an H3 rule), and, when relayed by a holder
// other than the originator, may only narrow the envelope of the copy
// held. Versions not newer than the one held are ignored (the call is
// idempotent). Withdrawals and erasures are accepted from the originator
// or from the holder the copy came from, for a record held here: one for
// a record never held is refused (errs.NotExist). It records a collect,
// alter or erase event. [Service.ApplyReceivedIn] does the same inside
// the caller's transaction.
func (s *Service) ApplyReceived(ctx context.Context, in Received) (*Record, error) {
	var out *Record
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.ApplyReceivedIn(ctx, tx, in)
		return err
	})
	return out, err
}

// ApplyReceivedIn is ApplyReceived inside the caller's transaction: the
// one in which federation records the message that carried it, so that
// the message is accepted exactly when its content is applied. On an
// error tx must roll back; nothing was applied.
func (s *Service) ApplyReceivedIn(ctx context.Context, tx *db.Tx, in Received) (*Record, error) {
	p, ok := access.From(ctx)
	if !ok || !p.Partner || !policy.ValidAgencyID(p.Agency) || p.Agency == s.cfg.Agency {
		return nil, errs.E(errs.Permission, "only a partner node sends records")
	}
	switch in.Kind {
	case ReceivedCopy:
		return s.receiveCopy(ctx, tx, p, in)
	case ReceivedWithdraw, ReceivedErase:
		return nil, s.receiveTombstone(ctx, tx, p, in)
	}
	return nil, errs.E(errs.Invalid, "kind", "unknown kind of received message")
}

// wireRecord is Record as it arrives, with the entities still raw.
type wireRecord struct {
	wireDraft
	ID         string          `json:"id"`
	State      State           `json:"state"`
	CreatedBy  string          `json:"createdBy"`
	UpdatedBy  string          `json:"updatedBy"`
	CreatedAt  time.Time       `json:"createdAt"`
	UpdatedAt  time.Time       `json:"updatedAt"`
	Provenance json.RawMessage `json:"provenance"`
}

// decodeCopy decodes and checks a received copy's document.
func (s *Service) decodeCopy(doc []byte) (*Record, error) {
	lim := s.cfg.Limits
	if len(doc) > lim.MaxRecordBytes {
		return nil, errs.E(errs.TooLarge, "record", fmt.Sprintf("record larger than %d bytes", lim.MaxRecordBytes))
	}
	var w wireRecord
	if err := decodeStrict(doc, &w); err != nil {
		return nil, err
	}
	if !ids.Valid(w.ID) {
		return nil, errs.E(errs.Invalid, "id", "a record id is a UUID")
	}
	if w.Version <= 0 {
		return nil, errs.E(errs.Invalid, "version", "version must be positive")
	}
	if len(w.Entities) > lim.MaxEntities {
		return nil, errs.E(errs.TooLarge, "entities", fmt.Sprintf("more than %d entities", lim.MaxEntities))
	}
	ents, _, err := decodeEntities(w.Entities, lim.Decode, false)
	if err != nil {
		return nil, err
	}
	d := Draft{Title: w.Title, Narrative: w.Narrative, Assessment: w.Assessment, CaseRef: w.CaseRef, Entities: ents,
		DataSubjects: w.DataSubjects, Assessments: w.Assessments, Attachments: w.Attachments}
	if err := d.check(lim); err != nil {
		return nil, err
	}
	return &Record{ID: w.ID, Version: w.Version, State: StateActive, Title: d.Title, Narrative: d.Narrative,
		Assessment: d.Assessment, Entities: d.Entities, DataSubjects: d.DataSubjects, Assessments: d.Assessments,
		Attachments: d.Attachments, Envelope: w.Envelope, CreatedAt: micro(w.CreatedAt)}, nil
}

// holdable decides whether this node may hold a copy with envelope env at
// all: the read decision of an officer who may read any case, so that
// TLP:RED recipients, not-to-country and not-to-agency rules and
// provenance are checked, but not the caller's case or role.
func (s *Service) holdable(env policy.Envelope, now time.Time) policy.Decision {
	dpo := access.Principal{Role: access.DPO, Agency: s.cfg.Agency, Country: s.cfg.Country, Exercise: env.Exercise}
	return s.decider.ReadScope(dpo, s.cfg.Agency, "", now).Decide(env)
}

func (s *Service) receiveCopy(ctx context.Context, tx *db.Tx, p access.Principal, in Received) (*Record, error) {
	now := s.now()
	r, err := s.decodeCopy(in.Document)
	if err != nil {
		return nil, err
	}
	env := &r.Envelope
	env.ReviewDate = micro(env.ReviewDate)
	if err := env.Validate(now); err != nil {
		return nil, err
	}
	switch {
	case env.ReceivedFrom != p.Agency:
		return nil, errs.E(errs.Invalid, "envelope.receivedFrom", "a copy names the agency that sent it")
	case env.Originator == s.cfg.Agency:
		return nil, errs.E(errs.Conflict, "envelope.originator", "this node is the record's originator")
	case env.Exercise != p.Exercise:
		return nil, errs.E(errs.Invalid, "envelope.exercise", "exercise data travels only through exercise channels, and real data never does")
	}
	if d := s.holdable(*env, now); !d.Allowed {
		return nil, errs.E(errs.Permission, "envelope", d.Reason)
	}
	r.CaseRef = "" // the holder's case is not the originator's: it starts empty
	r.Provenance = &Provenance{From: p.Agency, OriginVersion: r.Version, ReceivedAt: micro(now)}
	r.UpdatedAt = micro(now)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = r.UpdatedAt
	}
	st, err := loadRecord(ctx, tx, r.ID)
	if errs.Is(err, errs.NotExist) {
		x, err := buildIndex(r)
		if err != nil {
			return nil, err
		}
		rid, err := insertRecord(ctx, tx, r, ChangeReceive, x)
		if err != nil {
			return nil, err
		}
		if err := insertIndexes(ctx, tx, []indexed{{rid, x}}); err != nil {
			return nil, err
		}
		changes := []ChangeEntry{{RecordID: r.ID, Version: r.Version, Change: ChangeReceive, Originator: env.Originator}}
		if err := appendChanges(ctx, tx, now, changes); err != nil {
			return nil, err
		}
		s.notify(tx, changes...)
		e := event(ctx, audit.Collect, env, r.ID)
		e.Objects = append(e.Objects, messageRefs(in.Message)...)
		e.Reason = "received"
		return r, s.audit.Append(ctx, tx, e)
	}
	if err != nil {
		return nil, err
	}
	if err := s.checkHeldCopy(st, env.Originator, p.Agency); err != nil {
		return nil, err
	}
	if r.Version <= st.rec.Version {
		return &st.rec, nil // already held: nothing to do
	}
	if p.Agency != env.Originator {
		if err := policy.NotWider(*env, st.rec.Envelope); err != nil {
			return nil, err
		}
	}
	r.CaseRef = st.rec.CaseRef
	r.CreatedAt = st.rec.CreatedAt
	if err := s.replace(ctx, tx, st, r, ChangeReceive, now); err != nil {
		return nil, err
	}
	e := event(ctx, audit.Alter, env, r.ID)
	e.Objects = append(e.Objects, messageRefs(in.Message)...)
	e.Reason = "received"
	return r, s.audit.Append(ctx, tx, e)
}

// checkHeldCopy checks that a stored record is a live copy from the same
// originator that agency may change.
func (s *Service) checkHeldCopy(st *stored, originator, agency string) error {
	switch {
	case st.rec.State == StateErased:
		return errs.E(errs.Conflict, "id", "the copy held here was erased")
	case !st.rec.Envelope.IsCopy() || st.rec.Envelope.Originator != originator:
		return errs.E(errs.Conflict, "id", "a different record with this id is held here")
	case agency != st.rec.Envelope.Originator && agency != st.rec.Envelope.ReceivedFrom:
		return errs.E(errs.Permission, "id", "only the originator or the agency the copy came from changes it")
	case st.rec.State == StateWithdrawn:
		return errs.E(errs.Conflict, "state", "the record was withdrawn")
	}
	return nil
}

func (s *Service) receiveTombstone(ctx context.Context, tx *db.Tx, p access.Principal, in Received) error {
	if !ids.Valid(in.RecordID) {
		return errs.E(errs.Invalid, "id", "a record id is a UUID")
	}
	now := s.now()
	st, err := loadRecord(ctx, tx, in.RecordID)
	if errs.Is(err, errs.NotExist) {
		return errs.E(errs.NotExist, "id", "no copy of this record is held here")
	}
	if err != nil {
		return err
	}
	if st.rec.State == StateErased {
		return nil // already erased
	}
	if in.Kind == ReceivedWithdraw && st.rec.State == StateWithdrawn {
		return nil
	}
	if !st.rec.Envelope.IsCopy() {
		return errs.E(errs.Conflict, "id", "this node is the record's originator")
	}
	if p.Agency != st.rec.Envelope.Originator && p.Agency != st.rec.Envelope.ReceivedFrom {
		return errs.E(errs.Permission, "id", "only the originator or the agency the copy came from withdraws or erases it")
	}
	if in.Kind == ReceivedErase {
		if err := s.erase(ctx, tx, st, now); err != nil {
			return err
		}
		e := event(ctx, audit.Erase, &st.rec.Envelope, in.RecordID)
		e.Objects = append(e.Objects, messageRefs(in.Message)...)
		e.Reason = "received"
		return s.audit.Append(ctx, tx, e)
	}
	r := st.rec
	r.Version, r.State, r.UpdatedBy, r.UpdatedAt = max(in.Version, r.Version+1), StateWithdrawn, "", micro(now)
	if r.Provenance != nil {
		r.Provenance.OriginVersion = max(in.Version, r.Provenance.OriginVersion)
	}
	if err := s.replace(ctx, tx, st, &r, ChangeWithdraw, now); err != nil {
		return err
	}
	e := event(ctx, audit.Alter, &r.Envelope, in.RecordID)
	e.Objects = append(e.Objects, messageRefs(in.Message)...)
	e.Reason = "received-withdraw"
	return s.audit.Append(ctx, tx, e)
}
