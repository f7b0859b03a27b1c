package sweep

import (
	"errors"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/liaison-project/liaison/internal/match"
)

// modelGuard is the guard as its documentation states it, computed the
// slow way: every check recounts, over every pair of remembered and new
// values, the values that have a near neighbour.
type modelGuard struct {
	g      *Guard // for its neighbour rule and configuration only
	values []seen
}

func (m *modelGuard) check(values []string, now time.Time) (int, bool) {
	i := 0
	for i < len(m.values) && m.values[i].at.Before(now.Add(-m.g.cfg.Window)) {
		i++
	}
	m.values = m.values[i:]
	var all []string
	for _, s := range m.values {
		all = append(all, s.value)
	}
	for _, v := range values {
		if !slices.Contains(all, v) {
			all = append(all, v)
		}
	}
	n := 0
	for i, a := range all {
		for j, b := range all {
			if i != j && m.g.neighbours(a, b, splitRuns(a), splitRuns(b)) {
				n++
				break
			}
		}
	}
	if n >= m.g.cfg.Neighbours {
		return n, false
	}
	for _, v := range values {
		m.values = slices.DeleteFunc(m.values, func(s seen) bool { return s.value == v })
		m.values = append(m.values, seen{value: v, at: now})
	}
	if over := len(m.values) - m.g.cfg.History; over > 0 {
		m.values = m.values[over:]
	}
	return n, true
}

// TestGuardMatchesModel: the guard, which compares only new values with
// the remembered ones, decides every check as the quadratic recount does —
// across forgetting by time and by the history bound.
func TestGuardMatchesModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		cfg := DefaultConfig()
		cfg.History = rapid.IntRange(2, 12).Draw(rt, "history")
		cfg.Neighbours = rapid.IntRange(2, 6).Draw(rt, "neighbours")
		c := &clock{t: t0}
		g, err := New(cfg, c.now)
		if err != nil {
			rt.Fatal(err)
		}
		m := &modelGuard{g: g}
		// Few, close values, so that neighbours come and go.
		value := rapid.Custom(func(t *rapid.T) string {
			return rapid.SampledFrom([]string{"+3161234", "X12", "NL91ABNA0417"}).Draw(t, "prefix") +
				rapid.SampledFrom([]string{"0", "1", "5", "99", "100", "250", "7000"}).Draw(t, "number") +
				rapid.SampledFrom([]string{"", "A", "ZZ"}).Draw(t, "suffix")
		})
		for step := range rapid.IntRange(1, 60).Draw(rt, "steps") {
			c.t = c.t.Add(time.Duration(rapid.IntRange(0, 8).Draw(rt, "hours")) * time.Hour)
			values := rapid.SliceOfN(value, 1, 4).Draw(rt, "values")
			wantN, wantOK := m.check(values, c.t)
			err := g.Check("officer", match.Passport, values)
			var f *Finding
			switch {
			case wantOK && err != nil:
				rt.Fatalf("step %d: %v refused (%v), the model accepts with %d neighbours", step, values, err, wantN)
			case !wantOK && !errors.As(err, &f):
				rt.Fatalf("step %d: %v accepted (%v), the model refuses with %d neighbours", step, values, err, wantN)
			case !wantOK && f.Neighbours != wantN:
				rt.Fatalf("step %d: refused with %d neighbours, the model counts %d", step, f.Neighbours, wantN)
			}
		}
	})
}
