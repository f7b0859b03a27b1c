package noticesvc

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/notice/interpol"
	"github.com/liaison-project/liaison/internal/policy"
)

// Who may do what. The routes list the same roles; the service checks
// them again so that a caller inside the process cannot skip them.
var (
	// NoticeWriters submit, circulate, update, cancel and reassess notices.
	NoticeWriters = []access.Role{access.SPOC, access.Investigator}
	// NoticeDrafters create and edit drafts: the writers, and prosecutors
	// for red notices (the arrest warrant and the extradition assurance
	// are theirs); a prosecutor's draft is submitted by the NCB.
	NoticeDrafters = []access.Role{access.SPOC, access.Investigator, access.Prosecutor}
	// NoticeReaders read notices in full. Border officers never do: they
	// see lookup hits only.
	NoticeReaders = []access.Role{access.SPOC, access.Investigator, access.Analyst, access.Prosecutor, access.Reviewer, access.DPO}
	// NoticeReviewers decide on notices.
	NoticeReviewers = []access.Role{access.Reviewer}
	// AlertWriters create, import, change and cancel alerts.
	AlertWriters = []access.Role{access.SPOC, access.Investigator}
	// AlertReaders list and read alerts.
	AlertReaders = []access.Role{access.SPOC, access.Investigator, access.Analyst, access.DPO}
	// LookupRoles look up documents, vehicles and persons.
	LookupRoles = []access.Role{access.Border, access.SPOC, access.Investigator}
	// DistributionReaders see per-partner distribution state.
	DistributionReaders = []access.Role{access.SPOC, access.Investigator, access.DPO}
)

// officer returns the calling officer of this node if their role is one of
// roles. Notices, alerts and border checks have no exercise marker of
// their own: on an exercise node they are all exercise data, and on a real
// node all real. So an officer acting inside an exercise (an exercise
// token) is refused on a real node, where an exercise alert would hit real
// border checks and a border check would consult real alerts; exercises
// train them on exercise nodes (liaison init --exercise).
func (s *Service) officer(ctx context.Context, roles []access.Role) (access.Principal, error) {
	p, ok := access.From(ctx)
	if !ok {
		return p, errs.E(errs.Unauthorized, "no authenticated officer")
	}
	if p.Partner || !p.Is(roles...) {
		return p, errs.E(errs.Permission, "your role "+string(p.Role)+" may not do this")
	}
	switch {
	case p.Exercise && !s.cfg.Exercise:
		return p, errs.E(errs.Permission, "exercise", "notices, alerts and border checks are not part of exercises on a real node, "+
			"where they would reach real border checks: train them on exercise nodes (liaison init --exercise)")
	case !p.Exercise && s.cfg.Exercise:
		return p, errs.E(errs.Permission, "exercise", "this is an exercise node: only officers acting inside the exercise use it")
	}
	return p, nil
}

// clock returns the service time as stored: UTC, microseconds.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// noticeEvent is an audit event about one notice.
func noticeEvent(ctx context.Context, k audit.Kind, id, reason string) audit.Event {
	e := audit.New(ctx, k, audit.Ref{Type: "notice", ID: id})
	e.Reason = reason
	return e
}

// prepareEnvelope makes env the envelope of an own notice: this node is
// its originator and its review date is the notice's validity.
func (s *Service) prepareEnvelope(env *policy.Envelope, n *notice.Notice, now time.Time) error {
	env.Originator, env.OriginatorCountry, env.ReceivedFrom = s.cfg.Agency, s.cfg.Country, ""
	if env.Exercise != s.cfg.Exercise {
		return errs.E(errs.Invalid, "envelope.exercise", "notices of an exercise node are exercise data (exercise, purpose training), "+
			"and a real node's never are")
	}
	env.ReviewDate = now.AddDate(notice.ValidityYears, 0, 0)
	if !n.ExpiresAt.IsZero() {
		env.ReviewDate = n.ExpiresAt
	}
	if err := env.Validate(now); err != nil {
		return errs.E(errs.Invalid, "envelope", errs.PublicMessage(err), err)
	}
	return nil
}

// content validates a draft from a request and returns its core notice.
func (s *Service) content(p access.Principal, d *Draft) (notice.Notice, error) {
	if p.Role == access.Prosecutor && d.Type != notice.Red {
		return notice.Notice{}, errs.E(errs.Permission, "type", "prosecutors draft red notices; other notices are drafted by the NCB")
	}
	if err := checkDistribution(d.Distribution, false); err != nil {
		return notice.Notice{}, err
	}
	n, err := d.core()
	if err != nil {
		return n, err
	}
	n.Originator = s.cfg.Agency
	if err := n.Validate(); err != nil {
		return n, err
	}
	return n, nil
}

// CreateNotice stores a new draft notice of this node.
func (s *Service) CreateNotice(ctx context.Context, d Draft) (*Notice, error) {
	p, err := s.officer(ctx, NoticeDrafters)
	if err != nil {
		return nil, err
	}
	n, err := s.content(p, &d)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	n.ID, n.State = ids.New(), notice.Draft
	env := d.Envelope
	if env == nil {
		env = s.defaultEnvelope(n.Type, now)
	}
	if err := s.prepareEnvelope(env, &n, now); err != nil {
		return nil, err
	}
	r := &record{n: n, env: env, version: 1, sourceID: n.ID, createdBy: p.UserID, createdAt: now, updatedAt: now}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := insertNotice(ctx, tx, r); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, noticeEvent(ctx, audit.Collect, n.ID, "notice-created"))
	})
	if err != nil {
		return nil, err
	}
	return r.view(now), nil
}

// change is one operation on an own notice inside a write: it changes r
// (which the caller then stores, propagates and audits) and returns what
// the audit event says, or an error that rolls everything back.
type change func(ctx context.Context, tx *db.Tx, r *record, p access.Principal, now time.Time) (note, error)

// note is what a change adds to its audit event: a short reason (a rule
// id, never personal data) and keyed hashes of personal values.
type note struct {
	reason string
	hashes []string
}

func because(reason string, err error) (note, error) { return note{reason: reason}, err }

// mutate loads an own notice, applies fn, stores the result with the next
// version, sends it to partners if its circulation changed, audits the
// change and updates the lookup index after commit.
func (s *Service) mutate(ctx context.Context, id string, roles []access.Role, fn change) (*Notice, error) {
	p, err := s.officer(ctx, roles)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	var out *Notice
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		r, err := loadNotice(ctx, tx, id)
		if err != nil {
			return err
		}
		if !r.own() {
			return errs.E(errs.Permission, "id", "only the originator "+r.n.Originator+" changes this notice")
		}
		nt, err := fn(ctx, tx, r, p, now)
		if err != nil {
			return err
		}
		if !r.n.ExpiresAt.IsZero() {
			r.env.ReviewDate = r.n.ExpiresAt
		}
		r.version++
		r.updatedAt = now
		if err := updateNotice(ctx, tx, r, r.version-1); err != nil {
			return err
		}
		e := noticeEvent(ctx, audit.Alter, id, nt.reason)
		e.Hashes = nt.hashes
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		if err := s.propagateNotice(ctx, tx, r, now); err != nil {
			return err
		}
		if err := s.stage(ctx, tx, &indexOps{addNotices: []notice.Notice{r.n}}); err != nil {
			return err
		}
		out = r.view(now)
		return nil
	})
	return out, err
}

// UpdateNotice replaces the content of an own notice. version must be the
// notice's current version. A draft is simply edited; a published notice
// is amended through the lifecycle (screened again; an amendment that
// raises new blocking flags is refused and must be resubmitted for
// review) and the amendment goes to its partners.
func (s *Service) UpdateNotice(ctx context.Context, id string, version int64, d Draft) (*Notice, error) {
	return s.mutate(ctx, id, NoticeDrafters, func(ctx context.Context, tx *db.Tx, r *record, p access.Principal, now time.Time) (note, error) {
		if r.version != version {
			return note{}, errs.E(errs.Conflict, "version", fmt.Sprintf("the notice is at version %d, not %d; reload it", r.version, version))
		}
		changed, err := s.content(p, &d)
		if err != nil {
			return note{}, err
		}
		changed.ID = r.n.ID
		if d.Envelope != nil {
			env := *d.Envelope
			if err := s.prepareEnvelope(&env, &r.n, now); err != nil {
				return note{}, err
			}
			r.env = &env
		}
		switch r.state() {
		case notice.Draft:
			changed.State = notice.Draft
			changed.History, changed.Decisions = r.n.History, r.n.Decisions
			r.n = changed
			return because("notice-edited", nil)
		case notice.Published, notice.Updated:
			if !p.Is(NoticeWriters...) {
				return note{}, errs.E(errs.Permission, "state", "a published notice is amended by the NCB")
			}
			if changed.Type != r.n.Type || changed.Diffusion != r.n.Diffusion {
				return note{}, errs.E(errs.Conflict, "type", "a published notice keeps its type; cancel it and issue a new one")
			}
			existing, err := existingSubject(ctx, tx, changed)
			if err != nil {
				return note{}, err
			}
			if err := r.n.Update(p, changed, now, existing); err != nil {
				return note{}, err
			}
			return because("notice-updated", nil)
		case notice.Refused:
			return note{}, errs.E(errs.Conflict, "state", "a refused notice is revised (POST …/revise) before it is edited")
		default:
			return note{}, errs.E(errs.Conflict, "state", fmt.Sprintf("a notice that is %s cannot be edited", r.state()))
		}
	})
}

// readyToSubmit checks what this service adds to the core's conditions:
// the data-subject category of every notice about a person, and that the
// named recipients are partners.
func (s *Service) readyToSubmit(ctx context.Context, n *notice.Notice) error {
	if n.Type != notice.Purple && n.Category == "" {
		return errs.E(errs.Invalid, "category", "state the subject's data-subject category (Directive 2016/680 Art. 6)")
	}
	if err := checkDistribution(Distribution{Scope: n.Distribution.Scope, Agencies: n.Distribution.Agencies, Region: n.Distribution.Region}, true); err != nil {
		return err
	}
	if n.Distribution.Scope != notice.ScopeAgencies {
		return nil
	}
	partners, err := s.partners(ctx)
	if err != nil {
		return err
	}
	for i, a := range n.Distribution.Agencies {
		if !slices.ContainsFunc(partners, func(p partnerRef) bool { return p.Agency == a }) {
			return errs.E(errs.Invalid, fmt.Sprintf("distribution.agencies[%d]", i), a+" is not a partner of this node")
		}
	}
	return nil
}

// SubmitNotice sends a draft to review; screening runs now.
func (s *Service) SubmitNotice(ctx context.Context, id string) (*Notice, error) {
	return s.mutate(ctx, id, NoticeWriters, func(ctx context.Context, tx *db.Tx, r *record, p access.Principal, now time.Time) (note, error) {
		if err := s.readyToSubmit(ctx, &r.n); err != nil {
			return note{}, err
		}
		existing, err := existingSubject(ctx, tx, r.n)
		if err != nil {
			return note{}, err
		}
		return because("notice-submitted", r.n.Submit(p, now, existing))
	})
}

// CirculateNotice sends a diffusion directly to its recipients, to be
// reviewed afterwards. The core refuses it when screening raises a
// blocking flag: such a diffusion is submitted for review instead.
func (s *Service) CirculateNotice(ctx context.Context, id string) (*Notice, error) {
	return s.mutate(ctx, id, NoticeWriters, func(ctx context.Context, tx *db.Tx, r *record, p access.Principal, now time.Time) (note, error) {
		if err := s.readyToSubmit(ctx, &r.n); err != nil {
			return note{}, err
		}
		existing, err := existingSubject(ctx, tx, r.n)
		if err != nil {
			return note{}, err
		}
		return because("diffusion-circulated", r.n.Circulate(p, now, existing))
	})
}

// DecisionRequest is a reviewer's decision.
type DecisionRequest struct {
	Outcome                 notice.Outcome `json:"outcome" doc:"approve or refuse"`
	Reasons                 string         `json:"reasons"`
	Acknowledged            []string       `json:"acknowledged,omitempty" doc:"ids of the blocking flags weighed; approval names every one"`
	ExtraditionWillBeSought bool           `json:"extraditionWillBeSought,omitempty" doc:"red notices: the reviewer checked the assurance that extradition will be sought"`
}

// DecideNotice records a reviewer's decision: the only way a notice that
// went to review is published. The core checks that the reviewer did not
// submit it, that reasons are given, that approval acknowledges every
// blocking flag and, for a red notice, that extradition will be sought.
// The audit event holds a keyed hash of the reasons, which are stored with
// the decision.
func (s *Service) DecideNotice(ctx context.Context, id string, req DecisionRequest) (*Notice, error) {
	if len(req.Acknowledged) > maxAcknowledged {
		return nil, errs.E(errs.TooLarge, "acknowledged", "too many flags")
	}
	return s.mutate(ctx, id, NoticeReviewers, func(ctx context.Context, tx *db.Tx, r *record, p access.Principal, now time.Time) (note, error) {
		d := notice.Decision{Outcome: req.Outcome, Reasons: req.Reasons, Acknowledged: req.Acknowledged,
			ExtraditionWillBeSought: req.ExtraditionWillBeSought}
		if err := r.n.Decide(p, d, now); err != nil {
			return note{}, err
		}
		nt := note{reason: "notice-refused", hashes: []string{s.hasher.HashPersonal("notice-review-reasons", req.Reasons)}}
		if req.Outcome == notice.Approved {
			nt.reason = "notice-approved"
		}
		return nt, nil
	})
}

// ReviseNotice takes a refused notice back to draft.
func (s *Service) ReviseNotice(ctx context.Context, id string) (*Notice, error) {
	return s.mutate(ctx, id, NoticeWriters, func(ctx context.Context, tx *db.Tx, r *record, p access.Principal, now time.Time) (note, error) {
		return because("notice-revised", r.n.Revise(p, now))
	})
}

// ResubmitNotice takes a published notice out of circulation and back to
// review, with d as its new content (nil: unchanged). Partners are told,
// and their border indexes stop producing hits on it.
func (s *Service) ResubmitNotice(ctx context.Context, id string, d *Draft) (*Notice, error) {
	return s.mutate(ctx, id, NoticeWriters, func(ctx context.Context, tx *db.Tx, r *record, p access.Principal, now time.Time) (note, error) {
		changed := r.n
		if d != nil {
			var err error
			if changed, err = s.content(p, d); err != nil {
				return note{}, err
			}
			changed.ID = r.n.ID
		}
		existing, err := existingSubject(ctx, tx, changed)
		if err != nil {
			return note{}, err
		}
		return because("notice-resubmitted", r.n.Resubmit(p, changed, now, existing))
	})
}

// CancelNotice withdraws a notice; partners that received it are told and
// remove it from their border indexes.
func (s *Service) CancelNotice(ctx context.Context, id, reason string) (*Notice, error) {
	return s.mutate(ctx, id, NoticeWriters, func(ctx context.Context, tx *db.Tx, r *record, p access.Principal, now time.Time) (note, error) {
		return because("notice-cancelled", r.n.Cancel(p, reason, now))
	})
}

// ReassessNotice records the originator's reassessment once the reminder
// is due and renews the notice's validity (and its envelope's review date)
// for five years; partners receive the renewed notice.
func (s *Service) ReassessNotice(ctx context.Context, id string) (*Notice, error) {
	return s.mutate(ctx, id, NoticeWriters, func(ctx context.Context, tx *db.Tx, r *record, p access.Principal, now time.Time) (note, error) {
		existing, err := existingSubject(ctx, tx, r.n)
		if err != nil {
			return note{}, err
		}
		if err := r.n.Reassess(p, now, existing); err != nil {
			return note{}, err
		}
		r.remindedAt = time.Time{}
		return because("notice-reassessed", nil)
	})
}

// ImportResult is the outcome of an INTERPOL import.
type ImportResult struct {
	Created  []Summary        `json:"created"`
	Existing []ExistingNotice `json:"existing,omitempty" doc:"entity ids this node holds already; not imported again"`
}

// ExistingNotice names a notice an import found already present.
type ExistingNotice struct {
	EntityID string `json:"entityId"`
	ID       string `json:"id"`
}

// ImportInterpol stores the notices of an INTERPOL public notice JSON
// document (a list page or a detail) as drafts of this node, to be
// screened and reviewed like any other before they reach border checks.
// typ is the notice type when the document's links do not say. An entity
// id this node already holds is not imported twice. All notices are stored
// or none.
func (s *Service) ImportInterpol(ctx context.Context, data []byte, typ notice.Type) (*ImportResult, error) {
	p, err := s.officer(ctx, NoticeWriters)
	if err != nil {
		return nil, err
	}
	if typ != "" {
		if _, err := notice.ParseType(string(typ)); err != nil {
			return nil, err
		}
	}
	ns, err := interpol.Decode(data, typ)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	res := &ImportResult{Created: []Summary{}}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		res.Created, res.Existing = res.Created[:0], nil
		var stored []string
		for _, n := range ns {
			var have string
			err := tx.QueryRowContext(ctx, `SELECT id FROM notices WHERE entity_id = ? AND received_from = '' ORDER BY id LIMIT 1`, n.EntityID).Scan(&have)
			if err == nil {
				res.Existing = append(res.Existing, ExistingNotice{EntityID: n.EntityID, ID: have})
				continue
			}
			n.ID, n.State, n.Originator = ids.New(), notice.Draft, s.cfg.Agency
			if n.Contact == "" {
				n.Contact = "INTERPOL notice " + n.EntityID + ", via " + s.cfg.Agency
			}
			r := &record{n: n, env: s.defaultEnvelope(n.Type, now), version: 1, sourceID: n.ID, createdBy: p.UserID,
				createdAt: now, updatedAt: now}
			if err := s.prepareEnvelope(r.env, &r.n, now); err != nil {
				return err
			}
			if err := insertNotice(ctx, tx, r); err != nil {
				return err
			}
			stored = append(stored, n.ID)
			res.Created = append(res.Created, r.view(now).summary())
		}
		return s.appendCall(ctx, tx, audit.Collect, "notice", "notice-imported-interpol", stored)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// appendCall records an officer's call: one audit event of kind k per
// MaxObjects ids, and one without objects when there are none, since a
// list that comes back empty, or an import that finds everything present,
// is still a consultation of the data.
func (s *Service) appendCall(ctx context.Context, tx *db.Tx, k audit.Kind, refType, reason string, ids []string) error {
	if len(ids) == 0 {
		e := audit.New(ctx, k)
		e.Reason = reason
		return s.audit.Append(ctx, tx, e)
	}
	return s.appendChunked(ctx, tx, k, refType, reason, ids)
}

// appendChunked writes one audit event of kind k per MaxObjects ids.
func (s *Service) appendChunked(ctx context.Context, tx *db.Tx, k audit.Kind, refType, reason string, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), audit.MaxObjects)
		e := audit.New(ctx, k)
		for _, id := range ids[:n] {
			e.Objects = append(e.Objects, audit.Ref{Type: refType, ID: id})
		}
		e.Reason = reason
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}
