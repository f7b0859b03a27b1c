package noticesvc

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/notice"
)

// trio is FR-NCB with partners DE-BKA and NL-NCB over fake federation.
type trio struct {
	fr, de, nl *node
	all        map[string]*node
}

func newTrio(t *testing.T) *trio {
	t.Helper()
	p := func(agency, country string) federation.Partner {
		return federation.Partner{Agency: agency, Country: country, State: federation.StateActive}
	}
	fr := newNode(t, "FR-NCB", "FR", newFakeFed("FR-NCB", p("DE-BKA", "DE"), p("NL-NCB", "NL")))
	de := newNode(t, "DE-BKA", "DE", newFakeFed("DE-BKA", p("FR-NCB", "FR"), p("NL-NCB", "NL")))
	nl := newNode(t, "NL-NCB", "NL", newFakeFed("NL-NCB", p("FR-NCB", "FR"), p("DE-BKA", "DE")))
	return &trio{fr: fr, de: de, nl: nl, all: map[string]*node{"FR-NCB": fr, "DE-BKA": de, "NL-NCB": nl}}
}

// deliver hands every node's sent messages to their recipients, until
// none are left, and fails on a rejected message.
func (tr *trio) deliver(t *testing.T) {
	t.Helper()
	for range 5 {
		var n int
		for _, x := range tr.all {
			f := x.fed.(*fakeFed)
			f.mu.Lock()
			n += len(f.outbox)
			f.mu.Unlock()
			for _, err := range f.deliver(t, tr.all) {
				t.Fatalf("%s: message rejected: %v", x.agency, err)
			}
		}
		if n == 0 {
			return
		}
	}
}

func personHits(t *testing.T, n *node, name, dob string) []LookupHit {
	t.Helper()
	res, err := n.svc.Lookup(n.as(access.Border), LookupQuery{Name: name, BirthDate: dob})
	if err != nil {
		t.Fatal(err)
	}
	return res.Hits
}

// The "done when": a red notice with a political charge is flagged
// and cannot be published by any route until a reviewer decides.
func TestPoliticalRedNoticeWaitsForReviewer(t *testing.T) {
	tr := newTrio(t)
	fr := tr.fr
	spoc := fr.as(access.SPOC)
	n := must[*Notice](t)(fr.svc.CreateNotice(spoc, redDraft("Insulting the head of state in a newspaper article", Distribution{Scope: notice.ScopeAll})))
	if n.State != notice.Draft || n.Envelope == nil || n.Envelope.Originator != "FR-NCB" {
		t.Fatalf("created %+v", n)
	}
	n = must[*Notice](t)(fr.svc.SubmitNotice(spoc, n.ID))
	if n.State != notice.InReview || len(n.Flags) == 0 || n.Flags[0].Code != notice.Art3Political || n.Flags[0].Severity != notice.Block {
		t.Fatalf("submitted: state %s flags %+v", n.State, n.Flags)
	}
	if !strings.Contains(n.Flags[0].Explanation, "head of state") {
		t.Errorf("flag explanation does not say what matched: %q", n.Flags[0].Explanation)
	}
	flag := n.Flags[0].ID

	// Every other route refuses to publish it.
	_, err := fr.svc.CirculateNotice(spoc, n.ID)
	wantKind(t, err, errs.Conflict)
	_, err = fr.svc.UpdateNotice(spoc, n.ID, n.Version, redDraft("Fraud", Distribution{Scope: notice.ScopeAll}))
	wantKind(t, err, errs.Conflict)
	_, err = fr.svc.ResubmitNotice(spoc, n.ID, nil)
	wantKind(t, err, errs.Conflict)
	_, err = fr.svc.ReassessNotice(spoc, n.ID)
	wantKind(t, err, errs.Precondition)
	_, err = fr.svc.DecideNotice(spoc, n.ID, DecisionRequest{Outcome: notice.Approved, Reasons: "ok", Acknowledged: []string{flag}, ExtraditionWillBeSought: true})
	wantKind(t, err, errs.Permission)
	selfReview := access.With(spoc, access.Principal{UserID: "u-spoc", Role: access.Reviewer, Agency: "FR-NCB", Country: "FR"})
	_, err = fr.svc.DecideNotice(selfReview, n.ID, DecisionRequest{Outcome: notice.Approved, Reasons: "ok", Acknowledged: []string{flag}, ExtraditionWillBeSought: true})
	wantKind(t, err, errs.Permission)
	reviewer := fr.as(access.Reviewer)
	_, err = fr.svc.DecideNotice(reviewer, n.ID, DecisionRequest{Outcome: notice.Approved, Reasons: "ok", ExtraditionWillBeSought: true})
	wantKind(t, err, errs.Precondition)
	_, err = fr.svc.DecideNotice(reviewer, n.ID, DecisionRequest{Outcome: notice.Approved, Reasons: "ok", Acknowledged: []string{flag}})
	wantKind(t, err, errs.Precondition)
	if _, err := fr.svc.RunOnce(context.Background(), time.Now().AddDate(6, 0, 0)); err != nil {
		t.Fatal(err)
	}
	// Through the API: the body has no state to set.
	c := fr.serve(t)
	err = c(access.SPOC).Do(spoc, client.Request{Method: "PUT", Path: "/api/v1/notices/" + n.ID,
		Body: map[string]any{"version": n.Version, "type": "red", "state": "published", "subject": map[string]any{"name": "DOE"}}}, nil)
	wantKind(t, err, errs.Invalid)

	got := must[*Notice](t)(fr.svc.GetNotice(spoc, n.ID))
	if got.State != notice.InReview {
		t.Fatalf("state %s before any decision", got.State)
	}
	if m := fr.fed.(*fakeFed).take(); len(m) != 0 {
		t.Fatalf("sent %d messages before review", len(m))
	}
	if hits := personHits(t, fr, "John Doe", "1980-01-02"); len(hits) != 0 {
		t.Fatalf("border hit before review: %+v", hits)
	}

	// The reviewer decides.
	reasons := "The newspaper article also reports an ordinary-law fraud of EUR 2m, which predominates."
	n = must[*Notice](t)(fr.svc.DecideNotice(reviewer, n.ID, DecisionRequest{Outcome: notice.Approved, Reasons: reasons,
		Acknowledged: []string{flag}, ExtraditionWillBeSought: true}))
	if n.State != notice.Published || n.ExpiresAt.Sub(n.PublishedAt) < 4*365*24*time.Hour || n.Envelope.ReviewDate != n.ExpiresAt {
		t.Fatalf("decided: state %s published %v expires %v envelope review %v", n.State, n.PublishedAt, n.ExpiresAt, n.Envelope.ReviewDate)
	}
	if len(n.Decisions) != 1 || n.Decisions[0].Reviewer != "u-reviewer" || n.Decisions[0].Reasons != reasons {
		t.Fatalf("decisions %+v", n.Decisions)
	}
	approved := fr.events(t, audit.Alter, "notice-approved")
	if len(approved) != 1 || len(approved[0].Hashes) != 1 || approved[0].ActorID != "u-reviewer" {
		t.Fatalf("approval audit %+v", approved)
	}
	for _, e := range fr.audit.Events(t) {
		for _, h := range e.Hashes {
			if strings.Contains(h, "fraud") {
				t.Fatalf("audit event holds the reasons: %+v", e)
			}
		}
	}
	disc := fr.events(t, audit.Disclose, "notice-distributed")
	if len(disc) != 1 || !slices.Equal(disc[0].Recipients, []string{"DE-BKA", "NL-NCB"}) {
		t.Fatalf("disclosure audit %+v", disc)
	}
	hits := personHits(t, fr, "Doe John", "1980-01-02")
	if len(hits) != 1 || hits[0].Instruction != "arrest with a view to extradition — contact NCB Lyon" || hits[0].Strength != "strong" {
		t.Fatalf("hits at the originator: %+v", hits)
	}

	tr.deliver(t)
	for _, x := range []*node{tr.de, tr.nl} {
		hits := personHits(t, x, "JOHN DOE", "1980-01-02")
		if len(hits) != 1 || hits[0].NoticeType != notice.Red || !strings.HasPrefix(hits[0].Reference, "FR-NCB notice ") {
			t.Fatalf("%s: hits %+v", x.agency, hits)
		}
		// The copy does not carry the reviewer's identity or reasons.
		list := must[[]Summary](t)(func() ([]Summary, error) {
			l, _, err := x.svc.ListNotices(x.as(access.SPOC), NoticeFilter{Origin: "received", Limit: 10})
			return l, err
		}())
		if len(list) != 1 {
			t.Fatalf("%s: received %+v", x.agency, list)
		}
		cp := must[*Notice](t)(x.svc.GetNotice(x.as(access.Investigator), list[0].ID))
		if cp.ReceivedFrom != "FR-NCB" || cp.Envelope.ReceivedFrom != "FR-NCB" || cp.Decisions[0].Reasons != "" || cp.Decisions[0].Reviewer != "" {
			t.Fatalf("%s: copy %+v", x.agency, cp)
		}
		// Copies are changed only by their originator.
		_, err := x.svc.CancelNotice(x.as(access.SPOC), cp.ID, "no")
		wantKind(t, err, errs.Permission)
	}
	st := must[[]PartnerState](t)(fr.svc.NoticeDistribution(spoc, n.ID))
	if len(st) != 2 || st[0].State != federation.DeliveryDelivered || st[1].State != federation.DeliveryDelivered {
		t.Fatalf("distribution %+v", st)
	}

	// Cancellation removes the hit everywhere.
	must[*Notice](t)(fr.svc.CancelNotice(spoc, n.ID, "the subject was arrested"))
	tr.deliver(t)
	for _, x := range []*node{fr, tr.de, tr.nl} {
		if hits := personHits(t, x, "John Doe", "1980-01-02"); len(hits) != 0 {
			t.Fatalf("%s: hit after cancellation: %+v", x.agency, hits)
		}
	}
}

func TestCoreRoundTrip(t *testing.T) {
	n := newNode(t, "FR-NCB", "FR", nil)
	v := publish(t, n, Distribution{Scope: notice.ScopeAll})
	c, err := v.Core()
	if err != nil {
		t.Fatal(err)
	}
	if c.State != notice.Published || len(c.History) != 2 || len(c.Decisions) != 1 || c.CheckInvariants() != nil {
		t.Fatalf("core %+v", c)
	}
	d := DraftOf(c)
	if d.Subject.DateOfBirth != "1980-01-02" || d.Charges[0].Text != v.Charges[0].Text || d.Distribution.Scope != notice.ScopeAll {
		t.Fatalf("draft %+v", d)
	}
}
