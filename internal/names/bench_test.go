package names

import (
	"math"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

var benchNames = []string{
	"Сергей Иванов", "Serguei Ivanoff", "Mohammed bin Salman Al Saud", "مُحَمَّد بن سلمان",
	"Γεώργιος Παπαδόπουλος", "José Luis García-Márquez", "Jean-Pierre Müller-Lüdenscheidt", "Војислав Шешељ",
}

// BenchmarkMatchKeys measures deriving all match keys of a name against
// the baseline of only the NFKD normalisation of the same name, the first
// step of Fold. The machine is shared, so the figures use the fastest
// iteration of each. "ratio" is MatchKeys throughput ÷ baseline throughput.
func BenchmarkMatchKeys(b *testing.B) {
	base, keys := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for b.Loop() {
		t0 := time.Now()
		for _, n := range benchNames {
			_ = norm.NFKD.String(n)
		}
		t1 := time.Now()
		for _, n := range benchNames {
			if len(MatchKeys(n, "1970-05-01")) != 3 {
				b.Fatal("missing keys")
			}
		}
		keys = min(keys, time.Since(t1))
		base = min(base, t1.Sub(t0))
	}
	count := float64(len(benchNames))
	b.ReportMetric(count/keys.Seconds(), "names/s")
	b.ReportMetric(count/base.Seconds(), "baseline-nfkd-names/s")
	b.ReportMetric(base.Seconds()/keys.Seconds(), "ratio")
}
