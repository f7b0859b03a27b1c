package exercise

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/matchsvc"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/noticesvc"
	"github.com/liaison-project/liaison/internal/scenario"
)

// This file plays the events that only exercise nodes can keep apart from
// real data: alerts and border checks, notices, and hit/no-hit queries.
// The player calls the same API routes as the demo.

// indexLag is how long after a record is created its holder's matching
// index surely holds it: holders follow the records' change feed every
// matchsvc.DefaultPollInterval.
const indexLag = matchsvc.DefaultPollInterval + 500*time.Millisecond

// retryEvery paces the retries of lookups and queries that wait for a
// partner's delivery or index.
const retryEvery = 500 * time.Millisecond

// NoticeDraft builds a red notice draft from a scenario's notice
// candidate; contact is whom a border officer calls on a hit.
func NoticeDraft(c scenario.NoticeCandidate, contact, facts string) noticesvc.Draft {
	text, translation := c.Charge, ""
	if c.ChargeOriginal != "" {
		text, translation = c.ChargeOriginal, c.Charge
	}
	return noticesvc.Draft{
		Type: notice.Red,
		Subject: noticesvc.Subject{Name: c.Name, Forename: c.Forename, DateOfBirth: strings.ReplaceAll(c.DateOfBirth, "/", "-"),
			Sex: c.SexID, Nationalities: c.Nationalities, PlaceOfBirth: c.PlaceOfBirth},
		Category: notice.Suspect,
		Charges: []noticesvc.Charge{{IssuingCountry: c.RequestingCountry, Text: text, Translation: translation,
			MaxPenaltyMonths: c.MaxPenaltyYears * 12}},
		Facts:                   facts,
		ExtraditionWillBeSought: true,
		Contact:                 contact,
		Distribution:            noticesvc.Distribution{Scope: notice.ScopeAll},
	}
}

// contact is whom a border officer calls on a hit on n's alert or notice.
func contact(n *Node) string { return n.id + " 24/7 desk (exercise)" }

// loadAlerts imports every agency's document and vehicle alerts on its
// node, shared with all partners, as the border checks of the timeline
// need them.
func (p *Player) loadAlerts(ctx context.Context, sum *Summary) error {
	for _, a := range p.Scenario.Manifest.Agencies {
		n := p.nodes[a.ID]
		c := withJustification(n.Client, "exercise "+p.Scenario.Manifest.Story.Operation+": alerts")
		t0 := time.Now()
		send := func(b AlertBatch) error {
			var res noticesvc.AlertImport
			req := client.Request{Method: http.MethodPost, Path: "/api/v1/alerts/import", Query: url.Values{"scope": {"all"}},
				Body: bytes.NewReader(b.CSV), Header: http.Header{"Content-Type": {"text/csv"}}, IdempotencyKey: client.NewIdempotencyKey()}
			if err := c.Do(ctx, req, &res); err != nil {
				return err
			}
			if res.Created+res.Updated+res.Unchanged != b.Rows {
				return fmt.Errorf("%d alerts imported of %d", res.Created+res.Updated+res.Unchanged, b.Rows)
			}
			return nil
		}
		docs, err := p.Scenario.DocumentAlerts(a.ID, contact(n), 0, send)
		if err != nil {
			return fmt.Errorf("document alerts of %s: %w", a.ID, err)
		}
		vehs, err := p.Scenario.VehicleAlerts(a.ID, contact(n), 0, send)
		if err != nil {
			return fmt.Errorf("vehicle alerts of %s: %w", a.ID, err)
		}
		sum.Alerts += docs.Rows + vehs.Rows
		fmt.Fprintf(p.Out, "alerts: %d documents and %d vehicles of %s loaded, shared with all partners, in %.1f s\n",
			docs.Rows, vehs.Rows, a.ID, time.Since(t0).Seconds())
	}
	return nil
}

// lookup plays a border check: a hit is awaited (the alert may still be on
// its way from the partner that reported it), a no-hit is checked once.
func (p *Player) lookup(ctx context.Context, n *Node, e scenario.TimelineEvent) (string, string) {
	id := e.Identifier
	if id == nil {
		return Failed, "the border check names no identifier"
	}
	q := url.Values{"country": {id.Country}}
	kind := "travel-document"
	switch id.Type {
	case "plate":
		q.Set("plate", id.Value)
		kind = "vehicle"
	case "vin":
		q.Del("country")
		q.Set("vin", id.Value)
		kind = "vehicle"
	default:
		q.Set("document", id.Value)
	}
	c := withJustification(n.Client, "exercise border check")
	what := fmt.Sprintf("%s %s %s", id.Type, id.Country, id.Value)
	t0 := time.Now()
	for {
		var res noticesvc.LookupResult
		if err := c.Get(ctx, "/api/v1/lookup", q, &res); err != nil {
			return Failed, err.Error()
		}
		i := slices.IndexFunc(res.Hits, func(h noticesvc.LookupHit) bool { return h.Kind == kind })
		switch {
		case e.Expect == "no-hit" && !res.Hit:
			return OK, "border check of " + what + ": no hit"
		case e.Expect == "no-hit":
			return Failed, "border check of " + what + ": a hit, want none"
		case i >= 0:
			h := res.Hits[i]
			return OK, fmt.Sprintf("border check of %s: HIT (%s): %q, quote %s, after %.1f s", what, h.Status, h.Instruction,
				h.Reference, time.Since(t0).Seconds())
		}
		if time.Since(t0) > p.Wait {
			return Failed, fmt.Sprintf("border check of %s: no hit within %s", what, p.Wait)
		}
		if err := sleepUntil(ctx, time.Now().Add(retryEvery)); err != nil {
			return Failed, err.Error()
		}
	}
}

// noticeEvent plays a notice the timeline drafts: the actor's SPOC drafts
// the story's red notice (the publishable one, or the one screening must
// flag) and submits it. Screening must agree with the timeline; the
// decision is left to the exercise's reviewers, as a reviewer must not be
// the officer who submitted it.
func (p *Player) noticeEvent(ctx context.Context, n *Node, e scenario.TimelineEvent) (string, string) {
	st := p.Scenario.Manifest.Story
	var c scenario.NoticeCandidate
	var facts string
	switch e.Expect {
	case "publishable":
		c = st.RedNotice
		facts = fmt.Sprintf("Member of the network of operation %s. Arrest warrant %s of %s (%s).", st.Operation, c.WarrantReference, c.WarrantDate, c.Statute)
	case "refuse":
		c = st.FlawedNotice
		facts = fmt.Sprintf("Arrest warrant %s of %s (%s): %s.", c.WarrantReference, c.WarrantDate, c.Statute, c.Charge)
	default:
		return Failed, "no notice of the story expects " + e.Expect
	}
	cl := withJustification(n.Client, "exercise "+st.Operation+": red notice "+c.WarrantReference)
	var nt noticesvc.Notice
	if err := cl.Post(ctx, "/api/v1/notices", NoticeDraft(c, contact(n), facts), &nt); err != nil {
		return Failed, err.Error()
	}
	if err := cl.Post(ctx, "/api/v1/notices/"+nt.ID+"/submit", nil, &nt); err != nil {
		return Failed, err.Error()
	}
	var blocking []string
	for _, f := range nt.Flags {
		if f.Severity == notice.Block {
			blocking = append(blocking, string(f.Code))
		}
	}
	who := strings.TrimSpace(c.Forename + " " + c.Name)
	switch {
	case nt.State != notice.InReview:
		return Failed, fmt.Sprintf("red notice %s for %s is %s after submission, want in review", nt.ID, who, nt.State)
	case e.Expect == "publishable" && len(blocking) > 0:
		return Failed, fmt.Sprintf("red notice %s for %s: screening flagged %s, want nothing blocking", nt.ID, who, strings.Join(blocking, ", "))
	case e.Expect == "refuse" && len(blocking) == 0:
		return Failed, fmt.Sprintf("red notice %s for %s: screening flagged nothing blocking, want a refusal", nt.ID, who)
	case e.Expect == "refuse":
		return OK, fmt.Sprintf("red notice %s for %s in review: screening flagged %s; the exercise's reviewer should refuse it",
			nt.ID, who, strings.Join(blocking, ", "))
	}
	return OK, fmt.Sprintf("red notice %s for %s in review: no blocking flag; the exercise's reviewer decides", nt.ID, who)
}

// query plays a hit/no-hit check: it waits until the holders index the
// exercise's records for the querier, then asks until every holder the
// timeline expects answers hit (a partner's table this node cached may
// predate the records), or the wait passes.
func (p *Player) query(ctx context.Context, n *Node, e scenario.TimelineEvent) (string, string) {
	m := p.agencyMap()
	var partners, expect []string
	for _, a := range e.Recipients {
		partners = append(partners, m[a])
	}
	for _, a := range e.ExpectAt {
		expect = append(expect, m[a])
	}
	req := matchsvc.QueryRequest{Partners: partners, CaseRef: ExerciseCase(p.Scenario.Manifest.Story.Operation),
		Justification: "exercise " + p.Scenario.Manifest.Story.Operation + ": " + e.Text}
	what := ""
	switch {
	case e.Identifier != nil:
		req.Type, req.Values = e.Identifier.Type, []string{e.Identifier.Value}
		what = e.Identifier.Type + " " + e.Identifier.Value
	case e.Name != "":
		req.Type, req.Name, req.BirthDate = matchsvc.TypePerson, e.Name, e.BirthDate
		what = e.Name + " " + e.BirthDate
	default:
		return Failed, "the query names no identifier or person"
	}
	if err := p.awaitViews(ctx, n, partners); err != nil {
		return Failed, err.Error()
	}
	deadline := time.Now().Add(p.Wait)
	for {
		var res matchsvc.QueryResult
		if err := n.Client.Post(ctx, "/api/v1/match/queries", req, &res); err != nil {
			return Failed, err.Error()
		}
		var got, missing []string
		for _, pr := range res.Partners {
			switch pr.Status {
			case matchsvc.StatusHit:
				got = append(got, "hit at "+pr.Partner)
			case matchsvc.StatusNoHit:
				got = append(got, "no hit at "+pr.Partner)
			default:
				got = append(got, pr.Partner+" "+pr.Status+" ("+pr.Reason+")")
			}
			if slices.Contains(expect, pr.Partner) && pr.Status != matchsvc.StatusHit {
				missing = append(missing, pr.Partner)
			}
		}
		if len(res.Partners) == len(partners) && len(missing) == 0 {
			return OK, fmt.Sprintf("check of %s: %s", what, strings.Join(got, ", "))
		}
		if time.Now().After(deadline) {
			return Failed, fmt.Sprintf("check of %s within %s: %s; want a hit at %s", what, p.Wait, strings.Join(got, ", "),
				strings.Join(missing, ", "))
		}
		if err := sleepUntil(ctx, time.Now().Add(2*retryEvery)); err != nil {
			return Failed, err.Error()
		}
	}
}

// awaitViews waits, up to the player's wait, until the querier knows each
// holder and each holder has indexed records for the querier, and until
// the last record the exercise created is surely indexed.
func (p *Player) awaitViews(ctx context.Context, querier *Node, holders []string) error {
	byID := map[string]*Node{}
	for _, n := range p.nodes {
		byID[n.id] = n
	}
	hasView := func(n *Node, partner string, values bool) (bool, error) {
		var st matchsvc.Status
		if err := n.Client.Get(ctx, "/api/v1/match/status", nil, &st); err != nil {
			return false, err
		}
		for _, ep := range st.Epochs {
			for _, v := range ep.Views {
				if v.Partner == partner && (!values || v.Values > 0) {
					return true, nil
				}
			}
		}
		return false, nil
	}
	deadline := time.Now().Add(p.Wait)
	for _, h := range holders {
		hn := byID[h]
		if hn == nil {
			return errors.New("no node is " + h)
		}
		for {
			ok, err := hasView(querier, h, false)
			if err == nil && ok {
				ok, err = hasView(hn, querier.id, true)
			}
			if err != nil {
				return err
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("matching between %s and %s not ready within %s", querier.id, h, p.Wait)
			}
			if err := sleepUntil(ctx, time.Now().Add(retryEvery)); err != nil {
				return err
			}
		}
	}
	return sleepUntil(ctx, p.lastCreated.Add(indexLag))
}
