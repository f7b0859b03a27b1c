package audit

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// CheckpointInfo is a checkpoint as the API returns it.
type CheckpointInfo struct {
	Origin       string        `json:"origin"`
	Size         uint64        `json:"size"`
	Root         []byte        `json:"root"`
	Note         string        `json:"note" doc:"signed checkpoint note with witness cosignature lines"`
	VerifierKey  string        `json:"verifierKey" doc:"the log's signed-note verifier key; pin it out of band"`
	CreatedAt    time.Time     `json:"createdAt"`
	Cosignatures []Cosignature `json:"cosignatures"`
}

// EventWithProof is an event, its inclusion proof and the checkpoint the
// proof leads to. The proof is absent for an event no checkpoint covers yet.
type EventWithProof struct {
	Entry
	Checkpoint string          `json:"checkpoint,omitempty"`
	Proof      *InclusionProof `json:"proof,omitempty"`
}

type cosignaturesRequest struct {
	Checkpoint string `json:"checkpoint" doc:"this node's checkpoint note with the witnesses' cosignature lines appended"`
}

type cosignaturesResult struct {
	Stored []Cosignature `json:"stored"`
}

// Routes returns the audit API. Checkpoints and proofs carry only hashes
// and are open to every authenticated caller; events are for the data
// protection officer and administrators, need a justification, and every
// read of them is itself an audit event committed before the answer.
func (l *Log) Routes() []api.Route {
	const tag = "audit"
	oversight := []access.Role{access.DPO, access.Admin}
	return []api.Route{
		{Method: "GET", Path: "/api/v1/audit/checkpoint", Summary: "The latest signed checkpoint of the audit log, with witness cosignatures", Tag: tag,
			Response: CheckpointInfo{}, Handler: l.handleCheckpoint},
		{Method: "POST", Path: "/api/v1/audit/checkpoint", Summary: "Integrate new events and sign a checkpoint now", Tag: tag, Roles: oversight,
			Response: CheckpointInfo{}, Handler: l.handleSign},
		{Method: "GET", Path: "/api/v1/audit/proofs/inclusion", Summary: "Inclusion proof of an event in the tree of a given size", Tag: tag,
			Response: InclusionProof{}, Query: []api.Param{
				{Name: "index", Type: "integer", Required: true, Description: "leaf index of the event"},
				{Name: "size", Type: "integer", Description: "tree size; default the latest checkpoint's"},
			}, Handler: l.handleInclusion},
		{Method: "GET", Path: "/api/v1/audit/proofs/consistency", Summary: "Consistency proof between two tree sizes", Tag: tag,
			Response: ConsistencyProof{}, Query: []api.Param{
				{Name: "from", Type: "integer", Required: true, Description: "the smaller tree size"},
				{Name: "to", Type: "integer", Description: "the larger tree size; default the latest checkpoint's"},
			}, Handler: l.handleConsistency},
		{Method: "GET", Path: "/api/v1/audit/events", Summary: "Search audit events, newest first (the search is itself audited)", Tag: tag,
			Roles: oversight, Personal: true, Response: httpx.Page[Entry]{}, Query: searchParams, Handler: l.handleSearch},
		{Method: "GET", Path: "/api/v1/audit/events/{index}", Summary: "An audit event with its inclusion proof (audited)", Tag: tag,
			Roles: oversight, Personal: true, Response: EventWithProof{}, Handler: l.handleEvent},
		{Method: "GET", Path: "/api/v1/audit/export", Summary: "Export events as JSON lines with the signed checkpoint and inclusion proofs (audited)", Tag: tag,
			Roles: oversight, Personal: true, Query: exportParams, Handler: l.handleExport},
		{Method: "POST", Path: "/api/v1/audit/cosignatures", Summary: "Store partner witnesses' cosignatures of one of this node's checkpoints", Tag: tag,
			Roles: oversight, Request: cosignaturesRequest{}, Response: cosignaturesResult{}, Status: http.StatusCreated, Handler: l.handleCosignatures},
	}
}

var searchParams = []api.Param{
	{Name: "actor", Description: "user id of the acting officer"},
	{Name: "agency", Description: "agency id of the actor"},
	{Name: "kind", Description: "event kind, e.g. consult, disclose, login-failed"},
	{Name: "object", Description: "id of an object the event concerns (record, entity, message, notice, user, …)"},
	{Name: "objectType", Description: "with object: its type"},
	{Name: "case", Description: "case reference"},
	{Name: "from", Description: "RFC 3339 time, inclusive"},
	{Name: "to", Description: "RFC 3339 time, exclusive"},
	{Name: "limit", Type: "integer", Description: "page size (1-500, default 50)"},
	{Name: "cursor", Description: "nextCursor of the previous page"},
}

var exportParams = []api.Param{
	{Name: "from", Description: "RFC 3339 time, inclusive (with to: export a time range)"},
	{Name: "to", Description: "RFC 3339 time, exclusive"},
	{Name: "start", Type: "integer", Description: "first leaf index (without from/to)"},
	{Name: "end", Type: "integer", Description: "one past the last leaf index; default the checkpoint size"},
	{Name: "proofs", Type: "boolean", Description: "include an inclusion proof per event (default true); without proofs only an export from index 0 verifies"},
}

func (l *Log) checkpointInfo(ctx context.Context, cp SignedCheckpoint) (CheckpointInfo, error) {
	cs, err := l.Cosignatures(ctx, cp.Size)
	if err != nil {
		return CheckpointInfo{}, err
	}
	if cs == nil {
		cs = []Cosignature{}
	}
	return CheckpointInfo{Origin: cp.Origin, Size: cp.Size, Root: cp.Root, Note: string(cosignedNote(cp.Note, cs)),
		VerifierKey: l.keys.vkey, CreatedAt: cp.CreatedAt, Cosignatures: cs}, nil
}

// LatestInfo returns the latest signed checkpoint with its witness
// cosignatures, as GET /api/v1/audit/checkpoint shows it.
func (l *Log) LatestInfo(ctx context.Context) (*CheckpointInfo, error) {
	if err := l.Err(); err != nil {
		return nil, errs.E(errs.Internal, fmt.Errorf("%w: %v", ErrBroken, err))
	}
	cp, ok := l.Latest()
	if !ok {
		return nil, errs.E(errs.NotExist, "no checkpoint yet")
	}
	info, err := l.checkpointInfo(ctx, cp)
	if err != nil {
		return nil, err
	}
	return &info, nil
}

func (l *Log) handleCheckpoint(w http.ResponseWriter, r *http.Request) error {
	info, err := l.LatestInfo(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, info)
}

func (l *Log) handleSign(w http.ResponseWriter, r *http.Request) error {
	cp, err := l.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	info, err := l.checkpointInfo(r.Context(), cp)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, info)
}

func (l *Log) handleInclusion(w http.ResponseWriter, r *http.Request) error {
	index, ok, err := uintParam(r, "index")
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.Invalid, "index", "index is required")
	}
	size, _, err := uintParam(r, "size")
	if err != nil {
		return err
	}
	p, err := l.Inclusion(r.Context(), index, size)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, p)
}

func (l *Log) handleConsistency(w http.ResponseWriter, r *http.Request) error {
	from, ok, err := uintParam(r, "from")
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.Invalid, "from", "from is required")
	}
	to, _, err := uintParam(r, "to")
	if err != nil {
		return err
	}
	p, err := l.Consistency(r.Context(), from, to)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, p)
}

func (l *Log) handleSearch(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := Filter{ActorID: q.Get("actor"), Agency: q.Get("agency"), Kind: Kind(q.Get("kind")),
		ObjectID: q.Get("object"), ObjectType: q.Get("objectType"), CaseRef: q.Get("case")}
	var err error
	if f.From, err = timeParam(r, "from"); err != nil {
		return err
	}
	if f.To, err = timeParam(r, "to"); err != nil {
		return err
	}
	limit, err := httpx.Limit(r)
	if err != nil {
		return err
	}
	var before uint64
	if _, err := httpx.DecodeCursor(r, &before); err != nil {
		return err
	}
	entries, err := l.ConsultSearch(r.Context(), f, before, limit+1)
	if err != nil {
		return err
	}
	page := httpx.Page[Entry]{Items: entries}
	if len(entries) > limit {
		page.Items = entries[:limit]
		page.NextCursor = httpx.EncodeCursor(entries[limit-1].Index)
	}
	if page.Items == nil {
		page.Items = []Entry{}
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (l *Log) handleEvent(w http.ResponseWriter, r *http.Request) error {
	index, err := strconv.ParseUint(r.PathValue("index"), 10, 63)
	if err != nil {
		return errs.E(errs.Invalid, "index", "must be a leaf index")
	}
	e, err := l.Entry(r.Context(), index)
	if err != nil {
		return err
	}
	out := EventWithProof{Entry: e}
	if cp, ok := l.Latest(); ok && index < cp.Size && l.Err() == nil {
		p, err := l.Inclusion(r.Context(), index, cp.Size)
		if err != nil {
			return err
		}
		out.Proof, out.Checkpoint = &p, string(cp.Note)
	}
	if err := l.recordConsult(r.Context(), "event", Ref{Type: "audit-event", ID: strconv.FormatUint(index, 10)}); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, out)
}

func (l *Log) handleExport(w http.ResponseWriter, r *http.Request) error {
	var rg ExportRange
	var err error
	if rg.From, err = timeParam(r, "from"); err != nil {
		return err
	}
	if rg.To, err = timeParam(r, "to"); err != nil {
		return err
	}
	if rg.Start, _, err = uintParam(r, "start"); err != nil {
		return err
	}
	if rg.End, _, err = uintParam(r, "end"); err != nil {
		return err
	}
	rg.Proofs = true
	if p := r.URL.Query().Get("proofs"); p != "" {
		if rg.Proofs, err = strconv.ParseBool(p); err != nil {
			return errs.E(errs.Invalid, "proofs", "must be true or false")
		}
	}
	h, err := l.ConsultExport(r.Context(), rg)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/jsonl")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := l.WriteExport(r.Context(), w, h); err != nil {
		// The status is sent; the verifier of the export sees it end early.
		l.logger.Error("audit export ended early", slog.String("request_id", httpx.RequestID(r.Context())), slog.String("error", err.Error()))
	}
	return nil
}

func (l *Log) handleCosignatures(w http.ResponseWriter, r *http.Request) error {
	var req cosignaturesRequest
	if err := httpx.DecodeJSON(w, r, 2*MaxNoteSize, &req); err != nil {
		return err
	}
	cs, err := l.AddCosignatures(r.Context(), []byte(req.Checkpoint))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, cosignaturesResult{Stored: cs})
}

// recordConsult records that the caller consulted the audit log. It must
// commit before anything read from the log leaves the node: a read whose
// event cannot be written fails.
// ConsultSearch searches the log for an oversight officer (the caller
// checks the officer's role and justification) and records that
// consultation of the log before returning what it found.
func (l *Log) ConsultSearch(ctx context.Context, f Filter, before uint64, limit int) ([]Entry, error) {
	entries, err := l.Search(ctx, f, before, limit)
	if err != nil {
		return nil, err
	}
	if err := l.recordConsult(ctx, "search", f.refs()...); err != nil {
		return nil, err
	}
	return entries, nil
}

// ConsultExport prepares an export for an oversight officer and records that
// consultation of the log; the caller then streams it with WriteExport.
func (l *Log) ConsultExport(ctx context.Context, rg ExportRange) (ExportHeader, error) {
	h, err := l.PrepareExport(ctx, rg)
	if err != nil {
		return ExportHeader{}, err
	}
	refs := []Ref{{Type: "filter:start", ID: strconv.FormatUint(h.Start, 10)}, {Type: "filter:end", ID: strconv.FormatUint(h.End, 10)}}
	if err := l.recordConsult(ctx, "export", refs...); err != nil {
		return ExportHeader{}, err
	}
	return h, nil
}

func (l *Log) recordConsult(ctx context.Context, reason string, refs ...Ref) error {
	e := New(ctx, Consult, append([]Ref{{Type: "audit-log", ID: l.keys.origin}}, refs...)...)
	e.Reason = "audit " + reason
	return l.Record(ctx, e)
}

func uintParam(r *http.Request, name string) (uint64, bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return 0, false, errs.E(errs.Invalid, name, "must be a non-negative integer")
	}
	return v, true, nil
}

func timeParam(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errs.E(errs.Invalid, name, "must be an RFC 3339 time, e.g. 2025-01-31T00:00:00Z")
	}
	return t.UTC(), nil
}
