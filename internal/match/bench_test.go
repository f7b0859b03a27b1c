package match_test

import (
	"bytes"
	"crypto/rand"
	"flag"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudflare/circl/oprf"

	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/match/budget"
)

// Benchmarks measure this package against raw circl doing the same OPRF
// work in the same run, interleaved operation by operation so that load
// from other processes hits both alike. Throughputs are totals over the
// run; "ratio" is the median over the interleaved pairs of raw time / our
// time, which a preemption hitting one side of one pair cannot move.
// Figures and commands are in docs/benchmarks/match.md.

// pairs collects interleaved (raw, ours) timings.
type pairs struct {
	mu        sync.Mutex
	raw, ours time.Duration
	ratios    []float64
}

func (p *pairs) add(raw, ours time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.raw += raw
	p.ours += ours
	p.ratios = append(p.ratios, raw.Seconds()/ours.Seconds())
}

func (p *pairs) medianRatio() float64 {
	slices.Sort(p.ratios)
	return p.ratios[len(p.ratios)/2]
}

var (
	bulkQueries = flag.Int("match.bulk-queries", 100_000, "queries in BenchmarkBulk")
	bulkIndex   = flag.Int("match.bulk-index", 1_000_000, "table entries in BenchmarkBulk")
)

var (
	t0    = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock = func() time.Time { return t0.Add(time.Hour) }
	meta  = match.Meta{Purpose: "border-check", Case: "DE-2026-17"}
)

type bench struct {
	holder *match.Holder
	key    *match.EpochKey
	ann    match.Announcement
	view   *match.View
	q      *match.Querier
	meter  *budget.Meter
	sk     *oprf.PrivateKey // the same key, for the raw baseline
}

func newBench(b *testing.B) *bench {
	b.Helper()
	h, err := match.NewHolder("NL-NCB", clock)
	if err != nil {
		b.Fatal(err)
	}
	k, err := match.GenerateEpochKey(1, t0, t0.Add(30*24*time.Hour), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	if err := h.AddEpoch(k); err != nil {
		b.Fatal(err)
	}
	ann, _ := k.Announcement("NL-NCB")
	v, err := h.NewView("DE-BKA", 1)
	if err != nil {
		b.Fatal(err)
	}
	q, _ := match.NewQuerier("DE-BKA", clock)
	unlimited := budget.Limits{PerCase: 1 << 40, PerPartner: 1 << 40}
	meter, err := budget.NewMeter(budget.Config{
		Default:        map[match.Type]budget.Limits{match.Passport: unlimited, match.Phone: unlimited},
		MaxCasesPerDay: 10,
	}, clock)
	if err != nil {
		b.Fatal(err)
	}
	// The raw baseline gets its own random key: cost does not depend on
	// which scalar it is.
	sk, err := oprf.GenerateKey(oprf.SuiteRistretto255, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	return &bench{holder: h, key: k, ann: ann, view: v, q: q, meter: meter, sk: sk}
}

func values(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%09d", prefix, i)
	}
	return out
}

func rawInputs(vals []string) [][]byte {
	in := make([][]byte, len(vals))
	for i, v := range vals {
		in[i] = append([]byte("phone\x00"), v...)
	}
	return in
}

// BenchmarkHolderEvaluate: the holder's whole request path (decode the
// request, charge the budget, evaluate with proof, encode the response)
// against circl's PartialObliviousServer.Evaluate on already-decoded
// elements, per core. For context it also times circl's base-mode
// (non-verifiable) Evaluate of the same batch, which shows what the proof
// costs.
func BenchmarkHolderEvaluate(b *testing.B) {
	for _, n := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			s := newBench(b)
			p, err := s.q.Query(s.ann, match.Phone, values("+49151", n), meta)
			if err != nil {
				b.Fatal(err)
			}
			reqBytes, err := p.Request().MarshalBinary()
			if err != nil {
				b.Fatal(err)
			}
			rawServer := oprf.NewPartialObliviousServer(oprf.SuiteRistretto255, s.sk)
			rawClient := oprf.NewPartialObliviousClient(oprf.SuiteRistretto255, s.sk.Public())
			_, rawReq, err := rawClient.Blind(rawInputs(values("+49151", n)))
			if err != nil {
				b.Fatal(err)
			}
			baseServer := oprf.NewServer(oprf.SuiteRistretto255, s.sk)
			info := []byte("liaison-match\x01\x06NL-NCB\x06DE-BKA\x03\x00\x00\x00\x01")

			var t pairs
			var base time.Duration
			for b.Loop() {
				start := time.Now()
				if _, err := rawServer.Evaluate(rawReq, info); err != nil {
					b.Fatal(err)
				}
				mid := time.Now()
				req, err := match.ParseEvalRequest(reqBytes)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.meter.Charge("DE-BKA", req.Type, req.Case, req.Len()); err != nil {
					b.Fatal(err)
				}
				resp, err := s.holder.Evaluate("DE-BKA", req)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := resp.MarshalBinary(); err != nil {
					b.Fatal(err)
				}
				end := time.Now()
				if _, err := baseServer.Evaluate(rawReq); err != nil {
					b.Fatal(err)
				}
				base += time.Since(end)
				t.add(mid.Sub(start), end.Sub(mid))
			}
			evals := float64(b.N * n)
			b.ReportMetric(evals/t.ours.Seconds(), "holder-evals/s")
			b.ReportMetric(evals/t.raw.Seconds(), "raw-evals/s")
			b.ReportMetric(evals/base.Seconds(), "raw-base-evals/s")
			b.ReportMetric(t.medianRatio(), "ratio")
		})
	}
}

// BenchmarkIndexBuild: View.Add (FullEvaluate, tag, reference, seal,
// insert) against circl's FullEvaluate alone, per core.
func BenchmarkIndexBuild(b *testing.B) {
	s := newBench(b)
	rawServer := oprf.NewPartialObliviousServer(oprf.SuiteRistretto255, s.sk)
	info := []byte("liaison-match\x01\x06NL-NCB\x06DE-BKA\x01\x00\x00\x00\x01")
	var t pairs
	i := 0
	for b.Loop() {
		v := fmt.Sprintf("P%09d", i)
		i++
		start := time.Now()
		if _, err := rawServer.FullEvaluate([]byte("passport\x00"+v), info); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if _, err := s.view.Add(match.Key{Type: match.Passport, Value: v}); err != nil {
			b.Fatal(err)
		}
		t.add(mid.Sub(start), time.Since(mid))
	}
	b.ReportMetric(float64(b.N)/t.ours.Seconds(), "adds/s")
	b.ReportMetric(float64(b.N)/t.raw.Seconds(), "raw-full-evals/s")
	b.ReportMetric(t.medianRatio(), "ratio")
}

// BenchmarkBulk: a bulk run of -match.bulk-queries phone numbers (1% of
// them present) against a table of -match.bulk-index entries, on as many
// workers as GOMAXPROCS, every batch going through the wire encodings and
// the budget; against circl's Blind, Evaluate and Finalize on the same
// batches. Each worker alternates one raw batch and one of ours. The table
// holds the real entries of the 1% plus random entries up to its size,
// which cost a lookup exactly what real ones do (they are what padding
// dummies are). Run with -benchtime=1x.
func BenchmarkBulk(b *testing.B) {
	s := newBench(b)
	nq, nidx := *bulkQueries, *bulkIndex
	vals := values("+49151", nq)
	hits := 0
	for i := 0; i < nq; i += 100 {
		if _, err := s.view.Add(match.Key{Type: match.Phone, Value: vals[i]}); err != nil {
			b.Fatal(err)
		}
		hits++
	}
	if _, err := s.view.Publish(rand.Reader); err != nil {
		b.Fatal(err)
	}
	snap := s.view.Snapshot()
	table, err := match.NewTable(fillSnapshot(b, snap, nidx))
	if err != nil {
		b.Fatal(err)
	}
	rawServer := oprf.NewPartialObliviousServer(oprf.SuiteRistretto255, s.sk)
	rawClient := oprf.NewPartialObliviousClient(oprf.SuiteRistretto255, s.sk.Public())
	info := []byte("liaison-match\x01\x06NL-NCB\x06DE-BKA\x03\x00\x00\x00\x01")
	inputs := rawInputs(vals)
	workers := runtime.GOMAXPROCS(0)

	for b.Loop() {
		bulk, err := s.q.NewBulk(s.ann, table, match.Phone, vals, meta, match.DefaultBulkBatch, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		var t pairs
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range workers {
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= bulk.Batches() {
						return
					}
					lo, hi := i*match.DefaultBulkBatch, min((i+1)*match.DefaultBulkBatch, nq)
					t1 := time.Now()
					fin, req, err := rawClient.Blind(inputs[lo:hi])
					if err != nil {
						b.Error(err)
						return
					}
					ev, err := rawServer.Evaluate(req, info)
					if err != nil {
						b.Error(err)
						return
					}
					if _, err := rawClient.Finalize(fin, ev, info); err != nil {
						b.Error(err)
						return
					}
					t2 := time.Now()
					if err := ourBatch(s, bulk, i); err != nil {
						b.Error(err)
						return
					}
					t.add(t2.Sub(t1), time.Since(t2))
				}
			})
		}
		wg.Wait()
		wall := time.Since(start)
		if got := len(bulk.Hits()); got != hits || !bulk.Done() {
			b.Fatalf("%d hits, want %d; done %v", got, hits, bulk.Done())
		}
		// Each worker spent its share of the wall time on each side, so
		// the summed durations over workers give each side's wall time.
		oursWall := t.ours / time.Duration(workers)
		rawWall := t.raw / time.Duration(workers)
		b.ReportMetric(oursWall.Seconds(), "bulk-s")
		b.ReportMetric(rawWall.Seconds(), "raw-s")
		b.ReportMetric(float64(nq)/oursWall.Seconds(), "queries/s")
		b.ReportMetric(float64(t.ours+t.raw)/float64(wall)/float64(workers), "busy")
		b.ReportMetric(t.medianRatio(), "ratio")
		b.ReportMetric(float64(table.Len()), "table-entries")
		b.ReportMetric(float64(workers), "workers")
	}
}

func ourBatch(s *bench, bulk *match.Bulk, i int) error {
	p, err := bulk.Prepare(i)
	if err != nil {
		return err
	}
	reqBytes, err := p.Request().MarshalBinary()
	if err != nil {
		return err
	}
	req, err := match.ParseEvalRequest(reqBytes)
	if err != nil {
		return err
	}
	if err := s.meter.Charge("DE-BKA", req.Type, req.Case, req.Len()); err != nil {
		return err
	}
	resp, err := s.holder.Evaluate("DE-BKA", req)
	if err != nil {
		return err
	}
	respBytes, err := resp.MarshalBinary()
	if err != nil {
		return err
	}
	resp, err = match.ParseEvalResponse(respBytes)
	if err != nil {
		return err
	}
	return bulk.Complete(p, resp)
}

// fillSnapshot adds random entries to snap until it holds n.
func fillSnapshot(b *testing.B, snap *match.Snapshot, n int) *match.Snapshot {
	b.Helper()
	seen := make(map[match.Tag]bool, n)
	for _, e := range snap.Entries {
		seen[e.Tag] = true
	}
	for len(snap.Entries) < n {
		var e match.Entry
		rand.Read(e.Tag[:])
		rand.Read(e.Sealed[:])
		if !seen[e.Tag] {
			seen[e.Tag] = true
			snap.Entries = append(snap.Entries, e)
		}
	}
	sortSnapshot(snap)
	return snap
}

func sortSnapshot(s *match.Snapshot) {
	slices.SortFunc(s.Entries, func(a, b match.Entry) int { return bytes.Compare(a.Tag[:], b.Tag[:]) })
}
