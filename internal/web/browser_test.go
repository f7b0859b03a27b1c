package web_test

import (
	"context"

	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, which CI installs when it is missing
// (apt-get install -y chromium).
const chromiumPath = "/usr/bin/chromium"

// reportViolations forwards Content-Security-Policy violations to the
// console, where the test collects them. It is injected by the DevTools
// protocol, which the page's CSP does not govern.
const reportViolations = `document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + e.blockedURI + " at " + e.sourceFile + ":" + e.lineNumber);
});`

// browser is a headless Chromium tab that records every console error,
// uncaught exception and CSP violation of the pages it shows.
type browser struct {
	t    *testing.T
	ctx  context.Context
	shot string // screenshot directory

	mu       sync.Mutex
	problems []string
}

// newBrowser starts Chromium. Without it the test is skipped, except in
// CI (CI=true), where it fails.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	t.Parallel() // each test has its own browser and servers
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: CI must install Debian's chromium (apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("%s is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests", chromiumPath)
	}
	shots := os.Getenv("LIAISON_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.IgnoreCertErrors, // the nodes' self-signed certificates
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, shot: shots}
	// The first run starts the browser; it must not have a deadline.
	_, err := chromedp.Run(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: reportViolations})
		return err
	}))
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	err = chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == "error" || ev.Type == "assert" {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				b.problem("console error: " + strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			msg := ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
			b.problem("uncaught exception: " + msg)
		case *log.EventEntryAdded:
			if ev.Entry.Level == "error" {
				b.problem("browser log (" + string(ev.Entry.Source) + "): " + ev.Entry.Text + " " + ev.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("listen to chromium: %v", err)
	}
	return b
}

func (b *browser) problem(s string) {
	b.mu.Lock()
	b.problems = append(b.problems, s)
	b.mu.Unlock()
}

// clean fails the test if any page showed a console error, an exception
// or a CSP violation since the last call.
func (b *browser) clean(where string) {
	b.t.Helper()
	b.mu.Lock()
	ps := b.problems
	b.problems = nil
	b.mu.Unlock()
	for _, p := range ps {
		b.t.Errorf("%s: %s", where, p)
	}
}

// do runs actions within 30 seconds and fails the test on error, showing
// where the tab was and what it showed.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		b.t.Fatalf("%s: %v\n(at %s)\n%s", what, err, loc, body)
	}
}

// value runs an action that returns a value.
func value[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// text returns the visible text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return value(b, "read "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// must fails unless the visible text of sel contains want.
func (b *browser) must(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.t.Fatalf("%s shows %q, want it to contain %q", sel, got, want)
	}
}

// location returns the URL of the tab.
func (b *browser) location() string {
	b.t.Helper()
	return value(b, "location", chromedp.Location())
}

// count counts the elements matching sel now.
func (b *browser) count(sel string) int {
	b.t.Helper()
	return value(b, "count "+sel, chromedp.Evaluate[int]("document.querySelectorAll("+jsString(sel)+").length"))
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// screenshot saves the full page as name.png in the screenshot directory.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	png := value(b, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(b.shot, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// open navigates to path, waits for the page heading and checks that
// every form control of the page has a label.
func (b *browser) open(base, path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	b.labelled(path)
}

// unlabelled lists the visible form controls without a label or
// aria-label, by id or name.
const unlabelled = `Array.from(document.querySelectorAll("input, select, textarea"))
  .filter(function (e) { return e.type !== "hidden" && e.type !== "submit" && !e.hidden; })
  .filter(function (e) { return e.labels.length === 0 && !e.getAttribute("aria-label"); })
  .map(function (e) { return e.id || e.name; }).join(", ")`

// labelled fails the test if a form control of the page has no label.
func (b *browser) labelled(where string) {
	b.t.Helper()
	if missing := value(b, "labels", chromedp.Evaluate[string](unlabelled)); missing != "" {
		b.t.Errorf("%s: form controls without a label: %s", where, missing)
	}
}

// fill sets form fields (CSS selector → value); selects take the value of
// an option, checkboxes "on" to tick them.
func (b *browser) fill(fields map[string]string) {
	b.t.Helper()
	for sel, v := range fields {
		switch v {
		case "on":
			b.do("tick "+sel, chromedp.Click(chromedp.CSS(sel)))
			continue
		case "":
			value(b, "clear "+sel, chromedp.Evaluate[bool]("(document.querySelector("+jsString(sel)+").value = '') === ''"))
			continue
		}
		b.do("fill "+sel, chromedp.SetValue(chromedp.CSS(sel), v))
	}
}

// press clicks a button that loads a new page, waits for it to load and
// to show want.
func (b *browser) press(button, want string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button))); err != nil {
		b.t.Fatalf("press %s: %v", button, err)
	}
	b.do("after "+button, chromedp.WaitVisible(chromedp.CSS(want)))
}

// swap clicks a button of an htmx form whose answer replaces the element
// #target, and waits until the new element shows want (a selector inside
// it): the old element is marked first, so that it cannot be mistaken for
// the new one.
func (b *browser) swap(button, target, want string) {
	b.t.Helper()
	value(b, "mark "+target, chromedp.Evaluate[bool]("(function(e){ if (e) { e.setAttribute('data-stale', '1'); } return true; })(document.getElementById("+jsString(target)+"))"))
	b.do("press "+button, chromedp.Click(chromedp.CSS(button)), chromedp.WaitVisible(chromedp.CSS("#"+target+":not([data-stale]) "+want)))
}

// login logs in through the form and returns where the portal went.
func (b *browser) login(base, user, password string) string {
	b.t.Helper()
	b.open(base, "/login")
	b.fill(map[string]string{"#username": user, "#password": password})
	b.press("form[action='/login'] button", "main h1")
	return b.location()
}

// changePassword completes the forced password change.
func (b *browser) changePassword(old, next string) {
	b.t.Helper()
	b.fill(map[string]string{"#old": old, "#new": next, "#again": next})
	b.press("form[action='/password'] button", "main h1")
}

// setCase fills the case form the portal shows before personal pages.
func (b *browser) setCase(caseRef, justification string) {
	b.t.Helper()
	b.fill(map[string]string{"#case": caseRef, "#justification": justification})
	b.press("form[action='/case'] button", "main h1")
}

// reloadUntil reloads the page until sel shows want, for state that
// another node changes (delivery and read receipts).
func (b *browser) reloadUntil(sel, want string) {
	b.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		if strings.Contains(b.text(sel), want) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s never showed %q: %q", sel, want, b.text(sel))
		}
		time.Sleep(250 * time.Millisecond)
		b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(sel)))
	}
}
