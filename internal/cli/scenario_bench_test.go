package cli

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/scenario"
)

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// BenchmarkScenarioGenerate measures what `liaison scenario generate`
// adds to the generator: files on disk and the progress counters. Each
// iteration writes a medium scenario to a fresh directory through the
// command's writer and, as the same-run baseline, streams the same
// scenario to io.Discard with scenario.Write; it reports both rates and
// their ratio.
func BenchmarkScenarioGenerate(b *testing.B) {
	opts := scenario.Options{Seed: 1, Countries: []string{"NL", "DE", "FR"}, Size: scenario.Medium}
	var cmdTime, baseTime time.Duration
	entities := 0
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		m, err := scenario.Write(opts, func(string) (io.WriteCloser, error) { return nopWriteCloser{io.Discard}, nil })
		if err != nil {
			b.Fatal(err)
		}
		baseTime += time.Since(t0)

		dir := filepath.Join(b.TempDir(), strconv.Itoa(i))
		prog := newGenerateProgress(io.Discard)
		t1 := time.Now()
		if _, err := writeScenario(opts, dir, prog); err != nil {
			b.Fatal(err)
		}
		prog.finish()
		cmdTime += time.Since(t1)
		if got := prog.entities.Load(); got != int64(m.Counts.Entities) {
			b.Fatalf("progress counted %d entities, the manifest says %d", got, m.Counts.Entities)
		}
		entities += m.Counts.Entities
		os.RemoveAll(dir)
	}
	cmdRate := float64(entities) / cmdTime.Seconds()
	baseRate := float64(entities) / baseTime.Seconds()
	b.ReportMetric(cmdRate, "entities/s")
	b.ReportMetric(baseRate, "baseline-entities/s")
	b.ReportMetric(cmdRate/baseRate, "ratio")
}
