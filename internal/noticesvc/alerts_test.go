package noticesvc

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/notice"
)

func docLookup(t *testing.T, n *node, number, country string) *LookupResult {
	t.Helper()
	res, err := n.svc.Lookup(n.as(access.Border), LookupQuery{Document: number, Country: country})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func passport(number string, dist Distribution) AlertInput {
	return AlertInput{Kind: notice.TravelDocument, Status: notice.Stolen, DocumentNumber: number, DocumentType: notice.Passport,
		Country: "FR", Reference: "FR-2026-0042", Distribution: dist}
}

func TestAlertReachesPartnersAndCancellationRemovesHits(t *testing.T) {
	tr := newTrio(t)
	spoc := tr.fr.as(access.SPOC)
	a := must[*Alert](t)(tr.fr.svc.CreateAlert(spoc, passport("12ab 34567", Distribution{Scope: notice.ScopeAll})))
	if a.DocumentNumber != "12AB34567" || a.State != AlertActive || a.Originator != "FR-NCB" {
		t.Fatalf("created %+v", a)
	}
	res := docLookup(t, tr.fr, "12AB34567", "fr")
	if !res.Hit || res.Hits[0].Instruction != "seize document — contact FR-NCB" || res.Hits[0].Reference != "FR-2026-0042" ||
		res.Hits[0].Matched != "passport FR 12AB34567" {
		t.Fatalf("lookup at the originator: %+v", res)
	}
	tr.deliver(t)
	for _, x := range []*node{tr.de, tr.nl} {
		res := docLookup(t, x, "12-AB-34567", "FR")
		if !res.Hit || res.Hits[0].Contact != "FR-NCB" || res.Hits[0].Status != "stolen" {
			t.Fatalf("%s: %+v", x.agency, res)
		}
		if docLookup(t, x, "12AB34568", "FR").Hit || docLookup(t, x, "12AB34567", "DE").Hit {
			t.Fatalf("%s: a different number or country hits", x.agency)
		}
	}
	st := must[[]PartnerState](t)(tr.fr.svc.AlertDistribution(spoc, a.ID))
	if len(st) != 2 || st[0].State != federation.DeliveryDelivered {
		t.Fatalf("distribution %+v", st)
	}

	// Every lookup is a consultation, audited with a keyed hash only.
	evs := tr.de.events(t, audit.Consult, "")
	if len(evs) != 3 || evs[0].Reason != reasonLookupHit || evs[1].Reason != reasonLookupMiss || evs[0].Purpose != "border-control" ||
		len(evs[0].Objects) != 1 || evs[0].Objects[0].Type != "alert" {
		t.Fatalf("lookup events %+v", evs)
	}
	for _, e := range tr.de.audit.Events(t) {
		for _, h := range e.Hashes {
			if strings.Contains(h, "12AB") {
				t.Fatalf("event holds the number: %+v", e)
			}
		}
	}

	must[*Alert](t)(tr.fr.svc.CancelAlert(spoc, a.ID, "recovered"))
	tr.deliver(t)
	for _, x := range []*node{tr.fr, tr.de, tr.nl} {
		if docLookup(t, x, "12AB34567", "FR").Hit {
			t.Fatalf("%s: hit after cancellation", x.agency)
		}
	}
}

func TestAlertDistributionScopes(t *testing.T) {
	tr := newTrio(t)
	spoc := tr.fr.as(access.SPOC)
	cases := []struct {
		dist   Distribution
		number string
		de, nl bool
	}{
		{Distribution{Scope: notice.ScopeAgencies, Agencies: []string{"DE-BKA"}}, "AAA1111", true, false},
		{Distribution{Scope: notice.ScopeRegion, Region: "EU"}, "AAA2222", true, true},
		{Distribution{Scope: notice.ScopeRegion, Region: "africa"}, "AAA3333", false, false},
		{Distribution{}, "AAA4444", false, false},
	}
	for _, c := range cases {
		must[*Alert](t)(tr.fr.svc.CreateAlert(spoc, passport(c.number, c.dist)))
	}
	tr.deliver(t)
	for _, c := range cases {
		if got := docLookup(t, tr.de, c.number, "FR").Hit; got != c.de {
			t.Errorf("%v: DE hit %v", c.dist, got)
		}
		if got := docLookup(t, tr.nl, c.number, "FR").Hit; got != c.nl {
			t.Errorf("%v: NL hit %v", c.dist, got)
		}
	}
	// A named agency that is not a partner is withheld, not an error.
	a := must[*Alert](t)(tr.fr.svc.CreateAlert(spoc, passport("AAA5555", Distribution{Scope: notice.ScopeAgencies, Agencies: []string{"US-FBI", "NL-NCB"}})))
	st := must[[]PartnerState](t)(tr.fr.svc.AlertDistribution(spoc, a.ID))
	if len(st) != 2 || st[0].Partner != "NL-NCB" || st[1].Partner != "US-FBI" || st[1].State != Withheld || st[1].Reason != "not a partner" {
		t.Fatalf("distribution %+v", st)
	}
	_, err := tr.fr.svc.CreateAlert(spoc, passport("AAA6666", Distribution{Scope: notice.ScopeRegion, Region: "atlantis"}))
	wantKind(t, err, errs.Invalid)
	// The same document again: Conflict (update it or import it instead).
	_, err = tr.fr.svc.CreateAlert(spoc, passport("AAA1111", Distribution{}))
	wantKind(t, err, errs.Conflict)
}

// An own and a received alert may name the same document: cancelling one
// leaves the other's hit.
func TestSharedKeySurvivesCancellation(t *testing.T) {
	tr := newTrio(t)
	own := must[*Alert](t)(tr.de.svc.CreateAlert(tr.de.as(access.SPOC), passport("SAME1234", Distribution{})))
	theirs := must[*Alert](t)(tr.fr.svc.CreateAlert(tr.fr.as(access.SPOC), passport("SAME1234", Distribution{Scope: notice.ScopeAll})))
	tr.deliver(t)
	if res := docLookup(t, tr.de, "SAME1234", "FR"); !res.Hit || res.Hits[0].Contact != "FR-NCB" {
		t.Fatalf("before: %+v", res)
	}
	must[*Alert](t)(tr.fr.svc.CancelAlert(tr.fr.as(access.SPOC), theirs.ID, "found"))
	tr.deliver(t)
	if res := docLookup(t, tr.de, "SAME1234", "FR"); !res.Hit || res.Hits[0].Contact != "DE-BKA" {
		t.Fatalf("after the partner's cancellation: %+v", res)
	}
	must[*Alert](t)(tr.de.svc.CancelAlert(tr.de.as(access.SPOC), own.ID, "found"))
	if docLookup(t, tr.de, "SAME1234", "FR").Hit {
		t.Fatal("hit after both were cancelled")
	}
	// Restarting rebuilds the same index from storage.
	re := openNode(t, tr.de.db, "DE-BKA", "DE", tr.de.fed)
	if re.svc.LoadStats().Index.Keys != 0 || docLookup(t, re, "SAME1234", "FR").Hit {
		t.Fatalf("after restart: %+v", re.svc.LoadStats())
	}
}

func TestVehicleLookups(t *testing.T) {
	n := newNode(t, "FR-NCB", "FR", nil)
	spoc := n.as(access.SPOC)
	must[*Alert](t)(n.svc.CreateAlert(spoc, AlertInput{Kind: notice.Vehicle, Status: notice.Stolen, Plate: "AB-123-CD", Country: "FR",
		VIN: "WVWZZZ1JZXW000001", Description: "grey VW Golf", Contact: "Gendarmerie Lyon"}))
	for _, q := range []LookupQuery{{Plate: "ab 123 cd", Country: "FR"}, {VIN: "wvwzzz1jzxw000001"}} {
		res := must[*LookupResult](t)(n.svc.Lookup(n.as(access.Border), q))
		if !res.Hit || res.Hits[0].Instruction != "seize vehicle — contact Gendarmerie Lyon" || res.Hits[0].Kind != "vehicle" {
			t.Fatalf("%+v: %+v", q, res)
		}
	}
	// Restart: the index comes back from storage.
	re := openNode(t, n.db, "FR-NCB", "FR", nil)
	if re.svc.LoadStats().Index.Keys != 2 || !must[*LookupResult](t)(re.svc.Lookup(re.as(access.Border), LookupQuery{VIN: "WVWZZZ1JZXW000001"})).Hit {
		t.Fatalf("after restart: %+v", re.svc.LoadStats())
	}
}

func TestAlertImportCSV(t *testing.T) {
	n := newNode(t, "FR-NCB", "FR", nil)
	c := n.serve(t)(access.SPOC)
	ctx := context.Background()
	importCSV := func(csv string, query url.Values) (*AlertImport, error) {
		var res AlertImport
		err := c.Do(ctx, client.Request{Method: "POST", Path: "/api/v1/alerts/import", Query: query,
			Body: strings.NewReader(csv), Header: map[string][]string{"Content-Type": {"text/csv"}}}, &res)
		return &res, err
	}
	file := "document_number,country,status,type,reference\n" +
		"12AB34567,FR,stolen,passport,R1\n" +
		"X1234567,fr,lost,id-card,R2\n" +
		"12AB34567,FR,revoked,passport,R1\n" // repeated: the last row wins
	res, err := importCSV(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 3 || res.Created != 2 || res.Kind != notice.TravelDocument {
		t.Fatalf("first import %+v", res)
	}
	if got := docLookup(t, n, "12AB34567", "FR"); !got.Hit || got.Hits[0].Status != "revoked" {
		t.Fatalf("lookup %+v", got)
	}
	// Importing again changes nothing; a changed row is an update.
	res = must[*AlertImport](t)(importCSV(file, nil))
	if res.Created != 0 || res.Updated != 0 || res.Unchanged != 2 {
		t.Fatalf("repeat %+v", res)
	}
	res = must[*AlertImport](t)(importCSV("document_number,country,status\nX1234567,FR,stolen\n", nil))
	if res.Updated != 1 {
		t.Fatalf("update %+v", res)
	}

	// Errors name the line (of the caller's file) and the column, and
	// nothing of a failed request is stored.
	bad := "document_number,country,status\nNEW11111,FR,stolen\nNEW22222,XQZ,stolen\n"
	_, err = importCSV(bad, nil)
	var ce *client.Error
	if !errorsAs(err, &ce) || ce.Problem.Status != 400 || ce.Problem.Field != "line 3: country" {
		t.Fatalf("err = %v", err)
	}
	_, err = importCSV(bad, url.Values{"firstLine": {"101"}})
	if !errorsAs(err, &ce) || ce.Problem.Field != "line 103: country" {
		t.Fatalf("err = %v", err)
	}
	if docLookup(t, n, "NEW11111", "FR").Hit {
		t.Fatal("a row of a failed import was stored")
	}
	_, err = importCSV("document_number,country,status,colour\nA1234567,FR,stolen,red\n", nil)
	if !errorsAs(err, &ce) || ce.Problem.Field != "line 1: colour" {
		t.Fatalf("unknown column: %v", err)
	}
	_, err = importCSV("document_number,country,status,originator\nA1234567,FR,stolen,DE-BKA\n", nil)
	if !errorsAs(err, &ce) || !strings.HasPrefix(ce.Problem.Field, "line 2") {
		t.Fatalf("foreign originator: %v", err)
	}
	evs := n.events(t, audit.Collect, "alert-import")
	if len(evs) != 3 || evs[0].Objects[0].Type != "alert-import" {
		t.Fatalf("import audit %+v", evs)
	}
}

// Malformed lookups are 400; the border role may look up but nothing else.
func TestBorderRole(t *testing.T) {
	n := newNode(t, "FR-NCB", "FR", nil)
	must[*Alert](t)(n.svc.CreateAlert(n.as(access.SPOC), passport("12AB34567", Distribution{})))
	nt := must[*Notice](t)(n.svc.CreateNotice(n.as(access.SPOC), redDraft("Fraud", Distribution{})))
	cs := n.serve(t)
	border := cs(access.Border)
	ctx := context.Background()
	var res LookupResult
	if err := border.Get(ctx, "/api/v1/lookup", url.Values{"document": {"12AB34567"}, "country": {"FR"}}, &res); err != nil || !res.Hit {
		t.Fatalf("lookup: %v %+v", err, res)
	}
	if len(res.Hits) != 1 || res.Hits[0].Reference != "FR-2026-0042" {
		t.Fatalf("hit %+v", res)
	}
	for _, q := range []url.Values{
		{"document": {"12AB!4567"}, "country": {"FR"}},
		{"document": {"12AB34567"}, "country": {"FRA"}},
		{"document": {"12"}, "country": {"FR"}},
		{"plate": {"AB-123-CD"}, "country": {""}},
		{"vin": {"WVWZZZ1JZXW00000"}},
		{"vin": {"WVWZZZ1JZXWO00001"}},
		{"name": {"John Doe"}},
		{"name": {"John Doe"}, "birthDate": {"1980-13-01"}},
		{"document": {"12AB34567"}, "country": {"FR"}, "vin": {"WVWZZZ1JZXW000001"}},
		{},
	} {
		err := border.Get(ctx, "/api/v1/lookup", q, nil)
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("%v: err = %v, want 400", q, err)
		}
	}
	// Without a justification: refused before anything is looked up.
	noJust := client.New(border.BaseURL, "border", nil)
	if err := noJust.Get(ctx, "/api/v1/lookup", url.Values{"vin": {"WVWZZZ1JZXW000001"}}, nil); !errs.Is(err, errs.Precondition) {
		t.Errorf("without justification: %v", err)
	}
	for _, rt := range n.svc.Routes() {
		if rt.Path == "/api/v1/lookup" {
			continue
		}
		path := strings.ReplaceAll(rt.Path, "{id}", nt.ID)
		err := border.Do(ctx, client.Request{Method: rt.Method, Path: path, Body: map[string]any{}}, nil)
		if !errs.Is(err, errs.Permission) {
			t.Errorf("border %s %s: err = %v, want 403", rt.Method, rt.Path, err)
		}
	}
	// Readers see notices; the border officer sees hits only.
	if err := cs(access.Analyst).Get(ctx, "/api/v1/notices/"+nt.ID, nil, nil); err != nil {
		t.Errorf("analyst: %v", err)
	}
	if _, err := n.svc.GetNotice(n.as(access.Border), nt.ID); !errs.Is(err, errs.Permission) {
		t.Errorf("border via the service: %v", err)
	}
	if _, err := n.svc.GetAlert(n.as(access.Border), "x"); !errs.Is(err, errs.Permission) {
		t.Errorf("border via the service: %v", err)
	}
}

func TestSnapshotRestart(t *testing.T) {
	n := newNode(t, "FR-NCB", "FR", nil)
	file := filepath.Join(t.TempDir(), "notices.snap")
	open := func() *node {
		x := &node{agency: n.agency, country: n.country, db: n.db, audit: n.audit, clock: n.clock}
		svc, err := New(context.Background(), Config{Agency: "FR-NCB", Country: "FR", SnapshotFile: file},
			Deps{DB: n.db, Audit: n.audit, Hasher: testHasher{}, Decider: newDecider(t), Now: n.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		x.svc = svc
		return x
	}
	spoc := n.as(access.SPOC)
	a := must[*Alert](t)(n.svc.CreateAlert(spoc, passport("SNAP1111", Distribution{})))
	must[*Alert](t)(n.svc.CreateAlert(spoc, passport("SNAP2222", Distribution{})))
	publish(t, n, Distribution{Scope: notice.ScopeAll})

	s1 := open()
	if s1.svc.LoadStats().FromSnapshot {
		t.Fatal("restored from a snapshot that was never written")
	}
	if err := s1.svc.WriteSnapshot(); err != nil {
		t.Fatal(err)
	}
	s2 := open()
	if st := s2.svc.LoadStats(); !st.FromSnapshot || st.Index.Keys != 2 || st.Notices != 1 {
		t.Fatalf("restart: %+v", st)
	}
	if !docLookup(t, s2, "SNAP1111", "FR").Hit || len(personHits(t, s2, "John Doe", "1980-01-02")) != 1 {
		t.Fatal("restored index misses")
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("the snapshot was not consumed: %v", err)
	}

	// A change after the snapshot makes it stale: rebuilt from storage.
	if err := s2.svc.WriteSnapshot(); err != nil {
		t.Fatal(err)
	}
	must[*Alert](t)(n.svc.CancelAlert(spoc, a.ID, "found"))
	s3 := open()
	if s3.svc.LoadStats().FromSnapshot || docLookup(t, s3, "SNAP1111", "FR").Hit || !docLookup(t, s3, "SNAP2222", "FR").Hit {
		t.Fatalf("stale snapshot used: %+v", s3.svc.LoadStats())
	}
	// A damaged snapshot is ignored.
	if err := s3.svc.WriteSnapshot(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	data[len(data)-10] ^= 1
	os.WriteFile(file, data, 0o600)
	s4 := open()
	if s4.svc.LoadStats().FromSnapshot || !docLookup(t, s4, "SNAP2222", "FR").Hit {
		t.Fatalf("damaged snapshot: %+v", s4.svc.LoadStats())
	}
}
