package matchsvc

import (
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/policy"
)

// Listing the hits this node followed up is a consultation: one consult
// event with the officer's justification, naming the hits listed, and
// one without objects when there are none.
func TestSentFollowUpsAreAudited(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA")
	nl, de := ns[0], ns[1]
	const reason = "hit follow-ups sent listed"
	listed := func(want int) audit.Event {
		t.Helper()
		evs := de.Audit.Find(t, audit.Consult, audit.OK, reason)
		if len(evs) != want {
			t.Fatalf("%d %q events, want %d", len(evs), reason, want)
		}
		e := evs[want-1]
		if e.Justification != "operation test" || e.CaseRef != "CASE-1" || e.Role != access.Investigator {
			t.Errorf("listing audited as %+v", e)
		}
		return e
	}

	if got, err := de.svc.SentFollowUps(de.officer(access.Investigator), 10); err != nil || len(got) != 0 {
		t.Fatalf("nothing followed up: %+v, %v", got, err)
	}
	if e := listed(1); len(e.Objects) != 0 {
		t.Errorf("empty listing names %+v", e.Objects)
	}

	nl.create(t, policy.Envelope{}, ent("p1", "Person", "passportNumber", "NLP123456"))
	nl.sync(t)
	hit := de.answerFrom(t, QueryRequest{Type: "passport", Values: []string{"NLP123456"}}, "NL-NCB").Results[0]
	if hit.Status != StatusHit {
		t.Fatalf("no hit: %+v", hit)
	}
	if _, err := de.svc.FollowUp(de.officer(access.Investigator), hit.HitID, FollowUpRequest{Justification: "whose passport"}); err != nil {
		t.Fatal(err)
	}
	if got, err := de.svc.SentFollowUps(de.officer(access.Investigator), 10); err != nil || len(got) != 1 {
		t.Fatalf("one followed up: %+v, %v", got, err)
	}
	if e := listed(2); len(e.Objects) != 1 || e.Objects[0] != (audit.Ref{Type: "match-hit", ID: hit.HitID}) {
		t.Errorf("listing names %+v, want hit %s", e.Objects, hit.HitID)
	}
}
