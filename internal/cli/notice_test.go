package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/noticesvc"
	"github.com/liaison-project/liaison/internal/policy"
)

// noticeNode serves a notice service (without partners) on httptest; the
// bearer token is the role name.
func noticeNode(t *testing.T) string {
	t.Helper()
	d := dbtest.Open(t, noticesvc.Schema, fedtest.RecorderSchema)
	dec, err := policy.New(policy.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := noticesvc.New(context.Background(), noticesvc.Config{Agency: "FR-NCB", Country: "FR"},
		noticesvc.Deps{DB: d, Audit: &fedtest.Recorder{DB: d}, Hasher: hasherFunc(func(k, v string) string { return "h1:" + k }), Decider: dec})
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.Handler(api.Config{Auth: roleBearer{}}, svc.Routes())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

type hasherFunc func(kind, value string) string

func (f hasherFunc) HashPersonal(kind, value string) string { return f(kind, value) }

type roleBearer struct{}

func (roleBearer) Authenticate(r *http.Request) (access.Principal, error) {
	role, err := access.ParseRole(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	if err != nil {
		return access.Principal{}, errs.E(errs.Unauthorized, "bad token")
	}
	return access.Principal{UserID: "u-" + string(role), Role: role, Agency: "FR-NCB", Country: "FR"}, nil
}

func runAt(url, role string, args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""), Getenv: func(string) string { return "" }}
	err := Run(context.Background(), append([]string{"--url", url, "--token", role, "--justification", "test"}, args...), env)
	return out.String(), errb.String(), err
}

func TestAlertImportAndLookupCommands(t *testing.T) {
	url := noticeNode(t)
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("document_number,country,status,contact\n")
	for i := range 25 {
		desc := "NCB Paris"
		if i == 5 {
			desc = "\"NCB Paris,\nduty desk\"" // a quoted newline: the record is lines 7-8
		}
		fmt.Fprintf(&csv, "P%07d,FR,stolen,%s\n", i, desc)
	}
	file := filepath.Join(dir, "sltd.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runAt(url, "spoc", "alert", "import", file, "--rows", "10")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(out, "25 travel-document alerts read: 25 created, 0 updated, 0 unchanged") || !strings.Contains(errOut, "100%") {
		t.Fatalf("import: %q %q", out, errOut)
	}
	out, _, err = runAt(url, "spoc", "alert", "import", file, "--rows", "7")
	if err != nil || !strings.Contains(out, "25 unchanged") {
		t.Fatalf("again: %v %q", err, out)
	}

	// A bad row names the line of the file; earlier batches are stored.
	bad := strings.Replace(csv.String(), "P0000020,FR", "P0000020,FRX", 1) // record 21: line 23 (one record spans two lines)
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, err = runAt(url, "spoc", "alert", "import", file, "--rows", "10")
	if err == nil || !strings.Contains(err.Error(), "line 23: country") || !strings.Contains(errOut, "20 alerts up to line 22 were stored") {
		t.Fatalf("bad file: %v %q", err, errOut)
	}

	out, _, err = runAt(url, "border", "lookup", "--document", "P0000003", "--country", "FR")
	if err != nil || !strings.Contains(out, "HIT: travel document FR P0000003 (stolen)") || !strings.Contains(out, "seize document — contact NCB Paris") {
		t.Fatalf("lookup: %v %q", err, out)
	}
	out, _, err = runAt(url, "border", "lookup", "--document", "Q0000003", "--country", "FR")
	if err != nil || strings.TrimSpace(out) != "NO HIT" {
		t.Fatalf("miss: %v %q", err, out)
	}
	if _, _, err := runAt(url, "border", "lookup", "--document", "P0000003", "--country", "France"); !errs.Is(err, errs.Invalid) {
		t.Fatalf("malformed lookup: %v", err)
	}
	if _, _, err := runAt(url, "border", "alert", "import", file); !errs.Is(err, errs.Permission) {
		t.Fatalf("border import: %v", err)
	}
}

func TestNoticeCommands(t *testing.T) {
	url := noticeNode(t)
	dir := t.TempDir()
	draft := `{"type":"red","category":"suspect","subject":{"name":"DOE","forename":"JOHN","dateOfBirth":"1980-01-02"},
		"charges":[{"issuingCountry":"FR","text":"Insulting the head of state","maxPenaltyMonths":60}],
		"extraditionWillBeSought":true,"contact":"NCB Lyon","distribution":{"scope":"all"}}`
	file := filepath.Join(dir, "doe.json")
	if err := os.WriteFile(file, []byte(draft), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runAt(url, "spoc", "notice", "create", file)
	if err != nil || !strings.HasPrefix(out, "Created draft ") {
		t.Fatalf("create: %v %q", err, out)
	}
	id := strings.Fields(out)[2]
	id = strings.TrimSuffix(id, ".")
	out, _, err = runAt(url, "spoc", "notice", "submit", id)
	if err != nil || !strings.Contains(out, "REVIEW") || !strings.Contains(out, "Flag [block] art3.political:en:") {
		t.Fatalf("submit: %v %q", err, out)
	}
	flag := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Flag [block] ") {
			flag = strings.TrimPrefix(l, "Flag [block] ")
		}
	}
	out, _, err = runAt(url, "reviewer", "notice", "list", "--review")
	if err != nil || !strings.Contains(out, id) || !strings.Contains(out, "1 blocking") {
		t.Fatalf("queue: %v %q", err, out)
	}
	if _, _, err := runAt(url, "reviewer", "notice", "review", id, "approve", "--reason", "ok", "--extradition-will-be-sought"); !errs.Is(err, errs.Precondition) {
		t.Fatalf("approval without acknowledging: %v", err)
	}
	out, _, err = runAt(url, "reviewer", "notice", "review", id, "approve", "--acknowledge", flag, "--extradition-will-be-sought",
		"--reason", "An ordinary-law fraud predominates")
	if err != nil || !strings.Contains(out, "PUBLISHED") || !strings.Contains(out, "Decision:     approve by u-reviewer") {
		t.Fatalf("approve: %v %q", err, out)
	}
	out, _, err = runAt(url, "border", "lookup", "--name", "John Doe", "--birth-date", "1980-01-02")
	if err != nil || !strings.Contains(out, "arrest with a view to extradition — contact NCB Lyon") {
		t.Fatalf("person lookup: %v %q", err, out)
	}
	if _, _, err := runAt(url, "border", "notice", "show", id); !errs.Is(err, errs.Permission) {
		t.Fatalf("border reads a notice: %v", err)
	}
	out, _, err = runAt(url, "spoc", "notice", "cancel", id, "--reason", "arrested")
	if err != nil || !strings.Contains(out, "CANCELLED") {
		t.Fatalf("cancel: %v %q", err, out)
	}
	out, _, _ = runAt(url, "border", "lookup", "--name", "John Doe", "--birth-date", "1980-01-02")
	if strings.TrimSpace(out) != "NO HIT" {
		t.Fatalf("after cancel: %q", out)
	}
	sample := filepath.Join("..", "..", "..", "shared", "samples", "interpol", "SYNTHETIC_red_notice_list.json")
	if _, err := os.Stat(sample); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared sample %s missing: %v", sample, err)
		}
		t.Skipf("shared sample shared/samples/interpol/SYNTHETIC_red_notice_list.json missing: %v", err)
	}
	out, _, err = runAt(url, "spoc", "notice", "import-interpol", sample)
	if err != nil || !strings.Contains(out, "1 imported as drafts, 0 already present") {
		t.Fatalf("import-interpol: %v %q", err, out)
	}
}
