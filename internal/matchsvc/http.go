package matchsvc

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// Routes are the officer API routes of matching.
func (s *Service) Routes() []api.Route {
	const tag = "matching"
	page := []api.Param{
		{Name: "limit", Type: "integer", Description: "page size (1-500, default 50)"},
		{Name: "cursor", Description: "nextCursor of the previous page"},
	}
	return []api.Route{
		{Method: "POST", Path: "/api/v1/match/queries", Summary: "Hit/no-hit query to partners (identifiers, or a person by name and birth date)",
			Tag: tag, Roles: queryRoles, Personal: true, JustificationInBody: true, Request: QueryRequest{}, Response: QueryResult{},
			Handler: s.handleQuery},
		{Method: "POST", Path: "/api/v1/match/hits/{id}/follow-up", Summary: "Send the holder of a hit a follow-up request (hit-follow-up)",
			Tag: tag, Roles: followUpRoles, Personal: true, JustificationInBody: true, Request: FollowUpRequest{},
			Response: FollowUpSent{}, Status: http.StatusCreated, Handler: s.handleFollowUp},
		{Method: "GET", Path: "/api/v1/match/follow-ups", Summary: "Follow-ups partners sent this node, with their deadlines",
			Tag: tag, Roles: overseeRoles, Personal: true, Response: httpx.Page[FollowUp]{}, Query: page, Handler: s.handleFollowUps},
		{Method: "GET", Path: "/api/v1/match/follow-ups/sent", Summary: "Hits this node followed up",
			Tag: tag, Roles: followUpRoles, Personal: true, Response: httpx.Page[FollowUpSent]{},
			Query: page[:1], Handler: s.handleSentFollowUps},
		{Method: "POST", Path: "/api/v1/match/follow-ups/{id}/answer", Summary: "Record the answer to a follow-up",
			Tag: tag, Roles: answerRoles, Personal: true, Request: AnswerRequest{}, Status: http.StatusNoContent, Handler: s.handleAnswer},
		{Method: "POST", Path: "/api/v1/match/bulk", Summary: "Submit a bulk run (list against one partner) for approval",
			Tag: tag, Roles: bulkRoles, Personal: true, JustificationInBody: true, Request: BulkRequest{}, Response: BulkRun{},
			Status: http.StatusCreated, Handler: s.handleSubmitBulk},
		{Method: "POST", Path: "/api/v1/match/bulk/{id}/approve", Summary: "Approve a bulk run (another SPOC or an administrator)",
			Tag: tag, Roles: approveRoles, Personal: true, Response: BulkRun{}, Handler: s.handleApproveBulk},
		{Method: "GET", Path: "/api/v1/match/bulk/{id}", Summary: "A bulk run's progress, and its hits",
			Tag: tag, Roles: overseeRoles, Personal: true, Response: BulkRun{},
			Query:   []api.Param{{Name: "hits", Type: "boolean", Description: "list the hits"}},
			Handler: s.handleBulkStatus},
		{Method: "GET", Path: "/api/v1/match/alerts", Summary: "Abuse alerts about partners' use of this node's index",
			Tag: tag, Roles: overseeRoles, Response: httpx.Page[Alert]{}, Query: page[:1], Handler: s.handleAlerts},
		{Method: "GET", Path: "/api/v1/match/status", Summary: "Matching status: epochs, views, partner tables",
			Tag: tag, Roles: approveRoles, Response: Status{}, Handler: s.handleStatus},
	}
}

func (s *Service) handleQuery(w http.ResponseWriter, r *http.Request) error {
	var req QueryRequest
	if err := httpx.DecodeJSON(w, r, 64<<10, &req); err != nil {
		return err
	}
	res, err := s.Query(r.Context(), req)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

func (s *Service) handleFollowUp(w http.ResponseWriter, r *http.Request) error {
	var req FollowUpRequest
	if err := httpx.DecodeJSON(w, r, 16<<10, &req); err != nil {
		return err
	}
	res, err := s.FollowUp(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, res)
}

func (s *Service) handleFollowUps(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.Limit(r)
	if err != nil {
		return err
	}
	var cur followUpCursor
	ok, err := httpx.DecodeCursor(r, &cur)
	if err != nil {
		return err
	}
	var before *followUpCursor
	if ok {
		before = &cur
	}
	items, next, err := s.ListFollowUps(r.Context(), limit, before)
	if err != nil {
		return err
	}
	p := httpx.Page[FollowUp]{Items: items}
	if next != nil {
		p.NextCursor = httpx.EncodeCursor(next)
	}
	return httpx.WriteJSON(w, http.StatusOK, p)
}

func (s *Service) handleSentFollowUps(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.Limit(r)
	if err != nil {
		return err
	}
	items, err := s.SentFollowUps(r.Context(), limit)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.Page[FollowUpSent]{Items: items})
}

func (s *Service) handleAnswer(w http.ResponseWriter, r *http.Request) error {
	var req AnswerRequest
	if err := httpx.DecodeJSON(w, r, 16<<10, &req); err != nil {
		return err
	}
	if err := s.Answer(r.Context(), r.PathValue("id"), req); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleSubmitBulk(w http.ResponseWriter, r *http.Request) error {
	var req BulkRequest
	// JSON escapes can double the list's size; the list itself is bounded
	// by MaxBulkBytes after decoding.
	if err := httpx.DecodeJSON(w, r, int64(2*s.cfg.MaxBulkBytes)+64<<10, &req); err != nil {
		return err
	}
	run, err := s.SubmitBulk(r.Context(), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/match/bulk/"+run.ID)
	return httpx.WriteJSON(w, http.StatusCreated, run)
}

func (s *Service) handleApproveBulk(w http.ResponseWriter, r *http.Request) error {
	run, err := s.ApproveBulk(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, run)
}

func (s *Service) handleBulkStatus(w http.ResponseWriter, r *http.Request) error {
	hits := false
	if v := r.URL.Query().Get("hits"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errs.E(errs.Invalid, "hits", "must be true or false")
		}
		hits = b
	}
	run, err := s.BulkStatus(r.Context(), r.PathValue("id"), hits)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, run)
}

func (s *Service) handleAlerts(w http.ResponseWriter, r *http.Request) error {
	limit, err := httpx.Limit(r)
	if err != nil {
		return err
	}
	items, err := s.Alerts(r.Context(), limit)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, httpx.Page[Alert]{Items: items})
}

func (s *Service) handleStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Status(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, st)
}

// Alerts returns the newest abuse alerts.
func (s *Service) Alerts(ctx context.Context, limit int) ([]Alert, error) {
	if _, err := officer(ctx, overseeRoles); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT at, kind, partner, type, observed, threshold, detail FROM match_alerts
		ORDER BY at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		var a Alert
		var at int64
		if err := rows.Scan(&at, &a.Kind, &a.Partner, &a.Type, &a.Observed, &a.Threshold, &a.Detail); err != nil {
			return nil, err
		}
		a.At = fromMicro(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Status describes the holder's epochs and views and the partner tables
// this node holds.
func (s *Service) Status(ctx context.Context) (*Status, error) {
	if _, err := officer(ctx, approveRoles); err != nil {
		return nil, err
	}
	st := &Status{Ready: s.Ready(), Epochs: []EpochStatus{}, Partners: []RemoteStatus{}}
	for _, es := range s.liveEpochs() {
		e := EpochStatus{Epoch: uint32(es.key.Epoch), NotBefore: es.key.NotBefore, NotAfter: es.key.NotAfter, Views: []ViewStatus{}}
		s.idx.mu.RLock()
		for agency, pv := range es.views {
			vs := pv.view.Stats()
			e.Views = append(e.Views, ViewStatus{Partner: agency, Values: vs.Real, Published: vs.Published, Version: vs.Version})
		}
		s.idx.mu.RUnlock()
		sort.Slice(e.Views, func(i, j int) bool { return e.Views[i].Partner < e.Views[j].Partner })
		st.Epochs = append(st.Epochs, e)
	}
	st.Records = int(s.idx.indexed.Load())
	s.tables.mu.Lock()
	for agency, t := range s.tables.tables {
		st.Partners = append(st.Partners, RemoteStatus{Partner: agency, Epoch: uint32(t.ann.Announcement.Epoch),
			NotAfter: t.ann.Announcement.NotAfter, Entries: t.table.Len(), Version: t.table.Version(), FetchedAt: t.fetchedAt().UTC()})
	}
	s.tables.mu.Unlock()
	sort.Slice(st.Partners, func(i, j int) bool { return st.Partners[i].Partner < st.Partners[j].Partner })
	return st, nil
}
