package web

import (
	"net/http"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/policy"
)

type matchData struct {
	Types    []string
	Partners []federation.Partner
	Purposes []policy.Purpose
	Form     struct {
		Type, Purpose string
		To            []string
	}
	Ran     bool
	Results []MatchResult
	Hits    int
}

func (p *Portal) matchPage(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := p.matchForm(r)
	if err != nil {
		return err
	}
	d.Form.Purpose = string(policy.PurposeCriminalInvestigation)
	p.render(w, r, http.StatusOK, "match", s.page("Hit/no-hit query", "match", d), "")
	return nil
}

func (p *Portal) matchForm(r *http.Request) (*matchData, error) {
	d := &matchData{Types: p.cfg.Matching.Types(), Purposes: policy.Purposes}
	if p.cfg.Partners != nil {
		ps, err := p.cfg.Partners.ListPartners(r.Context(), false)
		if err != nil {
			return nil, err
		}
		d.Partners = ps
	}
	return d, nil
}

// matchQuery runs one query. The identifier is posted, never put in a URL,
// and is not echoed back into the page: the form comes back empty.
func (p *Portal) matchQuery(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := p.matchForm(r)
	if err != nil {
		return err
	}
	d.Form.Type, d.Form.Purpose, d.Form.To = r.PostFormValue("type"), r.PostFormValue("purpose"), r.PostForm["to"]
	pg := s.page("Hit/no-hit query", "match", d)
	purpose, err := policy.ParsePurpose(d.Form.Purpose)
	value := strings.TrimSpace(r.PostFormValue("value"))
	if err == nil && value == "" {
		err = errs.E(errs.Invalid, "value", "enter the identifier to check")
	}
	if err == nil {
		d.Results, err = p.cfg.Matching.Query(r.Context(), MatchQuery{Type: d.Form.Type, Value: value, Partners: d.Form.To, Purpose: purpose})
	}
	if err != nil {
		if !userError(err) && errs.KindOf(err) != errs.RateLimited {
			return err
		}
		pg.Error, pg.Field = errs.PublicMessage(err), errs.FieldOf(err)
		p.render(w, r, formStatus, "match", pg, "")
		return nil
	}
	d.Ran = true
	for _, res := range d.Results {
		if res.Outcome == MatchHit {
			d.Hits++
		}
	}
	p.render(w, r, http.StatusOK, "match", pg, "")
	return nil
}
