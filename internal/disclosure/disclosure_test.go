package disclosure_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// TestShareUpdateWithdraw follows a record from its originator (DE) to two
// holders (NL, BE) over real TLS: the disclosure with its policy decision,
// the received copies with the originator's envelope, audit events on both
// sides naming the same message, then a correction and a withdrawal that
// reach both holders and are acknowledged.
func TestShareUpdateWithdraw(t *testing.T) {
	t.Parallel()
	de, nl, be := network(t)
	r := createRecord(t, de, "Smuggling route", nil)

	out := share(t, de, r.ID, disclosure.ShareRequest{To: []string{"NL-NCB", "BE-FP"}})
	for _, a := range []string{"NL-NCB", "BE-FP"} {
		if o := out[a]; o.Outcome != disclosure.OutcomeQueued || o.Rule != policy.RuleAllowOriginator || o.Version != 1 || o.MessageID == "" {
			t.Fatalf("share to %s: %+v", a, o)
		}
	}
	for _, h := range []*node{nl, be} {
		cp := waitCopy(t, h, r.ID, record.StateActive, 1)
		env := cp.Envelope
		if env.Originator != "DE-BKA" || env.ReceivedFrom != "DE-BKA" || env.TLP != policy.TLPAmber || env.LegalBasis != "BKAG § 3" ||
			cp.Provenance == nil || cp.Provenance.From != "DE-BKA" || cp.CreatedBy != "" {
			t.Errorf("%s copy: %+v provenance %+v", h.Agency, env, cp.Provenance)
		}
		msg := out[h.Agency].MessageID
		if evs := events(t, de, audit.Disclose, msg); len(evs) != 1 || evs[0].Recipients[0] != h.Agency || evs[0].ActorID != "u-investigator" ||
			!slices.Contains(evs[0].Objects, audit.Ref{Type: "record", ID: r.ID}) {
			t.Errorf("disclose event at DE for %s: %+v", h.Agency, evs)
		}
		collects := events(t, h, audit.Collect, msg)
		if len(collects) != 2 { // federation's for the envelope, records' for the copy
			t.Fatalf("collect events at %s: %+v", h.Agency, collects)
		}
		if !slices.ContainsFunc(collects, func(e audit.Event) bool {
			return slices.Contains(e.Objects, audit.Ref{Type: "record", ID: r.ID}) && e.Partner && e.Agency == "DE-BKA"
		}) {
			t.Errorf("no collect event of the record at %s: %+v", h.Agency, collects)
		}
	}
	hs := waitHolders(t, de, r.ID, map[string]int{"NL-NCB": 1, "BE-FP": 1}, "copy")
	if hs[0].Purpose != policy.PurposeCriminalInvestigation || hs[0].AckedAt.IsZero() {
		t.Errorf("holder %+v", hs[0])
	}
	if rh, err := de.records.Holders(context.Background(), r.ID); err != nil || len(rh) != 2 || rh[0].Version != 1 {
		t.Errorf("record holders %+v %v", rh, err)
	}

	// The originator corrects the record: both copies follow.
	d := draftOf(r)
	d.Title = "Smuggling route (corrected)"
	if _, err := de.records.Update(officer(de, access.Investigator), r.ID, d); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*node{nl, be} {
		if cp := waitCopy(t, h, r.ID, record.StateActive, 2); cp.Title != d.Title {
			t.Errorf("%s title %q", h.Agency, cp.Title)
		}
	}
	waitHolders(t, de, r.ID, map[string]int{"NL-NCB": 2, "BE-FP": 2}, "copy")

	// The originator withdraws it: both copies are withdrawn, and say so.
	if _, err := de.records.Withdraw(officer(de, access.Investigator), r.ID); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*node{nl, be} {
		waitCopy(t, h, r.ID, record.StateWithdrawn, 3)
	}
	hs = waitHolders(t, de, r.ID, map[string]int{"NL-NCB": 3, "BE-FP": 3}, "withdraw")
	for _, h := range hs {
		evs := events(t, de, audit.Disclose, h.MessageID)
		if len(evs) != 1 || evs[0].ActorName != "propagation" || evs[0].Reason != "withdraw" {
			t.Errorf("withdrawal event for %s: %+v", h.Agency, evs)
		}
	}
	if evs := events(t, nl, audit.Alter, hs[1].MessageID); len(evs) != 1 || evs[0].Reason != "received-withdraw" {
		t.Errorf("withdrawal at NL: %+v", evs)
	}
}

// draftOf is the draft that reproduces r, for an update.
func draftOf(r *record.Record) record.Draft {
	return record.Draft{Title: r.Title, Narrative: r.Narrative, Assessment: r.Assessment, CaseRef: r.CaseRef, Entities: r.Entities,
		DataSubjects: r.DataSubjects, Assessments: r.Assessments, Attachments: r.Attachments, Envelope: r.Envelope, Version: r.Version}
}

// TestAckWithoutPolling: the holder's delivered receipt is recorded as its
// acknowledgement when it arrives (federation's OnSettled wakes the
// worker), not at the worker's next poll, which here never comes.
func TestAckWithoutPolling(t *testing.T) {
	t.Parallel()
	de, nl := newPollingNode(t, "DE-BKA", "DE", time.Hour), newPollingNode(t, "NL-NCB", "NL", time.Hour)
	fedtest.Introduce(t, de.Node, nl.Node)
	r := createRecord(t, de, "Smuggling route", nil)
	start := time.Now()
	share(t, de, r.ID, disclosure.ShareRequest{To: []string{"NL-NCB"}})
	waitHolders(t, de, r.ID, map[string]int{"NL-NCB": 1}, "copy")
	t.Logf("acknowledged %v after the share", time.Since(start).Round(time.Millisecond))
}

// TestRefusedAndRevoked checks that policy refusals name their rule and
// are audited, and that narrowing a record's restrictions revokes a copy
// already sent.
func TestRefusedAndRevoked(t *testing.T) {
	t.Parallel()
	de, nl, be := network(t)
	notBE := createRecord(t, de, "Not for Belgium", func(e *policy.Envelope) {
		e.Handling |= policy.H3
		e.Restrictions.Rules = []policy.Restriction{{Kind: policy.RestrictNotToCountry, Value: "BE"}}
	})
	red := createRecord(t, de, "Named recipients", func(e *policy.Envelope) {
		e.TLP, e.TLPRecipients = policy.TLPRed, []string{"NL-NCB"}
	})
	tests := []struct {
		id   string
		to   string
		rule string
	}{
		{notBE.ID, "BE-FP", policy.RuleH3NotToCountry},
		{red.ID, "BE-FP", policy.RuleTLPRedNotNamed},
		{red.ID, "FR-DCPJ", ""}, // not a partner
	}
	for _, tt := range tests {
		o := share(t, de, tt.id, disclosure.ShareRequest{To: []string{tt.to}})[tt.to]
		if o.Outcome != disclosure.OutcomeRefused || o.Rule != tt.rule || o.Reason == "" || o.MessageID != "" {
			t.Errorf("share %s to %s: %+v", tt.id, tt.to, o)
		}
	}
	denied := 0
	for _, e := range de.Audit.Events(t) {
		if e.Kind == audit.Disclose && e.Outcome == audit.Denied {
			denied++
		}
	}
	if denied != 2 {
		t.Errorf("%d denied disclose events, want 2", denied)
	}
	portal := disclosure.Portal{Service: de.disc}
	if err := portal.Share(officer(de, access.Investigator), red.ID, "BE-FP", policy.PurposeCriminalInvestigation); !errs.Is(err, errs.Permission) {
		t.Errorf("portal share refused: %v", err)
	}
	if _, err := de.disc.Share(officer(nl, access.Investigator), "0190f1c2-0000-7000-8000-000000000000",
		disclosure.ShareRequest{To: []string{"BE-FP"}, Purpose: policy.PurposeCriminalInvestigation}); err == nil {
		t.Error("an unknown record was shared")
	}

	// Shared with both, then the originator excludes Belgium: BE's copy is
	// erased, NL's is updated.
	r := createRecord(t, de, "Later narrowed", nil)
	share(t, de, r.ID, disclosure.ShareRequest{To: []string{"NL-NCB", "BE-FP"}})
	waitHolders(t, de, r.ID, map[string]int{"NL-NCB": 1, "BE-FP": 1}, "copy")
	d := draftOf(r)
	d.Envelope.Handling |= policy.H3
	d.Envelope.Restrictions.Rules = []policy.Restriction{{Kind: policy.RestrictNotToCountry, Value: "BE"}}
	if _, err := de.records.Update(officer(de, access.Investigator), r.ID, d); err != nil {
		t.Fatal(err)
	}
	waitCopy(t, nl, r.ID, record.StateActive, 2)
	fedtest.Eventually(t, wait, "BE's copy revoked", func() error {
		hs, err := de.disc.Holders(officer(de, access.SPOC), r.ID)
		if err != nil {
			return err
		}
		for _, h := range hs {
			if h.Agency == "BE-FP" && (h.Kind != "erase" || h.Delivery != federation.DeliveryDelivered) {
				return fedtest.Errorf("BE: %+v", h)
			}
		}
		return nil
	})
	if cp := held(t, be, r.ID); cp != nil {
		t.Errorf("BE still reads the revoked copy: %+v", cp)
	}
}

// TestOnwardPermission runs the H2 flow: NL holds an H2 copy from DE; its
// share to BE is refused, NL asks DE, DE's SPOC grants, NL shares, and
// DE's withdrawal then reaches both NL and, relayed by NL, BE. A second
// request is denied.
func TestOnwardPermission(t *testing.T) {
	t.Parallel()
	de, nl, be := network(t)
	r := createRecord(t, de, "Handling code H2", func(e *policy.Envelope) { e.Handling |= policy.H2 })
	share(t, de, r.ID, disclosure.ShareRequest{To: []string{"NL-NCB"}})
	waitCopy(t, nl, r.ID, record.StateActive, 1)

	o := share(t, nl, r.ID, disclosure.ShareRequest{To: []string{"BE-FP"}})["BE-FP"]
	if o.Outcome != disclosure.OutcomeRefused || o.Rule != policy.RuleH2OnwardWithoutGrant {
		t.Fatalf("onward share without grant: %+v", o)
	}
	o = share(t, nl, r.ID, disclosure.ShareRequest{To: []string{"BE-FP"}, RequestPermission: true, Reason: "joint investigation team"})["BE-FP"]
	if o.Outcome != disclosure.OutcomeRequested || o.RequestID == "" {
		t.Fatalf("permission request: %+v", o)
	}
	if again := share(t, nl, r.ID, disclosure.ShareRequest{To: []string{"BE-FP"}, RequestPermission: true})["BE-FP"]; again.RequestID != o.RequestID {
		t.Errorf("a second request while one is pending: %+v", again)
	}
	var in disclosure.Request
	fedtest.Eventually(t, wait, "the request at DE", func() error {
		rs, err := de.disc.Requests(context.Background(), disclosure.RequestFilter{Direction: disclosure.DirectionIn, State: disclosure.StatePending})
		if err != nil || len(rs) != 1 {
			return fedtest.Errorf("%d requests, %v", len(rs), err)
		}
		in = rs[0]
		return nil
	})
	if in.ID != o.RequestID || in.Holder != "NL-NCB" || in.Recipient != "BE-FP" || in.Reason != "joint investigation team" || in.RecordID != r.ID {
		t.Errorf("request at DE: %+v", in)
	}
	if _, err := de.disc.Answer(officer(de, access.Investigator), in.ID, disclosure.AnswerRequest{Grant: true}); !errs.Is(err, errs.Permission) {
		t.Errorf("an investigator answers: %v", err)
	}
	ans, err := de.disc.Answer(officer(de, access.SPOC), in.ID, disclosure.AnswerRequest{Grant: true, Reason: "for the JIT"})
	if err != nil || ans.State != disclosure.StateGranted {
		t.Fatalf("grant: %+v %v", ans, err)
	}
	if _, err := de.disc.Answer(officer(de, access.SPOC), in.ID, disclosure.AnswerRequest{}); !errs.Is(err, errs.Conflict) {
		t.Errorf("second answer: %v", err)
	}
	fedtest.Eventually(t, wait, "the grant at NL", func() error {
		rs, err := nl.disc.Requests(context.Background(), disclosure.RequestFilter{Direction: disclosure.DirectionOut})
		if err != nil || len(rs) != 1 || rs[0].State != disclosure.StateGranted || rs[0].Answer != "for the JIT" {
			return fedtest.Errorf("%+v %v", rs, err)
		}
		return nil
	})
	cp := waitCopy(t, nl, r.ID, record.StateActive, 2)
	if !slices.Contains(cp.Envelope.OnwardGrants, "BE-FP") {
		t.Fatalf("NL's copy has no grant: %+v", cp.Envelope)
	}
	o = share(t, nl, r.ID, disclosure.ShareRequest{To: []string{"BE-FP"}})["BE-FP"]
	if o.Outcome != disclosure.OutcomeQueued || o.Rule != policy.RuleAllowOnwardGranted {
		t.Fatalf("onward share with grant: %+v", o)
	}
	if cp := waitCopy(t, be, r.ID, record.StateActive, 2); cp.Envelope.ReceivedFrom != "NL-NCB" || cp.Envelope.Originator != "DE-BKA" {
		t.Errorf("BE's copy: %+v", cp.Envelope)
	}

	// DE withdraws: NL is told directly, BE through NL.
	if _, err := de.records.Withdraw(officer(de, access.Investigator), r.ID); err != nil {
		t.Fatal(err)
	}
	waitCopy(t, nl, r.ID, record.StateWithdrawn, 3)
	waitCopy(t, be, r.ID, record.StateWithdrawn, 3)
	waitHolders(t, de, r.ID, map[string]int{"NL-NCB": 3}, "withdraw")
	waitHolders(t, nl, r.ID, map[string]int{"BE-FP": 3}, "withdraw")

	// A request that the originator denies.
	r2 := createRecord(t, de, "Another H2 record", func(e *policy.Envelope) { e.Handling |= policy.H2 })
	share(t, de, r2.ID, disclosure.ShareRequest{To: []string{"NL-NCB"}})
	waitCopy(t, nl, r2.ID, record.StateActive, 1)
	o = share(t, nl, r2.ID, disclosure.ShareRequest{To: []string{"BE-FP"}, RequestPermission: true})["BE-FP"]
	fedtest.Eventually(t, wait, "the second request at DE", func() error {
		_, err := de.disc.Answer(officer(de, access.SPOC), o.RequestID, disclosure.AnswerRequest{Reason: "source protection"})
		return err
	})
	fedtest.Eventually(t, wait, "the refusal at NL", func() error {
		rs, err := nl.disc.Requests(context.Background(), disclosure.RequestFilter{Direction: disclosure.DirectionOut, State: disclosure.StateDenied})
		if err != nil || len(rs) != 1 || rs[0].Answer != "source protection" || rs[0].Delivery != federation.DeliveryDelivered {
			return fedtest.Errorf("%+v %v", rs, err)
		}
		return nil
	})
	if o := share(t, nl, r2.ID, disclosure.ShareRequest{To: []string{"BE-FP"}})["BE-FP"]; o.Outcome != disclosure.OutcomeRefused {
		t.Errorf("onward share after a refusal: %+v", o)
	}
}

// TestBadUpdates sends a holder updates it must refuse: a tombstone for a
// record it never held, a malformed tombstone and a copy whose envelope
// names another sender. Each is rejected with a reason, audited at the
// receiver, shown failed at the sender, and changes nothing.
func TestBadUpdates(t *testing.T) {
	t.Parallel()
	de, nl, _ := network(t)
	unknown := "0190f1c2-0000-7000-8000-0000000000aa"
	tests := []struct {
		name, typ, payload, reason string
	}{
		{"unknown record", envelope.TypeRecordTombstone, `{"recordId":"` + unknown + `","version":3,"kind":"erase"}`, "no copy of this record is held here"},
		{"bad kind", envelope.TypeRecordTombstone, `{"recordId":"` + unknown + `","version":3,"kind":"delete"}`, "withdraw or erase"},
		{"extra field", envelope.TypeRecordTombstone, `{"recordId":"` + unknown + `","version":3,"kind":"erase","x":1}`, "unknown field"},
		{"not JSON", envelope.TypeRecordUpdate, `{"id":`, "malformed JSON"},
		{"request for a record never sent", envelope.TypePermissionRequest,
			`{"id":"0190f1c2-0000-7000-8000-0000000000bb","recordId":"` + unknown + `","version":1,"recipient":"BE-FP","purpose":"criminal-investigation"}`,
			"sent your agency no copy"},
		{"answer to no request", envelope.TypePermissionAnswer, `{"id":"0190f1c2-0000-7000-8000-0000000000cc","recordId":"` + unknown + `","grant":true}`,
			"no such permission request"},
	}
	for _, tt := range tests {
		var id uuid.UUID
		err := de.DB.Write(context.Background(), func(tx *db.Tx) error {
			var err error
			id, err = de.Service().Send(context.Background(), tx, federation.Outbound{Type: tt.typ, To: []string{"NL-NCB"}, Payload: []byte(tt.payload)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		fedtest.Eventually(t, wait, tt.name+" refused", func() error {
			ds, err := de.Service().Deliveries(context.Background(), id.String())
			if err != nil || len(ds) != 1 || ds[0].State != federation.DeliveryFailed {
				return fedtest.Errorf("%+v %v", ds, err)
			}
			if !strings.Contains(ds[0].LastError, tt.reason) {
				t.Errorf("%s: sender sees %q, want %q", tt.name, ds[0].LastError, tt.reason)
			}
			return nil
		})
		refusals := 0
		for _, e := range nl.Audit.Events(t) {
			if e.Kind == audit.Collect && e.Outcome == audit.Denied && slices.Contains(e.Objects, audit.Ref{Type: "message", ID: id.String()}) &&
				strings.Contains(e.Reason, tt.reason) {
				refusals++
			}
		}
		if refusals != 1 {
			t.Errorf("%s: %d refusal events at NL", tt.name, refusals)
		}
	}
	var n int
	if err := nl.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM records`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d records at NL after refused updates (%v)", n, err)
	}
	if rs, _ := nl.disc.Requests(context.Background(), disclosure.RequestFilter{}); len(rs) != 0 {
		t.Errorf("requests recorded from refused messages: %+v", rs)
	}
}
