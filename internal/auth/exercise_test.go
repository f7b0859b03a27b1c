package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
)

// TestExerciseTokens: a token created with "exercise": true authenticates
// as a principal inside an exercise, an ordinary token never does, and
// the token list and audit log say which is which.
func TestExerciseTokens(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.svc.CreateUser(ctx, "trainee", "", access.Investigator); err != nil {
		t.Fatal(err)
	}
	create := func(exercise bool) CreatedToken {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"username": "trainee", "expiresIn": "1h", "exercise": exercise})
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v1/tokens", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+f.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var ct CreatedToken
		if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&ct) != nil {
			t.Fatalf("create token: %s", resp.Status)
		}
		if ct.Token.Exercise != exercise {
			t.Fatalf("created token exercise=%v", ct.Token.Exercise)
		}
		return ct
	}
	ex, real := create(true), create(false)
	for _, tc := range []struct {
		tok  CreatedToken
		want bool
	}{{ex, true}, {real, false}, {ex, true}} { // the third authenticates from the cache
		p, err := f.auth(t, tc.tok.Secret)
		if err != nil || p.Exercise != tc.want || p.Username != "trainee" {
			t.Fatalf("principal %+v, %v; want exercise %v", p, err, tc.want)
		}
	}
	for _, tc := range []struct {
		tok  CreatedToken
		want bool
	}{{ex, true}, {real, false}} {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tc.tok.Secret)
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m Me
		err = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if err != nil || m.Exercise != tc.want {
			t.Fatalf("GET /me: exercise %v (%v), want %v", m.Exercise, err, tc.want)
		}
	}
	toks, err := f.svc.ListTokens(ctx, "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for _, tk := range toks {
		if tk.Exercise {
			flagged++
			if tk.ID != ex.Token.ID {
				t.Errorf("token %s listed as an exercise token", tk.ID)
			}
		}
	}
	if flagged != 1 {
		t.Fatalf("%d exercise tokens listed, want 1", flagged)
	}
	events, err := f.svc.audit.(*audit.Log).Search(ctx, audit.Filter{Kind: audit.TokenCreated, ObjectID: ex.Token.ID}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Event.Reason != "exercise token" {
		t.Fatalf("token-created events of the exercise token: %+v", events)
	}
	// An exercise token expires and is revoked like any other.
	f.now = f.now.Add(2 * time.Hour)
	if _, err := f.auth(t, ex.Secret); err == nil {
		t.Fatal("expired exercise token accepted")
	}
}

// TestExerciseNodePrincipals: on an exercise node every principal acts
// inside an exercise — ordinary and exercise tokens, and portal sessions —
// so nothing created there can be real data, and GET /me says so.
func TestExerciseNodePrincipals(t *testing.T) {
	f := setupConfig(t, Config{Agency: "NL-NCB", Country: "NL", Exercise: true})
	ctx := context.Background()
	if _, err := f.svc.CreateUser(ctx, "trainee", "", access.SPOC); err != nil {
		t.Fatal(err)
	}
	plain, err := f.svc.CreateToken(ctx, "trainee", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := f.svc.CreateExerciseToken(ctx, "trainee", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{f.token, plain.Secret, ex.Secret, plain.Secret} { // the last from the cache
		p, err := f.auth(t, tok)
		if err != nil || !p.Exercise {
			t.Fatalf("principal %+v, %v: want an exercise principal", p, err)
		}
	}
	pw, err := f.svc.ResetPassword(ctx, "trainee")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := f.svc.Login(ctx, "trainee", pw, "192.0.2.1:1234")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	r.AddCookie(&http.Cookie{Name: SessionCookie, Value: sess.Value})
	p, err := f.svc.Authenticate(r)
	if err != nil || !p.Exercise || p.Username != "trainee" {
		t.Fatalf("portal session principal %+v, %v: want an exercise principal", p, err)
	}
	logins, err := f.svc.audit.(*audit.Log).Search(ctx, audit.Filter{Kind: audit.Login}, 0, 10)
	if err != nil || len(logins) != 1 || !logins[0].Event.Exercise {
		t.Fatalf("login events %+v, %v: want one, marked exercise", logins, err)
	}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+plain.Secret)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m Me
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || !m.Exercise || !m.ExerciseNode {
		t.Fatalf("GET /me %+v, %v: want exercise and exerciseNode", m, err)
	}

	// On a real node an ordinary token and a session are not.
	real := setup(t)
	p, err = real.auth(t, real.token)
	if err != nil || p.Exercise {
		t.Fatalf("real node principal %+v, %v", p, err)
	}
}
