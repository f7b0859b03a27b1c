package cli

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/testnode"
)

// The justifications the route audit test sends: each route call carries
// routeJustification and a case reference of its own; the calls that set
// data up for it carry setupJustification and setupCase.
const (
	routeJustification = "route audit test"
	setupJustification = "route audit setup"
	setupCase          = "SETUP-1"
)

// routeCase says how to call one personal route of the node under test:
// as an officer of role, at the path and with the body that setup returns
// after creating, through the API, what the route needs. user names the
// officer when a case needs two officers of one role (default: the role).
type routeCase struct {
	role  string
	user  string
	setup func(t *testing.T, f *routeFixture) (path string, body any)
}

// rawBody is a request body sent as it is, with its media type (CSV,
// JSON lines, a document to import).
type rawBody struct {
	mediaType string
	data      []byte
}

// fixed is a case that needs nothing set up.
func fixed(role, path string, body any) routeCase {
	return routeCase{role: role, setup: func(*testing.T, *routeFixture) (string, any) { return path, body }}
}

// personalRouteCases says how to call every route of a node that reads or
// changes personal data (the routes the OpenAPI document marks with the
// Liaison-Justification header), by "METHOD pattern". A capability that
// adds such a route adds its case here, or TestEveryPersonalRouteIsAudited
// fails.
var personalRouteCases = map[string]routeCase{
	// Audit log.
	"GET /api/v1/audit/events":         fixed("dpo", "/api/v1/audit/events?kind=login&limit=5", nil),
	"GET /api/v1/audit/events/{index}": fixed("dpo", "/api/v1/audit/events/0", nil),
	"GET /api/v1/audit/export":         fixed("dpo", "/api/v1/audit/export?start=0&end=2", nil),

	// Records.
	"GET /api/v1/records": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		f.record(t, f.passport())
		return "/api/v1/records?q=" + url.QueryEscape("Jan de Vries") + "&limit=5", nil
	}},
	"GET /api/v1/records/export": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		f.record(t, f.passport())
		return "/api/v1/records/export?limit=5", nil
	}},
	"POST /api/v1/records": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/records", recordDraft("Courier at the port", f.passport())
	}},
	"POST /api/v1/records/import": {role: "analyst", setup: func(t *testing.T, f *routeFixture) (string, any) {
		var b bytes.Buffer
		json.NewEncoder(&b).Encode(map[string]any{"envelope": routeEnvelope, "category": "suspect", "title": "Passenger list"})
		for i := range 3 {
			json.NewEncoder(&b).Encode(map[string]any{"id": fmt.Sprintf("pax%d", i), "schema": "Person",
				"properties": map[string][]string{"name": {fmt.Sprintf("Passenger %c", 'A'+i)}, "passportNumber": {f.passport()}}})
		}
		return "/api/v1/records/import", rawBody{"application/x-ndjson", b.Bytes()}
	}},
	"GET /api/v1/records/{id}": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		id, _ := f.record(t, f.passport())
		return "/api/v1/records/" + id, nil
	}},
	"PUT /api/v1/records/{id}": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		passport := f.passport()
		id, version := f.record(t, passport)
		d := recordDraft("Courier at the port, identified", passport)
		d["version"] = version
		return "/api/v1/records/" + id, d
	}},
	"DELETE /api/v1/records/{id}": {role: "dpo", setup: func(t *testing.T, f *routeFixture) (string, any) {
		id, _ := f.record(t, f.passport())
		return "/api/v1/records/" + id, nil
	}},
	"GET /api/v1/records/{id}/versions": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		id, _ := f.record(t, f.passport())
		return "/api/v1/records/" + id + "/versions", nil
	}},
	"POST /api/v1/records/{id}/withdraw": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		id, _ := f.record(t, f.passport())
		return "/api/v1/records/" + id + "/withdraw", nil
	}},
	"POST /api/v1/records/{id}/review": {role: "spoc", setup: func(t *testing.T, f *routeFixture) (string, any) {
		id, _ := f.record(t, f.passport())
		return "/api/v1/records/" + id + "/review", map[string]string{"until": time.Now().AddDate(1, 0, 0).Format(time.DateOnly)}
	}},
	"GET /api/v1/records/{id}/correlations": {role: "analyst", setup: func(t *testing.T, f *routeFixture) (string, any) {
		passport := f.passport()
		id, _ := f.record(t, passport)
		f.record(t, passport) // a second record holding the same passport
		return "/api/v1/records/" + id + "/correlations", nil
	}},
	"GET /api/v1/identifiers": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		passport := f.passport()
		f.record(t, passport)
		return "/api/v1/identifiers?kind=passport&value=" + url.QueryEscape(passport), nil
	}},

	// Notices.
	"GET /api/v1/notices": {role: "reviewer", setup: func(t *testing.T, f *routeFixture) (string, any) {
		f.submittedNotice(t)
		return "/api/v1/notices?awaitingReview=true", nil
	}},
	"POST /api/v1/notices": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/notices", f.noticeDraft(false)
	}},
	"POST /api/v1/notices/import/interpol": {role: "spoc", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/notices/import/interpol", rawBody{"application/json", sharedFile(t, "samples", "interpol", "SYNTHETIC_red_notice_list.json")}
	}},
	"GET /api/v1/notices/{id}": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/notices/" + f.draftNotice(t, false).ID, nil
	}},
	"PUT /api/v1/notices/{id}": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		n := f.draftNotice(t, false)
		d := f.noticeDraft(false)
		d["version"] = n.Version
		d["facts"] = "Robbed a jeweller in Utrecht on 3 March with two accomplices."
		return "/api/v1/notices/" + n.ID, d
	}},
	"GET /api/v1/notices/{id}/flags": {role: "reviewer", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/notices/" + f.submittedNotice(t).ID + "/flags", nil
	}},
	"POST /api/v1/notices/{id}/submit": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/notices/" + f.draftNotice(t, false).ID + "/submit", nil
	}},
	"POST /api/v1/notices/{id}/circulate": {role: "spoc", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/notices/" + f.draftNotice(t, true).ID + "/circulate", nil
	}},
	"POST /api/v1/notices/{id}/decision": {role: "reviewer", setup: func(t *testing.T, f *routeFixture) (string, any) {
		n := f.submittedNotice(t)
		return "/api/v1/notices/" + n.ID + "/decision", approval(n)
	}},
	"POST /api/v1/notices/{id}/revise": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		n := f.submittedNotice(t)
		f.decide(t, n.ID, map[string]any{"outcome": "refuse", "reasons": "The facts do not say what the subject did."})
		return "/api/v1/notices/" + n.ID + "/revise", nil
	}},
	"POST /api/v1/notices/{id}/resubmit": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/notices/" + f.publishedNotice(t).ID + "/resubmit", nil
	}},
	"POST /api/v1/notices/{id}/cancel": {role: "spoc", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/notices/" + f.publishedNotice(t).ID + "/cancel", map[string]string{"reason": "the subject was arrested"}
	}},
	"POST /api/v1/notices/{id}/reassess": {role: "spoc", setup: func(t *testing.T, f *routeFixture) (string, any) {
		n := f.publishedNotice(t)
		f.makeReassessmentDue(t, n.ID)
		return "/api/v1/notices/" + n.ID + "/reassess", nil
	}},

	// Alerts and border lookups.
	"GET /api/v1/alerts": {role: "analyst", setup: func(t *testing.T, f *routeFixture) (string, any) {
		f.alert(t)
		return "/api/v1/alerts?kind=travel-document&limit=5", nil
	}},
	"POST /api/v1/alerts": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/alerts", f.alertInput()
	}},
	"POST /api/v1/alerts/import": {role: "spoc", setup: func(t *testing.T, f *routeFixture) (string, any) {
		var csv strings.Builder
		csv.WriteString("document_number,country,status,contact\n")
		for range 3 {
			fmt.Fprintf(&csv, "%s,NL,stolen,NCB The Hague\n", f.passport())
		}
		return "/api/v1/alerts/import?scope=all", rawBody{"text/csv", []byte(csv.String())}
	}},
	"GET /api/v1/alerts/{id}": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/alerts/" + f.alert(t).ID, nil
	}},
	"PUT /api/v1/alerts/{id}": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		a := f.alert(t)
		in := f.alertInput()
		in["documentNumber"], in["description"] = a.DocumentNumber, "stolen with the holder's car"
		in["version"] = a.Version
		return "/api/v1/alerts/" + a.ID, in
	}},
	"POST /api/v1/alerts/{id}/cancel": {role: "spoc", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/alerts/" + f.alert(t).ID + "/cancel", map[string]string{"reason": "the passport was found"}
	}},
	"GET /api/v1/lookup": {role: "border", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/lookup?document=" + f.alert(t).DocumentNumber + "&country=NL", nil
	}},

	// Messages between partners.
	"POST /api/v1/messages": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/messages", map[string]any{"to": []string{"DE-BKA"}, "subject": "Courier seen in Rotterdam",
			"body": "Jan de Vries boarded the ferry to Harwich on Tuesday.", "handling": []string{"H0"}, "tlp": "TLP:AMBER"}
	}},
	"GET /api/v1/messages/{id}": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/messages/" + f.inboundMessage(t).id, nil
	}},
	"GET /api/v1/attachments/{id}/content": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/attachments/" + f.inboundMessage(t).attachment + "/content", nil
	}},

	// Disclosure of records to partners.
	"POST /api/v1/records/{id}/share": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		id, _ := f.record(t, f.passport())
		return "/api/v1/records/" + id + "/share", map[string]any{"to": []string{"DE-BKA"}, "purpose": "criminal-investigation"}
	}},
	"GET /api/v1/records/{id}/holders": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/records/" + f.sharedRecord(t, "H0") + "/holders", nil
	}},
	"POST /api/v1/share-requests/{id}/answer": {role: "spoc", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/share-requests/" + f.onwardRequest(t) + "/answer",
			map[string]any{"grant": true, "reason": "for the joint investigation team"}
	}},

	// Hit/no-hit matching against the partner's index.
	"POST /api/v1/match/queries": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/match/queries", map[string]any{"type": "passport", "values": []string{f.matchable(t, f.de, f.nl)},
			"partners": []string{"DE-BKA"}}
	}},
	"POST /api/v1/match/hits/{id}/follow-up": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/match/hits/" + f.hit(t, f.nl, f.de) + "/follow-up", map[string]any{}
	}},
	"GET /api/v1/match/follow-ups/sent": {role: "investigator", setup: func(t *testing.T, f *routeFixture) (string, any) {
		hit := f.hit(t, f.nl, f.de)
		setupCall(t, f.as(t, f.nl, "investigator"), "POST", "/api/v1/match/hits/"+hit+"/follow-up", map[string]any{}, nil)
		return "/api/v1/match/follow-ups/sent", nil
	}},
	"GET /api/v1/match/follow-ups": {role: "dpo", setup: func(t *testing.T, f *routeFixture) (string, any) {
		f.receivedFollowUp(t)
		return "/api/v1/match/follow-ups", nil
	}},
	"POST /api/v1/match/follow-ups/{id}/answer": {role: "spoc", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/match/follow-ups/" + f.receivedFollowUp(t) + "/answer",
			map[string]string{"outcome": "declined", "note": "the investigation is covert until March"}
	}},
	"POST /api/v1/match/bulk": {role: "spoc", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/match/bulk", f.bulkRequest(t)
	}},
	"POST /api/v1/match/bulk/{id}/approve": {role: "spoc", user: "spoc-2", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/match/bulk/" + f.bulkRun(t) + "/approve", nil
	}},
	"GET /api/v1/match/bulk/{id}": {role: "dpo", setup: func(t *testing.T, f *routeFixture) (string, any) {
		return "/api/v1/match/bulk/" + f.bulkRun(t) + "?hits=true", nil
	}},
}

// TestEveryPersonalRouteIsAudited calls every personal-data route of a
// running node, as listed by its OpenAPI document, with a justification,
// after setting up through the API what the route needs (records, notices
// in every state, alerts, a partner node that sends a message with an
// attachment), and checks that the call wrote an audit event carrying its
// request id, the justification, the case and the caller's role.
func TestEveryPersonalRouteIsAudited(t *testing.T) {
	start := time.Now()
	f := newRouteFixture(t)
	t.Logf("two partner nodes ready in %s", time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string } `json:"parameters"`
		} `json:"paths"`
	}
	if err := f.nl.Client("").Get(ctx, "/api/v1/openapi.json", nil, &doc); err != nil {
		t.Fatal(err)
	}
	var served []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			for _, p := range op.Parameters {
				if p.In == "header" && p.Name == "Liaison-Justification" {
					served = append(served, strings.ToUpper(method)+" "+path)
				}
			}
		}
	}
	slices.Sort(served)
	for key := range personalRouteCases {
		if !slices.Contains(served, key) {
			t.Errorf("case %s is not a personal route of the node: remove it", key)
		}
	}
	dpo := f.nl.Client(f.token(t, f.nl, "dpo", "dpo"))
	for i, key := range served {
		t.Run(key, func(t *testing.T) {
			tc, ok := personalRouteCases[key]
			if !ok {
				t.Fatalf("personal route %s has no case in personalRouteCases", key)
			}
			began := time.Now()
			path, body := tc.setup(t, f)
			caseRef := fmt.Sprintf("ROUTE-%d", i)
			method, _, _ := strings.Cut(key, " ")
			req := client.Request{Method: method, Path: path,
				Header: http.Header{"Liaison-Justification": {routeJustification}, "Liaison-Case": {caseRef}}}
			switch b := body.(type) {
			case nil:
			case rawBody:
				req.Body = bytes.NewReader(b.data)
				req.Header.Set("Content-Type", b.mediaType)
			default:
				req.Body = b
			}
			if method == http.MethodPost {
				req.IdempotencyKey = client.NewIdempotencyKey()
			}
			user := cmp.Or(tc.user, tc.role)
			resp, err := f.nl.Client(f.token(t, f.nl, user, tc.role)).Raw(ctx, req)
			if err != nil {
				t.Fatalf("%s %s as %s: %v", method, path, tc.role, err)
			}
			// Read to the end: a streamed answer (an export, a download) is
			// audited as it is written.
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("%s %s: reading the answer: %v", method, path, err)
			}
			id := resp.Header.Get("X-Request-Id")
			if id == "" {
				t.Fatalf("%s %s: the answer has no X-Request-Id", method, path)
			}
			var page struct {
				Items []audit.Entry `json:"items"`
			}
			search := client.Request{Method: "GET", Path: "/api/v1/audit/events", Query: url.Values{"case": {caseRef}, "limit": {"500"}},
				Header: http.Header{"Liaison-Case": {"AUDIT-CHECK"}}}
			if err := dpo.Do(ctx, search, &page); err != nil {
				t.Fatal(err)
			}
			var seen []string
			for _, e := range page.Items {
				if e.Event.RequestID == id && e.Event.Justification == routeJustification && e.Event.CaseRef == caseRef &&
					string(e.Event.Role) == tc.role {
					t.Logf("status %d, audited as %s (%s), %s", resp.StatusCode, e.Event.Kind, e.Event.Reason, time.Since(began).Round(time.Millisecond))
					return
				}
				seen = append(seen, fmt.Sprintf("%s by %s, request %s", e.Event.Kind, e.Event.Role, e.Event.RequestID))
			}
			t.Errorf("status %d, but no audit event of request %s carries the justification, the case and role %s; events of case %s: %v",
				resp.StatusCode, id, tc.role, caseRef, seen)
		})
	}
	t.Logf("%d personal routes in %s", len(served), time.Since(start).Round(time.Millisecond))
}

// routeFixture is what the route cases share: the node under test (NL),
// a partner node (DE), officers' tokens on both, and what was set up once
// for several cases.
type routeFixture struct {
	nl, de *testnode.Node
	tokens map[*testnode.Node]map[string]string // user name → API token
	seq    int
	// held is the passport number of a record each node holds for the
	// other to hit; created when the nodes start, so that the indexes
	// and the partners' copies of them are ready when the cases run.
	held     map[*testnode.Node]string
	inbound  *receivedMessage
	followUp string
}

// newRouteFixture starts the node under test and its partner and makes
// them partners through the partner API, as their administrators would.
func newRouteFixture(t *testing.T) *routeFixture {
	f := &routeFixture{
		nl:     testnode.Init(t, testnode.Options{Agency: "NL-NCB", Country: "NL", Name: "Netherlands NCB"}),
		de:     testnode.Init(t, testnode.Options{Agency: "DE-BKA", Country: "DE", Name: "Bundeskriminalamt"}),
		tokens: map[*testnode.Node]map[string]string{},
	}
	f.nl.Start()
	f.de.Start()
	partners(t, f.nl, f.de)
	f.held = map[*testnode.Node]string{f.nl: f.holdsForMatching(t, f.nl), f.de: f.holdsForMatching(t, f.de)}
	return f
}

// partners makes nodes a and b partners through the partner API, as
// their administrators would: each adds the other's card.
func partners(t *testing.T, a, b *testnode.Node) {
	t.Helper()
	ctx := context.Background()
	for _, pair := range [][2]*testnode.Node{{a, b}, {b, a}} {
		var own struct {
			Card        json.RawMessage `json:"card"`
			Fingerprint string          `json:"fingerprint"`
		}
		if err := pair[0].Client("").Get(ctx, "/api/v1/federation/card", nil, &own); err != nil {
			t.Fatalf("%s card: %v", pair[0].Agency, err)
		}
		// The fingerprint is read out of band in real life; here it comes
		// with the card.
		body := map[string]any{"card": own.Card, "fingerprint": own.Fingerprint}
		if err := pair[1].Client("").Post(ctx, "/api/v1/partners", body, nil); err != nil {
			t.Fatalf("%s adds %s: %v", pair[1].Agency, pair[0].Agency, err)
		}
	}
}

// token returns an API token of the officer user of role on node n,
// creating the user through the accounts API the first time.
func (f *routeFixture) token(t *testing.T, n *testnode.Node, user, role string) string {
	t.Helper()
	if f.tokens[n] == nil {
		f.tokens[n] = map[string]string{}
	}
	if tok := f.tokens[n][user]; tok != "" {
		return tok
	}
	ctx := context.Background()
	admin := n.Client("")
	if err := admin.Post(ctx, "/api/v1/users", map[string]string{"username": user, "role": role}, nil); err != nil {
		t.Fatalf("create user %s (%s) on %s: %v", user, role, n.Agency, err)
	}
	var tok struct {
		Secret string `json:"secret"`
	}
	if err := admin.Post(ctx, "/api/v1/tokens", map[string]string{"username": user, "expiresIn": "2h"}, &tok); err != nil || tok.Secret == "" {
		t.Fatalf("token of %s on %s: %v", user, n.Agency, err)
	}
	f.tokens[n][user] = tok.Secret
	return tok.Secret
}

// as returns a client of node n acting as the officer of role (user name
// = role) with the setup justification.
func (f *routeFixture) as(t *testing.T, n *testnode.Node, role string) *client.Client {
	t.Helper()
	c := n.Client(f.token(t, n, role, role))
	c.Justification, c.CaseRef = setupJustification, setupCase
	return c
}

// setupCall performs a setup call that must succeed.
func setupCall(t *testing.T, c *client.Client, method, path string, body, out any) {
	t.Helper()
	req := client.Request{Method: method, Path: path, Body: body}
	if method == http.MethodPost {
		req.IdempotencyKey = client.NewIdempotencyKey()
	}
	if err := c.Do(context.Background(), req, out); err != nil {
		t.Fatalf("setup %s %s: %v", method, path, err)
	}
}

// next returns a number not returned before.
func (f *routeFixture) next() int {
	f.seq++
	return f.seq
}

// passport returns a passport number not used before.
func (f *routeFixture) passport() string { return fmt.Sprintf("NX%07d", 4100000+f.next()) }

// routeEnvelope is the policy envelope of the records the cases create.
var routeEnvelope = map[string]any{"handling": []string{"H0"}, "tlp": "TLP:AMBER", "sourceReliability": "B",
	"informationReliability": 2, "purpose": "criminal-investigation", "legalBasis": "Police Data Act art. 8"}

// recordDraft is a record about a person holding passport.
func recordDraft(title, passport string) map[string]any {
	return map[string]any{
		"title": title, "narrative": "Seen loading cash into a van at the port of Rotterdam.",
		"entities": []map[string]any{{"id": "p1", "schema": "Person", "properties": map[string][]string{
			"name": {"Jan de Vries"}, "birthDate": {"1979-04-02"}, "passportNumber": {passport}}}},
		"dataSubjects": map[string]string{"p1": "suspect"},
		"envelope":     routeEnvelope,
	}
}

// record creates a record of the node under test about a person holding
// passport and returns its id and version.
func (f *routeFixture) record(t *testing.T, passport string) (string, int) {
	t.Helper()
	var res struct {
		Record struct {
			ID      string `json:"id"`
			Version int    `json:"version"`
		} `json:"record"`
	}
	setupCall(t, f.as(t, f.nl, "investigator"), "POST", "/api/v1/records", recordDraft("Courier at the port", passport), &res)
	return res.Record.ID, res.Record.Version
}

// routeNotice is what the cases read of a notice.
type routeNotice struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	State   string `json:"state"`
	Flags   []struct {
		ID       string `json:"id"`
		Severity string `json:"severity"`
	} `json:"flags"`
}

// noticeDraft is a red notice about a subject not seen before (so that
// screening finds no earlier notice about them); a diffusion goes to the
// partner only.
func (f *routeFixture) noticeDraft(diffusion bool) map[string]any {
	born := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 37*f.next())
	d := map[string]any{
		"type": "red", "category": "suspect",
		"subject": map[string]any{"name": "VERMEULEN", "forename": "PIETER", "dateOfBirth": born.Format(time.DateOnly),
			"nationalities": []string{"NL"}},
		"charges":                 []map[string]any{{"issuingCountry": "NL", "text": "Armed robbery of a jewellery shop", "maxPenaltyMonths": 144}},
		"extraditionWillBeSought": true, "contact": "NCB The Hague",
		"distribution": map[string]any{"scope": "all"},
	}
	if diffusion {
		d["diffusion"] = true
		d["distribution"] = map[string]any{"scope": "agencies", "agencies": []string{"DE-BKA"}}
	}
	return d
}

// draftNotice creates a draft notice (or diffusion) as an investigator.
func (f *routeFixture) draftNotice(t *testing.T, diffusion bool) routeNotice {
	t.Helper()
	var n routeNotice
	setupCall(t, f.as(t, f.nl, "investigator"), "POST", "/api/v1/notices", f.noticeDraft(diffusion), &n)
	return n
}

// submittedNotice is a notice an investigator submitted for review.
func (f *routeFixture) submittedNotice(t *testing.T) routeNotice {
	t.Helper()
	var n routeNotice
	setupCall(t, f.as(t, f.nl, "investigator"), "POST", "/api/v1/notices/"+f.draftNotice(t, false).ID+"/submit", nil, &n)
	return n
}

// approval approves n, acknowledging every blocking flag screening raised.
func approval(n routeNotice) map[string]any {
	ack := []string{}
	for _, fl := range n.Flags {
		if fl.Severity == "block" {
			ack = append(ack, fl.ID)
		}
	}
	return map[string]any{"outcome": "approve", "reasons": "Ordinary-law offence; the warrant is attached.",
		"acknowledged": ack, "extraditionWillBeSought": true}
}

// decide records a reviewer's decision on notice id (the reviewer is not
// the investigator who submitted it).
func (f *routeFixture) decide(t *testing.T, id string, decision map[string]any) routeNotice {
	t.Helper()
	var n routeNotice
	setupCall(t, f.as(t, f.nl, "reviewer"), "POST", "/api/v1/notices/"+id+"/decision", decision, &n)
	return n
}

// publishedNotice is a notice submitted by an investigator and approved
// by a reviewer.
func (f *routeFixture) publishedNotice(t *testing.T) routeNotice {
	t.Helper()
	n := f.submittedNotice(t)
	p := f.decide(t, n.ID, approval(n))
	if p.State != "published" {
		t.Fatalf("approved notice is %s", p.State)
	}
	return p
}

// makeReassessmentDue moves the reassessment reminder of a published
// notice (due four and a half years after publication) into the past.
// The node has no clock to turn, so the test edits the stored notice,
// the one step no API offers; everything else went through the API.
func (f *routeFixture) makeReassessmentDue(t *testing.T, id string) {
	t.Helper()
	d := openNodeDB(t, f.nl.Dir)
	ctx := context.Background()
	var body string
	if err := d.QueryRowContext(ctx, `SELECT body FROM notices WHERE id = ?`, id).Scan(&body); err != nil {
		t.Fatal(err)
	}
	var n map[string]any
	if err := json.Unmarshal([]byte(body), &n); err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(-time.Hour).UTC()
	n["reminderAt"] = due.Format(time.RFC3339Nano)
	b, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(ctx, `UPDATE notices SET body = ?, reminder_at = ? WHERE id = ?`, string(b), due.UnixMicro(), id); err != nil {
		t.Fatal(err)
	}
}

// routeAlert is what the cases read of an alert.
type routeAlert struct {
	ID             string `json:"id"`
	Version        int64  `json:"version"`
	DocumentNumber string `json:"documentNumber"`
}

// alertInput is a stolen Dutch passport alert sent to every partner.
func (f *routeFixture) alertInput() map[string]any {
	return map[string]any{"kind": "travel-document", "status": "stolen", "documentNumber": f.passport(), "country": "NL",
		"contact": "NCB The Hague", "distribution": map[string]any{"scope": "all"}}
}

// alert creates an alert as an investigator.
func (f *routeFixture) alert(t *testing.T) routeAlert {
	t.Helper()
	var a routeAlert
	setupCall(t, f.as(t, f.nl, "investigator"), "POST", "/api/v1/alerts", f.alertInput(), &a)
	return a
}

// receivedMessage is a message the partner sent the node under test, with an
// attachment the node has fetched.
type receivedMessage struct {
	id, attachment string
}

// inboundMessage has a DE investigator upload an attachment and send it
// to NL with a message, and waits until NL holds the message and has
// fetched the attachment. It is set up once for the cases that need it.
func (f *routeFixture) inboundMessage(t *testing.T) receivedMessage {
	t.Helper()
	if f.inbound != nil {
		return *f.inbound
	}
	de := f.as(t, f.de, "investigator")
	content := bytes.Repeat([]byte("manifest of container MSCU1234567\n"), 2000)
	sum := sha256.Sum256(content)
	var up struct {
		ID        string  `json:"id"`
		ChunkSize int64   `json:"chunkSize"`
		Missing   []int64 `json:"missing"`
	}
	setupCall(t, de, "POST", "/api/v1/attachments", map[string]any{"name": "manifest.txt", "mediaType": "text/plain",
		"size": len(content), "sha256": hex.EncodeToString(sum[:])}, &up)
	for _, n := range up.Missing {
		chunk := content[n*up.ChunkSize : min(int64(len(content)), (n+1)*up.ChunkSize)]
		cs := sha256.Sum256(chunk)
		req := client.Request{Method: http.MethodPut, Path: fmt.Sprintf("/api/v1/attachments/%s/chunks/%d", up.ID, n),
			Body:   bytes.NewReader(chunk),
			Header: http.Header{"Content-Type": {"application/octet-stream"}, "Liaison-Chunk-Sha256": {hex.EncodeToString(cs[:])}}}
		if err := de.Do(context.Background(), req, nil); err != nil {
			t.Fatalf("upload chunk %d: %v", n, err)
		}
	}
	setupCall(t, de, "POST", "/api/v1/attachments/"+up.ID+"/complete", nil, nil)
	var sent struct {
		ID string `json:"id"`
	}
	setupCall(t, de, "POST", "/api/v1/messages", map[string]any{"to": []string{"NL-NCB"}, "subject": "Container MSCU1234567",
		"body": "The manifest of the container that arrives in Rotterdam on Friday.", "handling": []string{"H0"},
		"tlp": "TLP:AMBER", "attachments": []string{up.ID}}, &sent)

	nl := f.as(t, f.nl, "investigator")
	var in receivedMessage
	fedtest.Eventually(t, 30*time.Second, "the message and its attachment reach NL", func() error {
		if in.id == "" {
			var page struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			}
			if err := nl.Get(context.Background(), "/api/v1/messages", url.Values{"box": {"inbox"}}, &page); err != nil {
				return err
			}
			for _, m := range page.Items {
				if m.ID == sent.ID {
					in.id = m.ID
				}
			}
			if in.id == "" {
				return fedtest.Errorf("message %s not in the inbox", sent.ID)
			}
			var m struct {
				Attachments []struct {
					ID string `json:"id"`
				} `json:"attachments"`
			}
			setupCall(t, nl, "GET", "/api/v1/messages/"+in.id, nil, &m) // opening it in setup names its attachment here
			if len(m.Attachments) != 1 {
				t.Fatalf("message %s arrived with %d attachments", in.id, len(m.Attachments))
			}
			in.attachment = m.Attachments[0].ID
		}
		var a struct {
			State string `json:"state"`
		}
		if err := nl.Get(context.Background(), "/api/v1/attachments/"+in.attachment, nil, &a); err != nil {
			return err
		}
		if a.State != "complete" {
			return fedtest.Errorf("attachment %s is %s", in.attachment, a.State)
		}
		return nil
	})
	f.inbound = &in
	return in
}

// sharedRecord creates a record with handling code handling, has an
// investigator share it with DE and returns its id once DE holds the copy.
func (f *routeFixture) sharedRecord(t *testing.T, handling string) string {
	t.Helper()
	d := recordDraft("Courier at the port", f.passport())
	env := maps.Clone(routeEnvelope)
	env["handling"] = []string{handling}
	d["envelope"] = env
	var res struct {
		Record struct {
			ID string `json:"id"`
		} `json:"record"`
	}
	nl := f.as(t, f.nl, "investigator")
	setupCall(t, nl, "POST", "/api/v1/records", d, &res)
	id := res.Record.ID
	var shared struct {
		Outcomes []struct {
			Outcome string `json:"outcome"`
		} `json:"outcomes"`
	}
	setupCall(t, nl, "POST", "/api/v1/records/"+id+"/share", map[string]any{"to": []string{"DE-BKA"}, "purpose": "criminal-investigation"}, &shared)
	if len(shared.Outcomes) != 1 || shared.Outcomes[0].Outcome != "queued" {
		t.Fatalf("share with DE: %+v", shared)
	}
	de := f.as(t, f.de, "investigator")
	fedtest.Eventually(t, 30*time.Second, "DE holds NL's record", func() error {
		return de.Get(context.Background(), "/api/v1/records/"+id, nil, nil)
	})
	return id
}

// onwardRequest has DE, holding an H2 copy of an NL record, ask NL for
// permission to pass it to a third agency, FR (a partner of DE only), and
// returns the id of the request once NL has it.
func (f *routeFixture) onwardRequest(t *testing.T) string {
	t.Helper()
	id := f.sharedRecord(t, "H2")
	fr := testnode.Init(t, testnode.Options{Agency: "FR-NCB", Country: "FR", Name: "France NCB"})
	fr.Start()
	partners(t, f.de, fr)
	var shared struct {
		Outcomes []struct {
			Outcome   string `json:"outcome"`
			RequestID string `json:"requestId"`
		} `json:"outcomes"`
	}
	setupCall(t, f.as(t, f.de, "investigator"), "POST", "/api/v1/records/"+id+"/share", map[string]any{"to": []string{"FR-NCB"},
		"purpose": "criminal-investigation", "requestPermission": true, "reason": "FR arrested the courier"}, &shared)
	if len(shared.Outcomes) != 1 || shared.Outcomes[0].Outcome != "permission-requested" {
		t.Fatalf("DE's onward share to FR: %+v", shared)
	}
	spoc := f.as(t, f.nl, "spoc")
	fedtest.Eventually(t, 30*time.Second, "NL has DE's permission request", func() error {
		var page struct {
			Items []struct {
				ID    string `json:"id"`
				State string `json:"state"`
			} `json:"items"`
		}
		if err := spoc.Get(context.Background(), "/api/v1/share-requests", url.Values{"direction": {"in"}}, &page); err != nil {
			return err
		}
		for _, r := range page.Items {
			if r.ID == shared.Outcomes[0].RequestID && r.State == "pending" {
				return nil
			}
		}
		return fedtest.Errorf("requests at NL: %+v", page.Items)
	})
	return shared.Outcomes[0].RequestID
}

// matchView is what a node's matching status says of one side: the
// holder's view for a partner, or the table it holds of a partner.
type matchView struct {
	Partner string `json:"partner"`
	Epoch   uint32 `json:"epoch"`
	Values  int    `json:"values"`
	Version uint64 `json:"version"`
}

// matchStatus reads node n's matching status as its administrator.
func matchStatus(t *testing.T, n *testnode.Node) (views map[uint32][]matchView, tables []matchView) {
	t.Helper()
	var st struct {
		Epochs []struct {
			Epoch uint32      `json:"epoch"`
			Views []matchView `json:"views"`
		} `json:"epochs"`
		Partners []matchView `json:"partners"`
	}
	setupCall(t, n.Client(""), "GET", "/api/v1/match/status", nil, &st)
	views = map[uint32][]matchView{}
	for _, e := range st.Epochs {
		views[e.Epoch] = e.Views
	}
	return views, st.Partners
}

// holdsForMatching creates a record at holder about a person with a new
// passport number and returns the number; matchable waits until querier
// can hit it.
func (f *routeFixture) holdsForMatching(t *testing.T, holder *testnode.Node) string {
	t.Helper()
	passport := f.passport()
	setupCall(t, f.as(t, holder, "investigator"), "POST", "/api/v1/records", recordDraft("Courier seen at the border", passport), nil)
	return passport
}

// matchable returns the passport number the fixture's record at holder
// holds, once the table querier holds of holder's index has it: the
// holder's view for querier counts a value in its latest epoch, and the
// querier's table of that epoch is at least at the view's version then.
func (f *routeFixture) matchable(t *testing.T, holder, querier *testnode.Node) string {
	t.Helper()
	passport := f.held[holder]
	fedtest.Eventually(t, 60*time.Second, querier.Agency+" holds "+holder.Agency+"'s index with the record", func() error {
		views, _ := matchStatus(t, holder)
		var epoch uint32
		for e := range views {
			epoch = max(epoch, e)
		}
		var want *matchView
		for _, v := range views[epoch] {
			if v.Partner == querier.Agency && v.Values > 0 {
				want = &v
			}
		}
		if want == nil {
			return fedtest.Errorf("%s's view for %s in epoch %d is empty", holder.Agency, querier.Agency, epoch)
		}
		_, tables := matchStatus(t, querier)
		for _, tb := range tables {
			if tb.Partner == holder.Agency && tb.Epoch == epoch && tb.Version >= want.Version {
				return nil
			}
		}
		return fedtest.Errorf("%s's tables %+v are behind %s's view %+v", querier.Agency, tables, holder.Agency, *want)
	})
	return passport
}

// hit has an investigator of querier query the passport held by holder
// and returns the hit's id.
func (f *routeFixture) hit(t *testing.T, querier, holder *testnode.Node) string {
	t.Helper()
	var res struct {
		Partners []struct {
			Status  string `json:"status"`
			Results []struct {
				HitID string `json:"hitId"`
			} `json:"results"`
		} `json:"partners"`
	}
	setupCall(t, f.as(t, querier, "investigator"), "POST", "/api/v1/match/queries", map[string]any{"type": "passport",
		"values": []string{f.matchable(t, holder, querier)}, "partners": []string{holder.Agency}}, &res)
	if len(res.Partners) != 1 || res.Partners[0].Status != "hit" || len(res.Partners[0].Results) == 0 || res.Partners[0].Results[0].HitID == "" {
		t.Fatalf("%s's query of a passport %s holds: %+v", querier.Agency, holder.Agency, res)
	}
	return res.Partners[0].Results[0].HitID
}

// receivedFollowUp has DE hit a record of NL and follow the hit up, and
// returns the id of the follow-up once NL's SPOC has it to answer. It is
// set up once for the cases that need it.
func (f *routeFixture) receivedFollowUp(t *testing.T) string {
	t.Helper()
	if f.followUp != "" {
		return f.followUp
	}
	hit := f.hit(t, f.de, f.nl)
	setupCall(t, f.as(t, f.de, "investigator"), "POST", "/api/v1/match/hits/"+hit+"/follow-up", map[string]any{}, nil)
	spoc := f.as(t, f.nl, "spoc")
	fedtest.Eventually(t, 30*time.Second, "NL has DE's follow-up to answer", func() error {
		var page struct {
			Items []struct {
				ID      string `json:"id"`
				Partner string `json:"partner"`
				State   string `json:"state"`
			} `json:"items"`
		}
		if err := spoc.Get(context.Background(), "/api/v1/match/follow-ups", nil, &page); err != nil {
			return err
		}
		for _, fu := range page.Items {
			if fu.Partner == "DE-BKA" && fu.State == "open" {
				f.followUp = fu.ID
				return nil
			}
		}
		return fedtest.Errorf("follow-ups at NL: %+v", page.Items)
	})
	return f.followUp
}

// bulkRequest is a list of passports, one of which DE holds, to run
// against DE's index once NL holds it.
func (f *routeFixture) bulkRequest(t *testing.T) map[string]any {
	t.Helper()
	return map[string]any{"partner": "DE-BKA", "type": "passport", "format": "csv",
		"data": f.passport() + "\n" + f.matchable(t, f.de, f.nl) + "\n" + f.passport() + "\n"}
}

// bulkRun is a bulk run a SPOC submitted, waiting for a second person's
// approval.
func (f *routeFixture) bulkRun(t *testing.T) string {
	t.Helper()
	var run struct {
		ID string `json:"id"`
	}
	setupCall(t, f.as(t, f.nl, "spoc"), "POST", "/api/v1/match/bulk", f.bulkRequest(t), &run)
	return run.ID
}

// sharedFile reads a file of /work/shared (the repository root's sibling
// shared/); it skips the test when the file is missing, unless CI=true.
func sharedFile(t *testing.T, elem ...string) []byte {
	t.Helper()
	rel := filepath.Join(elem...)
	data, err := os.ReadFile(filepath.Join(append([]string{"..", "..", "..", "shared"}, elem...)...))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared file shared/%s missing: %v", rel, err)
		}
		t.Skipf("shared file shared/%s missing: %v", rel, err)
	}
	return data
}
