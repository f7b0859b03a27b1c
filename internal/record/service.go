package record

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/policy"
)

// PersonalHasher returns the keyed hash of a personal value, for audit
// events that must name a searched value without holding it.
// *audit.Log implements it.
type PersonalHasher interface {
	HashPersonal(kind, value string) string
}

// Deps are the collaborators of a [Service].
type Deps struct {
	DB      *db.DB
	Audit   audit.Appender
	Hasher  PersonalHasher
	Decider *policy.Decider
	Log     *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Hook, optional, is told about committed changes (federation).
	Hook ChangeHook
}

// Service is the records capability. It is safe for concurrent use.
type Service struct {
	cfg     Config
	db      *db.DB
	audit   audit.Appender
	hasher  PersonalHasher
	decider *policy.Decider
	log     *slog.Logger
	now     func() time.Time
	hook    ChangeHook
	excl    *exclusionSet
	envs    envelopeCache
}

// Roles that change records. Reading is policy.ReadRoles.
var (
	writeRoles  = []access.Role{access.SPOC, access.Investigator, access.Analyst}
	reviewRoles = []access.Role{access.SPOC}
	eraseRoles  = []access.Role{access.SPOC, access.DPO}
)

// New returns the records service.
func New(cfg Config, deps Deps) (*Service, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if deps.DB == nil || deps.Audit == nil || deps.Hasher == nil || deps.Decider == nil {
		return nil, fmt.Errorf("record: DB, Audit, Hasher and Decider are required")
	}
	excl, err := cfg.Exclusions.compile()
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, db: deps.DB, audit: deps.Audit, hasher: deps.Hasher, decider: deps.Decider,
		log: deps.Log, now: deps.Now, hook: deps.Hook, excl: excl}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// officer returns the calling officer, checking role and justification.
// Partner nodes never act through these paths.
func officer(ctx context.Context, roles []access.Role) (access.Principal, error) {
	p, ok := access.From(ctx)
	if !ok {
		return p, errs.E(errs.Unauthorized, "no authenticated caller")
	}
	if p.Partner {
		return p, errs.E(errs.Permission, "partner nodes reach records through federation only")
	}
	if !slices.Contains(roles, p.Role) {
		return p, errs.E(errs.Permission, "your role "+string(p.Role)+" may not do this")
	}
	if access.JustificationFrom(ctx).Empty() {
		return p, errs.E(errs.Precondition, "justification",
			"a justification or case reference is required to process personal data")
	}
	return p, nil
}

// scope returns the caller's read scope at now, or the error that says why
// the caller reads nothing.
func (s *Service) scope(ctx context.Context, now time.Time) (policy.ReadScope, access.Principal, error) {
	p, err := officer(ctx, policy.ReadRoles())
	if err != nil {
		return policy.ReadScope{}, p, err
	}
	sc := s.decider.ReadScope(p, s.cfg.Agency, access.JustificationFrom(ctx).CaseRef, now)
	if d, denied := sc.Denied(); denied {
		if d.Rule == policy.RuleCaseRefInvalid {
			return sc, p, errs.E(errs.Invalid, "Liaison-Case", d.Reason)
		}
		return sc, p, errs.E(errs.Permission, d.Reason)
	}
	return sc, p, nil
}

// event returns an audit event of kind k about records ids, carrying the
// envelope's purpose and legal basis when one is given.
func event(ctx context.Context, k audit.Kind, env *policy.Envelope, ids ...string) audit.Event {
	refs := make([]audit.Ref, len(ids))
	for i, id := range ids {
		refs[i] = audit.Ref{Type: "record", ID: id}
	}
	e := audit.New(ctx, k, refs...)
	if env != nil {
		e.Purpose, e.LegalBasis = string(env.Purpose), env.LegalBasis
	}
	return e
}

// appendChunked appends e once per chunk of at most audit.MaxObjects
// objects (one event when there are none).
func (s *Service) appendChunked(ctx context.Context, tx *db.Tx, e audit.Event) error {
	objs := e.Objects
	for {
		e.Objects = objs[:min(len(objs), audit.MaxObjects)]
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		objs = objs[len(e.Objects):]
		if len(objs) == 0 {
			return nil
		}
	}
}

func checkRecordID(id string) error {
	if !ids.Valid(id) {
		return errs.E(errs.NotExist, "id", "no such record")
	}
	return nil
}

// micro truncates t to the microseconds the database stores.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// newEnvelope completes and validates the envelope of a record created on
// this node by p: this agency originates it, and a missing review date
// takes the default for the record's data subjects.
func (s *Service) newEnvelope(env policy.Envelope, p access.Principal, subjects map[string]policy.DataSubjectCategory, now time.Time) (policy.Envelope, error) {
	if env.Originator == "" {
		env.Originator = s.cfg.Agency
	}
	if env.OriginatorCountry == "" {
		env.OriginatorCountry = s.cfg.Country
	}
	if env.Originator != s.cfg.Agency || env.OriginatorCountry != s.cfg.Country {
		return env, errs.E(errs.Invalid, "envelope.originator", "records created on this node originate from "+s.cfg.Agency)
	}
	if env.ReceivedFrom != "" {
		return env, errs.E(errs.Invalid, "envelope.receivedFrom", "a record created on this node is not a received copy")
	}
	if env.Exercise != p.Exercise {
		return env, errs.E(errs.Invalid, "envelope.exercise",
			"exercise data is created only inside an exercise, and real data only outside one")
	}
	if env.ReviewDate.IsZero() {
		d, err := s.defaultReviewDate(subjects, now)
		if err != nil {
			return env, err
		}
		env.ReviewDate = d
	}
	env.ReviewDate = micro(env.ReviewDate)
	if err := env.Validate(now); err != nil {
		return env, err
	}
	return env, nil
}

// reviewPeriod returns the review period of a record about the given data
// subjects: the shortest of their categories' periods (the
// shortest-lived category decides), or the period of "other" for a
// record about no person.
func (s *Service) reviewPeriod(subjects map[string]policy.DataSubjectCategory, now time.Time) (policy.Period, error) {
	cats := []policy.DataSubjectCategory{policy.CategoryOther}
	if len(subjects) > 0 {
		cats = cats[:0]
		for _, c := range subjects {
			cats = append(cats, c)
		}
	}
	var best policy.Period
	var bestDate time.Time
	for _, c := range cats {
		p, err := s.cfg.ReviewDefaults.For(c)
		if err != nil {
			return policy.Period{}, err
		}
		if d := p.AddTo(now); bestDate.IsZero() || d.Before(bestDate) {
			best, bestDate = p, d
		}
	}
	return best, nil
}

func (s *Service) defaultReviewDate(subjects map[string]policy.DataSubjectCategory, now time.Time) (time.Time, error) {
	p, err := s.reviewPeriod(subjects, now)
	if err != nil {
		return time.Time{}, err
	}
	return p.AddTo(now), nil
}

// Create stores a new record from d, written by the calling officer, and
// records a collect event. The envelope's originator defaults to this
// node's agency (it may not name another) and a missing review date to
// the default for the record's data subjects.
func (s *Service) Create(ctx context.Context, d Draft) (*Record, error) {
	p, err := officer(ctx, writeRoles)
	if err != nil {
		return nil, err
	}
	if err := d.check(s.cfg.Limits); err != nil {
		return nil, err
	}
	now := s.now()
	env, err := s.newEnvelope(d.Envelope, p, d.DataSubjects, now)
	if err != nil {
		return nil, err
	}
	id := ids.New()
	r := &Record{
		ID: id, Version: 1, State: StateActive,
		Title: d.Title, Narrative: d.Narrative, Assessment: d.Assessment, CaseRef: d.CaseRef,
		Entities: d.Entities, DataSubjects: d.DataSubjects, Assessments: d.Assessments, Attachments: d.Attachments,
		Envelope: env, CreatedBy: p.UserID, UpdatedBy: p.UserID, CreatedAt: micro(now), UpdatedAt: micro(now),
	}
	if r.CaseRef == "" {
		r.CaseRef = env.CaseRef
	}
	x, err := buildIndex(r)
	if err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		rid, err := insertRecord(ctx, tx, r, ChangeCreate, x)
		if err != nil {
			return err
		}
		if err := insertIndexes(ctx, tx, []indexed{{rid, x}}); err != nil {
			return err
		}
		changes := []ChangeEntry{{RecordID: r.ID, Version: r.Version, Change: ChangeCreate, Originator: env.Originator}}
		if err := appendChanges(ctx, tx, now, changes); err != nil {
			return err
		}
		s.notify(tx, changes...)
		return s.audit.Append(ctx, tx, event(ctx, audit.Collect, &env, r.ID))
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// readable loads record id inside tx and decides whether the scope reads
// it. It returns errs.NotExist for a missing or erased record, and the
// denying decision (with a nil error) for one the caller may not read.
func readable(ctx context.Context, tx db.Querier, sc policy.ReadScope, id string) (*stored, policy.Decision, error) {
	if err := checkRecordID(id); err != nil {
		return nil, policy.Decision{}, err
	}
	st, err := loadRecord(ctx, tx, id)
	if err != nil {
		return nil, policy.Decision{}, err
	}
	if st.rec.State == StateErased {
		return nil, policy.Decision{}, errs.E(errs.NotExist, "id", "the record was erased")
	}
	return st, sc.Decide(st.rec.Envelope), nil
}

// withheld is the error for a record the caller may not read: to the
// client it is "no such record", so that existence is not revealed.
func withheld(d policy.Decision) error {
	return errs.E(errs.Withheld, "id", "no such record: "+d.Rule)
}

// denied appends the audit event of a refused access.
func (s *Service) denied(ctx context.Context, tx *db.Tx, k audit.Kind, id string, d policy.Decision) error {
	e := event(ctx, k, nil, id)
	e.Outcome, e.Reason = audit.Denied, d.Rule
	return s.audit.Append(ctx, tx, e)
}

// Get returns record id if the caller may read it, recording a consult
// event with the rule that allowed it. A record the caller may not read is
// reported as errs.Withheld (shown as 404) and its refusal is audited.
// Withdrawn records remain readable here, marked as such.
func (s *Service) Get(ctx context.Context, id string) (*Record, policy.Decision, error) {
	now := s.now()
	sc, _, err := s.scope(ctx, now)
	if err != nil {
		return nil, policy.Decision{}, err
	}
	var (
		rec *Record
		dec policy.Decision
	)
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		st, d, err := readable(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		dec = d
		if !d.Allowed {
			return s.denied(ctx, tx, audit.Consult, id, d)
		}
		rec = &st.rec
		e := event(ctx, audit.Consult, &st.rec.Envelope, id)
		e.Reason = d.Rule
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return nil, dec, err
	}
	if !dec.Allowed {
		return nil, dec, withheld(dec)
	}
	return rec, dec, nil
}

// Versions returns the history of record id, oldest first, the current
// version last, recording a consult event.
func (s *Service) Versions(ctx context.Context, id string) ([]VersionInfo, error) {
	now := s.now()
	sc, _, err := s.scope(ctx, now)
	if err != nil {
		return nil, err
	}
	var (
		out []VersionInfo
		dec policy.Decision
	)
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		st, d, err := readable(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if dec = d; !d.Allowed {
			return s.denied(ctx, tx, audit.Consult, id, d)
		}
		out, err = loadVersions(ctx, tx, st)
		if err != nil {
			return err
		}
		e := event(ctx, audit.Consult, &st.rec.Envelope, id)
		e.Reason = d.Rule
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	if !dec.Allowed {
		return nil, withheld(dec)
	}
	return out, nil
}

// loadVersions reads the history of a record and appends its current
// version.
func loadVersions(ctx context.Context, q db.Querier, st *stored) ([]VersionInfo, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, change, actor, at, document FROM record_versions WHERE rid = ? ORDER BY version`, st.rid)
	if err != nil {
		return nil, fmt.Errorf("read versions: %w", err)
	}
	defer rows.Close()
	var out []VersionInfo
	for rows.Next() {
		var (
			v      VersionInfo
			change string
			at     int64
			doc    string
		)
		if err := rows.Scan(&v.Version, &change, &v.Actor, &at, &doc); err != nil {
			return nil, fmt.Errorf("read versions: %w", err)
		}
		v.Change, v.At = Change(change), time.UnixMicro(at).UTC()
		var r Record
		if err := json.Unmarshal([]byte(doc), &r); err != nil {
			return nil, fmt.Errorf("read version %d: %w", v.Version, err)
		}
		v.Record = &r
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cur := st.rec
	return append(out, VersionInfo{Version: cur.Version, Change: st.change, Actor: cur.UpdatedBy, At: cur.UpdatedAt, Record: &cur}), nil
}

// ownRecord loads record id for a change by its originator: it must exist,
// be readable by the caller, belong to this agency (copies change only
// through federation) and not be withdrawn. Refusals that the caller may
// not learn about are audited as denied alterations.
func (s *Service) ownRecord(ctx context.Context, tx *db.Tx, sc policy.ReadScope, id string) (*stored, bool, error) {
	st, d, err := readable(ctx, tx, sc, id)
	if err != nil {
		return nil, false, err
	}
	if !d.Allowed {
		return nil, false, s.denied(ctx, tx, audit.Alter, id, d)
	}
	if st.rec.Envelope.IsCopy() || st.rec.Envelope.Originator != s.cfg.Agency {
		return nil, true, errs.E(errs.Permission, "id", "only the originator changes a record; a copy changes when the originator sends an update")
	}
	if st.rec.State == StateWithdrawn {
		return nil, true, errs.E(errs.Conflict, "state", "the record was withdrawn")
	}
	return st, true, nil
}

// Update replaces the content and envelope of the caller's agency's record
// id with d, as a new version; d.Version must be the current version. The
// previous version goes to the history. It records an alter event.
func (s *Service) Update(ctx context.Context, id string, d Draft) (*Record, error) {
	p, err := officer(ctx, writeRoles)
	if err != nil {
		return nil, err
	}
	if err := d.check(s.cfg.Limits); err != nil {
		return nil, err
	}
	if d.Version <= 0 {
		return nil, errs.E(errs.Invalid, "version", "the version being updated is required")
	}
	return s.changeOwn(ctx, id, ChangeUpdate, func(st *stored, now time.Time) (*Record, error) {
		if st.rec.Version != d.Version {
			return nil, errs.E(errs.Conflict, "version", fmt.Sprintf("the record is at version %d; reload it and apply your change again", st.rec.Version))
		}
		env, err := s.updatedEnvelope(d, st, p, now)
		if err != nil {
			return nil, err
		}
		r := &Record{
			ID: st.rec.ID, Version: st.rec.Version + 1, State: StateActive,
			Title: d.Title, Narrative: d.Narrative, Assessment: d.Assessment, CaseRef: d.CaseRef,
			Entities: d.Entities, DataSubjects: d.DataSubjects, Assessments: d.Assessments, Attachments: d.Attachments,
			Envelope: env, CreatedBy: st.rec.CreatedBy, UpdatedBy: p.UserID, CreatedAt: st.rec.CreatedAt, UpdatedAt: micro(now),
		}
		if r.CaseRef == "" {
			r.CaseRef = env.CaseRef
		}
		return r, nil
	})
}

// changeOwn runs a change of the caller's agency's record id (see
// ownRecord) in one write: next makes the record's next version from the
// stored one, which replaces it, and an alter event records the change.
func (s *Service) changeOwn(ctx context.Context, id string, change Change, next func(st *stored, now time.Time) (*Record, error)) (*Record, error) {
	now := s.now()
	sc, _, err := s.scope(ctx, now)
	if err != nil {
		return nil, err
	}
	var (
		rec     *Record
		visible bool
	)
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		st, ok, err := s.ownRecord(ctx, tx, sc, id)
		if visible = ok; err != nil || !ok {
			return err
		}
		r, err := next(st, now)
		if err != nil {
			return err
		}
		if err := s.replace(ctx, tx, st, r, change, now); err != nil {
			return err
		}
		rec = r
		e := event(ctx, audit.Alter, &r.Envelope, id)
		e.Reason = string(change)
		return s.audit.Append(ctx, tx, e)
	})
	if err == nil && !visible {
		return nil, errs.E(errs.Withheld, "id", "no such record")
	}
	return rec, err
}

// updatedEnvelope is the envelope of an update: without a review date the
// record keeps its own; an update may not push the date further than a
// review could (the default period for the data subjects, from now), so
// that editing a record never extends its retention unnoticed.
func (s *Service) updatedEnvelope(d Draft, st *stored, p access.Principal, now time.Time) (policy.Envelope, error) {
	env := d.Envelope
	if env.ReviewDate.IsZero() {
		env.ReviewDate = st.rec.Envelope.ReviewDate
	} else if micro(env.ReviewDate).After(st.rec.Envelope.ReviewDate) {
		period, err := s.reviewPeriod(d.DataSubjects, now)
		if err != nil {
			return env, err
		}
		if env.ReviewDate.After(period.AddTo(now)) {
			return env, errs.E(errs.Invalid, "envelope.reviewDate",
				"an update may set the review date at most "+period.String()+" ahead for this record's data subjects")
		}
	}
	if env.Exercise != st.rec.Envelope.Exercise {
		return env, errs.E(errs.Invalid, "envelope.exercise", "a record cannot move between exercise and real data")
	}
	return s.newEnvelope(env, p, d.DataSubjects, now)
}

// replace writes r as the new current version of the record stored as st:
// the old version to the history, the row and the search index rewritten,
// and a change-feed entry.
func (s *Service) replace(ctx context.Context, tx *db.Tx, st *stored, r *Record, change Change, now time.Time) error {
	x, err := buildIndex(r)
	if err != nil {
		return err
	}
	if len(x.body) > s.cfg.Limits.MaxRecordBytes {
		return errs.E(errs.TooLarge, "record", fmt.Sprintf("record larger than %d bytes", s.cfg.Limits.MaxRecordBytes))
	}
	if err := saveVersion(ctx, tx, st); err != nil {
		return err
	}
	if err := deleteIndex(ctx, tx, st.rid); err != nil {
		return err
	}
	if err := updateRecord(ctx, tx, st.rid, r, change, x); err != nil {
		return err
	}
	if r.State == StateActive || r.State == StateFlagged {
		if err := insertIndexes(ctx, tx, []indexed{{st.rid, x}}); err != nil {
			return err
		}
	}
	changes := []ChangeEntry{{RecordID: r.ID, Version: r.Version, Change: change, Originator: r.Envelope.Originator}}
	if err := appendChanges(ctx, tx, now, changes); err != nil {
		return err
	}
	s.notify(tx, changes...)
	return nil
}

// Withdraw withdraws the caller's agency's record id: a new version in
// state withdrawn, out of every search, lookup, correlation and export,
// kept for the history. Federation takes the withdrawal to every holder.
func (s *Service) Withdraw(ctx context.Context, id string) (*Record, error) {
	p, err := officer(ctx, writeRoles)
	if err != nil {
		return nil, err
	}
	return s.changeOwn(ctx, id, ChangeWithdraw, func(st *stored, now time.Time) (*Record, error) {
		r := st.rec
		r.Version, r.State, r.UpdatedBy, r.UpdatedAt = r.Version+1, StateWithdrawn, p.UserID, micro(now)
		return &r, nil
	})
}

// Review extends the review date of the caller's agency's record id to
// until (zero: the default period from now), with the justification the
// request carries, which must include a text. The new date must lie in the
// future and no further ahead than the default period for the record's
// data subjects. A flagged record becomes active again.
func (s *Service) Review(ctx context.Context, id string, until time.Time) (*Record, error) {
	p, err := officer(ctx, reviewRoles)
	if err != nil {
		return nil, err
	}
	if access.JustificationFrom(ctx).Text == "" {
		return nil, errs.E(errs.Precondition, "justification", "a review needs a justification text")
	}
	return s.changeOwn(ctx, id, ChangeReview, func(st *stored, now time.Time) (*Record, error) {
		period, err := s.reviewPeriod(st.rec.DataSubjects, now)
		if err != nil {
			return nil, err
		}
		limit := period.AddTo(now)
		if until.IsZero() {
			until = limit
		}
		if !until.After(now) {
			return nil, errs.E(errs.Invalid, "until", "the new review date must be in the future")
		}
		if until.After(limit) {
			return nil, errs.E(errs.Invalid, "until", "the new review date may be at most "+period.String()+" ahead for this record's data subjects")
		}
		r := st.rec
		r.Envelope.ReviewDate = micro(until)
		r.Version, r.State, r.UpdatedBy, r.UpdatedAt = r.Version+1, StateActive, p.UserID, micro(now)
		return &r, nil
	})
}

// Erase erases record id, an own record or a copy: its personal data goes
// from every table and index, every version included, and a tombstone
// (id, originator, time) remains. It records an erase event; federation
// takes the erasure to every holder of an own record.
func (s *Service) Erase(ctx context.Context, id string) error {
	if _, err := officer(ctx, eraseRoles); err != nil {
		return err
	}
	now := s.now()
	sc, _, err := s.scope(ctx, now)
	if err != nil {
		return err
	}
	var dec policy.Decision
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		st, d, err := readable(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if dec = d; !d.Allowed {
			return s.denied(ctx, tx, audit.Erase, id, d)
		}
		if err := s.erase(ctx, tx, st, now); err != nil {
			return err
		}
		e := event(ctx, audit.Erase, &st.rec.Envelope, id)
		e.Reason = d.Rule
		return s.audit.Append(ctx, tx, e)
	})
	if err == nil && !dec.Allowed {
		return withheld(dec)
	}
	return err
}

// erase removes the personal data of a record and leaves its tombstone.
func (s *Service) erase(ctx context.Context, tx *db.Tx, st *stored, now time.Time) error {
	if err := deleteIndex(ctx, tx, st.rid); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM record_versions WHERE rid = ?`, st.rid); err != nil {
		return fmt.Errorf("erase versions: %w", err)
	}
	version := st.rec.Version + 1
	_, err := tx.ExecContext(ctx, `UPDATE records SET version = ?, state = ?, last_change = ?, title = '', case_ref = '',
		tlp = '', case_only = ?, review_at = 0, entity_count = 0, envelope = '', body = '', created_by = '', updated_by = '',
		updated_at = ?, origin_version = 0, received_at = 0 WHERE rid = ?`,
		version, string(StateErased), string(ChangeErase), false, now.UnixMicro(), st.rid)
	if err != nil {
		return fmt.Errorf("erase record: %w", err)
	}
	changes := []ChangeEntry{{RecordID: st.rec.ID, Version: version, Change: ChangeErase, Originator: st.rec.Envelope.Originator}}
	if err := appendChanges(ctx, tx, now, changes); err != nil {
		return err
	}
	s.notify(tx, changes...)
	return nil
}
