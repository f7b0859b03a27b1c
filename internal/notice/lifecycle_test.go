package notice

import (
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/errs"
)

var (
	officer  = access.Principal{UserID: "u-officer", Role: access.SPOC, Agency: "XA-NCB"}
	reviewer = access.Principal{UserID: "u-reviewer", Role: access.Reviewer, Agency: "XA-NCB"}
	t0       = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

func redNotice(charge string) Notice {
	return Notice{
		Type: Red, Name: "DOE", Forename: "JOHN", DateOfBirth: PartialDate{Year: 1980, Month: 1, Day: 2},
		Charges:                 []Charge{{IssuingCountry: "XA", Text: charge, MaxPenaltyMonths: 60}},
		ExtraditionWillBeSought: true,
		Originator:              "XA-NCB", Contact: "NCB Capital",
		Distribution: Distribution{Scope: ScopeAll},
	}
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("err = %v (kind %s), want kind %s", err, errs.KindOf(err), k)
	}
}

// The "done when": a red notice with a political charge is flagged
// and cannot publish until a reviewer decides.
func TestPoliticalRedNoticeNeedsReviewerDecision(t *testing.T) {
	n := redNotice("Insulting the head of state")
	if err := n.Submit(officer, t0, nil); err != nil {
		t.Fatal(err)
	}
	if n.State != InReview || len(n.Flags) == 0 || n.Flags[0].Code != Art3Political || n.Flags[0].Severity != Block {
		t.Fatalf("state %s flags %+v", n.State, n.Flags)
	}
	flagID := n.Flags[0].ID()

	// No route other than a reviewer's decision publishes it.
	wantKind(t, n.Circulate(officer, t0, nil), errs.Conflict)
	wantKind(t, n.Update(officer, n, t0, nil), errs.Conflict)
	wantKind(t, n.Expire(t0.AddDate(10, 0, 0)), errs.Precondition)
	wantKind(t, n.Decide(officer, Decision{Outcome: Approved, Reasons: "ok", Acknowledged: []string{flagID}, ExtraditionWillBeSought: true}, t0), errs.Permission)
	wantKind(t, n.Decide(reviewer, Decision{Outcome: Approved, Reasons: "ok", ExtraditionWillBeSought: true}, t0), errs.Precondition)
	wantKind(t, n.Decide(reviewer, Decision{Outcome: Approved, Acknowledged: []string{flagID}, ExtraditionWillBeSought: true}, t0), errs.Invalid)
	wantKind(t, n.Decide(reviewer, Decision{Outcome: Approved, Reasons: "ok", Acknowledged: []string{flagID}}, t0), errs.Precondition)
	if _, err := Next(n.State, Circulate); err == nil {
		t.Fatal("the table lets a notice in review be circulated")
	}
	// A reviewer who submitted it cannot decide it.
	self := n
	self.History = slices.Clone(n.History)
	self.History[len(self.History)-1].Actor = reviewer.UserID
	wantKind(t, self.Decide(reviewer, Decision{Outcome: Approved, Reasons: "ok", Acknowledged: []string{flagID}, ExtraditionWillBeSought: true}, t0), errs.Permission)

	if n.State != InReview {
		t.Fatalf("state moved to %s without a decision", n.State)
	}

	decided := t0.Add(48 * time.Hour)
	err := n.Decide(reviewer, Decision{
		Outcome: Approved, Reasons: "The charge is one of several; the facts show an ordinary-law fraud predominates.",
		Acknowledged: []string{flagID}, ExtraditionWillBeSought: true,
	}, decided)
	if err != nil {
		t.Fatal(err)
	}
	if n.State != Published {
		t.Fatalf("state = %s", n.State)
	}
	d := n.Decisions[0]
	if d.Reviewer != reviewer.UserID || !d.At.Equal(decided) || !d.ExtraditionWillBeSought || d.AfterCirculation {
		t.Errorf("decision = %+v", d)
	}
	if !n.ExpiresAt.Equal(decided.AddDate(5, 0, 0)) || !n.ReminderAt.Equal(decided.AddDate(4, 6, 0)) {
		t.Errorf("validity %v reminder %v", n.ExpiresAt, n.ReminderAt)
	}
	if err := n.CheckInvariants(); err != nil {
		t.Error(err)
	}
	if n.ReminderDue(decided.AddDate(4, 5, 0)) || !n.ReminderDue(decided.AddDate(4, 6, 0)) {
		t.Error("reminder not due exactly six months before expiry")
	}
}

func TestApprovalRescreensEditedContent(t *testing.T) {
	n := redNotice("Fraud")
	if err := n.Submit(officer, t0, nil); err != nil {
		t.Fatal(err)
	}
	n.Charges[0].Text = "Apostasy" // edited directly, not through the lifecycle
	wantKind(t, n.Decide(reviewer, Decision{Outcome: Approved, Reasons: "ok", ExtraditionWillBeSought: true}, t0), errs.Conflict)
	if n.State != InReview {
		t.Fatalf("state %s", n.State)
	}
}

func TestRefusalAndRevision(t *testing.T) {
	n := redNotice("Bounced cheque")
	if err := n.Submit(officer, t0, nil); err != nil {
		t.Fatal(err)
	}
	if err := n.Decide(reviewer, Decision{Outcome: Rejected, Reasons: "A private debt: excluded matter."}, t0); err != nil {
		t.Fatal(err)
	}
	if n.State != Refused || !n.PublishedAt.IsZero() {
		t.Fatalf("state %s published %v", n.State, n.PublishedAt)
	}
	wantKind(t, n.Decide(reviewer, Decision{Outcome: Approved, Reasons: "changed my mind"}, t0), errs.Conflict)
	if err := n.Revise(officer, t0); err != nil || n.State != Draft {
		t.Fatalf("revise: %v, state %s", err, n.State)
	}
}

func TestDiffusionReviewedAfterwards(t *testing.T) {
	n := redNotice("Armed robbery")
	n.Diffusion = true
	n.Distribution = Distribution{Scope: ScopeAll}
	wantKind(t, n.Circulate(officer, t0, nil), errs.Invalid) // a diffusion goes to chosen partners
	n.Distribution = Distribution{Scope: ScopeAgencies, Agencies: []string{"XB-NCB", "XC-NCB"}}
	if err := n.Circulate(officer, t0, nil); err != nil {
		t.Fatal(err)
	}
	if n.State != Published || !n.AwaitingReview() || n.ExpiresAt.IsZero() {
		t.Fatalf("state %s awaiting %v", n.State, n.AwaitingReview())
	}
	if err := n.Decide(reviewer, Decision{Outcome: Approved, Reasons: "Compliant.", ExtraditionWillBeSought: true}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n.State != Published || n.AwaitingReview() || !n.Decisions[0].AfterCirculation {
		t.Fatalf("after review: state %s awaiting %v", n.State, n.AwaitingReview())
	}
	wantKind(t, n.Decide(reviewer, Decision{Outcome: Approved, Reasons: "again"}, t0), errs.Conflict)

	// An update puts it back in the review queue; a refusal withdraws it.
	changed := n
	changed.DistinguishingMarks = "scar on left cheek"
	if err := n.Update(officer, changed, t0.Add(2*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if n.State != Updated || !n.AwaitingReview() || n.DistinguishingMarks != "scar on left cheek" {
		t.Fatalf("update: state %s awaiting %v", n.State, n.AwaitingReview())
	}
	if err := n.Decide(reviewer, Decision{Outcome: Rejected, Reasons: "Insufficient judicial data."}, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n.State != Cancelled {
		t.Fatalf("refused diffusion is %s", n.State)
	}
}

func TestDiffusionWithBlockingFlagMustBeReviewedFirst(t *testing.T) {
	n := redNotice("Desertion")
	n.Diffusion = true
	n.Distribution = Distribution{Scope: ScopeRegion, Region: "EU"}
	wantKind(t, n.Circulate(officer, t0, nil), errs.Conflict)
	if n.State != "" || len(n.History) != 0 {
		t.Fatalf("refused circulation changed the notice: %s %v", n.State, n.History)
	}
	if err := n.Submit(officer, t0, nil); err != nil || n.State != InReview {
		t.Fatalf("submit: %v %s", err, n.State)
	}
}

// TestRefusedDiffusionCannotBeCirculated: a diffusion refused in review
// and revised goes out only through review again (found by
// TestLifecycleProperty).
func TestRefusedDiffusionCannotBeCirculated(t *testing.T) {
	n := redNotice("Fraud")
	n.Diffusion = true
	n.Distribution = Distribution{Scope: ScopeAgencies, Agencies: []string{"XB-NCB"}}
	if err := n.Submit(officer, t0, nil); err != nil {
		t.Fatal(err)
	}
	if err := n.Decide(reviewer, Decision{Outcome: Rejected, Reasons: "Insufficient judicial data."}, t0); err != nil {
		t.Fatal(err)
	}
	if err := n.Revise(officer, t0); err != nil {
		t.Fatal(err)
	}
	wantKind(t, n.Circulate(officer, t0, nil), errs.Conflict)
	if n.State == Published {
		t.Fatal("the refused diffusion was circulated")
	}
}

func TestNoticeCannotBeCirculated(t *testing.T) {
	n := redNotice("Fraud")
	wantKind(t, n.Circulate(officer, t0, nil), errs.Conflict)
}

func TestUpdateRaisingBlockingFlagNeedsResubmission(t *testing.T) {
	n := publishedRed(t, "Fraud")
	changed := n
	changed.RefugeeStatus = true
	wantKind(t, n.Update(officer, changed, t0, nil), errs.Conflict)
	if n.RefugeeStatus || n.State != Published {
		t.Fatal("refused update changed the notice")
	}
	if err := n.Resubmit(officer, changed, t0, nil); err != nil {
		t.Fatal(err)
	}
	if n.State != InReview || !n.RefugeeStatus || n.Flags[0].Code != RefugeeStatus {
		t.Fatalf("resubmit: state %s flags %+v", n.State, n.Flags)
	}
	// A harmless update of an approved notice needs no new review, even if
	// the approval acknowledged flags that are still there.
	m := publishedRed(t, "Fraud; insulting the head of state")
	changed = m
	changed.DistinguishingMarks = "tattoo"
	if err := m.Update(officer, changed, t0, nil); err != nil {
		t.Fatal(err)
	}
	if m.State != Updated || m.CheckInvariants() != nil {
		t.Fatalf("state %s invariants %v", m.State, m.CheckInvariants())
	}
}

func TestUpdateKeepsIdentity(t *testing.T) {
	n := publishedRed(t, "Fraud")
	changed := n
	changed.Type, changed.ID, changed.State = Yellow, "other", Draft
	changed.History, changed.Decisions = nil, nil
	changed.ExpiresAt = t0.AddDate(50, 0, 0)
	if err := n.Update(officer, changed, t0, nil); err != nil {
		t.Fatal(err)
	}
	if n.Type != Red || n.ID != "n1" || n.State != Updated || len(n.Decisions) != 1 || !n.ExpiresAt.Equal(t0.AddDate(5, 0, 0)) {
		t.Fatalf("update rewrote identity or lifecycle: %+v", n)
	}
}

func TestCancelAndExpire(t *testing.T) {
	n := publishedRed(t, "Fraud")
	wantKind(t, n.Cancel(officer, " ", t0), errs.Invalid)
	if err := n.Cancel(officer, "Subject arrested and extradited.", t0); err != nil || n.State != Cancelled {
		t.Fatalf("cancel: %v %s", err, n.State)
	}
	wantKind(t, n.Cancel(officer, "again", t0), errs.Conflict)

	m := publishedRed(t, "Fraud")
	if !m.Active(t0.AddDate(4, 11, 0)) || m.Active(t0.AddDate(5, 0, 0)) {
		t.Error("Active does not follow the expiry date")
	}
	wantKind(t, m.Expire(t0.AddDate(4, 11, 0)), errs.Precondition)
	if err := m.Expire(t0.AddDate(5, 0, 0)); err != nil || m.State != Expired {
		t.Fatalf("expire: %v %s", err, m.State)
	}
}

func TestReassessRenewsValidity(t *testing.T) {
	n := publishedRed(t, "Fraud")
	wantKind(t, n.Reassess(officer, t0.AddDate(4, 5, 0), nil), errs.Precondition)
	at := t0.AddDate(4, 7, 0)
	if err := n.Reassess(officer, at, nil); err != nil {
		t.Fatal(err)
	}
	if n.State != Updated || !n.ExpiresAt.Equal(at.AddDate(5, 0, 0)) || !n.ReminderAt.Equal(at.AddDate(4, 6, 0)) || !n.PublishedAt.Equal(t0) {
		t.Fatalf("state %s expires %v reminder %v published %v", n.State, n.ExpiresAt, n.ReminderAt, n.PublishedAt)
	}
	if n.ReminderDue(at) || !strings.Contains(n.History[len(n.History)-1].Note, "reassessed") {
		t.Error("reassessment not recorded")
	}
	m := publishedRed(t, "Fraud")
	wantKind(t, m.Reassess(officer, t0.AddDate(5, 0, 0), nil), errs.Conflict)
}

func TestCheckInvariantsCatchesTampering(t *testing.T) {
	n := redNotice("Insulting the head of state")
	n.State = Published // written straight to storage, no review
	n.Flags = Screen(n, nil)
	wantKind(t, n.CheckInvariants(), errs.Internal)

	m := publishedRed(t, "Fraud")
	m.Flags = append(m.Flags, Flag{Code: Art3Political, Severity: Block, Evidence: Evidence{Lang: "en", Term: "x"}})
	wantKind(t, m.CheckInvariants(), errs.Internal)
}

func TestTransitionTable(t *testing.T) {
	seen := map[[2]string]bool{}
	for _, tr := range Transitions {
		k := [2]string{string(tr.From), string(tr.Event)}
		if seen[k] {
			t.Errorf("duplicate transition %v", k)
		}
		seen[k] = true
		if tr.To == Published || tr.To == Updated {
			if !slices.Contains([]Event{Approve, Circulate, Update}, tr.Event) {
				t.Errorf("%s reaches %s by %s", tr.From, tr.To, tr.Event)
			}
		}
	}
	for _, s := range []State{Cancelled, Expired} {
		for _, ev := range []Event{Submit, Approve, Refuse, Revise, Circulate, Update, Resubmit, Cancel, Expire} {
			if _, err := Next(s, ev); !errs.Is(err, errs.Conflict) {
				t.Errorf("%s is final but %s is allowed", s, ev)
			}
		}
	}
}

func publishedRed(t *testing.T, charge string) Notice {
	t.Helper()
	n := redNotice(charge)
	n.ID = "n1"
	if err := n.Submit(officer, t0, nil); err != nil {
		t.Fatal(err)
	}
	var ack []string
	for _, f := range n.Flags {
		ack = append(ack, f.ID())
	}
	if err := n.Decide(reviewer, Decision{Outcome: Approved, Reasons: "Compliant.", Acknowledged: ack, ExtraditionWillBeSought: true}, t0); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLifecycleProperty drives notices through random sequences of every
// operation, by officers and reviewers, with clean and problematic
// charges, and checks after each step that a published notice always
// satisfies CheckInvariants and that every recorded change is in the table.
func TestLifecycleProperty(t *testing.T) {
	charges := []string{"Fraud", "Armed robbery", "Insulting the head of state", "Desertion", "Bounced cheque", "Apostasy"}
	principals := []access.Principal{officer, reviewer,
		{UserID: "u-reviewer2", Role: access.Reviewer, Agency: "XA-NCB"},
		{UserID: "u-analyst", Role: access.Analyst, Agency: "XA-NCB"},
		{Role: access.Reviewer, Agency: "XB-NCB", Partner: true},
	}
	rapid.Check(t, func(t *rapid.T) {
		n := redNotice(rapid.SampledFrom(charges).Draw(t, "charge"))
		n.Type = rapid.SampledFrom(Types).Draw(t, "type")
		n.Diffusion = rapid.Bool().Draw(t, "diffusion")
		if n.Diffusion {
			n.Distribution = Distribution{Scope: ScopeAgencies, Agencies: []string{"XB-NCB"}}
		}
		n.Facts = "modus operandi"
		now := t0
		for step := range rapid.IntRange(1, 25).Draw(t, "steps") {
			now = now.Add(time.Duration(rapid.IntRange(0, 400*24).Draw(t, "hours")) * time.Hour)
			p := rapid.SampledFrom(principals).Draw(t, "principal")
			changed := n
			changed.Charges = []Charge{{Text: rapid.SampledFrom(charges).Draw(t, "newCharge"), MaxPenaltyMonths: rapid.IntRange(0, 60).Draw(t, "penalty")}}
			changed.RefugeeStatus = rapid.Bool().Draw(t, "refugee")
			before := len(n.History)
			switch op := rapid.IntRange(0, 9).Draw(t, "op"); op {
			case 0:
				_ = n.Submit(p, now, nil)
			case 1:
				_ = n.Circulate(p, now, nil)
			case 2:
				var ack []string
				if rapid.Bool().Draw(t, "ackAll") {
					for _, f := range n.Flags {
						ack = append(ack, f.ID())
					}
				}
				outcome := rapid.SampledFrom([]Outcome{Approved, Rejected}).Draw(t, "outcome")
				_ = n.Decide(p, Decision{Outcome: outcome, Reasons: "because", Acknowledged: ack, ExtraditionWillBeSought: rapid.Bool().Draw(t, "extr")}, now)
			case 3:
				_ = n.Update(p, changed, now, nil)
			case 4:
				_ = n.Resubmit(p, changed, now, nil)
			case 5:
				_ = n.Cancel(p, "withdrawn", now)
			case 6:
				_ = n.Expire(now)
			case 7:
				_ = n.Revise(p, now)
			case 8:
				_ = n.Decide(p, Decision{Outcome: Approved, Reasons: "no acks", ExtraditionWillBeSought: true}, now)
			case 9:
				_ = n.Reassess(p, now, nil)
			}
			if err := n.CheckInvariants(); err != nil {
				t.Fatalf("step %d: %v (state %s, flags %+v, decisions %+v)", step, err, n.State, n.Flags, n.Decisions)
			}
			for _, c := range n.History[before:] {
				if to, err := Next(c.From, c.Event); err != nil || to != c.To {
					t.Fatalf("step %d: change %+v is not in the table", step, c)
				}
			}
			if len(n.History) > before+1 {
				t.Fatalf("one operation recorded %d changes", len(n.History)-before)
			}
			if n.State == Published || n.State == Updated {
				last := n.History[len(n.History)-1]
				if last.Event == Approve && !slices.ContainsFunc(principals, func(q access.Principal) bool {
					return q.UserID == last.Actor && q.Role == access.Reviewer && !q.Partner
				}) {
					t.Fatalf("step %d: approved by %q, not a reviewer", step, last.Actor)
				}
				if !n.Diffusion && !slices.ContainsFunc(n.History, func(c Change) bool { return c.Event == Approve }) {
					t.Fatalf("step %d: notice published without any approval", step)
				}
			}
		}
	})
}
