package scenario

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"testing"
	"time"
)

// discard is a CreateFunc that throws every file away.
func discard(string) (io.WriteCloser, error) { return nopCloser{io.Discard}, nil }

// marshalBaseline measures, in the same run, how many entities per second
// plain json.Marshal encodes, over the entities of a pre-built medium
// scenario (the same mix of schemata the generator emits).
func marshalBaseline(b *testing.B, ents []Entity) float64 {
	b.Helper()
	n := 0
	start := time.Now()
	for time.Since(start) < 2*time.Second {
		for i := range ents {
			if _, err := json.Marshal(&ents[i]); err != nil {
				b.Fatal(err)
			}
		}
		n += len(ents)
	}
	return float64(n) / time.Since(start).Seconds()
}

// benchmarkSize streams a scenario of the given size to io.Discard and
// reports generator throughput in entities per second, the json.Marshal
// baseline, and their ratio.
//
// The machine is shared, so the baseline is measured before and after the
// run and averaged; the ratio is the figure to compare between machines.
func benchmarkSize(b *testing.B, size Size, minEntities int) {
	sc, err := Generate(Options{Seed: 1, Countries: trio, Size: Medium, DocumentAlerts: 1})
	if err != nil {
		b.Fatal(err)
	}
	var ents []Entity
	for _, r := range sc.Records {
		ents = append(ents, r.Entities...)
	}
	before := marshalBaseline(b, ents)
	opts := Options{Seed: 1, Countries: trio, Size: size}
	var entities int
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		m, err := Write(opts, discard)
		if err != nil {
			b.Fatal(err)
		}
		entities = m.Counts.Entities
	}
	elapsed := time.Since(start)
	b.StopTimer()
	baseline := (before + marshalBaseline(b, ents)) / 2
	if entities < minEntities {
		b.Fatalf("%s scenario has %d entities, want at least %d", size, entities, minEntities)
	}
	rate := float64(entities) * float64(b.N) / elapsed.Seconds()
	b.ReportMetric(float64(entities), "entities")
	b.ReportMetric(rate, "entities/s")
	b.ReportMetric(baseline, "marshal-entities/s")
	b.ReportMetric(rate/baseline, "ratio")
}

// BenchmarkWriteLarge: go test -run '^$' -bench WriteLarge -benchtime 1x ./internal/scenario/
func BenchmarkWriteLarge(b *testing.B) { benchmarkSize(b, Large, 1_000_000) }

// BenchmarkWriteMedium is the quick version of BenchmarkWriteLarge.
func BenchmarkWriteMedium(b *testing.B) { benchmarkSize(b, Medium, 2_000) }

// BenchmarkDocumentAlerts10M writes a small scenario with ten million
// document alerts (the alert-lookup benchmarks' data set) to io.Discard
// and reports rows per second against encoding/csv writing a pre-built
// row of the same shape, measured in the same run.
//
//	go test -run '^$' -bench DocumentAlerts10M -benchtime 1x ./internal/scenario/
func BenchmarkDocumentAlerts10M(b *testing.B) {
	const rows = 10_000_000
	row := []string{"NXC3F5K81", "NL", "passport", "stolen", "2024-03-01", "NL-NCB", "NL-NCB-N1234567"}
	csvBaseline := func() float64 {
		w := csv.NewWriter(io.Discard)
		start := time.Now()
		n := 0
		for ; time.Since(start) < time.Second; n += 10_000 {
			for range 10_000 {
				if err := w.Write(row); err != nil {
					b.Fatal(err)
				}
			}
		}
		w.Flush()
		return float64(n) / time.Since(start).Seconds()
	}
	before := csvBaseline()
	opts := Options{Seed: 1, Countries: trio, Size: Small, DocumentAlerts: rows}
	start := time.Now()
	for b.Loop() {
		m, err := Write(opts, discard)
		if err != nil {
			b.Fatal(err)
		}
		if m.Counts.DocumentAlerts != rows {
			b.Fatalf("%d rows, want %d", m.Counts.DocumentAlerts, rows)
		}
	}
	rate := float64(rows) * float64(b.N) / time.Since(start).Seconds()
	b.StopTimer()
	baseline := (before + csvBaseline()) / 2
	b.ReportMetric(rate, "rows/s")
	b.ReportMetric(baseline, "csv-rows/s")
	b.ReportMetric(rate/baseline, "ratio")
}
