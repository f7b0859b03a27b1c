package federation_test

import (
	"testing"

	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
)

func TestMetricsPerPartner(t *testing.T) {
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", nil)
	fedtest.Introduce(t, nl, de)
	de.Stop()
	for range 3 {
		send(t, nl, federation.SendRequest{To: []string{"DE-BKA"}, Subject: "s", Body: "b", Handling: []string{"H0"}, TLP: "TLP:CLEAR"})
	}
	fedtest.Eventually(t, wait, "failures counted", func() error {
		if n := metric(t, nl, "liaison_federation_consecutive_failures"); n == 0 {
			return fedtest.Errorf("no failures yet")
		}
		return nil
	})
	if n := metric(t, nl, "liaison_federation_queue_depth"); n != 3 {
		t.Errorf("queue depth %v, want 3", n)
	}
	if age := metric(t, nl, "liaison_federation_oldest_undelivered_seconds"); age <= 0 {
		t.Errorf("oldest undelivered age %v", age)
	}
	de.Start()
	fedtest.Eventually(t, wait, "delivered", func() error {
		if n := metric(t, nl, "liaison_federation_queue_depth"); n != 0 {
			return fedtest.Errorf("queue depth %v", n)
		}
		return nil
	})
	if c := metric(t, nl, "liaison_federation_delivered_total"); c != 3 {
		t.Errorf("delivered %v, want 3", c)
	}
	if ts := metric(t, nl, "liaison_federation_last_contact_timestamp_seconds"); ts == 0 {
		t.Error("no last contact")
	}
	if c := metric(t, de, "liaison_federation_received_total"); c != 3 {
		t.Errorf("DE received %v, want 3", c)
	}
}

// metric returns the value of a node's only series of a gauge or counter
// family, or 0 when it has none.
func metric(t *testing.T, n *fedtest.Node, name string) float64 {
	t.Helper()
	mfs, err := n.Metrics().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var v float64
			switch {
			case m.GetGauge() != nil:
				v = m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				v = m.GetCounter().GetValue()
			}
			return v
		}
	}
	return 0
}
