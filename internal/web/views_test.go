package web_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/noticesvc"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
	"github.com/liaison-project/liaison/internal/web"
)

// seedRecords creates two records of case NL-2026-0042 that share a
// passport number, with names in Cyrillic, Arabic and Latin script, and
// records that DE-BKA holds a copy of the first.
func seedRecords(t *testing.T, d *db.DB, rs *record.Service) []string {
	t.Helper()
	ctx := access.WithJustification(access.With(context.Background(), access.Principal{UserID: "u-seed", Username: "inv0",
		Role: access.Investigator, Agency: "NL-NCB", Country: "NL"}), access.Justification{CaseRef: "NL-2026-0042", Text: "seeding the demo case"})
	envelope := `"envelope":{"handling":["H0","H2"],"tlp":"TLP:AMBER","sourceReliability":"B","informationReliability":2,"purpose":"criminal-investigation","legalBasis":"Police Data Act, s. 9"}`
	docs := []string{
		`{"title":"Cash couriers on the A12 corridor","narrative":"Two couriers moved cash in a car with Ukrainian plates through Utrecht on 3 March.","assessment":"The couriers probably work for the same network.","caseRef":"NL-2026-0042",` +
			`"entities":[{"id":"p1","schema":"Person","properties":{"name":["Олександр Коваленко"],"birthDate":["1984-05-12"],"nationality":["ua"],"passportNumber":["FX123456"]}},` +
			`{"id":"p2","schema":"Person","properties":{"name":["أحمد الحسن"],"birthDate":["1990-01-30"],"nationality":["ma"]}},` +
			`{"id":"c1","schema":"Vehicle","properties":{"registrationNumber":["AA1234BB"],"model":["Škoda Octavia"]}},` +
			`{"id":"a1","schema":"Associate","properties":{"person":["p1"],"associate":["p2"],"relationship":["co-courier"]}}],` +
			`"dataSubjects":{"p1":"suspect","p2":"contact"},"assessments":["a1"],` + envelope + `}`,
		`{"title":"Passport FX123456 presented at Schiphol","narrative":"The passport was presented at Schiphol on 5 March.","caseRef":"NL-2026-0042",` +
			`"entities":[{"id":"q1","schema":"Person","properties":{"name":["Oleksandr Kovalenko"],"birthDate":["1984-05-12"],"passportNumber":["FX123456"]}}],` +
			`"dataSubjects":{"q1":"suspect"},` + envelope + `}`,
	}
	var ids []string
	for _, doc := range docs {
		draft, _, err := record.DecodeDraft([]byte(doc), record.Limits{}, true)
		if err != nil {
			t.Fatalf("seed draft: %v", err)
		}
		r, err := rs.Create(ctx, draft)
		if err != nil {
			t.Fatalf("seed record: %v", err)
		}
		ids = append(ids, r.ID)
	}
	if err := d.Write(ctx, func(tx *db.Tx) error { return record.SetHolder(ctx, tx, ids[0], "DE-BKA", 1, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	return ids
}

// fakePortal is the portal served over TLS with the real auth service
// (sessions, CSRF, throttling) and the real notice service (notices,
// screening, review, alerts and the border index), and fakes for the
// capabilities not wired into a node yet.
type fakePortal struct {
	base    string
	audit   *auditRec
	fed     *fakeFederation
	records *record.Service
	recIDs  []string // the seeded records: the A12 report, the Schiphol report
	notices *noticesvc.Service
}

const testPassword = "a long enough passphrase"

func startFakePortal(t *testing.T) *fakePortal {
	t.Helper()
	rec := &auditRec{}
	d := dbtest.Open(t, auth.Schema, noticesvc.Schema, record.Schema)
	sessions := auth.New(auth.Config{Agency: "NL-NCB", Country: "NL"}, d, rec, slog.New(slog.DiscardHandler))
	ctx := access.With(context.Background(), access.Principal{Username: "setup", Role: access.Admin, Agency: "NL-NCB", Country: "NL"})
	for _, u := range []struct {
		name, display string
		role          access.Role
	}{
		{"inv1", "Inge de Vries", access.Investigator}, {"rev1", "Rui Alves", access.Reviewer}, {"bor1", "Bram Olde", access.Border},
		{"dpo1", "Dana Ørsted", access.DPO}, {"spoc1", "Sofia Petrović", access.SPOC},
	} {
		res, err := sessions.CreateUser(ctx, u.name, u.display, u.role)
		if err != nil {
			t.Fatal(err)
		}
		if err := sessions.ChangePassword(ctx, res.User.ID, res.Password, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	fp := &fakePortal{audit: rec, fed: newFakeFederation(rec)}
	decider, err := policy.New(policy.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	fp.records, err = record.New(record.Config{Agency: "NL-NCB", Country: "NL"}, record.Deps{DB: d, Audit: rec, Hasher: rec, Decider: decider})
	if err != nil {
		t.Fatal(err)
	}
	fp.recIDs = seedRecords(t, d, fp.records)
	fp.notices, err = noticesvc.New(context.Background(), noticesvc.Config{Agency: "NL-NCB", Country: "NL"},
		noticesvc.Deps{DB: d, Audit: rec, Hasher: rec, Decider: decider})
	if err != nil {
		t.Fatal(err)
	}
	spoc := access.WithJustification(access.With(context.Background(), access.Principal{UserID: "u-spoc", Username: "spoc1",
		Role: access.SPOC, Agency: "NL-NCB", Country: "NL"}), access.Justification{Text: "alert entry"})
	for _, a := range []noticesvc.AlertInput{
		{Kind: notice.TravelDocument, Status: notice.Stolen, DocumentType: notice.Passport, DocumentNumber: "X1234567", Country: "FR", Contact: "NCB Lyon", Reference: "FR-2026-117"},
		{Kind: notice.Vehicle, Status: notice.Stolen, Plate: "AA1234BB", Country: "UA", Contact: "NCB Kyiv", Reference: "UA-88-2026"},
	} {
		if _, err := fp.notices.CreateAlert(spoc, a); err != nil {
			t.Fatal(err)
		}
	}
	key := make([]byte, 32)
	rand.Read(key)
	h, err := web.New(web.Config{Node: web.NodeInfo{Agency: "NL-NCB", Country: "NL", Name: "Netherlands NCB"}, StateKey: key,
		Sessions: sessions, Audit: rec, Messages: fp.fed, Partners: fp.fed, Records: fp.records, Sharing: newFakeSharing(rec, fp.recIDs[0]),
		Notices: fp.notices, Border: fp.notices, Matching: newFakeMatching(rec, fp.recIDs[0]), Witness: fakeWitness{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	fp.base = srv.URL
	return fp
}

// TestPortalViews drives in Chromium what TestNodesEndToEnd cannot yet do
// on real nodes, and the pages for the screenshots: a hit/no-hit query and
// its follow-up (no matching service yet), message attachments, record
// search and the record page with a partner holding a copy, the case
// network, a border hit on a document alert, the DPO seeing an audit event
// for each, and the dashboard on a tablet.
func TestPortalViews(t *testing.T) {
	b := newBrowser(t)
	fp := startFakePortal(t)
	base := fp.base
	fp.fed.receive("FR-NCB", "Request 2026/118: courier seen in Lyon", "A courier matching Олександр Коваленко was seen in Lyon on 2 March.", "FR-2026-118")

	// Investigator: dashboard, inbox, reading a message (the case is asked
	// once, then used for everything).
	b.login(base, "inv1", testPassword)
	b.must("main h1", "Dashboard")
	b.must(".widget", "Unread")
	b.screenshot("dashboard-investigator")
	b.clean("investigator dashboard")
	b.open(base, "/messages")
	b.must("tbody", "Request 2026/118")
	b.screenshot("messages-inbox")
	b.press("tbody a", "main h1")
	b.must("main h1", "State your case")
	b.setCase("NL-2026-0042", "cash courier network on the A12 corridor")
	b.must("main h1", "Request 2026/118")
	b.must(".body", "Олександр Коваленко")
	b.clean("read message")

	// Reply with markings and an attachment; delivery and the partner's
	// read receipt show per recipient.
	attachment := filepath.Join(t.TempDir(), "courier-route.txt")
	if err := os.WriteFile(attachment, []byte("Utrecht → Lyon, 3 March\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.open(base, "/messages/new")
	b.fill(map[string]string{"input[name=to][value='DE-BKA']": "on", "#m-subject": "Courier network A12: request for information",
		"#m-body": "Do you hold information on Олександр Коваленко (born 1984-05-12) or أحمد الحسن?", "input[name=handling][value=H2]": "on", "#m-tlp": "TLP:AMBER+STRICT"})
	b.do("attach", chromedp.SetUploadFiles(chromedp.CSS("#m-files"), []string{attachment}))
	b.screenshot("message-compose")
	b.press("form[action='/messages/new'] button[type=submit]", "main h1")
	b.must("main h1", "Courier network A12")
	b.must("#deliv + .table-wrap", "delivered")
	fp.fed.partnerReads("DE-BKA")
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1")))
	b.must("#deliv + .table-wrap", "read")
	b.must("#deliv + .table-wrap", "officer-7731")
	b.screenshot("message-receipts")
	b.clean("send message")

	// Records: search across scripts (htmx), open a record.
	b.open(base, "/records")
	b.fill(map[string]string{"#rs-q": "Kovalenko"})
	b.swap("form[action='/records/search'] button[type=submit]", "results", "tbody")
	if n := b.count("#results tbody tr"); n != 2 {
		t.Errorf("search found %d records, want 2", n)
	}
	if strings.Contains(b.location(), "Kovalenko") {
		t.Error("the searched name is in the URL")
	}
	b.screenshot("records-search")
	b.press("#results tbody a[href='/records/"+fp.recIDs[0]+"']", "main h1")
	b.must("main h1", "Cash couriers")
	b.must(".envelope", "TLP:AMBER")
	b.must(".envelope", "H2")
	b.must(".entities", "أحمد الحسن")
	b.must("#corr + .table-wrap", "FX123456")
	b.must("#holders + .table-wrap", "DE-BKA")
	b.must("#holders + .table-wrap", "change waiting to be sent") // FR-NCB's copy is outdated
	b.screenshot("record")
	b.clean("records")

	b.open(base, "/network")
	b.do("chart", chromedp.WaitVisible(chromedp.CSS("#network canvas")))
	value(b, "chart status", chromedp.Poll[bool]("document.getElementById('network-status').textContent.indexOf('nodes') >= 0"))
	b.screenshot("case-network")
	b.clean("network")

	// Hit/no-hit query and the follow-up from the hit: the holder gets a
	// task with the case and justification, never the value checked.
	b.open(base, "/match")
	b.fill(map[string]string{"#mq-type": "passport", "#mq-value": "FX 123456"})
	b.press("form[action='/match'] button[type=submit]", "#mr")
	b.must("#mr + .table-wrap", "HIT")
	b.must("#mr + .table-wrap", "no hit")
	b.must("#mr + .table-wrap", "unavailable")
	b.screenshot("match-results")
	b.press("form[action^='/match/hits/'] button", "#fu-sent")
	b.must("#fu-sent + .table-wrap", "DE-BKA")
	b.must("#fu-sent + .table-wrap", "NL-2026-0042")
	if n := b.count("#fu-open"); n != 0 {
		t.Error("an investigator sees the follow-ups partners sent to the SPOC")
	}
	b.clean("match")

	b.press("form[action='/logout'] button", "#username")

	// Border officer: a hit on a document alert, and a clear no-hit.
	b.login(base, "bor1", testPassword)
	b.open(base, "/border")
	b.must("main h1", "State your case") // once per session
	b.setCase("", "border check, Schiphol terminal 2")
	b.must("main h1", "Border check")
	b.fill(map[string]string{"#b-doc": "x1234567", "#b-dc": "FR"})
	b.press("form:has(#b-doc) button", "main h1")
	b.must(".verdict-hit", "seize")
	b.must(".verdict-hit", "NCB Lyon")
	b.screenshot("border-hit")
	b.fill(map[string]string{"#b-doc": "ZZ9999999", "#b-dc": "FR"})
	b.press("form:has(#b-doc) button", "main h1")
	b.must(".verdict-clear", "No hit")
	b.clean("border")
	b.press("form[action='/logout'] button", "#username")

	// The DPO sees an audit event for each of these actions, with the
	// officers' cases and justifications.
	b.login(base, "dpo1", testPassword)
	b.open(base, "/audit")
	b.setCase("DPO-2026-07", "lawfulness check")
	b.fill(map[string]string{"#au-kind": ""})
	b.swap("form[action='/audit/search'] button[type=submit]", "results", "tbody")
	for _, want := range []string{"message opened", "message sent", "search", "allow.originator", "hit/no-hit query passport",
		"lookup-hit", "lookup-miss", "NL-2026-0042", "border check, Schiphol"} {
		b.must("#results", want)
	}
	b.screenshot("audit-events")
	b.must("#a-wit ~ .table-wrap", "liaison.DE-BKA/witness") // partners cosign this node's log
	b.must(".witness-alert", "UA-NCB")                       // UA-NCB showed two versions of its log
	b.clean("dpo")

	// The SPOC reviews a record: it is kept, with the justification.
	b.press("form[action='/logout'] button", "#username")
	b.login(base, "spoc1", testPassword)
	b.open(base, "/records/"+fp.recIDs[0])
	b.setCase("NL-2026-0042", "quarterly review: the courier case is still under investigation")
	b.do("open review", chromedp.Click(chromedp.CSS("details.inline-details summary")))
	b.press("form[action$='/review'] button", ".flash")
	b.must(".flash", "Reviewed")
	b.must(".timeline", "review")
	b.clean("review record")

	// The SPOC answers a partner's follow-up before its 48-hour deadline,
	// and a holder's request to pass the H2 record onward.
	b.open(base, "/follow-ups")
	b.must("#fu-fu-late", "overdue")
	b.must("#fu-fu-due", "BKA-2026-4471")
	b.screenshot("follow-ups")
	b.fill(map[string]string{"#fo-fu-due": "shared", "#fn-fu-due": "record copy sent to DE-BKA"})
	b.press("form[action='/follow-ups/fu-due/answer'] button", "#fu-done")
	b.must("#fu-done + .table-wrap", "record copy sent to DE-BKA")
	b.clean("follow-ups")

	b.open(base, "/share-requests")
	b.must("#rq-0b7d6c1e-5f7a-4c1e-9a51-2f1c9d7e4a10", "FR-NCB arrested a courier")
	b.screenshot("share-requests")
	b.press("#rq-0b7d6c1e-5f7a-4c1e-9a51-2f1c9d7e4a10 button[value=deny]", "[role=alert]")
	b.must("[role=alert]", "say why the request is denied") // the holder is told why
	b.fill(map[string]string{"#rr-0b7d6c1e-5f7a-4c1e-9a51-2f1c9d7e4a10": "not before the joint action day"})
	b.press("#rq-0b7d6c1e-5f7a-4c1e-9a51-2f1c9d7e4a10 button[value=deny]", "#rq-answered")
	b.must("#rq-answered + .table-wrap", "not before the joint action day")
	b.clean("share requests")

	// A tablet: the navigation folds above the page.
	b.do("tablet", chromedp.EmulateViewport(820, 1180))
	b.open(base, "/dashboard")
	b.screenshot("tablet-dashboard")
	b.clean("tablet")
}
