package sweep

import (
	"errors"
	"fmt"
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

// fataler is what testing.T and rapid.T share.
type fataler interface{ Fatal(args ...any) }

func newGuard(t fataler) (*Guard, *clock) {
	c := &clock{t: t0}
	g, err := New(DefaultConfig(), c.now)
	if err != nil {
		t.Fatal(err)
	}
	return g, c
}

func refused(t *testing.T, err error) *Finding {
	t.Helper()
	if !errs.Is(err, errs.Precondition) || !errors.Is(err, ErrSweep) {
		t.Fatalf("got %v, want a sweep refusal", err)
	}
	var f *Finding
	if !errors.As(err, &f) {
		t.Fatal("no finding in the error")
	}
	return f
}

func TestSequentialSweepIsRefused(t *testing.T) {
	g, c := newGuard(t)
	// One at a time, as an officer clicking through a range would.
	for i := range 5 {
		c.t = c.t.Add(time.Minute)
		if err := g.Check("officer-17", match.Phone, []string{fmt.Sprintf("+3161234%04d", 5600+i)}); err != nil {
			t.Fatalf("query %d refused early: %v", i, err)
		}
	}
	err := g.Check("officer-17", match.Phone, []string{"+31612345605"})
	f := refused(t, err)
	if f.Neighbours != 6 || f.Type != match.Phone || f.Scope != "officer-17" {
		t.Fatalf("finding %+v", f)
	}
	if msg := errs.PublicMessage(err); strings.Contains(msg, "+316") {
		t.Fatalf("message leaks a value: %q", msg)
	}
	// The refused value was not remembered: other, unrelated queries pass.
	if err := g.Check("officer-17", match.Phone, []string{"+4915112345678"}); err != nil {
		t.Fatal(err)
	}
	// Another officer, or another type, is not affected.
	if err := g.Check("officer-18", match.Phone, []string{"+31612345605"}); err != nil {
		t.Fatal(err)
	}
	// After the window the range is forgotten.
	c.t = c.t.Add(25 * time.Hour)
	if err := g.Check("officer-17", match.Phone, []string{"+31612345605"}); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestSweepShapes(t *testing.T) {
	tests := []struct {
		name   string
		typ    match.Type
		values []string
		sweep  bool
	}{
		{"phone range in one batch", match.Phone, seq("+3161234%04d", 9990, 6), true},
		{"range across a carry", match.Passport, seq("X12%05d", 99997, 6), true},
		{"date-of-birth sweep", match.NameDOB, seq("ivanov ivan|1970-01-%02d", 1, 6), true},
		{"year sweep", match.PhoneticYear, seq("IFN IFNF|%d", 1965, 6), true},
		{"numbered e-mail addresses", match.Email, seq("j.doe%d@example.org", 1, 6), true},
		{"plates stepping in the middle", match.Plate, seq("NL:%02d-ABC-7", 10, 6), true},
		{"last letters", match.VIN, []string{"WVWZZZ1JZXW0000AA", "WVWZZZ1JZXW0000AB", "WVWZZZ1JZXW0000AC", "WVWZZZ1JZXW0000BA", "WVWZZZ1JZXW0000BB", "WVWZZZ1JZXW0000BC"}, true},
		{"a suspect's numbers", match.Phone, []string{"+31612345678", "+31612345679", "+4915112345678", "+33612345678", "+447700900123"}, false},
		{"unrelated passports", match.Passport, []string{"X1234567", "P9876543", "K5551234", "C0000001", "Y7777777", "B2468024"}, false},
		{"a family's dates of birth", match.NameDOB, []string{"ivanov ivan|1970-01-02", "ivanova anna|1972-05-11", "ivanov petr|1999-12-30", "ivanova olga|2001-07-07"}, false},
		{"steps wider than NumericGap", match.Phone, []string{"+31612341000", "+31612342000", "+31612343000", "+31612344000", "+31612345000", "+31612346000"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, _ := newGuard(t)
			err := g.Check("officer-1", tc.typ, tc.values)
			if tc.sweep {
				refused(t, err)
			} else if err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}
}

func seq(format string, start, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, start+i)
	}
	return out
}

func TestGuardBounds(t *testing.T) {
	c := &clock{t: t0}
	cfg := DefaultConfig()
	cfg.MaxScopes = 2
	cfg.History = 3
	g, err := New(cfg, c.now)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range []string{"a", "b", "c"} {
		c.t = t0.Add(time.Duration(i) * time.Second)
		if err := g.Check(s, match.Phone, []string{"+31600000001"}); err != nil {
			t.Fatal(err)
		}
	}
	if len(g.scopes) != 2 {
		t.Fatalf("%d scopes kept, want 2", len(g.scopes))
	}
	if _, ok := g.scopes[scopeKey{"a", match.Phone}]; ok {
		t.Fatal("least recently used scope was kept")
	}
	for i := range 5 {
		if err := g.Check("b", match.Email, []string{fmt.Sprintf("x%d@y.z", i*1000)}); err != nil {
			t.Fatal(err)
		}
	}
	if h := g.scopes[scopeKey{"b", match.Email}]; len(h.values) != 3 {
		t.Fatalf("history holds %d values, want 3", len(h.values))
	}
	for _, tc := range []struct {
		scope  string
		typ    match.Type
		values []string
	}{
		{"", match.Phone, []string{"x"}},
		{strings.Repeat("s", MaxScopeLen+1), match.Phone, []string{"x"}},
		{"s", 0, []string{"x"}},
		{"s", match.Phone, nil},
		{"s", match.Phone, make([]string, match.MaxBatch+1)},
	} {
		if err := g.Check(tc.scope, tc.typ, tc.values); !errs.Is(err, errs.Invalid) {
			t.Errorf("%q %v %d values: %v", tc.scope[:min(len(tc.scope), 8)], tc.typ, len(tc.values), err)
		}
	}
	if _, err := New(Config{}, c.now); !errs.Is(err, errs.Invalid) {
		t.Error("zero config accepted")
	}
}

// TestSweepProperties: a walk with small steps is always refused by the time
// it has Neighbours values, however it is split into queries; values that
// share no structure are never refused.
func TestSweepProperties(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		g, c := newGuard(rt)
		cfg := DefaultConfig()
		start := rapid.Uint64Range(1_000_000, 9_000_000).Draw(rt, "start")
		step := rapid.Uint64Range(1, cfg.NumericGap).Draw(rt, "step")
		prefix := rapid.SampledFrom([]string{"+316", "X", "NL91ABNA04", "ivanov|19"}).Draw(rt, "prefix")
		var walk []string
		for i := range uint64(cfg.Neighbours) {
			walk = append(walk, fmt.Sprintf("%s%d", prefix, start+i*step))
		}
		refusedAt := -1
		for i := 0; i < len(walk); {
			n := rapid.IntRange(1, len(walk)-i).Draw(rt, "batch")
			c.t = c.t.Add(time.Duration(rapid.IntRange(0, 3600).Draw(rt, "pause")) * time.Second)
			if err := g.Check("officer", match.Phone, walk[i:i+n]); err != nil {
				if !errors.Is(err, ErrSweep) {
					rt.Fatalf("unexpected error: %v", err)
				}
				refusedAt = i
				break
			}
			i += n
		}
		if refusedAt < 0 {
			rt.Fatalf("walk %v was never refused", walk)
		}

		g2, _ := newGuard(rt)
		letters := "ABCDEFGHJKLMNPQRSTUVWXYZ"
		n := rapid.IntRange(1, len(letters)).Draw(rt, "unrelated")
		for i := range n {
			v := fmt.Sprintf("%c%d", letters[i], rapid.Uint64Range(0, 1_000_000).Draw(rt, "digits"))
			if err := g2.Check("officer", match.Passport, []string{v}); err != nil {
				rt.Fatalf("unrelated value %d refused: %v", i, err)
			}
		}
	})
}
