package witness

import (
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"golang.org/x/mod/sumdb/note"

	"github.com/liaison-project/liaison/internal/audit"
)

// BenchmarkCheck measures what a witness spends on one checkpoint from a
// partner — verifying the signed note and the consistency proof from the
// size it holds (a log of a million events grown by a thousand) — and
// cosigning it, against the baseline of one raw Ed25519 verification in the
// same run. ratio = check-and-cosign time / Ed25519 verify time.
func BenchmarkCheck(b *testing.B) {
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	origin := audit.Origin("DE-BKA")
	tree := testonly.New(rfc6962.DefaultHasher)
	for i := range 1_001_000 {
		tree.AppendData([]byte(fmt.Sprint(i)))
	}
	const from, to = 1_000_000, 1_001_000
	last := seen{size: from, root: tree.HashAt(from)}
	hashes, err := tree.ConsistencyProof(from, to)
	if err != nil {
		b.Fatal(err)
	}
	proofs := []proof{{From: from, Hashes: hashes}}
	body := audit.Checkpoint{Origin: origin, Size: to, Root: tree.HashAt(to)}.Body()
	msg, err := note.Sign(&note.Note{Text: string(body)}, signer(b, origin, key))
	if err != nil {
		b.Fatal(err)
	}
	vkey, err := note.NewEd25519VerifierKey(origin, pub)
	if err != nil {
		b.Fatal(err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		b.Fatal(err)
	}
	cosigner, err := audit.NewCosigner(WitnessName("NL-NCB"), key, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	sig := ed25519.Sign(key, body)

	var base, check time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if !ed25519.Verify(pub, body, sig) {
			b.Fatal("baseline signature")
		}
		base += time.Since(start)
		start = time.Now()
		c, err := openSeen(string(msg), verifier)
		if err != nil {
			b.Fatal(err)
		}
		if v, d := judge(last, true, c, proofs); v != verdictAccept {
			b.Fatal(d)
		}
		n, err := note.Open(msg, note.VerifierList(verifier))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := note.Sign(n, cosigner); err != nil {
			b.Fatal(err)
		}
		check += time.Since(start)
	}
	b.ReportMetric(float64(check.Microseconds())/float64(b.N), "check-µs/op")
	b.ReportMetric(float64(base.Microseconds())/float64(b.N), "verify-µs/op")
	b.ReportMetric(float64(check)/float64(base), "ratio")
}
