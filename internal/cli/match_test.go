package cli

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/matchsvc"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// matchNode runs records and matching on a fedtest node.
type matchNode struct {
	*fedtest.Node
	svc     *matchsvc.Service
	records *record.Service
}

func newMatchNode(t *testing.T, agency, country string) *matchNode {
	t.Helper()
	fn := fedtest.NewNode(t, agency, country, nil)
	ctx := context.Background()
	if err := fn.DB.Migrate(ctx, record.Schema, matchsvc.Schema); err != nil {
		t.Fatal(err)
	}
	dec, err := policy.New(policy.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	hasher := hasherFunc(func(k, v string) string { return "h1:" + k })
	recs, err := record.New(record.Config{Agency: agency, Country: country}, record.Deps{DB: fn.DB, Audit: fn.Audit, Hasher: hasher, Decider: dec})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := matchsvc.New(ctx, matchsvc.Config{Agency: agency, Country: country, TableMaxAge: time.Nanosecond, PollInterval: 50 * time.Millisecond},
		matchsvc.Deps{DB: fn.DB, Audit: fn.Audit, Hasher: hasher, Decider: dec, Federation: fn.Service(), Records: recs,
			SigningKey: fn.ID.SigningKey, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { svc.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &matchNode{Node: fn, svc: svc, records: recs}
}

// The match commands end to end against two federated nodes: query,
// person, follow-up on both sides, and a bulk run through the two-person
// rule with a progress bar.
func TestMatchCommands(t *testing.T) {
	nl := newMatchNode(t, "NL-NCB", "NL")
	de := newMatchNode(t, "DE-BKA", "DE")
	fedtest.Introduce(t, nl.Node, de.Node)

	d := record.Draft{Title: "Seizure", Envelope: policy.Envelope{Handling: policy.H0, TLP: policy.TLPAmber, SourceReliability: policy.SourceB,
		InformationReliability: policy.Info2, Purpose: policy.PurposeCriminalInvestigation, LegalBasis: "test"},
		Entities: []ftm.Entity{{ID: "p1", Schema: "Person", Properties: map[string][]string{
			"name": {"Сергей Иванов"}, "birthDate": {"1970-01-02"}, "passportNumber": {"CLI1234567"}}}},
		DataSubjects: map[string]policy.DataSubjectCategory{"p1": policy.CategorySuspect}}
	b, _ := json.Marshal(d)
	dd, _, err := record.DecodeDraft(b, record.Limits{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nl.records.Create(nl.Context(access.Investigator), dd); err != nil {
		t.Fatal(err)
	}
	fedtest.Eventually(t, 20*time.Second, "indexes", func() error {
		for n, records := range map[*matchNode]int{nl: 1, de: 0} {
			st, err := n.svc.Status(n.Context(access.Admin))
			if err != nil || !st.Ready || len(st.Epochs[0].Views) != 1 || st.Records != records {
				return fedtest.ErrNotYet
			}
		}
		return nil
	})

	serve := func(n *matchNode) string {
		h, err := api.Handler(api.Config{Auth: roleBearer{}}, n.svc.Routes())
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	deURL, nlURL := serve(de), serve(nl)

	out, _, err := runAt(deURL, "investigator", "match", "query", "--type", "passport", "--value", "cli 123 4567", "--value", "CLI7654321", "--case", "DE-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "NL-NCB   #1     hit") || !strings.Contains(out, "NL-NCB   #2     no-hit") || !strings.Contains(out, "1 of 1 partners hit") {
		t.Fatalf("query output:\n%s", out)
	}
	out, _, err = runAt(deURL, "investigator", "match", "person", "--name", "IVANOV Sergei", "--birth-date", "1970-01-02", "--case", "DE-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "name-dob") || !strings.Contains(out, "hit (candidate)") {
		t.Fatalf("person output:\n%s", out)
	}
	var res matchsvc.QueryResult
	out, _, err = runAt(deURL, "investigator", "--json", "match", "query", "--type", "passport", "--value", "CLI1234567", "--case", "DE-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Partners[0].Results[0].HitID == "" {
		t.Fatalf("json output %s: %v", out, err)
	}
	out, _, err = runAt(deURL, "investigator", "match", "follow-up", res.Partners[0].Results[0].HitID, "--case", "DE-1")
	if err != nil || !strings.Contains(out, "Follow-up sent to NL-NCB") {
		t.Fatalf("follow-up: %s %v", out, err)
	}
	fedtest.Eventually(t, 20*time.Second, "follow-up at NL", func() error {
		out, _, err = runAt(nlURL, "spoc", "match", "follow-ups")
		if err != nil || !strings.Contains(out, "open") {
			return fedtest.ErrNotYet
		}
		return nil
	})
	if !strings.Contains(out, "DE-BKA") || !strings.Contains(out, "due 20") {
		t.Fatalf("follow-ups:\n%s", out)
	}

	list := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(list, []byte("CLI1234567\nCLI0000001\nCLI0000002\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err = runAt(deURL, "spoc", "match", "bulk", "submit", list, "--partner", "NL-NCB", "--type", "passport", "--case", "DE-1")
	if err != nil || !strings.Contains(out, "waiting for approval") {
		t.Fatalf("submit: %s %v", out, err)
	}
	id := strings.TrimSuffix(strings.Fields(out)[2], ":")
	if _, _, err := runAt(deURL, "spoc", "match", "bulk", "approve", id); err == nil || !strings.Contains(err.Error(), "two-person rule") {
		t.Fatalf("self-approval: %v", err)
	}
	if out, _, err = runAt(deURL, "admin", "match", "bulk", "approve", id); err != nil {
		t.Fatalf("approve: %s %v", out, err)
	}
	out, errOut, err := runAt(deURL, "spoc", "match", "bulk", "status", id, "--wait", "--hits")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "[########################] 100%  3 of 3 values  1 hits  done") {
		t.Errorf("progress:\n%s", errOut)
	}
	if !strings.Contains(out, "3 of 3 values done, 1 hits") || !strings.Contains(out, "hit: list entry 1, exact") {
		t.Fatalf("status:\n%s", out)
	}
}
