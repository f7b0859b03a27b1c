package budget

import (
	"fmt"
	"sync"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
)

// MonitorConfig sets the anomaly thresholds. Alerts are advisory: they go
// to the audit log and to a human (SPOC, DPO), they do not block queries.
type MonitorConfig struct {
	// A burst is an hour in which a partner's evaluations of one type
	// exceed BurstFactor times its hourly average over the previous week
	// and at least BurstMin. A partner without history bursts at BurstMin.
	BurstFactor float64
	BurstMin    int
	// An abnormal hit rate is a day in which a partner's follow-ups (hits
	// it acted on) of one type exceed HitRateMax of its evaluations, once
	// it has made at least HitRateMinEvals. Border checks hit about 0.01%;
	// a partner confirming a list it already holds hits far more.
	HitRateMax      float64
	HitRateMinEvals int
	// CaseFanout flags a partner that used more distinct cases in one day
	// than this: a warning below Config.MaxCasesPerDay for splitting a
	// search across made-up cases.
	CaseFanout int
}

// DefaultMonitorConfig returns thresholds for a mid-sized partner.
func DefaultMonitorConfig() MonitorConfig {
	return MonitorConfig{BurstFactor: 10, BurstMin: 1000, HitRateMax: 0.2, HitRateMinEvals: 200, CaseFanout: 100}
}

// Validate checks the thresholds.
func (c MonitorConfig) Validate() error {
	switch {
	case c.BurstFactor < 1 || c.BurstMin < 1:
		return errs.E(errs.Invalid, "monitor.burst", "burst factor must be at least 1 and minimum at least 1")
	case c.HitRateMax <= 0 || c.HitRateMax > 1 || c.HitRateMinEvals < 1:
		return errs.E(errs.Invalid, "monitor.hit_rate", "hit rate threshold must be in (0, 1] with a minimum of at least 1 evaluation")
	case c.CaseFanout < 1:
		return errs.E(errs.Invalid, "monitor.case_fanout", "must be at least 1")
	}
	return nil
}

// AlertKind says what was abnormal.
type AlertKind string

const (
	AlertBurst      AlertKind = "burst"       // volume far above the partner's habit
	AlertHitRate    AlertKind = "hit-rate"    // far more hits than lookups normally give
	AlertCaseFanout AlertKind = "case-fanout" // many distinct cases in a day
)

// Alert is one finding. It names the partner and type, never an identifier
// (the holder has none). Each kind fires at most once per partner, type and
// period (hour for bursts, UTC day otherwise).
type Alert struct {
	At        time.Time
	Kind      AlertKind
	Partner   string
	Type      match.Type // zero for case fan-out, which spans types
	Observed  float64
	Threshold float64
	Detail    string
}

const baselineHours = 7 * 24

// Monitor watches evaluation volume, hit rates and case fan-out per
// partner. It is safe for concurrent use and keeps a fixed amount of state
// per partner and type.
type Monitor struct {
	cfg MonitorConfig
	now func() time.Time

	mu      sync.Mutex
	streams map[streamKey]*stream
	cases   map[string]*dayCases
}

type streamKey struct {
	partner string
	typ     match.Type
}

// stream is one partner's use of one type.
type stream struct {
	hours      [baselineHours + 1]hourCount // ring indexed by Unix hour
	day        time.Time
	evals      int // today
	followUps  int // today
	burstHour  int64
	hitRateDay time.Time
}

type hourCount struct {
	hour  int64 // Unix hour the count belongs to
	count int
}

type dayCases struct {
	day     time.Time
	cases   map[string]struct{}
	alerted bool
}

// NewMonitor returns a monitor; now is the clock.
func NewMonitor(cfg MonitorConfig, now func() time.Time) (*Monitor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		return nil, errs.E(errs.Invalid, "clock", "monitor needs a clock")
	}
	return &Monitor{cfg: cfg, now: now, streams: make(map[streamKey]*stream), cases: make(map[string]*dayCases)}, nil
}

func (m *Monitor) stream(partner string, t match.Type, now time.Time) *stream {
	k := streamKey{partner, t}
	s := m.streams[k]
	if s == nil {
		s = &stream{burstHour: -1}
		m.streams[k] = s
	}
	if day := startOfDay(now); !day.Equal(s.day) {
		s.day, s.evals, s.followUps = day, 0, 0
	}
	return s
}

// Evaluated records n evaluations of type t that partner made for caseRef
// and returns any alerts they raise.
func (m *Monitor) Evaluated(partner string, t match.Type, caseRef string, n int) []Alert {
	now := m.now()
	hour := now.Unix() / 3600
	m.mu.Lock()
	defer m.mu.Unlock()
	var alerts []Alert

	s := m.stream(partner, t, now)
	slot := &s.hours[hour%int64(len(s.hours))]
	if slot.hour != hour {
		*slot = hourCount{hour: hour}
	}
	slot.count += n
	s.evals += n
	var past int
	for _, h := range s.hours {
		if h.hour < hour && h.hour >= hour-baselineHours {
			past += h.count
		}
	}
	threshold := max(float64(m.cfg.BurstMin), m.cfg.BurstFactor*float64(past)/baselineHours)
	if float64(slot.count) > threshold && s.burstHour != hour {
		s.burstHour = hour
		alerts = append(alerts, Alert{At: now, Kind: AlertBurst, Partner: partner, Type: t, Observed: float64(slot.count), Threshold: threshold,
			Detail: fmt.Sprintf("%s made %d %s evaluations this hour; its hourly average over the past week is %.1f", partner, slot.count, t, float64(past)/baselineHours)})
	}
	alerts = append(alerts, m.checkHitRate(partner, t, s, now)...)

	dc := m.cases[partner]
	if dc == nil || !dc.day.Equal(startOfDay(now)) {
		dc = &dayCases{day: startOfDay(now), cases: make(map[string]struct{})}
		m.cases[partner] = dc
	}
	// The set stops growing at the threshold: beyond it only the alert matters.
	if len(dc.cases) <= m.cfg.CaseFanout {
		dc.cases[caseRef] = struct{}{}
	}
	if len(dc.cases) > m.cfg.CaseFanout && !dc.alerted {
		dc.alerted = true
		alerts = append(alerts, Alert{At: now, Kind: AlertCaseFanout, Partner: partner, Observed: float64(len(dc.cases)), Threshold: float64(m.cfg.CaseFanout),
			Detail: fmt.Sprintf("%s queried more than %d distinct cases today", partner, m.cfg.CaseFanout)})
	}
	return alerts
}

// FollowedUp records that partner followed up a reference of type t, that
// is, acted on a hit, and returns any alerts.
func (m *Monitor) FollowedUp(partner string, t match.Type) []Alert {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.stream(partner, t, now)
	s.followUps++
	return m.checkHitRate(partner, t, s, now)
}

func (m *Monitor) checkHitRate(partner string, t match.Type, s *stream, now time.Time) []Alert {
	if s.evals < m.cfg.HitRateMinEvals || s.hitRateDay.Equal(s.day) {
		return nil
	}
	rate := float64(s.followUps) / float64(s.evals)
	if rate <= m.cfg.HitRateMax {
		return nil
	}
	s.hitRateDay = s.day
	return []Alert{{At: now, Kind: AlertHitRate, Partner: partner, Type: t, Observed: rate, Threshold: m.cfg.HitRateMax,
		Detail: fmt.Sprintf("%s followed up %d of %d %s evaluations today (%.1f%%)", partner, s.followUps, s.evals, t, 100*rate)}}
}
