// Package api mounts the officer REST API: every capability describes its
// routes as [Route] values, and this package wraps each one with the same
// chain — authentication, role check, justification for personal data,
// Idempotency-Key handling — serves them under /api/v1 and generates the
// OpenAPI 3.1 document from the very same list, so the document cannot
// drift from the routes.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// Prefix is the path prefix of the officer API.
const Prefix = "/api/v1"

// Route is one API operation.
type Route struct {
	Method  string // GET, POST, PUT, PATCH, DELETE
	Path    string // net/http pattern path under Prefix, e.g. "/api/v1/records/{id}"
	Summary string // one line for the OpenAPI document
	Tag     string // capability, e.g. "records"
	Public  bool   // no authentication (login, health)

	// Roles that may call the route; empty means any authenticated officer.
	Roles []access.Role

	// Personal marks a route that reads, discloses or changes personal
	// data: it needs a justification (header Liaison-Justification or
	// Liaison-Case, or a body field the handler reads) and must write an
	// audit event. JustificationInBody lets the handler take it from the
	// body instead of failing early.
	Personal            bool
	JustificationInBody bool

	Request  any     // zero value of the JSON request body, or nil
	Response any     // zero value of the JSON success body, or nil for no body
	Status   int     // success status; default 200
	Query    []Param // query parameters, for the document

	Handler httpx.HandlerFunc
}

// Param is a documented query parameter.
type Param struct {
	Name        string
	Description string
	Required    bool
	Type        string // "string" (default), "integer", "boolean"
}

// Authenticator identifies the caller of a request.
type Authenticator interface {
	// Authenticate returns the principal behind the request's credentials
	// (bearer token, or session cookie plus CSRF token on unsafe methods).
	// It returns an errs.Unauthorized error when there are none or they are
	// not valid.
	Authenticate(r *http.Request) (access.Principal, error)
}

// Config configures an API handler.
type Config struct {
	Log         *slog.Logger
	Auth        Authenticator
	Idempotency *Idempotency // nil disables Idempotency-Key support
	MaxBody     int64        // request body limit; default httpx.DefaultMaxBody
	Info        Info         // for the OpenAPI document
}

// Info describes the API in the OpenAPI document.
type Info struct {
	Title   string
	Version string
}

// Handler builds the http.Handler for routes plus GET /api/v1/openapi.json.
func Handler(cfg Config, routes []Route) (http.Handler, error) {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = httpx.DefaultMaxBody
	}
	doc, err := OpenAPI(cfg.Info, routes)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.Method+" "+rt.Path, wrap(cfg, rt))
	}
	mux.Handle("GET "+Prefix+"/openapi.json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	}))
	mux.Handle(Prefix+"/", httpx.Handle(cfg.Log, func(w http.ResponseWriter, r *http.Request) error {
		return errs.E(errs.NotExist, "no such API route")
	}))
	return mux, nil
}

func wrap(cfg Config, rt Route) http.Handler {
	h := rt.Handler
	if rt.Method == http.MethodPost && cfg.Idempotency != nil {
		h = cfg.Idempotency.wrap(h)
	}
	return httpx.Handle(cfg.Log, func(w http.ResponseWriter, r *http.Request) error {
		if r.ContentLength > cfg.MaxBody {
			return errs.E(errs.TooLarge, "request body too large")
		}
		r.Body = http.MaxBytesReader(w, r.Body, cfg.MaxBody)
		if !rt.Public {
			p, err := cfg.Auth.Authenticate(r)
			if err != nil {
				return err
			}
			if len(rt.Roles) > 0 && !slices.Contains(rt.Roles, p.Role) {
				return errs.E(errs.Permission, "your role "+string(p.Role)+" may not do this")
			}
			r = r.WithContext(access.With(r.Context(), p))
		}
		if rt.Personal {
			j := justificationFromHeaders(r)
			if j.Empty() && !rt.JustificationInBody {
				return errs.E(errs.Precondition, "Liaison-Justification",
					"a justification or case reference is required to process personal data: send the Liaison-Justification or Liaison-Case header")
			}
			if len(j.Text) > 1000 || len(j.CaseRef) > 100 {
				return errs.E(errs.Invalid, "Liaison-Justification", "justification longer than 1000 characters or case reference longer than 100")
			}
			r = r.WithContext(access.WithJustification(r.Context(), j))
		}
		return h(w, r)
	})
}

func justificationFromHeaders(r *http.Request) access.Justification {
	return access.Justification{
		Text:    strings.TrimSpace(r.Header.Get("Liaison-Justification")),
		CaseRef: strings.TrimSpace(r.Header.Get("Liaison-Case")),
	}
}

// RequireJustification returns the request's justification, taking bodyValue
// (a justification field of the request body) when no header carried one. It
// fails with errs.Precondition when there is none: a handler of a
// JustificationInBody route calls it before touching personal data.
func RequireJustification(ctx context.Context, bodyText, bodyCase string) (access.Justification, error) {
	j := access.JustificationFrom(ctx)
	if j.Text == "" {
		j.Text = strings.TrimSpace(bodyText)
	}
	if j.CaseRef == "" {
		j.CaseRef = strings.TrimSpace(bodyCase)
	}
	if j.Empty() {
		return j, errs.E(errs.Precondition, "justification",
			"a justification or case reference is required to process personal data")
	}
	if len(j.Text) > 1000 || len(j.CaseRef) > 100 {
		return j, errs.E(errs.Invalid, "justification", "justification longer than 1000 characters or case reference longer than 100")
	}
	return j, nil
}

// Principal returns the authenticated caller of a request. Handlers behind a
// non-public route can rely on it.
func Principal(r *http.Request) access.Principal {
	p, _ := access.From(r.Context())
	return p
}
