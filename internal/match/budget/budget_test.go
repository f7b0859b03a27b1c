package budget

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testConfig() Config {
	return Config{
		Default: map[match.Type]Limits{
			match.Phone:    {PerCase: 100, PerPartner: 250},
			match.Passport: {PerCase: 1000, PerPartner: 5000},
		},
		Partners: map[string]map[match.Type]Limits{
			"FR-OCLCTIC": {match.Phone: {PerCase: 10, PerPartner: 20}},
		},
		MaxCasesPerDay: 3,
	}
}

func newMeter(t *testing.T) (*Meter, *clock) {
	t.Helper()
	c := &clock{t: t0}
	m, err := NewMeter(testConfig(), c.now)
	if err != nil {
		t.Fatal(err)
	}
	return m, c
}

func exceeded(t *testing.T, err error) *ExceededError {
	t.Helper()
	if !errs.Is(err, errs.RateLimited) || !errors.Is(err, ErrBudgetExceeded) {
		t.Fatalf("got %v, want a rate-limited budget error", err)
	}
	var e *ExceededError
	if !errors.As(err, &e) {
		t.Fatalf("%v carries no ExceededError", err)
	}
	return e
}

func TestBudgetPerCaseExhaustion(t *testing.T) {
	m, c := newMeter(t)
	for range 10 {
		if err := m.Charge("DE-BKA", match.Phone, "C1", 10); err != nil {
			t.Fatal(err)
		}
	}
	err := m.Charge("DE-BKA", match.Phone, "C1", 1)
	e := exceeded(t, err)
	if e.Scope != ScopeCase || e.Used != 100 || e.Limit != 100 || e.Requested != 1 {
		t.Fatalf("explanation %+v", e)
	}
	if !e.ResetsAt.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("resets at %v", e.ResetsAt)
	}
	msg := errs.PublicMessage(err)
	for _, want := range []string{"phone", "DE-BKA", "C1", "100 of 100", "2026-03-02T00:00:00Z"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	// Another case still has budget; another type is counted separately.
	if err := m.Charge("DE-BKA", match.Phone, "C2", 50); err != nil {
		t.Fatal(err)
	}
	if err := m.Charge("DE-BKA", match.Passport, "C1", 500); err != nil {
		t.Fatal(err)
	}
	// The next UTC day starts afresh.
	c.t = time.Date(2026, 3, 2, 0, 0, 1, 0, time.UTC)
	if err := m.Charge("DE-BKA", match.Phone, "C1", 100); err != nil {
		t.Fatalf("new day: %v", err)
	}
}

func TestBudgetCaseSplittingIsCapped(t *testing.T) {
	m, _ := newMeter(t)
	// 100 per case, 250 per partner: the third case cannot take 100 more.
	for _, cs := range []string{"C1", "C2"} {
		if err := m.Charge("DE-BKA", match.Phone, cs, 100); err != nil {
			t.Fatal(err)
		}
	}
	e := exceeded(t, m.Charge("DE-BKA", match.Phone, "C3", 100))
	if e.Scope != ScopePartner || e.Used != 200 || e.Limit != 250 {
		t.Fatalf("explanation %+v", e)
	}
	// The refused batch was not charged: 50 still fit.
	if err := m.Charge("DE-BKA", match.Phone, "C3", 50); err != nil {
		t.Fatal(err)
	}
	// A fourth distinct case in a day exceeds MaxCasesPerDay.
	e = exceeded(t, m.Charge("DE-BKA", match.Passport, "C4", 1))
	if e.Scope != ScopeCases || e.Used != 3 {
		t.Fatalf("explanation %+v", e)
	}
	if u := m.Usage("DE-BKA", match.Phone, "C3"); u.Case != 50 || u.Partner != 250 || u.Cases != 3 {
		t.Fatalf("usage %+v", u)
	}
}

func TestBudgetPartnerOverridesAndUnagreedTypes(t *testing.T) {
	m, _ := newMeter(t)
	e := exceeded(t, m.Charge("FR-OCLCTIC", match.Phone, "C1", 11))
	if e.Scope != ScopeCase || e.Limit != 10 {
		t.Fatalf("override not applied: %+v", e)
	}
	// FR's override covers phone only; passports fall back to the default.
	if err := m.Charge("FR-OCLCTIC", match.Passport, "C1", 900); err != nil {
		t.Fatal(err)
	}
	e = exceeded(t, m.Charge("DE-BKA", match.IBAN, "C1", 1))
	if e.Scope != ScopeType {
		t.Fatalf("unagreed type: %+v", e)
	}
}

func TestBudgetRejectsBadInput(t *testing.T) {
	m, _ := newMeter(t)
	for _, tc := range []struct {
		partner, cs string
		typ         match.Type
		n           int
	}{
		{"de-bka", "C1", match.Phone, 1},
		{"DE-BKA", "", match.Phone, 1},
		{"DE-BKA", "C1", 0, 1},
		{"DE-BKA", "C1", match.Phone, 0},
		{"DE-BKA", "C1", match.Phone, match.MaxBatch + 1},
	} {
		if err := m.Charge(tc.partner, tc.typ, tc.cs, tc.n); !errs.Is(err, errs.Invalid) {
			t.Errorf("%+v: %v", tc, err)
		}
	}
	bad := []Config{
		{MaxCasesPerDay: 0},
		{MaxCasesPerDay: 1, Default: map[match.Type]Limits{match.Phone: {PerCase: 10, PerPartner: 5}}},
		{MaxCasesPerDay: 1, Default: map[match.Type]Limits{99: {}}},
		{MaxCasesPerDay: 1, Partners: map[string]map[match.Type]Limits{"x": {}}},
	}
	for i, cfg := range bad {
		if _, err := NewMeter(cfg, time.Now); !errs.Is(err, errs.Invalid) {
			t.Errorf("config %d accepted: %v", i, err)
		}
	}
}

// TestBudgetProperties checks the meter against a model: over any sequence
// of charges across days, accepted totals never exceed any budget, and a
// charge is refused only when it would exceed one.
func TestBudgetProperties(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		c := &clock{t: t0}
		cfg := testConfig()
		m, err := NewMeter(cfg, c.now)
		if err != nil {
			rt.Fatal(err)
		}
		type key struct {
			day     int
			partner string
			typ     match.Type
			cs      string
		}
		perCase := map[key]int{}
		perType := map[key]int{}
		cases := map[key]map[string]bool{}
		for range rapid.IntRange(1, 200).Draw(rt, "charges") {
			c.t = c.t.Add(time.Duration(rapid.IntRange(0, 4*3600).Draw(rt, "advance")) * time.Second)
			day := int(c.t.Sub(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
			p := rapid.SampledFrom([]string{"DE-BKA", "FR-OCLCTIC"}).Draw(rt, "partner")
			typ := rapid.SampledFrom([]match.Type{match.Phone, match.Passport, match.Email}).Draw(rt, "type")
			cs := rapid.SampledFrom([]string{"C1", "C2", "C3", "C4"}).Draw(rt, "case")
			n := rapid.IntRange(1, 60).Draw(rt, "n")

			lim := cfg.limits(p, typ)
			kc, kt, kp := key{day, p, typ, cs}, key{day, p, typ, ""}, key{day, p, 0, ""}
			if cases[kp] == nil {
				cases[kp] = map[string]bool{}
			}
			fits := lim.PerPartner > 0 &&
				(cases[kp][cs] || len(cases[kp]) < cfg.MaxCasesPerDay) &&
				perCase[kc]+n <= lim.PerCase && perType[kt]+n <= lim.PerPartner

			err := m.Charge(p, typ, cs, n)
			if fits != (err == nil) {
				rt.Fatalf("charge %d %s %s %s on day %d: fits=%v err=%v", n, p, typ, cs, day, fits, err)
			}
			if err != nil {
				if !errs.Is(err, errs.RateLimited) || !errors.Is(err, ErrBudgetExceeded) {
					rt.Fatalf("refusal is not a budget error: %v", err)
				}
				continue
			}
			perCase[kc] += n
			perType[kt] += n
			cases[kp][cs] = true
			if perCase[kc] > lim.PerCase || perType[kt] > lim.PerPartner || len(cases[kp]) > cfg.MaxCasesPerDay {
				rt.Fatal("model exceeded a budget")
			}
		}
	})
}
