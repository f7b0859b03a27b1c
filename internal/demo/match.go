package demo

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/exercise"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/matchsvc"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
	"github.com/liaison-project/liaison/internal/scenario"
)

// pathMatchQueries is the API route of hit/no-hit queries.
const pathMatchQueries = "/api/v1/match/queries"

// matchRetry is how often a query is asked again while a partner's table
// this node cached predates the records (tables refresh in the background).
const matchRetry = time.Second

// matchQuery is a hit/no-hit check of the story.
type matchQuery struct {
	querier *node
	holders []string // partners asked
	value   scenario.Identifier
	why     string
}

// matchQueries are the story's checks: the timeline's passport check by
// the second agency, and a check of the same passport (read in the record
// the lead agency shared) by an agency that does not hold it as a
// passport, which finds the suspect known in two countries. Name checks
// are not asserted: a name written in Arabic script does not yet match
// its French transliteration (see docs/benchmarks/demo.md).
func (d *demo) matchQueries() ([]matchQuery, error) {
	var qs []matchQuery
	for _, e := range d.sc.Timeline {
		if e.Type == scenario.EventQuery && e.Identifier != nil {
			qs = append(qs, matchQuery{querier: d.node(e.Actor), holders: e.Recipients, value: *e.Identifier, why: e.Text})
			break
		}
	}
	if len(qs) == 0 {
		return nil, errors.New("the timeline has no identifier check")
	}
	ms := d.story.MainSuspect
	if len(ms.Identifiers) == 0 || len(ms.SharedBy) < 2 {
		return nil, errors.New("the story's main suspect has no passport held by two agencies")
	}
	q := d.nodes[len(d.nodes)-1]
	for _, n := range d.nodes {
		if !slices.Contains(ms.SharedBy, n.agency.ID) {
			q = n
			break
		}
	}
	qs = append(qs, matchQuery{querier: q, holders: agencyIDs(d.others(q)), value: ms.Identifiers[0],
		why: "Check of the passport number in the record " + d.story.LeadAgency + " shared."})
	return qs, nil
}

// expectedHits lists the holders that must answer hit: those holding a
// record with an entity carrying the value (normalised as the nodes
// normalise identifiers, in whatever property and spelling) that the
// policy lets answer the querier.
func (d *demo) expectedHits(q matchQuery) ([]string, error) {
	want, err := record.NormalizeIdentifier(q.value.Type, q.value.Value)
	if err != nil {
		return nil, err
	}
	dec, err := policy.New(policy.DefaultConfig())
	if err != nil {
		return nil, err
	}
	now := time.Now()
	shift, err := exercise.ReviewShift(&d.sc.Manifest, now)
	if err != nil {
		return nil, err
	}
	to := policy.Partner{Agency: q.querier.agency.ID, Country: q.querier.agency.Country}
	var out []string
	for _, h := range q.holders {
		hn := d.node(h)
		hit := false
		err := d.sc.Records(h, func(r *scenario.Record) error {
			if hit || !holds(r, q.value.Type, want) {
				return nil
			}
			env, err := exercise.Envelope(&r.Envelope, r.CaseRef, exercise.DraftOptions{Shift: shift, Now: now})
			if err != nil {
				return err
			}
			env.Originator, env.OriginatorCountry = hn.agency.ID, hn.agency.Country
			if env.ReviewDate.IsZero() {
				env.ReviewDate = now.AddDate(1, 0, 0) // the node's default lies ahead too
			}
			hit = dec.CanMatch(env, to, now).Allowed
			return nil
		})
		if err != nil {
			return nil, err
		}
		if hit {
			out = append(out, h)
		}
	}
	return out, nil
}

// holds reports whether an entity of r carries the identifier.
func holds(r *scenario.Record, kind, value string) bool {
	for _, e := range r.Entities {
		for _, k := range ftm.IdentifierKeys(ftm.Entity{ID: e.ID, Schema: e.Schema, Properties: e.Properties}) {
			if k.Kind == kind && k.Value == value {
				return true
			}
		}
	}
	return false
}

func (d *demo) sayMatch() string {
	qs, err := d.matchQueries()
	if err != nil {
		return ""
	}
	var parts []string
	for _, q := range qs {
		parts = append(parts, fmt.Sprintf("%s checks passport %s with %s", q.querier.agency.ID, q.value.Value, strings.Join(q.holders, " and ")))
	}
	return strings.Join(parts, "; then ") + ". Each partner answers hit or no hit through an oblivious PRF (RFC 9497): " +
		"it never sees the number, and the querier learns nothing but hit or no hit, with an opaque reference to follow up."
}

// matchQueriesStep runs the story's checks: every holder that holds the
// number (in any spelling) answers hit, every other no hit.
func (d *demo) matchQueriesStep(ctx context.Context) (string, error) {
	qs, err := d.matchQueries()
	if err != nil {
		return "", err
	}
	var parts []string
	for _, q := range qs {
		n := q.querier
		expect, err := d.expectedHits(q)
		if err != nil {
			return "", err
		}
		if len(expect) == 0 {
			return "", fmt.Errorf("no partner of %s holds passport %s: nothing to find", n.agency.ID, q.value.Value)
		}
		if err := d.awaitViews(ctx, n, q.holders); err != nil {
			return "", err
		}
		req := matchsvc.QueryRequest{Type: q.value.Type, Values: []string{q.value.Value}, Partners: q.holders,
			CaseRef: d.caseOf(n), Justification: "operation " + d.story.Operation + ": " + q.why}
		res, err := d.queryUntil(ctx, n, req, expect)
		if err != nil {
			return "", fmt.Errorf("%s's check of %s: %w", n.agency.ID, q.value.Value, err)
		}
		var got []string
		for _, p := range res.Partners {
			if p.Status == matchsvc.StatusHit {
				got = append(got, fmt.Sprintf("hit at %s (%s)", p.Partner, strongest(p)))
			} else {
				got = append(got, "no hit at "+p.Partner)
			}
			if p.Status == matchsvc.StatusHit && p.Partner == d.story.LeadAgency && d.hitID == "" {
				d.hitID, d.hitQuerier = firstHit(p), n
			}
		}
		parts = append(parts, fmt.Sprintf("%s: %s", n.agency.ID, strings.Join(got, ", ")))
	}
	return strings.Join(parts, "; "), nil
}

// caseOf is the case reference n's officers work the story under: the
// case of n's record of the main suspect.
func (d *demo) caseOf(n *node) string {
	if h, ok := d.holding(d.story.MainSuspect.Holdings, n.agency.ID); ok && d.recordCase[h.RecordID] != "" {
		return d.recordCase[h.RecordID]
	}
	return "DEMO-" + d.story.Operation
}

// indexLag is how long after the records were loaded a holder's index
// surely holds them: holders follow the records' change feed every two
// seconds (matchsvc.DefaultPollInterval).
const indexLag = matchsvc.DefaultPollInterval + 500*time.Millisecond

// awaitViews waits until the querier's matching service knows the holders
// as partners and each holder indexes its records for the querier: a
// node builds a partner's view when it first sees the partner active,
// then follows the records' change feed.
func (d *demo) awaitViews(ctx context.Context, querier *node, holders []string) error {
	hasView := func(n *node, partner string, values bool) error {
		var st matchsvc.Status
		if err := n.as(access.SPOC, "").Get(ctx, "/api/v1/match/status", nil, &st); err != nil {
			return err
		}
		for _, ep := range st.Epochs {
			for _, v := range ep.Views {
				if v.Partner == partner && (!values || v.Values > 0) {
					return nil
				}
			}
		}
		return fmt.Errorf("%s has no view for %s yet (%d records indexed)", n.agency.ID, partner, st.Records)
	}
	for _, h := range holders {
		hn := d.node(h)
		err := d.eventually(ctx, "matching between "+querier.agency.ID+" and "+h, func(ctx context.Context) error {
			if err := hasView(querier, h, false); err != nil {
				return err
			}
			return hasView(hn, querier.agency.ID, true)
		})
		if err != nil {
			return err
		}
	}
	return sleepUntil(ctx, d.loadedAt.Add(indexLag))
}

func sleepUntil(ctx context.Context, t time.Time) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(t)):
		return nil
	}
}

// queryUntil asks the query until exactly the partners in expect answer
// hit and every other partner no hit, or the step timeout passes: a
// partner table cached before the holder indexed its records answers from
// the older records until it is refreshed in the background.
func (d *demo) queryUntil(ctx context.Context, n *node, req matchsvc.QueryRequest, expect []string) (*matchsvc.QueryResult, error) {
	inv := n.as(access.Investigator, req.Justification)
	deadline := time.Now().Add(d.opts.StepTimeout)
	for {
		var res matchsvc.QueryResult
		if err := inv.Post(ctx, pathMatchQueries, req, &res); err != nil {
			return nil, err
		}
		var wrong []string
		for _, p := range res.Partners {
			want := matchsvc.StatusNoHit
			if slices.Contains(expect, p.Partner) {
				want = matchsvc.StatusHit
			}
			if p.Status != want {
				wrong = append(wrong, fmt.Sprintf("%s answered %s, want %s %s", p.Partner, p.Status, want, p.Reason))
			}
		}
		if len(res.Partners) != len(req.Partners) {
			wrong = append(wrong, fmt.Sprintf("%d partners answered of %d", len(res.Partners), len(req.Partners)))
		}
		if len(wrong) == 0 {
			return &res, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("not within %s: %s", d.opts.StepTimeout, strings.Join(wrong, "; "))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(matchRetry):
		}
	}
}

// strongest names the strongest hit of a partner's answer.
func strongest(p matchsvc.PartnerResult) string {
	best := ""
	for _, r := range p.Results {
		if r.Status != matchsvc.StatusHit {
			continue
		}
		s := r.Strength
		if r.Candidate {
			s += ", a candidate"
		}
		if best == "" || r.Strength == "exact" || (r.Strength == "strong" && !strings.HasPrefix(best, "exact")) {
			best = s
		}
	}
	return best
}

func firstHit(p matchsvc.PartnerResult) string {
	for _, r := range p.Results {
		if r.Status == matchsvc.StatusHit && r.HitID != "" {
			return r.HitID
		}
	}
	return ""
}

func (d *demo) sayMatchFollowUp() string {
	q := "the querier"
	if d.hitQuerier != nil {
		q = d.hitQuerier.agency.ID
	}
	return fmt.Sprintf("%s follows the hit up. The personal data comes only through this second, legal step: "+
		"%s's SPOC gets a task resolved to the record behind the reference, due within 48 hours (Prüm II), "+
		"and answers it.", q, d.story.LeadAgency)
}

// matchFollowUp follows the passport hit at the lead agency up and has its
// SPOC answer.
func (d *demo) matchFollowUp(ctx context.Context) (string, error) {
	if d.hitID == "" || d.hitQuerier == nil {
		return "", errors.New("no hit at " + d.story.LeadAgency + " to follow up (the previous step failed)")
	}
	lead := d.lead()
	_, recID, err := d.mainRecord()
	if err != nil {
		return "", err
	}
	caseRef := d.caseOf(d.hitQuerier)
	req := matchsvc.FollowUpRequest{CaseRef: caseRef,
		Justification: "Hit on the passport of a subject of our investigation; we need the data held and the case reference."}
	var sent matchsvc.FollowUpSent
	if err := d.hitQuerier.as(access.Investigator, "").Post(ctx, "/api/v1/match/hits/"+d.hitID+"/follow-up", req, &sent); err != nil {
		return "", err
	}
	spoc := lead.as(access.SPOC, "hit follow-ups from partners")
	var fu matchsvc.FollowUp
	t0 := time.Now()
	err = d.eventually(ctx, lead.agency.ID+" resolves the follow-up", func(ctx context.Context) error {
		var page httpx.Page[matchsvc.FollowUp]
		if err := spoc.Get(ctx, "/api/v1/match/follow-ups", url.Values{"limit": {"50"}}, &page); err != nil {
			return err
		}
		for _, f := range page.Items {
			if f.Partner == d.hitQuerier.agency.ID && f.CaseRef == caseRef && f.State == "open" {
				fu = f
				return nil
			}
		}
		return errors.New("no open follow-up yet")
	})
	if err != nil {
		return "", err
	}
	took := time.Since(t0)
	if !slices.Contains(fu.Records, recID) {
		return "", fmt.Errorf("the follow-up resolved to %v, not to the main suspect's record %s", fu.Records, recID)
	}
	if due := fu.DueAt.Sub(fu.ReceivedAt); due < 47*time.Hour || due > 49*time.Hour {
		return "", fmt.Errorf("the follow-up is due %s after receipt, want 48 h", due)
	}
	ans := matchsvc.AnswerRequest{Outcome: "shared", Note: "Record shared with the requesting partner through the normal channel."}
	if err := spoc.Post(ctx, "/api/v1/match/follow-ups/"+fu.ID+"/answer", ans, nil); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s → %s: a task resolved to the record within %.1f s, due %s, answered %q",
		d.hitQuerier.agency.ID, lead.agency.ID, took.Seconds(), fu.DueAt.Format("2 Jan 15:04 MST"), ans.Outcome), nil
}
