package matchsvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/policy"
)

// Who may do what.
var (
	queryRoles    = []access.Role{access.SPOC, access.Investigator, access.Analyst}
	answerRoles   = []access.Role{access.SPOC}
	bulkRoles     = []access.Role{access.SPOC}
	approveRoles  = []access.Role{access.SPOC, access.Admin}
	overseeRoles  = []access.Role{access.SPOC, access.Admin, access.DPO}
	followUpRoles = queryRoles
)

// TypePerson names a person query in [QueryRequest.Type].
const TypePerson = "person"

// queryGroup is the values of one type sent to every partner in one
// request.
type queryGroup struct {
	typ    match.Type
	values []string // normalised
	index  []int    // ValueResult.Index of each value
	key    string   // person queries: the key kind
}

// justified returns the request's justification, which must name a well
// formed case: partners meter budgets per case.
func justified(ctx context.Context, text, caseRef string) (context.Context, access.Justification, error) {
	j, err := api.RequireJustification(ctx, text, caseRef)
	if err != nil {
		return ctx, j, err
	}
	if j.CaseRef == "" {
		return ctx, j, errs.E(errs.Precondition, "caseRef", "matching needs a case reference (--case, Liaison-Case or caseRef): partners meter budgets per case")
	}
	if !match.ValidCase(j.CaseRef) {
		return ctx, j, errs.E(errs.Invalid, "caseRef", "a case reference for matching is 1–64 of A–Z, a–z, 0–9, - _ . /")
	}
	return access.WithJustification(ctx, j), j, nil
}

// parsePurpose checks a declared purpose; exercise (training) purposes
// never reach real partners.
func parsePurpose(s string) (string, error) {
	if s == "" {
		return string(policy.PurposeCriminalInvestigation), nil
	}
	p := policy.Purpose(s)
	if !p.Valid() || p == policy.PurposeTraining || !match.ValidPurpose(s) {
		return "", errs.E(errs.Invalid, "purpose", "purpose must be one of the vocabulary's (criminal-investigation, border-control, …), not training")
	}
	return s, nil
}

// queryGroups normalises the request's values into one group per type.
func (s *Service) queryGroups(req QueryRequest) ([]queryGroup, error) {
	if req.Type == TypePerson {
		if len(req.Values) > 0 {
			return nil, errs.E(errs.Invalid, "values", "a person is queried by name and birth date, not values")
		}
		keys, err := PersonKeys(req.Name, req.BirthDate)
		if err != nil {
			return nil, err
		}
		groups := make([]queryGroup, len(keys))
		for i, k := range keys {
			groups[i] = queryGroup{typ: k.Type, values: []string{k.Value}, index: []int{i}, key: k.Type.String()}
		}
		return groups, nil
	}
	t, err := match.ParseType(req.Type)
	if err != nil {
		return nil, err
	}
	if req.Name != "" || req.BirthDate != "" {
		return nil, errs.E(errs.Invalid, "name", "name and birth date belong to person queries")
	}
	if len(req.Values) == 0 || len(req.Values) > s.cfg.MaxOnlineValues {
		return nil, errs.E(errs.Invalid, "values", fmt.Sprintf("an online query has 1 to %d values; longer lists are bulk runs", s.cfg.MaxOnlineValues))
	}
	g := queryGroup{typ: t}
	for i, v := range req.Values {
		n, err := NormalizeValue(t, v, req.Country)
		if err != nil {
			return nil, errs.E(fmt.Sprintf("values[%d]", i), errs.PublicMessage(err), err)
		}
		g.values = append(g.values, n)
		g.index = append(g.index, i)
	}
	return []queryGroup{g}, nil
}

// chosenPartners returns the partners to ask: the named ones, which must
// be active, or every active partner.
func (s *Service) chosenPartners(ctx context.Context, named []string) ([]string, error) {
	ps, err := s.activePartners(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	if len(named) == 0 {
		for _, p := range ps {
			out = append(out, p.Agency)
		}
	} else {
		for i, a := range named {
			if !slices.ContainsFunc(ps, func(p federation.Partner) bool { return p.Agency == a }) {
				return nil, errs.E(errs.Invalid, fmt.Sprintf("partners[%d]", i), truncate(a, 32)+" is not an active partner")
			}
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 {
		return nil, errs.E(errs.Precondition, "partners", "this node has no active partner to ask")
	}
	return out, nil
}

// Query asks partners, in parallel, whether they hold the request's
// identifiers (or person), without revealing them: each value is blinded,
// evaluated by the holder in one round trip with a proof, and looked up in
// the holder's published table here. The officer's query is audited with
// the keyed hashes of the values and the justification; hits are kept with
// their references for the follow-up.
func (s *Service) Query(ctx context.Context, req QueryRequest) (*QueryResult, error) {
	p, err := officer(ctx, queryRoles)
	if err != nil {
		return nil, err
	}
	ctx, j, err := justified(ctx, req.Justification, req.CaseRef)
	if err != nil {
		return nil, err
	}
	purpose, err := parsePurpose(req.Purpose)
	if err != nil {
		return nil, err
	}
	groups, err := s.queryGroups(req)
	if err != nil {
		return nil, err
	}
	partners, err := s.chosenPartners(ctx, req.Partners)
	if err != nil {
		return nil, err
	}
	id := ids.New()
	hashes := s.valueHashes(groups)
	scope := p.UserID
	if scope == "" {
		scope = p.Username
	}
	for _, g := range groups {
		if err := s.guard.Check(scope, g.typ, g.values); err != nil {
			werr := s.db.Write(ctx, func(tx *db.Tx) error {
				e := audit.New(ctx, audit.Consult, audit.Ref{Type: "match-query", ID: id})
				e.Outcome, e.Purpose, e.Hashes = audit.Denied, purpose, hashes
				e.Reason = "match query refused: " + errs.PublicMessage(err)
				return s.audit.Append(ctx, tx, e)
			})
			if werr != nil {
				return nil, werr
			}
			return nil, err
		}
	}
	meta := match.Meta{Purpose: purpose, Case: j.CaseRef}
	answers := make([]partnerAnswer, len(partners))
	var wg sync.WaitGroup
	for i, partner := range partners {
		wg.Go(func() { answers[i] = s.askPartner(ctx, partner, groups, meta) })
	}
	wg.Wait()

	res := &QueryResult{ID: id, Type: req.Type, Values: len(hashes)}
	var hits []storedHit
	for _, a := range answers {
		for i := range a.hits {
			a.hits[i].queryID, a.hits[i].officer, a.hits[i].caseRef, a.hits[i].purpose = id, p.UserID, j.CaseRef, purpose
		}
		hits = append(hits, a.hits...)
		res.Partners = append(res.Partners, a.result)
	}
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if err := insertHits(ctx, tx, hits, s.now()); err != nil {
			return err
		}
		e := audit.New(ctx, audit.Consult, audit.Ref{Type: "match-query", ID: id})
		for _, h := range hits {
			if len(e.Objects) < audit.MaxObjects {
				e.Objects = append(e.Objects, audit.Ref{Type: "match-hit", ID: h.id})
			}
		}
		e.Purpose, e.Hashes, e.Recipients = purpose, hashes, partners
		e.Reason = summarise(req.Type, len(hashes), res.Partners)
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		for _, a := range answers {
			if a.badProof == nil {
				continue
			}
			e := audit.New(ctx, audit.Consult, audit.Ref{Type: "match-query", ID: id}, audit.Ref{Type: "partner", ID: a.result.Partner})
			e.Outcome, e.Purpose, e.Recipients = audit.Failed, purpose, []string{a.result.Partner}
			e.Reason = truncate(a.result.Reason, audit.MaxTextLen)
			if err := s.audit.Append(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, a := range answers {
		if a.badProof != nil {
			s.log.Error("matching holder sent an invalid proof", slog.String("partner", a.result.Partner), slog.String("error", a.badProof.Error()))
		}
	}
	return res, nil
}

// valueHashes are the keyed hashes of the queried values for the audit
// log, under the type's name (the kind record lookups use too).
func (s *Service) valueHashes(groups []queryGroup) []string {
	var out []string
	for _, g := range groups {
		for _, v := range g.values {
			out = append(out, s.hasher.HashPersonal(g.typ.String(), v))
		}
	}
	return out
}

func summarise(typ string, values int, prs []PartnerResult) string {
	count := map[string][]string{}
	for _, pr := range prs {
		count[pr.Status] = append(count[pr.Status], pr.Partner)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "match query: %d %s value(s) to %d partner(s)", values, typ, len(prs))
	for _, st := range []string{StatusHit, StatusNoHit, StatusUnavailable} {
		if len(count[st]) > 0 {
			fmt.Fprintf(&b, "; %s: %s", st, strings.Join(count[st], ","))
		}
	}
	return truncate(b.String(), audit.MaxTextLen)
}

// partnerAnswer is one partner's answer as Query assembles it.
type partnerAnswer struct {
	result   PartnerResult
	hits     []storedHit
	badProof error
}

// askPartner sends every group to partner (in parallel) within the query
// timeout and finalises the answers against its table.
func (s *Service) askPartner(ctx context.Context, partner string, groups []queryGroup, meta match.Meta) partnerAnswer {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
	defer cancel()
	out := partnerAnswer{result: PartnerResult{Partner: partner}}
	rt, err := s.table(ctx, partner, false)
	if err != nil {
		out.result.Status, out.result.Reason = StatusUnavailable, reasonFor(partner, err)
		return out
	}
	type groupAnswer struct {
		rt      *remoteTable
		results []match.Result
		err     error
	}
	answers := make([]groupAnswer, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Go(func() {
			t := rt
			res, err := s.evaluateAt(ctx, partner, t, g.typ, g.values, meta)
			if errs.Is(err, errs.Conflict) || errors.Is(err, match.ErrEpochInactive) {
				// The holder moved to a new epoch: fetch its table once.
				if t, err = s.table(ctx, partner, true); err == nil {
					res, err = s.evaluateAt(ctx, partner, t, g.typ, g.values, meta)
				}
			}
			answers[i] = groupAnswer{t, res, err}
		})
	}
	wg.Wait()

	anyHit, anyFailed := false, false
	for i, g := range groups {
		a := answers[i]
		if a.err != nil {
			anyFailed = true
			if errors.Is(a.err, match.ErrBadProof) {
				out.badProof = a.err
			}
			if out.result.Reason == "" {
				out.result.Reason = reasonFor(partner, a.err)
			}
			for j := range g.values {
				out.result.Results = append(out.result.Results, ValueResult{Index: g.index[j], Key: g.key,
					Status: StatusUnavailable, Strength: g.typ.Strength().String(), Reason: reasonFor(partner, a.err)})
			}
			continue
		}
		out.result.Epoch = uint32(a.rt.ann.Announcement.Epoch)
		for j, r := range a.results {
			vr := ValueResult{Index: g.index[j], Key: g.key, Strength: r.Strength.String()}
			switch r.Status {
			case match.Hit:
				hid := ids.New()
				anyHit = true
				vr.Status, vr.HitID, vr.Reference = StatusHit, hid, r.Ref.String()
				vr.Candidate = r.Strength == match.Weak
				out.hits = append(out.hits, storedHit{id: hid, partner: partner, epoch: a.rt.ann.Announcement.Epoch,
					typ: g.typ, ref: r.Ref, index: g.index[j]})
			case match.NoHit:
				vr.Status = StatusNoHit
			default:
				anyFailed = true
				vr.Status, vr.Reason = StatusUnavailable, reasonFor(partner, r.Err)
			}
			out.result.Results = append(out.result.Results, vr)
		}
	}
	switch {
	case out.badProof != nil:
		// A holder caught cheating answers nothing, not even a hit.
		out.hits = nil
		out.result.Status = StatusUnavailable
		out.result.Results = nil
	case anyHit:
		out.result.Status = StatusHit
	case anyFailed:
		out.result.Status = StatusUnavailable
	default:
		out.result.Status = StatusNoHit
	}
	if out.result.Status != StatusUnavailable && !anyFailed {
		out.result.Reason = ""
	}
	return out
}

// evaluateAt runs one round trip for values of type t against the holder
// of rt and finalises it: proof, lookup, reference.
func (s *Service) evaluateAt(ctx context.Context, partner string, rt *remoteTable, t match.Type, values []string, meta match.Meta) ([]match.Result, error) {
	pend, err := s.querier.Query(rt.ann.Announcement, t, values, meta)
	if err != nil {
		return nil, err
	}
	resp, err := s.roundTrip(ctx, partner, pend)
	if err != nil {
		return nil, err
	}
	return pend.Finalize(resp, rt.table)
}

// roundTrip sends a pending query's request to partner and decodes the
// answer.
func (s *Service) roundTrip(ctx context.Context, partner string, pend *match.Pending) (*match.EvalResponse, error) {
	body, err := pend.Request().MarshalBinary()
	if err != nil {
		return nil, err
	}
	status, out, err := s.fed.CallPeer(ctx, partner, http.MethodPost, pathEvaluate, body, ContentType)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, peerError(partner, status, out)
	}
	return match.ParseEvalResponse(out)
}

// reasonFor says why a partner (or a value at it) is unavailable.
func reasonFor(partner string, err error) string {
	switch {
	case errors.Is(err, match.ErrBadProof):
		return "invalid proof from holder " + partner + ": it evaluated with another key than the one it announced; reported as a security incident"
	case errors.Is(err, match.ErrCorruptEntry):
		return "the entry in " + partner + "'s table does not open; its table is refreshed"
	case errors.Is(err, context.DeadlineExceeded):
		return partner + " did not answer in time"
	case errs.Is(err, errs.RateLimited):
		return "budget exceeded: " + errs.PublicMessage(err)
	}
	return errs.PublicMessage(err)
}
