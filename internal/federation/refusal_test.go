package federation_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
)

// batch frames envelopes as a delivery request body ("LBAT", version 1,
// u32 count, then u32 length and bytes per envelope).
func batch(envs ...[]byte) []byte {
	b := []byte("LBAT\x01")
	b = binary.BigEndian.AppendUint32(b, uint32(len(envs)))
	for _, e := range envs {
		b = binary.BigEndian.AppendUint32(b, uint32(len(e)))
		b = append(b, e...)
	}
	return b
}

type result struct {
	Receipt  []byte `json:"receipt"`
	Reason   string `json:"reason"`
	Expected uint64 `json:"expected"`
	Detail   string `json:"detail"`
}

// deliver posts envelopes from one node to another by hand.
func deliver(t *testing.T, from, to *fedtest.Node, body []byte) (int, []result) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, to.URL+"/federation/v1/envelopes", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", federation.BatchContentType)
	resp, err := fedtest.PartnerClient(from, to).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var r struct{ Results []result }
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatalf("response %s: %v", data, err)
		}
	}
	return resp.StatusCode, r.Results
}

// seal makes an envelope from one node to another's card, by hand.
func seal(t *testing.T, from, to *fedtest.Node, m envelope.Message, seq uint64, at time.Time) []byte {
	t.Helper()
	c, err := to.Service().OwnCard(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, err := envelope.RecipientOf(c.Card, seq)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := envelope.Seal(from.ID, m, []envelope.Recipient{r}, at)
	if err != nil {
		t.Fatal(err)
	}
	return ws[0].Marshal()
}

func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func nextIn(t *testing.T, n *fedtest.Node, sender string) int {
	t.Helper()
	return count(t, n.DB, `SELECT next_in FROM fed_partners WHERE agency = ?`, sender)
}

func TestRefusalsAreAuditedAndChangeNothing(t *testing.T) {
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", nil)
	be := fedtest.NewNode(t, "BE-FPJ", "BE", nil)
	fedtest.Introduce(t, nl, de, be)

	first := send(t, nl, federation.SendRequest{To: []string{"DE-BKA"}, Subject: "first", Body: "b", Handling: []string{"H0"}, TLP: "TLP:GREEN"})
	waitDeliveries(t, nl, first.ID, map[string]string{"DE-BKA": federation.DeliveryDelivered})
	var sent []byte
	if err := nl.DB.QueryRowContext(context.Background(), `SELECT wire FROM fed_outbox WHERE partner = 'DE-BKA' AND seq = 1`).Scan(&sent); err != nil {
		t.Fatal(err)
	}
	inbox := func() int { return count(t, de.DB, `SELECT COUNT(*) FROM fed_inbox`) }
	messages := func() int { return count(t, de.DB, `SELECT COUNT(*) FROM fed_messages`) }

	// A duplicate is answered with the original receipt and applied once.
	var storedReceipt []byte
	if err := de.DB.QueryRowContext(context.Background(), `SELECT receipt FROM fed_inbox WHERE seq = 1`).Scan(&storedReceipt); err != nil {
		t.Fatal(err)
	}
	if status, res := deliver(t, nl, de, batch(sent)); status != 200 || !bytes.Equal(res[0].Receipt, storedReceipt) {
		t.Fatalf("duplicate: %d %+v", status, res)
	}
	if inbox() != 1 || messages() != 1 {
		t.Fatalf("duplicate applied again: inbox %d messages %d", inbox(), messages())
	}

	now := time.Now()
	valid := envelope.Message{Type: envelope.TypeMessage, Thread: uuid.NewString(), Handling: []string{"H0"}, TLP: "TLP:GREEN",
		Payload: []byte(`{"v":1,"subject":"s","body":"b"}`)}
	badSig := seal(t, nl, de, valid, 2, now)
	badSig[len(badSig)-1] ^= 1 // the last ciphertext byte: the signed hash no longer matches
	reused := valid
	reused.ID = uuid.MustParse(first.ID)
	forged := seal(t, be, de, valid, 2, now) // BE's signature on an envelope naming BE as sender
	tests := []struct {
		name   string
		from   *fedtest.Node
		env    []byte
		reason string
	}{
		{"bad signature", nl, badSig, "bad-signature"},
		{"wrong recipient", nl, seal(t, nl, be, valid, 2, now), "wrong-recipient"},
		{"stale", nl, seal(t, nl, de, valid, 2, now.Add(-8*24*time.Hour)), "stale"},
		{"future", nl, seal(t, nl, de, valid, 2, now.Add(time.Hour)), "future"},
		{"sequence gap", nl, seal(t, nl, de, valid, 5, now), "sequence-gap"},
		{"reused message id", nl, seal(t, nl, de, reused, 2, now), "replay"},
		{"reused sequence number", nl, seal(t, nl, de, valid, 1, now), "out-of-window"},
		{"malformed", nl, []byte("LENV not really an envelope"), "malformed"},
		{"sender is not the TLS peer", nl, forged, "unknown-sender"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(de.Audit.Find(t, audit.Collect, audit.Denied, ""))
			status, res := deliver(t, tt.from, de, batch(tt.env))
			if status != 200 || len(res) != 1 || res[0].Reason != tt.reason || res[0].Receipt != nil {
				t.Fatalf("got %d %+v, want reason %s", status, res, tt.reason)
			}
			if !strings.HasPrefix(res[0].Detail, tt.reason) {
				t.Errorf("detail %q does not start with the reason", res[0].Detail)
			}
			if tt.reason == "sequence-gap" && res[0].Expected != 2 {
				t.Errorf("expected %d, want 2", res[0].Expected)
			}
			denied := de.Audit.Find(t, audit.Collect, audit.Denied, "")
			if len(denied) != before+1 || !strings.Contains(denied[len(denied)-1].Reason, tt.reason) ||
				!denied[len(denied)-1].Partner || denied[len(denied)-1].Agency != tt.from.Agency {
				t.Fatalf("audit: %+v", denied[before:])
			}
			if inbox() != 1 || messages() != 1 || nextIn(t, de, "NL-NCB") != 2 {
				t.Fatalf("state changed: inbox %d messages %d next %d", inbox(), messages(), nextIn(t, de, "NL-NCB"))
			}
		})
	}

	t.Run("malformed batch", func(t *testing.T) {
		before := len(de.Audit.Find(t, audit.Collect, audit.Denied, ""))
		if status, _ := deliver(t, nl, de, []byte("LBAT\x01\xff\xff\xff\xff")); status != http.StatusBadRequest {
			t.Fatalf("status %d", status)
		}
		if len(de.Audit.Find(t, audit.Collect, audit.Denied, "")) != before+1 {
			t.Fatal("malformed batch not audited")
		}
	})

	t.Run("one refusal holds up the rest of the batch, which is not audited", func(t *testing.T) {
		before := len(de.Audit.Find(t, audit.Collect, audit.Denied, ""))
		good3 := seal(t, nl, de, valid, 3, now)
		_, res := deliver(t, nl, de, batch(badSig, good3))
		if res[0].Reason != "bad-signature" || res[1].Reason != "retry" {
			t.Fatalf("%+v", res)
		}
		if n := len(de.Audit.Find(t, audit.Collect, audit.Denied, "")); n != before+1 {
			t.Fatalf("%d refusals audited, want 1", n-before)
		}
	})

	t.Run("unknown type is rejected and uses up its number", func(t *testing.T) {
		odd := valid
		odd.Type = "acme.unknown-thing"
		_, res := deliver(t, nl, de, batch(seal(t, nl, de, odd, 2, now)))
		if res[0].Reason != "rejected" || !strings.Contains(res[0].Detail, "acme.unknown-thing") {
			t.Fatalf("%+v", res)
		}
		if nextIn(t, de, "NL-NCB") != 3 || inbox() != 2 || messages() != 1 {
			t.Fatalf("next %d inbox %d messages %d", nextIn(t, de, "NL-NCB"), inbox(), messages())
		}
		if len(de.Audit.Find(t, audit.Collect, audit.Denied, "rejected acme.unknown-thing")) != 1 {
			t.Error("rejection not audited")
		}
	})
}

func TestUnknownAndSuspendedPeersRefusedAtHandshake(t *testing.T) {
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", nil)
	fr := fedtest.NewNode(t, "FR-OCRGDF", "FR", nil)
	fedtest.Introduce(t, nl, de)
	fedtest.AddCard(t, fr, de) // FR trusts DE, but DE does not know FR

	hello := func(from, to *fedtest.Node) error {
		resp, err := fedtest.PartnerClient(from, to).Get(to.URL + "/federation/v1/hello")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	if err := hello(nl, de); err != nil {
		t.Fatalf("partner hello: %v", err)
	}
	if err := hello(fr, de); err == nil || !strings.Contains(err.Error(), "tls") {
		t.Fatalf("unknown peer: %v, want a TLS handshake failure", err)
	}
	// A request body from an unknown peer is never read: the connection
	// fails before the request is written.
	req, _ := http.NewRequest(http.MethodPost, de.URL+"/federation/v1/envelopes", bytes.NewReader(batch([]byte("x"))))
	if _, err := fedtest.PartnerClient(fr, de).Do(req); err == nil {
		t.Fatal("unknown peer posted envelopes")
	}

	ctx := context.Background()
	var p federation.Partner
	if err := de.Client(access.Admin).Post(ctx, "/api/v1/partners/NL-NCB/suspend", nil, &p); err != nil || p.State != federation.StateSuspended {
		t.Fatalf("suspend: %v %+v", err, p)
	}
	if err := hello(nl, de); err == nil {
		t.Fatal("suspended partner completed a handshake")
	}
	m := send(t, nl, federation.SendRequest{To: []string{"DE-BKA"}, Subject: "while suspended", Body: "b", Handling: []string{"H0"}, TLP: "TLP:GREEN"})
	fedtest.Eventually(t, wait, "failure visible", func() error {
		ds, err := nl.Service().Deliveries(ctx, m.ID)
		if err != nil {
			return err
		}
		if ds[0].State != federation.DeliveryQueued || ds[0].Attempts == 0 || ds[0].LastError == "" {
			return fedtest.Errorf("%+v", ds[0])
		}
		return nil
	})
	// The partner's failure counters are written after the delivery's.
	fedtest.Eventually(t, wait, "status while suspended", func() error {
		sts, err := nl.Service().Status(ctx)
		if err != nil {
			return err
		}
		if sts[0].QueueDepth != 1 || sts[0].ConsecutiveFailures == 0 || sts[0].LastError == "" || sts[0].OldestUndelivered.IsZero() {
			return fedtest.Errorf("%+v", sts[0])
		}
		return nil
	})
	if n := len(de.Audit.Find(t, audit.PartnerChanged, audit.OK, "suspended")); n != 1 {
		t.Errorf("suspension audit events: %d", n)
	}
	if err := de.Client(access.Admin).Post(ctx, "/api/v1/partners/NL-NCB/resume", nil, &p); err != nil {
		t.Fatal(err)
	}
	waitDeliveries(t, nl, m.ID, map[string]string{"DE-BKA": federation.DeliveryDelivered})
}

// TestSuspensionNotUndoneByReload: a suspension takes effect when the API
// answers, even while the service reloads its partners from the database
// every millisecond — a reload that read the partner as active before the
// suspension committed must not install that view afterwards.
func TestSuspensionNotUndoneByReload(t *testing.T) {
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", func(c *federation.Config) { c.PollInterval = time.Millisecond })
	fedtest.Introduce(t, nl, de)
	hello := func() error {
		resp, err := fedtest.PartnerClient(nl, de).Get(de.URL + "/federation/v1/hello")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	ctx := context.Background()
	for i := range 40 {
		var p federation.Partner
		if err := de.Client(access.Admin).Post(ctx, "/api/v1/partners/NL-NCB/suspend", nil, &p); err != nil {
			t.Fatal(err)
		}
		if err := hello(); err == nil {
			t.Fatalf("round %d: the suspended partner completed a handshake", i)
		}
		if err := de.Client(access.Admin).Post(ctx, "/api/v1/partners/NL-NCB/resume", nil, &p); err != nil {
			t.Fatal(err)
		}
		if err := hello(); err != nil {
			t.Fatalf("round %d: the resumed partner: %v", i, err)
		}
	}
}
