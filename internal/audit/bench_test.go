package audit

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
)

// createRawTables creates copies of the event tables (same columns and
// indexes, prefix raw_) for the baseline.
func createRawTables(b *testing.B, d *db.DB) {
	b.Helper()
	for _, m := range Schema.Steps[2:8] {
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
// group commit — 512 concurrent writers, each waiting for the commit of its
// batch — against a raw batched insert of the same rows (the event row and
// its object row, into tables with the same columns and indexes, one
// transaction per db.DefaultMaxBatch events, statements as the audit log
// issues them) into the same database. The two alternate in rounds so that
// both see the same load on a shared machine. Run with -benchtime=Nx: N
// events.
func BenchmarkDurableAppend(b *testing.B) {
	d := dbtest.Open(b, Schema)
	l := openTestLog(b, d)
	createRawTables(b, d)
	n := b.N
	events := make([]Event, n)
	for i := range events {
		events[i] = testEvent(i)
	}
	const rounds = 5
	var auditTime, rawTime time.Duration
	b.ResetTimer()
	for r := 0; r < rounds; r++ {
		lo, hi := n*r/rounds, n*(r+1)/rounds
		start := time.Now()
		appendConcurrently(b, d, l, events[lo:hi], 512)
		auditTime += time.Since(start)

		b.StopTimer()
		rows := readRows(b, d, lo, hi)
		b.StartTimer()
		start = time.Now()
		rawInsert(b, d, rows)
		rawTime += time.Since(start)
	}
	b.StopTimer()
	b.ReportMetric(float64(n)/auditTime.Seconds(), "events/s")
	b.ReportMetric(float64(n)/rawTime.Seconds(), "raw-events/s")
	b.ReportMetric(rawTime.Seconds()/auditTime.Seconds(), "ratio")
}

func appendConcurrently(b *testing.B, d *db.DB, l *Log, events []Event, writers int) {
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(events) {
					return
				}
				if err := d.Write(ctx, func(tx *db.Tx) error { return l.Append(ctx, tx, events[i]) }); err != nil {
					b.Error(err)
					return
				}
			}
		}()
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
