package record

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/policy"
)

// Small pools, so that agencies, countries and cases collide often: the
// interesting decisions are about equality.
var (
	propAgencies = []string{testAgency, "DE-BKA", "FR-DCPJ", "BE-FP"}
	propCountry  = map[string]string{testAgency: "NL", "DE-BKA": "DE", "FR-DCPJ": "FR", "BE-FP": "BE"}
	propCases    = []string{"A-1", "B-2"}
	propTLP      = []policy.TLP{policy.TLPRed, policy.TLPAmberStrict, policy.TLPAmber, policy.TLPGreen, policy.TLPClear}
)

func genRule() *rapid.Generator[policy.Restriction] {
	return rapid.Custom(func(t *rapid.T) policy.Restriction {
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0:
			return policy.Restriction{Kind: policy.RestrictNotToCountry, Value: propCountry[rapid.SampledFrom(propAgencies).Draw(t, "c")]}
		case 1:
			return policy.Restriction{Kind: policy.RestrictNotToAgency, Value: rapid.SampledFrom(propAgencies).Draw(t, "a")}
		case 2:
			return policy.Restriction{Kind: policy.RestrictCaseOnly, Value: rapid.SampledFrom(propCases).Draw(t, "case")}
		}
		return policy.Restriction{Kind: policy.RestrictNoMatching}
	})
}

// genStoredEnvelope draws a structurally valid envelope as storage may
// hold it: own or copy (provenance sometimes inconsistent), any TLP, H3
// rules, exercise or real, review date in the past or the future.
func genStoredEnvelope(now time.Time) *rapid.Generator[policy.Envelope] {
	return rapid.Custom(func(t *rapid.T) policy.Envelope {
		orig := rapid.SampledFrom(propAgencies).Draw(t, "originator")
		e := policy.Envelope{
			Originator: orig, OriginatorCountry: propCountry[orig],
			Handling:          policy.Handling(rapid.IntRange(1, 7).Draw(t, "handling")),
			TLP:               rapid.SampledFrom(propTLP).Draw(t, "tlp"),
			SourceReliability: policy.SourceB, InformationReliability: policy.Info3,
			Purpose: policy.PurposeCrimePrevention, LegalBasis: "act",
			ReviewDate: now.Add(time.Duration(rapid.IntRange(-72, 72).Draw(t, "reviewHours")) * time.Hour),
			Exercise:   rapid.Bool().Draw(t, "exercise"),
		}
		if rapid.IntRange(0, 3).Draw(t, "exactNow") == 0 {
			e.ReviewDate = now // the boundary: expired
		}
		if e.Exercise {
			e.Purpose = policy.PurposeTraining
		}
		if rapid.Bool().Draw(t, "h3") {
			e.Handling |= policy.H3
			e.Restrictions.Rules = rapid.SliceOfNDistinct(genRule(), 0, 4, func(r policy.Restriction) string { return r.String() }).Draw(t, "rules")
			if len(e.Restrictions.Rules) == 0 {
				e.Restrictions.Text = "ask first"
			}
		}
		if e.TLP == policy.TLPRed {
			e.TLPRecipients = rapid.SliceOfNDistinct(rapid.SampledFrom(propAgencies), 1, 3, rapid.ID[string]).Draw(t, "recipients")
		}
		if orig != testAgency || rapid.IntRange(0, 4).Draw(t, "ownCopy") == 0 {
			// Mostly the sender of a copy; sometimes empty or the holder
			// itself (inconsistent provenance, which the filter must deny).
			e.ReceivedFrom = rapid.SampledFrom(append([]string{""}, propAgencies...)).Draw(t, "receivedFrom")
		}
		return e
	})
}

// TestReadFilterAgreesWithPolicy checks, on random records and principals,
// that the SQL read filter returns exactly the records policy allows, in
// search results, totals, facets and identifier lookups.
func TestReadFilterAgreesWithPolicy(t *testing.T) {
	e := newEnv(t)
	dec, _ := policy.New(policy.DefaultConfig())
	iter := 0
	rapid.Check(t, func(rt *rapid.T) {
		iter++
		tag := fmt.Sprintf("T-%d", iter)
		plate := fmt.Sprintf("PROP%dX", iter)
		now := e.clock.Now()
		n := rapid.IntRange(1, 8).Draw(rt, "records")
		type rec struct {
			id  string
			env policy.Envelope
		}
		var recs []rec
		for i := range n {
			env := genStoredEnvelope(now).Draw(rt, fmt.Sprintf("env%d", i))
			id := insertRawCase(t, e, tag, env, ent("v1", "Vehicle", "registrationNumber", plate, "country", "NL"))
			env.ReviewDate = micro(env.ReviewDate)
			recs = append(recs, rec{id, env})
		}
		p := access.Principal{
			UserID: "u1", Role: rapid.SampledFrom(access.Roles).Draw(rt, "role"),
			Agency: testAgency, Country: testCountry, Exercise: rapid.Bool().Draw(rt, "inExercise"),
		}
		if rapid.IntRange(0, 9).Draw(rt, "foreign") == 0 {
			p.Agency, p.Country = "DE-BKA", "DE"
		}
		caseRef := rapid.SampledFrom(append([]string{""}, propCases...)).Draw(rt, "case")
		ctx := access.WithJustification(access.With(context.Background(), p), access.Justification{Text: "property test", CaseRef: caseRef})
		scope := dec.ReadScope(p, testAgency, caseRef, now)

		var want []string
		for _, r := range recs {
			if d := dec.CanReadInCase(p, testAgency, r.env, caseRef, now); d.Allowed {
				want = append(want, r.id)
			}
			if scope.Decide(r.env).Allowed != dec.CanReadInCase(p, testAgency, r.env, caseRef, now).Allowed {
				rt.Fatalf("scope and CanReadInCase disagree")
			}
		}
		slices.Sort(want)

		res, err := e.svc.Search(ctx, Query{CaseRef: tag, Limit: 100, Facets: true})
		if _, denied := scope.Denied(); denied {
			if !errs.Is(err, errs.Permission) || len(want) != 0 {
				rt.Fatalf("denied scope: err %v, policy allows %d", err, len(want))
			}
			return
		}
		if err != nil {
			rt.Fatalf("search: %v", err)
		}
		if got := summaryIDs(res.Items); !slices.Equal(got, want) {
			rt.Fatalf("search returned %v, policy allows %v", got, want)
		}
		if res.Total != len(want) {
			rt.Fatalf("total %d, policy allows %d", res.Total, len(want))
		}
		sum := 0
		for _, f := range res.Facets.Originator {
			sum += f.Count
		}
		if sum != len(want) || len(want) > 0 && (len(res.Facets.Schema) != 1 || res.Facets.Schema[0].Count != len(want)) {
			rt.Fatalf("facets %+v, policy allows %d", res.Facets, len(want))
		}
		hits, err := e.svc.Lookup(ctx, "plate", plate, 100)
		if err != nil {
			rt.Fatalf("lookup: %v", err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.Record.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			rt.Fatalf("lookup returned %v, policy allows %v", got, want)
		}
	})
}

// insertRawCase is insertRaw with the holder's case reference set.
func insertRawCase(t testing.TB, e *env, caseRef string, envl policy.Envelope, ents ...ftm.Entity) string {
	t.Helper()
	id := insertRaw(t, e, "Property record", envl, ents...)
	if _, err := e.db.ExecContext(context.Background(), `UPDATE records SET case_ref = ? WHERE id = ?`, caseRef, id); err != nil {
		t.Fatal(err)
	}
	return id
}
