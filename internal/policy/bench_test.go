package policy

import (
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
)

// The benchmarks report each decision's cost as a ratio to a naive access
// check measured in the same run on the same inputs, in interleaved chunks
// so that load from other processes affects both alike. The naive check is
// what a system without a policy envelope would do: a map lookup (of the
// role, or of the partner) and the review date compared with now. The ratio
// is the price of the envelope.
var (
	sinkBool      bool
	sinkDecision  Decision
	naiveRoles    = map[access.Role]bool{access.SPOC: true, access.Investigator: true, access.Analyst: true, access.Prosecutor: true, access.DPO: true}
	naivePartners = map[string]bool{"BE-FP": true, "DE-BKA": true, "FR-DCPJ": true}
)

func naiveRead(p access.Principal, holder string, env *Envelope, now time.Time) bool {
	return naiveRoles[p.Role] && !p.Partner && p.Agency == holder && now.Before(env.ReviewDate)
}

func naiveDisclose(to Partner, env *Envelope, now time.Time) bool {
	return naivePartners[to.Agency] && now.Before(env.ReviewDate)
}

// benchEnvelope is a realistic copy: H0|H2|H3 with three rules, TLP:RED to
// three agencies, two onward grants.
func benchEnvelope() Envelope {
	return with(received(), tlp(TLPRed, "BE-FP", "DE-BKA", "FR-DCPJ"), grants("ES-CNP", "FR-DCPJ"),
		rules("not-to-country:RU", "not-to-agency:BY-MVD", "case-only:EU/JIT/1"))
}

// benchRatio times b.N calls of decision (the benchmark's ns/op) and b.N
// calls of baseline, alternating in chunks, and reports the baseline's
// ns/op, the ratio and the decisions per second.
func benchRatio(b *testing.B, decision, baseline func()) {
	const chunk = 512
	var base time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += chunk {
		n := min(chunk, b.N-done)
		for range n {
			decision()
		}
		b.StopTimer()
		start := time.Now()
		for range n {
			baseline()
		}
		base += time.Since(start)
		b.StartTimer()
	}
	b.StopTimer()
	elapsed := b.Elapsed()
	b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "baseline-ns/op")
	b.ReportMetric(float64(elapsed)/float64(base), "x-baseline")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "decisions/s")
}

func BenchmarkCanRead(b *testing.B) {
	d := decider(b)
	p := officer("DE-BKA", "DE", access.Analyst)
	env := benchEnvelope()
	if !d.CanReadInCase(p, "DE-BKA", env, "EU/JIT/1", now).Allowed {
		b.Fatal("benchmark read is denied")
	}
	benchRatio(b,
		func() { sinkDecision = d.CanReadInCase(p, "DE-BKA", env, "EU/JIT/1", now) },
		func() { sinkBool = naiveRead(p, "DE-BKA", &env, now) })
}

func BenchmarkCanDisclose(b *testing.B) {
	d := decider(b)
	env := benchEnvelope()
	if !d.CanDiscloseInCase("DE-BKA", env, dcpj, PurposeCriminalInvestigation, "EU/JIT/1", now).Allowed {
		b.Fatal("benchmark disclosure is denied")
	}
	benchRatio(b,
		func() {
			sinkDecision = d.CanDiscloseInCase("DE-BKA", env, dcpj, PurposeCriminalInvestigation, "EU/JIT/1", now)
		},
		func() { sinkBool = naiveDisclose(dcpj, &env, now) })
}

func BenchmarkCanMatch(b *testing.B) {
	d := decider(b)
	env := with(received(), grants("FR-DCPJ"), rules("not-to-country:RU"))
	if !d.CanMatch(env, dcpj, now).Allowed {
		b.Fatal("benchmark match is denied")
	}
	benchRatio(b,
		func() { sinkDecision = d.CanMatch(env, dcpj, now) },
		func() { sinkBool = naiveDisclose(dcpj, &env, now) })
}

// BenchmarkReadScopeFilter filters a page of 1,000 mixed records with one
// scope, as a search does; an operation is one record.
func BenchmarkReadScopeFilter(b *testing.B) {
	d := decider(b)
	p := officer("DE-BKA", "DE", access.Analyst)
	page := make([]Envelope, 1000)
	for i := range page {
		switch i % 4 {
		case 0:
			page[i] = with(original(), func(e *Envelope) { e.Originator, e.OriginatorCountry = "DE-BKA", "DE" })
		case 1:
			page[i] = received()
		case 2:
			page[i] = benchEnvelope()
		case 3:
			page[i] = with(received(), expiredAt)
		}
	}
	scope := d.ReadScope(p, "DE-BKA", "EU/JIT/1", now)
	i, j := 0, 0
	benchRatio(b,
		func() { sinkBool = scope.Allows(page[i%len(page)]); i++ },
		func() { sinkBool = naiveRead(p, "DE-BKA", &page[j%len(page)], now); j++ })
}
