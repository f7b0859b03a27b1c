package noticesvc

import (
	"context"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/notice"
)

// fedNode runs the notice service on a fedtest node, with the node's real
// federation service.
func fedNode(t *testing.T, agency, country string) (*fedtest.Node, *node) {
	t.Helper()
	fn := fedtest.NewNode(t, agency, country, nil)
	if err := fn.DB.Migrate(context.Background(), Schema); err != nil {
		t.Fatal(err)
	}
	return fn, openNode(t, fn.DB, agency, country, fn.Service())
}

// The "done when", over real federation: a clean notice publishes,
// reaches two partners and a lookup there hits; a flagged one does not
// leave before the reviewer decides; cancellation removes the hits
// everywhere, for notices and alerts alike.
func TestDistributionOverFederation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three federated nodes")
	}
	frF, fr := fedNode(t, "FR-NCB", "FR")
	deF, de := fedNode(t, "DE-BKA", "DE")
	nlF, nl := fedNode(t, "NL-NCB", "NL")
	fedtest.Introduce(t, frF, deF, nlF)
	const wait = 20 * time.Second
	spoc := fr.as(access.SPOC)

	flagged := must[*Notice](t)(fr.svc.CreateNotice(spoc, Draft{Type: notice.Red, Category: notice.Suspect,
		Subject: Subject{Name: "ROE", Forename: "RICHARD", DateOfBirth: "1975-05-05"}, ExtraditionWillBeSought: true,
		Charges:      []Charge{{Text: "Participation in an unauthorised protest", MaxPenaltyMonths: 36}},
		Distribution: Distribution{Scope: notice.ScopeAll}}))
	must[*Notice](t)(fr.svc.SubmitNotice(spoc, flagged.ID))

	clean := publish(t, fr, Distribution{Scope: notice.ScopeAll})
	alert := must[*Alert](t)(fr.svc.CreateAlert(spoc, passport("FED12345", Distribution{Scope: notice.ScopeRegion, Region: "eu"})))

	for _, x := range []*node{de, nl} {
		fedtest.Eventually(t, wait, x.agency+" hits", func() error {
			if len(personHits(t, x, "John Doe", "1980-01-02")) != 1 || !docLookup(t, x, "FED12345", "FR").Hit {
				return fedtest.ErrNotYet
			}
			return nil
		})
		if hits := personHits(t, x, "Richard Roe", "1975-05-05"); len(hits) != 0 {
			t.Fatalf("%s: the flagged notice arrived before review: %+v", x.agency, hits)
		}
	}
	fedtest.Eventually(t, wait, "acknowledgements", func() error {
		for _, sts := range [][]PartnerState{
			must[[]PartnerState](t)(fr.svc.NoticeDistribution(spoc, clean.ID)),
			must[[]PartnerState](t)(fr.svc.AlertDistribution(spoc, alert.ID)),
		} {
			if len(sts) != 2 {
				return fedtest.Errorf("distribution %+v", sts)
			}
			for _, st := range sts {
				if st.State != federation.DeliveryDelivered || st.AcknowledgedAt.IsZero() {
					return fedtest.Errorf("%s: %s", st.Partner, st.State)
				}
			}
		}
		return nil
	})

	must[*Notice](t)(fr.svc.CancelNotice(spoc, clean.ID, "arrested"))
	must[*Alert](t)(fr.svc.CancelAlert(spoc, alert.ID, "recovered"))
	for _, x := range []*node{fr, de, nl} {
		fedtest.Eventually(t, wait, x.agency+" misses", func() error {
			if len(personHits(t, x, "John Doe", "1980-01-02")) != 0 || docLookup(t, x, "FED12345", "FR").Hit {
				return fedtest.ErrNotYet
			}
			return nil
		})
	}
}

// A partner suspended when a notice or alert is cancelled is told once it
// is active again.
func TestPendingCancellationsReachResumedPartner(t *testing.T) {
	tr := newTrio(t)
	spoc := tr.fr.as(access.SPOC)
	nt := publish(t, tr.fr, Distribution{Scope: notice.ScopeAll})
	a := must[*Alert](t)(tr.fr.svc.CreateAlert(spoc, passport("PEND1234", Distribution{Scope: notice.ScopeAll})))
	tr.deliver(t)
	frFed := tr.fr.fed.(*fakeFed)
	frFed.setState("DE-BKA", federation.StateSuspended)

	must[*Notice](t)(tr.fr.svc.CancelNotice(spoc, nt.ID, "arrested"))
	must[*Alert](t)(tr.fr.svc.CancelAlert(spoc, a.ID, "recovered"))
	tr.deliver(t)
	if len(personHits(t, tr.nl, "John Doe", "1980-01-02")) != 0 || docLookup(t, tr.nl, "PEND1234", "FR").Hit {
		t.Fatal("NL still hits")
	}
	if len(personHits(t, tr.de, "John Doe", "1980-01-02")) != 1 || !docLookup(t, tr.de, "PEND1234", "FR").Hit {
		t.Fatal("DE, suspended, was told anyway")
	}
	for _, st := range [][]PartnerState{
		must[[]PartnerState](t)(tr.fr.svc.NoticeDistribution(spoc, nt.ID)),
		must[[]PartnerState](t)(tr.fr.svc.AlertDistribution(spoc, a.ID)),
	} {
		if st[0].Partner != "DE-BKA" || st[0].State != Pending || st[0].Event != EventCancel {
			t.Fatalf("distribution %+v", st)
		}
	}
	ctx := context.Background()
	if res := must[JobResult](t)(tr.fr.svc.RunOnce(ctx, tr.fr.clock.Now())); res.Retried != 0 {
		t.Fatalf("retried while suspended: %+v", res)
	}
	frFed.setState("DE-BKA", federation.StateActive)
	if res := must[JobResult](t)(tr.fr.svc.RunOnce(ctx, tr.fr.clock.Now())); res.Retried != 2 {
		t.Fatalf("after resumption: %+v", res)
	}
	tr.deliver(t)
	if len(personHits(t, tr.de, "John Doe", "1980-01-02")) != 0 || docLookup(t, tr.de, "PEND1234", "FR").Hit {
		t.Fatal("DE still hits after resumption")
	}
	if res := must[JobResult](t)(tr.fr.svc.RunOnce(ctx, tr.fr.clock.Now())); res.Retried != 0 {
		t.Fatalf("retried again: %+v", res)
	}
}
