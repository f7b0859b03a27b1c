package record

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/policy"
)

// TestInTransaction checks the transaction-scoped entry points federation
// uses: the disclose and collect events name the carrying message, and a
// tombstone for a record never held is refused without a trace in the
// records.
func TestInTransaction(t *testing.T) {
	de := newEnvOn(t, dbtest.Open(t, audit.Schema, Schema), "DE-BKA", "DE")
	nl := newEnv(t)
	officer := asOfficer(access.Investigator, "DE-BKA", "DE", "")
	r := de.mustCreate(t, officer, draft("Route", ent("v1", "Vehicle", "registrationNumber", "B-KS 1234")))
	de.events.take()
	const msg = "0190f1c2-0000-7000-8000-000000000001"

	var out Disclosed
	err := de.db.Write(officer, func(tx *db.Tx) error {
		var err error
		out, err = de.svc.DiscloseCopyIn(officer, tx, r.ID, policy.Partner{Agency: testAgency, Country: "NL"}, policy.PurposeCriminalInvestigation, msg)
		return err
	})
	if err != nil || out.Refusal != nil || out.Version != 1 || out.Envelope.Originator != "DE-BKA" {
		t.Fatalf("disclose: %+v %v", out, err)
	}
	if evs := de.events.take(); len(evs) != 1 || !slices.Contains(evs[0].Objects, audit.Ref{Type: "message", ID: msg}) {
		t.Errorf("disclose event %+v", evs)
	}

	from := partnerCtx("DE-BKA", "DE")
	if _, err := nl.svc.ApplyReceived(from, Received{Kind: ReceivedCopy, Document: out.Document, Message: msg}); err != nil {
		t.Fatal(err)
	}
	if evs := nl.events.take(); len(evs) != 1 || evs[0].Kind != audit.Collect || !slices.Contains(evs[0].Objects, audit.Ref{Type: "message", ID: msg}) {
		t.Errorf("collect event %+v", evs)
	}

	unknown := "0190f1c2-0000-7000-8000-0000000000ff"
	if _, err := nl.svc.ApplyReceived(from, Received{Kind: ReceivedWithdraw, RecordID: unknown, Version: 2}); !errs.Is(err, errs.NotExist) {
		t.Errorf("tombstone for an unknown record: %v", err)
	}
	if n := nl.count(t, `SELECT COUNT(*) FROM records WHERE id = ?`, unknown); n != 0 {
		t.Errorf("unknown record created by a tombstone")
	}

	// A refused disclosure is on record, and no document leaves.
	err = de.db.Write(officer, func(tx *db.Tx) error {
		var err error
		out, err = de.svc.DiscloseCopyIn(officer, tx, r.ID, policy.Partner{Agency: "DE-BKA", Country: "DE"}, policy.PurposeCriminalInvestigation, msg)
		return err
	})
	if err != nil || out.Refusal == nil || out.Document != nil || out.Decision.Allowed {
		t.Errorf("disclosure to itself: %+v %v", out, err)
	}
	if evs := de.events.take(); len(evs) != 1 || evs[0].Outcome != audit.Denied || slices.Contains(evs[0].Objects, audit.Ref{Type: "message", ID: msg}) {
		t.Errorf("refusal event %+v", evs)
	}
}

// TestUpdateForHolder follows a record through correction, narrowing and
// withdrawal as its holders must be told.
func TestUpdateForHolder(t *testing.T) {
	e := newEnv(t)
	officer := officerCtx(access.Investigator)
	r := e.mustCreate(t, officer, draft("Route", ent("v1", "Vehicle", "registrationNumber", "NL-77-XY")))
	fr := policy.Partner{Agency: "FR-DCPJ", Country: "FR"}
	update := func(sent int) HolderUpdate {
		t.Helper()
		var u HolderUpdate
		err := e.db.Write(context.Background(), func(tx *db.Tx) error {
			var err error
			u, err = e.svc.UpdateForHolder(context.Background(), tx, HolderRef{RecordID: r.ID, To: fr,
				Purpose: policy.PurposeCriminalInvestigation, Sent: sent, Message: "0190f1c2-0000-7000-8000-000000000002"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	e.events.take()
	if u := update(1); u.Kind != "" || u.Version != 1 {
		t.Errorf("nothing new: %+v", u)
	}
	if evs := e.events.take(); len(evs) != 0 {
		t.Errorf("events when nothing is sent: %+v", evs)
	}
	u := update(0)
	var cp Record
	if u.Kind != ReceivedCopy || json.Unmarshal(u.Document, &cp) != nil || cp.Envelope.ReceivedFrom != testAgency || cp.CreatedBy != "" {
		t.Fatalf("update %+v", u)
	}
	evs := e.events.take()
	if len(evs) != 1 || evs[0].Kind != audit.Disclose || evs[0].ActorName != propagationActor || evs[0].Recipients[0] != "FR-DCPJ" {
		t.Errorf("propagation event %+v", evs)
	}

	// The originator excludes France: the copy there is revoked.
	d := draft("Route", ent("v1", "Vehicle", "registrationNumber", "NL-77-XY"))
	d.Version = 1
	d.Envelope.Handling |= policy.H3
	d.Envelope.Restrictions.Rules = []policy.Restriction{{Kind: policy.RestrictNotToCountry, Value: "FR"}}
	if _, err := e.svc.Update(officer, r.ID, d); err != nil {
		t.Fatal(err)
	}
	if u := update(1); u.Kind != ReceivedErase || u.Decision.Rule != policy.RuleH3NotToCountry || u.Version != 2 {
		t.Errorf("narrowed: %+v", u)
	}
	if _, err := e.svc.Withdraw(officer, r.ID); err != nil {
		t.Fatal(err)
	}
	if u := update(2); u.Kind != ReceivedWithdraw || u.Version != 3 || u.Document != nil {
		t.Errorf("withdrawn: %+v", u)
	}
}

// TestHolderFollowsOriginator is a property: whatever the originator does
// to a record (correct it, exclude the holder's country, lift the
// exclusion, withdraw, erase), a holder that applies every update
// UpdateForHolder yields — as the propagation worker sends them, never
// again after an erasure — ends up with the originator's current version
// under the recipient's envelope, a withdrawn copy, or none at all when
// the record was erased or the holder excluded.
func TestHolderFollowsOriginator(t *testing.T) {
	de := newEnvOn(t, dbtest.Open(t, audit.Schema, Schema), "DE-BKA", "DE")
	nl := newEnv(t)
	officer := asOfficer(access.Investigator, "DE-BKA", "DE", "")
	dpo := asOfficer(access.DPO, "DE-BKA", "DE", "")
	nlPartner := policy.Partner{Agency: testAgency, Country: "NL"}
	rapid.Check(t, func(rt *rapid.T) {
		r := de.mustCreate(t, officer, draft("Route", ent("v1", "Vehicle", "registrationNumber", "B-KS 1234")))
		sent, sentKind, revoked, erased := 0, ReceivedKind(""), false, false
		from := partnerCtx("DE-BKA", "DE")
		propagate := func() {
			if sentKind == ReceivedErase {
				return // the holder's copy is gone: nothing follows
			}
			var u HolderUpdate
			err := de.db.Write(context.Background(), func(tx *db.Tx) error {
				var err error
				u, err = de.svc.UpdateForHolder(context.Background(), tx, HolderRef{RecordID: r.ID, To: nlPartner,
					Purpose: policy.PurposeCriminalInvestigation, Sent: sent})
				return err
			})
			if err != nil {
				rt.Fatalf("update for holder: %v", err)
			}
			if u.Kind == "" {
				return
			}
			in := Received{Kind: u.Kind, RecordID: r.ID, Version: u.Version, Document: u.Document}
			if _, err := nl.svc.ApplyReceived(from, in); err != nil {
				rt.Fatalf("holder applies %s v%d: %v", u.Kind, u.Version, err)
			}
			sent, sentKind = u.Version, u.Kind
			revoked = revoked || u.Kind == ReceivedErase && !erased
		}
		propagate() // the first disclosure
		withdrawn := false
		steps := rapid.SliceOfN(rapid.SampledFrom([]string{"edit", "exclude", "include", "withdraw", "erase"}), 1, 8).Draw(rt, "steps")
		for i, step := range steps {
			cur, _, err := de.svc.Get(dpo, r.ID)
			if err != nil {
				break // erased
			}
			d := Draft{Title: cur.Title, Narrative: cur.Narrative, Entities: cur.Entities, DataSubjects: cur.DataSubjects,
				Envelope: cur.Envelope, Version: cur.Version}
			switch {
			case step == "erase":
				if err := de.svc.Erase(dpo, r.ID); err != nil {
					rt.Fatal(err)
				}
				erased = true
			case withdrawn:
				continue // a withdrawn record changes no more
			case step == "withdraw":
				if _, err := de.svc.Withdraw(officer, r.ID); err != nil {
					rt.Fatal(err)
				}
				withdrawn = true
			default:
				switch step {
				case "edit":
					d.Title = fmt.Sprintf("Route, correction %d", i)
				case "exclude":
					d.Envelope.Handling |= policy.H3
					d.Envelope.Restrictions.Rules = []policy.Restriction{{Kind: policy.RestrictNotToCountry, Value: "NL"}}
				case "include":
					d.Envelope.Handling &^= policy.H3
					d.Envelope.Restrictions = policy.Restrictions{}
				}
				if _, err := de.svc.Update(officer, r.ID, d); err != nil {
					rt.Fatalf("%s: %v", step, err)
				}
			}
			propagate()

			cp, _, err := nl.svc.Get(officerCtx(access.SPOC), r.ID)
			switch {
			case erased || revoked:
				if !errs.Is(err, errs.NotExist) {
					rt.Fatalf("after %v the holder still has the copy: %v", steps[:i+1], err)
				}
			case err != nil:
				rt.Fatalf("after %v: %v", steps[:i+1], err)
			case withdrawn:
				if cp.State != StateWithdrawn {
					rt.Fatalf("after %v the copy is %s", steps[:i+1], cp.State)
				}
			default:
				orig, _, _ := de.svc.Get(dpo, r.ID)
				want, _ := de.svc.decider.RecipientEnvelope(orig.Envelope, "DE-BKA", nlPartner, testNow)
				if cp.Version != orig.Version || cp.Title != orig.Title || !reflect.DeepEqual(cp.Envelope, want) {
					rt.Fatalf("after %v the copy is v%d %q %+v, want v%d %q %+v", steps[:i+1], cp.Version, cp.Title, cp.Envelope,
						orig.Version, orig.Title, want)
				}
			}
		}
	})
}
