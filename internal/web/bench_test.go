package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/db/dbtest"
)

// The portal's cost per page, as a ratio to executing the same template
// with the same data in the same run (the floor any server-rendered page
// pays). The portal adds the security headers, the session lookup in the
// database, the sealed state cookie and the route's role check.
//
//	go test -run='^$' -bench=BenchmarkPortal -benchtime=2s ./internal/web/

func benchPortal(b *testing.B) (*Portal, []*http.Cookie) {
	d := dbtest.Open(b, auth.Schema)
	sessions := auth.New(auth.Config{Agency: "NL-NCB", Country: "NL"}, d, discardAudit{}, slog.New(slog.DiscardHandler))
	ctx := access.With(context.Background(), access.Principal{Username: "setup", Role: access.Admin})
	res, err := sessions.CreateUser(ctx, "spoc1", "Sofia Petrović", access.SPOC)
	if err != nil {
		b.Fatal(err)
	}
	if err := sessions.ChangePassword(ctx, res.User.ID, res.Password, "a long enough passphrase"); err != nil {
		b.Fatal(err)
	}
	p, err := New(Config{Node: NodeInfo{Agency: "NL-NCB", Country: "NL", Name: "Netherlands NCB"}, StateKey: make([]byte, 32), Sessions: sessions})
	if err != nil {
		b.Fatal(err)
	}
	form := url.Values{"username": {"spoc1"}, "password": {"a long enough passphrase"}}
	req := httptest.NewRequest("POST", "https://portal.test/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		b.Fatalf("login: %d", rec.Code)
	}
	return p, rec.Result().Cookies()
}

// benchPage serves GET path through the portal and executes the same
// page's template with the same data, alternately in each iteration, and
// reports the time per page of both and the ratio of their throughputs
// (portal pages per second / template pages per second).
func benchPage(b *testing.B, path, tmpl string, cookies []*http.Cookie, p *Portal, pg func() *page) {
	var portal, bare time.Duration
	var buf bytes.Buffer
	for b.Loop() {
		start := time.Now()
		req := httptest.NewRequest("GET", "https://portal.test"+path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", path, rec.Code)
		}
		mid := time.Now()
		buf.Reset()
		if err := p.tmpl.pages[tmpl].ExecuteTemplate(&buf, "layout", pg()); err != nil {
			b.Fatal(err)
		}
		portal, bare = portal+mid.Sub(start), bare+time.Since(mid)
	}
	b.ReportMetric(float64(portal.Nanoseconds())/float64(b.N), "portal-ns/page")
	b.ReportMetric(float64(bare.Nanoseconds())/float64(b.N), "template-ns/page")
	b.ReportMetric(float64(bare)/float64(portal), "ratio")
}

func BenchmarkPortalLogin(b *testing.B) {
	p, _ := benchPortal(b)
	benchPage(b, "/login", "login", nil, p, func() *page {
		return &page{Title: "Log in", Node: p.cfg.Node, Data: loginForm{}}
	})
}

func BenchmarkPortalPassword(b *testing.B) {
	p, cookies := benchPortal(b)
	pr := access.Principal{UserID: "u", Username: "spoc1", DisplayName: "Sofia Petrović", Role: access.SPOC, Agency: "NL-NCB"}
	benchPage(b, "/password", "password", cookies, p, func() *page {
		return &page{Title: "Change your password", Node: p.cfg.Node, Principal: pr, LoggedIn: true, CSRF: "x", Nav: p.nav(pr)}
	})
}
