package noticesvc

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/policy"
)

// Rules of read decisions on own notices (received copies are decided by
// the policy decider, whose rules are in internal/policy).
const (
	ruleOwnNotice = "allow.own-notice"
)

// canRead decides whether p (whose role the caller checked) may read a
// notice in full: this node's own notices, or a received copy that the
// policy decider lets p read under the copy's envelope. Reviewers read
// only this node's notices: they review those, not partners'.
func (s *Service) canRead(p access.Principal, own bool, env *policy.Envelope, now time.Time) policy.Decision {
	if own {
		return policy.Decision{Allowed: true, Rule: ruleOwnNotice, Reason: "A notice of this node."}
	}
	if env == nil {
		return policy.Decision{Rule: "deny.envelope-invalid", Reason: "The copy has no envelope."}
	}
	return s.decider.CanRead(p, s.cfg.Agency, *env, now)
}

// GetNotice returns a notice in full. A received copy the caller may not
// read under its envelope is reported as not existing (and the refusal is
// audited).
func (s *Service) GetNotice(ctx context.Context, id string) (*Notice, error) {
	p, err := s.officer(ctx, NoticeReaders)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	r, err := loadNotice(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	d := s.canRead(p, r.own(), r.env, now)
	e := noticeEvent(ctx, audit.Consult, id, d.Rule)
	if !d.Allowed {
		e.Outcome = audit.Denied
	}
	if err := s.audit.Record(ctx, e); err != nil {
		return nil, err
	}
	if !d.Allowed {
		return nil, errs.E(errs.Withheld, "id", "no such notice")
	}
	return r.view(now), nil
}

// pageLimit bounds a list's page size as the API does.
func pageLimit(n int) int {
	if n <= 0 {
		return httpx.DefaultLimit
	}
	return min(n, httpx.MaxLimit)
}

// states lists every lifecycle state.
var states = []notice.State{notice.Draft, notice.InReview, notice.Refused, notice.Published, notice.Updated,
	notice.Cancelled, notice.Expired}

// NoticeFilter selects notices for ListNotices.
type NoticeFilter struct {
	State           notice.State
	Type            notice.Type
	Origin          string // own or received
	AwaitingReview  bool   // the review queue: in review, or circulated diffusions not yet reviewed
	ReassessmentDue bool   // own notices whose reassessment reminder is due
	EntityID        string
	Before          string // cursor: list ids below this one
	Limit           int
}

// ListNotices lists the notices the caller may read, newest first, and
// reports the id to continue from when there are more. Listing is a
// consultation: the listed notices are audited.
func (s *Service) ListNotices(ctx context.Context, f NoticeFilter) ([]Summary, string, error) {
	p, err := s.officer(ctx, NoticeReaders)
	if err != nil {
		return nil, "", err
	}
	f.Limit = pageLimit(f.Limit)
	now := s.clock()
	where, args := []string{"1 = 1"}, []any{}
	if f.State != "" {
		if !slices.Contains(states, f.State) {
			return nil, "", errs.E(errs.Invalid, "state", "unknown state")
		}
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	if f.Type != "" {
		if _, err := notice.ParseType(string(f.Type)); err != nil {
			return nil, "", err
		}
		where, args = append(where, "type = ?"), append(args, string(f.Type))
	}
	switch f.Origin {
	case "":
	case "own":
		where = append(where, "received_from = ''")
	case "received":
		where = append(where, "received_from <> ''")
	default:
		return nil, "", errs.E(errs.Invalid, "origin", "origin must be own or received")
	}
	if f.AwaitingReview {
		where, args = append(where, "awaiting = ?"), append(args, true)
	}
	if f.ReassessmentDue {
		where = append(where, "received_from = ''", "state IN (?, ?)", "reminder_at > 0", "reminder_at <= ?")
		args = append(append(args, stateArgs(circulating)...), micro(now))
	}
	if f.EntityID != "" {
		id, err := notice.CanonicalEntityID(f.EntityID)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "entity_id = ?"), append(args, id)
	}
	before := f.Before
	var out []Summary
	var ids []string
	next := ""
	// Copies the caller may not read are skipped, so a page may need
	// more than one round; each round reads limit+1 rows.
	for rounds := 0; len(out) < f.Limit && rounds < 10; rounds++ {
		w, a := slices.Clone(where), slices.Clone(args)
		if before != "" {
			w, a = append(w, "id < ?"), append(a, before)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT `+noticeColumns+` FROM notices WHERE `+strings.Join(w, " AND ")+
			` ORDER BY id DESC LIMIT ?`, append(a, f.Limit+1)...)
		if err != nil {
			return nil, "", fmt.Errorf("list notices: %w", err)
		}
		n := 0
		for rows.Next() {
			n++
			r, v, err := scanNotice(rows)
			if err != nil {
				rows.Close()
				return nil, "", fmt.Errorf("list notices: %w", err)
			}
			before = r.n.ID
			if len(out) == f.Limit {
				next = ids[len(ids)-1]
				break
			}
			if !s.canRead(p, r.own(), r.env, now).Allowed {
				continue
			}
			sum := v.summary()
			sum.ReassessmentDue = r.own() && r.n.ReminderDue(now)
			out = append(out, sum)
			ids = append(ids, r.n.ID)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, "", fmt.Errorf("list notices: %w", err)
		}
		if n <= f.Limit {
			break // no more rows
		}
		if len(out) == f.Limit && next == "" {
			next = ids[len(ids)-1] // more rows follow; the next page may be empty
		}
	}
	if out == nil {
		out = []Summary{}
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		return s.appendCall(ctx, tx, audit.Consult, "notice", "notice-list", ids)
	})
	return out, next, err
}

// NoticeFlags returns the screening flags of a notice with their
// explanations: for a draft, a preview of what screening would raise now;
// otherwise the flags of its last screening.
func (s *Service) NoticeFlags(ctx context.Context, id string) ([]Flag, error) {
	p, err := s.officer(ctx, NoticeReaders)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	r, err := loadNotice(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	d := s.canRead(p, r.own(), r.env, now)
	e := noticeEvent(ctx, audit.Consult, id, "notice-flags")
	if !d.Allowed {
		e.Outcome = audit.Denied
	}
	flags := r.n.Flags
	if r.own() && r.state() == notice.Draft {
		existing, err := existingSubject(ctx, s.db, r.n)
		if err != nil {
			return nil, err
		}
		flags = notice.Screen(r.n, existing)
	}
	if err := s.audit.Record(ctx, e); err != nil {
		return nil, err
	}
	if !d.Allowed {
		return nil, errs.E(errs.Withheld, "id", "no such notice")
	}
	out := flagsOf(flags)
	if out == nil {
		out = []Flag{}
	}
	return out, nil
}
