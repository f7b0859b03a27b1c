package matchsvc

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/match/budget"
	"github.com/liaison-project/liaison/internal/policy"
)

// bulkList is a CSV list of n passports of which those at the held
// positions are the holder's.
func bulkList(n int, held map[int]string) string {
	var b strings.Builder
	for i := range n {
		if v, ok := held[i]; ok {
			b.WriteString(v + "\n")
			continue
		}
		fmt.Fprintf(&b, "BLK%07d\n", i)
	}
	return b.String()
}

// runUntilSettled drives a bulk run until it is done, failed, or paused
// into the future.
func runUntilSettled(t testing.TB, n *node, id string) *BulkRun {
	t.Helper()
	for range 20 {
		if err := n.svc.RunBulkOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		r, err := n.svc.BulkStatus(n.officer(access.SPOC), id, true)
		if err != nil {
			t.Fatal(err)
		}
		if r.State == BulkDone || r.State == BulkFailed || (r.State == BulkPaused && r.NextAttemptAt.After(n.Now())) {
			return r
		}
	}
	t.Fatal("the bulk run does not settle")
	return nil
}

// A bulk run needs a second person's approval, runs in batches within the
// partner's budget, pauses when the budget is spent, and resumes from its
// checkpoint the next day in the holder's next epoch, finding every hit.
func TestBulkRunTwoPersonRuleBudgetAndResume(t *testing.T) {
	edit := func(c *Config) {
		b := DefaultBudget()
		b.Default[match.Passport] = budget.Limits{PerCase: 300, PerPartner: 300}
		c.Budget = &b
	}
	nl := newNode(t, "NL-NCB", "NL", edit)
	de := newNode(t, "DE-BKA", "DE", nil)
	fedtest.Introduce(t, nl.Node, de.Node)
	nl.create(t, policy.Envelope{}, ent("p1", "Person", "name", "Bulk One", "passportNumber", "HIT0000010"),
		ent("p2", "Person", "name", "Bulk Two", "passportNumber", "HIT0000300"),
		ent("p3", "Person", "name", "Bulk Three", "passportNumber", "HIT0000599"))
	nl.sync(t)
	de.sync(t)

	held := map[int]string{10: "HIT0000010", 300: "HIT0000300", 599: "HIT0000599"}
	req := BulkRequest{Partner: "NL-NCB", Type: "passport", Format: FormatCSV, Data: bulkList(600, held) + "\"\",x\n"}
	if _, err := de.svc.SubmitBulk(de.officer(access.Investigator), req); !errs.Is(err, errs.Permission) {
		t.Fatalf("an investigator submits: %v", err)
	}
	run, err := de.svc.SubmitBulk(de.officer(access.SPOC), req)
	if err != nil {
		t.Fatal(err)
	}
	if run.State != BulkPending || run.Total != 600 || run.Skipped != 1 {
		t.Fatalf("submitted: %+v", run)
	}
	if err := de.svc.RunBulkOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if evals := nl.Audit.Find(t, audit.Consult, audit.OK, "bulk run"); len(evals) != 0 {
		t.Fatal("a pending run was evaluated")
	}

	// The submitter cannot approve: two-person rule.
	if _, err := de.svc.ApproveBulk(de.officer(access.SPOC), run.ID); !errs.Is(err, errs.Permission) {
		t.Fatalf("self-approval: %v", err)
	}
	if d := de.Audit.Find(t, audit.Alter, audit.Denied, "two-person rule"); len(d) != 1 {
		t.Fatalf("self-approval audited as %+v", d)
	}
	if _, err := de.svc.ApproveBulk(de.as(access.Investigator, "u-other"), run.ID); !errs.Is(err, errs.Permission) {
		t.Fatalf("an investigator approves: %v", err)
	}
	if run, err = de.svc.ApproveBulk(de.as(access.SPOC, "u-spoc-2"), run.ID); err != nil || run.State != BulkApproved {
		t.Fatalf("approval by a second SPOC: %+v, %v", run, err)
	}

	// 300 evaluations a day: the first batch of 256 passes, the second
	// (256 more) is refused, and the run pauses until the next UTC day.
	run = runUntilSettled(t, de, run.ID)
	if run.State != BulkPaused || run.Done != 256 || !strings.Contains(run.Detail, "budget exceeded") || run.Hits != 1 {
		t.Fatalf("over budget: %+v", run)
	}
	if want := nextUTCDay(de.Now()).Add(time.Minute); !run.NextAttemptAt.Equal(want) {
		t.Errorf("next attempt %v, want %v", run.NextAttemptAt, want)
	}

	// A day and more later the holder has a new epoch (the old one
	// expired) and a new budget; the run continues with what is left.
	for _, n := range []*node{nl, de} {
		n.Advance(27 * time.Hour)
	}
	nl.sync(t)
	run = runUntilSettled(t, de, run.ID)
	if run.State != BulkPaused || run.Done != 256+256 {
		t.Fatalf("second day: %+v", run)
	}
	for _, n := range []*node{nl, de} {
		n.Advance(24 * time.Hour)
	}
	nl.sync(t)
	run = runUntilSettled(t, de, run.ID)
	if run.State != BulkDone || run.Done != 600 || run.Hits != 3 {
		t.Fatalf("done: %+v", run)
	}
	var idx []int
	for _, h := range run.HitList {
		idx = append(idx, h.Index)
		if h.HitID == "" || h.Strength != "exact" || len(h.Reference) != 32 {
			t.Errorf("hit %+v", h)
		}
	}
	if !slices.Equal(idx, []int{10, 300, 599}) {
		t.Fatalf("hits at %v, want 10, 300, 599", idx)
	}

	// The holder audited every batch with the run id (never a value); the
	// querier audited every value's hash, 64 per event.
	if evals := nl.Audit.Find(t, audit.Consult, audit.OK, "(bulk run "); len(evals) != 3 {
		t.Errorf("holder audited %d bulk batches, want 3", len(evals))
	}
	batches := de.Audit.Find(t, audit.Consult, audit.OK, "bulk run batch")
	hashes := 0
	for _, e := range batches {
		hashes += len(e.Hashes)
		if len(e.Hashes) > audit.MaxHashes || e.ActorID != "u-spoc" || e.Justification == "" {
			t.Errorf("batch event %+v", e)
		}
	}
	if hashes != 600 {
		t.Errorf("querier audited %d value hashes, want 600", hashes)
	}
	// The list itself is gone once the run is done.
	var list []byte
	if err := de.DB.QueryRowContext(context.Background(), `SELECT list FROM match_bulk_runs WHERE id = ?`, run.ID).Scan(&list); err != nil || list != nil {
		t.Fatalf("list kept after the run: %d bytes, %v", len(list), err)
	}
	// A hit of a bulk run is followed up like any other, by a SPOC.
	if _, err := de.svc.FollowUp(de.officer(access.SPOC), run.HitList[0].HitID, FollowUpRequest{Justification: "list hit"}); err != nil {
		t.Fatal(err)
	}
}

func TestBulkListParsing(t *testing.T) {
	values, skipped, err := parseBulkList(FormatCSV, "NX 123\nnx123\n\"\"\nAB-9,extra\n", match.Passport, "", 10)
	if err != nil || !slices.Equal(values, []string{"NX123", "AB9"}) || skipped != 1 {
		t.Fatalf("csv: %v %d %v", values, skipped, err)
	}
	values, _, err = parseBulkList(FormatCSV, "Сергей Иванов,1970-01-02\nno date,\n", match.NameDOB, "", 10)
	if err != nil || len(values) != 1 || !strings.HasPrefix(values[0], "name-dob|v1|") {
		t.Fatalf("person csv: %v %v", values, err)
	}
	ftmData := `{"id":"a","schema":"BankAccount","properties":{"iban":["DE44500105175407324931"]}}
{"id":"b","schema":"Person","properties":{"name":["X"]}}
not json
`
	values, skipped, err = parseBulkList(FormatFtM, ftmData, match.IBAN, "", 10)
	if err != nil || !slices.Equal(values, []string{"DE44500105175407324931"}) || skipped != 2 {
		t.Fatalf("ftm: %v %d %v", values, skipped, err)
	}
	if _, _, err := parseBulkList(FormatCSV, "A1\nA2\nA3\n", match.Passport, "", 2); !errs.Is(err, errs.TooLarge) {
		t.Fatalf("too many values: %v", err)
	}
	if _, _, err := parseBulkList("xml", "A1", match.Passport, "", 2); !errs.Is(err, errs.Invalid) {
		t.Fatalf("unknown format: %v", err)
	}
	if _, _, err := parseBulkList(FormatCSV, "\"unterminated\n", match.Passport, "", 2); !errs.Is(err, errs.Invalid) {
		t.Fatalf("bad csv: %v", err)
	}
}
