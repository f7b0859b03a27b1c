package record

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/policy"
)

// partnerCtx is the context federation uses when applying what partner
// agency sent.
func partnerCtx(agency, country string) context.Context {
	return access.With(context.Background(), access.Principal{Agency: agency, Country: country, Partner: true})
}

// TestShareUpdateWithdrawErase follows a record from its originator (DE)
// to a recipient (NL): disclosure, copy, update, replays, withdrawal and
// erasure, each audited on both sides.
func TestShareUpdateWithdrawErase(t *testing.T) {
	d := dbtest.Open(t, audit.Schema, Schema)
	de := newEnvOn(t, d, "DE-BKA", "DE")
	nlDB := dbtest.Open(t, audit.Schema, Schema)
	nl := newEnvOn(t, nlDB, testAgency, testCountry)
	deOfficer := asOfficer(access.Investigator, "DE-BKA", "DE", "")
	nlPartner := policy.Partner{Agency: testAgency, Country: "NL"}

	orig := de.mustCreate(t, deOfficer, draft("Smuggling route",
		ent("p1", "Person", "name", "Karl Schmidt", "passportNumber", "C01X00T47"),
		ent("v1", "Vehicle", "registrationNumber", "B-KS 1234")))
	doc, dec, err := de.svc.DiscloseCopy(deOfficer, orig.ID, nlPartner, policy.PurposeCriminalInvestigation)
	if err != nil || !dec.Allowed {
		t.Fatalf("disclose: %v %+v", err, dec)
	}
	evs := de.events.take()
	last := evs[len(evs)-1]
	if last.Kind != audit.Disclose || len(last.Recipients) != 1 || last.Recipients[0] != testAgency || last.Reason != dec.Rule {
		t.Errorf("disclose event %+v", last)
	}
	var sent Record
	if err := json.Unmarshal(doc, &sent); err != nil {
		t.Fatal(err)
	}
	if sent.Envelope.ReceivedFrom != "DE-BKA" || sent.CreatedBy != "" {
		t.Errorf("copy document %+v", sent)
	}

	from := partnerCtx("DE-BKA", "DE")
	got, err := nl.svc.ApplyReceived(from, Received{Kind: ReceivedCopy, Document: doc})
	if err != nil {
		t.Fatal(err)
	}
	if got.Provenance == nil || got.Provenance.From != "DE-BKA" || got.Version != 1 || !got.Envelope.IsCopy() {
		t.Errorf("received %+v", got)
	}
	nlCtx := officerCtx(access.Investigator)
	if hits, err := nl.svc.Lookup(nlCtx, "passport", "C01X00T47", 0); err != nil || len(hits) != 1 || hits[0].Record.Rule != policy.RuleAllowRecipient {
		t.Errorf("lookup of the copy: %+v %v", hits, err)
	}
	change := draft("x")
	change.Version = 1
	if _, err := nl.svc.Update(nlCtx, orig.ID, change); !errs.Is(err, errs.Permission) {
		t.Errorf("recipient updates the copy: %v", err)
	}
	// A replay is ignored.
	if again, err := nl.svc.ApplyReceived(from, Received{Kind: ReceivedCopy, Document: doc}); err != nil || again.Version != 1 {
		t.Errorf("replay: %v", err)
	}
	if n := nl.count(t, `SELECT COUNT(*) FROM records`); n != 1 {
		t.Errorf("%d records after replay", n)
	}

	// The originator corrects the record; the update reaches the copy.
	upd := draft("Smuggling route (corrected)", ent("p1", "Person", "name", "Karl Schmidt", "passportNumber", "C01X00T48"))
	upd.Version = 1
	if _, err := de.svc.Update(deOfficer, orig.ID, upd); err != nil {
		t.Fatal(err)
	}
	doc2, _, err := de.svc.DiscloseCopy(deOfficer, orig.ID, nlPartner, policy.PurposeCriminalInvestigation)
	if err != nil {
		t.Fatal(err)
	}
	got, err = nl.svc.ApplyReceived(from, Received{Kind: ReceivedCopy, Document: doc2})
	if err != nil || got.Version != 2 || got.Title != upd.Title {
		t.Fatalf("update: %+v %v", got, err)
	}
	if hits, _ := nl.svc.Lookup(nlCtx, "passport", "C01X00T47", 0); len(hits) != 0 {
		t.Errorf("old passport number still indexed")
	}
	// The older version arriving late changes nothing.
	if late, err := nl.svc.ApplyReceived(from, Received{Kind: ReceivedCopy, Document: doc}); err != nil || late.Version != 2 {
		t.Errorf("late old version: %+v %v", late, err)
	}

	// Only the originator or the sender may withdraw; then it is gone from
	// lists but the history stays.
	if _, err := nl.svc.ApplyReceived(partnerCtx("FR-DCPJ", "FR"), Received{Kind: ReceivedWithdraw, RecordID: orig.ID, Version: 3}); !errs.Is(err, errs.Permission) {
		t.Errorf("third party withdraws: %v", err)
	}
	if _, err := nl.svc.ApplyReceived(from, Received{Kind: ReceivedWithdraw, RecordID: orig.ID, Version: 3}); err != nil {
		t.Fatal(err)
	}
	if res, _ := nl.svc.Search(nlCtx, Query{Text: "Schmidt"}); res.Total != 0 {
		t.Errorf("withdrawn copy still searchable")
	}
	if _, err := nl.svc.ApplyReceived(from, Received{Kind: ReceivedErase, RecordID: orig.ID, Version: 4}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := nl.svc.Get(nlCtx, orig.ID); !errs.Is(err, errs.NotExist) {
		t.Errorf("erased copy readable: %v", err)
	}
	if n := nl.count(t, `SELECT COUNT(*) FROM record_versions`); n != 0 {
		t.Errorf("%d versions kept after erasure", n)
	}
	if _, err := nl.svc.ApplyReceived(from, Received{Kind: ReceivedErase, RecordID: orig.ID, Version: 4}); err != nil {
		t.Errorf("repeated erasure: %v", err)
	}
	// Collect, alter (update), alter (withdraw), erase on the recipient.
	var got4 []string
	for _, ev := range nl.events.take() {
		if ev.Partner {
			got4 = append(got4, string(ev.Kind))
		}
	}
	if want := []string{"collect", "alter", "alter", "erase"}; !slices.Equal(got4, want) {
		t.Errorf("partner events %v, want %v", got4, want)
	}
	// Federation records who holds which version.
	err = de.db.Write(context.Background(), func(tx *db.Tx) error { return SetHolder(context.Background(), tx, orig.ID, testAgency, 2, testNow) })
	if err != nil {
		t.Fatal(err)
	}
	hs, err := de.svc.Holders(context.Background(), orig.ID)
	if err != nil || len(hs) != 1 || hs[0].Agency != testAgency || hs[0].Version != 2 {
		t.Errorf("holders %+v %v", hs, err)
	}
}

func TestReceivedCopiesAreChecked(t *testing.T) {
	nl := newEnv(t)
	from := partnerCtx("DE-BKA", "DE")
	mk := func(mod func(*Record)) []byte {
		id := ids.New()
		env := testEnvelope()
		env.Originator, env.OriginatorCountry, env.ReceivedFrom, env.ReviewDate = "DE-BKA", "DE", "DE-BKA", testNow.AddDate(1, 0, 0)
		r := Record{ID: id, Version: 1, Title: "Copy", Entities: nil, Envelope: env, CreatedAt: testNow}
		r.Entities = append(r.Entities, ent("v1", "Vehicle", "registrationNumber", "DE1"))
		mod(&r)
		b, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		mod  func(*Record)
		kind errs.Kind
	}{
		{"ok", func(*Record) {}, 0},
		{"sender is not receivedFrom", func(r *Record) { r.Envelope.ReceivedFrom = "FR-DCPJ" }, errs.Invalid},
		{"expired", func(r *Record) { r.Envelope.ReviewDate = testNow.Add(-time.Hour) }, errs.Invalid},
		{"TLP:RED without us", func(r *Record) { r.Envelope.TLP, r.Envelope.TLPRecipients = policy.TLPRed, []string{"FR-DCPJ"} }, errs.Permission},
		{"not to NL", func(r *Record) {
			r.Envelope.Handling |= policy.H3
			r.Envelope.Restrictions.Rules = []policy.Restriction{{Kind: policy.RestrictNotToCountry, Value: "NL"}}
		}, errs.Permission},
		{"our own record", func(r *Record) { r.Envelope.Originator, r.Envelope.OriginatorCountry = testAgency, "NL" }, errs.Conflict},
		{"exercise over a real channel", func(r *Record) { r.Envelope.Exercise, r.Envelope.Purpose = true, policy.PurposeTraining }, errs.Invalid},
		{"bad entity", func(r *Record) { r.Entities[0].Properties["buildDate"] = []string{"yesterday"} }, errs.Invalid},
		{"bad id", func(r *Record) { r.ID = "../x" }, errs.Invalid},
	}
	for _, tt := range tests {
		_, err := nl.svc.ApplyReceived(from, Received{Kind: ReceivedCopy, Document: mk(tt.mod)})
		if tt.kind == 0 && err != nil || tt.kind != 0 && !errs.Is(err, tt.kind) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if _, err := nl.svc.ApplyReceived(officerCtx(access.SPOC), Received{Kind: ReceivedCopy, Document: mk(func(*Record) {})}); !errs.Is(err, errs.Permission) {
		t.Errorf("an officer applies a copy: %v", err)
	}

	// A relayed update (from a holder, not the originator) may only narrow.
	id := ids.New()
	relay := partnerCtx("BE-FP", "BE")
	base := func(tlp policy.TLP, v int) []byte {
		env := testEnvelope()
		env.Originator, env.OriginatorCountry, env.ReceivedFrom, env.ReviewDate = "DE-BKA", "DE", "BE-FP", testNow.AddDate(1, 0, 0)
		env.TLP = tlp
		b, _ := json.Marshal(&Record{ID: id, Version: v, Title: "Relayed", Envelope: env, CreatedAt: testNow})
		return b
	}
	if _, err := nl.svc.ApplyReceived(relay, Received{Kind: ReceivedCopy, Document: base(policy.TLPAmber, 1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := nl.svc.ApplyReceived(relay, Received{Kind: ReceivedCopy, Document: base(policy.TLPGreen, 2)}); !errs.Is(err, errs.Invalid) {
		t.Errorf("relayed widening accepted: %v", err)
	}
	if r, err := nl.svc.ApplyReceived(relay, Received{Kind: ReceivedCopy, Document: base(policy.TLPAmberStrict, 2)}); err != nil || r.Envelope.TLP != policy.TLPAmberStrict {
		t.Errorf("relayed narrowing: %v", err)
	}
}

func TestDiscloseDenied(t *testing.T) {
	e := newEnv(t)
	ctx := officerCtx(access.Investigator)
	d := draft("Not for RU", ent("v1", "Vehicle", "registrationNumber", "NL1"))
	d.Envelope.Handling |= policy.H3
	d.Envelope.Restrictions.Rules = []policy.Restriction{{Kind: policy.RestrictNotToCountry, Value: "RU"}}
	r := e.mustCreate(t, ctx, d)
	e.events.take()
	_, dec, err := e.svc.DiscloseCopy(ctx, r.ID, policy.Partner{Agency: "RU-MVD", Country: "RU"}, policy.PurposeCriminalInvestigation)
	if !errs.Is(err, errs.Permission) || dec.Rule != policy.RuleH3NotToCountry {
		t.Errorf("disclosure to RU: %v %+v", err, dec)
	}
	evs := e.events.take()
	if len(evs) != 1 || evs[0].Kind != audit.Disclose || evs[0].Outcome != audit.Denied || evs[0].Reason != policy.RuleH3NotToCountry {
		t.Errorf("denied disclosure event %+v", evs)
	}
}
