package noticesvc

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/policy"
)

// mixedPartners are partners on both sides of the exercise boundary.
// Federation never lets a node have partners on the other side (it
// refuses their cards); the fake does, so that this service's own
// guard is what is tested.
func mixedPartners() []federation.Partner {
	p := func(agency, country string, exercise bool) federation.Partner {
		return federation.Partner{Agency: agency, Country: country, State: federation.StateActive, Exercise: exercise}
	}
	return []federation.Partner{p("DE-BKA", "DE", true), p("NL-NCB", "NL", false), p("BE-FPJ", "BE", true), p("IT-SCO", "IT", false)}
}

// letters spells n in capital letters (base 26), for distinct subject
// names.
func letters(n int) string {
	s := ""
	for {
		s = string(rune('A'+n%26)) + s
		if n /= 26; n == 0 {
			return s
		}
	}
}

// TestExerciseDataNeverReachesRealPartners checks, over random sequences
// of alerts, alert imports and notices created, published and cancelled
// on an exercise node and on a real node, each with partners on both sides
// of the exercise boundary and random distributions, that every message
// goes to a partner on the sender's side only, and that every payload
// and notice envelope carries the sender's side's exercise flag.
func TestExerciseDataNeverReachesRealPartners(t *testing.T) {
	nodes := []*node{
		newExerciseNode(t, "FR-OCRTIS", "FR", newFakeFed("FR-OCRTIS", mixedPartners()...)),
		newNode(t, "FR-NCB", "FR", newFakeFed("FR-NCB", mixedPartners()...)),
	}
	exerciseSide := map[string]bool{}
	for _, p := range mixedPartners() {
		exerciseSide[p.Agency] = p.Exercise
	}
	seq, sentBy := 0, map[string]int{}
	rapid.Check(t, func(rt *rapid.T) {
		steps := rapid.IntRange(1, 6).Draw(rt, "steps")
		for range steps {
			n := rapid.SampledFrom(nodes).Draw(rt, "node")
			seq++
			dist := Distribution{Scope: notice.ScopeAll}
			if rapid.Bool().Draw(rt, "named") {
				named := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"DE-BKA", "NL-NCB", "BE-FPJ", "IT-SCO"}), 1, 4,
					rapid.ID[string]).Draw(rt, "agencies")
				dist = Distribution{Scope: notice.ScopeAgencies, Agencies: named}
			}
			spoc := n.as(access.SPOC)
			switch rapid.IntRange(0, 3).Draw(rt, "op") {
			case 0:
				if _, err := n.svc.CreateAlert(spoc, passport(fmt.Sprintf("X%07d", seq), dist)); err != nil {
					rt.Fatal(err)
				}
			case 1:
				csv := fmt.Sprintf("document_number,country,status\nY%07d,FR,stolen\nZ%07d,FR,lost\n", seq, seq)
				if _, err := n.svc.ImportAlerts(spoc, strings.NewReader(csv), ImportOptions{Distribution: dist}); err != nil {
					rt.Fatal(err)
				}
			case 2, 3:
				d := redDraft("Armed robbery of a jewellery shop", dist)
				d.Subject.Name = "DOE" + letters(seq)
				nt, err := n.svc.CreateNotice(spoc, d)
				if err != nil {
					rt.Fatal(err)
				}
				if nt.Envelope.Exercise != n.exercise || (nt.Envelope.Purpose == policy.PurposeTraining) != n.exercise {
					rt.Fatalf("%s: notice envelope exercise=%v purpose %s", n.agency, nt.Envelope.Exercise, nt.Envelope.Purpose)
				}
				if _, err := n.svc.SubmitNotice(spoc, nt.ID); err != nil {
					rt.Fatal(err)
				}
				if _, err := n.svc.DecideNotice(n.as(access.Reviewer), nt.ID, DecisionRequest{Outcome: notice.Approved,
					Reasons: "Ordinary-law crime; thresholds met.", ExtraditionWillBeSought: true}); err != nil {
					rt.Fatal(err)
				}
				if rapid.Bool().Draw(rt, "cancel") {
					if _, err := n.svc.CancelNotice(spoc, nt.ID, "arrested"); err != nil {
						rt.Fatal(err)
					}
				}
			}
			for _, m := range n.fed.(*fakeFed).take() {
				to := m.m.To[0]
				if exerciseSide[to] != n.exercise {
					rt.Fatalf("%s (exercise=%v) sent %s to %s (exercise=%v)", n.agency, n.exercise, m.m.Type, to, exerciseSide[to])
				}
				w, err := decodeWire(m.m.Payload)
				if err != nil {
					rt.Fatal(err)
				}
				if w.Exercise != n.exercise || w.Notice != nil && w.Notice.Envelope != nil && w.Notice.Envelope.Exercise != n.exercise {
					rt.Fatalf("%s (exercise=%v) sent a payload marked exercise=%v", n.agency, n.exercise, w.Exercise)
				}
				sentBy[n.agency]++
			}
		}
	})
	// The property is not vacuous: both nodes did send to their side.
	if sentBy["FR-OCRTIS"] == 0 || sentBy["FR-NCB"] == 0 {
		t.Fatalf("messages sent: %v", sentBy)
	}
}

// TestExerciseOfficersAndPayloads: a real node refuses officers acting
// inside an exercise (their alerts would hit real border checks) and
// payloads marked exercise; an exercise node refuses officers outside the
// exercise, real payloads and notices with a real envelope.
func TestExerciseOfficersAndPayloads(t *testing.T) {
	ex := newExerciseNode(t, "FR-OCRTIS", "FR", newFakeFed("FR-OCRTIS"))
	real := newNode(t, "FR-NCB", "FR", newFakeFed("FR-NCB"))
	with := func(n *node, role access.Role, exercise bool) context.Context {
		p := n.principal(role)
		p.Exercise = exercise
		return access.WithJustification(access.With(context.Background(), p), access.Justification{Text: "test", CaseRef: "TEST-1"})
	}
	for _, tc := range []struct {
		n        *node
		exercise bool
	}{{real, true}, {ex, false}} {
		ctx := with(tc.n, access.SPOC, tc.exercise)
		_, err := tc.n.svc.CreateAlert(ctx, passport("P1234567", Distribution{}))
		wantKind(t, err, errs.Permission)
		_, err = tc.n.svc.CreateNotice(ctx, redDraft("Armed robbery", Distribution{Scope: notice.ScopeAll}))
		wantKind(t, err, errs.Permission)
		_, err = tc.n.svc.Lookup(ctx, LookupQuery{Document: "P1234567", Country: "FR"})
		wantKind(t, err, errs.Permission)
		_, _, err = tc.n.svc.ListAlerts(ctx, AlertFilter{})
		wantKind(t, err, errs.Permission)
	}

	// On the exercise node an officer's border check is an exercise
	// check, audited as such.
	spoc := ex.as(access.SPOC)
	must[*Alert](t)(ex.svc.CreateAlert(spoc, passport("P1234567", Distribution{})))
	res := must[*LookupResult](t)(ex.svc.Lookup(spoc, LookupQuery{Document: "P1234567", Country: "FR"}))
	if !res.Hit {
		t.Fatal("the exercise alert gives no hit at its own node")
	}
	for _, e := range ex.audit.Events(t) {
		if !e.Exercise {
			t.Fatalf("audit event %s %s of the exercise node is not marked exercise", e.Kind, e.Reason)
		}
	}

	// A notice with a real envelope is refused on the exercise node.
	d := redDraft("Armed robbery", Distribution{Scope: notice.ScopeAll})
	d.Envelope = ex.svc.defaultEnvelope(notice.Red, ex.clock.Now())
	d.Envelope.Exercise, d.Envelope.Purpose = false, policy.PurposeJudicialCooperation
	_, err := ex.svc.CreateNotice(spoc, d)
	wantKind(t, err, errs.Invalid)

	// Payloads from the other side of the boundary are refused.
	for _, tc := range []struct {
		n        *node
		exercise bool
	}{{real, true}, {ex, false}} {
		w := wire{Kind: wireAlerts, Exercise: tc.exercise, Alerts: []wireAlert{{ID: "a-1", Version: 1,
			AlertInput: passport("Q7654321", Distribution{})}}}
		payload, _ := json.Marshal(w)
		pctx := access.With(context.Background(), access.Principal{Agency: "DE-BKA", Partner: true, Exercise: tc.exercise})
		in := &federation.Inbound{Type: envelope.TypeNoticePublish, Sender: "DE-BKA", Payload: payload}
		err := tc.n.db.Write(pctx, func(tx *db.Tx) error { return tc.n.svc.receive(pctx, tx, in) })
		wantKind(t, err, errs.Permission)
	}
}
