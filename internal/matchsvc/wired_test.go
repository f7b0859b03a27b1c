//go:build matchwired

// The wired test runs two real liaison binaries (internal/testnode): it
// builds the whole node, which takes a minute on a busy machine, so it is
// opt-in with the build tag matchwired:
//
//	go test -tags matchwired -run TestWiredNodes ./internal/matchsvc
//
// LIAISON_TEST_POSTGRES runs both nodes on PostgreSQL.

package matchsvc_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/testnode"
)

func userToken(t *testing.T, n *testnode.Node, user, role string) string {
	t.Helper()
	if out, err := n.CLI("user", "add", user, "--role", role); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	out, err := n.CLI("token", "create", "--user", user, "--expires", "24h", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Secret string }
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Secret == "" {
		t.Fatalf("token create: %v\n%s", err, out)
	}
	return res.Secret
}

// Two real nodes: a record created at NL hits from DE's command line, and
// the follow-up reaches NL's SPOC.
func TestWiredNodes(t *testing.T) {
	nl := testnode.Init(t, testnode.Options{Agency: "NL-NCB", Country: "NL", Name: "Netherlands NCB"})
	de := testnode.Init(t, testnode.Options{Agency: "DE-BKA", Country: "DE", Name: "Bundeskriminalamt"})
	nl.Start()
	de.Start()
	testnode.Onboard(t, nl, de)
	inv := userToken(t, nl, "inv", "investigator")
	deInv := userToken(t, de, "inv", "investigator")
	nlSpoc := userToken(t, nl, "spoc", "spoc")

	c := nl.Client(inv)
	c.Justification = "seizure report"
	draft := map[string]any{
		"title": "Seizure", "envelope": map[string]any{"handling": []string{"H0"}, "tlp": "TLP:AMBER", "sourceReliability": "B",
			"informationReliability": 2, "purpose": "criminal-investigation", "legalBasis": "test"},
		"entities": []map[string]any{{"id": "p1", "schema": "Person", "properties": map[string][]string{
			"name": {"Сергей Иванов"}, "birthDate": {"1970-01-02"}, "passportNumber": {"WIRED12345"}}}},
		"dataSubjects": map[string]string{"p1": "suspect"},
	}
	if err := c.Post(context.Background(), "/api/v1/records", draft, nil); err != nil {
		t.Fatal(err)
	}

	var out string
	fedtest.Eventually(t, 60*time.Second, "hit from DE", func() error {
		var err error
		out, err = de.CLI("--token", deInv, "--case", "DE-2026-1", "--justification", "border check",
			"match", "query", "--type", "passport", "--value", "wired 12345")
		if err != nil || !strings.Contains(out, " hit ") {
			return fedtest.Errorf("%v: %s", err, out)
		}
		return nil
	})
	out, err := de.CLI("--token", deInv, "--case", "DE-2026-1", "--justification", "identify the driver", "--json",
		"match", "person", "--name", "IVANOV Sergei", "--birth-date", "1970-01-02")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Partners []struct {
			Status  string
			Results []struct {
				Key, Status, HitID string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Partners[0].Status != "hit" {
		t.Fatalf("person query: %v\n%s", err, out)
	}
	hit := ""
	for _, r := range res.Partners[0].Results {
		if r.Key == "name-dob" && r.Status == "hit" {
			hit = r.HitID
		}
	}
	if hit == "" {
		t.Fatalf("no name-dob hit: %s", out)
	}
	if out, err := de.CLI("--token", deInv, "--case", "DE-2026-1", "--justification", "identify the driver", "match", "follow-up", hit); err != nil {
		t.Fatalf("follow-up: %v\n%s", err, out)
	}
	fedtest.Eventually(t, 60*time.Second, "follow-up at NL", func() error {
		out, err := nl.CLI("--token", nlSpoc, "--justification", "daily review", "match", "follow-ups")
		if err != nil || !strings.Contains(out, "open") || !strings.Contains(out, "DE-BKA") {
			return fedtest.Errorf("%v: %s", err, out)
		}
		return nil
	})
}
