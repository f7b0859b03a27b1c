package record

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/policy"
)

// CreateResult is the answer to a create or update.
type CreateResult struct {
	Record   *Record   `json:"record"`
	Warnings []Warning `json:"warnings,omitempty"`
}

// SearchPage is the answer to a search.
type SearchPage struct {
	httpx.Page[Summary]
	Total       int     `json:"total"`
	TotalCapped bool    `json:"totalCapped,omitempty"`
	Facets      *Facets `json:"facets,omitempty"`
}

// LookupResult is the answer to an identifier lookup.
type LookupResult struct {
	Kind  string `json:"kind"`
	Value string `json:"value" doc:"the normalised value"`
	Items []Hit  `json:"items"`
}

// ReviewRequest extends a record's review date.
type ReviewRequest struct {
	Until         string `json:"until,omitempty" doc:"new review date, YYYY-MM-DD or RFC 3339; default: the default period from now"`
	Justification string `json:"justification,omitempty" doc:"why the record is still needed (or send Liaison-Justification)"`
}

// NextCursorHeader carries the cursor of the next export page.
const NextCursorHeader = "Liaison-Next-Cursor"

// Routes returns the records API.
func (s *Service) Routes() []api.Route {
	const tag = "records"
	read := policy.ReadRoles()
	searchParams := []api.Param{
		{Name: "q", Description: "words matched against names (across scripts and spellings), title, narrative and assessment"},
		{Name: "kind", Description: "identifier kind: " + strings.Join(identifierKinds, ", ")},
		{Name: "value", Description: "identifier value (with kind)"},
		{Name: "schema", Description: "FtM schema of an entity, e.g. Person"},
		{Name: "country", Description: "country of an entity (ISO code or name)"},
		{Name: "originator", Description: "originating agency id"},
		{Name: "case", Description: "the holder's case reference"},
		{Name: "from", Description: "created at or after (YYYY-MM-DD or RFC 3339)"},
		{Name: "to", Description: "created before (YYYY-MM-DD or RFC 3339)"},
		{Name: "limit", Type: "integer", Description: "page size (1-500, default 50; export: 1-10000, default 1000)"},
		{Name: "cursor", Description: "nextCursor of the previous page"},
	}
	return []api.Route{
		{Method: "POST", Path: "/api/v1/records", Summary: "Create a record", Tag: tag, Roles: writeRoles, Personal: true,
			Request: Draft{}, Response: CreateResult{}, Status: http.StatusCreated,
			Query:   []api.Param{{Name: "strict", Type: "boolean", Description: "reject entity properties FtM 3.8 does not know"}},
			Handler: s.handleCreate},
		{Method: "GET", Path: "/api/v1/records", Summary: "Search the records you may read", Tag: tag, Roles: read, Personal: true,
			Response: SearchPage{}, Query: append(searchParams, api.Param{Name: "facets", Type: "boolean", Description: "count by schema, country and originator"}),
			Handler: s.handleSearch},
		{Method: "GET", Path: "/api/v1/records/export", Summary: "Export the records you may read as FtM JSON lines", Tag: tag,
			Roles: writeRoles, Personal: true, Query: searchParams, Handler: s.handleExport},
		{Method: "POST", Path: "/api/v1/records/import", Summary: "Import FtM JSON lines (first line: import options)", Tag: tag,
			Roles: writeRoles, Personal: true, Response: ImportSummary{}, Handler: s.handleImport},
		{Method: "GET", Path: "/api/v1/records/{id}", Summary: "Read a record", Tag: tag, Roles: read, Personal: true,
			Response: Record{}, Handler: s.handleGet},
		{Method: "GET", Path: "/api/v1/records/{id}/versions", Summary: "A record's version history", Tag: tag, Roles: read,
			Personal: true, Response: []VersionInfo{}, Handler: s.handleVersions},
		{Method: "PUT", Path: "/api/v1/records/{id}", Summary: "Update a record (new version)", Tag: tag, Roles: writeRoles,
			Personal: true, Request: Draft{}, Response: CreateResult{}, Handler: s.handleUpdate},
		{Method: "POST", Path: "/api/v1/records/{id}/withdraw", Summary: "Withdraw a record this agency originated", Tag: tag,
			Roles: writeRoles, Personal: true, Response: Record{}, Handler: s.handleWithdraw},
		{Method: "POST", Path: "/api/v1/records/{id}/review", Summary: "Review a record: extend its review date", Tag: tag,
			Roles: reviewRoles, Personal: true, JustificationInBody: true, Request: ReviewRequest{}, Response: Record{},
			Handler: s.handleReview},
		{Method: "DELETE", Path: "/api/v1/records/{id}", Summary: "Erase a record", Tag: tag, Roles: eraseRoles, Personal: true,
			Status: http.StatusNoContent, Handler: s.handleErase},
		{Method: "GET", Path: "/api/v1/records/{id}/correlations", Summary: "Records sharing identifiers with a record", Tag: tag,
			Roles: read, Personal: true, Response: Correlations{}, Handler: s.handleCorrelations},
		{Method: "GET", Path: "/api/v1/identifiers", Summary: "Exact identifier lookup (passport, IBAN, plate, VIN, phone, e-mail, wallet, …)",
			Tag: tag, Roles: read, Personal: true, Response: LookupResult{},
			Query: []api.Param{
				{Name: "kind", Required: true, Description: "identifier kind: " + strings.Join(identifierKinds, ", ")},
				{Name: "value", Required: true, Description: "the identifier, in any usual spelling"},
				{Name: "limit", Type: "integer", Description: "at most this many hits (1-500, default 50)"},
			},
			Handler: s.handleLookup},
	}
}

// readJSONBody reads a JSON request body of at most max bytes.
func readJSONBody(r *http.Request, max int) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, errs.E(errs.Unsupported, "body must be application/json")
		}
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, int64(max)+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if len(data) > max {
		return nil, errs.E(errs.TooLarge, "record", fmt.Sprintf("record larger than %d bytes", max))
	}
	return data, nil
}

func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errs.E(errs.TooLarge, "request body too large")
	}
	return errs.E(errs.Invalid, "could not read the request body", err)
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

func (s *Service) decodeDraftRequest(r *http.Request) (Draft, []Warning, error) {
	strict, err := boolParam(r, "strict")
	if err != nil {
		return Draft{}, nil, err
	}
	data, err := readJSONBody(r, s.cfg.Limits.MaxRecordBytes)
	if err != nil {
		return Draft{}, nil, err
	}
	return DecodeDraft(data, s.cfg.Limits, strict)
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) error {
	d, warns, err := s.decodeDraftRequest(r)
	if err != nil {
		return err
	}
	rec, err := s.Create(r.Context(), d)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/records/"+rec.ID)
	return httpx.WriteJSON(w, http.StatusCreated, CreateResult{Record: rec, Warnings: warns})
}

func (s *Service) handleUpdate(w http.ResponseWriter, r *http.Request) error {
	d, warns, err := s.decodeDraftRequest(r)
	if err != nil {
		return err
	}
	rec, err := s.Update(r.Context(), r.PathValue("id"), d)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, CreateResult{Record: rec, Warnings: warns})
}

// parseTime reads a date (YYYY-MM-DD, UTC midnight) or an RFC 3339 time.
func parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errs.E(errs.Invalid, name, "must be a date YYYY-MM-DD or an RFC 3339 time")
	}
	return t, nil
}

// queryFrom reads the search parameters common to search and export.
func queryFrom(r *http.Request) (Query, error) {
	v := r.URL.Query()
	q := Query{
		Text: v.Get("q"), IdentifierKind: v.Get("kind"), IdentifierValue: v.Get("value"),
		Schema: v.Get("schema"), Country: v.Get("country"), Originator: v.Get("originator"), CaseRef: v.Get("case"),
	}
	var err error
	if q.From, err = parseTime("from", v.Get("from")); err != nil {
		return q, err
	}
	if q.To, err = parseTime("to", v.Get("to")); err != nil {
		return q, err
	}
	if s := v.Get("limit"); s != "" {
		if q.Limit, err = strconv.Atoi(s); err != nil || q.Limit < 1 {
			return q, errs.E(errs.Invalid, "limit", "must be a positive integer")
		}
	}
	if _, err := httpx.DecodeCursor(r, &q.After); err != nil {
		return q, err
	}
	if q.After < 0 {
		return q, errs.E(errs.Invalid, "cursor", "malformed cursor")
	}
	return q, nil
}

func (s *Service) handleSearch(w http.ResponseWriter, r *http.Request) error {
	q, err := queryFrom(r)
	if err != nil {
		return err
	}
	if q.Facets, err = boolParam(r, "facets"); err != nil {
		return err
	}
	res, err := s.Search(r.Context(), q)
	if err != nil {
		return err
	}
	page := SearchPage{Page: httpx.Page[Summary]{Items: res.Items}, Total: res.Total, TotalCapped: res.TotalCapped, Facets: res.Facets}
	if res.Next > 0 {
		page.NextCursor = httpx.EncodeCursor(res.Next)
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (s *Service) handleExport(w http.ResponseWriter, r *http.Request) error {
	q, err := queryFrom(r)
	if err != nil {
		return err
	}
	x, err := s.Export(r.Context(), q)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	if x.Next > 0 {
		w.Header().Set(NextCursorHeader, httpx.EncodeCursor(x.Next))
	}
	w.WriteHeader(http.StatusOK)
	if _, err := x.WriteTo(r.Context(), w); err != nil {
		// The status is sent: abort the response so that the client
		// sees a truncated body rather than a complete-looking one.
		s.log.WarnContext(r.Context(), "record export aborted", "error", err.Error(), "request_id", httpx.RequestID(r.Context()))
		panic(http.ErrAbortHandler)
	}
	return nil
}

func (s *Service) handleImport(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-ndjson" && mt != "application/jsonl" && mt != "application/json" {
			return errs.E(errs.Unsupported, "body must be application/x-ndjson: a line of import options, then FtM entities")
		}
	}
	br := bufio.NewReaderSize(r.Body, 64<<10)
	head, err := br.ReadSlice('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		if errors.Is(err, bufio.ErrBufferFull) {
			return errs.E(errs.TooLarge, "options", "the options line is longer than 64 KiB")
		}
		return bodyError(err)
	}
	var opts ImportOptions
	if err := decodeStrict(head, &opts); err != nil {
		return errs.E(errs.Invalid, "options", "the first line must be the import options: "+errs.PublicMessage(err), err)
	}
	sum, err := s.Import(r.Context(), br, opts, nil)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, sum)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	rec, d, err := s.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Liaison-Policy-Rule", d.Rule)
	return httpx.WriteJSON(w, http.StatusOK, rec)
}

func (s *Service) handleVersions(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.Versions(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, vs)
}

func (s *Service) handleWithdraw(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.Withdraw(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, rec)
}

func (s *Service) handleReview(w http.ResponseWriter, r *http.Request) error {
	var req ReviewRequest
	if err := httpx.DecodeJSON(w, r, 64<<10, &req); err != nil {
		return err
	}
	j, err := api.RequireJustification(r.Context(), req.Justification, "")
	if err != nil {
		return err
	}
	until, err := parseTime("until", req.Until)
	if err != nil {
		return err
	}
	rec, err := s.Review(access.WithJustification(r.Context(), j), r.PathValue("id"), until)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, rec)
}

func (s *Service) handleErase(w http.ResponseWriter, r *http.Request) error {
	if err := s.Erase(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) handleCorrelations(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Correlations(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, c)
}

func (s *Service) handleLookup(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	kind, value := v.Get("kind"), v.Get("value")
	if kind == "" || value == "" {
		return errs.E(errs.Invalid, "kind", "kind and value are required")
	}
	limit := 0
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return errs.E(errs.Invalid, "limit", "must be a positive integer")
		}
		limit = n
	}
	hits, err := s.Lookup(r.Context(), kind, value, limit)
	if err != nil {
		return err
	}
	norm, _ := NormalizeIdentifier(kind, value) // Lookup succeeded, so this does
	if hits == nil {
		hits = []Hit{}
	}
	return httpx.WriteJSON(w, http.StatusOK, LookupResult{Kind: kind, Value: norm, Items: hits})
}
