package lookup

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/notice/alertcsv"
)

// The border-lookup benchmark: N document alerts (default 10 million, or
// LIAISON_BENCH_ALERTS), looked up through the public API against a plain
// map[string]uint32 holding the same normalised keys, in the same run.
//
//	go test -run='^$' -bench=BenchmarkDocuments -benchtime=2s ./internal/notice/lookup/
//
// It needs about 3 GiB of memory at 10 million alerts and runs only under
// -bench.

var benchCountries = []string{"FR", "DE", "IT", "ES", "NL", "BE", "PL", "RO", "GR", "PT", "SE", "AT", "US", "GB", "TR", "RU", "UA", "MA", "NG", "BR", "CN", "IN", "JP", "AU"}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// synthDoc returns the i-th synthetic document number and country; salt 0
// gives indexed documents, other salts documents that are (almost surely)
// not indexed.
func synthDoc(i int, salt uint64) (number, country string) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	h := splitmix(uint64(i) ^ salt<<40)
	var b [9]byte
	for j := range b {
		b[j] = alphabet[h%36]
		h /= 36
	}
	return string(b[:]), benchCountries[splitmix(h)%uint64(len(benchCountries))]
}

func synthAlert(i int) notice.Alert {
	number, country := synthDoc(i, 0)
	return notice.Alert{Kind: notice.TravelDocument, DocumentNumber: number, Country: country,
		Status: notice.Stolen, DocumentType: notice.Passport, Originator: country + "-NCB",
		Reference: fmt.Sprintf("%s-%08d", country, i)} // a realistic case reference, stored per alert
}

type benchQuery struct{ number, country, key string }

type docBench struct {
	n             int
	index         *Index
	baseline      map[string]uint32
	indexBytes    float64 // heap bytes per alert
	baselineBytes float64
	load          time.Duration
	hits, misses  []benchQuery
}

var (
	docBenchOnce sync.Once
	docBenchData *docBench
)

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func benchAlerts(b *testing.B) int {
	n := 10_000_000
	if s := os.Getenv("LIAISON_BENCH_ALERTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1000 {
			b.Fatalf("LIAISON_BENCH_ALERTS=%q: want an integer ≥ 1000", s)
		}
		n = v
	}
	return n
}

// buildIndex builds an index of the first n synthetic alerts and reports
// the time taken and the heap bytes it holds per alert.
func buildIndex(tb testing.TB, n int) (x *Index, load time.Duration, bytesPerAlert float64) {
	x, load, _, bytesPerAlert = buildIndexCPU(tb, n)
	return x, load, bytesPerAlert
}

// buildIndexCPU is buildIndex that also reports the CPU time of the load.
func buildIndexCPU(tb testing.TB, n int) (x *Index, load, cpu time.Duration, bytesPerAlert float64) {
	before := heapAfterGC()
	cpuStart := cpuTime()
	start := time.Now()
	x = New(Options{ExpectedAlerts: n})
	for i := range n {
		if err := x.Add(synthAlert(i)); err != nil {
			tb.Fatal(err)
		}
	}
	x.Compact()
	load = time.Since(start)
	cpu = cpuTime() - cpuStart
	return x, load, cpu, float64(heapAfterGC()-before) / float64(n)
}

// buildDocBench builds the index, the baseline map and the queries once
// per process.
func buildDocBench(b *testing.B) *docBench {
	docBenchOnce.Do(func() {
		d := &docBench{n: benchAlerts(b)}
		d.index, d.load, d.indexBytes = buildIndex(b, d.n)

		before := heapAfterGC()
		m := make(map[string]uint32, d.n)
		for i := range d.n {
			number, country := synthDoc(i, 0)
			m["D"+country+number] = uint32(i)
		}
		d.baseline = m
		d.baselineBytes = float64(heapAfterGC()-before) / float64(d.n)

		const queries = 1 << 20
		for i := range queries {
			number, country := synthDoc(int(splitmix(uint64(i))%uint64(d.n)), 0)
			d.hits = append(d.hits, benchQuery{number, country, "D" + country + number})
			number, country = synthDoc(i, 1)
			if _, taken := m["D"+country+number]; !taken {
				d.misses = append(d.misses, benchQuery{number, country, "D" + country + number})
			}
		}
		docBenchData = d
	})
	if docBenchData == nil {
		b.Fatal("setup failed")
	}
	return docBenchData
}

// BenchmarkDocumentsLoad builds an index of N document alerts per
// iteration and reports the load time and heap bytes per alert.
func BenchmarkDocumentsLoad(b *testing.B) {
	n := benchAlerts(b)
	for range b.N {
		x, load, cpu, perAlert := buildIndexCPU(b, n)
		b.ReportMetric(load.Seconds(), "load-s")
		b.ReportMetric(cpu.Seconds(), "load-cpu-s")
		b.ReportMetric(perAlert, "index-B/alert")
		b.Logf("%d alerts: load %v, %.1f B/alert; %v", n, load, perAlert, x.Stats())
	}
}

// BenchmarkDocumentsSnapshot measures restarting from a snapshot: reading
// back N alerts written by WriteSnapshot (held in memory, so disk speed is
// not part of the figure).
func BenchmarkDocumentsSnapshot(b *testing.B) {
	n := benchAlerts(b)
	x, _, _ := buildIndex(b, n)
	var buf bytes.Buffer
	start := time.Now()
	if err := x.WriteSnapshot(&buf); err != nil {
		b.Fatal(err)
	}
	write := time.Since(start)
	x = nil
	data := buf.Bytes()
	b.ResetTimer()
	for range b.N {
		cpuStart := cpuTime()
		start := time.Now()
		y, err := ReadSnapshot(bytes.NewReader(data), Options{ExpectedAlerts: n})
		if err != nil || y.Len() != n {
			b.Fatalf("restored %v: %v", y, err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "restore-s")
		b.ReportMetric((cpuTime() - cpuStart).Seconds(), "restore-cpu-s")
	}
	b.ReportMetric(write.Seconds(), "write-s")
	b.ReportMetric(float64(len(data))/float64(n), "snapshot-B/alert")
}

// BenchmarkDocuments looks up N document alerts, hits and misses, through
// the public API (which normalises number and country) and, interleaved in
// blocks so that load on a shared machine affects both alike, looks up the
// already normalised keys in a plain map[string]uint32. "ratio" is the
// index's throughput divided by the map's. It also reports the map's heap
// bytes per alert for comparison with BenchmarkDocumentsLoad.
func BenchmarkDocuments(b *testing.B) {
	d := buildDocBench(b)
	for _, c := range []struct {
		name    string
		queries []benchQuery
		want    bool
	}{{"miss", d.misses, false}, {"hit", d.hits, true}} {
		b.Run(c.name, func(b *testing.B) {
			qs := c.queries
			const block = 4096
			var indexDur, mapDur time.Duration
			found := 0
			b.ResetTimer()
			for done := 0; done < b.N; done += block {
				end := min(done+block, b.N)
				start := time.Now()
				for i := done; i < end; i++ {
					q := qs[i%len(qs)]
					if _, ok, err := d.index.Document(q.number, q.country); ok != c.want || err != nil {
						b.Fatalf("%+v: ok %v err %v", q, ok, err)
					}
				}
				indexDur += time.Since(start)
				start = time.Now()
				for i := done; i < end; i++ {
					if _, ok := d.baseline[qs[i%len(qs)].key]; ok {
						found++
					}
				}
				mapDur += time.Since(start)
			}
			b.StopTimer()
			if (found == b.N) != c.want {
				b.Fatalf("baseline found %d of %d", found, b.N)
			}
			indexRate := float64(b.N) / indexDur.Seconds()
			mapRate := float64(b.N) / mapDur.Seconds()
			b.ReportMetric(indexRate, "lookups/s")
			b.ReportMetric(mapRate, "map-lookups/s")
			b.ReportMetric(indexRate/mapRate, "ratio")
			b.ReportMetric(d.baselineBytes, "map-B/alert")
		})
	}
}

// BenchmarkDocumentsParallel is BenchmarkDocuments/miss with every core
// looking up at once (readers share the index's read lock), against the map
// read by as many goroutines. Index and map alternate in rounds of a block
// of lookups per goroutine.
func BenchmarkDocumentsParallel(b *testing.B) {
	d := buildDocBench(b)
	par := runtime.GOMAXPROCS(0)
	const block = 1 << 14
	round := func(base int, lookup func(q benchQuery)) time.Duration {
		var wg sync.WaitGroup
		start := time.Now()
		for g := range par {
			wg.Go(func() {
				for i := range block {
					lookup(d.misses[(base+g*block+i)%len(d.misses)])
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	var indexDur, mapDur time.Duration
	ops := 0
	b.ResetTimer()
	for base := 0; ops < b.N; base += par * block {
		indexDur += round(base, func(q benchQuery) {
			if _, ok, err := d.index.Document(q.number, q.country); ok || err != nil {
				panic(fmt.Sprintf("%+v: ok %v err %v", q, ok, err))
			}
		})
		mapDur += round(base, func(q benchQuery) {
			if _, ok := d.baseline[q.key]; ok {
				panic("baseline hit")
			}
		})
		ops += par * block
	}
	b.StopTimer()
	indexRate := float64(ops) / indexDur.Seconds()
	mapRate := float64(ops) / mapDur.Seconds()
	b.ReportMetric(indexRate, "lookups/s")
	b.ReportMetric(mapRate, "map-lookups/s")
	b.ReportMetric(indexRate/mapRate, "ratio")
}

// BenchmarkDocumentsStartupCSV measures start-up from a bulk CSV file: N
// rows parsed, normalised and indexed, streamed so the file is never held
// in memory.
func BenchmarkDocumentsStartupCSV(b *testing.B) {
	n := benchAlerts(b)
	for range b.N {
		pr, pw := io.Pipe()
		go func() {
			w := bufio.NewWriterSize(pw, 1<<16)
			fmt.Fprintln(w, "document_number,country,type,status,reference")
			for i := range n {
				number, country := synthDoc(i, 0)
				fmt.Fprintf(w, "%s,%s,passport,stolen,%s-%08d\n", number, country, country, i)
			}
			w.Flush()
			pw.Close()
		}()
		cpuStart := cpuTime()
		start := time.Now()
		x := New(Options{ExpectedAlerts: n})
		sum, err := alertcsv.Read(pr, alertcsv.Options{Originator: "XX-NCB"}, func(_ int, a notice.Alert) error { return x.Add(a) })
		if err != nil || sum.Records != n {
			b.Fatalf("%d records: %v", sum.Records, err)
		}
		x.Compact()
		b.ReportMetric(time.Since(start).Seconds(), "startup-s")
		b.ReportMetric((cpuTime() - cpuStart).Seconds(), "startup-cpu-s") // includes the goroutine writing the CSV
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
	}
}

// TestIndexMemoryPerAlert keeps the memory goal (≤ 100 bytes per alert) from
// regressing, at a size small enough for every test run.
func TestIndexMemoryPerAlert(t *testing.T) {
	const n = 200_000
	x, _, perAlert := buildIndex(t, n)
	if perAlert > 100 {
		t.Errorf("%.1f bytes per alert, goal ≤ 100 (%v)", perAlert, x.Stats())
	}
	number, country := synthDoc(n-1, 0)
	if _, ok, err := x.Document(number, country); !ok || err != nil {
		t.Fatalf("last alert not found: %v", err)
	}
}
