package disclosure

import (
	"net/http"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/httpx"
)

// Roles of the routes.
var (
	shareRoles   = []access.Role{access.SPOC, access.Investigator, access.Analyst}
	holdersRoles = []access.Role{access.SPOC, access.Investigator, access.Analyst, access.DPO}
	listRoles    = []access.Role{access.SPOC, access.Investigator, access.Analyst, access.DPO}
)

// Routes returns the disclosure API.
func (s *Service) Routes() []api.Route {
	const tag = "disclosure"
	return []api.Route{
		{Method: "POST", Path: "/api/v1/records/{id}/share", Summary: "Send a copy of a record to partners (policy decides per partner)",
			Tag: tag, Roles: shareRoles, Personal: true, JustificationInBody: true, Request: ShareRequest{}, Response: ShareResult{},
			Handler: s.handleShare},
		{Method: "GET", Path: "/api/v1/records/{id}/holders", Summary: "Partners holding a copy of a record, and which version they acknowledged",
			Tag: tag, Roles: holdersRoles, Personal: true, Response: []Holder{}, Handler: s.handleHolders},
		{Method: "GET", Path: "/api/v1/share-requests", Summary: "Requests for permission to pass H2 records onward, newest first",
			Tag: tag, Roles: listRoles, Response: httpx.Page[Request]{}, Query: []api.Param{
				{Name: "direction", Description: "in (holders ask this node) or out (this node asked)"},
				{Name: "state", Description: "pending, granted, denied or failed"},
				{Name: "limit", Type: "integer", Description: "page size (1-500, default 50)"},
				{Name: "cursor", Description: "nextCursor of the previous page"},
			}, Handler: s.handleRequests},
		{Method: "POST", Path: "/api/v1/share-requests/{id}/answer", Summary: "Grant or deny a holder's request to pass a record onward",
			Tag: tag, Roles: answerRoles, Personal: true, JustificationInBody: true, Request: AnswerRequest{}, Response: Request{},
			Handler: s.handleAnswer},
	}
}

func (s *Service) handleShare(w http.ResponseWriter, r *http.Request) error {
	var req ShareRequest
	if err := httpx.DecodeJSON(w, r, 64<<10, &req); err != nil {
		return err
	}
	j, err := api.RequireJustification(r.Context(), req.Justification, "")
	if err != nil {
		return err
	}
	res, err := s.Share(access.WithJustification(r.Context(), j), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

func (s *Service) handleHolders(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.Holders(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, hs)
}

func (s *Service) handleRequests(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.Limit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := RequestFilter{Direction: q.Get("direction"), State: q.Get("state"), Limit: limit + 1}
	var pos RequestCursor
	if ok, err := httpx.DecodeCursor(r, &pos); err != nil {
		return err
	} else if ok {
		f.Before = &pos
	}
	items, err := s.Requests(r.Context(), f)
	if err != nil {
		return err
	}
	page := httpx.Page[Request]{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = httpx.EncodeCursor(RequestCursor{Created: last.CreatedAt.UnixMicro(), ID: last.ID})
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (s *Service) handleAnswer(w http.ResponseWriter, r *http.Request) error {
	var a AnswerRequest
	if err := httpx.DecodeJSON(w, r, 16<<10, &a); err != nil {
		return err
	}
	j, err := api.RequireJustification(r.Context(), a.Justification, "")
	if err != nil {
		return err
	}
	req, err := s.Answer(access.WithJustification(r.Context(), j), r.PathValue("id"), a)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, req)
}
