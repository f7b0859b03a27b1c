package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/card"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/identity"
)

// inboxOrder lists the message ids a node accepted from sender, by sequence number.
func inboxOrder(t *testing.T, n *fedtest.Node, sender string) []string {
	t.Helper()
	rows, err := n.DB.QueryContext(context.Background(), `SELECT message_id FROM fed_inbox WHERE sender = ? AND outcome = 'accepted' ORDER BY seq`, sender)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestOfflinePartnerCatchesUpOnItsOwn(t *testing.T) {
	nl, de, be := threeNodes(t)
	ctx := context.Background()
	de.Stop()

	var ids []string
	for i := range 30 {
		m := send(t, nl, federation.SendRequest{To: []string{"DE-BKA", "BE-FPJ"}, Subject: fmt.Sprintf("update %d", i),
			Body: "b", Handling: []string{"H0"}, TLP: "TLP:GREEN"})
		ids = append(ids, m.ID)
	}
	// BE is not held up by the dead DE.
	fedtest.Eventually(t, wait, "BE receives everything", func() error {
		if got := inboxOrder(t, be, "NL-NCB"); len(got) != len(ids) {
			return fedtest.Errorf("%d of %d", len(got), len(ids))
		}
		return nil
	})
	// DE's queue is visible, never silent.
	fedtest.Eventually(t, wait, "failures visible", func() error {
		sts, err := nl.Service().Status(ctx)
		if err != nil {
			return err
		}
		for _, st := range sts {
			if st.Agency == "DE-BKA" && (st.QueueDepth != 30 || st.ConsecutiveFailures == 0 || !strings.Contains(st.LastError, "unreachable")) {
				return fedtest.Errorf("%+v", st)
			}
		}
		return nil
	})
	ds, err := nl.Service().Deliveries(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Partner == "DE-BKA" && (d.State != federation.DeliveryQueued || d.LastError == "") {
			t.Fatalf("head delivery to the dead partner: %+v", d)
		}
	}

	de.Start() // no operator action on NL
	fedtest.Eventually(t, wait, "DE catches up", func() error {
		if got := inboxOrder(t, de, "NL-NCB"); len(got) != len(ids) {
			return fedtest.Errorf("%d of %d", len(got), len(ids))
		}
		return nil
	})
	if got := inboxOrder(t, de, "NL-NCB"); !slices.Equal(got, ids) {
		t.Fatalf("DE received out of order:\n got %v\nwant %v", got, ids)
	}
	for _, id := range ids {
		waitDeliveries(t, nl, id, map[string]string{"DE-BKA": federation.DeliveryDelivered, "BE-FPJ": federation.DeliveryDelivered})
	}
	sts, _ := nl.Service().Status(ctx)
	for _, st := range sts {
		if st.QueueDepth != 0 || st.ConsecutiveFailures != 0 {
			t.Errorf("after catch-up: %+v", st)
		}
	}
}

func TestSenderRestartKeepsQueueAndOrder(t *testing.T) {
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", nil)
	fedtest.Introduce(t, nl, de)
	de.Stop()
	var ids []string
	for i := range 10 {
		m := send(t, nl, federation.SendRequest{To: []string{"DE-BKA"}, Subject: fmt.Sprint("n", i), Body: "b", Handling: []string{"H1"}, TLP: "TLP:RED"})
		ids = append(ids, m.ID)
	}
	nl.Stop()
	nl.Start()
	de.Start()
	fedtest.Eventually(t, wait, "DE receives after both restarted", func() error {
		if got := inboxOrder(t, de, "NL-NCB"); !slices.Equal(got, ids) {
			return fedtest.Errorf("got %d of %d", len(got), len(ids))
		}
		return nil
	})
}

// A handler that fails is rolled back with the envelope's record: the
// partner retries and the effect happens exactly once; a permanent failure
// rejects the envelope and later ones go through.
func TestHandlerFailuresAreNeverHalfApplied(t *testing.T) {
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", nil)
	fedtest.Introduce(t, nl, de)
	ctx := context.Background()
	if _, err := de.DB.ExecContext(ctx, `CREATE TABLE test_notes (note TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	var transientLeft atomic.Int32
	transientLeft.Store(3)
	de.Handle("test-note", func(ctx context.Context, tx *db.Tx, m *federation.Inbound) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO test_notes (note) VALUES (?)`, string(m.Payload)); err != nil {
			return err
		}
		switch {
		case string(m.Payload) == "flaky" && transientLeft.Add(-1) >= 0:
			return errs.E(errs.Transient, "storage hiccup")
		case string(m.Payload) == "bad":
			return errs.E(errs.Invalid, "note", "notes may not say bad")
		}
		return nil
	})
	var ids []string
	err := nl.DB.Write(ctx, func(tx *db.Tx) error {
		for _, note := range []string{"one", "flaky", "bad", "four"} {
			id, err := nl.Service().Send(ctx, tx, federation.Outbound{Type: "test-note", To: []string{"DE-BKA"}, Payload: []byte(note)})
			if err != nil {
				return err
			}
			ids = append(ids, id.String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fedtest.Eventually(t, wait, "all answered", func() error {
		for _, id := range ids {
			ds, err := nl.Service().Deliveries(ctx, id)
			if err != nil {
				return err
			}
			if ds[0].State == federation.DeliveryQueued {
				return fedtest.Errorf("%s still queued: %s", id, ds[0].LastError)
			}
		}
		return nil
	})
	rows, err := de.DB.QueryContext(ctx, `SELECT note FROM test_notes`)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		notes = append(notes, n)
	}
	rows.Close()
	if !slices.Equal(notes, []string{"one", "flaky", "four"}) {
		t.Fatalf("applied notes %v, want one, flaky, four exactly once each", notes)
	}
	ds, _ := nl.Service().Deliveries(ctx, ids[2])
	if ds[0].State != federation.DeliveryFailed || !strings.Contains(ds[0].LastError, "notes may not say bad") {
		t.Fatalf("rejected note: %+v", ds[0])
	}
	ds, _ = nl.Service().Deliveries(ctx, ids[1])
	if ds[0].State != federation.DeliveryDelivered || ds[0].Attempts == 0 {
		t.Fatalf("flaky note: %+v (want delivered after retries)", ds[0])
	}
}

func TestPartnerCardRotation(t *testing.T) {
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", nil)
	fedtest.Introduce(t, nl, de)
	ctx := de.Context(access.Admin)
	cur, err := nl.Service().OwnCard(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// A card for NL-NCB that does not supersede the current one needs the fingerprint.
	other, err := identity.Generate("NL-NCB", "NL", "impostor", nil)
	if err != nil {
		t.Fatal(err)
	}
	fake, err := card.New(other, card.Params{URLs: []string{"https://impostor.example"}}, cur.Card.NotBefore.Add(1))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(fake)
	if _, _, err := de.Service().AddPartner(ctx, raw, ""); !errs.Is(err, errs.Permission) {
		t.Fatalf("unsigned replacement: %v, want permission", err)
	}

	// A rotation to a new key, signed by the old one, needs no fingerprint.
	next, err := card.Rotate(cur.Card, nl.ID.SigningKey, other, card.Params{URLs: cur.Card.URLs}, cur.Card.NotBefore.Add(60e9))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = json.Marshal(next)
	p, what, err := de.Service().AddPartner(ctx, raw, "")
	if err != nil || what != federation.PartnerRotated || p.Fingerprint != card.Fingerprint(next) {
		t.Fatalf("rotation: %v %s %+v", err, what, p)
	}
	// Envelopes signed by the superseded key, over the superseded
	// certificate, are still accepted during the grace period.
	m := send(t, nl, federation.SendRequest{To: []string{"DE-BKA"}, Subject: "in flight", Body: "b", Handling: []string{"H0"}, TLP: "TLP:GREEN"})
	waitDeliveries(t, nl, m.ID, map[string]string{"DE-BKA": federation.DeliveryDelivered})
	// The same card again changes nothing.
	if _, what, err := de.Service().AddPartner(ctx, raw, ""); err != nil || what != federation.PartnerUnchanged {
		t.Fatalf("re-import: %v %s", err, what)
	}
	var cards int
	de.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fed_partner_cards WHERE agency = 'NL-NCB'`).Scan(&cards)
	if cards != 2 {
		t.Errorf("%d cards kept, want the superseded one and the current one", cards)
	}
}

// A node whose federation URLs change renews its card (same key) and
// announces it; partners accept it as a rotation without operator action.
func TestRenewedCardIsAnnounced(t *testing.T) {
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", nil)
	fedtest.Introduce(t, nl, de)
	old, err := nl.Service().OwnCard(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Restart NL with a second URL: a new service makes the renewed card.
	nl.Stop()
	svc, err := federation.New(federation.Config{URLs: []string{nl.URL, "https://backup.nl.example"}},
		federation.Deps{DB: nl.DB, Identity: nl.ID, Audit: nl.Audit})
	if err != nil {
		t.Fatal(err)
	}
	renewed, err := svc.OwnCard(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if renewed.Card.Supersedes != old.Fingerprint || len(renewed.Card.URLs) != 2 {
		t.Fatalf("renewed card: %+v", renewed.Card)
	}
	nl.Start() // the configured URL list is back to one: renewed again, and announced again
	fedtest.Eventually(t, wait, "DE learns the renewed card", func() error {
		p, err := de.Service().GetPartner(context.Background(), "NL-NCB")
		if err != nil {
			return err
		}
		var n int
		de.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fed_partner_cards WHERE agency = 'NL-NCB'`).Scan(&n)
		if n < 3 || p.State != federation.StateActive {
			return fedtest.Errorf("%d cards, partner %+v", n, p)
		}
		return nil
	})
}

// Trust in a partner card lapses when it expires: the partner is refused
// at the handshake, nothing is delivered to it, and the status says why.
func TestExpiredPartnerCard(t *testing.T) {
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", nil)
	fedtest.Introduce(t, nl, de)
	de.Advance(federation.DefaultCardValidity + 24*time.Hour) // NL's card has expired for DE
	resp, err := fedtest.PartnerClient(nl, de).Get(de.URL + "/federation/v1/hello")
	if err == nil {
		resp.Body.Close()
		t.Fatal("a partner with an expired card completed a handshake")
	}
	ctx := de.Context(access.Investigator)
	err = de.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := de.Service().Send(ctx, tx, federation.Outbound{Type: "test-note", To: []string{"NL-NCB"}, Payload: []byte("x")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fedtest.Eventually(t, wait, "expiry visible", func() error {
		sts, err := de.Service().Status(context.Background())
		if err != nil {
			return err
		}
		if sts[0].QueueDepth != 1 || !strings.Contains(sts[0].LastError, "expired") {
			return fedtest.Errorf("%+v", sts[0])
		}
		return nil
	})
}
