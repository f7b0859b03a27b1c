// Package sweep is the querier-side guard against enumerating a partner's
// index through online hit/no-hit queries. A holder never sees identifiers
// (they are blinded), so sequential sweeps ("+31612345600", "…601", "…602",
// …) and prefix sweeps (one name with every date of birth in a month) can
// only be recognised where the plaintext exists: on the querying agency's
// own node, before blinding. [Guard.Check] runs there, per officer (or
// case) and identifier type, and refuses a query that would complete a
// sweep, with errs.Precondition: sweeping needs a bulk run that a
// supervisor signs off, not a series of online lookups.
//
// This protects partners from a rogue or careless officer on an honest
// node. It does not protect them from a dishonest node, which can simply
// not run the guard; against that, the holder has its budgets and volume
// and hit-rate detectors (package budget).
//
// The guard keeps the recent values of each scope in memory, bounded by
// [Config.History] per scope and [Config.MaxScopes] scopes; it never logs
// them, and its errors carry counts, never values.
package sweep

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
)

// Config sets what counts as a sweep.
type Config struct {
	// Window is how long a queried value is remembered.
	Window time.Duration
	// History bounds the values remembered per scope and type; older ones
	// are forgotten first.
	History int
	// MaxScopes bounds the scopes tracked; the least recently used goes.
	MaxScopes int
	// Neighbours: a query is refused when, within the window, this many
	// distinct values of one scope and type each have a near neighbour.
	Neighbours int
	// SuffixLen: two values of equal length that differ only in their last
	// SuffixLen bytes are neighbours (a prefix sweep).
	SuffixLen int
	// NumericGap: two values that end in numbers, with identical text
	// before the numbers, are neighbours when the numbers differ by at most
	// NumericGap (a sequential sweep, also across carries: …099, …100).
	NumericGap uint64
}

// DefaultConfig returns settings that let an officer check a handful of
// related numbers (a suspect's two SIM cards, a family's passports) but not
// walk a range.
func DefaultConfig() Config {
	return Config{Window: 24 * time.Hour, History: 256, MaxScopes: 10_000, Neighbours: 6, SuffixLen: 2, NumericGap: 100}
}

// Validate checks the bounds.
func (c Config) Validate() error {
	switch {
	case c.Window <= 0:
		return errs.E(errs.Invalid, "sweep.window", "must be positive")
	case c.History < 2 || c.History > 4096:
		return errs.E(errs.Invalid, "sweep.history", "must be 2 to 4096")
	case c.MaxScopes < 1:
		return errs.E(errs.Invalid, "sweep.max_scopes", "must be at least 1")
	case c.Neighbours < 2:
		return errs.E(errs.Invalid, "sweep.neighbours", "must be at least 2")
	case c.SuffixLen < 1 || c.SuffixLen > 8:
		return errs.E(errs.Invalid, "sweep.suffix_len", "must be 1 to 8")
	}
	return nil
}

// ErrSweep is wrapped by every refusal; the [*Finding] in the chain says
// what was seen.
var ErrSweep = errors.New("sweep: queries look like an enumeration")

// Finding describes a refused query, for the audit log and the officer.
type Finding struct {
	Scope      string
	Type       match.Type
	Neighbours int // distinct values with a near neighbour, this query included
	Window     time.Duration
}

func (f *Finding) Error() string { return ErrSweep.Error() }

// Unwrap lets errors.Is find ErrSweep.
func (f *Finding) Unwrap() error { return ErrSweep }

// Guard remembers recent queries and refuses sweeps. It is safe for
// concurrent use.
type Guard struct {
	cfg Config
	now func() time.Time

	mu     sync.Mutex
	scopes map[scopeKey]*history
}

type scopeKey struct {
	scope string
	typ   match.Type
}

type history struct {
	lastUsed time.Time
	values   []seen // oldest first, distinct values
	// flagged are the values that have a near neighbour among values.
	// Kept across checks, so that a check compares only the new values
	// with the others; fewer than Config.Neighbours, since every accepted
	// check left it so.
	flagged map[string]bool
}

type seen struct {
	value string
	runs  []string // splitRuns(value)
	at    time.Time
}

// New returns a guard; now is the clock.
func New(cfg Config, now func() time.Time) (*Guard, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		return nil, errs.E(errs.Invalid, "clock", "guard needs a clock")
	}
	return &Guard{cfg: cfg, now: now, scopes: make(map[scopeKey]*history)}, nil
}

// MaxScopeLen bounds scope names (an officer id or case reference).
const MaxScopeLen = 128

// Check decides whether values (normalised, of type t) may be queried
// online in scope, typically the officer's id. If, together with what the
// scope queried within the window, they contain [Config.Neighbours] or more
// values that have a near neighbour, the whole query is refused with
// errs.Precondition wrapping a [*Finding] and nothing is remembered;
// otherwise the values are remembered and Check returns nil.
func (g *Guard) Check(scope string, t match.Type, values []string) error {
	switch {
	case scope == "" || len(scope) > MaxScopeLen:
		return errs.E(errs.Invalid, "scope", fmt.Sprintf("scope must be 1 to %d bytes", MaxScopeLen))
	case !t.Valid():
		return errs.E(errs.Invalid, "type", "unknown identifier type")
	case len(values) < 1 || len(values) > match.MaxBatch:
		return errs.E(errs.Invalid, "values", fmt.Sprintf("want 1 to %d values", match.MaxBatch))
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()

	k := scopeKey{scope, t}
	h := g.scopes[k]
	if h == nil {
		h = &history{flagged: map[string]bool{}}
	}
	if h.prune(now.Add(-g.cfg.Window)) {
		g.recheck(h)
	}

	// Only the new values can give a value a neighbour it did not have.
	fresh := make([]seen, 0, len(values))
	for _, v := range values {
		if !h.holds(v) && !slices.ContainsFunc(fresh, func(s seen) bool { return s.value == v }) {
			fresh = append(fresh, seen{value: v, runs: splitRuns(v)})
		}
	}
	newly := map[string]bool{}
	for i, a := range fresh {
		for _, b := range h.values {
			if g.neighbours(a.value, b.value, a.runs, b.runs) {
				newly[a.value] = true
				if !h.flagged[b.value] {
					newly[b.value] = true
				}
			}
		}
		for _, b := range fresh[i+1:] {
			if g.neighbours(a.value, b.value, a.runs, b.runs) {
				newly[a.value], newly[b.value] = true, true
			}
		}
	}
	if n := len(h.flagged) + len(newly); n >= g.cfg.Neighbours {
		f := &Finding{Scope: scope, Type: t, Neighbours: n, Window: g.cfg.Window}
		return errs.E(errs.Precondition, "values", fmt.Sprintf(
			"refused as a sweep: %d %s values queried in this scope within %s differ only in their last characters or by small steps; run them as a signed-off bulk run",
			n, t, g.cfg.Window), f)
	}

	for v := range newly {
		h.flagged[v] = true
	}
	for _, v := range values {
		h.remember(v, now)
	}
	if over := len(h.values) - g.cfg.History; over > 0 {
		h.values = append(h.values[:0], h.values[over:]...)
		g.recheck(h)
	}
	h.lastUsed = now
	g.scopes[k] = h
	g.evict()
	return nil
}

// prune forgets values last queried before cutoff and reports whether it
// forgot any.
func (h *history) prune(cutoff time.Time) bool {
	i := 0
	for i < len(h.values) && h.values[i].at.Before(cutoff) {
		i++
	}
	h.values = append(h.values[:0], h.values[i:]...)
	return i > 0
}

// holds reports whether v is remembered.
func (h *history) holds(v string) bool {
	return slices.ContainsFunc(h.values, func(s seen) bool { return s.value == v })
}

// remember records v as queried now, moving it to the end if known.
func (h *history) remember(v string, now time.Time) {
	runs := []string(nil)
	for i, s := range h.values {
		if s.value == v {
			runs = s.runs
			h.values = append(h.values[:i], h.values[i+1:]...)
			break
		}
	}
	if runs == nil {
		runs = splitRuns(v)
	}
	h.values = append(h.values, seen{value: v, runs: runs, at: now})
}

// recheck keeps flagged only the values that still have a near neighbour
// after some were forgotten: forgetting can take a neighbour away, never
// add one.
func (g *Guard) recheck(h *history) {
	for v := range h.flagged {
		i := slices.IndexFunc(h.values, func(s seen) bool { return s.value == v })
		if i < 0 {
			delete(h.flagged, v)
			continue
		}
		a := h.values[i]
		if !slices.ContainsFunc(h.values, func(b seen) bool { return b.value != v && g.neighbours(v, b.value, a.runs, b.runs) }) {
			delete(h.flagged, v)
		}
	}
}

// evict drops the least recently used scopes beyond MaxScopes.
func (g *Guard) evict() {
	for len(g.scopes) > g.cfg.MaxScopes {
		var oldest scopeKey
		var oldestAt time.Time
		first := true
		for k, h := range g.scopes {
			if first || h.lastUsed.Before(oldestAt) {
				oldest, oldestAt, first = k, h.lastUsed, false
			}
		}
		delete(g.scopes, oldest)
	}
}

// neighbours reports whether two distinct values are close enough to be
// steps of one sweep: equal but for their last SuffixLen bytes, or equal
// but for one number that differs by at most NumericGap (which catches
// steps anywhere: "+31612345678"/"…679", "j.doe7@x.org"/"j.doe8@x.org",
// "…099"/"…100").
func (g *Guard) neighbours(a, b string, ra, rb []string) bool {
	k := g.cfg.SuffixLen
	if len(a) == len(b) && len(a) > k && a[:len(a)-k] == b[:len(b)-k] {
		return true
	}
	if len(ra) != len(rb) {
		return false
	}
	diff := -1
	for i := range ra {
		if ra[i] != rb[i] {
			if diff >= 0 {
				return false
			}
			diff = i
		}
	}
	if diff < 0 {
		return false
	}
	na, oka := number(ra[diff])
	nb, okb := number(rb[diff])
	if !oka || !okb {
		return false
	}
	if na > nb {
		na, nb = nb, na
	}
	return nb-na <= g.cfg.NumericGap
}

// splitRuns cuts s into maximal runs of ASCII digits and of other bytes:
// "NL:12-ABC-3" → "NL:", "12", "-ABC-", "3".
func splitRuns(s string) []string {
	var runs []string
	start := 0
	for i := 1; i <= len(s); i++ {
		if i == len(s) || isDigit(s[i]) != isDigit(s[i-1]) {
			runs = append(runs, s[start:i])
			start = i
		}
	}
	return runs
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number parses a run of up to 18 digits. Longer runs and non-digit runs
// are not numbers; steps in their last digits are still caught by the
// suffix rule.
func number(run string) (uint64, bool) {
	if run == "" || len(run) > 18 || !isDigit(run[0]) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(run); i++ {
		n = n*10 + uint64(run[i]-'0')
	}
	return n, true
}
