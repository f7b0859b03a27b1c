//go:build fedwired

// The fault test runs the real liaison binary (internal/testnode): it
// builds the whole node and streams 10,000 messages through SIGKILLs, which
// takes minutes, so it is opt-in with the build tag fedwired:
//
//	go test -tags fedwired -run TestSIGKILL -timeout 30m ./internal/federation
//
// LIAISON_FAULT_MESSAGES sets the length of the stream (default 10,000);
// LIAISON_TEST_POSTGRES runs both nodes on PostgreSQL.

package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/config"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/testnode"
)

// officerToken creates an investigator and returns an API token.
func officerToken(t *testing.T, n *testnode.Node) string {
	t.Helper()
	if out, err := n.CLI("user", "add", "inv", "--role", "investigator"); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	out, err := n.CLI("token", "create", "--user", "inv", "--expires", "24h", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Secret string }
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Secret == "" {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	return res.Secret
}

func openNodeDB(t *testing.T, n *testnode.Node) *db.DB {
	t.Helper()
	cfg, err := config.Load(n.Dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(context.Background(), cfg.DatabaseDSN(n.Dir), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func orderedIDs(t *testing.T, d *db.DB, query, agency string) []string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), query, agency)
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

// TestSIGKILLDuringStream sends a stream of messages from NL to DE through
// the officer API while the sender or the receiver is killed with SIGKILL
// at random points and restarted. Every message must arrive exactly once,
// in order, with no operator action, and both audit logs must verify.
func TestSIGKILLDuringStream(t *testing.T) {
	total := envInt("LIAISON_FAULT_MESSAGES", 10000)
	nl := testnode.Init(t, testnode.Options{Agency: "NL-NCB", Country: "NL", Name: "Netherlands NCB"})
	de := testnode.Init(t, testnode.Options{Agency: "DE-BKA", Country: "DE", Name: "Bundeskriminalamt"})
	nl.Start()
	de.Start()
	testnode.Onboard(t, nl, de)
	token := officerToken(t, nl)

	// Senders: each message has its own Idempotency-Key, reused on every
	// retry, so a message whose request died with the node is neither lost
	// nor sent twice.
	var next, acked atomic.Int64
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := nl.Client(token)
	c.CaseRef = "NL/2026/FAULT"
	for range 8 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(total) {
					return
				}
				req := client.Request{Method: http.MethodPost, Path: "/api/v1/messages", IdempotencyKey: fmt.Sprintf("fault-%06d", i),
					Body: map[string]any{"to": []string{"DE-BKA"}, "subject": fmt.Sprintf("m-%06d", i), "body": "stream",
						"handling": []string{"H0"}, "tlp": "TLP:GREEN"}}
				for ctx.Err() == nil {
					err := c.Do(ctx, req, nil)
					// 409: the request was applied but its response was lost in the crash.
					if err == nil || errs.Is(err, errs.Conflict) {
						acked.Add(1)
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		})
	}

	// The killer: SIGKILL the sender or the receiver at random points.
	kills := 0
	for acked.Load() < int64(total) {
		time.Sleep(time.Duration(500+rand.IntN(2500)) * time.Millisecond)
		if acked.Load() >= int64(total) {
			break
		}
		victim := nl
		if rand.IntN(2) == 0 {
			victim = de
		}
		victim.Kill()
		kills++
		time.Sleep(time.Duration(rand.IntN(1500)) * time.Millisecond)
		victim.Start()
	}
	wg.Wait()
	t.Logf("%d messages acknowledged, %d kills", acked.Load(), kills)

	// The receiver catches up on its own.
	admin := nl.Client("")
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var page struct {
			Items []struct {
				Agency     string `json:"agency"`
				QueueDepth int64  `json:"queueDepth"`
				LastError  string `json:"lastError"`
			} `json:"items"`
		}
		if err := admin.Get(context.Background(), "/api/v1/partners/status", nil, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) == 1 && page.Items[0].QueueDepth == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue not drained: %+v", page.Items)
		}
		time.Sleep(time.Second)
	}
	if err := nl.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := de.Stop(); err != nil {
		t.Fatal(err)
	}

	nd, dd := openNodeDB(t, nl), openNodeDB(t, de)
	sent := orderedIDs(t, nd, `SELECT message_id FROM fed_outbox WHERE partner = ? AND type = 'message' ORDER BY seq`, "DE-BKA")
	got := orderedIDs(t, dd, `SELECT message_id FROM fed_inbox WHERE sender = ? AND type = 'message' ORDER BY seq`, "NL-NCB")
	if len(sent) != total {
		t.Fatalf("NL queued %d messages, want %d (each request exactly once)", len(sent), total)
	}
	if !slices.Equal(sent, got) {
		t.Fatalf("DE received %d messages, not exactly NL's %d in order", len(got), len(sent))
	}
	var undelivered, subjects int
	nd.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fed_outbox WHERE state NOT IN ('delivered', 'read')`).Scan(&undelivered)
	dd.QueryRowContext(context.Background(), `SELECT COUNT(DISTINCT subject) FROM fed_messages WHERE subject LIKE 'm-%'`).Scan(&subjects)
	if undelivered != 0 || subjects != total {
		t.Fatalf("%d envelopes not delivered; DE holds %d distinct subjects, want %d", undelivered, subjects, total)
	}
	// Every envelope NL queued for DE (the messages, and the witnesses'
	// checkpoints) arrived once: DE's sequence numbers from NL run 1..n
	// without a gap or a repeat.
	var maxSeq, inboxRows, outboxRows int64
	dd.QueryRowContext(context.Background(), `SELECT COALESCE(MAX(seq), 0), COUNT(*) FROM fed_inbox WHERE sender = 'NL-NCB'`).Scan(&maxSeq, &inboxRows)
	nd.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fed_outbox WHERE partner = 'DE-BKA'`).Scan(&outboxRows)
	if maxSeq != inboxRows || inboxRows != outboxRows || inboxRows < int64(total) {
		t.Errorf("DE holds %d envelopes from NL up to sequence number %d; NL queued %d (want one per envelope, no gaps)",
			inboxRows, maxSeq, outboxRows)
	}
	for _, n := range []*testnode.Node{nl, de} {
		out, err := n.CLI("audit", "verify")
		if err != nil || !strings.HasPrefix(out, "OK") {
			t.Fatalf("%s audit verify: %v\n%s", n.Agency, err, out)
		}
	}
}
