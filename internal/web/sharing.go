package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/errs"
)

// requestListLimit bounds the permission requests a page lists per
// direction.
const requestListLimit = 200

type requestsData struct {
	Pending   []disclosure.Request // holders ask this node, the originator
	Answered  []disclosure.Request
	Outgoing  []disclosure.Request // this node asked originators
	CanAnswer bool
}

// requestsPage lists requests for permission to pass H2 records onward:
// the ones holders sent this node, pending first with the answer form,
// and the ones this node sent. They name records, agencies and purposes,
// never personal data.
func (p *Portal) requestsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	flash := ""
	if r.URL.Query().Get("answered") != "" {
		flash = "Answer sent to the holder."
	}
	return p.renderRequests(w, r, s, flash, nil)
}

func (p *Portal) renderRequests(w http.ResponseWriter, r *http.Request, s *session, flash string, failure error) error {
	ctx := r.Context()
	in, err := p.cfg.Sharing.Requests(ctx, disclosure.RequestFilter{Direction: disclosure.DirectionIn, Limit: requestListLimit})
	if err != nil {
		return err
	}
	out, err := p.cfg.Sharing.Requests(ctx, disclosure.RequestFilter{Direction: disclosure.DirectionOut, Limit: requestListLimit})
	if err != nil {
		return err
	}
	d := &requestsData{Outgoing: out, CanAnswer: p.can(s.principal, "POST /share-requests/{id}/answer")}
	for _, rq := range in {
		if rq.State == disclosure.StatePending {
			d.Pending = append(d.Pending, rq)
		} else {
			d.Answered = append(d.Answered, rq)
		}
	}
	pg := s.page("Permission requests", "share-requests", d)
	pg.Flash = flash
	if failure != nil {
		pg.Error, pg.Field = errs.PublicMessage(failure), errs.FieldOf(failure)
	}
	p.render(w, r, http.StatusOK, "share_requests", pg, "")
	return nil
}

// requestAnswer grants or denies a holder's request. A denial must say
// why: the holder is told, and asks again only with a better reason.
func (p *Portal) requestAnswer(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	a := disclosure.AnswerRequest{Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	var err error
	switch r.PostFormValue("decision") {
	case "grant":
		a.Grant = true
	case "deny":
		if a.Reason == "" {
			err = errs.E(errs.Invalid, "reason", "say why the request is denied: the holder is told")
		}
	default:
		err = errs.E(errs.Invalid, "decision", "grant or deny the request")
	}
	if err == nil {
		_, err = p.cfg.Sharing.Answer(r.Context(), id, a)
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderRequests(w, r, s, "", err)
	}
	http.Redirect(w, r, "/share-requests?answered="+url.QueryEscape(id), http.StatusSeeOther)
	return nil
}
