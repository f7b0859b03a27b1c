package notice

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/errs"
)

// State is where a notice is in its lifecycle.
type State string

// Lifecycle states. A new notice is a Draft; the zero State is treated as Draft.
const (
	Draft     State = "draft"
	InReview  State = "review"    // submitted; waiting for a reviewer's decision
	Refused   State = "refused"   // a reviewer refused it; the originator may revise it
	Published State = "published" // circulated to its distribution
	Updated   State = "updated"   // published, and amended since first publication
	Cancelled State = "cancelled" // withdrawn by the originator or refused after circulation
	Expired   State = "expired"   // validity ran out without reassessment
)

// Event is something that moves a notice from one state to another.
type Event string

// Lifecycle events.
const (
	Submit    Event = "submit"    // the originator asks for review
	Approve   Event = "approve"   // a reviewer approves (before, or for diffusions after, circulation)
	Refuse    Event = "refuse"    // a reviewer refuses
	Revise    Event = "revise"    // the originator takes a refused notice back to draft
	Circulate Event = "circulate" // a diffusion goes out directly, to be reviewed afterwards
	Update    Event = "update"    // a published notice is amended without raising new blocking flags
	Resubmit  Event = "resubmit"  // a published notice is taken out of circulation for review again
	Cancel    Event = "cancel"    // the originator withdraws it
	Expire    Event = "expire"    // its validity ran out
)

// Transition is one allowed change of state.
type Transition struct {
	From  State
	Event Event
	To    State
}

// Transitions is the complete table of allowed state changes. Anything not
// listed is refused by [Next]. Guards that depend on more than the state
// (who may decide, screening flags, diffusion or notice) live in the *Notice
// methods.
var Transitions = []Transition{
	{Draft, Submit, InReview},
	{Draft, Circulate, Published}, // diffusions only
	{Draft, Cancel, Cancelled},

	{InReview, Approve, Published},
	{InReview, Refuse, Refused},
	{InReview, Cancel, Cancelled},

	{Refused, Revise, Draft},
	{Refused, Cancel, Cancelled},

	// Approve and Refuse of a published notice are the after-the-fact review
	// of a diffusion; a refused diffusion is withdrawn.
	{Published, Approve, Published},
	{Published, Refuse, Cancelled},
	{Published, Update, Updated},
	{Published, Resubmit, InReview},
	{Published, Cancel, Cancelled},
	{Published, Expire, Expired},

	{Updated, Approve, Updated},
	{Updated, Refuse, Cancelled},
	{Updated, Update, Updated},
	{Updated, Resubmit, InReview},
	{Updated, Cancel, Cancelled},
	{Updated, Expire, Expired},
}

// Next returns the state that ev leads to from from, or a Conflict error if
// the table has no such transition.
func Next(from State, ev Event) (State, error) {
	if from == "" {
		from = Draft
	}
	for _, t := range Transitions {
		if t.From == from && t.Event == ev {
			return t.To, nil
		}
	}
	return "", errs.E(errs.Conflict, "state", fmt.Sprintf("cannot %s a notice that is %s", ev, from))
}

// Validity defaults (DOMAIN.md §2, §4): INTERPOL keeps a notice five years and
// asks its source to reassess it six months before expiry.
const (
	ValidityYears        = 5
	ReminderMonthsBefore = 6
)

// Change records one state transition in a notice's history.
type Change struct {
	From, To State
	Event    Event
	Actor    string // user id of the officer, or "system" for expiry
	Agency   string // agency of the officer
	At       time.Time
	Note     string // reason given, if any
}

// Outcome of a review.
type Outcome string

// Review outcomes.
const (
	Approved Outcome = "approve"
	Rejected Outcome = "refuse"
)

// Decision is a reviewer's ruling on a notice.
type Decision struct {
	Outcome  Outcome
	Reviewer string // user id, filled in by Decide from the principal
	Reasons  string // required, both for approval and refusal
	// Acknowledged lists the IDs ([Flag.ID]) of the blocking flags the
	// reviewer weighed. Approval must acknowledge every blocking flag.
	Acknowledged []string
	// ExtraditionWillBeSought records, for a red notice, that the reviewer
	// checked the originator's assurance that extradition will be sought.
	// Approving a red notice requires it.
	ExtraditionWillBeSought bool
	// AfterCirculation marks the after-the-fact review of a diffusion.
	AfterCirculation bool
	At               time.Time // filled in by Decide
}

// MaxReasonsLen bounds a decision's or cancellation's reasons.
const MaxReasonsLen = 10_000

// Submit sends a draft to review. The notice must be valid and have a
// distribution; screening runs now and its flags are kept on the notice for
// the reviewer.
func (n *Notice) Submit(p access.Principal, now time.Time, existing func(SubjectKey) bool) error {
	if n.Diffusion && n.Distribution.Scope == "" {
		return errs.E(errs.Invalid, "distribution", "a diffusion names its recipients")
	}
	if err := n.readyToGo(); err != nil {
		return err
	}
	n.Flags = Screen(*n, existing)
	return n.move(Submit, p, now, "")
}

// Circulate sends a diffusion directly to its recipients; a reviewer
// reviews it afterwards ([Notice.AwaitingReview]). A diffusion whose
// screening raises a blocking flag cannot be circulated directly: it must be
// submitted for review first, so that a blocking flag never reaches partners
// without a reviewer's decision.
func (n *Notice) Circulate(p access.Principal, now time.Time, existing func(SubjectKey) bool) error {
	if !n.Diffusion {
		return errs.E(errs.Conflict, "diffusion", "only a diffusion is circulated before review; submit a notice for review")
	}
	if n.Distribution.Scope == "" {
		return errs.E(errs.Invalid, "distribution", "a diffusion names its recipients")
	}
	// Once submitted for review, a diffusion goes out only with a
	// reviewer's approval: revising a refused one and circulating it would
	// step around the refusal.
	if slices.ContainsFunc(n.History, func(c Change) bool { return c.Event == Submit || c.Event == Resubmit }) {
		return errs.E(errs.Conflict, "state", "this diffusion was submitted for review: resubmit it; a reviewer's approval publishes it")
	}
	if err := n.readyToGo(); err != nil {
		return err
	}
	if _, err := Next(n.State, Circulate); err != nil {
		return err
	}
	flags := Screen(*n, existing)
	if ids := blockingIDs(flags); len(ids) > 0 {
		return errs.E(errs.Conflict, "flags", fmt.Sprintf("screening raised blocking flags (%s): submit the diffusion for review before circulating it", strings.Join(ids, ", ")))
	}
	n.Flags = flags
	if err := n.move(Circulate, p, now, ""); err != nil {
		return err
	}
	n.startValidity(now)
	return nil
}

func (n *Notice) readyToGo() error {
	if err := n.Validate(); err != nil {
		return err
	}
	if n.Distribution.Scope == "" {
		return errs.E(errs.Invalid, "distribution.scope", "choose who receives the notice")
	}
	if strings.TrimSpace(n.Originator) == "" {
		return errs.E(errs.Invalid, "originator", "the originating agency is required")
	}
	return nil
}

// AwaitingReview reports whether the notice needs a reviewer's decision: it
// is in review, or it is a circulated diffusion that no reviewer has looked
// at since it was circulated or last updated.
func (n *Notice) AwaitingReview() bool {
	switch n.State {
	case InReview:
		return true
	case Published, Updated:
		if !n.Diffusion {
			return false
		}
		// Awaiting if it was circulated or updated since the last approval.
		for i := len(n.History) - 1; i >= 0; i-- {
			switch n.History[i].Event {
			case Circulate, Update:
				return true
			case Approve:
				return false
			}
		}
	}
	return false
}

// Decide records a reviewer's decision. The principal must have the reviewer
// role and must not be the officer who submitted or circulated the notice.
// Reasons are required. Approval must acknowledge every blocking flag, and
// for a red notice must record that extradition will be sought.
func (n *Notice) Decide(p access.Principal, d Decision, now time.Time) error {
	if !p.Is(access.Reviewer) || p.Partner {
		return errs.E(errs.Permission, "reviewer", "only a reviewer of this node decides on notices")
	}
	if p.UserID == "" {
		return errs.E(errs.Permission, "reviewer", "a decision needs an identified reviewer")
	}
	if !n.AwaitingReview() {
		return errs.E(errs.Conflict, "state", fmt.Sprintf("a %s notice is not awaiting review", n.stateOrDraft()))
	}
	if sub := n.lastChange(Submit, Circulate, Resubmit, Update); sub != nil && sub.Actor == p.UserID {
		return errs.E(errs.Permission, "reviewer", "a reviewer cannot decide on a notice they submitted")
	}
	if strings.TrimSpace(d.Reasons) == "" {
		return errs.E(errs.Invalid, "reasons", "a decision gives its reasons")
	}
	if err := checkText("reasons", d.Reasons, MaxReasonsLen); err != nil {
		return err
	}
	var ev Event
	switch d.Outcome {
	case Approved:
		ev = Approve
		// The reviewer saw n.Flags. If the content was edited behind the
		// lifecycle's back since, the screening no longer matches it.
		for _, id := range blockingIDs(Screen(*n, nil)) {
			if !slices.ContainsFunc(n.Flags, func(f Flag) bool { return f.ID() == id }) {
				return errs.E(errs.Conflict, "flags", "the notice changed since it was screened; resubmit it")
			}
		}
		for _, id := range blockingIDs(n.Flags) {
			if !slices.Contains(d.Acknowledged, id) {
				return errs.E(errs.Precondition, "acknowledged", fmt.Sprintf("approval must acknowledge blocking flag %s", id))
			}
		}
		if n.Type == Red && !(d.ExtraditionWillBeSought && n.ExtraditionWillBeSought) {
			return errs.E(errs.Precondition, "extradition_will_be_sought", "a red notice is approved only with the assurance that extradition will be sought")
		}
	case Rejected:
		ev = Refuse
	default:
		return errs.E(errs.Invalid, "outcome", `outcome must be "approve" or "refuse"`)
	}
	from := n.stateOrDraft()
	d.Reviewer = p.UserID
	d.At = now
	d.AfterCirculation = from != InReview
	d.Acknowledged = slices.Clone(d.Acknowledged)
	if err := n.move(ev, p, now, d.Reasons); err != nil {
		return err
	}
	n.Decisions = append(n.Decisions, d)
	if ev == Approve && n.PublishedAt.IsZero() {
		n.startValidity(now)
	}
	return nil
}

// Revise takes a refused notice back to draft so its originator can amend it.
func (n *Notice) Revise(p access.Principal, now time.Time) error {
	return n.move(Revise, p, now, "")
}

// Update replaces the content of a published notice with that of changed
// (the identity, type, lifecycle and validity of n are kept) and screens it
// again. An update that raises a blocking flag the last approval did not
// acknowledge is refused with Conflict: take the notice out of circulation
// with [Notice.Resubmit] instead, so the amended content is reviewed before
// anyone sees it. An updated diffusion awaits review again.
func (n *Notice) Update(p access.Principal, changed Notice, now time.Time, existing func(SubjectKey) bool) error {
	if _, err := Next(n.stateOrDraft(), Update); err != nil {
		return err
	}
	next := n.withContent(changed)
	if err := next.readyToGo(); err != nil {
		return err
	}
	flags := Screen(next, existing)
	acked := n.acknowledged()
	var fresh []string
	for _, id := range blockingIDs(flags) {
		if !slices.Contains(acked, id) {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) > 0 {
		return errs.E(errs.Conflict, "flags", fmt.Sprintf("the update raises blocking flags (%s): resubmit the notice for review", strings.Join(fresh, ", ")))
	}
	next.Flags = flags
	if err := next.move(Update, p, now, ""); err != nil {
		return err
	}
	*n = next
	return nil
}

// Resubmit takes a published notice out of circulation and back to review,
// with changed as its new content (pass the notice itself to review it
// unchanged). It is the route for an update that raises blocking flags, such
// as a newly confirmed refugee status.
func (n *Notice) Resubmit(p access.Principal, changed Notice, now time.Time, existing func(SubjectKey) bool) error {
	if _, err := Next(n.stateOrDraft(), Resubmit); err != nil {
		return err
	}
	next := n.withContent(changed)
	if err := next.readyToGo(); err != nil {
		return err
	}
	next.Flags = Screen(next, existing)
	if err := next.move(Resubmit, p, now, ""); err != nil {
		return err
	}
	*n = next
	return nil
}

// Reassess records the originator's reassessment of a published notice once
// the reminder is due, and renews its validity for another ValidityYears
// from now. The notice is screened again, as by Update: a reassessment that
// raises a blocking flag the last approval did not acknowledge is refused
// with Conflict and must go through Resubmit. Before the reminder date it
// is refused with Precondition.
func (n *Notice) Reassess(p access.Principal, now time.Time, existing func(SubjectKey) bool) error {
	if !n.ReminderDue(now) {
		return errs.E(errs.Precondition, "reminder_at", "the notice is not due for reassessment")
	}
	if !n.Active(now) {
		return errs.E(errs.Conflict, "expires_at", "the notice has expired; issue a new one")
	}
	published := n.PublishedAt
	if err := n.Update(p, *n, now, existing); err != nil {
		return err
	}
	n.startValidity(now)
	n.PublishedAt = published
	n.History[len(n.History)-1].Note = "reassessed; validity renewed until " + n.ExpiresAt.Format(time.DateOnly)
	return nil
}

// Cancel withdraws the notice; a reason is required.
func (n *Notice) Cancel(p access.Principal, reason string, now time.Time) error {
	if strings.TrimSpace(reason) == "" {
		return errs.E(errs.Invalid, "reason", "a cancellation gives its reason")
	}
	if err := checkText("reason", reason, MaxReasonsLen); err != nil {
		return err
	}
	return n.move(Cancel, p, now, reason)
}

// Expire marks a published notice expired once its validity has run out.
// It is refused with Precondition before then.
func (n *Notice) Expire(now time.Time) error {
	if n.ExpiresAt.IsZero() || now.Before(n.ExpiresAt) {
		return errs.E(errs.Precondition, "expires_at", "the notice is still valid")
	}
	return n.move(Expire, access.Principal{UserID: "system"}, now, "")
}

// ReminderDue reports whether the originator should now be asked to reassess
// the notice: it is published and its reminder date has passed.
func (n *Notice) ReminderDue(now time.Time) bool {
	return (n.State == Published || n.State == Updated) && !n.ReminderAt.IsZero() && !now.Before(n.ReminderAt)
}

// Active reports whether the notice is in circulation at now: published or
// updated, and not past its expiry.
func (n *Notice) Active(now time.Time) bool {
	return (n.State == Published || n.State == Updated) && (n.ExpiresAt.IsZero() || now.Before(n.ExpiresAt))
}

// CheckInvariants verifies a notice loaded from storage against the rules
// the methods enforce: a published notice that was submitted for review has
// a reviewer's approval after its last submission (only a diffusion may be
// published without one), and every blocking flag it carries was
// acknowledged by the latest approval. Storage
// calls it on load so a row edited behind the service's back is caught.
func (n *Notice) CheckInvariants() error {
	if n.State != Published && n.State != Updated {
		return nil
	}
	last := -1 // index of the last submission for review
	for i, c := range n.History {
		if c.Event == Submit || c.Event == Resubmit {
			last = i
		}
	}
	switch {
	case last < 0 && !n.Diffusion:
		return errs.E(errs.Internal, "history", "published notice was never submitted for review")
	case last >= 0 && !slices.ContainsFunc(n.History[last:], func(c Change) bool { return c.Event == Approve }):
		return errs.E(errs.Internal, "history", "published notice has no approval after its last submission")
	}
	acked := n.acknowledged()
	for _, id := range blockingIDs(n.Flags) {
		if !slices.Contains(acked, id) {
			return errs.E(errs.Internal, "flags", "published notice carries a blocking flag no reviewer acknowledged")
		}
	}
	return nil
}

// move applies ev, recording the change in the history.
func (n *Notice) move(ev Event, p access.Principal, now time.Time, note string) error {
	from := n.stateOrDraft()
	to, err := Next(from, ev)
	if err != nil {
		return err
	}
	if ev == Circulate && !n.Diffusion {
		return errs.E(errs.Conflict, "diffusion", "only a diffusion is circulated before review")
	}
	if (ev == Approve || ev == Refuse) && !n.AwaitingReview() {
		return errs.E(errs.Conflict, "state", "the notice is not awaiting review")
	}
	actor := p.UserID
	if p.Partner {
		actor = "partner:" + p.Agency
	}
	n.State = to
	n.History = append(n.History, Change{From: from, To: to, Event: ev, Actor: actor, Agency: p.Agency, At: now, Note: note})
	return nil
}

func (n *Notice) stateOrDraft() State {
	if n.State == "" {
		return Draft
	}
	return n.State
}

func (n *Notice) startValidity(now time.Time) {
	n.PublishedAt = now
	n.ExpiresAt = now.AddDate(ValidityYears, 0, 0)
	n.ReminderAt = n.ExpiresAt.AddDate(0, -ReminderMonthsBefore, 0)
}

// withContent returns changed with n's identity, lifecycle and validity.
func (n *Notice) withContent(changed Notice) Notice {
	next := changed
	next.ID, next.EntityID, next.Type, next.Diffusion = n.ID, n.EntityID, n.Type, n.Diffusion
	next.State = n.stateOrDraft()
	next.PublishedAt, next.ExpiresAt, next.ReminderAt = n.PublishedAt, n.ExpiresAt, n.ReminderAt
	next.Flags = n.Flags
	next.Decisions = slices.Clone(n.Decisions)
	next.History = slices.Clone(n.History)
	return next
}

// acknowledged returns the flag ids acknowledged by the latest approval.
func (n *Notice) acknowledged() []string {
	for i := len(n.Decisions) - 1; i >= 0; i-- {
		if n.Decisions[i].Outcome == Approved {
			return n.Decisions[i].Acknowledged
		}
	}
	return nil
}

func (n *Notice) lastChange(evs ...Event) *Change {
	for i := len(n.History) - 1; i >= 0; i-- {
		if slices.Contains(evs, n.History[i].Event) {
			return &n.History[i]
		}
	}
	return nil
}

func blockingIDs(flags []Flag) []string {
	var ids []string
	for _, f := range flags {
		if f.Severity == Block {
			ids = append(ids, f.ID())
		}
	}
	return ids
}
