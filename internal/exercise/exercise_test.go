package exercise_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/app"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/config"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/demo"
	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/exercise"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/identity"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/noticesvc"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/scenario"
)

// appLauncher runs nodes in this process with internal/app. With t set,
// each node's database is a fresh one of the test's engine (a PostgreSQL
// schema when LIAISON_TEST_POSTGRES is set, see dbtest).
type appLauncher struct{ t *testing.T }

func (l appLauncher) Init(ctx context.Context, s demo.NodeSpec) (*demo.NodeInit, error) {
	var dsn string
	if l.t != nil {
		dsn = dbtest.DSN(l.t)
	}
	res, err := app.Init(ctx, app.InitOptions{Dir: s.Dir, Agency: s.Agency, Country: s.Country, Name: s.Name,
		APIListen: s.APIListen, FederationListen: s.FederationListen, Exercise: s.Exercise, Database: dsn})
	if err != nil {
		return nil, err
	}
	return &demo.NodeInit{AdminUser: res.AdminUser, AdminPassword: res.AdminPassword, AdminToken: res.AdminToken,
		AdminTokenFile: filepath.Join(res.Dir, app.AdminTokenFile),
		CertFile:       filepath.Join(res.Dir, identity.KeysDir, identity.TLSCertFile)}, nil
}

func (appLauncher) Serve(ctx context.Context, dir string, log io.Writer, ready func(string)) error {
	return app.Serve(ctx, app.ServeOptions{Dir: dir, Stderr: log, LogLevel: "warn", Ready: func(a app.Addrs) { ready(a.API) }})
}

// smallScenario writes the small scenario of seed 3 under dir and opens it.
func smallScenario(t *testing.T, dir string) *exercise.Scenario {
	t.Helper()
	scDir := filepath.Join(dir, "scenario")
	if _, err := scenario.WriteDir(scenario.Options{Seed: 3, Countries: []string{"NL", "DE", "FR"}, Size: scenario.Small}, scDir); err != nil {
		t.Fatal(err)
	}
	sc, err := exercise.Open(scDir)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// officerToken creates user with role on node i and a token for it.
func officerToken(t *testing.T, net *demo.Network, i int, user, role string, exercise bool) *client.Client {
	t.Helper()
	ctx := context.Background()
	admin := net.Client(i, net.Nodes[i].AdminToken)
	if err := admin.Post(ctx, "/api/v1/users", map[string]string{"username": user, "role": role}, nil); err != nil && !errs.Is(err, errs.Conflict) {
		t.Fatal(err)
	}
	var tok struct {
		Secret string `json:"secret"`
	}
	if err := admin.Post(ctx, "/api/v1/tokens", map[string]any{"username": user, "expiresIn": "1h", "exercise": exercise}, &tok); err != nil {
		t.Fatal(err)
	}
	return net.Client(i, tok.Secret)
}

// TestPlayAndClean plays a scenario's timeline into three real nodes with
// exercise tokens, checks that exercise and real data stay apart and that
// the audit log marks the exercise, then cleans the exercise up.
func TestPlayAndClean(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	sc := smallScenario(t, dir)
	net, err := demo.StartNetwork(ctx, appLauncher{}, dir, sc.Manifest.Agencies)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()

	var nodes []*exercise.Node
	for i, n := range net.Nodes {
		nodes = append(nodes, &exercise.Node{Agency: n.Agency, Client: officerToken(t, net, i, "trainee", "spoc", true)})
	}
	realSPOC := officerToken(t, net, 0, "duty", "spoc", false)
	realSPOC.Justification = "real case"

	// A real token is refused: the player never injects with one.
	bad := []*exercise.Node{{Agency: net.Nodes[0].Agency, Client: realSPOC}, nodes[1], nodes[2]}
	if _, err := (&exercise.Player{Scenario: sc, Nodes: bad}).Run(ctx); !errs.Is(err, errs.Permission) {
		t.Fatalf("played with a real token: %v", err)
	}

	var out, journal bytes.Buffer
	p := &exercise.Player{Scenario: sc, Nodes: nodes, Speed: 0, Background: true, Out: &out, Journal: &journal}
	sum, err := p.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", out.String())
	want := map[string]int{}
	for _, e := range sc.Timeline {
		switch e.Type {
		case scenario.EventRecordCreated, scenario.EventRecordShared, scenario.EventMessage, scenario.EventRecordWithdrawn:
			want[exercise.OK]++
		default:
			want[exercise.Skipped]++
		}
	}
	if sum.Failed != 0 || sum.Played != want[exercise.OK] || sum.Skipped != want[exercise.Skipped] {
		t.Fatalf("summary %+v, want %d played and %d skipped", sum, want[exercise.OK], want[exercise.Skipped])
	}
	entries, err := exercise.ReadJournal(&journal)
	if err != nil {
		t.Fatal(err)
	}

	// Exercise and real data stay apart both ways.
	ex := *nodes[0].Client
	ex.Justification = "exercise"
	var exID string
	for _, e := range entries {
		if e.Agency == net.Nodes[0].Agency {
			exID = e.Record
		}
	}
	if err := realSPOC.Get(ctx, "/api/v1/records/"+exID, nil, nil); err == nil {
		t.Fatal("a real token reads an exercise record")
	}
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := realSPOC.Get(ctx, "/api/v1/records", url.Values{"limit": {"500"}}, &page); err != nil || len(page.Items) != 0 {
		t.Fatalf("a real token lists %d exercise records (%v)", len(page.Items), err)
	}
	realDraft := map[string]any{"title": "Real case", "entities": []map[string]any{{"id": "v1", "schema": "Vehicle",
		"properties": map[string][]string{"registrationNumber": {"AB-123-C"}}}},
		"envelope": map[string]any{"handling": []string{"H0"}, "tlp": "TLP:AMBER", "sourceReliability": "A", "informationReliability": 1,
			"purpose": "criminal-investigation", "legalBasis": "Wpg"}}
	var created struct {
		Record struct {
			ID string `json:"id"`
		} `json:"record"`
	}
	if err := realSPOC.Post(ctx, "/api/v1/records", realDraft, &created); err != nil {
		t.Fatal(err)
	}
	if err := ex.Get(ctx, "/api/v1/records/"+created.Record.ID, nil, nil); err == nil {
		t.Fatal("an exercise token reads a real record")
	}

	// The audit log marks what the exercise did.
	dpo := officerToken(t, net, 0, "dpo", "dpo", false)
	dpo.Justification = "exercise review"
	var events struct {
		Items []audit.Entry `json:"items"`
	}
	if err := dpo.Get(ctx, "/api/v1/audit/events", url.Values{"kind": {string(audit.Collect)}, "object": {exID}}, &events); err != nil {
		t.Fatal(err)
	}
	if len(events.Items) == 0 || !events.Items[0].Event.Exercise {
		t.Fatalf("collect events of the exercise record: %+v", events.Items)
	}

	// Clean-up erases every exercise record, withdrawn ones included, and
	// nothing else.
	total := 0
	for _, n := range nodes {
		res, err := exercise.Clean(ctx, n, entries)
		if err != nil {
			t.Fatal(err)
		}
		total += res.Erased
	}
	if total != len(entries) {
		t.Fatalf("erased %d records, the exercise created %d", total, len(entries))
	}
	if err := ex.Get(ctx, "/api/v1/records", url.Values{"limit": {"500"}}, &page); err != nil || len(page.Items) != 0 {
		t.Fatalf("after clean-up the exercise token lists %d records (%v)", len(page.Items), err)
	}
	if err := realSPOC.Get(ctx, "/api/v1/records/"+created.Record.ID, nil, nil); err != nil {
		t.Fatalf("the real record is gone: %v", err)
	}
	res, err := exercise.Clean(ctx, nodes[0], entries)
	if err != nil || res.Erased != 0 {
		t.Fatalf("second clean-up: %+v %v", res, err)
	}
	if !strings.Contains(out.String(), "exercise: ") {
		t.Errorf("no summary line:\n%s", out.String())
	}
}

// TestPlayOnExerciseNodes plays a scenario's whole timeline — records,
// shares, messages, withdrawals, alerts and border checks, notices and
// hit/no-hit queries — into three exercise nodes with nothing skipped and
// nothing failed, then cleans up: records erased, notices and alerts
// cancelled, and the partners' border checks no longer hit.
func TestPlayOnExerciseNodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	sc := smallScenario(t, dir)
	net, err := demo.StartExerciseNetwork(ctx, appLauncher{t: t}, dir, sc.Manifest.Agencies)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()

	// Ordinary tokens: on an exercise node every principal is an
	// exercise principal.
	var nodes []*exercise.Node
	for i, n := range net.Nodes {
		c := officerToken(t, net, i, "trainee", "spoc", false)
		var me auth.Me
		if err := c.Get(ctx, "/api/v1/me", nil, &me); err != nil || !me.Exercise || !me.ExerciseNode {
			t.Fatalf("%s: GET /me %+v, %v: want an exercise principal on an exercise node", n.Agency, me, err)
		}
		nodes = append(nodes, &exercise.Node{Agency: n.Agency, Client: c})
	}
	kinds := map[string]int{}
	for _, e := range sc.Timeline {
		kinds[e.Type]++
	}
	for _, k := range []string{scenario.EventQuery, scenario.EventAlertLookup, scenario.EventNoticeDrafted} {
		if kinds[k] == 0 {
			t.Fatalf("the timeline has no %s event: %v", k, kinds)
		}
	}

	var out, journal bytes.Buffer
	p := &exercise.Player{Scenario: sc, Nodes: nodes, Speed: 0, Background: true, Out: &out, Journal: &journal}
	sum, err := p.Run(ctx)
	t.Logf("%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 0 || sum.Skipped != 0 || sum.Played != len(sc.Timeline) || sum.Alerts == 0 {
		t.Fatalf("summary %+v, want all %d events played and alerts loaded", sum, len(sc.Timeline))
	}

	// The stolen passport hits at the node that looked it up, from the
	// alert another exercise node reported.
	st := sc.Manifest.Story
	lookupAt := slices.IndexFunc(net.Nodes, func(n demo.NetworkNode) bool { return n.Agency == st.StolenPassport.LookupAgency })
	border := officerToken(t, net, lookupAt, "border", "border", false)
	border.Justification = "exercise border check"
	q := url.Values{"document": {st.StolenPassport.Document.Value}, "country": {st.StolenPassport.Document.Country}}
	var res noticesvc.LookupResult
	if err := border.Get(ctx, "/api/v1/lookup", q, &res); err != nil || !res.Hit {
		t.Fatalf("border check of the stolen passport: %+v, %v", res, err)
	}

	// Records travel between exercise nodes through disclosure too: the
	// policy sees exercise partners, so an exercise record goes to them
	// for purpose training, and the copy stays exercise data.
	entries, err := exercise.ReadJournal(&journal)
	if err != nil {
		t.Fatal(err)
	}
	shared := shareOne(t, ctx, net, nodes, entries)

	// The exercise's reviewer approves the red notice; it reaches the
	// other exercise nodes, whose border checks then hit on its subject.
	leadAt := slices.IndexFunc(net.Nodes, func(n demo.NetworkNode) bool { return n.Agency == st.LeadAgency })
	reviewer := officerToken(t, net, leadAt, "reviewer", "reviewer", false)
	reviewer.Justification = "exercise review of notices"
	var queue httpx.Page[noticesvc.Summary]
	if err := reviewer.Get(ctx, "/api/v1/notices", url.Values{"state": {string(notice.InReview)}}, &queue); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(queue.Items, func(s noticesvc.Summary) bool { return s.Name == st.RedNotice.Name })
	if i < 0 {
		t.Fatalf("the red notice for %s is not in the review queue: %+v", st.RedNotice.Name, queue.Items)
	}
	dec := noticesvc.DecisionRequest{Outcome: notice.Approved, ExtraditionWillBeSought: true, Reasons: "Exercise: ordinary-law offence."}
	if err := reviewer.Post(ctx, "/api/v1/notices/"+queue.Items[i].ID+"/decision", dec, nil); err != nil {
		t.Fatal(err)
	}
	if lookupAt == leadAt {
		t.Fatal("the border check and the notice are at the same node")
	}
	person := url.Values{"name": {st.RedNotice.Forename + " " + st.RedNotice.Name}, "birthDate": {strings.ReplaceAll(st.RedNotice.DateOfBirth, "/", "-")}}
	eventually(t, "the exercise notice hits at "+st.StolenPassport.LookupAgency, func() bool {
		return border.Get(ctx, "/api/v1/lookup", person, &res) == nil && res.Hit
	})

	var erased, notices, alerts int
	for _, n := range nodes {
		r, err := exercise.Clean(ctx, n, entries)
		if err != nil {
			t.Fatal(err)
		}
		erased, notices, alerts = erased+r.Erased, notices+r.Notices, alerts+r.Alerts
	}
	// The shared copy is erased by its holder's clean-up or by the
	// originator's erasure reaching it, whichever comes first.
	if erased < len(entries) || erased > len(entries)+shared || notices != kinds[scenario.EventNoticeDrafted]+kinds[scenario.EventNoticeRequested] || alerts == 0 {
		t.Fatalf("clean-up erased %d records of %d (+%d copies), cancelled %d notices and %d alerts", erased, len(entries), shared, notices, alerts)
	}
	for _, n := range nodes {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		c := *n.Client
		c.Justification = "after the clean-up"
		if err := c.Get(ctx, "/api/v1/records", url.Values{"limit": {"500"}}, &page); err != nil || len(page.Items) != 0 {
			t.Fatalf("%s lists %d records after the clean-up (%v)", n.Agency, len(page.Items), err)
		}
	}
	// The cancellations reach the partner: its border checks stop hitting.
	for _, query := range []url.Values{q, person} {
		eventually(t, "the cancelled alert and notice stop hitting at the partner", func() bool {
			return border.Get(ctx, "/api/v1/lookup", query, &res) == nil && !res.Hit
		})
	}
	// The audit trail of the clean-up: each cancellation is the exercise's.
	dpo := officerToken(t, net, 0, "dpo", "dpo", false)
	dpo.Justification = "exercise review"
	var events struct {
		Items []audit.Entry `json:"items"`
	}
	if err := dpo.Get(ctx, "/api/v1/audit/events", url.Values{"kind": {string(audit.Alter)}, "limit": {"500"}}, &events); err != nil {
		t.Fatal(err)
	}
	cancelled := 0
	for _, e := range events.Items {
		if !e.Event.Exercise {
			t.Fatalf("audit event %s %s on an exercise node is not marked exercise", e.Event.Kind, e.Event.Reason)
		}
		if strings.HasSuffix(e.Event.Reason, "-cancelled") {
			cancelled++
		}
	}
	if cancelled == 0 {
		t.Fatalf("no cancellation in the audit log: %d alter events", len(events.Items))
	}
	again, err := exercise.Clean(ctx, nodes[0], entries)
	if err != nil || again.Erased != 0 || again.Notices != 0 || again.Alerts != 0 {
		t.Fatalf("second clean-up: %+v %v", again, err)
	}
}

// eventually waits up to the player's default wait for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(exercise.DefaultWait)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", exercise.DefaultWait, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// shareOne shares the first journalled record the policy lets go to a
// partner with purpose training, waits for the partner's copy and checks
// it is exercise data. It returns the number of copies made (1).
func shareOne(t *testing.T, ctx context.Context, net *demo.Network, nodes []*exercise.Node, entries []exercise.JournalEntry) int {
	t.Helper()
records:
	for _, e := range entries {
		from := slices.IndexFunc(net.Nodes, func(n demo.NetworkNode) bool { return n.Agency == e.Agency })
		c := *nodes[from].Client
		c.Justification = "exercise: informing a partner"
		for to, n := range net.Nodes {
			if to == from {
				continue
			}
			var res disclosure.ShareResult
			req := disclosure.ShareRequest{To: []string{n.Agency}, Purpose: policy.PurposeTraining}
			err := c.Post(ctx, "/api/v1/records/"+e.Record+"/share", req, &res)
			if errs.Is(err, errs.Conflict) {
				continue records // withdrawn
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Outcomes) != 1 || res.Outcomes[0].Outcome != disclosure.OutcomeQueued {
				continue // this record may not go there (H3, TLP:RED, …): try another
			}
			holder := *nodes[to].Client
			holder.Justification = "exercise: copy received"
			var cp struct {
				Envelope policy.Envelope `json:"envelope"`
			}
			eventually(t, n.Agency+" holds the copy", func() bool {
				return holder.Get(ctx, "/api/v1/records/"+e.Record, nil, &cp) == nil
			})
			if !cp.Envelope.Exercise || cp.Envelope.Purpose != policy.PurposeTraining || cp.Envelope.ReceivedFrom != e.Agency {
				t.Fatalf("%s's copy: %+v", n.Agency, cp.Envelope)
			}
			return 1
		}
	}
	t.Fatal("no exercise record could be shared with a partner")
	return 0
}

// TestNodeNeverSwitches: a real node whose configuration is edited to
// say exercise refuses to start, as does an exercise node edited back:
// its partners and data are on one side of the exercise boundary.
func TestNodeNeverSwitches(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, exerciseNode := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "node")
		if _, err := app.Init(ctx, app.InitOptions{Dir: dir, Agency: "NL-NCB", Country: "NL", Name: "Netherlands NCB",
			APIListen: "127.0.0.1:0", FederationListen: "127.0.0.1:0", Exercise: exerciseNode, Database: dbtest.DSN(t)}); err != nil {
			t.Fatal(err)
		}
		cfgFile := filepath.Join(dir, config.FileName)
		raw, err := os.ReadFile(cfgFile)
		if err != nil {
			t.Fatal(err)
		}
		var cfg map[string]any
		if err := json.Unmarshal(raw, &cfg); err != nil {
			t.Fatal(err)
		}
		cfg["agency"].(map[string]any)["exercise"] = !exerciseNode
		raw, _ = json.Marshal(cfg)
		if err := os.WriteFile(cfgFile, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		err = app.Serve(ctx, app.ServeOptions{Dir: dir, Stderr: io.Discard, LogLevel: "error"})
		if err == nil || !strings.Contains(err.Error(), "never switches between exercise and real data") {
			t.Fatalf("exercise=%v node edited to %v: serve: %v", exerciseNode, !exerciseNode, err)
		}
	}
}
