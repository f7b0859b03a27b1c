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

// stopwatch measures wall-clock and, where available, CPU time.
type stopwatch struct {
	wall    time.Time
	cpu     time.Duration
	haveCPU bool
}

func startWatch() stopwatch {
	cpu, ok := cpuTime()
	return stopwatch{wall: time.Now(), cpu: cpu, haveCPU: ok}
}

// elapsed returns the CPU time spent since start when it is known, else
// the wall-clock time, and which one it is.
func (s stopwatch) elapsed() (time.Duration, string) {
	if cpu, ok := cpuTime(); ok && s.haveCPU {
		return cpu - s.cpu, "cpu"
	}
	return time.Since(s.wall), "wall"
}

// marshalBaseline measures how many entities per second plain json.Marshal
// encodes, over the entities of a pre-built scenario (the mix of schemata
// the generator emits).
func marshalBaseline(b *testing.B, ents []Entity) float64 {
	b.Helper()
	n := 0
	w := startWatch()
	for time.Since(w.wall) < 2*time.Second {
		for i := range ents {
			if _, err := json.Marshal(&ents[i]); err != nil {
				b.Fatal(err)
			}
		}
		n += len(ents)
	}
	d, _ := w.elapsed()
	return float64(n) / d.Seconds()
}

// benchmarkSize streams a scenario of the given size to io.Discard and
// reports generator throughput in entities per second (CPU time where the
// platform reports it, as the machine is shared; wall-clock as well), the
// json.Marshal baseline measured the same way in the same run (before and
// after, averaged), and their ratio, the figure to compare.
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
	w := startWatch()
	for b.Loop() {
		m, err := Write(opts, discard)
		if err != nil {
			b.Fatal(err)
		}
		entities = m.Counts.Entities
	}
	d, clock := w.elapsed()
	wall := time.Since(w.wall)
	b.StopTimer()
	baseline := (before + marshalBaseline(b, ents)) / 2
	if entities < minEntities {
		b.Fatalf("%s scenario has %d entities, want at least %d", size, entities, minEntities)
	}
	total := float64(entities) * float64(b.N)
	rate := total / d.Seconds()
	b.ReportMetric(float64(entities), "entities")
	b.ReportMetric(rate, "entities/"+clock+"-s")
	b.ReportMetric(total/wall.Seconds(), "entities/wall-s")
	b.ReportMetric(baseline, "marshal-entities/"+clock+"-s")
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
		out := csv.NewWriter(io.Discard)
		w := startWatch()
		n := 0
		for ; time.Since(w.wall) < time.Second; n += 10_000 {
			for range 10_000 {
				if err := out.Write(row); err != nil {
					b.Fatal(err)
				}
			}
		}
		out.Flush()
		d, _ := w.elapsed()
		return float64(n) / d.Seconds()
	}
	before := csvBaseline()
	opts := Options{Seed: 1, Countries: trio, Size: Small, DocumentAlerts: rows}
	w := startWatch()
	for b.Loop() {
		m, err := Write(opts, discard)
		if err != nil {
			b.Fatal(err)
		}
		if m.Counts.DocumentAlerts != rows {
			b.Fatalf("%d rows, want %d", m.Counts.DocumentAlerts, rows)
		}
	}
	d, clock := w.elapsed()
	rate := float64(rows) * float64(b.N) / d.Seconds()
	b.StopTimer()
	baseline := (before + csvBaseline()) / 2
	b.ReportMetric(rate, "rows/"+clock+"-s")
	b.ReportMetric(baseline, "csv-rows/"+clock+"-s")
	b.ReportMetric(rate/baseline, "ratio")
}
