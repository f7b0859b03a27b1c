package record

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/policy"
)

func TestCreateGetUpdateVersions(t *testing.T) {
	e := newEnv(t)
	ctx := officerCtx(access.Investigator)
	d := draft("Courier at Rotterdam",
		ent("p1", "Person", "name", "Sergei Ivanov", "birthDate", "1980-02-03", "nationality", "ru"),
		ent("pp1", "Passport", "number", "75 1234567", "holder", "p1", "country", "RU"),
		ent("v1", "Vehicle", "registrationNumber", "ab-123-c", "country", "NL"))
	d.Assessment = "Probably works for a larger network."
	d.Assessments = []string{"v1"}
	r := e.mustCreate(t, ctx, d)
	if r.Version != 1 || r.State != StateActive || r.Envelope.Originator != testAgency || r.Envelope.OriginatorCountry != testCountry {
		t.Fatalf("created %+v", r)
	}
	// Default review date: suspect, 3 years.
	if want := testNow.AddDate(3, 0, 0); !r.Envelope.ReviewDate.Equal(want) {
		t.Errorf("review date %v, want %v", r.Envelope.ReviewDate, want)
	}
	if got := kinds(e.events.take()); !slices.Equal(got, []string{"collect"}) {
		t.Errorf("audit after create: %v", got)
	}

	got, dec, err := e.svc.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if dec.Rule != policy.RuleAllowOriginator {
		t.Errorf("rule %s", dec.Rule)
	}
	if got.Title != d.Title || len(got.Entities) != 3 || got.Assessment != d.Assessment || got.DataSubjects["p1"] != policy.CategorySuspect {
		t.Errorf("read back %+v", got)
	}
	// Values are normalised by property type.
	for _, en := range got.Entities {
		if en.ID == "pp1" && (en.Properties["country"][0] != "ru") {
			t.Errorf("passport country not normalised: %v", en.Properties)
		}
	}
	evs := e.events.take()
	if len(evs) != 1 || evs[0].Kind != audit.Consult || evs[0].Reason != policy.RuleAllowOriginator || evs[0].Objects[0].ID != r.ID {
		t.Errorf("consult event %+v", evs)
	}

	// Update: new version, history kept; a stale version conflicts.
	d2 := d
	d2.Title, d2.Version = "Courier at Rotterdam (corrected)", 1
	up, err := e.svc.Update(ctx, r.ID, d2)
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 2 || up.CreatedAt != r.CreatedAt {
		t.Errorf("updated %+v", up)
	}
	if _, err := e.svc.Update(ctx, r.ID, d2); !errs.Is(err, errs.Conflict) {
		t.Errorf("stale update: %v", err)
	}
	vs, err := e.svc.Versions(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Version != 1 || vs[0].Change != ChangeCreate || vs[0].Record.Title != d.Title ||
		vs[1].Version != 2 || vs[1].Change != ChangeUpdate || vs[1].Record.Title != d2.Title {
		t.Errorf("versions %+v", vs)
	}
	if got := kinds(e.events.take()); !slices.Equal(got, []string{"alter", "consult"}) {
		t.Errorf("audit: %v", got)
	}

	// The change feed has both changes, in order.
	ch, err := e.svc.ChangesSince(context.Background(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 2 || ch[0].Change != ChangeCreate || ch[1].Change != ChangeUpdate || ch[1].Seq <= ch[0].Seq || ch[1].Version != 2 {
		t.Errorf("changes %+v", ch)
	}
}

func TestJustificationAndRoles(t *testing.T) {
	e := newEnv(t)
	r := e.mustCreate(t, officerCtx(access.Investigator), draft("A", ent("v1", "Vehicle", "registrationNumber", "XY12ZZ")))

	noJust := access.With(context.Background(), access.Principal{UserID: "u", Role: access.Investigator, Agency: testAgency, Country: testCountry})
	if _, _, err := e.svc.Get(noJust, r.ID); !errs.Is(err, errs.Precondition) {
		t.Errorf("read without justification: %v", err)
	}
	if _, err := e.svc.Create(noJust, draft("B")); !errs.Is(err, errs.Precondition) {
		t.Errorf("create without justification: %v", err)
	}
	for _, role := range []access.Role{access.Border, access.Admin, access.Reviewer} {
		if _, _, err := e.svc.Get(officerCtx(role), r.ID); !errs.Is(err, errs.Permission) {
			t.Errorf("%s reads: %v", role, err)
		}
	}
	if _, err := e.svc.Create(officerCtx(access.Prosecutor), draft("C")); !errs.Is(err, errs.Permission) {
		t.Errorf("prosecutor creates: %v", err)
	}
	if err := e.svc.Erase(officerCtx(access.Investigator), r.ID); !errs.Is(err, errs.Permission) {
		t.Errorf("investigator erases: %v", err)
	}
	other := asOfficer(access.Investigator, "DE-BKA", "DE", "")
	if _, _, err := e.svc.Get(other, r.ID); !errs.Is(err, errs.Permission) {
		t.Errorf("officer of another agency reads: %v", err)
	}
	partner := access.WithJustification(access.With(context.Background(),
		access.Principal{Agency: "DE-BKA", Country: "DE", Partner: true, Role: access.Investigator}), access.Justification{Text: "x"})
	if _, _, err := e.svc.Get(partner, r.ID); !errs.Is(err, errs.Permission) {
		t.Errorf("partner node reads through the local path: %v", err)
	}
	if _, _, err := e.svc.Get(officerCtx(access.Investigator), "not-a-uuid"); !errs.Is(err, errs.NotExist) {
		t.Errorf("malformed id: %v", err)
	}
}

func TestExerciseDataStaysApart(t *testing.T) {
	e := newEnv(t)
	ex := access.With(context.Background(), access.Principal{UserID: "u", Role: access.Investigator, Agency: testAgency, Country: testCountry, Exercise: true})
	ex = access.WithJustification(ex, access.Justification{Text: "exercise"})
	d := draft("Exercise record", ent("v1", "Vehicle", "registrationNumber", "EX1234"))
	d.Envelope.Purpose, d.Envelope.Exercise = policy.PurposeTraining, true
	r := e.mustCreate(t, ex, d)
	real := officerCtx(access.Investigator)
	if _, _, err := e.svc.Get(real, r.ID); !errs.Is(err, errs.Withheld) {
		t.Errorf("real officer reads exercise data: %v", err)
	}
	if _, err := e.svc.Create(real, d); !errs.Is(err, errs.Invalid) {
		t.Errorf("exercise data created outside an exercise: %v", err)
	}
	if _, _, err := e.svc.Get(ex, r.ID); err != nil {
		t.Errorf("exercise officer reads exercise data: %v", err)
	}
	res, err := e.svc.Search(real, Query{})
	if err != nil || len(res.Items) != 0 || res.Total != 0 {
		t.Errorf("real search sees exercise data: %+v %v", res, err)
	}
}

func TestWithdrawReviewErase(t *testing.T) {
	e := newEnv(t)
	inv := officerCtx(access.Investigator)
	spoc := officerCtx(access.SPOC)
	mk := func(title string) *Record {
		return e.mustCreate(t, inv, draft(title,
			ent("p1", "Person", "name", "Ольга Петрова", "birthDate", "1975-05-05"),
			ent("a1", "BankAccount", "iban", "DE44 5001 0517 5407 3249 31")))
	}
	w := mk("To withdraw")
	r := mk("To review")
	x := mk("To erase")
	e.events.take()

	wr, err := e.svc.Withdraw(inv, w.ID)
	if err != nil || wr.State != StateWithdrawn || wr.Version != 2 {
		t.Fatalf("withdraw: %+v %v", wr, err)
	}
	if _, err := e.svc.Update(inv, w.ID, Draft{Title: "x", Version: 2, Envelope: testEnvelope()}); !errs.Is(err, errs.Conflict) {
		t.Errorf("update of withdrawn record: %v", err)
	}
	got, _, err := e.svc.Get(inv, w.ID)
	if err != nil || got.State != StateWithdrawn {
		t.Errorf("withdrawn record stays readable by id: %v", err)
	}
	hits, err := e.svc.Lookup(inv, "iban", "DE44500105175407324931", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if h.Record.ID == w.ID {
			t.Errorf("withdrawn record found by lookup")
		}
	}
	if len(hits) != 2 {
		t.Errorf("lookup hits %d, want 2", len(hits))
	}

	// Review: a justification text is required, the date is bounded.
	if _, err := e.svc.Review(inv, r.ID, time.Time{}); !errs.Is(err, errs.Permission) {
		t.Errorf("investigator reviews: %v", err)
	}
	caseOnly := access.WithJustification(access.With(context.Background(), access.Principal{UserID: "s", Role: access.SPOC, Agency: testAgency, Country: testCountry}),
		access.Justification{CaseRef: "NL-1"})
	if _, err := e.svc.Review(caseOnly, r.ID, time.Time{}); !errs.Is(err, errs.Precondition) {
		t.Errorf("review without justification text: %v", err)
	}
	if _, err := e.svc.Review(spoc, r.ID, testNow.AddDate(4, 0, 0)); !errs.Is(err, errs.Invalid) {
		t.Errorf("review beyond the suspect period: %v", err)
	}
	e.clock.Set(testNow.AddDate(1, 0, 0))
	rv, err := e.svc.Review(spoc, r.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if want := testNow.AddDate(4, 0, 0); !rv.Envelope.ReviewDate.Equal(want) || rv.Version != 2 {
		t.Errorf("reviewed %v v%d, want %v", rv.Envelope.ReviewDate, rv.Version, want)
	}

	// Erase: personal data gone from every table and index.
	if err := e.svc.Erase(spoc, x.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Get(spoc, x.ID); !errs.Is(err, errs.NotExist) {
		t.Errorf("erased record read: %v", err)
	}
	var rid int64
	if err := e.db.QueryRowContext(context.Background(), `SELECT rid FROM records WHERE id = ?`, x.ID).Scan(&rid); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`SELECT COUNT(*) FROM record_identifiers WHERE rid = ?`, `SELECT COUNT(*) FROM record_terms WHERE rid = ?`,
		`SELECT COUNT(*) FROM record_versions WHERE rid = ?`,
		`SELECT COUNT(*) FROM records WHERE rid = ? AND (body <> '' OR title <> '' OR envelope <> '')`,
	} {
		if n := e.count(t, q, rid); n != 0 {
			t.Errorf("%s: %d rows after erasure", q, n)
		}
	}
	res, err := e.svc.Search(spoc, Query{Text: "Петрова"})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		if it.ID == x.ID {
			t.Errorf("erased record found by full text")
		}
	}
	if n := e.count(t, `SELECT COUNT(*) FROM record_identifiers WHERE kind = 'iban' AND value = 'DE44500105175407324931'`); n != 1 {
		t.Errorf("identifier occurrences after withdraw and erase: %d, want 1", n)
	}
	evs := e.events.take()
	if got := kinds(evs); !slices.Contains(got, "erase") {
		t.Errorf("no erase event: %v", got)
	}
	ch, _ := e.svc.ChangesSince(context.Background(), 0, 100)
	if last := ch[len(ch)-1]; last.Change != ChangeErase || last.RecordID != x.ID {
		t.Errorf("last change %+v", last)
	}
}

func TestUnreadableIsWithheldAndAudited(t *testing.T) {
	e := newEnv(t)
	r := e.mustCreate(t, officerCtx(access.Investigator), draft("Expiring", ent("v1", "Vehicle", "registrationNumber", "EXP123")))
	e.events.take()
	e.clock.Set(r.Envelope.ReviewDate)
	_, dec, err := e.svc.Get(officerCtx(access.Investigator), r.ID)
	if !errs.Is(err, errs.Withheld) || dec.Rule != policy.RuleExpired {
		t.Fatalf("expired read: %v %s", err, dec.Rule)
	}
	evs := e.events.take()
	if len(evs) != 1 || evs[0].Outcome != audit.Denied || evs[0].Reason != policy.RuleExpired {
		t.Errorf("denied read event %+v", evs)
	}
	if _, dec, err := e.svc.Get(officerCtx(access.SPOC), r.ID); err != nil || dec.Rule != policy.RuleAllowReview {
		t.Errorf("SPOC reads expired record: %v %s", err, dec.Rule)
	}
}

func TestUpdateDoesNotExtendRetentionUnnoticed(t *testing.T) {
	e := newEnv(t)
	ctx := officerCtx(access.Investigator)
	d := draft("Witness", ent("p1", "Person", "name", "Tom Lee"))
	d.DataSubjects["p1"] = policy.CategoryWitness // one year
	r := e.mustCreate(t, ctx, d)
	e.clock.Set(testNow.AddDate(0, 6, 0))
	d.Version, d.Title = 1, "Witness (corrected)"
	up, err := e.svc.Update(ctx, r.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if !up.Envelope.ReviewDate.Equal(r.Envelope.ReviewDate) {
		t.Errorf("an update without a review date moved it from %v to %v", r.Envelope.ReviewDate, up.Envelope.ReviewDate)
	}
	d.Version, d.Envelope.ReviewDate = 2, testNow.AddDate(3, 0, 0)
	if _, err := e.svc.Update(ctx, r.ID, d); !errs.Is(err, errs.Invalid) {
		t.Errorf("update beyond the witness period: %v", err)
	}
	d.Envelope.ReviewDate = testNow.AddDate(1, 3, 0) // within a year from the clock
	if up, err := e.svc.Update(ctx, r.ID, d); err != nil || up.Version != 3 {
		t.Errorf("update within the period: %v", err)
	}
}
