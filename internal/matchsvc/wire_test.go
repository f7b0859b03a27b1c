package matchsvc

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/card"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// holderFixture is a holder key, a published view for DE-BKA and its
// signed announcement.
type holderFixture struct {
	signing ed25519.PrivateKey
	key     *match.EpochKey
	ann     SignedAnnouncement
	view    *match.View
}

func newHolderFixture(t testing.TB, now time.Time) *holderFixture {
	t.Helper()
	_, signing, _ := ed25519.GenerateKey(rand.Reader)
	h, _ := match.NewHolder("NL-NCB", func() time.Time { return now })
	k, err := match.GenerateEpochKey(5, now.Add(-time.Hour), now.Add(time.Hour), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AddEpoch(k); err != nil {
		t.Fatal(err)
	}
	a, _ := k.Announcement("NL-NCB")
	sa, err := signAnnouncement(a, signing)
	if err != nil {
		t.Fatal(err)
	}
	v, err := h.NewView("DE-BKA", 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Add(match.Key{Type: match.Passport, Value: "X1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Publish(rand.Reader); err != nil {
		t.Fatal(err)
	}
	return &holderFixture{signing: signing, key: k, ann: sa, view: v}
}

func (f *holderFixture) snapshotResponse(t testing.TB) []byte {
	t.Helper()
	snap, err := f.view.Snapshot().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return (&tableResponse{Announcement: f.ann, Generation: 9, Snapshot: snap}).marshal()
}

func TestTableResponseRoundTripAndTampering(t *testing.T) {
	f := newHolderFixture(t, time.Now())
	raw := f.snapshotResponse(t)
	got, err := parseTableResponse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Generation != 9 || got.Announcement.Announcement != f.ann.Announcement || got.Snapshot == nil {
		t.Fatalf("round trip: %+v", got)
	}
	if _, err := match.ParseTable(got.Snapshot); err != nil {
		t.Fatal(err)
	}
	if _, err := f.view.Add(match.Key{Type: match.Passport, Value: "X2"}); err != nil {
		t.Fatal(err)
	}
	d, _ := f.view.Publish(rand.Reader)
	db1, _ := d.MarshalBinary()
	deltas := (&tableResponse{Announcement: f.ann, Generation: 9, Deltas: [][]byte{db1, db1}}).marshal()
	if got, err := parseTableResponse(deltas); err != nil || len(got.Deltas) != 2 || !bytes.Equal(got.Deltas[1], db1) {
		t.Fatalf("deltas: %v", err)
	}
	if got, err := parseTableResponse((&tableResponse{Announcement: f.ann, Generation: 9}).marshal()); err != nil || got.Snapshot != nil || len(got.Deltas) != 0 {
		t.Fatalf("up to date: %+v %v", got, err)
	}

	// Every truncation and every flipped byte of the header is refused
	// (a flip in the snapshot is left to match.ParseTable and the AEAD).
	for i := 0; i < len(raw); i++ {
		if _, err := parseTableResponse(raw[:i]); !errs.Is(err, errs.Invalid) {
			t.Fatalf("truncated at %d: %v", i, err)
		}
	}
	header := len(tableMagic) + 1 + len(f.ann.Raw) + ed25519.PublicKeySize + ed25519.SignatureSize
	for i := 0; i < header; i++ {
		b := bytes.Clone(raw)
		b[i] ^= 0x40
		if _, err := parseTableResponse(b); err == nil {
			t.Fatalf("flipped byte %d accepted", i)
		}
	}
	if _, err := parseTableResponse(append(bytes.Clone(raw), 0)); !errs.Is(err, errs.Invalid) {
		t.Fatalf("trailing byte: %v", err)
	}
}

// fakeFederation answers table downloads with whatever a test sets.
type fakeFederation struct {
	partners []federation.Partner
	table    []byte
}

func (f *fakeFederation) HandlePeer(string, httpx.HandlerFunc) {}
func (f *fakeFederation) CallPeer(_ context.Context, _, method, path string, _ []byte, _ string) (int, []byte, error) {
	if method == http.MethodGet && strings.HasPrefix(path, pathTable) {
		return http.StatusOK, f.table, nil
	}
	return http.StatusNotFound, nil, nil
}
func (f *fakeFederation) Handle(string, federation.InboundHandler) {}
func (f *fakeFederation) Send(context.Context, *db.Tx, federation.Outbound) (uuid.UUID, error) {
	return uuid.Nil, errs.E(errs.Transient, "not in this test")
}
func (f *fakeFederation) ListPartners(context.Context, bool) ([]federation.Partner, error) {
	return f.partners, nil
}

func newQuerierOnly(t testing.TB, fed Federation) (*Service, *fedtest.Recorder) {
	t.Helper()
	d := dbtest.Open(t, Schema, fedtest.RecorderSchema)
	rec := &fedtest.Recorder{DB: d}
	dec, _ := policy.New(policy.DefaultConfig())
	_, signing, _ := ed25519.GenerateKey(rand.Reader)
	cfg := testConfig("DE-BKA", "DE")
	s, err := New(context.Background(), cfg, Deps{DB: d, Audit: rec, Hasher: testHasher{}, Decider: dec, Federation: fed,
		Records: noChanges{}, SigningKey: signing, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return s, rec
}

// A table whose announcement is not signed with the key of the holder's
// partner card is refused; so is a second key for an epoch, which is
// recorded as evidence.
func TestQuerierChecksAnnouncements(t *testing.T) {
	f := newHolderFixture(t, time.Now())
	fp := card.KeyIDOf("NL-NCB", f.signing.Public().(ed25519.PublicKey)).String()
	fed := &fakeFederation{partners: []federation.Partner{{Agency: "NL-NCB", Country: "NL", State: federation.StateActive, Fingerprint: fp}}}
	s, rec := newQuerierOnly(t, fed)
	ctx := context.Background()

	fed.table = f.snapshotResponse(t)
	if _, err := s.table(ctx, "NL-NCB", true); err != nil {
		t.Fatalf("genuine table: %v", err)
	}

	// Signed by another key than the card's.
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	forged := *f
	forged.ann, _ = signAnnouncement(f.ann.Announcement, stranger)
	fed.table = forged.snapshotResponse(t)
	if _, err := s.table(ctx, "NL-NCB", true); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.PublicMessage(err), "not signed with the key of its partner card") {
		t.Fatalf("forged announcement: %v", err)
	}

	// The holder announces a second key for epoch 5.
	other := newHolderFixture(t, time.Now())
	a, _ := other.key.Announcement("NL-NCB")
	twin := *other
	twin.ann, _ = signAnnouncement(a, f.signing)
	fed.table = twin.snapshotResponse(t)
	if _, err := s.table(ctx, "NL-NCB", true); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.PublicMessage(err), "second key for epoch 5") {
		t.Fatalf("equivocation: %v", err)
	}
	if ev := rec.Find(t, audit.Consult, audit.Failed, "announced a second key"); len(ev) != 1 {
		t.Fatalf("equivocation audited as %+v", ev)
	}
}

// noChanges is a records capability without records.
type noChanges struct{}

func (noChanges) ChangesSince(context.Context, int64, int) ([]record.ChangeEntry, error) {
	return nil, nil
}

func (noChanges) ScanCurrent(context.Context, int64, int) ([]*record.Current, error) { return nil, nil }

func (noChanges) CurrentRecord(context.Context, string) (*record.Current, error) {
	return nil, errs.E(errs.NotExist, "no such record")
}

func (noChanges) LastChange(context.Context) (int64, error) { return 0, nil }
