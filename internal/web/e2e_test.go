package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// officer is an account created in the portal, with its password after
// the forced change.
type officer struct{ user, password string }

// firstLogin logs an officer in with a one-time password and sets their
// own.
func (b *browser) firstLogin(base, user, oneTime string) officer {
	b.t.Helper()
	if loc := b.login(base, user, oneTime); !strings.HasSuffix(loc, "/password") {
		b.t.Fatalf("%s's first login went to %s, want the password change", user, loc)
	}
	o := officer{user, "passphrase of " + user + " 2026"}
	b.changePassword(oneTime, o.password)
	b.must("main h1", "Dashboard")
	return o
}

// createUsers creates accounts in the administrator's users page and
// returns their one-time passwords.
func (b *browser) createUsers(base string, roles map[string]string) map[string]string {
	b.t.Helper()
	out := map[string]string{}
	for user, role := range roles {
		b.open(base, "/admin/users")
		b.fill(map[string]string{"#nu-username": user, "#nu-role": role})
		b.press("form[action='/admin/users'] button[type=submit]", ".secret")
		out[user] = strings.TrimSpace(b.text(".secret code"))
	}
	return out
}

func (b *browser) logout() {
	b.t.Helper()
	b.press("form[action='/logout'] button", "#username")
}

// TestNodesEndToEnd runs the demo story on two real nodes in one process
// (every capability wired as `liaison serve` wires it), in Chromium: the
// administrators make their agencies partners in the portal; an
// investigator creates a record, finds it by a transliterated name, sees
// the case network, writes to the partner and gets the signed delivery and
// read receipts, shares the record (the partner's node acknowledges the
// copy), and drafts a red notice; the partner's SPOC checks the passport
// by hit/no-hit, gets a hit and follows it up, which NL-NCB's SPOC answers
// before its deadline; a reviewer weighs the notice's screening flag and
// publishes it; a border officer gets a hit on its subject; and the data
// protection officer finds an audit event for each step, with the
// officers' cases. A stolen passport alert entered in the portal gives the
// border officer a hit too.
func TestNodesEndToEnd(t *testing.T) {
	b := newBrowser(t)
	nl, nlInit := startNode(t, "NL-NCB", "NL", "Netherlands NCB")
	de, deInit := startNode(t, "DE-BKA", "DE", "Bundeskriminalamt")

	// Administrators: accounts, then partner cards exchanged through the
	// portal, fingerprints "read out of band".
	b.firstLogin(nl, nlInit.AdminUser, nlInit.AdminPassword)
	nlPasswords := b.createUsers(nl, map[string]string{"inv1": "investigator", "rev1": "reviewer", "bor1": "border", "dpo1": "dpo", "spoc1": "spoc"})
	b.open(nl, "/partners")
	nlCard, nlFP := value(b, "card", chromedp.Value(chromedp.CSS("#own-card"))), b.text("#own + p code")
	b.logout()
	deAdmin := b.firstLogin(de, deInit.AdminUser, deInit.AdminPassword)
	dePasswords := b.createUsers(de, map[string]string{"spoc1": "spoc"})
	b.open(de, "/partners")
	deCard, deFP := value(b, "card", chromedp.Value(chromedp.CSS("#own-card"))), b.text("#own + p code")
	b.fill(map[string]string{"#pa-card": nlCard, "#pa-fp": nlFP})
	b.press("form[action='/partners'] button[type=submit]", ".flash")
	b.must(".flash", "Partner NL-NCB added")
	b.logout()
	b.login(nl, nlInit.AdminUser, "passphrase of "+nlInit.AdminUser+" 2026")
	b.open(nl, "/partners")
	b.fill(map[string]string{"#pa-card": deCard, "#pa-fp": deFP})
	b.press("form[action='/partners'] button[type=submit]", ".flash")
	b.must(".flash", "Partner DE-BKA added")
	b.screenshot("partners")
	b.clean("partners")
	b.logout()
	_ = deAdmin

	// Investigator: a record, found again by another spelling of the name.
	inv := b.firstLogin(nl, "inv1", nlPasswords["inv1"])
	b.open(nl, "/records/new")
	b.must("main h1", "State your case")
	b.setCase("NL-2026-0042", "cash courier network on the A12 corridor")
	b.must("main h1", "Create a record")
	b.fill(map[string]string{"#r-title": "Cash courier stopped on the A12", "#r-narr": "Stopped near Utrecht with €240,000 in a rented car on 3 March.",
		"#r-legal": "Police Data Act, s. 9", "#p-name": "Олександр Коваленко", "#p-birth": "1984-05-12", "#p-nat": "ua", "#p-pass": "FX123456"})
	b.press("form[action='/records/new'] button[type=submit]", ".envelope")
	b.must("main h1", "Cash courier stopped on the A12")
	b.must(".entities", "Олександр Коваленко")
	recordURL := b.location()
	b.open(nl, "/records")
	b.fill(map[string]string{"#rs-q": "Kovalenko"})
	b.swap("form[action='/records/search'] button[type=submit]", "results", "tbody")
	b.press("#results tbody a", ".envelope")
	b.must(".envelope", "TLP:AMBER")
	b.must(".envelope", "Police Data Act")
	b.open(nl, "/network")
	value(b, "chart", chromedp.Poll[bool]("document.getElementById('network-status').textContent.indexOf('nodes') >= 0"))
	b.clean("records")

	// A message to the partner, with delivery and read receipts.
	b.open(nl, "/messages/new")
	b.fill(map[string]string{"input[name=to][value='DE-BKA']": "on", "#m-subject": "Courier network A12: request for information",
		"#m-body": "Do you hold information on Олександр Коваленко, born 1984-05-12, passport FX123456?", "input[name=handling][value=H2]": "on"})
	b.press("form[action='/messages/new'] button[type=submit]", "#deliv")
	sent := b.location()
	b.reloadUntil("#deliv + .table-wrap", "delivered")

	// A red notice whose charge raises a blocking screening flag.
	b.open(nl, "/notices/new")
	b.fill(map[string]string{"#n-forename": "Oleksandr", "#n-name": "KOVALENKO", "#n-dob": "1984-05-12", "#n-nat": "UA",
		"#n-cc": "NL", "#n-ct": "Armed robbery, and organising an unauthorised protest", "#n-pen": "144",
		"#n-facts": "Armed robbery of a cash transport in Utrecht on 3 March 2026.", "input[name=extradition]": "on", "#n-contact": "NCB The Hague"})
	b.press("form[action='/notices/new'] button[type=submit]", "main h1")
	b.press("form[action$='/submit'] button", ".flash")
	b.must(".flags", "art3.political")
	b.screenshot("notice-submitted")

	// A stolen passport alert, shared with the partner.
	b.open(nl, "/alerts")
	b.fill(map[string]string{"#al-doc": "X1234567", "#al-country": "FR", "#al-contact": "NCB The Hague", "#al-ref": "NL-2026-0042-A1"})
	b.press("form[action='/alerts'] button[type=submit]", ".flash")
	b.must(".flash", "NL-2026-0042-A1")
	b.must("tbody", "X1234567")
	b.screenshot("alerts")
	b.clean("investigator")
	b.logout()

	// The partner's officer reads the message.
	b.firstLogin(de, "spoc1", dePasswords["spoc1"])
	b.must(".widget", "Unread")
	b.open(de, "/messages")
	b.press("tbody a", "main h1")
	b.setCase("DE-2026-311", "answering NL-NCB on courier network A12")
	b.must(".body", "FX123456")
	b.screenshot("message-received")

	// It checks the passport at NL-NCB without revealing it: a hit (once
	// NL-NCB's node has indexed the record for DE-BKA), followed up.
	b.open(de, "/match")
	deadline := time.Now().Add(45 * time.Second)
	for {
		b.fill(map[string]string{"#mq-type": "passport", "#mq-value": "FX 123456"})
		b.press("form[action='/match'] button[type=submit]", "#mr")
		got := b.text("section[aria-labelledby=mr]")
		if strings.Contains(got, "HIT") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no hit at NL-NCB: %q", got)
		}
		time.Sleep(500 * time.Millisecond)
	}
	b.must("section[aria-labelledby=mr]", "NL-NCB")
	b.press("form[action^='/match/hits/'] button", "#fu-sent")
	b.must("#fu-sent + .table-wrap", "DE-2026-311")
	b.clean("partner reads and matches")
	b.logout()

	b.login(nl, inv.user, inv.password)
	b.do("sent message", chromedp.Navigate(sent), chromedp.WaitVisible(chromedp.CSS("main h1")))
	b.setCase("NL-2026-0042", "follow-up of courier network A12")
	b.reloadUntil("#deliv + .table-wrap", "read")
	b.screenshot("message-read-receipt")

	// The investigator shares the record with DE-BKA; DE-BKA's node
	// acknowledges the copy it stores.
	b.do("record", chromedp.Navigate(recordURL), chromedp.WaitVisible(chromedp.CSS("main h1")))
	b.press("form[action$='/share'] button", ".flash")
	b.must(".flash", "on its way to DE-BKA")
	b.reloadUntil("#holders + .table-wrap", "acknowledged")
	b.screenshot("record-shared")
	b.clean("share")
	b.logout()

	// NL-NCB's SPOC finds DE-BKA's follow-up, resolved to the record and
	// due within 48 hours, and answers it.
	b.firstLogin(nl, "spoc1", nlPasswords["spoc1"])
	b.open(nl, "/follow-ups")
	b.setCase("NL-2026-0042", "answering DE-BKA's follow-up of a hit")
	b.reloadUntil("#fu-open ~ article", "DE-2026-311")
	if n := b.count("#fu-open ~ article a[href^='/records/']"); n != 1 {
		t.Errorf("the follow-up resolves to %d records, want the shared one", n)
	}
	b.fill(map[string]string{"form[action^='/follow-ups/'] input[name=note]": "record copy sent"})
	b.press("form[action^='/follow-ups/'] button", "#fu-done")
	b.must("#fu-done + .table-wrap", "record copy sent")
	b.screenshot("follow-ups-answered")
	b.clean("follow-up answered")
	b.logout()

	// The reviewer publishes the notice after weighing the flag.
	b.firstLogin(nl, "rev1", nlPasswords["rev1"])
	b.open(nl, "/notices/review")
	b.setCase("REVIEW-2026-031", "compliance review before publication")
	b.must("tbody", "2 blocking")
	b.screenshot("review-queue")
	b.press("tbody a", "main h1")
	b.screenshot("notice-review")
	value(b, "tick every flag", chromedp.Evaluate[bool]("Array.from(document.querySelectorAll('input[name=ack],input[name=extradition]')).forEach(function(c){c.checked=true}) || true"))
	b.fill(map[string]string{"#d-reasons": "Armed robbery predominates; the protest charge is incidental and not the basis of the request."})
	b.press("button[value=approve]", ".flash")
	b.must(".flash", "published")
	b.screenshot("notice-published")
	b.clean("review")
	b.logout()

	// The border officer checks the subject, spelt as in the record.
	b.firstLogin(nl, "bor1", nlPasswords["bor1"])
	b.open(nl, "/border")
	b.setCase("", "border check, Schiphol terminal 2")
	b.fill(map[string]string{"#b-name": "Олександр Коваленко", "#b-dob": "1984-05-12"})
	b.press("form:has(#b-name) button", "main h1")
	b.must(".verdict-hit", "red")
	b.screenshot("border-person-hit")
	b.fill(map[string]string{"#b-doc": "x 1234567", "#b-dc": "FR"})
	b.press("form:has(#b-doc) button", "main h1")
	b.must(".verdict-hit", "NCB The Hague")
	b.must(".verdict-hit", "NL-2026-0042-A1")
	b.clean("border")
	b.logout()

	// The DPO finds every step in the audit log.
	b.firstLogin(nl, "dpo1", nlPasswords["dpo1"])
	b.open(nl, "/audit")
	b.setCase("DPO-2026-07", "lawfulness check of case NL-2026-0042")
	b.fill(map[string]string{"#au-case": "NL-2026-0042"})
	b.swap("form[action='/audit/search'] button[type=submit]", "results", "tbody")
	for _, want := range []string{"collect", "consult", "disclose", "DE-BKA", "notice-submitted"} {
		b.must("#results", want)
	}
	b.fill(map[string]string{"#au-case": ""})
	b.swap("form[action='/audit/search'] button[type=submit]", "results", "tbody")
	for _, want := range []string{"notice-approved", "lookup-hit", "REVIEW-2026-031", "border check, Schiphol",
		"hit follow-up answered: shared", "match evaluation: 1 passport evaluations"} {
		b.must("#results", want)
	}
	b.fill(map[string]string{"#au-kind": "partner-changed"})
	b.swap("form[action='/audit/search'] button[type=submit]", "results", "tbody")
	b.must("#results", "DE-BKA")
	b.screenshot("audit-end-to-end")
	b.clean("dpo")
}
