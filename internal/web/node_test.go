package web_test

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/liaison-project/liaison/internal/app"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/testnode"
)

// startNode initialises a node in a temporary directory and serves it in
// this process on loopback ports, as `liaison init` and `liaison serve` do.
func startNode(t *testing.T, agency, country, name string) (base string, res *app.InitResult) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), strings.ToLower(agency))
	res, err := app.Init(context.Background(), app.InitOptions{Dir: dir, Agency: agency, Country: country, Name: name,
		APIListen: testnode.FreeAddr(t), FederationListen: testnode.FreeAddr(t)}) // fixed ports: the partner card names them
	if err != nil {
		t.Fatalf("init: %v", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	addrc := make(chan app.Addrs, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- app.Serve(ctx, app.ServeOptions{Dir: dir, Stderr: io.Discard, LogLevel: "error", Ready: func(a app.Addrs) { addrc <- a }})
	}()
	select {
	case a := <-addrc:
		base = "https://" + a.API
	case err := <-errc:
		stop()
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() {
		stop()
		if err := <-errc; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return base, res
}

// TestNodePortal drives the portal of a real node in Chromium: the
// administrator's first login with the forced password change, creating a
// data protection officer, API tokens, a lockout after guessing, and the
// DPO finding the login events in the audit log and verifying it.
func TestNodePortal(t *testing.T) {
	b := newBrowser(t)
	base, res := startNode(t, "NL-NCB", "NL", "Netherlands NCB")

	// Keyboard: the login form has the focus, Tab moves through it with a
	// visible focus ring.
	b.open(base, "/login")
	if got := value(b, "focus", chromedp.Evaluate[string]("document.activeElement.id")); got != "username" {
		t.Errorf("the login page focuses %q, want the username", got)
	}
	b.do("tab", chromedp.KeyEvent(kb.Tab))
	if got := value(b, "focus", chromedp.Evaluate[string]("document.activeElement.id")); got != "password" {
		t.Errorf("Tab from the username goes to %q, want the password", got)
	}
	if ring := value(b, "focus ring", chromedp.Evaluate[string]("getComputedStyle(document.activeElement).outlineStyle")); ring == "none" {
		t.Error("the focused field has no visible outline")
	}

	// A wrong password is refused with a plain message.
	b.login(base, res.AdminUser, "not-the-password")
	b.must(".alert", "wrong username or password")
	b.clean("login refused")

	// First login: the one-time password must be changed.
	if loc := b.login(base, res.AdminUser, res.AdminPassword); !strings.HasSuffix(loc, "/password") {
		t.Fatalf("first login went to %s, want the password change", loc)
	}
	b.screenshot("password-change")
	b.changePassword(res.AdminPassword, "correct horse battery staple")
	b.must("main h1", "Dashboard")
	b.screenshot("dashboard-admin")
	// On a page without a form, the first Tab reaches the skip link, which
	// then shows.
	b.do("tab", chromedp.KeyEvent(kb.Tab))
	if got := value(b, "focus", chromedp.Evaluate[string]("document.activeElement.className")); got != "skip" {
		t.Errorf("the first Tab focuses %q, want the skip link", got)
	}
	if left := value(b, "skip link", chromedp.Evaluate[float64]("document.querySelector('.skip').getBoundingClientRect().left")); left < 0 {
		t.Error("the focused skip link is off screen")
	}
	b.clean("admin dashboard")

	// The administrator creates a DPO account; its one-time password is
	// shown once.
	b.open(base, "/admin/users")
	b.fill(map[string]string{"#nu-username": "dpo1", "#nu-name": "Dana Ørsted", "#nu-role": "dpo"})
	b.press("form[action='/admin/users'] button[type=submit]", ".flash")
	b.must(".flash", "User dpo1 created")
	dpoPassword := strings.TrimSpace(b.text(".secret code"))
	b.screenshot("admin-users")
	b.clean("admin users")

	b.open(base, "/admin/tokens")
	b.fill(map[string]string{"#nt-name": "laptop CLI"})
	b.press("form[action='/admin/tokens'] button[type=submit]", ".secret")
	if tok := b.text(".secret code"); !strings.HasPrefix(tok, "lsn_") {
		t.Fatalf("token shown as %q", tok)
	}
	b.screenshot("admin-tokens")
	b.clean("admin tokens")

	b.press("form[action='/logout'] button", "#username")
	b.must("main", "You are logged out")

	// Guessing is throttled (after five failures, each attempt waits twice
	// as long as the one before), and the portal says how long to wait.
	locked := false
	for range 10 {
		b.login(base, "mallory", "guess")
		if strings.Contains(b.text(".alert"), "too many failed logins") {
			locked = true
			break
		}
	}
	if !locked {
		t.Fatal("ten wrong passwords in a row did not pause logins")
	}
	b.must(".lockout", "paused")
	b.screenshot("login-lockout")
	b.clean("lockout")

	// The DPO logs in, states a case once, finds the administrator's login
	// in the audit log, and verifies the log.
	b.login(base, "dpo1", dpoPassword)
	b.changePassword(dpoPassword, "another long passphrase")
	b.open(base, "/audit")
	b.must("main h1", "State your case") // once, before the first page with personal data
	b.setCase("DPO-2026-07", "quarterly lawfulness check of portal logins")
	b.must("main h1", "Audit log") // back where the officer was
	b.fill(map[string]string{"#au-kind": "login"})
	b.swap("form[action='/audit/search'] button[type=submit]", "results", "table")
	b.must("#results", "admin")
	b.must("#results", "dpo1")
	b.must(".casebar", "DPO-2026-07")
	b.screenshot("audit-search")

	// The search itself is audited, with the DPO's case.
	b.fill(map[string]string{"#au-kind": "consult", "#au-case": "DPO-2026-07"})
	b.swap("form[action='/audit/search'] button[type=submit]", "results", "td")
	b.must("#results", "audit search")
	// The export for a lawfulness check: JSON lines with the signed
	// checkpoint and an inclusion proof per event.
	export := value(b, "export", chromedp.Evaluate[string](`fetch("/audit/export", {method: "POST", body: new URLSearchParams({
		csrf_token: document.querySelector('meta[name="csrf-token"]').content})}).then(function (r) {
		return r.text().then(function (body) { return r.headers.get("Content-Disposition") + "\n" + body; }); })`, chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(export, "attachment") || !strings.Contains(export, audit.ExportFormat) || !strings.Contains(export, `"proof"`) {
		t.Errorf("the export is not a download of events with proofs: %.300s", export)
	}
	b.press("form[action='/audit/verify'] button", ".flash")
	b.must(".flash", "Verified")
	b.screenshot("audit-verify")
	b.clean("audit")
}
