package noticesvc

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
)

// TestIndexAgreesWithStorage checks, over random sequences of own alert
// creations, updates, cancellations and imports and of a partner's alerts
// and cancellations for the same few documents, that the border index
// hits a document exactly when storage holds an active alert for it.
func TestIndexAgreesWithStorage(t *testing.T) {
	n := newNode(t, "FR-NCB", "FR", nil)
	spoc := n.as(access.SPOC)
	var round atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		prefix := fmt.Sprintf("R%05d", round.Add(1)) // fresh documents for every run
		numbers := []string{prefix + "A", prefix + "B", prefix + "C"}
		partnerVersion := map[string]int64{}
		receive := func(w wire, typ string) {
			payload, _ := json.Marshal(w)
			pctx := access.With(context.Background(), access.Principal{Agency: "DE-BKA", Partner: true})
			in := &federation.Inbound{Type: typ, Sender: "DE-BKA", Payload: payload}
			if err := n.db.Write(pctx, func(tx *db.Tx) error { return n.svc.receive(pctx, tx, in) }); err != nil {
				rt.Fatalf("receive: %v", err)
			}
		}
		steps := rapid.IntRange(1, 12).Draw(rt, "steps")
		for range steps {
			num := rapid.SampledFrom(numbers).Draw(rt, "number")
			switch op := rapid.IntRange(0, 5).Draw(rt, "op"); op {
			case 0: // create (Conflict when an own alert exists: fine)
				n.svc.CreateAlert(spoc, passport(num, Distribution{}))
			case 1: // cancel the own alert, if active
				var id string
				if n.db.QueryRowContext(context.Background(), `SELECT id FROM alerts WHERE document_number = ? AND received_from = '' AND state = ?`,
					num, AlertActive).Scan(&id) == nil {
					if _, err := n.svc.CancelAlert(spoc, id, "found"); err != nil {
						rt.Fatal(err)
					}
				}
			case 2: // import: creates, reactivates or changes the status
				status := rapid.SampledFrom([]string{"stolen", "lost", "revoked"}).Draw(rt, "status")
				csv := "document_number,country,status\n" + num + ",FR," + status + "\n"
				if _, err := n.svc.ImportAlerts(spoc, strings.NewReader(csv), ImportOptions{}); err != nil {
					rt.Fatal(err)
				}
			case 3: // the partner publishes or updates its alert
				partnerVersion[num]++
				receive(wire{Kind: wireAlerts, Alerts: []wireAlert{{ID: "de-" + num, Version: partnerVersion[num],
					AlertInput: passport(num, Distribution{})}}}, envelope.TypeNoticePublish)
			case 4: // the partner cancels its alert
				if partnerVersion[num] > 0 {
					partnerVersion[num]++
					receive(wire{Kind: wireAlerts, Cancel: []string{"de-" + num}}, envelope.TypeNoticeCancel)
				}
			case 5: // an own update of the status
				var id string
				var version int64
				if n.db.QueryRowContext(context.Background(), `SELECT id, version FROM alerts WHERE document_number = ? AND received_from = '' AND state = ?`,
					num, AlertActive).Scan(&id, &version) == nil {
					in := passport(num, Distribution{})
					in.Status = "lost"
					if _, err := n.svc.UpdateAlert(spoc, id, version, in); err != nil {
						rt.Fatal(err)
					}
				}
			}
			for _, num := range numbers {
				f, err := n.svc.search(context.Background(), LookupQuery{Document: num, Country: "FR"})
				if err != nil {
					rt.Fatal(err)
				}
				var active int
				if err := n.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM alerts WHERE key_a = ? AND state = ?`,
					"DFR"+num, AlertActive).Scan(&active); err != nil {
					rt.Fatal(err)
				}
				if (f.alert != nil) != (active > 0) {
					rt.Fatalf("%s: index hit %v, %d active alerts in storage", num, f.alert != nil, active)
				}
				if f.alert != nil {
					var same int
					n.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM alerts WHERE key_a = ? AND state = ? AND status = ?`,
						"DFR"+num, AlertActive, string(f.alert.Status)).Scan(&same)
					if same == 0 {
						rt.Fatalf("%s: the hit says %s, no active alert does", num, f.alert.Status)
					}
				}
			}
		}
	})
}
