package budget

import (
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
)

func newMonitor(t *testing.T) (*Monitor, *clock) {
	t.Helper()
	c := &clock{t: t0}
	m, err := NewMonitor(MonitorConfig{BurstFactor: 5, BurstMin: 100, HitRateMax: 0.1, HitRateMinEvals: 50, CaseFanout: 3}, c.now)
	if err != nil {
		t.Fatal(err)
	}
	return m, c
}

func kinds(alerts []Alert) []AlertKind {
	var ks []AlertKind
	for _, a := range alerts {
		ks = append(ks, a.Kind)
	}
	return ks
}

func TestMonitorBurstAgainstBaseline(t *testing.T) {
	m, c := newMonitor(t)
	// A week of steady use: 60 an hour, every hour.
	for h := range baselineHours {
		c.t = t0.Add(time.Duration(h) * time.Hour)
		if a := m.Evaluated("DE-BKA", match.Plate, "C1", 60); len(a) != 0 {
			t.Fatalf("steady use at hour %d raised %v", h, kinds(a))
		}
	}
	// The next hour: 250 is under 5× the average of 60, 301 is over.
	c.t = t0.Add(baselineHours * time.Hour)
	if a := m.Evaluated("DE-BKA", match.Plate, "C1", 250); len(a) != 0 {
		t.Fatalf("250 raised %v", kinds(a))
	}
	a := m.Evaluated("DE-BKA", match.Plate, "C1", 51)
	if len(a) != 1 || a[0].Kind != AlertBurst || a[0].Observed != 301 || a[0].Threshold != 300 {
		t.Fatalf("burst: %+v", a)
	}
	// Once per hour.
	if a := m.Evaluated("DE-BKA", match.Plate, "C1", 500); len(a) != 0 {
		t.Fatalf("second alert in the same hour: %v", kinds(a))
	}
	// A partner without history bursts at BurstMin.
	if a := m.Evaluated("FR-OCLCTIC", match.Plate, "C1", 101); len(a) != 1 || a[0].Kind != AlertBurst {
		t.Fatalf("new partner: %+v", a)
	}
}

func TestMonitorHitRate(t *testing.T) {
	m, c := newMonitor(t)
	m.Evaluated("DE-BKA", match.Email, "C1", 40)
	for range 10 {
		if a := m.FollowedUp("DE-BKA", match.Email); len(a) != 0 {
			t.Fatalf("below the minimum volume: %v", kinds(a))
		}
	}
	// At 50 evaluations, 10 follow-ups are 20% > 10%.
	a := m.Evaluated("DE-BKA", match.Email, "C1", 10)
	if len(a) != 1 || a[0].Kind != AlertHitRate || a[0].Observed != 0.2 {
		t.Fatalf("hit rate: %+v", a)
	}
	if a := m.FollowedUp("DE-BKA", match.Email); len(a) != 0 {
		t.Fatalf("second hit-rate alert the same day: %v", kinds(a))
	}
	// A new day starts from zero.
	c.t = t0.Add(24 * time.Hour)
	if a := m.Evaluated("DE-BKA", match.Email, "C1", 60); len(a) != 0 {
		t.Fatalf("new day: %v", kinds(a))
	}
	for range 6 {
		m.FollowedUp("DE-BKA", match.Email)
	}
	if a := m.FollowedUp("DE-BKA", match.Email); len(a) != 1 || a[0].Kind != AlertHitRate {
		t.Fatalf("7 of 60: %+v", a)
	}
}

func TestMonitorCaseFanout(t *testing.T) {
	m, _ := newMonitor(t)
	for _, cs := range []string{"C1", "C2", "C3", "C1"} {
		if a := m.Evaluated("DE-BKA", match.Phone, cs, 1); len(a) != 0 {
			t.Fatalf("case %s: %v", cs, kinds(a))
		}
	}
	a := m.Evaluated("DE-BKA", match.VIN, "C4", 1)
	if len(a) != 1 || a[0].Kind != AlertCaseFanout || a[0].Type != 0 {
		t.Fatalf("fan-out: %+v", a)
	}
	if a := m.Evaluated("DE-BKA", match.VIN, "C5", 1); len(a) != 0 {
		t.Fatalf("second fan-out alert: %v", kinds(a))
	}
}

func TestMonitorConfigValidation(t *testing.T) {
	if err := DefaultMonitorConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for i, cfg := range []MonitorConfig{
		{BurstFactor: 0.5, BurstMin: 1, HitRateMax: 0.1, HitRateMinEvals: 1, CaseFanout: 1},
		{BurstFactor: 2, BurstMin: 1, HitRateMax: 0, HitRateMinEvals: 1, CaseFanout: 1},
		{BurstFactor: 2, BurstMin: 1, HitRateMax: 0.1, HitRateMinEvals: 1, CaseFanout: 0},
	} {
		if _, err := NewMonitor(cfg, time.Now); !errs.Is(err, errs.Invalid) {
			t.Errorf("config %d accepted", i)
		}
	}
}
