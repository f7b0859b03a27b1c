package matchsvc

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/policy"
)

// Keys rotate per epoch: the querier keeps using the previous epoch's
// table during the grace period, moves to the new one when the old
// expires, and the holder destroys the expired key. A restarted holder
// rebuilds the same references under a new generation.
func TestEpochRotationAndRestart(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA")
	nl, de := ns[0], ns[1]
	nl.create(t, policy.Envelope{}, ent("p1", "Person", "name", "Anna Held", "birthDate", "1981-03-04", "passportNumber", "ROT1234567"))
	nl.sync(t)
	q := QueryRequest{Type: "passport", Values: []string{"ROT1234567"}}
	first := partnerResult(t, de.query(t, q), "NL-NCB")
	if first.Status != StatusHit {
		t.Fatalf("first: %+v", first)
	}
	e1 := match.EpochID(first.Epoch)
	_, end1 := nl.svc.cfg.Epochs.Window(e1)

	// Into the next epoch, within the grace period: both epochs are
	// answered, the holder publishes the new one.
	for _, n := range []*node{nl, de} {
		n.Advance(end1.Add(-time.Hour).Sub(n.Now()))
	}
	nl.sync(t)
	second := partnerResult(t, de.query(t, q), "NL-NCB")
	if second.Status != StatusHit || match.EpochID(second.Epoch) != e1+1 {
		t.Fatalf("in the grace period: %+v", second)
	}
	if second.Results[0].Reference == first.Results[0].Reference {
		t.Error("the reference survived the epoch")
	}
	var keys int
	if err := nl.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM match_epoch_keys`).Scan(&keys); err != nil || keys != 2 {
		t.Fatalf("%d stored keys during the grace period, want 2 (%v)", keys, err)
	}

	// Past the grace period the old key is destroyed.
	for _, n := range []*node{nl, de} {
		n.Advance(2 * time.Hour)
	}
	nl.sync(t)
	if err := nl.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM match_epoch_keys`).Scan(&keys); err != nil || keys != 1 {
		t.Fatalf("%d stored keys after the old epoch, want 1 (%v)", keys, err)
	}
	if _, err := nl.svc.holder.Ref("DE-BKA", e1, match.Key{Type: match.Passport, Value: "ROT1234567"}); !errs.Is(err, errs.NotExist) {
		t.Fatalf("expired epoch key still held: %v", err)
	}

	// A restarted holder rebuilds its views: same references, new
	// generation, so the querier downloads a fresh snapshot.
	before := de.svc.tables.get("NL-NCB")
	nl.Stop()
	nl.Start()
	restarted := openService(t, nl.Node, nil)
	restarted.sync(t)
	third := partnerResult(t, de.query(t, q), "NL-NCB")
	if third.Status != StatusHit || third.Results[0].Reference != second.Results[0].Reference {
		t.Fatalf("after a restart: %+v, reference was %s", third, second.Results[0].Reference)
	}
	if after := de.svc.tables.get("NL-NCB"); after.gen == before.gen || after == before {
		t.Error("the querier kept the table of the holder's previous generation")
	}
}

// Epoch keys are stored sealed under the node's signing key: the
// database does not hold them in the clear, another key does not open
// them, and a row moved to another epoch does not open either.
func TestEpochKeysAreSealedAtRest(t *testing.T) {
	_, signing, _ := ed25519.GenerateKey(rand.Reader)
	v, err := newKeyVault(signing, "NL-NCB", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	k, err := match.GenerateEpochKey(7, now, now.Add(time.Hour), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := k.MarshalBinary()
	sealed, err := v.seal(k)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, plain[len(plain)-64:]) {
		t.Fatal("the sealed key holds the secret scalars in the clear")
	}
	got, err := v.open(7, sealed)
	if err != nil || got.PublicKey() != k.PublicKey() {
		t.Fatalf("open: %v", err)
	}
	if _, err := v.open(8, sealed); !errs.Is(err, errs.Invalid) {
		t.Errorf("opened as another epoch: %v", err)
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	w, _ := newKeyVault(other, "NL-NCB", rand.Reader)
	if _, err := w.open(7, sealed); !errs.Is(err, errs.Invalid) {
		t.Errorf("opened with another node's key: %v", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := v.open(7, sealed); !errs.Is(err, errs.Invalid) {
		t.Errorf("opened a tampered key: %v", err)
	}
	if _, err := v.open(7, sealed[:5]); !errs.Is(err, errs.Invalid) {
		t.Errorf("opened a truncated key: %v", err)
	}
}
