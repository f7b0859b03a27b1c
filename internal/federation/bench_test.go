package federation_test

import (
	"context"
	"crypto/ed25519"
	"crypto/hpke"
	"crypto/rand"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/identity"
)

// The benchmarks run two nodes in this process, on loopback, with real
// mutual TLS and durable databases, and compare with the raw crypto
// pipeline measured in the same run. Run each once:
//
//	go test -run='^$' -bench=Federation -benchtime=1x ./internal/federation
//
// LIAISON_BENCH_MESSAGES sets the number of messages of the throughput
// run (default 5,000) and LIAISON_BENCH_CATCHUP the size of the queue of
// the catch-up run (default 10,000; the figure is 100,000).

const benchType = "bench-note"

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchPair starts NL and DE with the production backoff and poll settings
// and a no-op handler for the benchmark type at DE.
func benchPair(b *testing.B) (nl, de *fedtest.Node) {
	b.Helper()
	prod := func(c *federation.Config) {
		c.BackoffMin, c.BackoffMax, c.PollInterval = federation.DefaultBackoffMin, federation.DefaultBackoffMax, federation.DefaultPollInterval
	}
	nl = fedtest.NewNode(b, "NL-NCB", "NL", prod)
	de = fedtest.NewNode(b, "DE-BKA", "DE", prod)
	fedtest.Introduce(b, nl, de)
	noop := func(context.Context, *db.Tx, *federation.Inbound) error { return nil }
	de.Handle(benchType, noop)
	return nl, de
}

// enqueue queues n 1 KiB messages from nl to DE, 500 per transaction.
func enqueue(b *testing.B, nl *fedtest.Node, n int) {
	b.Helper()
	ctx := context.Background()
	payload := make([]byte, 1<<10)
	rand.Read(payload)
	for done := 0; done < n; {
		k := min(500, n-done)
		err := nl.DB.Write(ctx, func(tx *db.Tx) error {
			for range k {
				if _, err := nl.Service().Send(ctx, tx, federation.Outbound{Type: benchType, To: []string{"DE-BKA"},
					Handling: []string{"H0"}, TLP: "TLP:AMBER", Officer: "u-bench", Payload: payload}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += k
	}
}

// queued counts the envelopes still waiting for DE (an index range: cheap
// enough to poll while the nodes work).
func queued(b *testing.B, nl *fedtest.Node) int {
	b.Helper()
	var n int
	if err := nl.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fed_outbox WHERE partner = 'DE-BKA' AND state = ?`,
		federation.DeliveryQueued).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

func waitDelivered(b *testing.B, nl *fedtest.Node, timeout time.Duration) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n := queued(b, nl)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d envelopes not delivered within %v", n, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var failed int
	nl.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fed_outbox WHERE state <> ?`, federation.DeliveryDelivered).Scan(&failed)
	if failed != 0 {
		b.Fatalf("%d envelopes not delivered", failed)
	}
}

// rawPipeline measures the raw crypto of one 1 KiB message on one core:
// Ed25519 sign, HPKE X-Wing seal, HPKE open, Ed25519 verify. It returns
// runs per wall-clock second and the process CPU time per run.
func rawPipeline(b *testing.B, n int) (float64, time.Duration) {
	b.Helper()
	from, err := identity.Generate("NL-NCB", "NL", "raw", nil)
	if err != nil {
		b.Fatal(err)
	}
	to, err := identity.Generate("DE-BKA", "DE", "raw", nil)
	if err != nil {
		b.Fatal(err)
	}
	payload := make([]byte, 1<<10)
	rand.Read(payload)
	pub := from.SigningKey.Public().(ed25519.PublicKey)
	pk := to.HPKEKey.PublicKey()
	start, cpu0 := time.Now(), cpuTime(b)
	for range n {
		sig := ed25519.Sign(from.SigningKey, payload)
		ct, err := hpke.Seal(pk, hpke.HKDFSHA256(), hpke.AES256GCM(), []byte("raw"), payload)
		if err != nil {
			b.Fatal(err)
		}
		pt, err := hpke.Open(to.HPKEKey, hpke.HKDFSHA256(), hpke.AES256GCM(), []byte("raw"), ct)
		if err != nil || !ed25519.Verify(pub, pt, sig) {
			b.Fatal("raw pipeline failed")
		}
	}
	return float64(n) / time.Since(start).Seconds(), (cpuTime(b) - cpu0) / time.Duration(n)
}

// cpuTime is the CPU time (user and system) this process has used. On a
// machine shared with other work, CPU time per message does not depend on
// how much of the CPU the process gets, unlike wall-clock rates.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs f (which delivers n messages) between two raw-pipeline
// measurements and reports the delivery rate, the raw rate and their ratio,
// and the same comparison in CPU time per message (both nodes together
// against one raw pipeline run), which does not depend on the machine's
// load.
func measure(b *testing.B, n int, f func()) time.Duration {
	rawBefore, rawCPUBefore := rawPipeline(b, 1000)
	start, cpu0 := time.Now(), cpuTime(b)
	f()
	took, cpu := time.Since(start), cpuTime(b)-cpu0
	rawAfter, rawCPUAfter := rawPipeline(b, 1000)
	raw, rawCPU := (rawBefore+rawAfter)/2, (rawCPUBefore+rawCPUAfter)/2
	rate, perMsg := float64(n)/took.Seconds(), cpu/time.Duration(n)
	b.ReportMetric(rate, "msg/s")
	b.ReportMetric(raw, "raw-msg/s")
	b.ReportMetric(rate/raw, "ratio")
	b.ReportMetric(float64(perMsg.Microseconds()), "cpu-us/msg")
	b.ReportMetric(float64(rawCPU.Microseconds()), "raw-cpu-us/msg")
	b.ReportMetric(rawCPU.Seconds()/perMsg.Seconds(), "cpu-ratio")
	return took
}

func BenchmarkFederation(b *testing.B) {
	b.Run("throughput-1KiB", benchThroughput)
	b.Run("latency-200mps", benchLatency)
	b.Run("catch-up", benchCatchUp)
}

// benchThroughput: messages queued as fast as the sender takes them, until
// all are delivered and their signed receipts stored; compared with the
// raw crypto pipeline measured just before and after.
func benchThroughput(b *testing.B) {
	n := envInt("LIAISON_BENCH_MESSAGES", 5000)
	for b.Loop() {
		nl, _ := benchPair(b)
		measure(b, n, func() {
			enqueue(b, nl, n)
			waitDelivered(b, nl, 10*time.Minute)
		})
	}
}

// benchLatency: one message every 5 ms, each queued in its own
// transaction as an officer's request would be (concurrently, as officers
// do); the latency is from the start of that transaction to the sender
// storing the signed receipt.
func benchLatency(b *testing.B) {
	const rate, seconds = 200, 10
	for b.Loop() {
		nl, _ := benchPair(b)
		ctx := context.Background()
		payload := make([]byte, 1<<10)
		rand.Read(payload)
		tick := time.NewTicker(time.Second / rate)
		starts := map[string]time.Time{}
		began := time.Now()
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range rate * seconds {
			<-tick.C
			wg.Go(func() { // officers send concurrently
				t0 := time.Now()
				var id uuid.UUID
				err := nl.DB.Write(ctx, func(tx *db.Tx) error {
					var err error
					id, err = nl.Service().Send(ctx, tx, federation.Outbound{Type: benchType, To: []string{"DE-BKA"},
						Handling: []string{"H0"}, TLP: "TLP:AMBER", Payload: payload})
					return err
				})
				if err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				starts[id.String()] = t0
				mu.Unlock()
			})
		}
		wg.Wait()
		tick.Stop()
		b.ReportMetric(float64(rate*seconds)/time.Since(began).Seconds(), "offered-msg/s")
		waitDelivered(b, nl, time.Minute)
		rows, err := nl.DB.QueryContext(ctx, `SELECT message_id, delivered_at FROM fed_outbox`)
		if err != nil {
			b.Fatal(err)
		}
		var lat []time.Duration
		for rows.Next() {
			var id string
			var at int64
			if err := rows.Scan(&id, &at); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.UnixMicro(at).Sub(starts[id]))
		}
		rows.Close()
		slices.Sort(lat)
		p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1e3 }
		b.ReportMetric(p(0.5), "p50-ms")
		b.ReportMetric(p(0.99), "p99-ms")
		b.ReportMetric(p(1), "max-ms")
	}
}

// benchCatchUp: the receiver is down while messages are queued (and
// sealed, which the sender does while it waits); the figure is the time
// from its restart until the last signed receipt is stored.
func benchCatchUp(b *testing.B) {
	n := envInt("LIAISON_BENCH_CATCHUP", 10000)
	for b.Loop() {
		nl, de := benchPair(b)
		de.Stop()
		start := time.Now()
		enqueue(b, nl, n)
		for {
			var unsealed int
			nl.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fed_outbox WHERE partner = 'DE-BKA' AND state = ? AND seal_due = 0`,
				federation.DeliveryQueued).Scan(&unsealed)
			if unsealed == 0 {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		b.ReportMetric(time.Since(start).Seconds(), "queue+seal-s")
		took := measure(b, n, func() {
			de.Start()
			waitDelivered(b, nl, 30*time.Minute)
		})
		b.ReportMetric(took.Seconds(), "catch-up-s")
		fmt.Fprintf(os.Stderr, "catch-up of %d messages: %v\n", n, took)
	}
}
