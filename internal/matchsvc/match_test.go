package matchsvc

import (
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/policy"
)

// heldCase is one identifier type with a value the holder's record holds
// (written as an officer would type it) and a near value it does not.
type heldCase struct {
	typ, held, query, miss string
}

var heldCases = []heldCase{
	{"passport", "NX1234567", "nx 123 4567", "NX1234568"},
	{"id", "ID998877", "id-998877", "ID998878"},
	{"phone", "+31 6 1234 5678", "+31612345678", "+31612345679"},
	{"email", "j.doe@mail.nl", "J.Doe@Mail.NL", "j.doe@mail.de"},
	{"iban", "DE44500105175407324931", "DE44 5001 0517 5407 3249 31", "DE17500105175407324932"},
	{"wallet", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr"},
	{"plate", "GH-456-JK", "gh 456 jk", "GH-456-JL"},
	{"vin", "WVWZZZ1JZXW000001", "wvwzzz1jzxw000001", "WVWZZZ1JZXW000002"},
}

// heldEntities are entities holding every heldCase value and a person.
func heldEntities() []ftm.Entity {
	return []ftm.Entity{
		ent("p1", "Person", "name", "John Doe", "birthDate", "1980-01-02", "passportNumber", "NX1234567", "idNumber", "ID998877",
			"phone", "+31 6 1234 5678", "email", "j.doe@mail.nl"),
		ent("a1", "BankAccount", "iban", "DE44500105175407324931"),
		ent("w1", "CryptoWallet", "publicKey", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
		ent("v1", "Vehicle", "registrationNumber", "GH-456-JK", "country", "nl"),
		ent("v2", "Vehicle", "registrationNumber", "WVWZZZ1JZXW000001"),
	}
}

// The "done when": with three nodes, every identifier type hits at
// the holder that has it and misses at the one that does not, and a near
// value misses everywhere.
func TestEveryTypeHitsAndMissesWithThreeNodes(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA", "FR-DCPJ")
	nl, de, fr := ns[0], ns[1], ns[2]
	nl.create(t, policy.Envelope{}, heldEntities()...)
	nl.sync(t)
	for _, c := range heldCases {
		t.Run(c.typ, func(t *testing.T) {
			res := de.query(t, QueryRequest{Type: c.typ, Values: []string{c.query, c.miss}})
			if len(res.Partners) != 2 {
				t.Fatalf("asked %d partners, want NL and FR", len(res.Partners))
			}
			got := partnerResult(t, res, "NL-NCB")
			if got.Status != StatusHit || statuses(got) != "hit,no-hit" {
				t.Fatalf("NL: %s (%s), want hit,no-hit: %+v", got.Status, statuses(got), got)
			}
			h := got.Results[0]
			if h.Strength != "exact" || h.Candidate || h.HitID == "" || len(h.Reference) != 32 {
				t.Errorf("hit %+v", h)
			}
			if fr := partnerResult(t, res, "FR-DCPJ"); fr.Status != StatusNoHit || statuses(fr) != "no-hit,no-hit" {
				t.Errorf("FR: %s (%s), want no-hit", fr.Status, statuses(fr))
			}
		})
	}
	// The third node queries only NL, by choice.
	res := fr.query(t, QueryRequest{Type: "passport", Values: []string{"NX1234567"}, Partners: []string{"NL-NCB"}})
	if len(res.Partners) != 1 || res.Partners[0].Status != StatusHit {
		t.Fatalf("FR asking NL: %+v", res.Partners)
	}
	// Each partner gets its own references: the same value yields
	// different references for DE and FR.
	deRes := de.query(t, QueryRequest{Type: "passport", Values: []string{"NX1234567"}, Partners: []string{"NL-NCB"}})
	if deRes.Partners[0].Results[0].Reference == res.Partners[0].Results[0].Reference {
		t.Error("DE and FR got the same reference for one value")
	}
}

// A name written in Cyrillic at one agency and in Latin at another hits on
// a match key; a birth year alone hits only the weak key, as a candidate.
func TestCyrillicAndLatinNamesHit(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA")
	nl, de := ns[0], ns[1]
	nl.create(t, policy.Envelope{}, ent("p1", "Person", "name", "Сергей Иванов", "birthDate", "1970-01-02"))
	nl.sync(t)

	res := de.query(t, QueryRequest{Type: TypePerson, Name: "IVANOV Sergei", BirthDate: "1970-01-02"})
	pr := partnerResult(t, res, "NL-NCB")
	if pr.Status != StatusHit {
		t.Fatalf("NL: %+v", pr)
	}
	hits := map[string]ValueResult{}
	for _, v := range pr.Results {
		if v.Status == StatusHit {
			hits[v.Key] = v
		}
	}
	if v, ok := hits["name-dob"]; !ok || v.Strength != "strong" || v.Candidate {
		t.Errorf("name-dob: %+v (all: %+v)", v, pr.Results)
	}
	if v, ok := hits["phonetic-year"]; !ok || v.Strength != "weak" || !v.Candidate {
		t.Errorf("phonetic-year: %+v", v)
	}

	weak := de.query(t, QueryRequest{Type: TypePerson, Name: "Sergej Iwanow", BirthDate: "1970"})
	pr = partnerResult(t, weak, "NL-NCB")
	if pr.Status != StatusHit || len(pr.Results) != 1 || pr.Results[0].Key != "phonetic-year" || !pr.Results[0].Candidate {
		t.Fatalf("year only: %+v", pr)
	}
	other := de.query(t, QueryRequest{Type: TypePerson, Name: "Sergei Ivanov", BirthDate: "1971-01-02"})
	if pr := partnerResult(t, other, "NL-NCB"); pr.Status != StatusNoHit {
		t.Fatalf("other birth date: %+v", pr)
	}
}

// Records whose envelope forbids matching for a partner stay out of that
// partner's view, and the index follows records as they change.
func TestPolicyAndChangesShapeTheViews(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA", "FR-DCPJ")
	nl, de, fr := ns[0], ns[1], ns[2]

	noMatch := testEnvelope()
	noMatch.Handling |= policy.H3
	noMatch.Restrictions.Rules = []policy.Restriction{{Kind: policy.RestrictNoMatching}}
	nl.create(t, noMatch, ent("v1", "Vehicle", "registrationNumber", "NOMATCH1"))

	notDE := testEnvelope()
	notDE.Handling |= policy.H3
	notDE.Restrictions.Rules = []policy.Restriction{{Kind: policy.RestrictNotToCountry, Value: "DE"}}
	nl.create(t, notDE, ent("v2", "Vehicle", "registrationNumber", "NOTDE22"))

	red := testEnvelope()
	red.TLP, red.TLPRecipients = policy.TLPRed, []string{"FR-DCPJ"}
	nl.create(t, red, ent("v3", "Vehicle", "registrationNumber", "REDFR33"))
	nl.sync(t)

	want := map[string][2]string{ // plate → DE, FR
		"NOMATCH1": {StatusNoHit, StatusNoHit},
		"NOTDE22":  {StatusNoHit, StatusHit},
		"REDFR33":  {StatusNoHit, StatusHit},
	}
	for plate, w := range want {
		for i, q := range []*node{de, fr} {
			res := q.query(t, QueryRequest{Type: "plate", Values: []string{plate}})
			if got := partnerResult(t, res, "NL-NCB").Status; got != w[i] {
				t.Errorf("%s queries %s: %s, want %s", q.Agency, plate, got, w[i])
			}
		}
	}

	// A record created after the index was built is added; withdrawn, it
	// goes again.
	id := nl.create(t, policy.Envelope{}, ent("v4", "Vehicle", "registrationNumber", "LATE44"))
	nl.sync(t)
	if got := partnerResult(t, de.query(t, QueryRequest{Type: "plate", Values: []string{"LATE44"}}), "NL-NCB").Status; got != StatusHit {
		t.Fatalf("new record: %s", got)
	}
	if _, err := nl.records.Withdraw(nl.officer(access.Investigator), id); err != nil {
		t.Fatal(err)
	}
	nl.sync(t)
	if got := partnerResult(t, de.query(t, QueryRequest{Type: "plate", Values: []string{"LATE44"}}), "NL-NCB").Status; got != StatusNoHit {
		t.Fatalf("withdrawn record: %s", got)
	}
}
