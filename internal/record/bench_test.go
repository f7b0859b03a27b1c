package record

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/policy"
)

// EnvBench names the environment variable that enables TestRecordBench and
// sets its number of entities, e.g. LIAISON_RECORD_BENCH=1000000.
const EnvBench = "LIAISON_RECORD_BENCH"

// EnvBenchCacheMB names the environment variable setting SQLite's page
// cache for TestRecordBench, in MiB.
const EnvBenchCacheMB = "LIAISON_RECORD_BENCH_CACHE_MB"

// benchTune applies EnvBenchCacheMB to a SQLite database. The writer pool
// has one connection, so the pragma holds for every write of the test.
func benchTune(t *testing.T, d *db.DB) {
	mb, _ := strconv.Atoi(os.Getenv(EnvBenchCacheMB))
	if mb <= 0 || d.Dialect() != db.SQLite {
		return
	}
	if _, err := d.ExecContext(context.Background(), fmt.Sprintf("PRAGMA cache_size = -%d", mb<<10)); err != nil {
		t.Fatal(err)
	}
}

// TestRecordBench measures, on the engine the tests use (SQLite, or
// PostgreSQL with LIAISON_TEST_POSTGRES):
//
//   - import of N synthetic entities (FtM JSON lines through
//     Service.Import: decoding, validation, normalisation, records,
//     versions' first row, search index, identifiers, change feed, audit),
//     against a raw batched insert of the same rows (the same tables and
//     rows, precomputed outside the clock, inserted in transactions of the
//     same size) measured in the same run;
//   - identifier lookup latency (p50, p99) on the N entities: the read
//     filter query alone, and Service.Lookup with its audit write;
//   - full-text search latency (p50, p99): full names (few matches) and
//     common surnames (thousands of matches), query alone and
//     Service.Search with its audit write.
//
// It is skipped unless EnvBench is set. With EnvBenchCacheMB=N, SQLite's
// writer connection gets a page cache of N MiB (PRAGMA cache_size; the
// default is 2 MiB), for both the baseline and the import. Results:
// docs/benchmarks/record.md.
func TestRecordBench(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(EnvBench))
	if n <= 0 {
		t.Skipf("set %s=N to measure import, lookup and search on N entities", EnvBench)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "synth.ftm.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	records, err := newSynth(42).write(f, n)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(path)
	t.Logf("engine %s; %d entities in %d records, %.0f MB of FtM JSON lines", engine(), n, records, float64(st.Size())/1e6)

	// The baseline first, so that the import does not profit from a page
	// cache warmed by itself.
	raw, rawCPU := rawInsert(t, path)
	e := newEnv(t)
	benchTune(t, e.db)
	ctx := officerCtx(access.Investigator)
	opts := importOpts()
	opts.GroupBy = "publisher"
	in, _ := os.Open(path)
	start, startCPU := time.Now(), cpuTime()
	sum, err := e.svc.Import(ctx, in, opts, nil)
	elapsed, cpu := time.Since(start), cpuTime()-startCPU
	in.Close()
	if err != nil || sum.Entities != n || sum.Rejected != 0 {
		t.Fatalf("import: %+v %v", sum, err)
	}
	imp := float64(n) / elapsed.Seconds()
	rawRate := float64(n) / raw.Seconds()
	t.Logf("import: %d entities in %v = %.0f entities/s; raw batched insert of the same rows: %v = %.0f entities/s; ratio %.2f",
		n, elapsed.Round(time.Millisecond), imp, raw.Round(time.Millisecond), rawRate, imp/rawRate)
	t.Logf("CPU time (user+system, all threads of this process): import %v = %.1f µs/entity; raw insert %v = %.1f µs/entity",
		cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(n), rawCPU.Round(time.Millisecond), float64(rawCPU.Microseconds())/float64(n))

	if e.db.Dialect() == db.Postgres {
		// A running node's autovacuum does this after a bulk load: it
		// moves the GIN index's pending entries into the index and
		// refreshes the planner's statistics.
		start := time.Now()
		if _, err := e.db.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
			t.Fatal(err)
		}
		t.Logf("VACUUM ANALYZE after the import: %v", time.Since(start).Round(time.Millisecond))
	}
	benchLookup(t, e, ctx)
	benchSearch(t, e, ctx)
}

func engine() string {
	if os.Getenv(dbtest.EnvPostgres) != "" {
		return "postgres"
	}
	return "sqlite"
}

// rawInsert decodes the file into the rows an import writes (outside the
// clock) and inserts them batch by batch with the same multi-row
// statements and transaction size, timing only the inserts. It returns
// the time and the CPU time of the inserts.
func rawInsert(t *testing.T, path string) (time.Duration, time.Duration) {
	d := dbtest.Open(t, audit.Schema, Schema)
	benchTune(t, d)
	e := newEnvOn(t, d, testAgency, testCountry)
	ctx := context.Background()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	opts := importOpts()
	opts.GroupBy = "publisher"
	gr := newGroupReader(in, opts, e.svc.cfg.Limits)
	env := testEnvelope()
	env.ReviewDate = testNow.AddDate(3, 0, 0)
	var total, cpu time.Duration
	var batch []*Record
	entities := 0
	flush := func() {
		xs := make([]*index, len(batch))
		for i, r := range batch {
			x, err := buildIndex(r)
			if err != nil {
				t.Fatal(err)
			}
			xs[i] = x
		}
		changes := make([]ChangeEntry, len(batch))
		for i, r := range batch {
			changes[i] = ChangeEntry{RecordID: r.ID, Version: 1, Change: ChangeCreate, Originator: testAgency}
		}
		start, startCPU := time.Now(), cpuTime()
		err := d.Tx(ctx, func(tx *db.Tx) error {
			ixs, err := insertRecords(ctx, tx, batch, xs)
			if err != nil {
				return err
			}
			if err := insertIndexes(ctx, tx, ixs); err != nil {
				return err
			}
			return appendChanges(ctx, tx, testNow, changes)
		})
		total += time.Since(start)
		cpu += cpuTime() - startCPU
		if err != nil {
			t.Fatal(err)
		}
		batch, entities = batch[:0], 0
	}
	for {
		g, err := gr.next()
		if err == io.EOF {
			break
		}
		if err != nil || len(g.errs) > 0 {
			t.Fatalf("synthetic data: %v %+v", err, g.errs)
		}
		id := ids.New()
		r := &Record{ID: id, Version: 1, State: StateActive, Title: "Seizure list: " + g.key, Entities: g.entities, Envelope: env,
			CreatedAt: testNow, UpdatedAt: testNow, DataSubjects: map[string]policy.DataSubjectCategory{}}
		for _, en := range g.entities {
			if isPerson(en.Schema) {
				r.DataSubjects[en.ID] = "suspect"
			}
		}
		batch = append(batch, r)
		if entities += len(r.Entities); entities >= importBatchEntities || len(batch) >= importBatchRecords {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
	return total, cpu
}

// percentiles returns p50 and p99 of ds.
func percentiles(ds []time.Duration) (time.Duration, time.Duration) {
	slices.Sort(ds)
	return ds[len(ds)/2], ds[len(ds)*99/100]
}

func benchLookup(t *testing.T, e *env, ctx context.Context) {
	rows, err := e.db.QueryContext(ctx, `SELECT kind, value FROM record_identifiers WHERE kind IN ('passport', 'iban', 'plate', 'phone') LIMIT 200000`)
	if err != nil {
		t.Fatal(err)
	}
	var keys [][2]string
	for rows.Next() {
		var k [2]string
		rows.Scan(&k[0], &k[1])
		keys = append(keys, k)
	}
	rows.Close()
	rng := rand.New(rand.NewPCG(7, 7))
	sc, _, err := e.svc.scope(ctx, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	const q = 2000
	query := make([]time.Duration, 0, q)
	full := make([]time.Duration, 0, q)
	for range q {
		k := keys[rng.IntN(len(keys))]
		start := time.Now()
		hits, err := e.svc.lookup(ctx, sc, k[0], k[1], DefaultLimit)
		query = append(query, time.Since(start))
		if err != nil || len(hits) == 0 {
			t.Fatalf("lookup %v: %d hits, %v", k, len(hits), err)
		}
		start = time.Now()
		if _, err := e.svc.Lookup(ctx, k[0], k[1], DefaultLimit); err != nil {
			t.Fatal(err)
		}
		full = append(full, time.Since(start))
	}
	q50, q99 := percentiles(query)
	f50, f99 := percentiles(full)
	t.Logf("identifier lookup (%d random passport/IBAN/plate/phone values): query p50 %v p99 %v; with audit write p50 %v p99 %v",
		q, q50, q99, f50, f99)
}

func benchSearch(t *testing.T, e *env, ctx context.Context) {
	s := newSynth(99)
	sc, _, err := e.svc.scope(ctx, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	run := func(label string, gen func() string) {
		const q = 500
		query := make([]time.Duration, 0, q)
		full := make([]time.Duration, 0, q)
		matches := 0
		for range q {
			text := gen()
			qq := Query{Text: text, Limit: DefaultLimit}
			where, args, err := qq.where(e.db.Dialect(), sc)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			rows, err := e.svc.summaries(ctx, e.db, sc, `SELECT `+summaryColumns+` FROM records r WHERE `+where+` ORDER BY r.rid DESC LIMIT ?`, append(args, DefaultLimit+1)...)
			query = append(query, time.Since(start))
			if err != nil {
				t.Fatal(err)
			}
			start = time.Now()
			res, err := e.svc.Search(ctx, qq)
			full = append(full, time.Since(start))
			if err != nil {
				t.Fatal(err)
			}
			matches += res.Total
			_ = rows
		}
		q50, q99 := percentiles(query)
		f50, f99 := percentiles(full)
		t.Logf("full-text %s (%d queries, %.0f matches on average): page query p50 %v p99 %v; Search with total and audit p50 %v p99 %v",
			label, q, float64(matches)/q, q50, q99, f50, f99)
	}
	run("full names", func() string { return s.name() })
	run("common surname", func() string { return synthFamily[s.rng.IntN(len(synthFamily))] })
}

// BenchmarkDecodeDraft measures decoding a 100-entity record against a
// plain encoding/json decode of the same bytes (the ratio is reported).
func BenchmarkDecodeDraft(b *testing.B) {
	var buf bytes.Buffer
	newSynth(1).write(&buf, 100)
	var ents []json.RawMessage
	subjects := map[string]string{}
	for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		ents = append(ents, json.RawMessage(l))
		var e ftm.Entity
		if err := json.Unmarshal(l, &e); err == nil && isPerson(e.Schema) {
			subjects[e.ID] = "suspect"
		}
	}
	doc, _ := json.Marshal(map[string]any{"title": "bench", "entities": ents, "dataSubjects": subjects, "envelope": json.RawMessage(validEnvelope)})
	b.SetBytes(int64(len(doc)))
	var base time.Duration
	for b.Loop() {
		start := time.Now()
		var plain struct {
			Title    string
			Entities []ftm.Entity
			Envelope json.RawMessage
		}
		if err := json.Unmarshal(doc, &plain); err != nil {
			b.Fatal(err)
		}
		base += time.Since(start)
		if _, _, err := DecodeDraft(doc, Limits{}, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(base)/float64(b.Elapsed()-base), "ratio")
}
