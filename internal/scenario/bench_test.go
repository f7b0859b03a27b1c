package scenario

import (
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
