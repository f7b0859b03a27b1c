package noticesvc

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/notice"
)

// publish creates, submits and approves a clean red notice at n.
func publish(t testing.TB, n *node, dist Distribution) *Notice {
	t.Helper()
	nt := must[*Notice](t)(n.svc.CreateNotice(n.as(access.SPOC), redDraft("Armed robbery of a jewellery shop", dist)))
	nt = must[*Notice](t)(n.svc.SubmitNotice(n.as(access.SPOC), nt.ID))
	if len(nt.Flags) != 0 {
		t.Fatalf("clean notice flagged: %+v", nt.Flags)
	}
	return must[*Notice](t)(n.svc.DecideNotice(n.as(access.Reviewer), nt.ID, DecisionRequest{Outcome: notice.Approved,
		Reasons: "Ordinary-law crime; thresholds met.", ExtraditionWillBeSought: true}))
}

func TestExpiryAndReassessmentReminder(t *testing.T) {
	tr := newTrio(t)
	fr := tr.fr
	nt := publish(t, fr, Distribution{Scope: notice.ScopeAgencies, Agencies: []string{"DE-BKA"}})
	tr.deliver(t)
	ctx := context.Background()

	res := must[JobResult](t)(fr.svc.RunOnce(ctx, nt.ReminderAt.Add(-time.Hour)))
	if res != (JobResult{}) {
		t.Fatalf("before the reminder: %+v", res)
	}
	_, err := fr.svc.ReassessNotice(fr.as(access.SPOC), nt.ID)
	wantKind(t, err, errs.Precondition)

	fr.clock.Advance(nt.ReminderAt.Sub(fr.clock.Now()) + time.Hour)
	res = must[JobResult](t)(fr.svc.RunOnce(ctx, fr.clock.Now()))
	if res.Reminded != 1 {
		t.Fatalf("at the reminder: %+v", res)
	}
	due, _, err := fr.svc.ListNotices(fr.as(access.SPOC), NoticeFilter{ReassessmentDue: true, Limit: 10})
	if err != nil || len(due) != 1 || !due[0].ReassessmentDue {
		t.Fatalf("due list %+v %v", due, err)
	}
	re := must[*Notice](t)(fr.svc.ReassessNotice(fr.as(access.SPOC), nt.ID))
	if !re.ExpiresAt.After(nt.ExpiresAt) || re.ReassessmentDue || re.Envelope.ReviewDate != re.ExpiresAt {
		t.Fatalf("reassessed: expires %v (was %v)", re.ExpiresAt, nt.ExpiresAt)
	}
	tr.deliver(t)

	// Past the renewed validity, own and received copies expire and stop hitting.
	later := re.ExpiresAt.Add(time.Hour)
	for _, x := range []*node{fr, tr.de} {
		x.clock.Advance(later.Sub(x.clock.Now()))
		res := must[JobResult](t)(x.svc.RunOnce(ctx, later))
		if res.Expired != 1 {
			t.Fatalf("%s: expiry %+v", x.agency, res)
		}
		if hits := personHits(t, x, "John Doe", "1980-01-02"); len(hits) != 0 {
			t.Fatalf("%s: hit after expiry", x.agency)
		}
	}
	if got := must[*Notice](t)(fr.svc.GetNotice(fr.as(access.SPOC), nt.ID)); got.State != notice.Expired {
		t.Fatalf("state %s", got.State)
	}
}

func TestDiffusions(t *testing.T) {
	tr := newTrio(t)
	spoc := tr.fr.as(access.SPOC)
	d := redDraft("Armed robbery", Distribution{Scope: notice.ScopeAgencies, Agencies: []string{"NL-NCB"}})
	d.Type, d.Diffusion, d.ExtraditionWillBeSought = notice.Blue, true, false
	n := must[*Notice](t)(tr.fr.svc.CreateNotice(spoc, d))
	n = must[*Notice](t)(tr.fr.svc.CirculateNotice(spoc, n.ID))
	if n.State != notice.Published || !n.AwaitingReview {
		t.Fatalf("circulated: %+v", n)
	}
	tr.deliver(t)
	if hits := personHits(t, tr.nl, "John Doe", "1980-01-02"); len(hits) != 1 {
		t.Fatalf("NL hits %+v", hits)
	}
	if hits := personHits(t, tr.de, "John Doe", "1980-01-02"); len(hits) != 0 {
		t.Fatalf("DE, not a recipient, hits %+v", hits)
	}
	queue, _, err := tr.fr.svc.ListNotices(tr.fr.as(access.Reviewer), NoticeFilter{AwaitingReview: true, Limit: 10})
	if err != nil || len(queue) != 1 {
		t.Fatalf("review queue %+v %v", queue, err)
	}
	// Refused after the fact: withdrawn everywhere.
	n = must[*Notice](t)(tr.fr.svc.DecideNotice(tr.fr.as(access.Reviewer), n.ID, DecisionRequest{Outcome: notice.Rejected,
		Reasons: "Not enough facts for a blue diffusion."}))
	if n.State != notice.Cancelled {
		t.Fatalf("refused diffusion: %s", n.State)
	}
	tr.deliver(t)
	if hits := personHits(t, tr.nl, "John Doe", "1980-01-02"); len(hits) != 0 {
		t.Fatalf("NL hits after refusal %+v", hits)
	}

	// A diffusion with a blocking flag cannot be circulated directly.
	d.Charges[0].Text = "Membership of an opposition party"
	n = must[*Notice](t)(tr.fr.svc.CreateNotice(spoc, d))
	_, err = tr.fr.svc.CirculateNotice(spoc, n.ID)
	wantKind(t, err, errs.Conflict)
	// Submission needs the data-subject category.
	d.Category = ""
	n = must[*Notice](t)(tr.fr.svc.CreateNotice(spoc, d))
	_, err = tr.fr.svc.SubmitNotice(spoc, n.ID)
	wantKind(t, err, errs.Invalid)
}

// A partner cannot make this node show a notice that skipped review, nor
// distribute another agency's notice.
func TestReceivedNoticeMustHaveBeenReviewed(t *testing.T) {
	de := newNode(t, "DE-BKA", "DE", newFakeFed("DE-BKA"))
	fr := newNode(t, "FR-NCB", "FR", nil)
	// A genuine published notice, as FR would send it to DE.
	good := publish(t, fr, Distribution{Scope: notice.ScopeAll})
	rec, err := loadNotice(context.Background(), fr.db, good.ID)
	if err != nil {
		t.Fatal(err)
	}
	env, err := fr.svc.decider.RecipientEnvelope(*rec.env, "FR-NCB", policyPartner("DE-BKA", "DE"), fr.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	wireOf := func(v *Notice) []byte {
		b, _ := json.Marshal(wire{Kind: wireNotice, Notice: v})
		return b
	}
	receive := func(payload []byte, sender string) error {
		ctx := access.With(context.Background(), access.Principal{Agency: sender, Partner: true})
		in := &federation.Inbound{Type: envelope.TypeNoticePublish, Sender: sender, Payload: payload}
		return de.db.Write(ctx, func(tx *db.Tx) error { return de.svc.receive(ctx, tx, in) })
	}
	if err := receive(wireOf(rec.forPartner(&env)), "FR-NCB"); err != nil {
		t.Fatalf("genuine notice refused: %v", err)
	}
	// Same, with a political charge and an approval that did not weigh it.
	bad := rec.forPartner(&env)
	bad.ID = "other-id"
	bad.Charges[0].Text = "Insulting the head of state"
	wantKind(t, receive(wireOf(bad), "FR-NCB"), errs.Conflict)
	// Published without any review.
	bad = rec.forPartner(&env)
	bad.ID, bad.Decisions, bad.History = "third-id", nil, nil
	wantKind(t, receive(wireOf(bad), "FR-NCB"), errs.Conflict)
	// Relayed by a partner that is not the originator.
	wantKind(t, receive(wireOf(rec.forPartner(&env)), "NL-NCB"), errs.Permission)
	wantKind(t, receive([]byte(`{"kind":"notice","notice":{}, "extra":1}`), "FR-NCB"), errs.Invalid)
	if hits := personHits(t, de, "John Doe", "1980-01-02"); len(hits) != 1 {
		t.Fatalf("DE hits %+v", hits)
	}
	if evs := de.events(t, audit.Collect, "notice-received"); len(evs) != 1 || !evs[0].Partner {
		t.Fatalf("collect events %+v", evs)
	}
}

// A row changed behind the service's back to look published is refused
// on load, so it can be neither read nor indexed.
func TestTamperedRowRefused(t *testing.T) {
	n := newNode(t, "FR-NCB", "FR", nil)
	nt := must[*Notice](t)(n.svc.CreateNotice(n.as(access.SPOC), redDraft("Insulting the head of state", Distribution{Scope: notice.ScopeAll})))
	nt = must[*Notice](t)(n.svc.SubmitNotice(n.as(access.SPOC), nt.ID))
	if _, err := n.db.ExecContext(context.Background(), `UPDATE notices SET state = 'published' WHERE id = ?`, nt.ID); err != nil {
		t.Fatal(err)
	}
	var body string
	if err := n.db.QueryRowContext(context.Background(), `SELECT body FROM notices WHERE id = ?`, nt.ID).Scan(&body); err != nil {
		t.Fatal(err)
	}
	var v Notice
	json.Unmarshal([]byte(body), &v)
	v.State = notice.Published
	b, _ := json.Marshal(v)
	if _, err := n.db.ExecContext(context.Background(), `UPDATE notices SET body = ? WHERE id = ?`, string(b), nt.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := n.svc.GetNotice(n.as(access.SPOC), nt.ID); err == nil {
		t.Fatal("tampered notice read")
	}
	if _, err := New(context.Background(), Config{Agency: "FR-NCB", Country: "FR"},
		Deps{DB: n.db, Audit: n.audit, Hasher: testHasher{}, Decider: newDecider(t)}); err == nil {
		t.Fatal("tampered notice indexed at start-up")
	}
}

// The synthetic INTERPOL samples import as drafts; importing again finds them.
func TestImportInterpolSamples(t *testing.T) {
	n := newNode(t, "FR-NCB", "FR", nil)
	for _, name := range []string{"SYNTHETIC_red_notice_list.json", "SYNTHETIC_red_notice_detail.json"} {
		data := sharedSample(t, name)
		res, err := n.svc.ImportInterpol(n.as(access.SPOC), data, "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "SYNTHETIC_red_notice_list.json" {
			if len(res.Created) != 1 || res.Created[0].EntityID != "2099-12345" || res.Created[0].State != notice.Draft ||
				res.Created[0].Type != notice.Red || res.Created[0].DateOfBirth != "1980-01-02" {
				t.Fatalf("%s: %+v", name, res)
			}
		} else if len(res.Created) != 0 || len(res.Existing) != 1 || res.Existing[0].EntityID != "2099-12345" {
			t.Fatalf("%s: %+v", name, res)
		}
	}
	_, err := n.svc.ImportInterpol(n.as(access.SPOC), []byte(`{"entity_id": "not an id"}`), notice.Red)
	if !errs.Is(err, errs.Invalid) || errs.FieldOf(err) != "entity_id" {
		t.Fatalf("bad import: %v", err)
	}
	_, err = n.svc.ImportInterpol(n.as(access.Analyst), sharedSample(t, "SYNTHETIC_red_notice_detail.json"), "")
	wantKind(t, err, errs.Permission)
}

// sharedSample reads a file of /work/shared/samples/interpol; it skips the
// test when the file is missing, unless CI=true.
func sharedSample(t *testing.T, name string) []byte {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "samples", "interpol", name)
	data, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared sample shared/samples/interpol/%s missing: %v", name, err)
		}
		t.Skipf("shared sample shared/samples/interpol/%s missing: %v", name, err)
	}
	return data
}

// Names match across transliterations, as in the records issue.
func TestPersonLookupAcrossScripts(t *testing.T) {
	n := newNode(t, "FR-NCB", "FR", nil)
	spoc := n.as(access.SPOC)
	d := redDraft("Armed robbery", Distribution{Scope: notice.ScopeAll})
	d.Subject = Subject{Name: "IVANOV", Forename: "SERGEI", DateOfBirth: "1975-03-04"}
	nt := must[*Notice](t)(n.svc.CreateNotice(spoc, d))
	must[*Notice](t)(n.svc.SubmitNotice(spoc, nt.ID))
	must[*Notice](t)(n.svc.DecideNotice(n.as(access.Reviewer), nt.ID, DecisionRequest{Outcome: notice.Approved,
		Reasons: "Ordinary-law crime.", ExtraditionWillBeSought: true}))
	for _, name := range []string{"Сергей Иванов", "Ivanoff Serguei", "Sergej Iwanow"} {
		hits := personHits(t, n, name, "1975-03-04")
		if len(hits) != 1 || hits[0].Strength != "strong" {
			t.Errorf("%s: %+v", name, hits)
		}
	}
	if hits := personHits(t, n, "Сергей Иванов", "1975"); len(hits) != 1 || hits[0].Strength != "weak" {
		t.Errorf("year only: %+v", hits)
	}
	if hits := personHits(t, n, "Сергей Иванов", "1976-03-04"); len(hits) != 0 {
		t.Errorf("other birth date: %+v", hits)
	}
}
