package web

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
)

type discardAudit struct{}

func (discardAudit) Append(context.Context, *db.Tx, audit.Event) error { return nil }
func (discardAudit) Record(context.Context, audit.Event) error         { return nil }

// testPortal serves a portal with the real auth service and an officer
// "<role>1" of each role given (password "a long enough passphrase").
func testPortal(t *testing.T, roles ...access.Role) *httptest.Server {
	t.Helper()
	t.Parallel()
	return testPortalOf(t, NodeInfo{Agency: "NL-NCB", Country: "NL", Name: "Netherlands NCB"}, roles...)
}

// testPortalOf is testPortal for the node described by node.
func testPortalOf(t *testing.T, node NodeInfo, roles ...access.Role) *httptest.Server {
	t.Helper()
	d := dbtest.Open(t, auth.Schema)
	sessions := auth.New(auth.Config{Agency: node.Agency, Country: node.Country, Exercise: node.Exercise}, d, discardAudit{}, slog.New(slog.DiscardHandler))
	ctx := access.With(context.Background(), access.Principal{Username: "setup", Role: access.Admin})
	for _, role := range roles {
		res, err := sessions.CreateUser(ctx, string(role)+"1", "", role)
		if err != nil {
			t.Fatal(err)
		}
		if err := sessions.ChangePassword(ctx, res.User.ID, res.Password, "a long enough passphrase"); err != nil {
			t.Fatal(err)
		}
	}
	key := make([]byte, 32)
	rand.Read(key)
	p, err := New(Config{Node: node, StateKey: key, Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(p)
	t.Cleanup(srv.Close)
	return srv
}

// client returns an HTTPS client with a cookie jar that does not follow
// redirects.
func client(t *testing.T, srv *httptest.Server) *http.Client {
	c := *srv.Client() // a copy: each client has its own jar
	jar, _ := cookiejar.New(nil)
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func login(t *testing.T, srv *httptest.Server, c *http.Client, user string) string {
	t.Helper()
	resp, err := c.PostForm(srv.URL+"/login", url.Values{"username": {user}, "password": {"a long enough passphrase"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard" {
		t.Fatalf("login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	body := get(t, c, srv.URL+"/dashboard", http.StatusOK)
	m := regexp.MustCompile(`name="csrf-token" content="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF meta tag on the dashboard")
	}
	return m[1]
}

func get(t *testing.T, c *http.Client, u string, want int) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d\n%s", u, resp.StatusCode, want, b)
	}
	return string(b)
}

func TestSecurityHeadersAndCookies(t *testing.T) {
	srv := testPortal(t, access.DPO)
	c := client(t, srv)
	resp, err := c.PostForm(srv.URL+"/login", url.Values{"username": {"dpo1"}, "password": {"a long enough passphrase"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("cookie %s is not host-only, Secure, HttpOnly and SameSite=Strict: %+v", ck.Name, ck)
		}
	}
	resp, err = c.Get(srv.URL + "/dashboard")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h := resp.Header
	for name, want := range map[string]string{
		"Content-Security-Policy": ContentSecurityPolicy, "X-Frame-Options": "DENY", "Cache-Control": "no-store",
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if strings.Contains(string(body), "<script>") || strings.Contains(string(body), " style=") || strings.Contains(string(body), "<style") {
		t.Error("a page carries an inline script or style, which the CSP refuses")
	}
	// Asset URLs carry the content hash and are cacheable for good; a
	// stale hash is not served.
	css := regexp.MustCompile(`href="(/static/[0-9a-f]{16}/app\.css)"`).FindStringSubmatch(string(body))
	if css == nil {
		t.Fatal("no hashed stylesheet URL")
	}
	resp, err = c.Get(srv.URL + css[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("stylesheet: %d %q %q", resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
	}
	get(t, c, srv.URL+"/static/0000000000000000/app.css", http.StatusNotFound)
}

func TestCSRFAndCrossOrigin(t *testing.T) {
	srv := testPortal(t, access.Investigator)
	c := client(t, srv)
	token := login(t, srv, c, "investigator1")
	post := func(form url.Values, header map[string]string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/case", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	caseForm := url.Values{"case": {"NL-1"}, "next": {"/dashboard"}}
	if s := post(caseForm, nil); s != http.StatusForbidden {
		t.Errorf("POST without CSRF token: %d, want 403", s)
	}
	bad := url.Values{"case": {"NL-1"}, csrfField: {"wrong"}}
	if s := post(bad, nil); s != http.StatusForbidden {
		t.Errorf("POST with a wrong CSRF token: %d, want 403", s)
	}
	good := url.Values{"case": {"NL-1"}, "next": {"/dashboard"}, csrfField: {token}}
	if s := post(good, map[string]string{"Sec-Fetch-Site": "cross-site"}); s != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", s)
	}
	if s := post(good, nil); s != http.StatusSeeOther {
		t.Errorf("POST with the CSRF token: %d, want 303", s)
	}
	if s := post(url.Values{"case": {"NL-2"}}, map[string]string{auth.CSRFHeader: token, "HX-Request": "true"}); s != http.StatusSeeOther {
		t.Errorf("htmx POST with the CSRF header: %d, want 303", s)
	}
	if body := get(t, c, srv.URL+"/dashboard", http.StatusOK); !strings.Contains(body, "NL-2") {
		t.Error("the case set is not shown")
	}
}

func TestStateCookieBoundToSession(t *testing.T) {
	srv := testPortal(t, access.Analyst)
	a, b := client(t, srv), client(t, srv)
	login(t, srv, a, "analyst1")
	login(t, srv, b, "analyst1")
	u, _ := url.Parse(srv.URL)
	// b presents a's state cookie with its own session: refused.
	var aState *http.Cookie
	for _, ck := range a.Jar.Cookies(u) {
		if ck.Name == StateCookie {
			aState = ck
		}
	}
	b.Jar.SetCookies(u, []*http.Cookie{{Name: StateCookie, Value: aState.Value, Path: "/", Secure: true, HttpOnly: true}})
	resp, err := b.Get(srv.URL + "/dashboard")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("another session's state cookie: %d %s, want a redirect to the login", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestRolesAndNavigation(t *testing.T) {
	srv := testPortal(t, access.Border)
	c := client(t, srv)
	login(t, srv, c, "border1")
	get(t, c, srv.URL+"/admin/users", http.StatusNotFound) // no accounts service: not served at all
	body := get(t, c, srv.URL+"/password", http.StatusOK)
	if strings.Contains(body, `href="/audit"`) {
		t.Error("a border officer's navigation lists the audit log")
	}
	get(t, c, srv.URL+"/no-such-page", http.StatusNotFound)
}

// TestIdleTimeout: a session idle for longer than auth allows ends, and
// the portal says so on the login page.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, auth.Schema)
	sessions := auth.New(auth.Config{Agency: "NL-NCB", Country: "NL", SessionIdle: 3 * time.Second}, d, discardAudit{}, slog.New(slog.DiscardHandler))
	ctx := access.With(context.Background(), access.Principal{Username: "setup", Role: access.Admin})
	res, err := sessions.CreateUser(ctx, "spoc1", "", access.SPOC)
	if err != nil {
		t.Fatal(err)
	}
	if err := sessions.ChangePassword(ctx, res.User.ID, res.Password, "a long enough passphrase"); err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{StateKey: make([]byte, 32), Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(p)
	defer srv.Close()
	c := client(t, srv)
	login(t, srv, c, "spoc1")
	time.Sleep(3500 * time.Millisecond)
	resp, err := c.Get(srv.URL + "/dashboard")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?expired=1" {
		t.Fatalf("idle session: %d %s, want a redirect to /login?expired=1", resp.StatusCode, resp.Header.Get("Location"))
	}
	if body := get(t, c, srv.URL+"/login?expired=1", http.StatusOK); !strings.Contains(body, "Your session ended") {
		t.Error("the login page does not say that the session ended")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/records": "/records", "": "/dashboard", "//evil.example": "/dashboard", "https://evil.example/": "/dashboard",
		"/records?q=Kovalenko": "/dashboard", `/\evil`: "/dashboard", "/a#b": "/dashboard",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzStateCookie(f *testing.F) {
	s, err := newSealer(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	good, _ := s.seal(&state{Binding: sessionBinding("session"), CSRF: "token", CaseRef: "NL-1"})
	f.Add(good, "session")
	f.Add("", "session")
	f.Add("AAAA", "")
	f.Add(strings.Repeat("A", 5000), "session")
	f.Fuzz(func(t *testing.T, value, session string) {
		st, err := s.open(value, session)
		if err != nil {
			return
		}
		// Only one state was ever sealed under this key, for "session".
		if session != "session" || st.CSRF != "token" || st.CaseRef != "NL-1" {
			t.Fatalf("opened a state cookie that was not sealed for this session: %+v", st)
		}
	})
}

// TestExerciseBanner: every page of an exercise node, the login page
// included, says so in a banner (styled by the stylesheet: the CSP allows
// no inline style); a real node's pages do not.
func TestExerciseBanner(t *testing.T) {
	t.Parallel()
	const banner = `<div class="exercise-banner" role="note"><strong>EXERCISE</strong> — training node, no real data</div>`
	ex := testPortalOf(t, NodeInfo{Agency: "NL-NCB", Country: "NL", Name: "Netherlands NCB (training)", Exercise: true}, access.SPOC)
	c := client(t, ex)
	if body := get(t, c, ex.URL+"/login", http.StatusOK); !strings.Contains(body, banner) || !strings.Contains(body, "<title>EXERCISE · ") {
		t.Fatalf("the exercise node's login page has no banner:\n%s", body)
	}
	login(t, ex, c, "spoc1")
	for _, path := range []string{"/dashboard", "/case", "/password"} {
		if body := get(t, c, ex.URL+path, http.StatusOK); !strings.Contains(body, banner) {
			t.Errorf("%s of the exercise node has no banner", path)
		}
	}
	real := testPortalOf(t, NodeInfo{Agency: "NL-NCB", Country: "NL", Name: "Netherlands NCB"})
	if body := get(t, client(t, real), real.URL+"/login", http.StatusOK); strings.Contains(body, "exercise-banner") || strings.Contains(body, "EXERCISE") {
		t.Fatal("a real node's login page shows the exercise banner")
	}
}
