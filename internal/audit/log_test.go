package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
)

func testConfig() Config {
	return Config{Agency: testAgency, Key: testKey(7), CheckpointInterval: time.Hour}
}

func openTestLog(t testing.TB, d *db.DB) *Log {
	t.Helper()
	l, err := Open(context.Background(), d, testConfig())
	if err != nil {
		t.Fatalf("open audit log: %v", err)
	}
	return l
}

// testEvent is a consultation by an investigator of record rec.
func testEvent(i int) Event {
	ctx := access.With(context.Background(), access.Principal{UserID: fmt.Sprintf("u%d", i%5), Username: fmt.Sprintf("officer%d", i%5),
		Role: access.Investigator, Agency: testAgency})
	ctx = access.WithJustification(ctx, access.Justification{Text: "checking a lead", CaseRef: fmt.Sprintf("CASE-%d", i%3)})
	e := New(ctx, Consult, Ref{Type: "record", ID: fmt.Sprintf("rec-%d", i)})
	e.Purpose = "investigation"
	return e
}

// appendEvents appends n events, each in its own concurrent Write.
func appendEvents(t testing.TB, d *db.DB, l *Log, first, n int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for i := first; i < first+n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- d.Write(ctx, func(tx *db.Tx) error { return l.Append(ctx, tx, testEvent(i)) })
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatalf("append: %v", err)
		}
	}
}

func countEvents(t testing.TB, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAppendGapFreeAcrossRollbacks(t *testing.T) {
	d := dbtest.Open(t, Schema)
	l := openTestLog(t, d)
	ctx := context.Background()
	var wg sync.WaitGroup
	fail := errors.New("action failed after its event")
	const n = 120
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := d.Write(ctx, func(tx *db.Tx) error {
				if err := l.Append(ctx, tx, testEvent(i)); err != nil {
					return err
				}
				if i%3 == 0 {
					return fail // the action fails: its event must vanish with it
				}
				return nil
			})
			if (i%3 == 0) != errors.Is(err, fail) {
				t.Errorf("write %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	want := n - (n+2)/3
	if got := countEvents(t, d); got != want {
		t.Fatalf("%d events stored, want %d", got, want)
	}
	var minIdx, maxIdx int64
	if err := d.QueryRowContext(ctx, `SELECT MIN(leaf_index), MAX(leaf_index) FROM audit_events`).Scan(&minIdx, &maxIdx); err != nil {
		t.Fatal(err)
	}
	if minIdx != 0 || maxIdx != int64(want-1) {
		t.Fatalf("leaf indexes span [%d, %d], want [0, %d]: a rolled-back event left a gap", minIdx, maxIdx, want-1)
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != uint64(want) {
		t.Fatalf("checkpoint size %d, want %d", cp.Size, want)
	}
}

func TestAppendRejectsBadEvents(t *testing.T) {
	d := dbtest.Open(t, Schema)
	l := openTestLog(t, d)
	ctx := context.Background()
	bad := map[string]Event{
		"unknown kind":     {Kind: "peek"},
		"control in id":    {Kind: Consult, Objects: []Ref{{Type: "record", ID: "a\nb"}}},
		"empty object id":  {Kind: Consult, Objects: []Ref{{Type: "record"}}},
		"long reason":      {Kind: Consult, Reason: string(make([]byte, MaxTextLen+1))},
		"too many hashes":  {Kind: Consult, Hashes: make([]string, MaxHashes+1)},
		"bad outcome form": {Kind: Consult, Outcome: "OK!"},
	}
	for name, e := range bad {
		err := d.Write(ctx, func(tx *db.Tx) error { return l.Append(ctx, tx, e) })
		if err == nil {
			t.Errorf("%s: appended", name)
		}
	}
	if n := countEvents(t, d); n != 0 {
		t.Fatalf("%d events stored from rejected appends", n)
	}
}

func TestCheckpointSignedAndReopened(t *testing.T) {
	d := dbtest.Open(t, Schema)
	ctx := context.Background()
	l := openTestLog(t, d)
	if cp, ok := l.Latest(); !ok || cp.Size != 0 || string(cp.Root) != string(hasher.EmptyRoot()) {
		t.Fatalf("empty log opened without a checkpoint of the empty tree: %+v", cp.Checkpoint)
	}
	appendEvents(t, d, l, 0, 40)
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := OpenCheckpoint(cp.Note, l.Keys().Verifier())
	if err != nil {
		t.Fatalf("own checkpoint does not verify: %v", err)
	}
	if c.Size != 40 || c.Origin != "liaison.NL-NCB/audit" {
		t.Fatalf("checkpoint %+v", c)
	}
	again, err := l.Checkpoint(ctx)
	if err != nil || again.Size != 40 || string(again.Note) != string(cp.Note) {
		t.Fatalf("unchanged log signed a new checkpoint: %v", err)
	}
	// Events committed after the last checkpoint (a crash before the
	// integrator ran) are covered when the log is opened again.
	appendEvents(t, d, l, 40, 9)
	l2 := openTestLog(t, d)
	latest, ok := l2.Latest()
	if !ok || latest.Size != 49 {
		t.Fatalf("reopened log's latest checkpoint: %+v, %v", latest.Checkpoint, ok)
	}
	p, err := l2.tree.Consistency(ctx, 40, 49)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(hasher, 40, 49, p, cp.Root, latest.Root); err != nil {
		t.Fatalf("reopened log is not consistent with the earlier checkpoint: %v", err)
	}
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_checkpoints`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d checkpoints kept, want 3 (sizes 0, 40, 49) (%v)", n, err)
	}
}

func TestRunSignsWhileEventsArrive(t *testing.T) {
	d := dbtest.Open(t, Schema)
	cfg := testConfig()
	cfg.CheckpointInterval = 20 * time.Millisecond
	l, err := Open(context.Background(), d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	appendEvents(t, d, l, 0, 5)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if cp, ok := l.Latest(); ok && cp.Size == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint of the new events within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	appendEvents(t, d, l, 5, 3)
	cancel()
	<-done
	if cp, _ := l.Latest(); cp.Size != 8 {
		t.Fatalf("final checkpoint at shutdown covers %d events, want 8", cp.Size)
	}
}

func TestHashPersonal(t *testing.T) {
	d := dbtest.Open(t, Schema)
	l := openTestLog(t, d)
	a, b := l.HashPersonal("phone", "+31201234567"), l.HashPersonal("phone", "+31201234567")
	if a != b {
		t.Fatal("keyed hash not deterministic")
	}
	if a == l.HashPersonal("username", "+31201234567") {
		t.Fatal("kind does not separate hashes")
	}
	if a == l.HashPersonal("phon", "e+31201234567") {
		t.Fatal("kind and value run into each other")
	}
	other, err := NewKeys(Origin(testAgency), testKey(8))
	if err != nil {
		t.Fatal(err)
	}
	if a == other.hashPersonal("phone", "+31201234567") {
		t.Fatal("hash does not depend on the node key")
	}
	if err := (&Event{Kind: Consult, Outcome: OK, Hashes: []string{a}}).validate(); err != nil {
		t.Fatalf("a keyed hash is not a valid event hash value: %v", err)
	}
}
