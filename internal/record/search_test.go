package record

import (
	"slices"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/policy"
)

func summaryIDs(items []Summary) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	slices.Sort(out)
	return out
}

func TestFullTextAcrossScripts(t *testing.T) {
	e := newEnv(t)
	ctx := officerCtx(access.Analyst)
	cyr := e.mustCreate(t, ctx, draft("Report A", ent("p1", "Person", "name", "Сергей Иванов")))
	lat := e.mustCreate(t, ctx, draft("Report B", ent("p1", "Person", "name", "Serguei IVANOFF")))
	gr := e.mustCreate(t, ctx, draft("Report C", ent("p1", "Person", "name", "Γεώργιος Παπαδόπουλος")))
	ar := e.mustCreate(t, ctx, draft("Report D", ent("p1", "Person", "name", "محمد")))
	de := e.mustCreate(t, ctx, draft("Report E", ent("p1", "Person", "name", "Jürgen Müller")))
	narr := draft("Report F", ent("c1", "Company", "name", "Blue Harbour Logistics B.V."))
	narr.Narrative = "The container was unloaded at the Maasvlakte terminal during the night."
	nr := e.mustCreate(t, ctx, narr)

	tests := []struct {
		q    string
		want []string
	}{
		{"sergei ivanov", []string{cyr.ID, lat.ID}},
		{"Сергей Иванов", []string{cyr.ID, lat.ID}},
		{"IVANOV", []string{cyr.ID, lat.ID}},
		{"Georgios Papadopoulos", []string{gr.ID}},
		{"Mohammed", []string{ar.ID}},
		{"muhammad", []string{ar.ID}},
		{"Juergen Mueller", []string{de.ID}},
		{"jurgen muller", []string{de.ID}},
		{"maasvlakte", []string{nr.ID}},
		{"Blue Harbour", []string{nr.ID}},
		{"container night", []string{nr.ID}},
		{"container sergei", nil},
		{"Report", []string{cyr.ID, lat.ID, gr.ID, ar.ID, de.ID, nr.ID}},
	}
	for _, tt := range tests {
		res, err := e.svc.Search(ctx, Query{Text: tt.q})
		if err != nil {
			t.Fatalf("%q: %v", tt.q, err)
		}
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if got := summaryIDs(res.Items); !slices.Equal(got, want) || res.Total != len(want) {
			t.Errorf("%q: got %v (total %d), want %v", tt.q, got, res.Total, want)
		}
	}
	if _, err := e.svc.Search(ctx, Query{Text: "!!! ..."}); !errs.Is(err, errs.Invalid) {
		t.Errorf("query without words: %v", err)
	}
}

func TestIdentifierLookupAndFilters(t *testing.T) {
	e := newEnv(t)
	ctx := officerCtx(access.Investigator)
	a := e.mustCreate(t, ctx, draft("Account holder",
		ent("p1", "Person", "name", "Anna Kowalska", "nationality", "pl", "email", "Anna.K@Mail.Example"),
		ent("a1", "BankAccount", "iban", "pl61 1090 1014 0000 0712 1981 2874")))
	b := e.mustCreate(t, ctx, draft("Car", ent("v1", "Vehicle", "registrationNumber", "WPI-1234X", "country", "DE")))
	vinD := draft("VIN", ent("v2", "Vehicle", "registrationNumber", "WVWZZZ1JZXW000001"))
	vinD.CaseRef = "NL-2025-7"
	c := e.mustCreate(t, ctx, vinD)
	ph := e.mustCreate(t, ctx, draft("Phone", ent("p2", "Person", "name", "X Y", "phone", "+31 6 1234 5678")))

	lookups := []struct {
		kind, value string
		want        string
		entity      string
	}{
		{"iban", "PL61109010140000071219812874", a.ID, "a1"},
		{"iban", "pl61 1090 1014 0000 0712 1981 2874", a.ID, "a1"},
		{"email", "anna.k@mail.example", a.ID, "p1"},
		{"plate", "wpi 1234 x", b.ID, "v1"},
		{"vin", "wvwzzz1jzxw000001", c.ID, "v2"},
		{"phone", "+31612345678", ph.ID, "p2"},
	}
	for _, l := range lookups {
		hits, err := e.svc.Lookup(ctx, l.kind, l.value, 0)
		if err != nil {
			t.Fatalf("%s %s: %v", l.kind, l.value, err)
		}
		if len(hits) != 1 || hits[0].Record.ID != l.want || hits[0].EntityID != l.entity {
			t.Errorf("%s %q: %+v", l.kind, l.value, hits)
		}
	}
	if hits, _ := e.svc.Lookup(ctx, "plate", "WPI1234Y", 0); len(hits) != 0 {
		t.Errorf("wrong plate found %+v", hits)
	}
	if _, err := e.svc.Lookup(ctx, "shoe-size", "42", 0); !errs.Is(err, errs.Invalid) {
		t.Errorf("unknown kind: %v", err)
	}
	evs := e.events.take()
	last := evs[len(evs)-1]
	if last.Reason != "identifier-lookup" || len(last.Hashes) != 1 || last.Hashes[0] == "" {
		t.Errorf("lookup event %+v", last)
	}

	filters := []struct {
		q    Query
		want []string
	}{
		{Query{Schema: "Vehicle"}, []string{b.ID, c.ID}},
		{Query{Country: "Poland"}, []string{a.ID}},
		{Query{Country: "de"}, []string{b.ID}},
		{Query{CaseRef: "NL-2025-7"}, []string{c.ID}},
		{Query{Originator: testAgency}, []string{a.ID, b.ID, c.ID, ph.ID}},
		{Query{Originator: "DE-BKA"}, nil},
		{Query{IdentifierKind: "iban", IdentifierValue: "PL61109010140000071219812874"}, []string{a.ID}},
		{Query{From: testNow, To: testNow.Add(time.Second)}, []string{a.ID, b.ID, c.ID, ph.ID}},
		{Query{To: testNow}, nil},
	}
	for _, f := range filters {
		res, err := e.svc.Search(ctx, f.q)
		if err != nil {
			t.Fatalf("%+v: %v", f.q, err)
		}
		want := slices.Clone(f.want)
		slices.Sort(want)
		if got := summaryIDs(res.Items); !slices.Equal(got, want) {
			t.Errorf("%+v: got %v, want %v", f.q, got, want)
		}
	}
	if _, err := e.svc.Search(ctx, Query{Schema: "Unicorn"}); !errs.Is(err, errs.Invalid) {
		t.Errorf("unknown schema: %v", err)
	}
}

func TestSearchPagingCountsFacetsSkipUnreadable(t *testing.T) {
	e := newEnv(t)
	ctx := officerCtx(access.Investigator)
	var own []string
	for i := range 7 {
		r := e.mustCreate(t, ctx, draft("Shipment", ent("v1", "Vehicle", "registrationNumber", "AB"+string(rune('A'+i))+"123", "country", "NL")))
		own = append(own, r.ID)
	}
	// Received copies: one readable, one TLP:RED not naming us, one for
	// another case only, one H3 not-to-country NL.
	insertCopy := func(mod func(*policy.Envelope)) string {
		env := testEnvelope()
		env.Originator, env.OriginatorCountry, env.ReceivedFrom = "DE-BKA", "DE", "DE-BKA"
		env.ReviewDate = testNow.AddDate(1, 0, 0)
		mod(&env)
		return insertRaw(t, e, "Shipment", env, ent("v1", "Vehicle", "registrationNumber", "DE1", "country", "DE"))
	}
	readableCopy := insertCopy(func(*policy.Envelope) {})
	insertCopy(func(env *policy.Envelope) { env.TLP, env.TLPRecipients = policy.TLPRed, []string{"FR-DCPJ"} })
	caseOnly := insertCopy(func(env *policy.Envelope) {
		env.Handling |= policy.H3
		env.Restrictions.Rules = []policy.Restriction{{Kind: policy.RestrictCaseOnly, Value: "C-9"}}
	})
	insertCopy(func(env *policy.Envelope) {
		env.Handling |= policy.H3
		env.Restrictions.Rules = []policy.Restriction{{Kind: policy.RestrictNotToCountry, Value: "NL"}}
	})
	want := append(slices.Clone(own), readableCopy)
	slices.Sort(want)

	var got []string
	q := Query{Text: "shipment", Limit: 3, Facets: true}
	for page := 0; ; page++ {
		res, err := e.svc.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 8 || res.TotalCapped {
			t.Errorf("page %d: total %d", page, res.Total)
		}
		f := res.Facets
		if len(f.Originator) != 2 || f.Originator[0] != (FacetValue{testAgency, 7}) || f.Originator[1] != (FacetValue{"DE-BKA", 1}) {
			t.Errorf("originator facet %+v", f.Originator)
		}
		if len(f.Country) != 2 || f.Country[0] != (FacetValue{"nl", 7}) || f.Country[1] != (FacetValue{"de", 1}) {
			t.Errorf("country facet %+v", f.Country)
		}
		if len(f.Schema) != 1 || f.Schema[0] != (FacetValue{"Vehicle", 8}) {
			t.Errorf("schema facet %+v", f.Schema)
		}
		for _, it := range res.Items {
			got = append(got, it.ID)
		}
		if res.Next == 0 {
			break
		}
		q.After = res.Next
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("pages: got %v, want %v", got, want)
	}
	// In case C-9 the case-only copy becomes readable.
	res, err := e.svc.Search(asOfficer(access.Investigator, testAgency, testCountry, "C-9"), Query{Text: "shipment"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 9 || !slices.Contains(summaryIDs(res.Items), caseOnly) {
		t.Errorf("in case C-9: total %d", res.Total)
	}
}
