package matchsvc

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cloudflare/circl/oprf"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/match/budget"
	"github.com/liaison-project/liaison/internal/policy"
)

// BenchmarkOnlineQuery measures an officer's online query of one passport
// end to end on loopback: two nodes with their own databases, the sweep
// guard, blinding, the mutual-TLS round trip to the holder (decode, budget,
// evaluation with proof, usage and audit written and committed, encode),
// proof verification, lookup in the cached table, and the querier's audit
// event committed. Against it, in the same run and interleaved query by
// query, the raw circl POPRF work of one query: client Blind, server
// Evaluate (with proof), client Finalize (with verification).
//
// Reported: p50 and p99 latency of both; "ratio", the median over the
// interleaved pairs of raw time / our time; and the process CPU time per
// query of both (both nodes run in this process, so ours counts the
// querier's and the holder's work), which the shared machine's load
// skews far less than wall time. Figures and the command
// are in docs/benchmarks/match-service.md.
func BenchmarkOnlineQuery(b *testing.B) {
	monitor := budget.MonitorConfig{BurstFactor: 10, BurstMin: 1 << 30, HitRateMax: 1, HitRateMinEvals: 1 << 30, CaseFanout: 1 << 20}
	quiet := func(c *Config) { c.Monitor = &monitor; c.TableMaxAge = time.Hour }
	nl := newNode(b, "NL-NCB", "NL", quiet)
	de := newNode(b, "DE-BKA", "DE", quiet)
	fedtest.Introduce(b, nl.Node, de.Node)
	var ents []ftm.Entity
	for i := range 1000 {
		ents = append(ents, ent("v"+strconv.Itoa(i), "Vehicle", "registrationNumber", "BENCH"+strconv.Itoa(i)))
	}
	nl.create(b, policy.Envelope{}, ents...)
	nl.sync(b)
	de.sync(b)
	ctx := de.officer(access.Investigator)
	if _, err := de.svc.Query(ctx, QueryRequest{Type: "plate", Values: []string{"BENCH1"}}); err != nil {
		b.Fatal(err) // also fetches the table
	}

	suite := oprf.SuiteRistretto255
	sk, err := oprf.GenerateKey(suite, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	server := oprf.NewPartialObliviousServer(suite, sk)
	client := oprf.NewPartialObliviousClient(suite, sk.Public())
	info := []byte("liaison-match bench info")

	var ours, raw []time.Duration
	var ratios []float64
	var oursCPU, rawCPU time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		v := randomPlate()
		cpu0, start := cpuTime(), time.Now()
		fin, req, err := client.Blind([][]byte{[]byte("plate\x00" + v)})
		if err != nil {
			b.Fatal(err)
		}
		ev, err := server.Evaluate(req, info)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := client.Finalize(fin, ev, info); err != nil {
			b.Fatal(err)
		}
		r := time.Since(start)
		cpu1 := cpuTime()

		start = time.Now()
		res, err := de.svc.Query(ctx, QueryRequest{Type: "plate", Values: []string{v}})
		if err != nil {
			b.Fatal(err)
		}
		o := time.Since(start)
		cpu2 := cpuTime()
		rawCPU += cpu1 - cpu0
		oursCPU += cpu2 - cpu1
		if res.Partners[0].Status != StatusNoHit {
			b.Fatalf("query %s: %+v", v, res.Partners[0])
		}
		raw, ours = append(raw, r), append(ours, o)
		ratios = append(ratios, r.Seconds()/o.Seconds())
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(quantile(ours, 0.50)), "p50-ms")
	b.ReportMetric(ms(quantile(ours, 0.99)), "p99-ms")
	b.ReportMetric(ms(quantile(raw, 0.50)), "raw-p50-ms")
	b.ReportMetric(ms(quantile(raw, 0.99)), "raw-p99-ms")
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "ratio")
	n := float64(len(ours))
	b.ReportMetric(ms(oursCPU)/n, "cpu-ms/query")
	b.ReportMetric(ms(rawCPU)/n, "raw-cpu-ms/query")
	if oursCPU > 0 {
		b.ReportMetric(rawCPU.Seconds()/oursCPU.Seconds(), "cpu-ratio")
	}
}

func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// randomPlate is a plate no sweep guard sees as a neighbour of another.
func randomPlate() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "Q" + hex.EncodeToString(b)
}
