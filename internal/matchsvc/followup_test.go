package matchsvc

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/policy"
)

// From a hit, one call sends the holder a hit-follow-up; the holder
// resolves the reference to its record and puts a task before its SPOC,
// due in 48 hours, which the SPOC answers.
func TestFollowUpReachesTheHoldersSPOC(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA")
	nl, de := ns[0], ns[1]
	recID := nl.create(t, policy.Envelope{}, ent("p1", "Person", "name", "Сергей Иванов", "birthDate", "1970-01-02"))
	other := nl.create(t, policy.Envelope{}, ent("p2", "Person", "name", "Sergei Ivanov", "birthDate", "1970-01-02"))
	nl.create(t, policy.Envelope{}, ent("p3", "Person", "name", "Somebody Else", "birthDate", "1970-01-02"))
	nl.sync(t)

	res := de.query(t, QueryRequest{Type: TypePerson, Name: "Ivanov Sergei", BirthDate: "1970-01-02"})
	var hit ValueResult
	for _, v := range partnerResult(t, res, "NL-NCB").Results {
		if v.Key == "name-dob" {
			hit = v
		}
	}
	if hit.Status != StatusHit {
		t.Fatalf("no name-dob hit: %+v", res)
	}

	// Only the officer who got the hit, or a SPOC, follows it up, with a
	// justification text.
	if _, err := de.svc.FollowUp(de.as(access.Investigator, "someone-else"), hit.HitID, FollowUpRequest{Justification: "curious"}); !errs.Is(err, errs.NotExist) {
		t.Fatalf("another officer's follow-up: %v", err)
	}
	caseOnly := access.WithJustification(access.With(context.Background(), de.Principal(access.Investigator)), access.Justification{CaseRef: "CASE-1"})
	if _, err := de.svc.FollowUp(caseOnly, hit.HitID, FollowUpRequest{}); !errs.Is(err, errs.Precondition) {
		t.Fatalf("follow-up without a justification text: %v", err)
	}
	sent, err := de.svc.FollowUp(caseOnly, hit.HitID, FollowUpRequest{Justification: "suspect of the port seizure, identify him"})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Partner != "NL-NCB" || sent.Reference != hit.Reference || sent.Strength != "strong" {
		t.Fatalf("sent %+v", sent)
	}
	if _, err := de.svc.FollowUp(de.officer(access.Investigator), hit.HitID, FollowUpRequest{Justification: "again"}); !errs.Is(err, errs.Conflict) {
		t.Fatalf("second follow-up: %v", err)
	}
	if d := de.Audit.Find(t, audit.Disclose, audit.OK, "hit follow-up sent"); len(d) != 1 || d[0].Recipients[0] != "NL-NCB" {
		t.Fatalf("follow-up audited as %+v", d)
	}

	var f FollowUp
	fedtest.Eventually(t, 20*time.Second, "follow-up at the holder", func() error {
		nl.sync(t)
		fus, _, err := nl.svc.ListFollowUps(nl.officer(access.SPOC), 10, nil)
		if err != nil || len(fus) != 1 || fus[0].State != followUpOpen {
			return fedtest.ErrNotYet
		}
		f = fus[0]
		return nil
	})
	if f.Partner != "DE-BKA" || f.Type != "name-dob" || f.CaseRef != "CASE-1" || f.Justification != "suspect of the port seizure, identify him" ||
		f.Officer == "" || f.Due != "due" {
		t.Errorf("follow-up %+v", f)
	}
	if got := f.DueAt.Sub(f.ReceivedAt); got != 48*time.Hour {
		t.Errorf("deadline %v after receipt, want 48h", got)
	}
	// Both spellings of the name resolve: the reference is of the match
	// key, which they share.
	if len(f.Records) != 2 || !contains(f.Records, recID) || !contains(f.Records, other) {
		t.Errorf("resolved to %v, want %s and %s", f.Records, recID, other)
	}
	if c := nl.Audit.Find(t, audit.Collect, audit.OK, "hit follow-up received"); len(c) != 1 || c[0].Agency != "DE-BKA" {
		t.Errorf("receipt audited as %+v", c)
	}

	// Overdue after 48 hours; answered, it is done.
	nl.Advance(49 * time.Hour)
	fus, _, err := nl.svc.ListFollowUps(nl.officer(access.SPOC), 10, nil)
	if err != nil || fus[0].Due != "overdue" {
		t.Fatalf("after 49 hours: %+v, %v", fus, err)
	}
	if err := nl.svc.Answer(nl.officer(access.Investigator), f.ID, AnswerRequest{Outcome: "shared"}); !errs.Is(err, errs.Permission) {
		t.Fatalf("an investigator answers: %v", err)
	}
	if err := nl.svc.Answer(nl.officer(access.SPOC), f.ID, AnswerRequest{Outcome: "shared", Note: "sent through message 42"}); err != nil {
		t.Fatal(err)
	}
	fus, _, _ = nl.svc.ListFollowUps(nl.officer(access.SPOC), 10, nil)
	if fus[0].State != followUpAnswered || fus[0].Due != "done" || fus[0].Outcome != "shared" || fus[0].AnsweredBy == "" {
		t.Fatalf("answered: %+v", fus[0])
	}
	if err := nl.svc.Answer(nl.officer(access.SPOC), f.ID, AnswerRequest{Outcome: "declined"}); !errs.Is(err, errs.Conflict) {
		t.Fatalf("second answer: %v", err)
	}
	sentList, err := de.svc.SentFollowUps(de.officer(access.Investigator), 10)
	if err != nil || len(sentList) != 1 || sentList[0].HitID != hit.HitID {
		t.Fatalf("sent list %+v, %v", sentList, err)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// A malformed follow-up is rejected by the holder's handler, and the
// sender sees the message fail.
func TestMalformedFollowUpIsRejected(t *testing.T) {
	for _, c := range []struct{ name, payload, field string }{
		{"not json", `hello`, "payload"},
		{"unknown field", `{"version":1,"extra":1}`, "payload"},
		{"bad reference", `{"version":1,"reference":"zz","epoch":1,"type":"passport","caseRef":"C1","purpose":"criminal-investigation","justification":"x","officer":"o"}`, "payload.reference"},
		{"no epoch", `{"version":1,"reference":"00112233445566778899aabbccddeeff","epoch":0,"type":"passport","caseRef":"C1","purpose":"criminal-investigation","justification":"x","officer":"o"}`, "payload.epoch"},
		{"unknown type", `{"version":1,"reference":"00112233445566778899aabbccddeeff","epoch":1,"type":"shoe","caseRef":"C1","purpose":"criminal-investigation","justification":"x","officer":"o"}`, "payload.type"},
		{"control characters", `{"version":1,"reference":"00112233445566778899aabbccddeeff","epoch":1,"type":"passport","caseRef":"C1","purpose":"criminal-investigation","justification":"x\u0000","officer":"o"}`, "payload.justification"},
		{"version 2", `{"version":2}`, "payload.version"},
	} {
		_, _, _, err := parseFollowUpPayload([]byte(c.payload))
		if !errs.Is(err, errs.Invalid) || errs.FieldOf(err) != c.field {
			t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
		}
	}
	ok := `{"version":1,"reference":"00112233445566778899aabbccddeeff","epoch":1,"type":"passport","caseRef":"C1","purpose":"criminal-investigation","justification":"why\nbecause","officer":"o"}`
	if _, _, _, err := parseFollowUpPayload([]byte(ok)); err != nil {
		t.Fatalf("well-formed follow-up: %v", err)
	}
	if _, _, _, err := parseFollowUpPayload([]byte(strings.Repeat(" ", maxFollowUpPayload+1))); !errs.Is(err, errs.TooLarge) {
		t.Fatalf("oversized follow-up: %v", err)
	}
}
