// Package budget is the holder's defence against partners that use the
// matching oracle to enumerate identifiers: daily evaluation budgets per
// partner, identifier type and case ([Meter]), and anomaly detection on what
// the holder can observe ([Monitor]).
//
// # What the holder can see
//
// The holder never sees an identifier: requests carry blinded elements.
// What it does see, per request, is the authenticated partner, the
// identifier type (bound into the PRF, so it cannot be misdeclared), the
// declared purpose and case, the number of elements, the time, and later
// which references the partner follows up (its hits). Budgets and
// detectors work on exactly that. Sequential or prefix sweeps ("+316…00" to
// "+316…99") are visible only before blinding, on the querier's node; the
// querier-side guard in package sweep refuses them there. A partner whose
// node does not run that guard is contained by the budgets and the volume
// and hit-rate detectors here, not by sweep detection.
//
// # Budgets
//
// Like Prüm's agreed daily capacities, budgets are counted per UTC day:
// per (partner, type, case), per (partner, type) across cases (so that
// declaring many cases does not multiply the budget), and in distinct cases
// per partner and day. A batch is charged whole or not at all, before it is
// evaluated; an exhausted budget is errs.RateLimited with an explanation
// the partner's officer can act on (HTTP 429, Retry-After from
// [ExceededError.ResetsAt]).
package budget

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
)

// Limits are the daily budgets for one partner and identifier type. A zero
// limit means the type is not agreed with that partner at all.
type Limits struct {
	PerCase    int // evaluations per case per UTC day
	PerPartner int // evaluations per UTC day, all cases together
}

// Config holds the agreed budgets.
type Config struct {
	// Default applies to partners without their own entry.
	Default map[match.Type]Limits
	// Partners overrides Default per partner agency id, type by type.
	Partners map[string]map[match.Type]Limits
	// MaxCasesPerDay bounds the distinct cases a partner may query in one
	// UTC day (all types), which also bounds the meter's memory.
	MaxCasesPerDay int
}

// DefaultMaxCasesPerDay is a MaxCasesPerDay for a mid-sized partner.
const DefaultMaxCasesPerDay = 500

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.MaxCasesPerDay < 1 {
		return errs.E(errs.Invalid, "budget.max_cases_per_day", "must be at least 1")
	}
	check := func(field string, m map[match.Type]Limits) error {
		for t, l := range m {
			if !t.Valid() {
				return errs.E(errs.Invalid, field, fmt.Sprintf("unknown identifier type %d", uint8(t)))
			}
			if l.PerCase < 0 || l.PerPartner < 0 || l.PerCase > l.PerPartner {
				return errs.E(errs.Invalid, field+"."+t.String(), "limits must be non-negative and per-case at most per-partner")
			}
		}
		return nil
	}
	if err := check("budget.default", c.Default); err != nil {
		return err
	}
	for p, m := range c.Partners {
		if !match.ValidAgency(p) {
			return errs.E(errs.Invalid, "budget.partners", fmt.Sprintf("malformed agency id %q", p))
		}
		if err := check("budget.partners."+p, m); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) limits(partner string, t match.Type) Limits {
	if m, ok := c.Partners[partner]; ok {
		if l, ok := m[t]; ok {
			return l
		}
	}
	return c.Default[t]
}

// ErrBudgetExceeded is wrapped by every budget refusal; the error's
// [ExceededError] says which budget and when it resets.
var ErrBudgetExceeded = errors.New("budget: daily budget exceeded")

// Scope names the budget that refused a charge.
type Scope string

const (
	ScopeCase    Scope = "case"    // per (partner, type, case)
	ScopePartner Scope = "partner" // per (partner, type)
	ScopeCases   Scope = "cases"   // distinct cases per partner
	ScopeType    Scope = "type"    // type not agreed with the partner
)

// ExceededError describes a refused charge.
type ExceededError struct {
	Scope     Scope
	Partner   string
	Type      match.Type
	Case      string
	Used      int // already used today in this scope
	Limit     int
	Requested int
	ResetsAt  time.Time // start of the next UTC day
}

func (e *ExceededError) Error() string { return ErrBudgetExceeded.Error() }

// Unwrap lets errors.Is find ErrBudgetExceeded.
func (e *ExceededError) Unwrap() error { return ErrBudgetExceeded }

// explain is the client-visible message: who, what, how much, until when.
// Case references and agency ids are not personal data.
func (e *ExceededError) explain() string {
	reset := e.ResetsAt.Format(time.RFC3339)
	switch e.Scope {
	case ScopeType:
		return fmt.Sprintf("no daily budget is agreed for %s queries from %s", e.Type, e.Partner)
	case ScopeCases:
		return fmt.Sprintf("%s has queried %d of %d allowed cases today; a new case can be queried after %s", e.Partner, e.Used, e.Limit, reset)
	case ScopeCase:
		return fmt.Sprintf("daily budget for %s queries by %s in case %s exhausted: %d of %d used, this request needs %d; resets at %s",
			e.Type, e.Partner, e.Case, e.Used, e.Limit, e.Requested, reset)
	}
	return fmt.Sprintf("daily budget for %s queries by %s exhausted: %d of %d used across all cases, this request needs %d; resets at %s",
		e.Type, e.Partner, e.Used, e.Limit, e.Requested, reset)
}

// Meter enforces daily budgets. It is safe for concurrent use. Counts live
// in memory and restart at zero with the process; a service that restarts
// often should persist [Meter.Usage] or accept the slack.
type Meter struct {
	cfg Config
	now func() time.Time

	mu       sync.Mutex
	day      time.Time // start of the UTC day the counts are for
	partners map[string]*partnerUsage
}

type partnerUsage struct {
	perType map[match.Type]int
	perCase map[caseKey]int
	cases   map[string]struct{}
}

type caseKey struct {
	typ     match.Type
	caseRef string
}

// NewMeter returns a meter for cfg; now is the clock.
func NewMeter(cfg Config, now func() time.Time) (*Meter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		return nil, errs.E(errs.Invalid, "clock", "meter needs a clock")
	}
	return &Meter{cfg: cfg, now: now, partners: make(map[string]*partnerUsage)}, nil
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// rollover resets the counts when the UTC day changes. Caller holds mu.
func (m *Meter) rollover() {
	if day := startOfDay(m.now()); !day.Equal(m.day) {
		m.day = day
		m.partners = make(map[string]*partnerUsage)
	}
}

// Charge records n evaluations of type t by partner for caseRef, or refuses
// them all with errs.RateLimited wrapping an [*ExceededError]. Call it
// before evaluating, with the request's element count.
func (m *Meter) Charge(partner string, t match.Type, caseRef string, n int) error {
	switch {
	case !match.ValidAgency(partner):
		return errs.E(errs.Invalid, "partner", "malformed agency id")
	case !t.Valid():
		return errs.E(errs.Invalid, "type", "unknown identifier type")
	case !match.ValidCase(caseRef):
		return errs.E(errs.Invalid, "case", "malformed case reference")
	case n < 1 || n > match.MaxBatch:
		return errs.E(errs.Invalid, "count", fmt.Sprintf("charge of %d evaluations: want 1 to %d", n, match.MaxBatch))
	}
	lim := m.cfg.limits(partner, t)

	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollover()
	refuse := func(scope Scope, used, limit int) error {
		e := &ExceededError{Scope: scope, Partner: partner, Type: t, Case: caseRef, Used: used, Limit: limit, Requested: n, ResetsAt: m.day.AddDate(0, 0, 1)}
		return errs.E(errs.RateLimited, "budget", e.explain(), e)
	}
	if lim.PerPartner == 0 {
		return refuse(ScopeType, 0, 0)
	}
	u := m.partners[partner]
	if u == nil {
		u = &partnerUsage{perType: make(map[match.Type]int), perCase: make(map[caseKey]int), cases: make(map[string]struct{})}
		m.partners[partner] = u
	}
	ck := caseKey{t, caseRef}
	if _, known := u.cases[caseRef]; !known && len(u.cases) >= m.cfg.MaxCasesPerDay {
		return refuse(ScopeCases, len(u.cases), m.cfg.MaxCasesPerDay)
	}
	if used := u.perCase[ck]; used+n > lim.PerCase {
		return refuse(ScopeCase, used, lim.PerCase)
	}
	if used := u.perType[t]; used+n > lim.PerPartner {
		return refuse(ScopePartner, used, lim.PerPartner)
	}
	u.cases[caseRef] = struct{}{}
	u.perCase[ck] += n
	u.perType[t] += n
	return nil
}

// Usage is one partner's consumption today.
type Usage struct {
	Case, CaseLimit       int // for the case asked about
	Partner, PartnerLimit int // for the type, all cases
	Cases, CasesLimit     int // distinct cases, all types
	ResetsAt              time.Time
}

// Usage reports what partner has used today of its budgets for type t and
// case caseRef.
func (m *Meter) Usage(partner string, t match.Type, caseRef string) Usage {
	lim := m.cfg.limits(partner, t)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollover()
	us := Usage{CaseLimit: lim.PerCase, PartnerLimit: lim.PerPartner, CasesLimit: m.cfg.MaxCasesPerDay, ResetsAt: m.day.AddDate(0, 0, 1)}
	if u := m.partners[partner]; u != nil {
		us.Case = u.perCase[caseKey{t, caseRef}]
		us.Partner = u.perType[t]
		us.Cases = len(u.cases)
	}
	return us
}
