package exercise_test

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/app"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/demo"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/exercise"
	"github.com/liaison-project/liaison/internal/identity"
	"github.com/liaison-project/liaison/internal/scenario"
)

type appLauncher struct{}

func (appLauncher) Init(ctx context.Context, s demo.NodeSpec) (*demo.NodeInit, error) {
	res, err := app.Init(ctx, app.InitOptions{Dir: s.Dir, Agency: s.Agency, Country: s.Country, Name: s.Name,
		APIListen: s.APIListen, FederationListen: s.FederationListen, Exercise: s.Exercise})
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
	scDir := filepath.Join(dir, "scenario")
	if _, err := scenario.WriteDir(scenario.Options{Seed: 3, Countries: []string{"NL", "DE", "FR"}, Size: scenario.Small}, scDir); err != nil {
		t.Fatal(err)
	}
	sc, err := exercise.Open(scDir)
	if err != nil {
		t.Fatal(err)
	}
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
