package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

type fixture struct {
	svc   *Service
	db    *db.DB
	srv   *httptest.Server
	token string // admin bearer token
	now   time.Time
}

func setup(t *testing.T) *fixture {
	t.Helper()
	return setupConfig(t, Config{Agency: "NL-NCB", Country: "NL"})
}

// setupConfig is setup with the service configured by cfg.
func setupConfig(t *testing.T, cfg Config) *fixture {
	t.Helper()
	d := dbtest.Open(t, api.Schema, audit.Schema, Schema)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The clock starts at the real time: the session cookie's Expires is
	// checked by the client's cookie jar against the real clock.
	f := &fixture{db: d, now: time.Now().UTC().Truncate(time.Second)}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	alog, err := audit.Open(context.Background(), d, audit.Config{Agency: "NL-NCB", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = New(cfg, d, alog, log)
	f.svc.now = func() time.Time { return f.now }
	_, tok, err := f.svc.Bootstrap(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	f.token = tok.Secret
	h, err := api.Handler(api.Config{Log: log, Auth: f.svc}, f.svc.Routes())
	if err != nil {
		t.Fatal(err)
	}
	// httptest serves TLS so that the Secure session cookie round-trips.
	f.srv = httptest.NewTLSServer(httpx.Common(log, h))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) auth(t *testing.T, token string) (access.Principal, error) {
	t.Helper()
	r := httptest.NewRequest("GET", "/api/v1/me", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return f.svc.Authenticate(r)
}

func countEvents(t *testing.T, d *db.DB, kind audit.Kind) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_events WHERE kind = ?`, string(kind)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTokensLifecycle(t *testing.T) {
	f := setup(t)
	ctx := access.With(context.Background(), access.Principal{UserID: "x", Username: "admin", Role: access.Admin})
	if _, err := f.svc.CreateUser(ctx, "k.schmidt", "K. Schmidt", access.Analyst); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateUser(ctx, "k.schmidt", "", access.Analyst); !errs.Is(err, errs.Conflict) {
		t.Fatalf("duplicate user: %v", err)
	}
	for _, bad := range []struct{ name, role string }{{"Bad Name", "analyst"}, {"ok.name", "superuser"}} {
		if _, err := f.svc.CreateUser(ctx, bad.name, "", access.Role(bad.role)); !errs.Is(err, errs.Invalid) {
			t.Fatalf("CreateUser(%q, %q) = %v, want Invalid", bad.name, bad.role, err)
		}
	}
	ct, err := f.svc.CreateToken(ctx, "k.schmidt", "script", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.auth(t, ct.Secret)
	if err != nil || p.Role != access.Analyst || p.Agency != "NL-NCB" {
		t.Fatalf("auth: %+v %v", p, err)
	}
	// A wrong secret with the right id fails, also when the id is cached.
	wrong := ct.Secret[:len(ct.Secret)-2] + "xx"
	if _, err := f.auth(t, wrong); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("wrong secret: %v", err)
	}
	// Expiry.
	f.now = f.now.Add(2 * time.Hour)
	if _, err := f.auth(t, ct.Secret); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("expired token: %v", err)
	}
	f.now = f.now.Add(-2 * time.Hour)
	// Revocation takes effect at once despite the cache.
	if _, err := f.auth(t, ct.Secret); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RevokeToken(ctx, ct.Token.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth(t, ct.Secret); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("revoked token: %v", err)
	}
	// Disabling a user stops its other tokens at once.
	ct2, _ := f.svc.CreateToken(ctx, "k.schmidt", "", time.Hour)
	if _, err := f.auth(t, ct2.Secret); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := f.svc.UpdateUser(ctx, "k.schmidt", UserChange{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.auth(t, ct2.Secret); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("disabled user's token: %v", err)
	}
	if n := countEvents(t, f.db, audit.TokenCreated); n != 3 { // bootstrap + 2
		t.Fatalf("%d token-created events, want 3", n)
	}
	if countEvents(t, f.db, audit.TokenRevoked) != 1 || countEvents(t, f.db, audit.UserChanged) < 3 {
		t.Fatal("missing audit events")
	}
}

func TestLoginSessionAndCSRF(t *testing.T) {
	f := setup(t)
	pw, err := f.svc.ResetPassword(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := f.srv.Client()
	c.Jar = jar
	post := func(path, body string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := post("/api/v1/login", `{"username":"admin","password":"`+pw+`"}`, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("login %d", resp.StatusCode)
	}
	var sess struct {
		CSRF string `json:"csrfToken"`
	}
	json.NewDecoder(resp.Body).Decode(&sess)
	resp.Body.Close()
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == SessionCookie {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.Secure || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v", cookie)
	}
	// Safe method: the cookie alone works.
	r, _ := c.Get(f.srv.URL + "/api/v1/me")
	if r.StatusCode != 200 {
		t.Fatalf("GET /me with session: %d", r.StatusCode)
	}
	// Unsafe method without CSRF token: refused; with it: allowed.
	body := `{"oldPassword":"` + pw + `","newPassword":"correct horse battery staple"}`
	if r := post("/api/v1/me/password", body, nil); r.StatusCode != 403 {
		t.Fatalf("no CSRF: %d", r.StatusCode)
	}
	if r := post("/api/v1/me/password", body, map[string]string{CSRFHeader: "forged"}); r.StatusCode != 403 {
		t.Fatalf("forged CSRF: %d", r.StatusCode)
	}
	if r := post("/api/v1/me/password", body, map[string]string{CSRFHeader: sess.CSRF}); r.StatusCode != 204 {
		t.Fatalf("with CSRF: %d", r.StatusCode)
	}
	// Idle timeout ends the session.
	f.now = f.now.Add(31 * time.Minute)
	if r, _ := c.Get(f.srv.URL + "/api/v1/me"); r.StatusCode != 401 {
		t.Fatalf("idle session: %d", r.StatusCode)
	}
	if countEvents(t, f.db, audit.Login) != 1 {
		t.Fatal("login not audited")
	}
}

func TestLoginThrottle(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for i := range 5 {
		if _, err := f.svc.Login(ctx, "admin", "wrong", "192.0.2.1:1234"); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := f.svc.Login(ctx, "admin", "wrong", "192.0.2.1:1234"); !errs.Is(err, errs.RateLimited) {
		t.Fatalf("6th attempt: %v, want rate limited", err)
	}
	// The account is throttled from any address; the right password must wait too.
	pw, _ := f.svc.ResetPassword(ctx, "admin")
	if _, err := f.svc.Login(ctx, "admin", pw, "198.51.100.7:1"); !errs.Is(err, errs.RateLimited) {
		t.Fatalf("throttled account: %v", err)
	}
	f.now = f.now.Add(2 * time.Minute)
	if _, err := f.svc.Login(ctx, "admin", pw, "198.51.100.7:1"); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
	// Unknown users are throttled too and logged without their name.
	if n := countEvents(t, f.db, audit.LoginFailed); n != 5 {
		t.Fatalf("%d login-failed events, want 5", n)
	}
	var body []byte
	f.db.QueryRowContext(ctx, `SELECT body FROM audit_events WHERE kind = 'login-failed'`).Scan(&body)
	if strings.Contains(string(body), "wrong") {
		t.Fatal("a password attempt reached the audit log")
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("s3cret password")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "s3cret password") || CheckPassword(h, "s3cret passwore") || CheckPassword("garbage", "x") {
		t.Fatal("CheckPassword wrong")
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q", h)
	}
}

// TestRevocationWinsOverConcurrentAuthentication: requests authenticating
// with a token while it is revoked must not leave it cached: once
// RevokeToken has returned, the token fails, although requests that read
// it from the database just before may finish afterwards.
func TestRevocationWinsOverConcurrentAuthentication(t *testing.T) {
	f := setup(t)
	ctx := access.With(context.Background(), access.Principal{UserID: "x", Username: "admin", Role: access.Admin})
	if _, err := f.svc.CreateUser(ctx, "k.schmidt", "K. Schmidt", access.Analyst); err != nil {
		t.Fatal(err)
	}
	for round := range 30 {
		ct, err := f.svc.CreateToken(ctx, "k.schmidt", "script", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
						// Keep the token out of the cache, so that every call reads
						// it from the database and some read it just before the
						// revocation commits.
						f.svc.evict(func(c cachedToken) bool { return c.principal.TokenID == ct.Token.ID })
						f.auth(t, ct.Secret)
					}
				}
			})
		}
		time.Sleep(2 * time.Millisecond)
		if _, err := f.svc.RevokeToken(ctx, ct.Token.ID); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // let requests that read the token before the revocation finish
		close(stop)
		wg.Wait()
		if _, err := f.auth(t, ct.Secret); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("round %d: the revoked token still authenticates: %v", round, err)
		}
	}
}
