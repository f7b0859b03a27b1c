package audit

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
)

// createRawTables creates copies of the event tables (same columns and
// indexes, prefix raw_) for the baseline.
func createRawTables(b *testing.B, d *db.DB) {
	b.Helper()
	for _, m := range append(Schema.Steps[2:8:8], Schema.Steps[len(Schema.Steps)-1]) {
		stmt := m.SQL
		if d.Dialect() == db.SQLite && m.SQLite != "" {
			stmt = m.SQLite
		}
		if d.Dialect() == db.Postgres && m.Postgres != "" {
			stmt = m.Postgres
		}
		stmt = strings.ReplaceAll(d.Dialect().Expand(stmt), "audit_", "raw_")
		if _, err := d.ExecContext(context.Background(), stmt); err != nil {
			b.Fatalf("%s: %v", stmt, err)
		}
	}
}

// storedRow is an audit_events row with its one object reference.
type storedRow struct {
	idx, time               int64
	kind, actor, agency, cs string
	body, leaf, mac         []byte
	refType, refID          string
}

func readRows(b *testing.B, d *db.DB, from, to int) []storedRow {
	b.Helper()
	rs, err := d.QueryContext(context.Background(), `SELECT e.leaf_index, e.time, e.kind, e.actor_id, e.agency, e.case_ref, e.body, e.leaf_hash, e.mac, o.ref_type, o.ref_id
		FROM audit_events e JOIN audit_objects o ON o.leaf_index = e.leaf_index
		WHERE e.leaf_index >= ? AND e.leaf_index < ? ORDER BY e.leaf_index`, from, to)
	if err != nil {
		b.Fatal(err)
	}
	defer rs.Close()
	var rows []storedRow
	for rs.Next() {
		var r storedRow
		if err := rs.Scan(&r.idx, &r.time, &r.kind, &r.actor, &r.agency, &r.cs, &r.body, &r.leaf, &r.mac, &r.refType, &r.refID); err != nil {
			b.Fatal(err)
		}
		rows = append(rows, r)
	}
	if len(rows) != to-from {
		b.Fatalf("read %d rows, want %d", len(rows), to-from)
	}
	return rows
}

// BenchmarkDurableAppend measures durable audit appends per second through
// group commit — concurrent writers, each appending one event in a Write of
// its own and waiting for the commit of its batch — against a raw batched
// insert of the same rows (the event row and its object row, into tables
// with the same columns and indexes, one transaction per
// db.DefaultMaxBatch events, statements as the audit log issues them) into
// the same database. The two alternate in rounds so that both see the same
// load on a shared machine. Run with -benchtime=Nx: N events per
// sub-benchmark; 32 writers are as many as the border-lookup benchmark's
// clients.
func BenchmarkDurableAppend(b *testing.B) {
	for _, writers := range []int{32, 512} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			benchDurable(b, func(d *db.DB, l *Log, events []Event) { appendConcurrently(b, d, l, events, writers) })
		})
	}
}

// BenchmarkDurableRecord is BenchmarkDurableAppend for stand-alone events
// written with Log.Record, whose concurrent callers share one insert.
func BenchmarkDurableRecord(b *testing.B) {
	for _, callers := range []int{32, 512} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			benchDurable(b, func(_ *db.DB, l *Log, events []Event) { recordConcurrently(b, l, events, callers) })
		})
	}
}

// benchDurable stores b.N events with write, in rounds alternating with the
// raw batched insert of the same rows, and reports both rates.
func benchDurable(b *testing.B, write func(d *db.DB, l *Log, events []Event)) {
	d := dbtest.Open(b, Schema)
	l := openTestLog(b, d)
	createRawTables(b, d)
	n := b.N
	events := make([]Event, n)
	for i := range events {
		events[i] = testEvent(i)
	}
	const rounds = 5
	var auditTime, rawTime, auditCPU, rawCPU time.Duration
	b.ResetTimer()
	for r := 0; r < rounds; r++ {
		lo, hi := n*r/rounds, n*(r+1)/rounds
		start, cpu := time.Now(), cpuTime()
		write(d, l, events[lo:hi])
		auditTime += time.Since(start)
		auditCPU += cpuTime() - cpu

		b.StopTimer()
		rows := readRows(b, d, lo, hi)
		b.StartTimer()
		start, cpu = time.Now(), cpuTime()
		rawInsert(b, d, rows)
		rawTime += time.Since(start)
		rawCPU += cpuTime() - cpu
	}
	b.StopTimer()
	b.ReportMetric(float64(n)/auditTime.Seconds(), "events/s")
	b.ReportMetric(float64(n)/rawTime.Seconds(), "raw-events/s")
	b.ReportMetric(rawTime.Seconds()/auditTime.Seconds(), "ratio")
	b.ReportMetric(float64(n)/auditCPU.Seconds(), "events/cpu-s")
	b.ReportMetric(rawCPU.Seconds()/auditCPU.Seconds(), "cpu-ratio")
}

func appendConcurrently(b *testing.B, d *db.DB, l *Log, events []Event, writers int) {
	ctx := context.Background()
	each(b, events, writers, func(e Event) error {
		return d.Write(ctx, func(tx *db.Tx) error { return l.Append(ctx, tx, e) })
	})
}

func recordConcurrently(b *testing.B, l *Log, events []Event, callers int) {
	ctx := context.Background()
	each(b, events, callers, func(e Event) error { return l.Record(ctx, e) })
}

// each calls f on every event from workers goroutines.
func each(b *testing.B, events []Event, workers int, f func(Event) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(events) {
					return
				}
				if err := f(events[i]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func rawInsert(b *testing.B, d *db.DB, rows []storedRow) {
	ctx := context.Background()
	for lo := 0; lo < len(rows); lo += db.DefaultMaxBatch {
		batch := rows[lo:min(lo+db.DefaultMaxBatch, len(rows))]
		err := d.Tx(ctx, func(tx *db.Tx) error {
			for _, r := range batch {
				if _, err := tx.ExecContext(ctx, `INSERT INTO raw_events (leaf_index, time, kind, actor_id, agency, case_ref, body, leaf_hash, mac)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.idx, r.time, r.kind, r.actor, r.agency, r.cs, r.body, r.leaf, r.mac); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO raw_objects (leaf_index, ref_type, ref_id) VALUES (?, ?, ?)`, r.idx, r.refType, r.refID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// benchLog returns a database holding n events (appended in large
// transactions, not timed) and the log reopened over it.
func benchLog(b *testing.B, n int) (*db.DB, *Log) {
	b.Helper()
	d := dbtest.Open(b, Schema)
	l := openTestLog(b, d)
	ctx := context.Background()
	const chunk = 20000
	for lo := 0; lo < n; lo += chunk {
		err := d.Tx(ctx, func(tx *db.Tx) error {
			for i := lo; i < min(lo+chunk, n); i++ {
				if err := l.Append(ctx, tx, testEvent(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	l, err := Open(ctx, d, testConfig())
	if err != nil {
		b.Fatal(err)
	}
	return d, l
}

// BenchmarkInclusionProofs measures inclusion proofs generated per second
// on a stored log of 200,000 events (random indexes, against the latest
// checkpoint), on 2 goroutines, against primary-key reads of one stored
// leaf hash on the same database in the same run — the least a proof over
// stored leaves could cost.
func BenchmarkInclusionProofs(b *testing.B) {
	const size = 200_000
	d, l := benchLog(b, size)
	ctx := context.Background()
	cp, _ := l.Latest()
	rnd := func(i int) uint64 {
		var s [8]byte
		binary.BigEndian.PutUint64(s[:], uint64(i))
		return binary.BigEndian.Uint64(hasher.HashLeaf(s[:])[:8]) % cp.Size
	}
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime()
	parallel(b.N, func(i int) {
		if _, err := l.Inclusion(ctx, rnd(i), cp.Size); err != nil {
			b.Error(err)
		}
	})
	proofSecs, proofCPU := time.Since(start).Seconds(), (cpuTime() - cpu).Seconds()
	start = time.Now()
	parallel(b.N, func(i int) {
		var h []byte
		if err := d.QueryRowContext(ctx, `SELECT leaf_hash FROM audit_events WHERE leaf_index = ?`, int64(rnd(i))).Scan(&h); err != nil {
			b.Error(err)
		}
	})
	readSecs := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/proofSecs, "proofs/s")
	b.ReportMetric(float64(b.N)/proofCPU, "proofs/cpu-s")
	b.ReportMetric(float64(b.N)/readSecs, "point-reads/s")
	b.ReportMetric(readSecs/proofSecs, "ratio")
}

// cpuTime is the CPU time (user and system) the process has used: on a
// machine shared with other work, throughput per CPU-second is the figure
// that does not depend on the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// parallel runs f(0) … f(n-1) on two goroutines (the machine's cores).
func parallel(n int, f func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// BenchmarkVerify measures offline verification of a stored log of b.N
// events (run with -benchtime=1000000x for the 1 M goal) against reading
// the same rows with a plain SELECT in the same run.
func BenchmarkVerify(b *testing.B) {
	d, l := benchLog(b, b.N)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	rep, err := Verify(ctx, d, l.Keys(), nil)
	if err != nil || rep.Problem != nil || rep.Size != uint64(b.N) {
		b.Fatalf("verify: %v %v", err, rep)
	}
	verifySecs := time.Since(start).Seconds()
	start = time.Now()
	rows, err := d.QueryContext(ctx, `SELECT e.leaf_index, e.time, e.kind, e.actor_id, e.agency, e.case_ref, e.body, e.leaf_hash, e.mac, o.ref_type, o.ref_id
		FROM audit_events e LEFT JOIN audit_objects o ON o.leaf_index = e.leaf_index ORDER BY e.leaf_index`)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var r storedRow
		if err := rows.Scan(&r.idx, &r.time, &r.kind, &r.actor, &r.agency, &r.cs, &r.body, &r.leaf, &r.mac, &r.refType, &r.refID); err != nil {
			b.Fatal(err)
		}
		n++
	}
	rows.Close()
	scanSecs := time.Since(start).Seconds()
	b.ReportMetric(verifySecs, "verify-s")
	b.ReportMetric(verifySecs*1e6/float64(b.N), "s/1M-events")
	b.ReportMetric(scanSecs, "scan-s")
	b.ReportMetric(scanSecs/verifySecs, "ratio")
}
