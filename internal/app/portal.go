package app

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/web"
)

// portal builds the officer portal served on the API address. Each
// capability the node runs is handed to it; the portal hides the views of
// the others: sharing a record with a partner (web.RecordSharing) and
// hit/no-hit matching (web.Matching) have no service yet. It panics only
// on a programming error (a template that does not parse, a missing
// asset), which every test of a serving node catches.
func (n *Node) portal() http.Handler {
	// The state cookie key is derived from the node's signing key, so that
	// portal sessions survive a restart.
	key, err := hkdf.Key(sha256.New, n.id.SigningKey.Seed(), nil, "liaison portal state cookie v1", 32)
	if err != nil {
		panic(fmt.Sprintf("portal state key: %v", err))
	}
	s := n.svc
	h, err := web.New(web.Config{
		Node:     web.NodeInfo{Agency: n.cfg.Agency.ID, Country: n.cfg.Agency.Country, Name: n.cfg.Agency.Name},
		Log:      n.log,
		StateKey: key,
		Sessions: s.auth,
		Accounts: portalAccounts{Service: s.auth},
		Audit:    portalAudit{log: s.audit, node: n},
		Messages: portalMessages{s.federation},
		Partners: s.federation,
		Records:  s.records,
		Notices:  s.notices,
		Alerts:   s.notices,
		Border:   s.notices,
	})
	if err != nil {
		panic(fmt.Sprintf("officer portal: %v", err))
	}
	return h
}

// portalMessages lists threads from the newest, the only page the portal
// shows (federation's cursor type is its own).
type portalMessages struct{ *federation.Service }

func (m portalMessages) ListThreads(ctx context.Context, limit int) ([]federation.Thread, error) {
	return m.Service.ListThreads(ctx, nil, limit)
}

// portalAccounts adds the listings the portal needs to *auth.Service,
// which offers them only as API routes: they run in process as the
// officer, through the routes' own handlers.
type portalAccounts struct{ *auth.Service }

func (a portalAccounts) ListUsers(ctx context.Context) ([]*auth.User, error) {
	var page httpx.Page[*auth.User]
	err := callRoute(ctx, a.Routes(), "GET", "/api/v1/users", url.Values{"limit": {"500"}}, &page)
	return page.Items, err
}

func (a portalAccounts) ListTokens(ctx context.Context) ([]*auth.Token, error) {
	var page httpx.Page[*auth.Token]
	err := callRoute(ctx, a.Routes(), "GET", "/api/v1/tokens", url.Values{"limit": {"500"}}, &page)
	return page.Items, err
}

// portalAudit gives the portal the audit log's search and export through
// their API routes, which record the consultation of the log before they
// answer, and verification as `liaison audit verify` does it.
type portalAudit struct {
	log  *audit.Log
	node *Node
}

func (a portalAudit) Search(ctx context.Context, f audit.Filter, before uint64, limit int) ([]audit.Entry, error) {
	q := url.Values{"limit": {strconv.Itoa(min(limit, httpx.MaxLimit))}}
	for k, v := range map[string]string{"actor": f.ActorID, "agency": f.Agency, "kind": string(f.Kind), "object": f.ObjectID,
		"objectType": f.ObjectType, "case": f.CaseRef} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !f.From.IsZero() {
		q.Set("from", f.From.UTC().Format(time.RFC3339Nano))
	}
	if !f.To.IsZero() {
		q.Set("to", f.To.UTC().Format(time.RFC3339Nano))
	}
	if before > 0 {
		q.Set("cursor", httpx.EncodeCursor(before))
	}
	var page httpx.Page[audit.Entry]
	err := callRoute(ctx, a.log.Routes(), "GET", "/api/v1/audit/events", q, &page)
	return page.Items, err
}

func (a portalAudit) Export(ctx context.Context, w http.ResponseWriter, rg audit.ExportRange) error {
	q := url.Values{"proofs": {strconv.FormatBool(rg.Proofs)}}
	if !rg.From.IsZero() {
		q.Set("from", rg.From.UTC().Format(time.RFC3339Nano))
	}
	if !rg.To.IsZero() {
		q.Set("to", rg.To.UTC().Format(time.RFC3339Nano))
	}
	rt, req, err := routeRequest(ctx, a.log.Routes(), "GET", "/api/v1/audit/export", q)
	if err != nil {
		return err
	}
	return rt.Handler(w, req)
}

func (a portalAudit) Verify(ctx context.Context) (*audit.Report, error) {
	return audit.Verify(ctx, a.node.db, a.log.Keys(), nil)
}

func (a portalAudit) Checkpoint(ctx context.Context) (*audit.CheckpointInfo, error) {
	var info audit.CheckpointInfo
	if err := callRoute(ctx, a.log.Routes(), "GET", "/api/v1/audit/checkpoint", nil, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// routeRequest finds an API route and builds its request as the principal
// in ctx, applying the checks the API's own wrapper applies before a
// handler runs: the route's roles and, for personal data, a justification.
func routeRequest(ctx context.Context, routes []api.Route, method, path string, q url.Values) (api.Route, *http.Request, error) {
	i := slices.IndexFunc(routes, func(rt api.Route) bool { return rt.Method == method && rt.Path == path })
	if i < 0 {
		return api.Route{}, nil, fmt.Errorf("no API route %s %s", method, path)
	}
	rt := routes[i]
	p, ok := access.From(ctx)
	if !ok {
		return rt, nil, errs.E(errs.Unauthorized, "authentication required")
	}
	if len(rt.Roles) > 0 && !slices.Contains(rt.Roles, p.Role) {
		return rt, nil, errs.E(errs.Permission, "your role "+string(p.Role)+" may not do this")
	}
	if rt.Personal && access.JustificationFrom(ctx).Empty() {
		return rt, nil, errs.E(errs.Precondition, "justification", "a justification or case reference is required to process personal data")
	}
	target := path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	return rt, req, err
}

// callRoute runs a GET route in process and decodes its JSON answer.
func callRoute(ctx context.Context, routes []api.Route, method, path string, q url.Values, out any) error {
	rt, req, err := routeRequest(ctx, routes, method, path, q)
	if err != nil {
		return err
	}
	rec := &bufferedResponse{header: http.Header{}}
	if err := rt.Handler(rec, req); err != nil {
		return err
	}
	if rec.status >= 300 {
		return fmt.Errorf("%s %s answered %d", method, path, rec.status)
	}
	return json.Unmarshal(rec.body.Bytes(), out)
}

// bufferedResponse collects a handler's answer in memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
