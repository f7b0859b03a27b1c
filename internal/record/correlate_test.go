package record

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/policy"
)

func correlationFor(c *Correlations, kind, value string) *Correlation {
	for i := range c.Identifiers {
		if c.Identifiers[i].Kind == kind && c.Identifiers[i].Value == value {
			return &c.Identifiers[i]
		}
	}
	return nil
}

func TestCorrelationsLinkReadableRecords(t *testing.T) {
	e := newEnv(t)
	ctx := officerCtx(access.Analyst)
	base := e.mustCreate(t, ctx, draft("Base",
		ent("p1", "Person", "name", "A", "passportNumber", "X1234567"),
		ent("a1", "BankAccount", "iban", "GB82 WEST 1234 5698 7654 32"), // a documentation IBAN: excluded
		ent("e1", "Person", "name", "B", "email", "info@example.com")))
	other1 := e.mustCreate(t, ctx, draft("Other 1", ent("p9", "Person", "name", "C", "passportNumber", "x 123 4567")))
	other2 := e.mustCreate(t, ctx, draft("Other 2", ent("pp", "Passport", "number", "X1234567"), ent("a2", "BankAccount", "iban", "GB82WEST12345698765432")))
	env := testEnvelope()
	env.Originator, env.OriginatorCountry, env.ReceivedFrom, env.ReviewDate = "DE-BKA", "DE", "DE-BKA", testNow.AddDate(1, 0, 0)
	env.Handling |= policy.H3
	env.Restrictions.Rules = []policy.Restriction{{Kind: policy.RestrictNotToAgency, Value: testAgency}}
	insertRaw(t, e, "Hidden", env, ent("p7", "Person", "name", "D", "passportNumber", "X1234567"))
	e.events.take()

	c, err := e.svc.Correlations(ctx, base.ID)
	if err != nil {
		t.Fatal(err)
	}
	pass := correlationFor(c, "passport", "X1234567")
	if pass == nil || pass.OverCorrelating {
		t.Fatalf("passport correlation %+v", c)
	}
	var got []string
	for _, r := range pass.Records {
		got = append(got, r.ID)
	}
	want := []string{other1.ID, other2.ID}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("linked %v, want %v (the hidden copy must not appear)", got, want)
	}
	if iban := correlationFor(c, "iban", "GB82WEST12345698765432"); iban == nil || !iban.OverCorrelating || iban.Reason != "excluded" || len(iban.Records) != 0 {
		t.Errorf("excluded IBAN %+v", iban)
	}
	if em := correlationFor(c, "email", "info@example.com"); em == nil || em.Reason != "excluded" {
		t.Errorf("placeholder e-mail %+v", em)
	}
	evs := e.events.take()
	if len(evs) != 1 || evs[0].Kind != "combine" || len(evs[0].Objects) != 3 {
		t.Errorf("combine event %+v", evs)
	}
}

func TestExclusions(t *testing.T) {
	x := DefaultExclusions()
	set, err := x.compile()
	if err != nil {
		t.Fatalf("default exclusions do not normalise: %v", err)
	}
	for _, c := range []struct {
		kind, value string
		excluded    bool
	}{
		{"passport", "000000000", true},
		{"passport", "123456789", true},
		{"passport", "UNKNOWN", true},
		{"passport", "X1234567", false},
		{"phone", "+12025550143", true}, // NANP fiction range
		{"phone", "+447700900123", true},
		{"phone", "+31612345678", false},
		{"email", "a@sub.example.org", true},
		{"email", "a@examples.org", false},
		{"wallet", "0x0000000000000000000000000000000000000000", true},
		{"iban", "DE89370400440532013000", true},
		{"iban", "DE44500105175407324931", false},
		{"vin", "12345678901234567", true},
	} {
		if got := set.excluded(c.kind, c.value); got != c.excluded {
			t.Errorf("%s %s: excluded %v, want %v", c.kind, c.value, got, c.excluded)
		}
	}
	bad := Exclusions{Values: map[string][]string{"iban": {"not an iban"}}}
	if _, err := bad.compile(); err == nil {
		t.Error("an exclusion that does not normalise was accepted")
	}
}

// TestCorrelationWithTenThousandRecordsIsBounded stores 10,000 records
// sharing one identifier value: storage grows with the occurrences (one
// index row each, one count row), never with pairs, the value is marked
// over-correlating and not expanded, and a correlation read costs about
// the same as for a rare value.
func TestCorrelationWithTenThousandRecordsIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 10,000 records")
	}
	const n = 10_000
	e := newEnv(t)
	ctx := officerCtx(access.Analyst)
	var in strings.Builder
	for i := range n {
		if i == 42 || i == 43 {
			fmt.Fprintf(&in, `{"id":"v%d","schema":"Vehicle","properties":{"registrationNumber":["UNIQ%05d"],"publisher":["g%05d"]}}`+"\n", i, i, i)
		}
		fmt.Fprintf(&in, `{"id":"a%d","schema":"BankAccount","properties":{"iban":["DE44500105175407324931"],"publisher":["g%05d"]}}`+"\n", i, i)
	}
	opts := importOpts()
	opts.GroupBy = "publisher"
	start := time.Now()
	sum, err := e.svc.Import(ctx, strings.NewReader(in.String()), opts, nil)
	if err != nil || sum.Records != n {
		t.Fatalf("import: %+v %v", sum, err)
	}
	t.Logf("imported %d records in %v", n, time.Since(start))
	if rows := e.count(t, `SELECT COUNT(*) FROM record_identifiers`); rows != n+2 {
		t.Errorf("%d identifier rows for %d occurrences", rows, n+2)
	}
	for table, want := range map[string]int{"records": n, "record_terms": n + 2, "record_changes": n, "record_versions": 0} {
		if rows := e.count(t, `SELECT COUNT(*) FROM `+table); rows != want {
			t.Errorf("%s: %d rows, want %d", table, rows, want)
		}
	}

	// A new record with the common value and a value shared with one
	// other record.
	rec := e.mustCreate(t, ctx, draft("New", ent("a", "BankAccount", "iban", "DE44500105175407324931"),
		ent("v", "Vehicle", "registrationNumber", "UNIQ00042")))
	timeIt := func() time.Duration {
		best := time.Hour
		for range 5 {
			start := time.Now()
			c, err := e.svc.Correlations(ctx, rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			best = min(best, time.Since(start))
			common := correlationFor(c, "iban", "DE44500105175407324931")
			if common == nil || !common.OverCorrelating || common.Reason != "common" || len(common.Records) != 0 {
				t.Fatalf("common value %+v", common)
			}
			if rare := correlationFor(c, "plate", "UNIQ00042"); rare == nil || len(rare.Records) != 1 {
				t.Fatalf("rare value %+v", rare)
			}
		}
		return best
	}
	withCommon := timeIt()
	// The same read for a record whose values are all rare.
	rare := e.mustCreate(t, ctx, draft("Rare", ent("v", "Vehicle", "registrationNumber", "UNIQ00043")))
	if c, err := e.svc.Correlations(ctx, rare.ID); err != nil || len(correlationFor(c, "plate", "UNIQ00043").Records) != 1 {
		t.Fatalf("rare record correlations: %+v %v", c, err)
	}
	best := time.Hour
	for range 5 {
		start := time.Now()
		if _, err := e.svc.Correlations(ctx, rare.ID); err != nil {
			t.Fatal(err)
		}
		best = min(best, time.Since(start))
	}
	t.Logf("correlation read: %v with a value held by %d records, %v with rare values only", withCommon, n+1, best)
	if withCommon > 20*best+50*time.Millisecond {
		t.Errorf("correlation read with a common value took %v, with rare values %v: not bounded", withCommon, best)
	}
}
