package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/db"
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

var testSchema = db.Schema{Component: "apitest", Steps: []db.Migration{
	{SQL: `CREATE TABLE things (id {{ID}}, name TEXT NOT NULL)`},
}}

type thing struct {
	Name  string `json:"name"`
	Count int    `json:"count,omitempty"`
}

func newServer(t *testing.T) (*httptest.Server, *db.DB, *atomic.Int64) {
	d := dbtest.Open(t, api.Schema, testSchema)
	var creates atomic.Int64
	routes := []api.Route{
		{Method: "GET", Path: "/api/v1/ping", Summary: "ping", Tag: "t", Handler: func(w http.ResponseWriter, r *http.Request) error {
			return httpx.WriteJSON(w, 200, map[string]string{"user": api.Principal(r).Username})
		}},
		{Method: "POST", Path: "/api/v1/things", Summary: "create", Tag: "t", Roles: []access.Role{access.Admin}, Request: thing{}, Response: thing{}, Status: 201,
			Handler: func(w http.ResponseWriter, r *http.Request) error {
				var in thing
				if err := httpx.DecodeJSON(w, r, 1024, &in); err != nil {
					return err
				}
				if in.Name == "" {
					return errs.E(errs.Invalid, "name", "required")
				}
				err := d.Write(r.Context(), func(tx *db.Tx) error {
					_, err := tx.ExecContext(r.Context(), `INSERT INTO things (name) VALUES (?)`, in.Name)
					return err
				})
				if err != nil {
					return err
				}
				creates.Add(1)
				in.Count = int(creates.Load())
				return httpx.WriteJSON(w, 201, in)
			}},
		{Method: "GET", Path: "/api/v1/people/{id}", Summary: "personal", Tag: "t", Personal: true, Handler: func(w http.ResponseWriter, r *http.Request) error {
			return httpx.WriteJSON(w, 200, access.JustificationFrom(r.Context()))
		}},
		{Method: "GET", Path: "/api/v1/boom", Summary: "fails", Tag: "t", Handler: func(w http.ResponseWriter, r *http.Request) error {
			return context.DeadlineExceeded // an unclassified internal error
		}},
	}
	auth := tokenAuth{
		"admin": {UserID: "u1", Username: "admin", Role: access.Admin},
		"inv":   {UserID: "u2", Username: "inv", Role: access.Investigator},
	}
	h, err := api.Handler(api.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: auth,
		Idempotency: &api.Idempotency{DB: d, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, MaxBody: 4096}, routes)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpx.Common(slog.New(slog.NewTextHandler(io.Discard, nil)), h))
	t.Cleanup(srv.Close)
	return srv, d, &creates
}

type call struct {
	method, path, token, body string
	header                    map[string]string
}

func do(t *testing.T, srv *httptest.Server, c call) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	data, _ := io.ReadAll(resp.Body)
	json.Unmarshal(data, &m)
	return resp, m
}

func TestErrorsAreProblems(t *testing.T) {
	srv, _, _ := newServer(t)
	big := `{"name":"` + strings.Repeat("x", 5000) + `"}`
	cases := []struct {
		name   string
		c      call
		status int
		field  string
	}{
		{"no token", call{"GET", "/api/v1/ping", "", "", nil}, 401, ""},
		{"bad token", call{"GET", "/api/v1/ping", "nope", "", nil}, 401, ""},
		{"wrong role", call{"POST", "/api/v1/things", "inv", `{"name":"a"}`, nil}, 403, ""},
		{"malformed json", call{"POST", "/api/v1/things", "admin", `{"name":`, nil}, 400, ""},
		{"unknown field", call{"POST", "/api/v1/things", "admin", `{"name":"a","evil":1}`, nil}, 400, "evil"},
		{"wrong type", call{"POST", "/api/v1/things", "admin", `{"name":"a","count":"x"}`, nil}, 400, "count"},
		{"trailing data", call{"POST", "/api/v1/things", "admin", `{"name":"a"} {}`, nil}, 400, ""},
		{"oversized", call{"POST", "/api/v1/things", "admin", big, nil}, 413, ""},
		{"rule", call{"POST", "/api/v1/things", "admin", `{"name":""}`, nil}, 400, "name"},
		{"wrong content type", call{"POST", "/api/v1/things", "admin", `{"name":"a"}`, map[string]string{"Content-Type": "text/plain"}}, 415, ""},
		{"no justification", call{"GET", "/api/v1/people/1", "inv", "", nil}, 428, "Liaison-Justification"},
		{"unknown route", call{"GET", "/api/v1/nope", "admin", "", nil}, 404, ""},
		{"internal", call{"GET", "/api/v1/boom", "admin", "", nil}, 500, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, m := do(t, srv, c.c)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, c.status, m)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			if int(m["status"].(float64)) != c.status || m["type"] == "" || m["title"] == "" {
				t.Fatalf("problem %v", m)
			}
			if c.field != "" && m["field"] != c.field {
				t.Fatalf("field %v, want %q", m["field"], c.field)
			}
			if detail, _ := m["detail"].(string); strings.Contains(detail, "goroutine") || (c.status == 500 && detail != "internal error") {
				t.Fatalf("detail leaks internals: %q", detail)
			}
		})
	}
}

func TestJustificationHeader(t *testing.T) {
	srv, _, _ := newServer(t)
	resp, m := do(t, srv, call{"GET", "/api/v1/people/1", "inv", "", map[string]string{"Liaison-Case": "NL-2026-0042"}})
	if resp.StatusCode != 200 || m["caseRef"] != "NL-2026-0042" {
		t.Fatalf("%d %v", resp.StatusCode, m)
	}
	resp, _ = do(t, srv, call{"GET", "/api/v1/people/1", "inv", "", map[string]string{"Liaison-Justification": strings.Repeat("x", 1001)}})
	if resp.StatusCode != 400 {
		t.Fatalf("overlong justification: %d", resp.StatusCode)
	}
}

func TestIdempotencyKey(t *testing.T) {
	srv, d, creates := newServer(t)
	post := func(key, body string) (*http.Response, map[string]any) {
		return do(t, srv, call{"POST", "/api/v1/things", "admin", body, map[string]string{"Idempotency-Key": key}})
	}
	r1, m1 := post("k1", `{"name":"a"}`)
	r2, m2 := post("k1", `{"name":"a"}`)
	if r1.StatusCode != 201 || r2.StatusCode != 201 || m1["count"] != m2["count"] {
		t.Fatalf("replay differs: %d %v / %d %v", r1.StatusCode, m1, r2.StatusCode, m2)
	}
	if r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("replay not marked")
	}
	if creates.Load() != 1 {
		t.Fatalf("handler ran %d times", creates.Load())
	}
	if r, _ := post("k1", `{"name":"b"}`); r.StatusCode != 409 {
		t.Fatalf("key reused for another body: %d", r.StatusCode)
	}
	// A failed request (no write) leaves no key behind: a corrected retry works.
	if r, _ := post("k2", `{"name":""}`); r.StatusCode != 400 {
		t.Fatal(r.StatusCode)
	}
	if r, _ := post("k2", `{"name":""}`); r.StatusCode != 400 {
		t.Fatal("failed request was replayed instead of re-run")
	}
	var n int
	d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM things`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d rows", n)
	}
	// The same key from another user is another key.
	resp, _ := do(t, srv, call{"POST", "/api/v1/things", "admin", `{"name":"c"}`, map[string]string{"Idempotency-Key": "k3"}})
	if resp.StatusCode != 201 {
		t.Fatal(resp.StatusCode)
	}
}

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	srv, _, _ := newServer(t)
	resp, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	for _, want := range []string{"GET /api/v1/ping", "POST /api/v1/things", "GET /api/v1/people/{id}"} {
		m, p, _ := strings.Cut(want, " ")
		op := doc.Paths[p][strings.ToLower(m)]
		if op == nil || op["responses"] == nil || op["operationId"] == "" {
			t.Errorf("%s missing or incomplete in the document", want)
		}
	}
	if _, err := api.OpenAPI(api.Info{}, []api.Route{{Method: "GET", Path: "/other", Summary: "x", Handler: func(http.ResponseWriter, *http.Request) error { return nil }}}); err == nil {
		t.Error("a route outside /api/v1 was accepted")
	}
}
