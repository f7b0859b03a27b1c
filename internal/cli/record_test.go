package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

type recordTestAuth map[string]access.Principal

func (a recordTestAuth) Authenticate(r *http.Request) (access.Principal, error) {
	p, ok := a[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		return access.Principal{}, errs.E(errs.Unauthorized, "bad token")
	}
	return p, nil
}

// recordServer serves the records API of agency NL-NCB in process; the
// token "inv" is an investigator, "spoc" a SPOC.
func recordServer(t *testing.T) string {
	t.Helper()
	d := dbtest.Open(t, api.Schema, audit.Schema, record.Schema)
	seed := make([]byte, ed25519.SeedSize)
	l, err := audit.Open(context.Background(), d, audit.Config{Agency: "NL-NCB", Key: ed25519.NewKeyFromSeed(seed), CheckpointInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := policy.New(policy.DefaultConfig())
	svc, err := record.New(record.Config{Agency: "NL-NCB", Country: "NL"}, record.Deps{DB: d, Audit: l, Hasher: l, Decider: dec})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	auth := recordTestAuth{
		"inv":  {UserID: "u1", Username: "inv", Role: access.Investigator, Agency: "NL-NCB", Country: "NL"},
		"spoc": {UserID: "u2", Username: "spoc", Role: access.SPOC, Agency: "NL-NCB", Country: "NL"},
	}
	h, err := api.Handler(api.Config{Log: log, Auth: auth, Idempotency: &api.Idempotency{DB: d, Log: log}}, svc.Routes())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpx.Common(log, h))
	t.Cleanup(srv.Close)
	return srv.URL
}

// runRecordCmd runs the CLI against url with token and returns standard
// output, standard error and the error.
func runRecordCmd(t *testing.T, url, token string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin), Getenv: func(string) string { return "" }}
	all := append([]string{"--url", url, "--token", token}, args...)
	err := Run(context.Background(), all, env)
	return out.String(), errb.String(), err
}

func TestRecordCommands(t *testing.T) {
	url := recordServer(t)
	dir := t.TempDir()
	envFile := filepath.Join(dir, "envelope.json")
	os.WriteFile(envFile, []byte(`{"handling":["H0"],"tlp":"TLP:AMBER","sourceReliability":"B","informationReliability":2,
		"purpose":"criminal-investigation","legalBasis":"Police Data Act art. 8","restrictions":{},"exercise":false}`), 0o600)
	var in strings.Builder
	for i := range 40 {
		fmt.Fprintf(&in, `{"id":"p%d","schema":"Person","properties":{"name":["Сергей Иванов %d"],"passportNumber":["X%07d"],"publisher":["g%02d"]}}`+"\n", i, i, i, i/4)
	}
	in.WriteString(`{"id":"bad","schema":"Person","properties":{"birthDate":["1990-13-01"],"publisher":["g99"]}}` + "\n")
	file := filepath.Join(dir, "persons.ftm.jsonl")
	os.WriteFile(file, []byte(in.String()), 0o600)

	out, stderr, err := runRecordCmd(t, url, "inv", "", "record", "import", file, "--envelope", envFile,
		"--group-by", "publisher", "--category", "suspect", "--justification", "operation test")
	if ExitCode(err) != 1 || !strings.Contains(out, "Imported 40 entities in 10 records from 41 lines; 1 records rejected.") ||
		!strings.Contains(out, "line 41: entity bad: property birthDate") {
		t.Fatalf("import: %v\n%s%s", err, out, stderr)
	}
	if !strings.Contains(stderr, "40 entities") {
		t.Errorf("no final progress line: %q", stderr)
	}
	// Without a justification the node refuses.
	if _, _, err := runRecordCmd(t, url, "inv", "", "record", "search", "ivanov"); err == nil || !strings.Contains(err.Error(), "428") {
		t.Errorf("search without justification: %v", err)
	}
	out, _, err = runRecordCmd(t, url, "inv", "", "record", "search", "Sergei", "Ivanov", "--justification", "lead", "--facets")
	if err != nil || !strings.Contains(out, "10 records match.") || !strings.Contains(out, "schema: Person 10") {
		t.Errorf("search: %v\n%s", err, out)
	}
	out, _, err = runRecordCmd(t, url, "inv", "", "record", "lookup", "passport", "x 000 0007", "--justification", "lead")
	if err != nil || !strings.Contains(out, "1 records hold passport X0000007.") {
		t.Errorf("lookup: %v\n%s", err, out)
	}
	out, _, err = runRecordCmd(t, url, "inv", "", "record", "export", "--justification", "copy", "--json")
	if err != nil || strings.Count(out, "\n") != 40 {
		t.Errorf("export: %v, %d lines", err, strings.Count(out, "\n"))
	}
	var first struct{ ID string }
	json.Unmarshal([]byte(out[:strings.IndexByte(out, '\n')]), &first)
	if first.ID == "" {
		t.Fatalf("export line %q", out[:strings.IndexByte(out, '\n')])
	}
	out, _, err = runRecordCmd(t, url, "inv", "", "record", "search", "--justification", "lead", "--json", "--limit", "1")
	var page record.SearchPage
	if err != nil || json.Unmarshal([]byte(out), &page) != nil || len(page.Items) != 1 {
		t.Fatalf("search --json: %v %s", err, out)
	}
	id := page.Items[0].ID
	out, _, err = runRecordCmd(t, url, "inv", "", "record", "show", id, "--justification", "lead")
	if err != nil || !strings.Contains(out, "Entities (4):") || !strings.Contains(out, "[suspect]") || !strings.Contains(out, "TLP:AMBER") {
		t.Errorf("show: %v\n%s", err, out)
	}
	if out, _, err := runRecordCmd(t, url, "inv", "", "record", "withdraw", id, "--justification", "wrong person"); err != nil || !strings.Contains(out, "version 2") {
		t.Errorf("withdraw: %v %s", err, out)
	}
	if out, _, err := runRecordCmd(t, url, "inv", "", "record", "show", id, "--versions", "--justification", "lead"); err != nil || !strings.Contains(out, "withdraw") {
		t.Errorf("versions: %v %s", err, out)
	}
	// The newest record left (the withdrawn one is no longer listed).
	out, _, _ = runRecordCmd(t, url, "inv", "", "record", "search", "--justification", "lead", "--json", "--limit", "1")
	json.Unmarshal([]byte(out), &page)
	id2 := page.Items[0].ID
	until := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	if out, _, err := runRecordCmd(t, url, "spoc", "", "record", "review", id2, "--until", until, "--justification", "trial pending"); err != nil || !strings.Contains(out, until) {
		t.Errorf("review: %v %s", err, out)
	}
	if _, _, err := runRecordCmd(t, url, "spoc", "", "record", "erase", id2, "--justification", "no longer needed"); err != nil {
		t.Errorf("erase: %v", err)
	}
	// Standard input, one record.
	out, _, err = runRecordCmd(t, url, "inv", `{"id":"v1","schema":"Vehicle","properties":{"registrationNumber":["AB-12-CD"]}}`+"\n",
		"record", "import", "-", "--envelope", envFile, "--justification", "stdin")
	if err != nil || !strings.Contains(out, "Imported 1 entities in 1 records") {
		t.Errorf("import from stdin: %v %s", err, out)
	}
}

func TestRecordImportPartsCutBetweenGroups(t *testing.T) {
	url := recordServer(t)
	dir := t.TempDir()
	envFile := filepath.Join(dir, "envelope.json")
	os.WriteFile(envFile, []byte(`{"handling":["H0"],"tlp":"TLP:GREEN","sourceReliability":"A","informationReliability":1,
		"purpose":"crime-prevention","legalBasis":"act","restrictions":{},"exercise":false}`), 0o600)
	// About 6 MB in groups of 50 lines: more than one part.
	var in strings.Builder
	pad := strings.Repeat("x", 900)
	n := 0
	for in.Len() < 6<<20 {
		fmt.Fprintf(&in, `{"id":"n%d","schema":"Note","properties":{"description":["%s"],"publisher":["g%05d"]}}`+"\n", n, pad, n/50)
		n++
	}
	file := filepath.Join(dir, "notes.ftm.jsonl")
	os.WriteFile(file, []byte(in.String()), 0o600)
	out, stderr, err := runRecordCmd(t, url, "inv", "", "record", "import", file, "--envelope", envFile, "--group-by", "publisher",
		"--justification", "bulk", "--json")
	var sum record.ImportSummary
	if err != nil || json.Unmarshal([]byte(out), &sum) != nil {
		t.Fatalf("import: %v\n%s%s", err, out, stderr)
	}
	if sum.Entities != n || sum.Records != (n+49)/50 || sum.Rejected != 0 || sum.Lines != n {
		t.Errorf("summary %+v for %d lines", sum, n)
	}
}
