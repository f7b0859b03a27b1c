package noticesvc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/notice"
)

// UpdateNoticeRequest replaces a notice's content.
type UpdateNoticeRequest struct {
	Version int64 `json:"version" doc:"the version the change is based on"`
	Draft
}

// UpdateAlertRequest replaces an alert's content.
type UpdateAlertRequest struct {
	Version int64 `json:"version" doc:"the version the change is based on"`
	AlertInput
}

// CancelRequest cancels a notice or alert.
type CancelRequest struct {
	Reason string `json:"reason"`
}

// maxJSONBody bounds notice and alert request bodies.
const maxJSONBody = 1 << 20

var pageParams = []api.Param{
	{Name: "limit", Type: "integer", Description: "page size (1-500, default 50)"},
	{Name: "cursor", Description: "nextCursor of the previous page"},
}

// Routes returns the notices, alerts and lookup API.
func (s *Service) Routes() []api.Route {
	const notices, alerts, lookups = "notices", "alerts", "lookup"
	writersAndReaders := append(append([]access.Role{}, NoticeReaders...), AlertReaders...)
	return []api.Route{
		{Method: "GET", Path: "/api/v1/notices", Summary: "List notices (the review queue: ?awaitingReview=true)", Tag: notices,
			Roles: NoticeReaders, Personal: true, Response: httpx.Page[Summary]{}, Handler: s.handleListNotices,
			Query: append([]api.Param{
				{Name: "state", Description: "draft, review, refused, published, updated, cancelled or expired"},
				{Name: "type", Description: "red, yellow, blue, black, green, orange, purple or un-special"},
				{Name: "origin", Description: "own or received"},
				{Name: "awaitingReview", Type: "boolean", Description: "in review, or circulated diffusions not yet reviewed"},
				{Name: "reassessmentDue", Type: "boolean", Description: "own notices due for reassessment"},
				{Name: "entityId", Description: "INTERPOL entity id"},
			}, pageParams...)},
		{Method: "POST", Path: "/api/v1/notices", Summary: "Create a draft notice or diffusion", Tag: notices,
			Roles: NoticeDrafters, Personal: true, Request: Draft{}, Response: Notice{}, Status: http.StatusCreated, Handler: s.handleCreateNotice},
		{Method: "GET", Path: "/api/v1/notices/regions", Summary: "Regions a distribution may name, with their countries", Tag: notices,
			Roles: writersAndReaders, Response: map[string][]string{}, Handler: s.handleRegions},
		{Method: "POST", Path: "/api/v1/notices/import/interpol", Summary: "Import INTERPOL public notice JSON (list or detail) as drafts", Tag: notices,
			Roles: NoticeWriters, Personal: true, Response: ImportResult{}, Handler: s.handleImportInterpol,
			Query: []api.Param{{Name: "type", Description: "notice type when the document's links do not name it"}}},
		{Method: "GET", Path: "/api/v1/notices/{id}", Summary: "Show a notice in full", Tag: notices,
			Roles: NoticeReaders, Personal: true, Response: Notice{}, Handler: s.handleGetNotice},
		{Method: "PUT", Path: "/api/v1/notices/{id}", Summary: "Edit a draft, or amend a published notice", Tag: notices,
			Roles: NoticeDrafters, Personal: true, Request: UpdateNoticeRequest{}, Response: Notice{}, Handler: s.handleUpdateNotice},
		{Method: "GET", Path: "/api/v1/notices/{id}/flags", Summary: "Screening flags with explanations (a preview for drafts)", Tag: notices,
			Roles: NoticeReaders, Personal: true, Response: []Flag{}, Handler: s.handleFlags},
		{Method: "POST", Path: "/api/v1/notices/{id}/submit", Summary: "Submit a draft for review (screening runs now)", Tag: notices,
			Roles: NoticeWriters, Personal: true, Response: Notice{}, Handler: s.noticeAction(s.SubmitNotice)},
		{Method: "POST", Path: "/api/v1/notices/{id}/circulate", Summary: "Circulate a diffusion directly (reviewed afterwards; refused with blocking flags)", Tag: notices,
			Roles: NoticeWriters, Personal: true, Response: Notice{}, Handler: s.noticeAction(s.CirculateNotice)},
		{Method: "POST", Path: "/api/v1/notices/{id}/decision", Summary: "Approve or refuse a notice, with reasons (reviewers)", Tag: notices,
			Roles: NoticeReviewers, Personal: true, Request: DecisionRequest{}, Response: Notice{}, Handler: s.handleDecide},
		{Method: "POST", Path: "/api/v1/notices/{id}/revise", Summary: "Take a refused notice back to draft", Tag: notices,
			Roles: NoticeWriters, Personal: true, Response: Notice{}, Handler: s.noticeAction(s.ReviseNotice)},
		{Method: "POST", Path: "/api/v1/notices/{id}/resubmit", Summary: "Take a published notice out of circulation for review (optional new content)", Tag: notices,
			Roles: NoticeWriters, Personal: true, Request: Draft{}, Response: Notice{}, Handler: s.handleResubmit},
		{Method: "POST", Path: "/api/v1/notices/{id}/cancel", Summary: "Cancel a notice; partners remove it", Tag: notices,
			Roles: NoticeWriters, Personal: true, Request: CancelRequest{}, Response: Notice{}, Handler: s.handleCancelNotice},
		{Method: "POST", Path: "/api/v1/notices/{id}/reassess", Summary: "Reassess a notice due for it: renews its validity", Tag: notices,
			Roles: NoticeWriters, Personal: true, Response: Notice{}, Handler: s.noticeAction(s.ReassessNotice)},
		{Method: "GET", Path: "/api/v1/notices/{id}/distribution", Summary: "Distribution state per partner", Tag: notices,
			Roles: DistributionReaders, Response: []PartnerState{}, Handler: s.handleNoticeDistribution},

		{Method: "GET", Path: "/api/v1/alerts", Summary: "List alerts", Tag: alerts,
			Roles: AlertReaders, Personal: true, Response: httpx.Page[*Alert]{}, Handler: s.handleListAlerts,
			Query: append([]api.Param{
				{Name: "kind", Description: "travel-document, vehicle or object"},
				{Name: "state", Description: "active or cancelled"},
				{Name: "origin", Description: "own or received"},
				{Name: "import", Description: "an import id"},
			}, pageParams...)},
		{Method: "POST", Path: "/api/v1/alerts", Summary: "Create an alert and send it to its distribution", Tag: alerts,
			Roles: AlertWriters, Personal: true, Request: AlertInput{}, Response: Alert{}, Status: http.StatusCreated, Handler: s.handleCreateAlert},
		{Method: "POST", Path: "/api/v1/alerts/import", Summary: "Import alerts from CSV (text/csv), all or none per request", Tag: alerts,
			Roles: AlertWriters, Personal: true, Response: AlertImport{}, Handler: s.handleImportAlerts,
			Query: []api.Param{
				{Name: "scope", Description: "distribution: all, agencies or region (default: not distributed)"},
				{Name: "agencies", Description: "comma-separated agency ids, for scope agencies"},
				{Name: "region", Description: "region name, for scope region"},
				{Name: "firstLine", Type: "integer", Description: "line number of this request's header in the caller's file (default 1)"},
			}},
		{Method: "GET", Path: "/api/v1/alerts/{id}", Summary: "Show an alert", Tag: alerts,
			Roles: AlertReaders, Personal: true, Response: Alert{}, Handler: s.handleGetAlert},
		{Method: "PUT", Path: "/api/v1/alerts/{id}", Summary: "Change an alert", Tag: alerts,
			Roles: AlertWriters, Personal: true, Request: UpdateAlertRequest{}, Response: Alert{}, Handler: s.handleUpdateAlert},
		{Method: "POST", Path: "/api/v1/alerts/{id}/cancel", Summary: "Cancel an alert; partners remove it", Tag: alerts,
			Roles: AlertWriters, Personal: true, Request: CancelRequest{}, Response: Alert{}, Handler: s.handleCancelAlert},
		{Method: "GET", Path: "/api/v1/alerts/{id}/distribution", Summary: "Distribution state per partner", Tag: alerts,
			Roles: DistributionReaders, Response: []PartnerState{}, Handler: s.handleAlertDistribution},

		{Method: "GET", Path: "/api/v1/lookup", Summary: "Border lookup: a document, plate, VIN or person against the alerts and notices", Tag: lookups,
			Roles: LookupRoles, Personal: true, Response: LookupResult{}, Handler: s.handleLookup,
			Query: []api.Param{
				{Name: "document", Description: "travel document number (with country)"},
				{Name: "country", Description: "ISO 3166-1 alpha-2: issuing country of a document, registration country of a plate"},
				{Name: "plate", Description: "licence plate (with country)"},
				{Name: "vin", Description: "vehicle identification number"},
				{Name: "name", Description: "full name of a person (with birthDate)"},
				{Name: "birthDate", Description: "1980-01-02, or partial 1980-01 or 1980"},
			}},
	}
}

func limitAndCursor(r *http.Request) (int, string, error) {
	limit, err := httpx.Limit(r)
	if err != nil {
		return 0, "", err
	}
	var cursor string
	if _, err := httpx.DecodeCursor(r, &cursor); err != nil {
		return 0, "", err
	}
	return limit, cursor, nil
}

func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errs.E(errs.Invalid, name, "must be true or false")
	}
	return b, nil
}

func (s *Service) handleListNotices(w http.ResponseWriter, r *http.Request) error {
	limit, cursor, err := limitAndCursor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := NoticeFilter{State: notice.State(q.Get("state")), Type: notice.Type(q.Get("type")), Origin: q.Get("origin"),
		EntityID: q.Get("entityId"), Before: cursor, Limit: limit}
	if f.AwaitingReview, err = boolParam(r, "awaitingReview"); err != nil {
		return err
	}
	if f.ReassessmentDue, err = boolParam(r, "reassessmentDue"); err != nil {
		return err
	}
	items, next, err := s.ListNotices(r.Context(), f)
	if err != nil {
		return err
	}
	page := httpx.Page[Summary]{Items: items}
	if next != "" {
		page.NextCursor = httpx.EncodeCursor(next)
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (s *Service) handleCreateNotice(w http.ResponseWriter, r *http.Request) error {
	var d Draft
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &d); err != nil {
		return err
	}
	n, err := s.CreateNotice(r.Context(), d)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, n)
}

func (s *Service) handleRegions(w http.ResponseWriter, r *http.Request) error {
	return httpx.WriteJSON(w, http.StatusOK, Regions)
}

func (s *Service) handleImportInterpol(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return errs.E(errs.Unsupported, "body must be application/json")
		}
	}
	data, err := readBody(r.Body)
	if err != nil {
		return err
	}
	res, err := s.ImportInterpol(r.Context(), data, notice.Type(r.URL.Query().Get("type")))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

// readBody reads a body the API handler has already bounded.
func readBody(body io.Reader) ([]byte, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errs.E(errs.TooLarge, "body too large")
		}
		return nil, errs.E(errs.Invalid, "cannot read the body", err)
	}
	return data, nil
}

func (s *Service) handleGetNotice(w http.ResponseWriter, r *http.Request) error {
	n, err := s.GetNotice(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, n)
}

func (s *Service) handleUpdateNotice(w http.ResponseWriter, r *http.Request) error {
	var req UpdateNoticeRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &req); err != nil {
		return err
	}
	n, err := s.UpdateNotice(r.Context(), r.PathValue("id"), req.Version, req.Draft)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, n)
}

func (s *Service) handleFlags(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.NoticeFlags(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, fs)
}

// noticeAction serves a bodiless action on a notice.
func (s *Service) noticeAction(do func(ctx context.Context, id string) (*Notice, error)) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		n, err := do(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		return httpx.WriteJSON(w, http.StatusOK, n)
	}
}

func (s *Service) handleDecide(w http.ResponseWriter, r *http.Request) error {
	var req DecisionRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &req); err != nil {
		return err
	}
	n, err := s.DecideNotice(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, n)
}

func (s *Service) handleResubmit(w http.ResponseWriter, r *http.Request) error {
	// The body is optional: without one the notice is resubmitted unchanged.
	data, err := readBody(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		return err
	}
	var d *Draft
	if len(bytes.TrimSpace(data)) > 0 {
		d = new(Draft)
		r.Body = io.NopCloser(bytes.NewReader(data))
		if err := httpx.DecodeJSON(w, r, maxJSONBody, d); err != nil {
			return err
		}
	}
	n, err := s.ResubmitNotice(r.Context(), r.PathValue("id"), d)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, n)
}

func (s *Service) handleCancelNotice(w http.ResponseWriter, r *http.Request) error {
	var req CancelRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &req); err != nil {
		return err
	}
	n, err := s.CancelNotice(r.Context(), r.PathValue("id"), req.Reason)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, n)
}

func (s *Service) handleNoticeDistribution(w http.ResponseWriter, r *http.Request) error {
	st, err := s.NoticeDistribution(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, st)
}

func (s *Service) handleListAlerts(w http.ResponseWriter, r *http.Request) error {
	limit, cursor, err := limitAndCursor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, next, err := s.ListAlerts(r.Context(), AlertFilter{Kind: notice.AlertKind(q.Get("kind")), State: q.Get("state"),
		Origin: q.Get("origin"), Import: q.Get("import"), Before: cursor, Limit: limit})
	if err != nil {
		return err
	}
	page := httpx.Page[*Alert]{Items: items}
	if next != "" {
		page.NextCursor = httpx.EncodeCursor(next)
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (s *Service) handleCreateAlert(w http.ResponseWriter, r *http.Request) error {
	var in AlertInput
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &in); err != nil {
		return err
	}
	a, err := s.CreateAlert(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, a)
}

// importQuery reads the options of an alert import from the query.
func importQuery(r *http.Request) (ImportOptions, error) {
	q := r.URL.Query()
	opts := ImportOptions{Distribution: Distribution{Scope: notice.Scope(q.Get("scope")), Region: q.Get("region")}}
	if a := q.Get("agencies"); a != "" {
		opts.Distribution.Agencies = strings.Split(a, ",")
	}
	if fl := q.Get("firstLine"); fl != "" {
		n, err := strconv.Atoi(fl)
		if err != nil || n < 1 {
			return opts, errs.E(errs.Invalid, "firstLine", "must be a positive line number")
		}
		opts.FirstLine = n
	}
	return opts, nil
}

func (s *Service) handleImportAlerts(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "text/csv" {
			return errs.E(errs.Unsupported, "body must be text/csv")
		}
	}
	opts, err := importQuery(r)
	if err != nil {
		return err
	}
	res, err := s.ImportAlerts(r.Context(), r.Body, opts)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

func (s *Service) handleGetAlert(w http.ResponseWriter, r *http.Request) error {
	a, err := s.GetAlert(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, a)
}

func (s *Service) handleUpdateAlert(w http.ResponseWriter, r *http.Request) error {
	var req UpdateAlertRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &req); err != nil {
		return err
	}
	a, err := s.UpdateAlert(r.Context(), r.PathValue("id"), req.Version, req.AlertInput)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, a)
}

func (s *Service) handleCancelAlert(w http.ResponseWriter, r *http.Request) error {
	var req CancelRequest
	if err := httpx.DecodeJSON(w, r, maxJSONBody, &req); err != nil {
		return err
	}
	a, err := s.CancelAlert(r.Context(), r.PathValue("id"), req.Reason)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, a)
}

func (s *Service) handleAlertDistribution(w http.ResponseWriter, r *http.Request) error {
	st, err := s.AlertDistribution(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, st)
}

// maxLookupParam bounds each lookup parameter; the core bounds them more
// tightly, this only keeps an absurd query from being copied around.
const maxLookupParam = 256

func (s *Service) handleLookup(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	lq := LookupQuery{Document: q.Get("document"), Country: q.Get("country"), Plate: q.Get("plate"), VIN: q.Get("vin"),
		Name: q.Get("name"), BirthDate: q.Get("birthDate")}
	if len(lq.Document) > maxLookupParam || len(lq.Country) > maxLookupParam || len(lq.Plate) > maxLookupParam ||
		len(lq.VIN) > maxLookupParam || len(lq.Name) > maxLookupParam || len(lq.BirthDate) > maxLookupParam {
		return errs.E(errs.Invalid, "query", "a lookup parameter is too long")
	}
	res, err := s.Lookup(r.Context(), lq)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}
