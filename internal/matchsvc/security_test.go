package matchsvc

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/match/budget"
	"github.com/liaison-project/liaison/internal/policy"
)

// dump returns every row of every table of d as bytes, for byte-wise
// searches: text as is, blobs raw.
func dump(t testing.TB, d *db.DB) []byte {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if d.Dialect() == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := d.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	var out bytes.Buffer
	for _, table := range tables {
		rows, err := d.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("dump %s: %v", table, err)
			}
			for _, v := range vals {
				switch x := v.(type) {
				case []byte:
					out.Write(x)
				case string:
					out.WriteString(x)
				default:
					fmt.Fprint(&out, x)
				}
				out.WriteByte(0)
			}
		}
		rows.Close()
	}
	if d.Dialect() == db.SQLite {
		// The file itself, with its write-ahead log: free pages and old
		// versions of rows are there too.
		var path string
		var seq int
		var name string
		if err := d.QueryRowContext(ctx, `SELECT seq, name, file FROM pragma_database_list WHERE name = 'main'`).Scan(&seq, &name, &path); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{path, path + "-wal"} {
			if b, err := os.ReadFile(f); err == nil {
				out.Write(b)
			}
		}
	}
	return out.Bytes()
}

// The leakage test: after a run of queries, the holder's database
// (every table, the file and its log), its logs and its audit events hold
// none of the queried identifiers that it did not hold before, and those
// it holds no more often than before; the querier stores hashes and
// references only.
func TestHolderLearnsNoQueriedValue(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA")
	nl, de := ns[0], ns[1]
	nl.create(t, policy.Envelope{}, ent("p1", "Person", "name", "Anna Held", "birthDate", "1981-03-04", "passportNumber", "HELD7654321"))
	nl.sync(t)
	held := []string{"HELD7654321"}
	missed := []string{"MISS7654321", "+31687654321", "geheim.adres@voorbeeld.nl", "NL36INGB0007654321", "ZXCV1234QWER", "Zacharias Quendelbaum"}

	before := dump(t, nl.DB)
	counts := map[string]int{}
	for _, v := range held {
		counts[v] = bytes.Count(before, []byte(v))
		if counts[v] == 0 {
			t.Fatalf("the holder's records do not hold %s", v)
		}
	}
	queries := []QueryRequest{
		{Type: "passport", Values: []string{"HELD7654321", "MISS7654321"}},
		{Type: "phone", Values: []string{"+31687654321"}},
		{Type: "email", Values: []string{"geheim.adres@voorbeeld.nl"}},
		{Type: "iban", Values: []string{"NL36INGB0007654321"}},
		{Type: "plate", Values: []string{"ZXCV1234QWER"}},
		{Type: TypePerson, Name: "Zacharias Quendelbaum", BirthDate: "1955-05-05"},
	}
	var hitID string
	for _, q := range queries {
		res := de.query(t, q)
		for _, v := range partnerResult(t, res, "NL-NCB").Results {
			if v.Status == StatusHit {
				hitID = v.HitID
			}
		}
	}
	if hitID == "" {
		t.Fatal("the held passport did not hit")
	}
	if _, err := de.svc.FollowUp(de.officer(access.Investigator), hitID, FollowUpRequest{Justification: "suspect crossed the border"}); err != nil {
		t.Fatal(err)
	}
	fedtest.Eventually(t, 20*time.Second, "follow-up resolved", func() error {
		nl.sync(t)
		var n int
		if err := nl.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM match_follow_ups WHERE state = ?`, followUpOpen).Scan(&n); err != nil || n != 1 {
			return fedtest.ErrNotYet
		}
		return nil
	})

	after := dump(t, nl.DB)
	logs := nl.logs.Bytes()
	events, err := json.Marshal(nl.Audit.Events(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range held {
		if n := bytes.Count(after, []byte(v)); n > counts[v] {
			t.Errorf("holder database: %q appears %d times after the queries, %d before", v, n, counts[v])
		}
	}
	for _, v := range append(missed, "1955-05-05", "quendelbaum") {
		for where, b := range map[string][]byte{"database": after, "logs": logs, "audit events": events} {
			if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(v))) {
				t.Errorf("holder %s contain the queried %q", where, v)
			}
		}
	}
	for _, v := range append(held, missed...) {
		for where, b := range map[string][]byte{"logs": logs, "audit events": events} {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("holder %s contain the queried %q", where, v)
			}
		}
	}
	// The holder audited each evaluation: partner, purpose, case, type
	// and count.
	evals := nl.Audit.Find(t, audit.Consult, audit.OK, "match evaluation")
	if len(evals) < len(queries) {
		t.Fatalf("holder audited %d evaluations for %d queries", len(evals), len(queries))
	}
	if e := evals[0]; e.Agency != "DE-BKA" || !e.Partner || e.Purpose != "criminal-investigation" || e.CaseRef != "CASE-1" ||
		!strings.Contains(e.Reason, "2 passport evaluations") {
		t.Errorf("holder's evaluation event: %+v", e)
	}

	// The querier keeps hashes and references, never values; its audit
	// event names each value by its keyed hash, with the justification.
	deDump := dump(t, de.DB)
	deEvents := de.Audit.Find(t, audit.Consult, audit.OK, "match query")
	if len(deEvents) != len(queries) {
		t.Fatalf("querier audited %d queries, want %d", len(deEvents), len(queries))
	}
	h := testHasher{key: []byte("audit key of DE-BKA")}.HashPersonal("passport", "HELD7654321")
	if e := deEvents[0]; len(e.Hashes) != 2 || e.Hashes[0] != h || e.Justification != "operation test" || e.CaseRef != "CASE-1" ||
		len(e.Recipients) != 1 || e.Recipients[0] != "NL-NCB" {
		t.Errorf("querier's query event: %+v", e)
	}
	for _, v := range append(held, missed...) {
		if bytes.Contains(deDump, []byte(v)) || bytes.Contains(de.logs.Bytes(), []byte(v)) {
			t.Errorf("querier stored or logged the queried %q", v)
		}
	}
}

// A querier holds references only for values it queried, and a reference
// is good only for the partner it was issued to.
func TestReferencesAreBoundToQueryAndPartner(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA", "FR-DCPJ")
	nl, de, fr := ns[0], ns[1], ns[2]
	nl.create(t, policy.Envelope{}, ent("p1", "Person", "name", "Anna Held", "birthDate", "1981-03-04",
		"passportNumber", "AAA1111111", "idNumber", "BBB2222222"))
	nl.sync(t)
	res := de.query(t, QueryRequest{Type: "passport", Values: []string{"AAA1111111"}})
	hit := partnerResult(t, res, "NL-NCB").Results[0]
	if hit.Status != StatusHit {
		t.Fatalf("no hit: %+v", hit)
	}

	epoch := match.EpochID(partnerResult(t, res, "NL-NCB").Epoch)
	queried, err := nl.svc.holder.Ref("DE-BKA", epoch, match.Key{Type: match.Passport, Value: "AAA1111111"})
	if err != nil {
		t.Fatal(err)
	}
	notQueried, err := nl.svc.holder.Ref("DE-BKA", epoch, match.Key{Type: match.NationalID, Value: "BBB2222222"})
	if err != nil {
		t.Fatal(err)
	}
	if queried.String() != hit.Reference {
		t.Fatalf("reference %s, holder computes %s", hit.Reference, queried)
	}
	deDump := dump(t, de.DB)
	if !bytes.Contains(deDump, queried[:]) {
		t.Error("the querier does not keep the reference of its hit")
	}
	if bytes.Contains(deDump, notQueried[:]) {
		t.Error("the querier holds the reference of a value it did not query")
	}

	// FR quotes DE's reference in a follow-up of its own: it resolves to
	// nothing, because references are bound to the partner.
	payload, err := json.Marshal(followUpPayload{Version: 1, Reference: hit.Reference, Epoch: uint32(epoch), Type: "passport",
		CaseRef: "FR-1", Purpose: "criminal-investigation", Justification: "borrowed reference", Officer: "fr officer"})
	if err != nil {
		t.Fatal(err)
	}
	err = fr.DB.Write(context.Background(), func(tx *db.Tx) error {
		_, err := fr.Service().Send(context.Background(), tx, federation.Outbound{Type: TypeFollowUp, To: []string{"NL-NCB"}, Payload: payload})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var f FollowUp
	fedtest.Eventually(t, 20*time.Second, "follow-up from FR", func() error {
		nl.sync(t)
		fus, _, err := nl.svc.ListFollowUps(nl.officer(access.SPOC), 10, nil)
		if err != nil || len(fus) != 1 || fus[0].State != followUpOpen {
			return fedtest.ErrNotYet
		}
		f = fus[0]
		return nil
	})
	if f.Partner != "FR-DCPJ" || len(f.Records) != 0 || !strings.Contains(f.Resolution, "matches no record") {
		t.Fatalf("a reference issued to DE resolved for FR: %+v", f)
	}
}

// A holder that answers one query with another key than it announced is
// caught by the proof check: the querier reports the partner as
// unavailable with an invalid proof, audits it and keeps no hit.
func TestHolderUsingAnotherKeyIsCaught(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA")
	nl, de := ns[0], ns[1]
	nl.create(t, policy.Envelope{}, ent("p1", "Person", "name", "Anna Held", "birthDate", "1981-03-04", "passportNumber", "CHEAT12345"))
	nl.sync(t)
	if got := partnerResult(t, de.query(t, QueryRequest{Type: "passport", Values: []string{"CHEAT12345"}}), "NL-NCB"); got.Status != StatusHit {
		t.Fatalf("honest holder: %+v", got)
	}

	// The holder keeps a second key for the current epoch and answers DE
	// with it, while its signed announcement names the first.
	cur, err := nl.svc.cfg.Epochs.Current(nl.Now())
	if err != nil {
		t.Fatal(err)
	}
	nb, na := nl.svc.cfg.Epochs.Window(cur)
	k, err := match.GenerateEpochKey(cur, nb, na, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cheat, err := match.NewHolder("NL-NCB", nl.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := cheat.AddEpoch(k); err != nil {
		t.Fatal(err)
	}
	nl.svc.holder = cheat

	res := de.query(t, QueryRequest{Type: "passport", Values: []string{"CHEAT12345"}})
	got := partnerResult(t, res, "NL-NCB")
	if got.Status != StatusUnavailable || !strings.Contains(got.Reason, "invalid proof from holder NL-NCB") || len(got.Results) != 0 {
		t.Fatalf("cheating holder: %+v", got)
	}
	failed := de.Audit.Find(t, audit.Consult, audit.Failed, "invalid proof from holder NL-NCB")
	if len(failed) != 1 || len(failed[0].Recipients) != 1 || failed[0].Recipients[0] != "NL-NCB" {
		t.Fatalf("invalid proof audited as %+v", failed)
	}
	var hits int
	if err := de.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM match_hits`).Scan(&hits); err != nil || hits != 1 {
		t.Fatalf("querier keeps %d hits (err %v), want only the honest one", hits, err)
	}
}

// Budgets per partner, type and case are enforced by the holder with 429,
// an explanation and Retry-After, survive a restart, and are audited.
func TestBudgetExceededIs429(t *testing.T) {
	edit := func(c *Config) {
		b := DefaultBudget()
		b.Default[match.Passport] = budget.Limits{PerCase: 3, PerPartner: 5}
		c.Budget = &b
	}
	nl := newNode(t, "NL-NCB", "NL", edit)
	de := newNode(t, "DE-BKA", "DE", nil)
	fedtest.Introduce(t, nl.Node, de.Node)
	nl.sync(t)
	de.sync(t)

	if got := partnerResult(t, de.query(t, QueryRequest{Type: "passport", Values: []string{"BUDGET0001", "BUDGET0002"}}), "NL-NCB"); got.Status != StatusNoHit {
		t.Fatalf("within budget: %+v", got)
	}
	got := partnerResult(t, de.query(t, QueryRequest{Type: "passport", Values: []string{"BUDGET0003", "BUDGET0004"}}), "NL-NCB")
	if got.Status != StatusUnavailable || !strings.Contains(got.Reason, "budget exceeded: ") ||
		!strings.Contains(got.Reason, "daily budget for passport queries by DE-BKA in case CASE-1 exhausted: 2 of 3 used, this request needs 2") {
		t.Fatalf("over budget: %+v", got)
	}
	if denied := nl.Audit.Find(t, audit.Consult, audit.Denied, "match evaluation refused"); len(denied) != 1 || denied[0].Agency != "DE-BKA" {
		t.Fatalf("refusal audited as %+v", denied)
	}

	// The raw answer: 429, problem+json, Retry-After until the next UTC day.
	rt := de.svc.tables.get("NL-NCB")
	q, err := match.NewQuerier("DE-BKA", de.Now)
	if err != nil {
		t.Fatal(err)
	}
	pend, err := q.Query(rt.ann.Announcement, match.Passport, []string{"BUDGET0005", "BUDGET0006"}, match.Meta{Purpose: "criminal-investigation", Case: "CASE-1"})
	if err != nil {
		t.Fatal(err)
	}
	status, header, body := postEvaluate(t, de, nl, pend.Request())
	if status != http.StatusTooManyRequests || header.Get("Content-Type") != "application/problem+json" || header.Get("Retry-After") == "" {
		t.Fatalf("status %d, headers %v, body %s", status, header, body)
	}

	// A restart keeps today's counts.
	again, err := New(context.Background(), nl.svc.cfg, Deps{DB: nl.DB, Audit: nl.Audit, Hasher: nl.svc.hasher, Decider: nl.svc.decider,
		Federation: inertFederation{}, Records: nl.records, SigningKey: nl.ID.SigningKey, Now: nl.Now})
	if err != nil {
		t.Fatal(err)
	}
	if u := again.meter.Usage("DE-BKA", match.Passport, "CASE-1"); u.Case != 2 || u.Partner != 2 {
		t.Fatalf("after a restart the meter shows %+v, want 2 used", u)
	}
}

// postEvaluate sends an evaluation request from one node's federation
// identity to another's listener by hand.
func postEvaluate(t testing.TB, from, to *node, req *match.EvalRequest) (int, http.Header, []byte) {
	t.Helper()
	body, err := req.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return postRaw(t, from, to, body)
}

func postRaw(t testing.TB, from, to *node, body []byte) (int, http.Header, []byte) {
	t.Helper()
	c := fedtest.PartnerClient(from.Node, to.Node)
	resp, err := c.Post(to.URL+pathEvaluate, ContentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header, buf.Bytes()
}

func problemOf(t testing.TB, body []byte) httpx.Problem {
	t.Helper()
	var p httpx.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a problem: %s", body)
	}
	return p
}

// inertFederation stands in for federation where a test needs a second
// service on a node's database.
type inertFederation struct{}

func (inertFederation) HandlePeer(string, httpx.HandlerFunc) {}
func (inertFederation) CallPeer(context.Context, string, string, string, []byte, string) (int, []byte, error) {
	return 0, nil, errs.E(errs.Transient, "no federation in this test")
}
func (inertFederation) Handle(string, federation.InboundHandler) {}
func (inertFederation) Send(context.Context, *db.Tx, federation.Outbound) (uuid.UUID, error) {
	return uuid.Nil, errs.E(errs.Transient, "no federation in this test")
}
func (inertFederation) ListPartners(context.Context, bool) ([]federation.Partner, error) {
	return nil, nil
}

// Sequential sweeps are refused on the querier's node before anything is
// sent, and audited.
func TestSweepIsRefused(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA")
	nl, de := ns[0], ns[1]
	ctx := de.officer(access.Analyst)
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		_, err = de.svc.Query(ctx, QueryRequest{Type: "phone", Values: []string{fmt.Sprintf("+3161234560%d", i)}})
	}
	if !errs.Is(err, errs.Precondition) || !strings.Contains(errs.PublicMessage(err), "refused as a sweep") {
		t.Fatalf("sweep: %v", err)
	}
	if denied := de.Audit.Find(t, audit.Consult, audit.Denied, "refused as a sweep"); len(denied) != 1 || len(denied[0].Hashes) != 1 {
		t.Fatalf("sweep refusal audited as %+v", denied)
	}
	evals := len(nl.Audit.Find(t, audit.Consult, audit.OK, "match evaluation"))
	if evals != 5 {
		t.Errorf("the holder evaluated %d queries, want the 5 before the refusal", evals)
	}
}

// Malformed requests get clear errors: malformed points, wrong batch
// sizes, unknown types, expired or unknown epochs, wrong media types.
func TestBadEvaluationRequests(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA")
	nl, de := ns[0], ns[1]
	rt, err := de.svc.table(context.Background(), "NL-NCB", true)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := match.NewQuerier("DE-BKA", de.Now)
	meta := match.Meta{Purpose: "criminal-investigation", Case: "CASE-1"}
	pend, err := q.Query(rt.ann.Announcement, match.Passport, []string{"X1"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	good, err := pend.Request().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body := postRaw(t, de, nl, good); status != http.StatusOK {
		t.Fatalf("good request: %d %s", status, body)
	}
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	elemAt := len(good) - 32
	cases := []struct {
		name  string
		body  []byte
		field string
	}{
		{"malformed point", mutate(func(b []byte) []byte { copy(b[elemAt:], bytes.Repeat([]byte{0xff}, 32)); return b }), "request.elements[0]"},
		{"identity point", mutate(func(b []byte) []byte { copy(b[elemAt:], make([]byte, 32)); return b }), "request.elements[0]"},
		{"empty batch", mutate(func(b []byte) []byte { b[elemAt-2], b[elemAt-1] = 0, 0; return b[:elemAt] }), "request.count"},
		{"batch too large", mutate(func(b []byte) []byte { b[elemAt-2], b[elemAt-1] = 0x04, 0x01; return b }), "request.count"},
		{"count and bytes differ", mutate(func(b []byte) []byte { b[elemAt-1] = 2; return b }), "request.elements"},
		{"unknown type", mutate(func(b []byte) []byte { b[4+1+6+4] = 99; return b }), "request.type"},
		{"trailing bytes", append(bytes.Clone(good), 0), "request.end"},
		{"not a request", []byte("hello"), "request.magic"},
	}
	for _, c := range cases {
		status, _, body := postRaw(t, de, nl, c.body)
		if status != http.StatusBadRequest || problemOf(t, body).Field != c.field {
			t.Errorf("%s: %d %s, want 400 naming %s", c.name, status, body, c.field)
		}
	}

	// An epoch the holder does not answer is a conflict: fetch the table.
	old := rt.ann.Announcement
	old.Epoch--
	old.NotBefore, old.NotAfter = old.NotBefore.Add(-24*time.Hour), old.NotAfter.Add(-24*time.Hour+time.Hour)
	if old.NotAfter.Before(de.Now()) {
		old.NotAfter = de.Now().Add(time.Hour)
	}
	stale, err := q.Query(old, match.Passport, []string{"X1"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body := postEvaluate(t, de, nl, stale.Request()); status != http.StatusConflict || problemOf(t, body).Field != "epoch" {
		t.Errorf("unknown epoch: %d %s", status, body)
	}

	// The wrong media type.
	c := fedtest.PartnerClient(de.Node, nl.Node)
	resp, err := c.Post(nl.URL+pathEvaluate, "application/json", bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("wrong media type: %d", resp.StatusCode)
	}

	// Officer-side input errors are clear too.
	ctx := de.officer(access.Investigator)
	for _, c := range []struct {
		req   QueryRequest
		field string
	}{
		{QueryRequest{Type: "shoe-size", Values: []string{"44"}}, "type"},
		{QueryRequest{Type: "iban", Values: []string{"NL00NOTANIBAN"}}, "values[0]"},
		{QueryRequest{Type: "passport"}, "values"},
		{QueryRequest{Type: TypePerson, Name: "Anna"}, "person"},
		{QueryRequest{Type: "passport", Values: []string{"X1"}, Partners: []string{"XX-NOBODY"}}, "partners[0]"},
		{QueryRequest{Type: "passport", Values: []string{"X1"}, Purpose: "training"}, "purpose"},
	} {
		_, err := de.svc.Query(ctx, c.req)
		if !errs.Is(err, errs.Invalid) || errs.FieldOf(err) != c.field {
			t.Errorf("%+v: %v, want invalid %s", c.req, err, c.field)
		}
	}
	noCase := access.WithJustification(access.With(context.Background(), de.Principal(access.Investigator)), access.Justification{Text: "no case"})
	if _, err := de.svc.Query(noCase, QueryRequest{Type: "passport", Values: []string{"X1"}}); !errs.Is(err, errs.Precondition) {
		t.Errorf("query without a case: %v", err)
	}
	if _, err := de.svc.Query(nl.officer(access.Border), QueryRequest{Type: "passport", Values: []string{"X1"}}); !errs.Is(err, errs.Permission) {
		t.Errorf("border role: %v", err)
	}
}

// Abnormal use is flagged at the holder: a burst of evaluations and a
// follow-up rate far above what lookups give raise alerts, which are
// stored, listed, logged and audited (without values).
func TestAbuseAlerts(t *testing.T) {
	edit := func(c *Config) {
		c.Monitor = &budget.MonitorConfig{BurstFactor: 10, BurstMin: 3, HitRateMax: 0.2, HitRateMinEvals: 4, CaseFanout: 100}
	}
	nl := newNode(t, "NL-NCB", "NL", edit)
	de := newNode(t, "DE-BKA", "DE", nil)
	fedtest.Introduce(t, nl.Node, de.Node)
	nl.create(t, policy.Envelope{}, ent("p1", "Person", "name", "Anna Held", "passportNumber", "ALERT00001"),
		ent("p2", "Person", "name", "Bert Held", "passportNumber", "ALERT00002"))
	nl.sync(t)
	de.sync(t)

	res := de.query(t, QueryRequest{Type: "passport", Values: []string{"ALERT00001", "ALERT00002", "ALERT00003", "ALERT00004"}})
	var hits []string
	for _, v := range partnerResult(t, res, "NL-NCB").Results {
		if v.Status == StatusHit {
			hits = append(hits, v.HitID)
		}
	}
	if len(hits) != 2 {
		t.Fatalf("hits %v", hits)
	}
	for _, h := range hits {
		if _, err := de.svc.FollowUp(de.officer(access.SPOC), h, FollowUpRequest{Justification: "confirm the list"}); err != nil {
			t.Fatal(err)
		}
	}
	var kinds []string
	fedtest.Eventually(t, 20*time.Second, "alerts", func() error {
		alerts, err := nl.svc.Alerts(nl.officer(access.DPO), 10)
		if err != nil || len(alerts) < 2 {
			return fedtest.ErrNotYet
		}
		kinds = nil
		for _, a := range alerts {
			kinds = append(kinds, a.Kind)
			if a.Partner != "DE-BKA" || a.Type != "passport" {
				t.Errorf("alert %+v", a)
			}
		}
		return nil
	})
	if !slices.Contains(kinds, "burst") || !slices.Contains(kinds, "hit-rate") {
		t.Fatalf("alerts %v, want a burst and a hit rate", kinds)
	}
	if ev := nl.Audit.Find(t, audit.Consult, audit.Failed, "match abuse alert hit-rate"); len(ev) != 1 || ev[0].Objects[0].ID != "DE-BKA" {
		t.Fatalf("hit-rate alert audited as %+v", ev)
	}
	if !bytes.Contains(nl.logs.Bytes(), []byte("matching abuse alert")) {
		t.Error("the alert was not logged")
	}
}
