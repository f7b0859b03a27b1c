package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/exercise"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/noticesvc"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
	"github.com/liaison-project/liaison/internal/scenario"
)

// Countries are the demo's three agencies' countries; the first leads.
var Countries = []string{"NL", "DE", "FR"}

// steps is the story, in order.
func (d *demo) steps() []step {
	return []step{
		{title: "synthetic case generated", essential: true, run: d.generate, say: func() string {
			return "A synthetic cross-border case: a cocaine and money-laundering network whose members, documents, " +
				"vehicles and accounts are known, each differently, to three agencies. Nothing in it is real."
		}},
		{title: "three agency nodes serving", essential: true, run: d.serve, say: func() string {
			return "Each agency runs its own node (one binary, SQLite) on loopback; nodes talk over mutual TLS."
		}},
		{title: "officers created", essential: true, run: d.createOfficers, say: func() string {
			return "Each administrator creates accounts for a single point of contact, an investigator, a notice " +
				"reviewer, a border officer and a data protection officer, each with an API token."
		}},
		{title: "partners onboarded", essential: true, run: d.onboard, say: func() string {
			return "The administrators exchange signed partner cards and check each card's fingerprint out of band " +
				"(read over the phone); only then will a node accept the other's TLS certificate."
		}},
		{title: "records loaded", essential: true, run: d.loadRecords, say: func() string {
			return "Each agency's investigator loads what it holds on the case as records of FollowTheMoney entities, " +
				"under its handling code (H0-H3), TLP label, evaluation, purpose, legal basis and review date."
		}},
		{title: "alerts loaded and shared", run: d.loadAlerts, say: func() string {
			return "Each agency's SPOC imports its alerts on stolen and lost documents and stolen vehicles and " +
				"shares them with the partners' border checks."
		}},
		{title: "record shared under handling codes", run: d.share, say: d.sayShare},
		{title: "hit/no-hit checks find the main suspect", needs: pathMatchQueries, run: d.matchQueriesStep, say: d.sayMatch},
		{title: "hit followed up", needs: pathMatchQueries, run: d.matchFollowUp, say: d.sayMatchFollowUp},
		{title: "secure message with signed receipts", run: d.followUp, say: d.sayFollowUp},
		{title: "political red notice flagged and refused", run: d.flawedNotice, say: d.sayFlawed},
		{title: "red notice reviewed and published", run: d.redNotice, say: d.sayRedNotice},
		{title: "border check hits the red notice at a partner", run: d.borderNotice, say: d.sayBorderNotice},
		{title: "border check hits the stolen passport", run: d.borderPassport, say: d.sayBorderPassport},
		{title: "border check of a clean passport", run: d.borderClean, say: func() string {
			return "Almost every border check is a miss, and must be fast: a traveller's own passport gives no hit."
		}},
		{title: "number-plate check hits the stolen car", run: d.borderPlate, say: d.sayBorderPlate},
		{title: "record withdrawn", run: d.withdraw, say: d.sayWithdraw},
		{title: "audit logs verify", run: d.verifyAudit, say: func() string {
			return "Every collection, consultation, disclosure and erasure above is an event of each node's " +
				"tamper-evident audit log. Each DPO has the node sign a checkpoint, downloads the log, recomputes " +
				"the Merkle tree and holds it against the checkpoint and the one pinned when the node started."
		}},
		{title: "checkpoints cosigned by partners", needs: pathWitness, run: d.cosigned, say: d.sayCosigned},
	}
}

// lead, second and third are the story's agencies.
func (d *demo) lead() *node { return d.node(d.story.LeadAgency) }

func (d *demo) holding(hs []scenario.Holding, agency string) (scenario.Holding, bool) {
	for _, h := range hs {
		if h.Agency == agency {
			return h, true
		}
	}
	return scenario.Holding{}, false
}

// recordOf returns the node's id of the scenario record id.
func (d *demo) recordOf(id string) (string, error) {
	if n, ok := d.records[id]; ok {
		return n, nil
	}
	return "", fmt.Errorf("scenario record %s was not loaded", id)
}

func (d *demo) generate(ctx context.Context) (string, error) {
	dir := filepath.Join(d.dir, "scenario")
	opts := scenario.Options{Seed: d.opts.Seed, Countries: Countries, Size: scenario.Small}
	if _, err := scenario.WriteDir(opts, dir); err != nil {
		return "", err
	}
	sc, err := exercise.Open(dir)
	if err != nil {
		return "", err
	}
	d.sc, d.story = sc, sc.Manifest.Story
	c := sc.Manifest.Counts
	main, _ := d.holding(d.story.MainSuspect.Holdings, d.story.LeadAgency)
	return fmt.Sprintf("operation %s, %d entities in %d records; main suspect %s, known to all three agencies",
		d.story.Operation, c.Entities, c.Records, main.Name), nil
}

func (d *demo) serve(ctx context.Context) (string, error) {
	if err := d.startNodes(ctx, d.sc.Manifest.Agencies); err != nil {
		return "", err
	}
	var parts []string
	for _, n := range d.nodes {
		// Pin each audit log's key and first checkpoint now, as an
		// oversight body would, to verify the logs against at the end.
		var info audit.CheckpointInfo
		if err := n.officers[access.Admin].client.Get(ctx, "/api/v1/audit/checkpoint", nil, &info); err != nil {
			return "", fmt.Errorf("%s: audit checkpoint: %w", n.agency.ID, err)
		}
		n.verifierKey, n.firstCheckpoint = info.VerifierKey, info.Note
		parts = append(parts, n.agency.ID+" "+n.apiURL)
	}
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := d.nodes[0].officers[access.Admin].client.Get(ctx, "/api/v1/openapi.json", nil, &doc); err != nil {
		return "", fmt.Errorf("API document: %w", err)
	}
	d.paths = map[string]bool{}
	for p := range doc.Paths {
		d.paths[p] = true
	}
	return strings.Join(parts, ", "), nil
}

// forEachNode runs f for every node concurrently and joins the errors.
func (d *demo) forEachNode(f func(n *node) error) error {
	errc := make(chan error, len(d.nodes))
	var wg sync.WaitGroup
	for _, n := range d.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(n); err != nil {
				errc <- fmt.Errorf("%s: %w", n.agency.ID, err)
			}
		}()
	}
	wg.Wait()
	close(errc)
	var all []error
	for err := range errc {
		all = append(all, err)
	}
	return errors.Join(all...)
}

func (d *demo) createOfficers(ctx context.Context) (string, error) {
	err := d.forEachNode(func(n *node) error {
		admin := n.officers[access.Admin].client
		for _, role := range officerRoles {
			var u struct {
				Password string `json:"password"`
			}
			name := string(role)
			body := map[string]string{"username": name, "role": name, "displayName": fmt.Sprintf("Demo %s, %s", name, n.agency.ID)}
			if err := admin.Post(ctx, "/api/v1/users", body, &u); err != nil {
				return fmt.Errorf("create %s: %w", name, err)
			}
			var tok struct {
				Secret string `json:"secret"`
			}
			if err := admin.Post(ctx, "/api/v1/tokens", map[string]string{"username": name, "name": "liaison demo", "expiresIn": "168h"}, &tok); err != nil {
				return fmt.Errorf("token for %s: %w", name, err)
			}
			c := client.New(n.apiURL, tok.Secret, n.roots)
			var me struct {
				Role access.Role `json:"role"`
			}
			if err := c.Get(ctx, "/api/v1/me", nil, &me); err != nil || me.Role != role {
				return fmt.Errorf("%s's token: role %q, %v", name, me.Role, err)
			}
			n.officers[role] = &officer{role: role, username: name, password: u.Password, client: c}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d officers on each node (%s), each token checked", len(officerRoles), joinRoles(officerRoles)), nil
}

func joinRoles(rs []access.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

func (d *demo) onboard(ctx context.Context) (string, error) {
	type ownCard struct {
		Card        json.RawMessage `json:"card"`
		Fingerprint string          `json:"fingerprint"`
	}
	cards := map[string]ownCard{}
	for _, n := range d.nodes {
		var c ownCard
		if err := n.officers[access.Admin].client.Get(ctx, "/api/v1/federation/card", nil, &c); err != nil {
			return "", fmt.Errorf("%s: own card: %w", n.agency.ID, err)
		}
		cards[n.agency.ID] = c
	}
	err := d.forEachNode(func(n *node) error {
		for _, p := range d.others(n) {
			c := cards[p.agency.ID]
			var res federation.AddPartnerResult
			body := federation.AddPartnerRequest{Card: c.Card, Fingerprint: c.Fingerprint}
			if err := n.officers[access.Admin].client.Post(ctx, "/api/v1/partners", body, &res); err != nil {
				return fmt.Errorf("add %s: %w", p.agency.ID, err)
			}
			if res.Result != federation.PartnerAdded {
				return fmt.Errorf("add %s: %s", p.agency.ID, res.Result)
			}
		}
		var page httpx.Page[federation.Partner]
		if err := n.officers[access.Admin].client.Get(ctx, "/api/v1/partners", nil, &page); err != nil {
			return err
		}
		active := 0
		for _, p := range page.Items {
			if p.State == federation.StateActive {
				active++
			}
		}
		if active != len(d.nodes)-1 {
			return fmt.Errorf("%d active partners, want %d", active, len(d.nodes)-1)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	fps := make([]string, len(d.nodes))
	for i, n := range d.nodes {
		fps[i] = n.agency.ID + " " + cards[n.agency.ID].Fingerprint[:9] + "…"
	}
	return fmt.Sprintf("%d trust relations, fingerprints checked (%s)", len(d.nodes)*(len(d.nodes)-1), strings.Join(fps, ", ")), nil
}

func (d *demo) loadRecords(ctx context.Context) (string, error) {
	now := time.Now()
	shift, err := exercise.ReviewShift(&d.sc.Manifest, now)
	if err != nil {
		return "", err
	}
	var mu sync.Mutex
	counts := map[string][2]int{} // records, entities
	err = d.forEachNode(func(n *node) error {
		inv := n.as(access.Investigator, "loading the agency's holdings on operation "+d.story.Operation)
		return d.sc.Records(n.agency.ID, func(r *scenario.Record) error {
			draft, err := exercise.Draft(r, exercise.DraftOptions{Shift: shift, Now: now})
			if err != nil {
				return err
			}
			var res record.CreateResult
			if err := inv.Post(ctx, "/api/v1/records", draft, &res); err != nil {
				return fmt.Errorf("record %s: %w", r.ID, err)
			}
			if res.Record == nil || len(res.Record.Entities) != len(r.Entities) {
				return fmt.Errorf("record %s: stored with a different number of entities", r.ID)
			}
			mu.Lock()
			d.records[r.ID], d.recordCase[r.ID] = res.Record.ID, r.CaseRef
			c := counts[n.agency.ID]
			counts[n.agency.ID] = [2]int{c[0] + 1, c[1] + len(r.Entities)}
			mu.Unlock()
			return nil
		})
	})
	if err != nil {
		return "", err
	}
	d.loadedAt = time.Now()
	// Each agency finds its record of the main suspect by the name as it
	// writes it: search covers every script and spelling it stored.
	for _, h := range d.story.MainSuspect.Holdings {
		n := d.node(h.Agency)
		id, err := d.recordOf(h.RecordID)
		if err != nil {
			return "", err
		}
		var page record.SearchPage
		q := url.Values{"q": {h.Name}, "limit": {"50"}}
		if err := n.as(access.Investigator, "operation "+d.story.Operation).Get(ctx, "/api/v1/records", q, &page); err != nil {
			return "", fmt.Errorf("%s: search %q: %w", h.Agency, h.Name, err)
		}
		if !slices.ContainsFunc(page.Items, func(s record.Summary) bool { return s.ID == id }) {
			return "", fmt.Errorf("%s: searching %q does not find the main suspect's record", h.Agency, h.Name)
		}
	}
	var parts []string
	for _, n := range d.nodes {
		c := counts[n.agency.ID]
		parts = append(parts, fmt.Sprintf("%s %d records (%d entities)", n.agency.ID, c[0], c[1]))
	}
	return strings.Join(parts, ", ") + "; each finds the main suspect by its own spelling", nil
}

func (d *demo) loadAlerts(ctx context.Context) (string, error) {
	var mu sync.Mutex
	var parts []string
	err := d.forEachNode(func(n *node) error {
		spoc := n.as(access.SPOC, "alerts of operation "+d.story.Operation)
		send := func(b exercise.AlertBatch) error {
			var res noticesvc.AlertImport
			req := client.Request{Method: http.MethodPost, Path: "/api/v1/alerts/import", Query: url.Values{"scope": {"all"}},
				Body: bytes.NewReader(b.CSV), Header: http.Header{"Content-Type": {"text/csv"}}, IdempotencyKey: client.NewIdempotencyKey()}
			if err := spoc.Do(ctx, req, &res); err != nil {
				return err
			}
			if res.Created != b.Rows {
				return fmt.Errorf("%d alerts created of %d", res.Created, b.Rows)
			}
			return nil
		}
		contact := contactOf(n)
		docs, err := d.sc.DocumentAlerts(n.agency.ID, contact, 0, send)
		if err != nil {
			return fmt.Errorf("document alerts: %w", err)
		}
		vehs, err := d.sc.VehicleAlerts(n.agency.ID, contact, 0, send)
		if err != nil {
			return fmt.Errorf("vehicle alerts: %w", err)
		}
		mu.Lock()
		parts = append(parts, fmt.Sprintf("%s %d documents, %d vehicles", n.agency.ID, docs.Rows, vehs.Rows))
		mu.Unlock()
		return nil
	})
	if err != nil {
		return "", err
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ") + ", each shared with all partners", nil
}

// contactOf is whom a border officer calls on a hit on n's alert or notice.
func contactOf(n *node) string { return n.agency.ID + " 24/7 desk" }

// mainRecord is the lead agency's record of the main suspect.
func (d *demo) mainRecord() (scenario.Holding, string, error) {
	h, ok := d.holding(d.story.MainSuspect.Holdings, d.story.LeadAgency)
	if !ok {
		return h, "", errors.New("the lead agency holds no record of the main suspect")
	}
	id, err := d.recordOf(h.RecordID)
	return h, id, err
}

func (d *demo) sayShare() string {
	h, _, _ := d.mainRecord()
	return fmt.Sprintf("%s's investigator shares the main suspect's record (%s) with %s. Its handling code H2 "+
		"forbids passing it on without %s's permission; the TLP label limits who may read it.",
		d.story.LeadAgency, h.Name, strings.Join(agencyIDs(d.others(d.lead())), " and "), d.story.LeadAgency)
}

func (d *demo) share(ctx context.Context) (string, error) {
	if d.offers(pathShare) {
		return d.shareByDisclosure(ctx)
	}
	lead := d.lead()
	_, id, err := d.mainRecord()
	if err != nil {
		return "", err
	}
	inv := lead.as(access.Investigator, "operation "+d.story.Operation+": informing partners of the main suspect")
	var rec record.Record
	if err := inv.Get(ctx, "/api/v1/records/"+id, nil, &rec); err != nil {
		return "", err
	}
	others := d.others(lead)
	// Records travel to partners with record disclosure; until this node
	// has it, the reference and content go in a message under the
	// record's markings.
	req := federation.SendRequest{
		To:       agencyIDs(others),
		Subject:  fmt.Sprintf("Operation %s: %s", d.story.Operation, rec.Title),
		Body:     fmt.Sprintf("%s shares record %s (case %s).\n\n%s", lead.agency.ID, rec.ID, rec.CaseRef, rec.Narrative),
		CaseRef:  rec.CaseRef,
		Handling: rec.Envelope.Handling.Codes(),
		TLP:      string(rec.Envelope.TLP),
	}
	if rec.Envelope.Handling.Has(policy.H3) { // H3 carries its restrictions in words
		req.Restrictions = rec.Envelope.Restrictions.Text
	}
	var msg federation.Message
	if err := inv.Post(ctx, "/api/v1/messages", req, &msg); err != nil {
		return "", err
	}
	d.shareMessage, d.shareThread = msg.ID, msg.ThreadID
	t0 := time.Now()
	if err := d.delivered(ctx, inv, msg.ID, req.To, "delivered"); err != nil {
		return "", err
	}
	took := time.Since(t0)
	for _, p := range others {
		var page httpx.Page[federation.Message]
		if err := p.as(access.Investigator, "").Get(ctx, "/api/v1/messages", url.Values{"box": {"inbox"}, "thread": {msg.ThreadID}}, &page); err != nil {
			return "", fmt.Errorf("%s inbox: %w", p.agency.ID, err)
		}
		i := slices.IndexFunc(page.Items, func(m federation.Message) bool { return m.ID == msg.ID })
		if i < 0 {
			return "", fmt.Errorf("%s: the message is not in the inbox", p.agency.ID)
		}
		if got := page.Items[i]; !slices.Equal(got.Handling, req.Handling) || got.TLP != req.TLP || got.Sender != lead.agency.ID {
			return "", fmt.Errorf("%s received markings %v %s from %s", p.agency.ID, got.Handling, got.TLP, got.Sender)
		}
	}
	return fmt.Sprintf("%s → %s under %s, %s, delivered in %.1f s (as a message carrying the record; record disclosure is not in this build)",
		lead.agency.ID, strings.Join(req.To, ", "), strings.Join(req.Handling, ","), req.TLP, took.Seconds()), nil
}

// delivered waits until the message id has reached state (delivered or
// read) at every recipient.
func (d *demo) delivered(ctx context.Context, c *client.Client, id string, to []string, state string) error {
	return d.eventually(ctx, "delivery", func(ctx context.Context) error {
		var page httpx.Page[federation.Delivery]
		if err := c.Get(ctx, "/api/v1/messages/"+id+"/deliveries", nil, &page); err != nil {
			return err
		}
		for _, a := range to {
			i := slices.IndexFunc(page.Items, func(dl federation.Delivery) bool { return dl.Partner == a })
			switch {
			case i < 0:
				return fmt.Errorf("no delivery to %s", a)
			case page.Items[i].State == "failed":
				return fmt.Errorf("delivery to %s failed: %s", a, page.Items[i].LastError)
			case state == "delivered" && page.Items[i].State != "delivered" && page.Items[i].State != "read",
				state == "read" && page.Items[i].State != "read":
				return fmt.Errorf("%s: %s (%s)", a, page.Items[i].State, page.Items[i].LastError)
			}
		}
		return nil
	})
}

func (d *demo) sayFollowUp() string {
	second := d.sc.Manifest.Agencies[1].ID
	where := "in the case's thread"
	if !d.offers(pathShare) {
		where = "in the same thread"
	}
	return fmt.Sprintf("%s recognises the passport number and writes to %s %s, asking for the "+
		"case details. The message is signed by the agency and encrypted to the partner; delivery and "+
		"reading come back as signed receipts naming the officer who opened it.", second, d.story.LeadAgency, where)
}

func (d *demo) followUp(ctx context.Context) (string, error) {
	lead := d.lead()
	second := d.node(d.sc.Manifest.Agencies[1].ID)
	if d.shareThread == "" && !d.offers(pathShare) {
		return "", errors.New("no shared thread to reply in (step 7 failed)")
	}
	text := ""
	for _, e := range d.sc.Timeline {
		if e.Type == scenario.EventMessage && e.Actor == second.agency.ID {
			text = e.Text
		}
	}
	if text == "" {
		return "", errors.New("the timeline has no follow-up message")
	}
	inv := second.as(access.Investigator, "follow-up to the hit on the main suspect's passport")
	// Without a share message the follow-up opens the case's thread.
	req := federation.SendRequest{To: []string{lead.agency.ID}, ThreadID: d.shareThread, Subject: "Follow-up: request for the case details",
		Body: text, CaseRef: d.caseOf(second), Handling: []string{"H2"}, TLP: "TLP:AMBER"}
	var msg federation.Message
	if err := inv.Post(ctx, "/api/v1/messages", req, &msg); err != nil {
		return "", err
	}
	t0 := time.Now()
	if err := d.delivered(ctx, inv, msg.ID, req.To, "delivered"); err != nil {
		return "", err
	}
	deliveredIn := time.Since(t0)
	// The lead's SPOC opens it: a consultation, logged, and a signed read receipt.
	var opened federation.Message
	if err := lead.as(access.SPOC, "answering "+second.agency.ID+" on operation "+d.story.Operation).Get(ctx, "/api/v1/messages/"+msg.ID, nil, &opened); err != nil {
		return "", err
	}
	if opened.Body != text || opened.ThreadID != msg.ThreadID || d.shareThread != "" && msg.ThreadID != d.shareThread {
		return "", errors.New("the opened message differs from the one sent")
	}
	t1 := time.Now()
	if err := d.delivered(ctx, inv, msg.ID, req.To, "read"); err != nil {
		return "", err
	}
	var page httpx.Page[federation.Delivery]
	if err := inv.Get(ctx, "/api/v1/messages/"+msg.ID+"/deliveries", nil, &page); err != nil {
		return "", err
	}
	if len(page.Items) != 1 || page.Items[0].ReadBy == "" {
		return "", errors.New("the read receipt names no officer")
	}
	return fmt.Sprintf("%s → %s in thread %s: delivered in %.1f s, read receipt (officer %s) back in %.1f s",
		second.agency.ID, lead.agency.ID, short(msg.ThreadID), deliveredIn.Seconds(), short(page.Items[0].ReadBy), time.Since(t1).Seconds()), nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}

// flawedHolder is the agency that handles the flawed notice request.
func (d *demo) flawedHolder() *node {
	if a := d.story.FlawedNotice.RequestingAgency; a != "" {
		return d.node(a)
	}
	return d.lead()
}

func (d *demo) sayFlawed() string {
	f := d.story.FlawedNotice
	return fmt.Sprintf("%s drafts a red notice for %s %s, a journalist, for %q (%s). "+
		"Screening flags it: INTERPOL's Constitution (Art. 3) forbids activity of a political character. "+
		"The reviewer refuses it with reasons; it never reaches a partner.", d.flawedHolder().agency.ID, f.Forename, f.Name,
		f.Charge, f.Statute)
}

func (d *demo) flawedNotice(ctx context.Context) (string, error) {
	n := d.flawedHolder()
	f := d.story.FlawedNotice
	facts := fmt.Sprintf("Arrest warrant %s of %s (%s): %s.", f.WarrantReference, f.WarrantDate, f.Statute, f.Charge)
	inv := n.as(access.Investigator, "red notice request "+f.WarrantReference)
	var nt noticesvc.Notice
	if err := inv.Post(ctx, "/api/v1/notices", exercise.NoticeDraft(f, contactOf(n), facts), &nt); err != nil {
		return "", err
	}
	if err := inv.Post(ctx, "/api/v1/notices/"+nt.ID+"/submit", nil, &nt); err != nil {
		return "", err
	}
	var flag *noticesvc.Flag
	for i, fl := range nt.Flags {
		if fl.Code == notice.Art3Political && fl.Severity == notice.Block {
			flag = &nt.Flags[i]
		}
	}
	if nt.State != notice.InReview || flag == nil {
		return "", fmt.Errorf("submitted notice is %s with flags %v, want review with a blocking %s flag", nt.State, flagCodes(nt.Flags), notice.Art3Political)
	}
	dec := noticesvc.DecisionRequest{Outcome: notice.Rejected,
		Reasons: "Art. 3 of the INTERPOL Constitution: the only charge, insulting the head of state, is of a predominantly political character."}
	if err := n.as(access.Reviewer, "compliance review of "+f.WarrantReference).Post(ctx, "/api/v1/notices/"+nt.ID+"/decision", dec, &nt); err != nil {
		return "", err
	}
	if nt.State != notice.Refused || !nt.PublishedAt.IsZero() {
		return "", fmt.Errorf("after refusal the notice is %s", nt.State)
	}
	return fmt.Sprintf("%s: screening flagged %s (%q), the reviewer refused it; not published", n.agency.ID, flag.Code, flag.Match), nil
}

func flagCodes(fs []noticesvc.Flag) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f.Code) + "/" + string(f.Severity)
	}
	return out
}

func (d *demo) sayRedNotice() string {
	r := d.story.RedNotice
	return fmt.Sprintf("%s drafts a red notice for %s %s, wanted for %q (%s, up to %d years). "+
		"Screening finds nothing that blocks it; a reviewer other than the author approves it, checking the "+
		"assurance that extradition will be sought, and it is published to every partner.",
		d.story.LeadAgency, r.Forename, r.Name, r.Charge, r.Statute, r.MaxPenaltyYears)
}

func (d *demo) redNotice(ctx context.Context) (string, error) {
	lead := d.lead()
	r := d.story.RedNotice
	facts := fmt.Sprintf("Member of the network of operation %s. Arrest warrant %s of %s (%s).", d.story.Operation, r.WarrantReference, r.WarrantDate, r.Statute)
	inv := lead.as(access.Investigator, "red notice, operation "+d.story.Operation)
	var nt noticesvc.Notice
	if err := inv.Post(ctx, "/api/v1/notices", exercise.NoticeDraft(r, contactOf(lead), facts), &nt); err != nil {
		return "", err
	}
	if err := inv.Post(ctx, "/api/v1/notices/"+nt.ID+"/submit", nil, &nt); err != nil {
		return "", err
	}
	var blocking []string
	for _, f := range nt.Flags {
		if f.Severity == notice.Block {
			blocking = append(blocking, string(f.Code))
		}
	}
	if nt.State != notice.InReview || len(blocking) > 0 {
		return "", fmt.Errorf("submitted notice is %s with blocking flags %v, want review without any", nt.State, blocking)
	}
	dec := noticesvc.DecisionRequest{Outcome: notice.Approved, ExtraditionWillBeSought: true,
		Reasons: "Serious ordinary-law offence above the penalty threshold; no Art. 2 or 3 concern; extradition assurance on file."}
	if err := lead.as(access.Reviewer, "compliance review, operation "+d.story.Operation).Post(ctx, "/api/v1/notices/"+nt.ID+"/decision", dec, &nt); err != nil {
		return "", err
	}
	if nt.State != notice.Published {
		return "", fmt.Errorf("after approval the notice is %s", nt.State)
	}
	t0 := time.Now()
	for _, p := range d.others(lead) {
		inv := p.as(access.Investigator, "received notices")
		err := d.eventually(ctx, p.agency.ID+" receives the notice", func(ctx context.Context) error {
			var page httpx.Page[noticesvc.Summary]
			if err := inv.Get(ctx, "/api/v1/notices", url.Values{"origin": {"received"}}, &page); err != nil {
				return err
			}
			for _, s := range page.Items {
				if s.Originator == lead.agency.ID && s.Name == r.Name && s.State == notice.Published {
					return nil
				}
			}
			return errors.New("not received yet")
		})
		if err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%s: no blocking flag, approved by the reviewer, published; held by %s within %.1f s",
		lead.agency.ID, strings.Join(agencyIDs(d.others(lead)), " and "), time.Since(t0).Seconds()), nil
}

// lookup runs a border check at n and returns the result.
func lookup(ctx context.Context, n *node, q url.Values) (*noticesvc.LookupResult, error) {
	var res noticesvc.LookupResult
	err := n.as(access.Border, "border check").Get(ctx, "/api/v1/lookup", q, &res)
	return &res, err
}

// awaitHit looks up q at n until it hits with kind.
func (d *demo) awaitHit(ctx context.Context, n *node, q url.Values, kind string) (noticesvc.LookupHit, time.Duration, error) {
	var hit noticesvc.LookupHit
	t0 := time.Now()
	err := d.eventually(ctx, "hit at "+n.agency.ID, func(ctx context.Context) error {
		res, err := lookup(ctx, n, q)
		if err != nil {
			return err
		}
		for _, h := range res.Hits {
			if h.Kind == kind {
				hit = h
				return nil
			}
		}
		return errors.New("no hit yet")
	})
	return hit, time.Since(t0), err
}

func (d *demo) noticeLookupNode() *node { return d.node(d.story.StolenPassport.LookupAgency) }

func (d *demo) sayBorderNotice() string {
	return fmt.Sprintf("A border officer at %s checks a traveller by name and date of birth and is told what to "+
		"do, whom to call and what to quote, nothing more. The refused notice's subject gives no hit.",
		d.noticeLookupNode().agency.ID)
}

func (d *demo) borderNotice(ctx context.Context) (string, error) {
	n := d.noticeLookupNode()
	r := d.story.RedNotice
	q := url.Values{"name": {r.Forename + " " + r.Name}, "birthDate": {strings.ReplaceAll(r.DateOfBirth, "/", "-")}}
	hit, _, err := d.awaitHit(ctx, n, q, "person")
	if err != nil {
		return "", err
	}
	if hit.NoticeType != notice.Red || !strings.Contains(hit.Instruction, "arrest") {
		return "", fmt.Errorf("hit %s %q, want a red notice with an arrest instruction", hit.NoticeType, hit.Instruction)
	}
	f := d.story.FlawedNotice
	res, err := lookup(ctx, n, url.Values{"name": {f.Forename + " " + f.Name}, "birthDate": {strings.ReplaceAll(f.DateOfBirth, "/", "-")}})
	if err != nil {
		return "", err
	}
	if res.Hit {
		return "", errors.New("the refused notice's subject gives a hit")
	}
	return fmt.Sprintf("%s: HIT %s (%s match): %q; refused notice's subject: no hit", n.agency.ID, hit.Matched, hit.Strength, hit.Instruction), nil
}

func (d *demo) sayBorderPassport() string {
	p := d.story.StolenPassport
	return fmt.Sprintf("%s reported passport %s stolen. At %s's border an impostor presents it.",
		p.ReportedBy, p.Document.Value, p.LookupAgency)
}

func (d *demo) borderPassport(ctx context.Context) (string, error) {
	p := d.story.StolenPassport
	n := d.node(p.LookupAgency)
	hit, _, err := d.awaitHit(ctx, n, url.Values{"document": {p.Document.Value}, "country": {p.Document.Country}}, "travel-document")
	if err != nil {
		return "", err
	}
	if hit.Reference != p.AlertID || !strings.Contains(hit.Instruction, "seize") {
		return "", fmt.Errorf("hit %q reference %q, want seize and %s", hit.Instruction, hit.Reference, p.AlertID)
	}
	return fmt.Sprintf("%s: HIT %s (%s): %q, quote %s", n.agency.ID, hit.Matched, hit.Status, hit.Instruction, hit.Reference), nil
}

func (d *demo) borderClean(ctx context.Context) (string, error) {
	for _, e := range d.sc.Timeline {
		if e.Type != scenario.EventAlertLookup || e.Expect != "no-hit" || e.Identifier == nil {
			continue
		}
		n := d.node(e.Actor)
		t0 := time.Now()
		res, err := lookup(ctx, n, url.Values{"document": {e.Identifier.Value}, "country": {e.Identifier.Country}})
		if err != nil {
			return "", err
		}
		if res.Hit {
			return "", fmt.Errorf("passport %s %s gives a hit", e.Identifier.Country, e.Identifier.Value)
		}
		return fmt.Sprintf("%s: passport %s %s: NO HIT in %.0f ms", n.agency.ID, e.Identifier.Country, e.Identifier.Value,
			float64(time.Since(t0).Microseconds())/1000), nil
	}
	return "", errors.New("the timeline has no clean border check")
}

func (d *demo) sayBorderPlate() string {
	v := d.story.StolenVehicle
	return fmt.Sprintf("%s reported the car with plate %s stolen; %s's roadside check stops it.", v.ReportedBy, v.Plate.Value, v.LookupAgency)
}

func (d *demo) borderPlate(ctx context.Context) (string, error) {
	v := d.story.StolenVehicle
	n := d.node(v.LookupAgency)
	hit, _, err := d.awaitHit(ctx, n, url.Values{"plate": {v.Plate.Value}, "country": {v.Plate.Country}}, "vehicle")
	if err != nil {
		return "", err
	}
	if hit.Reference != v.AlertID {
		return "", fmt.Errorf("hit reference %q, want %s", hit.Reference, v.AlertID)
	}
	return fmt.Sprintf("%s: HIT %s: %q", n.agency.ID, hit.Matched, hit.Instruction), nil
}

func (d *demo) sayWithdraw() string {
	w := d.story.Withdrawal
	told := ""
	if d.offers(pathShare) {
		told = " Every partner holding a copy is told, and withdraws its copy too."
	}
	return fmt.Sprintf("%s withdraws a record it no longer stands by (%s). The record stays in its history "+
		"but is never listed, searched or correlated again.%s", w.Agency, strings.TrimSuffix(lowerFirst(w.Reason), "."), told)
}

func (d *demo) withdraw(ctx context.Context) (string, error) {
	w := d.story.Withdrawal
	n := d.node(w.Agency)
	id, err := d.recordOf(w.RecordID)
	if err != nil {
		return "", err
	}
	inv := n.as(access.Investigator, "withdrawal: "+w.Reason)
	var rec record.Record
	if err := inv.Post(ctx, "/api/v1/records/"+id+"/withdraw", nil, &rec); err != nil {
		return "", err
	}
	if rec.State != record.StateWithdrawn {
		return "", fmt.Errorf("record is %s after withdrawal", rec.State)
	}
	h, _ := d.holding(d.story.Namesake.Holdings, w.Agency)
	var page record.SearchPage
	if err := inv.Get(ctx, "/api/v1/records", url.Values{"q": {h.Name}}, &page); err != nil {
		return "", err
	}
	if slices.ContainsFunc(page.Items, func(s record.Summary) bool { return s.ID == id }) {
		return "", errors.New("the withdrawn record is still found by search")
	}
	if !d.offers(pathShare) {
		return fmt.Sprintf("%s: record %s withdrawn (version %d), no longer found; no partner holds a copy to withdraw in this build",
			n.agency.ID, short(id), rec.Version), nil
	}
	prop, err := d.withdrawalPropagates(ctx, n, id, rec.Version)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: record %s withdrawn (version %d), no longer found; %s", n.agency.ID, short(id), rec.Version, prop), nil
}

func (d *demo) verifyAudit(ctx context.Context) (string, error) {
	var mu sync.Mutex
	sizes := map[string]uint64{}
	err := d.forEachNode(func(n *node) error {
		v, err := note.NewVerifier(n.verifierKey)
		if err != nil {
			return fmt.Errorf("pinned key: %w", err)
		}
		first, _, err := audit.OpenCheckpoint([]byte(n.firstCheckpoint), v)
		if err != nil {
			return fmt.Errorf("pinned checkpoint: %w", err)
		}
		dpo := n.as(access.DPO, "lawfulness check of the demo")
		var info audit.CheckpointInfo
		if err := dpo.Post(ctx, "/api/v1/audit/checkpoint", nil, &info); err != nil {
			return err
		}
		resp, err := dpo.Raw(ctx, client.Request{Method: http.MethodGet, Path: "/api/v1/audit/export",
			Query: url.Values{"start": {"0"}, "proofs": {"false"}}})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		rep, err := audit.VerifyExport(resp.Body, v, []audit.Checkpoint{first})
		if err != nil {
			return err
		}
		if rep.Problem != nil {
			return fmt.Errorf("TAMPERED at event %d: %s", rep.Problem.Index, rep.Problem.Reason)
		}
		if rep.Header.End != rep.Checkpoint.Size || rep.Checkpoint.Size < info.Size {
			return fmt.Errorf("exported %d events, the checkpoint covers %d", rep.Header.End, rep.Checkpoint.Size)
		}
		mu.Lock()
		sizes[n.agency.ID] = rep.Checkpoint.Size
		mu.Unlock()
		return nil
	})
	if err != nil {
		return "", err
	}
	d.verified = sizes
	var parts []string
	for _, n := range d.nodes {
		parts = append(parts, fmt.Sprintf("%s %d events", n.agency.ID, sizes[n.agency.ID]))
	}
	return strings.Join(parts, ", ") + ": every event in the signed tree, consistent with the pinned checkpoint", nil
}
