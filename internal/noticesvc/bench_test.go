package noticesvc

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/bench"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/httpx"
)

// benchAlerts is the number of document alerts the benchmarks load:
// LIAISON_BENCH_ALERTS, default 1,000,000.
func benchAlerts(b *testing.B) int {
	n := 1_000_000
	if s := os.Getenv("LIAISON_BENCH_ALERTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("LIAISON_BENCH_ALERTS=%q: want a positive number", s)
		}
		n = v
	}
	return n
}

// benchNumber is the synthetic document number of alert i: 9 characters
// from A–Z and 0–9, issued by one of 24 countries.
func benchNumber(i int) (number, country string) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	countries := [...]string{"AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR",
		"GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT"}
	x := uint64(i)*0x9E3779B97F4A7C15 + 0x1234567
	var b [9]byte
	for k := range b {
		b[k] = alphabet[x%36]
		x /= 36
	}
	return string(b[:]), countries[i%len(countries)]
}

// fillAlerts stores n active own document alerts with multi-row inserts,
// bypassing the service (whose per-alert path is measured elsewhere). The
// indexes on random keys are dropped while filling and built again after,
// which is much faster than inserting into them; start-up reads only the
// table.
func fillAlerts(b *testing.B, d *db.DB, n int) {
	ctx := context.Background()
	var rebuild []string
	for _, m := range Schema.Steps {
		if stmt := d.Dialect().Expand(m.SQL); strings.Contains(stmt, "INDEX alerts_") {
			name := strings.Fields(strings.SplitN(stmt, "INDEX ", 2)[1])[0]
			if _, err := d.ExecContext(ctx, `DROP INDEX `+name); err != nil {
				b.Fatal(err)
			}
			rebuild = append(rebuild, stmt)
		}
	}
	defer func() {
		for _, stmt := range rebuild {
			if _, err := d.ExecContext(ctx, stmt); err != nil {
				b.Fatal(err)
			}
		}
	}()
	const cols = 28
	const perStmt = 1000 // 28,000 parameters: within both engines' limits
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	now := time.Now().UnixMicro()
	for start := 0; start < n; start += 100 * perStmt {
		err := d.Tx(ctx, func(tx *db.Tx) error {
			for s := start; s < min(n, start+100*perStmt); s += perStmt {
				end := min(n, s+perStmt)
				args := make([]any, 0, (end-s)*cols)
				for i := s; i < end; i++ {
					num, cc := benchNumber(i)
					id := fmt.Sprintf("bench-%09d", i)
					key := "D" + cc + num
					args = append(args, id, "XX-BENCH", id, "", "travel-document", "stolen", num, "passport", cc, "", "",
						"", "", "", fmt.Sprintf("%s-%08d", cc, i), key, "", key+"|", "active", int64(1), "", "", "", "", "",
						"bench", now, now)
				}
				q := `INSERT INTO alerts (id, originator, source_id, received_from, kind, status, document_number, document_type,
					country, plate, vin, description, action, contact, reference, key_a, key_b, ident, state, version, scope,
					agencies, region, import_id, held_by, created_by, updated_at, created_at) VALUES ` +
					strings.TrimSuffix(strings.Repeat(row+", ", end-s), ", ")
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkStartup measures rebuilding the lookup index from storage at
// start-up, and the index's memory per alert.
//
//	LIAISON_BENCH_ALERTS=1000000 go test -run='^$' -bench=BenchmarkStartup -benchtime=1x ./internal/noticesvc/
func BenchmarkStartup(b *testing.B) {
	n := benchAlerts(b)
	d := dbtest.Open(b, Schema, audit.Schema)
	t0 := time.Now()
	fillAlerts(b, d, n)
	b.Logf("stored %d alerts in %v (%s)", n, time.Since(t0).Round(time.Millisecond), d.Dialect())
	cfg := Config{Agency: "XX-BENCH", Country: "NL", SnapshotFile: filepath.Join(b.TempDir(), "notices.snap")}
	for b.Loop() {
		before := heapInUse()
		cpu0 := cpuTime()
		s, err := New(context.Background(), cfg, Deps{DB: d, Audit: discardAudit{}, Hasher: testHasher{}, Decider: newDecider(b)})
		if err != nil {
			b.Fatal(err)
		}
		cpu := cpuTime() - cpu0
		st := s.LoadStats()
		perAlert := float64(heapInUse()-before) / float64(n)
		if st.Index.Keys != n {
			b.Fatalf("indexed %d of %d alerts", st.Index.Keys, n)
		}
		b.ReportMetric(st.Duration.Seconds(), "startup-s")
		b.ReportMetric(cpu.Seconds(), "startup-cpu-s")
		b.ReportMetric(float64(n)/st.Duration.Seconds(), "alerts/s")
		b.ReportMetric(perAlert, "heap-B/alert")
		b.Logf("%d alerts: start-up %v wall, %v CPU; heap %.1f B/alert; %s", n, st.Duration.Round(time.Millisecond),
			cpu.Round(time.Millisecond), perAlert, st.Index)

		// A restart from the snapshot written at shutdown.
		t0 := time.Now()
		if err := s.WriteSnapshot(); err != nil {
			b.Fatal(err)
		}
		write := time.Since(t0)
		fi, err := os.Stat(cfg.SnapshotFile)
		if err != nil {
			b.Fatal(err)
		}
		s = nil
		cpu0 = cpuTime()
		s2, err := New(context.Background(), cfg, Deps{DB: d, Audit: discardAudit{}, Hasher: testHasher{}, Decider: newDecider(b)})
		if err != nil {
			b.Fatal(err)
		}
		cpu = cpuTime() - cpu0
		st2 := s2.LoadStats()
		if !st2.FromSnapshot {
			b.Fatal("the restart did not use the snapshot")
		}
		b.ReportMetric(st2.Duration.Seconds(), "restore-s")
		b.ReportMetric(cpu.Seconds(), "restore-cpu-s")
		b.Logf("snapshot: written in %v, %.1f B/alert; restart from it %v wall, %v CPU", write.Round(time.Millisecond),
			float64(fi.Size())/float64(n), st2.Duration.Round(time.Millisecond), cpu.Round(time.Millisecond))
		runtime.KeepAlive(s2)
	}
}

// discardAudit drops events (the start-up benchmark writes none).
type discardAudit struct{}

func (discardAudit) Append(context.Context, *db.Tx, audit.Event) error { return nil }
func (discardAudit) Record(context.Context, audit.Event) error         { return nil }

// staticAuth authenticates every request as one border officer.
type staticAuth struct{ p access.Principal }

func (a staticAuth) Authenticate(*http.Request) (access.Principal, error) { return a.p, nil }

// BenchmarkLookupHTTP drives GET /api/v1/lookup?document=…&country=… with
// 32 concurrent keep-alive HTTPS clients on loopback, in 5 rounds of 2 s per
// target (LIAISON_BENCH_DURATION sets the 2 s), through the
// full stack of a node (authentication, role check, justification, the
// index, the audit event of every lookup committed durably to the real
// audit log), and in the same run a bare net/http TLS handler and a
// handler that answers from the index without the audit write. 1 % of the
// queries hit. It reports lookups per second, p99 and the ratio to bare.
//
//	LIAISON_BENCH_ALERTS=1000000 go test -run='^$' -bench=BenchmarkLookupHTTP -benchtime=1x ./internal/noticesvc/
func BenchmarkLookupHTTP(b *testing.B) {
	n := benchAlerts(b)
	const clients = 32
	rounds := 5
	dur := 2 * time.Second // per target and round
	if s := os.Getenv("LIAISON_BENCH_DURATION"); s != "" {
		v, err := time.ParseDuration(s)
		if err != nil {
			b.Fatal(err)
		}
		dur = v
	}
	d := dbtest.Open(b, Schema, audit.Schema)
	ctx := context.Background()
	seed := make([]byte, ed25519.SeedSize)
	alog, err := audit.Open(ctx, d, audit.Config{Agency: "XX-BENCH", Key: ed25519.NewKeyFromSeed(seed)})
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(ctx, Config{Agency: "XX-BENCH", Country: "NL"}, Deps{DB: d, Audit: alog, Hasher: alog, Decider: newDecider(b)})
	if err != nil {
		b.Fatal(err)
	}
	// The index is filled directly: storage plays no part in a lookup.
	for i := range n {
		num, cc := benchNumber(i)
		in := passport(num, Distribution{})
		in.Country, in.Reference = cc, fmt.Sprintf("%s-%08d", cc, i)
		a := in.core("XX-BENCH")
		if err := s.index.Add(a); err != nil {
			b.Fatal(err)
		}
	}
	s.index.Compact()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	officer := access.Principal{UserID: "u-border", Username: "border", Role: access.Border, Agency: "XX-BENCH", Country: "NL"}
	h, err := api.Handler(api.Config{Log: log, Auth: staticAuth{officer}}, s.Routes())
	if err != nil {
		b.Fatal(err)
	}
	node := httptest.NewTLSServer(httpx.Common(log, h))
	defer node.Close()
	indexOnly := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		_, ok, err := s.index.Document(q.Get("document"), q.Get("country"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"hit":%t,"hits":[]}`+"\n", ok)
	}))
	defer indexOnly.Close()
	miss := []byte(`{"hit":false,"hits":[]}` + "\n")
	bare := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(miss)
	}))
	defer bare.Close()

	pool := x509.NewCertPool()
	pool.AddCert(node.Certificate())
	// drive loads base and returns the load and the process CPU time per
	// request (client and server both run here, equally for every target),
	// which on a shared machine estimates the cost better than throughput.
	drive := func(base string) (bench.Load, time.Duration) {
		hc := bench.Client(&tls.Config{RootCAs: pool}, clients)
		cpu0 := cpuTime()
		l := bench.Drive(ctx, hc, clients, dur, func() *http.Request {
			i := rand.IntN(n)
			num, cc := benchNumber(i)
			if rand.IntN(100) != 0 {
				num = "Z" + num[1:] + "Q" // a miss of the same shape
			}
			r, _ := http.NewRequest(http.MethodGet, base+"/api/v1/lookup?document="+num+"&country="+cc, nil)
			r.Header.Set("Liaison-Justification", "border check")
			return r
		})
		// Drive warms up for dur/5+100ms before the measured dur.
		all := float64(l.Requests) * (1 + (float64(dur)/5+float64(100*time.Millisecond))/float64(dur))
		return l, time.Duration(float64(cpuTime()-cpu0) / all)
	}
	for b.Loop() {
		// Targets alternate in short rounds, so that all three see the
		// same share of the other tenants' load; ratios are medians of
		// the rounds' ratios.
		targets := []struct {
			name, url string
			loads     []bench.Load
			cpu       time.Duration
			requests  int
		}{{name: "node", url: node.URL}, {name: "index only", url: indexOnly.URL}, {name: "bare", url: bare.URL}}
		for round := range rounds {
			for k := range targets {
				tg := &targets[(k+round)%len(targets)]
				l, cpu := drive(tg.url)
				if l.Errors > 0 {
					b.Fatalf("%s: %d errors", tg.name, l.Errors)
				}
				tg.loads = append(tg.loads, l)
				tg.cpu += cpu * time.Duration(l.Requests)
				tg.requests += l.Requests
			}
		}
		ratio := func(a, bb int) float64 {
			var rs []float64
			for i := range targets[a].loads {
				rs = append(rs, targets[a].loads[i].PerSecond/targets[bb].loads[i].PerSecond)
			}
			return median(rs)
		}
		var report strings.Builder
		for _, tg := range targets {
			var rate, p50, p99 []float64
			for _, l := range tg.loads {
				rate, p50, p99 = append(rate, l.PerSecond), append(p50, float64(l.P50)), append(p99, float64(l.P99))
			}
			fmt.Fprintf(&report, "\n  %-10s median of %d rounds: %.0f req/s, p50 %v, p99 %v (rounds' p99: %v–%v); %v CPU per request",
				tg.name, rounds, median(rate), time.Duration(median(p50)).Round(time.Microsecond),
				time.Duration(median(p99)).Round(time.Microsecond), time.Duration(minOf(p99)).Round(time.Microsecond),
				time.Duration(maxOf(p99)).Round(time.Microsecond), (tg.cpu / time.Duration(max(tg.requests, 1))).Round(time.Microsecond))
		}
		nodeP99 := make([]float64, 0, rounds)
		for _, l := range targets[0].loads {
			nodeP99 = append(nodeP99, float64(l.P99.Microseconds()))
		}
		b.ReportMetric(median(nodeP99), "p99-µs")
		b.ReportMetric(ratio(0, 2), "ratio")
		b.ReportMetric(ratio(1, 2), "index-only-ratio")
		nodeCPU := float64(targets[0].cpu) / float64(max(targets[0].requests, 1))
		bareCPU := float64(targets[2].cpu) / float64(max(targets[2].requests, 1))
		b.ReportMetric(bareCPU/nodeCPU, "cpu-ratio")
		b.Logf("%d alerts, %s, %d clients, %d rounds of %v per target:%s", n, d.Dialect(), clients, rounds, dur, report.String())
	}
}

// BenchmarkLookupRoute serves lookups in process (no network, no TLS)
// from 32 goroutines through the full route, the audited write included,
// and reports the CPU time per lookup next to the wall time, which on a
// shared machine says more than the wall time does.
//
//	go test -run='^$' -bench=BenchmarkLookupRoute ./internal/noticesvc/
func BenchmarkLookupRoute(b *testing.B) {
	d := dbtest.Open(b, Schema, audit.Schema)
	ctx := context.Background()
	alog, err := audit.Open(ctx, d, audit.Config{Agency: "XX-BENCH", Key: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))})
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(ctx, Config{Agency: "XX-BENCH", Country: "NL"}, Deps{DB: d, Audit: alog, Hasher: alog, Decider: newDecider(b)})
	if err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	for i := range n {
		num, cc := benchNumber(i)
		in := passport(num, Distribution{})
		in.Country = cc
		if err := s.index.Add(in.core("XX-BENCH")); err != nil {
			b.Fatal(err)
		}
	}
	officer := access.Principal{UserID: "u-border", Username: "border", Role: access.Border, Agency: "XX-BENCH", Country: "NL"}
	h, err := api.Handler(api.Config{Log: slog.New(slog.DiscardHandler), Auth: staticAuth{officer}}, s.Routes())
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(16) // 32 goroutines on 2 cores
	cpu0 := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			num, cc := benchNumber(i % n)
			i += 7919
			r := httptest.NewRequest(http.MethodGet, "/api/v1/lookup?document=Z"+num[1:]+"&country="+cc, nil)
			r.Header.Set("Liaison-Justification", "border check")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Errorf("status %d: %s", w.Code, w.Body)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func minOf(xs []float64) float64 { return slices.Min(xs) }
func maxOf(xs []float64) float64 { return slices.Max(xs) }
