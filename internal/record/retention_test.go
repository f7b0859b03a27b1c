package record

import (
	"context"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/policy"
)

func TestRetentionFlagThenReview(t *testing.T) {
	e := newEnv(t) // default mode: flag
	inv := officerCtx(access.Investigator)
	victim := draft("Victim statement", ent("p1", "Person", "name", "Eva Novak"))
	victim.DataSubjects["p1"] = policy.CategoryVictim // one year
	v := e.mustCreate(t, inv, victim)
	s := e.mustCreate(t, inv, draft("Suspect", ent("p1", "Person", "name", "Ivo Horvat"))) // three years
	e.events.take()

	rep, err := e.svc.RunRetention(context.Background(), testNow.AddDate(1, 0, 0))
	if err != nil || rep.Flagged != 1 || rep.Erased != 0 {
		t.Fatalf("retention: %+v %v", rep, err)
	}
	evs := e.events.take()
	if len(evs) != 1 || evs[0].Kind != audit.Alter || evs[0].Reason != "retention.flag" || evs[0].ActorName != retentionActor || evs[0].Objects[0].ID != v.ID {
		t.Errorf("flag event %+v", evs)
	}
	e.clock.Set(testNow.AddDate(1, 0, 1))
	if _, _, err := e.svc.Get(officerCtx(access.Investigator), v.ID); !errs.Is(err, errs.Withheld) {
		t.Errorf("investigator reads a flagged record: %v", err)
	}
	spoc := officerCtx(access.SPOC)
	got, _, err := e.svc.Get(spoc, v.ID)
	if err != nil || got.State != StateFlagged {
		t.Fatalf("SPOC reads flagged record: %+v %v", got, err)
	}
	// A second run does nothing more.
	if rep, _ := e.svc.RunRetention(context.Background(), testNow.AddDate(1, 0, 1)); rep.Flagged != 0 {
		t.Errorf("flagged twice: %+v", rep)
	}
	// Review: the new date is bounded by the victim period (one year).
	if _, err := e.svc.Review(spoc, v.ID, e.clock.Now().AddDate(2, 0, 0)); !errs.Is(err, errs.Invalid) {
		t.Errorf("review beyond one year: %v", err)
	}
	rv, err := e.svc.Review(spoc, v.ID, e.clock.Now().AddDate(0, 6, 0))
	if err != nil || rv.State != StateActive {
		t.Fatalf("review: %+v %v", rv, err)
	}
	if _, _, err := e.svc.Get(officerCtx(access.Investigator), v.ID); err != nil {
		t.Errorf("reviewed record not readable: %v", err)
	}
	if _, _, err := e.svc.Get(officerCtx(access.Investigator), s.ID); err != nil {
		t.Errorf("suspect record not yet due: %v", err)
	}
}

func TestRetentionErase(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Retention = RetentionErase })
	inv := officerCtx(access.Investigator)
	r := e.mustCreate(t, inv, draft("Old", ent("p1", "Person", "name", "Mia Berg", "passportNumber", "P7654321"))) // suspect: 3 years
	w := e.mustCreate(t, inv, draft("Withdrawn", ent("v1", "Vehicle", "registrationNumber", "OLD999")))            // no person: 6 months
	if _, err := e.svc.Withdraw(inv, w.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(testNow.AddDate(0, 1, 0))
	keep := e.mustCreate(t, inv, draft("Younger", ent("p1", "Person", "name", "Ola Berg")))
	// A review date column that says "due" while the envelope does not
	// (a review committed meanwhile): the job re-checks and leaves it.
	if _, err := e.db.ExecContext(context.Background(), `UPDATE records SET review_at = ? WHERE id = ?`, testNow.Add(-1).UnixMicro(), r.ID); err != nil {
		t.Fatal(err)
	}
	e.events.take()
	if rep, err := e.svc.RunRetention(context.Background(), testNow); err != nil || rep.Erased != 0 {
		t.Fatalf("nothing due: %+v %v", rep, err)
	}
	if rep, err := e.svc.RunRetention(context.Background(), testNow.AddDate(0, 6, 0)); err != nil || rep.Erased != 1 {
		t.Fatalf("withdrawn record due: %+v %v", rep, err)
	}
	if rep, err := e.svc.RunRetention(context.Background(), testNow.AddDate(3, 0, 0)); err != nil || rep.Erased != 1 {
		t.Fatalf("suspect record due: %+v %v", rep, err)
	}
	for _, ev := range e.events.take() {
		if ev.Kind != audit.Erase || ev.Reason != "retention.review-date" || ev.ActorName != retentionActor {
			t.Errorf("event %+v", ev)
		}
	}
	e.clock.Set(testNow.AddDate(3, 0, 0))
	spoc := officerCtx(access.SPOC)
	for _, id := range []string{r.ID, w.ID} {
		if _, _, err := e.svc.Get(spoc, id); !errs.Is(err, errs.NotExist) {
			t.Errorf("erased record: %v", err)
		}
	}
	if n := e.count(t, `SELECT COUNT(*) FROM record_identifiers WHERE value = 'P7654321'`); n != 0 {
		t.Errorf("identifier kept after erasure")
	}
	if _, _, err := e.svc.Get(spoc, keep.ID); err != nil {
		t.Errorf("younger record erased: %v", err)
	}
	ch, _ := e.svc.ChangesSince(context.Background(), 0, 100)
	erased := 0
	for _, c := range ch {
		if c.Change == ChangeErase {
			erased++
		}
	}
	if erased != 2 {
		t.Errorf("%d erase changes in the feed", erased)
	}
}
