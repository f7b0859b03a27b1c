package web_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/web"
)

// threads lists federation threads from the newest (the portal's one
// page), as the node's wiring does.
type threads struct{ *federation.Service }

func (m threads) ListThreads(ctx context.Context, limit int) ([]federation.Thread, error) {
	return m.Service.ListThreads(ctx, nil, limit)
}

// federatedPortal serves the portal of a federation test node, with an
// administrator "admin1" and an officer of role (password testPassword).
func federatedPortal(t *testing.T, n *fedtest.Node, username string, role access.Role) string {
	t.Helper()
	d := dbtest.Open(t, auth.Schema)
	sessions := auth.New(auth.Config{Agency: n.Agency, Country: n.Country}, d, &auditRec{}, slog.New(slog.DiscardHandler))
	ctx := access.With(context.Background(), access.Principal{Username: "setup", Role: access.Admin})
	for name, role := range map[string]access.Role{"admin1": access.Admin, username: role} {
		res, err := sessions.CreateUser(ctx, name, "", role)
		if err != nil {
			t.Fatal(err)
		}
		if err := sessions.ChangePassword(ctx, res.User.ID, res.Password, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	key := make([]byte, 32)
	rand.Read(key)
	h, err := web.New(web.Config{Node: web.NodeInfo{Agency: n.Agency, Country: n.Country, Name: n.Agency + " liaison office"},
		StateKey: key, Sessions: sessions, Messages: threads{n.Service()}, Partners: n.Service()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestMessagingBetweenNodes: the administrators of two nodes make their
// agencies partners in the portal (each pastes the other's card and the
// fingerprint read out of band), then a message goes from one node's
// portal to the other's over real federation (mutual TLS, signed envelopes
// and receipts): the sender sees it delivered, the recipient opens it, and
// the sender sees the signed read receipt naming the reader. Both nodes'
// audit logs hold the disclosure and the consultation with each officer's
// case.
func TestMessagingBetweenNodes(t *testing.T) {
	b := newBrowser(t)
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", nil)
	nlURL := federatedPortal(t, nl, "inv1", access.Investigator)
	deURL := federatedPortal(t, de, "spoc1", access.SPOC)

	type card struct{ json, fingerprint string }
	ownCard := func(base string) card {
		b.login(base, "admin1", testPassword)
		b.open(base, "/partners")
		c := card{json: value(b, "own card", chromedp.Value(chromedp.CSS("#own-card"))), fingerprint: b.text("#own ~ p code, #own + p code")}
		b.press("form[action='/logout'] button", "#username")
		return c
	}
	addPartner := func(base string, c card, agency string) {
		b.login(base, "admin1", testPassword)
		b.open(base, "/partners")
		b.fill(map[string]string{"#pa-card": c.json, "#pa-fp": c.fingerprint})
		b.press("form[action='/partners'] button[type=submit]", ".flash")
		b.must(".flash", "Partner "+agency+" added")
		b.must(".cards", agency)
		b.clean("add partner " + agency)
	}
	nlCard, deCard := ownCard(nlURL), ownCard(deURL)
	addPartner(nlURL, deCard, "DE-BKA")
	b.screenshot("partners")
	b.press("form[action='/logout'] button", "#username")
	addPartner(deURL, nlCard, "NL-NCB")
	b.press("form[action='/logout'] button", "#username")

	b.login(nlURL, "inv1", testPassword)
	b.open(nlURL, "/messages/new")
	b.must("main h1", "State your case")
	b.setCase("NL-2026-0042", "cash courier network on the A12 corridor")
	b.must("main h1", "New message")
	b.fill(map[string]string{"input[name=to][value='DE-BKA']": "on", "#m-subject": "Courier network A12: request for information",
		"#m-body": "Do you hold information on Олександр Коваленко, born 1984-05-12?", "input[name=handling][value=H2]": "on"})
	b.press("form[action='/messages/new'] button[type=submit]", "#deliv")
	msgURL := b.location()
	b.reloadUntil("#deliv + .table-wrap", "delivered")
	b.clean("send")

	b.press("form[action='/logout'] button", "#username")
	b.login(deURL, "spoc1", testPassword)
	b.must(".widget", "Unread")
	b.open(deURL, "/messages")
	b.must("tbody", "Courier network A12")
	b.press("tbody a", "main h1")
	b.must("main h1", "State your case")
	b.setCase("DE-2026-311", "answering NL-NCB's request on courier network A12")
	b.must(".body", "Олександр Коваленко")
	b.must(".envelope", "NL-NCB")
	b.screenshot("message-received")
	b.clean("receive")
	b.press("form[action='/logout'] button", "#username")

	b.login(nlURL, "inv1", testPassword)
	b.do("sent message", chromedp.Navigate(msgURL), chromedp.WaitVisible(chromedp.CSS("main h1")))
	b.setCase("NL-2026-0042", "follow-up of courier network A12") // a new session states its case again
	b.do("sent message", chromedp.WaitVisible(chromedp.CSS("#deliv")))
	b.reloadUntil("#deliv + .table-wrap", "read")
	b.screenshot("message-read-receipt")
	b.clean("receipt")

	if ev := nl.Audit.Find(t, audit.Disclose, audit.OK, ""); len(ev) == 0 || ev[len(ev)-1].CaseRef != "NL-2026-0042" {
		t.Errorf("NL-NCB audit: disclosure events %+v, want one with case NL-2026-0042", ev)
	}
	found := false
	for _, e := range de.Audit.Find(t, audit.Consult, audit.OK, "") {
		found = found || e.CaseRef == "DE-2026-311" && strings.Contains(e.Justification, "courier network")
	}
	if !found {
		t.Error("DE-BKA audit: no consultation of the message with the officer's case")
	}
}

// reloadUntil reloads the page until sel shows want, for state that
// another node changes (delivery and read receipts).
func (b *browser) reloadUntil(sel, want string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
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
