package lookup

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/names"
	"github.com/liaison-project/liaison/internal/notice"
)

func doc(number, country string, status notice.AlertStatus) notice.Alert {
	return notice.Alert{Kind: notice.TravelDocument, DocumentNumber: number, Country: country, Status: status,
		DocumentType: notice.Passport, Originator: "FR-NCB", Contact: "NCB Lyon", Reference: "FR-" + number}
}

func TestDocumentHitsAndMisses(t *testing.T) {
	x := New(Options{})
	if err := x.Add(doc("X1234567", "FR", notice.Stolen)); err != nil {
		t.Fatal(err)
	}
	hit, ok, err := x.Document(" x12-345 67", "fr")
	if err != nil || !ok {
		t.Fatalf("lookup: ok %v err %v", ok, err)
	}
	want := Hit{Kind: notice.TravelDocument, Status: notice.Stolen, DocumentType: notice.Passport, Country: "FR",
		Reference: "FR-X1234567", Action: "seize document", Contact: "NCB Lyon"}
	if hit != want {
		t.Errorf("hit = %+v\nwant %+v", hit, want)
	}
	if hit.Instruction() != "seize document — contact NCB Lyon" {
		t.Errorf("instruction %q", hit.Instruction())
	}
	// Same number, other country: a miss. Other number: a miss.
	for _, q := range [][2]string{{"X1234567", "DE"}, {"X1234568", "FR"}} {
		if _, ok, err := x.Document(q[0], q[1]); ok || err != nil {
			t.Errorf("%v: ok %v err %v", q, ok, err)
		}
	}
	// Malformed input is Invalid and names the field.
	for _, q := range [][3]string{{"X12/4567", "FR", "document_number"}, {"X1", "FR", "document_number"}, {"X1234567", "FRA", "country"}, {"X1234567", "YY", "country"}} {
		if _, _, err := x.Document(q[0], q[1]); !errs.Is(err, errs.Invalid) || errs.FieldOf(err) != q[2] {
			t.Errorf("%v: err %v", q, err)
		}
	}
	if _, _, err := x.VIN("1M8GDM9AXKP04278O"); !errs.Is(err, errs.Invalid) {
		t.Errorf("VIN with O: %v", err)
	}
	if _, _, err := x.Plate("AB_123", "FR"); !errs.Is(err, errs.Invalid) {
		t.Errorf("bad plate: %v", err)
	}
}

func TestReplaceAndRemove(t *testing.T) {
	x := New(Options{})
	a := doc("X1234567", "FR", notice.Lost)
	if err := x.Add(a); err != nil {
		t.Fatal(err)
	}
	a.Status, a.Reference, a.Contact = notice.Revoked, "FR-2", ""
	if err := x.Add(a); err != nil {
		t.Fatal(err)
	}
	hit, ok, _ := x.Document("X1234567", "FR")
	if !ok || hit.Status != notice.Revoked || hit.Reference != "FR-2" || hit.Contact != "FR-NCB" || x.Len() != 1 {
		t.Fatalf("replace: %+v len %d", hit, x.Len())
	}
	if err := x.Remove(a); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := x.Document("X1234567", "FR"); ok || x.Len() != 0 {
		t.Fatal("removed alert still hits")
	}
	if err := x.Remove(a); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
}

func TestVehicles(t *testing.T) {
	x := New(Options{})
	v := notice.Alert{Kind: notice.Vehicle, Plate: "А123ВС77", Country: "RU", VIN: "1M8GDM9AXKP042788", Status: notice.Stolen, Originator: "RU-NCB"}
	if err := x.Add(v); err != nil {
		t.Fatal(err)
	}
	hit, ok, err := x.Plate("a 123 bc 77", "ru")
	if err != nil || !ok || hit.Action != "seize vehicle" || hit.Country != "RU" {
		t.Fatalf("plate: %+v %v %v", hit, ok, err)
	}
	hit, ok, err = x.VIN("1m8gdm9axkp042788")
	if err != nil || !ok || hit.Country != "" || hit.Kind != notice.Vehicle {
		t.Fatalf("vin: %+v %v %v", hit, ok, err)
	}
	if _, ok, _ := x.Plate("A123BC77", "UA"); ok {
		t.Error("plate hit in another country")
	}
	if err := x.Remove(v); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := x.VIN("1M8GDM9AXKP042788"); ok || x.Len() != 0 {
		t.Error("removing the vehicle left a key")
	}
	if err := x.Add(notice.Alert{Kind: notice.Object, Description: "statue", Status: notice.Stolen}); !errs.Is(err, errs.Unsupported) {
		t.Errorf("object: %v", err)
	}
	if err := x.Add(notice.Alert{Kind: notice.Vehicle, Status: notice.Stolen}); !errs.Is(err, errs.Invalid) {
		t.Errorf("vehicle without keys: %v", err)
	}
}

// TestModel checks the index against a plain map through random sequences
// of adds, replacements, removals, compactions and lookups on a small key
// space, so that probe sequences collide, the table grows and deletions
// shift entries back.
func TestModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x := New(Options{})
		model := map[string]string{} // "country|number" → reference
		countries := []string{"FR", "DE"}
		for range rapid.IntRange(1, 400).Draw(t, "ops") {
			num := fmt.Sprintf("P%06d", rapid.IntRange(0, 120).Draw(t, "num"))
			c := rapid.SampledFrom(countries).Draw(t, "country")
			k := c + "|" + num
			switch rapid.IntRange(0, 9).Draw(t, "op") {
			case 0, 1, 2, 3:
				a := doc(num, c, notice.Stolen)
				a.Reference = rapid.StringMatching(`[A-Z0-9-]{0,20}`).Draw(t, "ref")
				if err := x.Add(a); err != nil {
					t.Fatal(err)
				}
				model[k] = a.Reference
			case 4, 5:
				if err := x.Remove(doc(num, c, notice.Stolen)); err != nil {
					t.Fatal(err)
				}
				delete(model, k)
			case 6:
				x.Compact()
			default:
				hit, ok, err := x.Document(num, c)
				ref, want := model[k]
				if err != nil || ok != want || ok && hit.Reference != ref {
					t.Fatalf("lookup %s: hit %+v ok %v err %v; model %q %v", k, hit, ok, err, ref, want)
				}
			}
			if x.Len() != len(model) {
				t.Fatalf("len %d, model %d", x.Len(), len(model))
			}
		}
		for k, ref := range model {
			var c, num string
			fmt.Sscanf(k[:2], "%s", &c)
			num = k[3:]
			hit, ok, err := x.Document(num, c)
			if err != nil || !ok || hit.Reference != ref {
				t.Fatalf("final lookup %s: %+v %v %v", k, hit, ok, err)
			}
		}
	})
}

func TestCompactionReclaimsArena(t *testing.T) {
	x := New(Options{})
	for round := range 3 {
		for i := range 20_000 {
			a := doc(fmt.Sprintf("P%07d", i), "FR", notice.Stolen)
			a.Reference = fmt.Sprintf("round-%d-%040d", round, i)
			if err := x.Add(a); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := x.Stats()
	if s.Keys != 20_000 || s.DeadBytes > s.ArenaBytes/2 {
		t.Fatalf("stats %v", s)
	}
	hit, ok, _ := x.Document("P0012345", "FR")
	if !ok || hit.Reference != fmt.Sprintf("round-2-%040d", 12345) {
		t.Fatalf("after compaction: %+v", hit)
	}
}

func TestConcurrentReadsAndWrites(t *testing.T) {
	x := New(Options{})
	for i := range 1000 {
		_ = x.Add(doc(fmt.Sprintf("K%07d", i), "DE", notice.Lost))
	}
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				n := fmt.Sprintf("K%07d", (i*7+r)%1000)
				if _, ok, err := x.Document(n, "DE"); err != nil || !ok {
					t.Errorf("stable key %s missing: %v", n, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 2000 {
			a := doc(fmt.Sprintf("W%07d", i%300), "DE", notice.Stolen)
			if i%3 == 2 {
				_ = x.Remove(a)
			} else {
				_ = x.Add(a)
			}
		}
	})
	wg.Wait()
}

func publishedNotice(t *testing.T, id, forename, name string, dob notice.PartialDate) notice.Notice {
	t.Helper()
	n := notice.Notice{ID: id, Type: notice.Red, Forename: forename, Name: name, DateOfBirth: dob,
		Charges:                 []notice.Charge{{Text: "Fraud", MaxPenaltyMonths: 60}},
		ExtraditionWillBeSought: true, Originator: "FR-NCB", Contact: "NCB Lyon",
		Distribution: notice.Distribution{Scope: notice.ScopeAll}}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := n.Submit(access.Principal{UserID: "o", Role: access.SPOC}, now, nil); err != nil {
		t.Fatal(err)
	}
	if err := n.Decide(access.Principal{UserID: "r", Role: access.Reviewer}, notice.Decision{Outcome: notice.Approved, Reasons: "ok", ExtraditionWillBeSought: true}, now); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPersonLookup(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	x := New(Options{})
	full := publishedNotice(t, "n1", "Сергей", "Иванов", notice.PartialDate{Year: 1980, Month: 1, Day: 2})
	year := publishedNotice(t, "n2", "Mohammed", "Al Rashid", notice.PartialDate{Year: 1975})
	for _, n := range []notice.Notice{full, year} {
		if err := x.AddNotice(n, now); err != nil {
			t.Fatal(err)
		}
	}
	hits, err := x.Person("IVANOFF Sergei", "1980/01/02")
	if err != nil || len(hits) != 1 || hits[0].NoticeID != "n1" || hits[0].Strength != names.Strong {
		t.Fatalf("transliterated lookup: %+v %v", hits, err)
	}
	if hits[0].Instruction != "arrest with a view to extradition — contact NCB Lyon" {
		t.Errorf("instruction %q", hits[0].Instruction)
	}
	if hits, _ := x.Person("Sergei Ivanov", "1981-01-02"); len(hits) != 0 {
		t.Errorf("other birth year hits: %+v", hits)
	}
	hits, err = x.Person("Muhammad al-Rashid", "1975-03-04")
	if err != nil || len(hits) != 1 || hits[0].NoticeID != "n2" || hits[0].Strength != names.Weak {
		t.Fatalf("partial date notice: %+v %v", hits, err)
	}
	for _, q := range [][2]string{{"", "1980-01-02"}, {"Sergei Ivanov", ""}, {"Sergei Ivanov", "02.01.1980"}} {
		if _, err := x.Person(q[0], q[1]); !errs.Is(err, errs.Invalid) {
			t.Errorf("%v: err %v", q, err)
		}
	}
	x.RemoveNotice("n1")
	if hits, _ := x.Person("Sergei Ivanov", "1980-01-02"); len(hits) != 0 {
		t.Errorf("removed notice hits: %+v", hits)
	}
	// Only notices in circulation are indexed.
	draft := full
	draft.State = notice.Draft
	if err := x.AddNotice(draft, now); !errs.Is(err, errs.Precondition) {
		t.Errorf("draft: %v", err)
	}
	if err := x.AddNotice(full, full.ExpiresAt); !errs.Is(err, errs.Precondition) {
		t.Errorf("expired: %v", err)
	}
	// Re-adding a notice replaces its keys instead of duplicating hits.
	_ = x.AddNotice(year, now)
	_ = x.AddNotice(year, now)
	if hits, _ := x.Person("Mohammed Al Rashid", "1975"); len(hits) != 1 {
		t.Errorf("re-added notice: %+v", hits)
	}
}
