package noticesvc

import (
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
)

// onlyEvent checks that the node has exactly one event of kind k with
// reason, carrying the test justification and objects of refType with
// the ids want.
func onlyEvent(t *testing.T, n *node, k audit.Kind, reason, refType string, want ...string) {
	t.Helper()
	evs := n.events(t, k, reason)
	if len(evs) != 1 {
		t.Fatalf("%d %s/%s events, want 1", len(evs), k, reason)
	}
	e := evs[0]
	if e.Justification != "test" || e.CaseRef != "TEST-1" {
		t.Errorf("%s event carries justification %q, case %q", reason, e.Justification, e.CaseRef)
	}
	if len(e.Objects) != len(want) {
		t.Fatalf("%s event names %+v, want %s %v", reason, e.Objects, refType, want)
	}
	for i, id := range want {
		if e.Objects[i] != (audit.Ref{Type: refType, ID: id}) {
			t.Errorf("%s event names %+v, want %s %v", reason, e.Objects, refType, want)
		}
	}
}

// A list that comes back empty is still a consultation: it writes one
// consult event without objects; a list with items names them.
func TestEmptyListsAreAudited(t *testing.T) {
	n := newNode(t, "FR-NCB", "FR", nil)
	items, _, err := n.svc.ListNotices(n.as(access.Analyst), NoticeFilter{})
	if err != nil || len(items) != 0 {
		t.Fatalf("notices of an empty node: %v %+v", err, items)
	}
	onlyEvent(t, n, audit.Consult, "notice-list", "notice")
	alerts, _, err := n.svc.ListAlerts(n.as(access.Analyst), AlertFilter{})
	if err != nil || len(alerts) != 0 {
		t.Fatalf("alerts of an empty node: %v %+v", err, alerts)
	}
	onlyEvent(t, n, audit.Consult, "alert-list", "alert")

	m := newNode(t, "FR-NCB", "FR", nil)
	nt := must[*Notice](t)(m.svc.CreateNotice(m.as(access.SPOC), redDraft("Fraud", Distribution{})))
	a := must[*Alert](t)(m.svc.CreateAlert(m.as(access.SPOC), AlertInput{Kind: "travel-document", Status: "stolen",
		DocumentNumber: "P1234567", Country: "FR"}))
	if _, _, err := m.svc.ListNotices(m.as(access.Analyst), NoticeFilter{}); err != nil {
		t.Fatal(err)
	}
	onlyEvent(t, m, audit.Consult, "notice-list", "notice", nt.ID)
	if _, _, err := m.svc.ListAlerts(m.as(access.Analyst), AlertFilter{}); err != nil {
		t.Fatal(err)
	}
	onlyEvent(t, m, audit.Consult, "alert-list", "alert", a.ID)
}

// An INTERPOL import that finds every notice present already creates
// nothing, and still records the call.
func TestInterpolReimportIsAudited(t *testing.T) {
	n := newNode(t, "FR-NCB", "FR", nil)
	data := sharedSample(t, "SYNTHETIC_red_notice_detail.json")
	first := must[*ImportResult](t)(n.svc.ImportInterpol(n.as(access.SPOC), data, ""))
	if len(first.Created) != 1 {
		t.Fatalf("first import: %+v", first)
	}
	onlyEvent(t, n, audit.Collect, "notice-imported-interpol", "notice", first.Created[0].ID)
	again := must[*ImportResult](t)(n.svc.ImportInterpol(n.as(access.SPOC), data, ""))
	if len(again.Created) != 0 || len(again.Existing) != 1 {
		t.Fatalf("second import: %+v", again)
	}
	if evs := n.events(t, audit.Collect, "notice-imported-interpol"); len(evs) != 2 || len(evs[1].Objects) != 0 ||
		evs[1].Justification != "test" {
		t.Fatalf("the second import wrote %+v, want a second event without objects", evs)
	}
}
