package record

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

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
