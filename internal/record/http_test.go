package record

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// tokenAuth maps bearer tokens to principals.
type tokenAuth map[string]access.Principal

func (a tokenAuth) Authenticate(r *http.Request) (access.Principal, error) {
	p, ok := a[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		return access.Principal{}, errs.E(errs.Unauthorized, "bad token")
	}
	return p, nil
}

// newServer serves the records API with officers "inv" (investigator),
// "spoc" and "border".
func newServer(t *testing.T) (*env, func(token string) *client.Client) {
	t.Helper()
	d := dbtest.Open(t, api.Schema, audit.Schema, Schema)
	e := newEnvOn(t, d, testAgency, testCountry)
	log := slog.New(slog.DiscardHandler)
	auth := tokenAuth{}
	for _, role := range []access.Role{access.Investigator, access.SPOC, access.Border} {
		auth[string(role)] = access.Principal{UserID: "u-" + string(role), Username: string(role), Role: role, Agency: testAgency, Country: testCountry}
	}
	h, err := api.Handler(api.Config{Log: log, Auth: auth, Idempotency: &api.Idempotency{DB: d, Log: log}}, e.svc.Routes())
	if err != nil {
		t.Fatalf("api handler: %v", err)
	}
	srv := httptest.NewServer(httpx.Common(log, h))
	t.Cleanup(srv.Close)
	return e, func(token string) *client.Client {
		c := client.New(srv.URL, token, nil)
		c.Justification = "http test"
		return c
	}
}

func problemOf(t *testing.T, err error) httpx.Problem {
	t.Helper()
	var ce *client.Error
	if !errors.As(err, &ce) {
		t.Fatalf("not an API error: %v", err)
	}
	return ce.Problem
}

func TestHTTPCreateReadSearch(t *testing.T) {
	_, cl := newServer(t)
	ctx := context.Background()
	inv := cl("investigator")
	body := map[string]any{
		"title":        "Courier",
		"entities":     []any{map[string]any{"id": "p1", "schema": "Person", "properties": map[string]any{"name": []string{"Сергей Иванов"}, "ticker": []string{"X"}}}},
		"dataSubjects": map[string]string{"p1": "suspect"},
		"envelope":     testEnvelope(),
	}
	var created CreateResult
	if err := inv.Post(ctx, "/api/v1/records", body, &created); err != nil {
		t.Fatal(err)
	}
	if created.Record.ID == "" || len(created.Warnings) != 1 {
		t.Fatalf("created %+v", created)
	}
	var got Record
	if err := inv.Get(ctx, "/api/v1/records/"+created.Record.ID, nil, &got); err != nil || got.Title != "Courier" {
		t.Fatalf("get: %+v %v", got, err)
	}
	var page SearchPage
	if err := inv.Get(ctx, "/api/v1/records", url.Values{"q": {"sergei ivanov"}, "facets": {"true"}}, &page); err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || len(page.Items) != 1 || page.Facets == nil || page.Facets.Schema[0].Value != "Person" {
		t.Errorf("search %+v", page)
	}

	// Bad input: 400 naming entity and property; strict mode via query.
	bad := map[string]any{"title": "x", "envelope": testEnvelope(), "entities": []any{
		map[string]any{"id": "v1", "schema": "Vehicle", "properties": map[string]any{"buildDate": []string{"last year"}}}}}
	err := inv.Post(ctx, "/api/v1/records", bad, nil)
	if p := problemOf(t, err); p.Status != 400 || p.Field != "entities[0]: entity v1: property buildDate" {
		t.Errorf("bad value: %+v", p)
	}
	err = inv.Do(ctx, client.Request{Method: "POST", Path: "/api/v1/records", Query: url.Values{"strict": {"true"}}, Body: body}, nil)
	if p := problemOf(t, err); p.Status != 400 || p.Field != "entities[0]: entity p1: property ticker" {
		t.Errorf("strict: %+v", p)
	}
	// Without a justification: 428. Border officers: 403.
	noJust := cl("investigator")
	noJust.Justification = ""
	if p := problemOf(t, noJust.Get(ctx, "/api/v1/records/"+created.Record.ID, nil, nil)); p.Status != 428 {
		t.Errorf("no justification: %+v", p)
	}
	if p := problemOf(t, cl("border").Get(ctx, "/api/v1/records", nil, nil)); p.Status != 403 {
		t.Errorf("border searches: %+v", p)
	}
	if p := problemOf(t, inv.Get(ctx, "/api/v1/records/01890000-0000-7000-8000-000000000000", nil, nil)); p.Status != 404 {
		t.Errorf("missing record: %+v", p)
	}

	var lr LookupResult
	if err := inv.Get(ctx, "/api/v1/identifiers", url.Values{"kind": {"iban"}, "value": {"DE44 5001 0517 5407 3249 31"}}, &lr); err != nil {
		t.Fatal(err)
	}
	if lr.Value != "DE44500105175407324931" || len(lr.Items) != 0 {
		t.Errorf("lookup %+v", lr)
	}
}

func TestHTTPImportExportLifecycle(t *testing.T) {
	e, cl := newServer(t)
	ctx := context.Background()
	inv := cl("investigator")
	opts := importOpts()
	opts.GroupBy, opts.FirstLine = "publisher", 1
	head, _ := json.Marshal(opts)
	in := string(head) + "\n" +
		line("p1", "Person", "name", "Anna", "publisher", "k1") +
		line("p2", "Person", "name", "Bert", "birthDate", "1990-02-31", "publisher", "k2")
	req := client.Request{Method: "POST", Path: "/api/v1/records/import", Body: strings.NewReader(in),
		Header: http.Header{"Content-Type": {"application/x-ndjson"}}, IdempotencyKey: "import-1"}
	var sum ImportSummary
	if err := inv.Do(ctx, req, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Records != 1 || sum.Rejected != 1 || sum.Errors[0].Field != "line 2: entity p2: property birthDate" {
		t.Errorf("summary %+v", sum)
	}
	// A retry with the same key is answered from the stored response.
	req.Body = strings.NewReader(in)
	var again ImportSummary
	if err := inv.Do(ctx, req, &again); err != nil || again.RecordIDs[0] != sum.RecordIDs[0] {
		t.Errorf("replayed import: %+v %v", again, err)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM records`); n != 1 {
		t.Errorf("%d records after a retried import", n)
	}
	bad := client.Request{Method: "POST", Path: "/api/v1/records/import", Body: strings.NewReader("{\"groupBy\":1}\n"),
		Header: http.Header{"Content-Type": {"application/x-ndjson"}}}
	if p := problemOf(t, inv.Do(ctx, bad, nil)); p.Status != 400 || p.Field != "options" {
		t.Errorf("bad options: %+v", p)
	}

	resp, err := inv.Raw(ctx, client.Request{Method: "GET", Path: "/api/v1/records/export"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/x-ndjson" || bytes.Count(data, []byte("\n")) != 1 || !bytes.Contains(data, []byte(`"Anna"`)) {
		t.Errorf("export %q %v", data, resp.Header)
	}

	id := sum.RecordIDs[0]
	var vs []VersionInfo
	if err := inv.Post(ctx, "/api/v1/records/"+id+"/withdraw", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := inv.Get(ctx, "/api/v1/records/"+id+"/versions", nil, &vs); err != nil || len(vs) != 2 || vs[1].Change != ChangeWithdraw {
		t.Errorf("versions %+v %v", vs, err)
	}
	spoc := cl("spoc")
	if p := problemOf(t, spoc.Post(ctx, "/api/v1/records/"+id+"/review", ReviewRequest{}, nil)); p.Status != 409 {
		t.Errorf("review of withdrawn record: %+v", p)
	}
	if err := spoc.Do(ctx, client.Request{Method: "DELETE", Path: "/api/v1/records/" + id}, nil); err != nil {
		t.Fatal(err)
	}
	if p := problemOf(t, inv.Get(ctx, "/api/v1/records/"+id, nil, nil)); p.Status != 404 {
		t.Errorf("erased: %+v", p)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	if _, err := api.OpenAPI(api.Info{Title: "t", Version: "1"}, e.svc.Routes()); err != nil {
		t.Fatal(err)
	}
	for _, rt := range e.svc.Routes() {
		if !rt.Personal || len(rt.Roles) == 0 {
			t.Errorf("%s %s: every records route processes personal data and names its roles", rt.Method, rt.Path)
		}
	}
}
