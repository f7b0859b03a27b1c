package envelope

import (
	"crypto/ed25519"
	"crypto/hpke"
	"crypto/rand"
	"testing"
	"time"
)

// BenchmarkPipeline measures the full envelope path for one recipient
// (Seal, Marshal, Unmarshal, Open, Record; with "receipted" also NewReceipt,
// Marshal, ParseReceipt and Verify) and, interleaved in the same loop, the
// raw crypto it is built on: Ed25519 sign, HPKE seal, HPKE open, Ed25519
// verify of the payload. It reports both rates and their ratio
// (full ÷ raw; 1 would mean the envelope format costs nothing), from the
// mean iteration times and, less sensitive to other load on the machine,
// from the fastest iteration of each ("best-").
func BenchmarkPipeline(b *testing.B) {
	for _, bc := range []struct {
		name      string
		size      int
		receipted bool
	}{
		{"1KiB", 1 << 10, false},
		{"1KiB-receipted", 1 << 10, true},
		{"1MiB", 1 << 20, false},
	} {
		b.Run(bc.name, func(b *testing.B) { benchPipeline(b, bc.size, bc.receipted) })
	}
}

func benchPipeline(b *testing.B, size int, receipted bool) {
	network(b)
	payload := make([]byte, size)
	rand.Read(payload)
	m := msg("")
	m.Payload = payload

	// Raw baseline inputs.
	sk, pub := nl.id.SigningKey, nl.card.PublicKey()
	pk, err := suiteKEM.NewPublicKey(de.card.HPKE.Key)
	if err != nil {
		b.Fatal(err)
	}
	info := []byte("raw baseline")

	to := rcpt(b, de, 0)
	guard := NewMemoryGuard()
	o := opts(guard)
	deKey := de.card.PublicKey()
	var raw, full time.Duration
	bestRaw, bestFull := time.Duration(1<<63-1), time.Duration(1<<63-1)
	b.SetBytes(int64(size))
	seq := uint64(0)
	for b.Loop() {
		seq++
		t0 := time.Now()
		sig := ed25519.Sign(sk, payload)
		ct, err := hpke.Seal(pk, suiteKDF, suiteAEAD, info, payload)
		if err != nil {
			b.Fatal(err)
		}
		pt, err := hpke.Open(de.id.HPKEKey, suiteKDF, suiteAEAD, info, ct)
		if err != nil || !ed25519.Verify(pub, pt, sig) {
			b.Fatal("raw pipeline failed")
		}
		t1 := time.Now()
		to.Seq = seq
		ws, err := Seal(nl.id, m, []Recipient{to}, now)
		if err != nil {
			b.Fatal(err)
		}
		w, err := Unmarshal(ws[0].Marshal(), 0)
		if err != nil {
			b.Fatal(err)
		}
		op, err := Open(w, de.id, now, o)
		if err != nil {
			b.Fatal(err)
		}
		if err := guard.Record(&op.Header); err != nil {
			b.Fatal(err)
		}
		if receipted {
			r, err := NewReceipt(de.id, Delivered, &op.Evidence, "", now)
			if err != nil {
				b.Fatal(err)
			}
			pr, err := ParseReceipt(r.Marshal())
			if err != nil {
				b.Fatal(err)
			}
			if err := pr.Verify(deKey, ws[0]); err != nil {
				b.Fatal(err)
			}
		}
		t2 := time.Now()
		raw += t1.Sub(t0)
		full += t2.Sub(t1)
		bestRaw = min(bestRaw, t1.Sub(t0))
		bestFull = min(bestFull, t2.Sub(t1))
	}
	n := float64(b.N)
	b.ReportMetric(n/full.Seconds(), "msg/s")
	b.ReportMetric(n/raw.Seconds(), "raw-msg/s")
	b.ReportMetric(raw.Seconds()/full.Seconds(), "ratio")
	b.ReportMetric(1/bestFull.Seconds(), "best-msg/s")
	b.ReportMetric(1/bestRaw.Seconds(), "best-raw-msg/s")
	b.ReportMetric(bestRaw.Seconds()/bestFull.Seconds(), "best-ratio")
}
