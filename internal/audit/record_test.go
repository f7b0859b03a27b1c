package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
)

// TestRecordAmidAppends runs batched Records alongside Appends in action
// transactions, a third of which roll back: every recorded event and every
// committed append is stored exactly once, the leaves have no gaps, each
// event's object rows are its own (Verify checks them against the
// encodings) and a checkpoint covers them all.
func TestRecordAmidAppends(t *testing.T) {
	d := dbtest.Open(t, Schema)
	l := openTestLog(t, d)
	ctx := context.Background()
	const records, appends = 300, 120
	fail := errors.New("action failed after its event")
	var wg sync.WaitGroup
	errc := make(chan error, records+appends)
	for i := range records {
		wg.Go(func() {
			e := testEvent(i)
			e.Objects = append(e.Objects, Ref{Type: "filter:n", ID: fmt.Sprint(i)})
			errc <- l.Record(ctx, e)
		})
	}
	for i := range appends {
		wg.Go(func() {
			err := d.Write(ctx, func(tx *db.Tx) error {
				if err := l.Append(ctx, tx, testEvent(records+i)); err != nil {
					return err
				}
				if i%3 == 0 {
					return fail
				}
				return nil
			})
			if (i%3 == 0) != errors.Is(err, fail) {
				errc <- fmt.Errorf("append %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := records + appends - appends/3
	if got := countEvents(t, d); got != want {
		t.Fatalf("%d events stored, want %d", got, want)
	}
	var objects int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_objects`).Scan(&objects); err != nil {
		t.Fatal(err)
	}
	if objects != want+records {
		t.Fatalf("%d object rows, want %d", objects, want+records)
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != uint64(want) {
		t.Fatalf("checkpoint covers %d events, want %d", cp.Size, want)
	}
	rep, err := Verify(ctx, d, l.Keys(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem != nil || rep.Size != uint64(want) {
		t.Fatalf("verify: size %d, problem %v", rep.Size, rep.Problem)
	}
}

// TestRecordRejectsBadEvents: a bad event is refused before it joins a
// batch, so it neither stores anything nor fails the good events recorded
// with it.
func TestRecordRejectsBadEvents(t *testing.T) {
	d := dbtest.Open(t, Schema)
	l := openTestLog(t, d)
	ctx := context.Background()
	bad := []Event{
		{Kind: "peek"},
		{Kind: Consult, Objects: []Ref{{Type: "record", ID: "a\nb"}}},
		{Kind: Consult, Hashes: make([]string, MaxHashes+1)},
	}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if i%10 < len(bad) {
				if err := l.Record(ctx, bad[i%10]); err == nil {
					t.Errorf("bad event %d recorded", i%10)
				}
				return
			}
			if err := l.Record(ctx, testEvent(i)); err != nil {
				t.Errorf("record %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := countEvents(t, d); n != 30-3*len(bad) {
		t.Fatalf("%d events stored, want %d", n, 30-3*len(bad))
	}
}

// TestChunkSizes: a batch goes in at most two inserts, and a bounded set
// of statement texts serves every batch size.
func TestChunkSizes(t *testing.T) {
	for _, c := range []struct{ n, step, want int }{{1, 16, 1}, {16, 16, 16}, {17, 16, 16}, {255, 16, 240}, {256, 16, 256}, {47, 32, 32}, {512, 32, 512}} {
		if got := chunk(c.n, c.step); got != c.want {
			t.Errorf("chunk(%d, %d) = %d, want %d", c.n, c.step, got, c.want)
		}
	}
	for _, c := range []struct{ max, step, texts int }{{maxRecordBatch, eventChunkStep, 31}, {maxObjectRows, objectChunkStep, 47}} {
		texts := map[int]bool{}
		for n := 1; n <= c.max; n++ {
			statements := 0
			for left := n; left > 0; left -= chunk(left, c.step) {
				texts[chunk(left, c.step)] = true
				statements++
			}
			if statements > 2 {
				t.Fatalf("%d rows in %d statements", n, statements)
			}
		}
		if len(texts) != c.texts {
			t.Fatalf("%d statement sizes for 1 to %d rows, want %d", len(texts), c.max, c.texts)
		}
	}
}

// TestTwoProcessesOneLog: two processes of one node (two database handles,
// two Logs, as with two `liaison serve` behind a load balancer on
// PostgreSQL) append and record at the same time. Each one's guess of the
// next leaf index is often wrong; the log stays gap-free and verifies.
func TestTwoProcessesOneLog(t *testing.T) {
	dsn := dbtest.DSN(t)
	ctx := context.Background()
	var logs [2]*Log
	var dbs [2]*db.DB
	for i := range logs {
		d, err := db.Open(ctx, dsn, db.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Migrate(ctx, Schema); err != nil {
			t.Fatal(err)
		}
		dbs[i], logs[i] = d, openTestLog(t, d)
	}
	const each = 100
	var wg sync.WaitGroup
	for p := range logs {
		for i := range each {
			wg.Go(func() {
				e := testEvent(p*each + i)
				var err error
				if i%2 == 0 {
					err = logs[p].Record(ctx, e)
				} else {
					err = dbs[p].Write(ctx, func(tx *db.Tx) error { return logs[p].Append(ctx, tx, e) })
				}
				if err != nil {
					t.Errorf("process %d, event %d: %v", p, i, err)
				}
			})
		}
	}
	wg.Wait()
	if n := countEvents(t, dbs[0]); n != 2*each {
		t.Fatalf("%d events stored, want %d", n, 2*each)
	}
	if _, err := logs[1].Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(ctx, dbs[0], logs[0].Keys(), nil)
	if err != nil || rep.Problem != nil || rep.Size != 2*each {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

// TestRecordRunsTheRequestHook: a request whose first write is a Record
// (a POST with an Idempotency-Key, say) still records its hook with it.
func TestRecordRunsTheRequestHook(t *testing.T) {
	d := dbtest.Open(t, Schema)
	l := openTestLog(t, d)
	ran := 0
	ctx, hook := db.WithFirstWriteHook(context.Background(), func(context.Context, *db.Tx) error { ran++; return nil })
	if err := l.Record(ctx, testEvent(1)); err != nil {
		t.Fatal(err)
	}
	if !hook.Committed() || ran != 1 {
		t.Fatalf("hook ran %d times, committed %v", ran, hook.Committed())
	}
	if err := l.Record(ctx, testEvent(2)); err != nil || ran != 1 {
		t.Fatalf("second record: %v, hook ran %d times", err, ran)
	}
	if n := countEvents(t, d); n != 2 {
		t.Fatalf("%d events", n)
	}
}

// TestInsertInChunks: a batch larger than one statement takes (here 300
// events, each with three objects: 256 + 44 event rows, 512 + 384 + 4
// object rows) goes in several statements, every event at its own leaf
// index with its own objects.
func TestInsertInChunks(t *testing.T) {
	d := dbtest.Open(t, Schema)
	l := openTestLog(t, d)
	ctx := context.Background()
	events := make([]Event, 300)
	for i := range events {
		events[i] = testEvent(i)
		events[i].Objects = append(events[i].Objects, Ref{Type: "filter:a", ID: fmt.Sprint(i)}, Ref{Type: "filter:b", ID: fmt.Sprint(i)})
		if err := l.check(&events[i]); err != nil {
			t.Fatal(err)
		}
		events[i].Time = time.Now().UTC().Truncate(time.Microsecond)
	}
	if err := d.Write(ctx, func(tx *db.Tx) error { return l.insertEvents(ctx, tx, events) }); err != nil {
		t.Fatal(err)
	}
	var objects int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_objects`).Scan(&objects); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, d); n != len(events) || objects != 3*len(events) {
		t.Fatalf("%d events and %d object rows stored, want %d and %d", n, objects, len(events), 3*len(events))
	}
	rep, err := Verify(ctx, d, l.Keys(), nil)
	if err != nil || rep.Problem != nil || rep.Size != uint64(len(events)) {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}
