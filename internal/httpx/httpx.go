// Package httpx holds the HTTP conventions every Liaison handler follows:
// handlers return an error and one adapter turns it into an RFC 9457
// problem+json response; JSON bodies are decoded strictly and within limits;
// list endpoints page with opaque cursors; and a small set of middleware
// (request ids, access log, recovery, security headers).
//
// The client only ever sees errs.PublicMessage of an error; the full error is
// logged with the request id so that operators can find it.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/liaison-project/liaison/internal/errs"
)

// HandlerFunc is an HTTP handler that reports failure by returning an error.
// It must not have written a response when it returns a non-nil error.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Instance  string `json:"instance,omitempty"`
	Field     string `json:"field,omitempty"`     // the offending input, when there is one
	Kind      string `json:"kind,omitempty"`      // errs.Kind name, stable across versions
	RequestID string `json:"requestId,omitempty"` // to quote to an operator
}

// ProblemType is the base URI of Liaison's problem types.
const ProblemType = "https://liaison.dev/problems/"

// StatusOf maps an error kind to an HTTP status.
func StatusOf(k errs.Kind) int {
	switch k {
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Permission:
		return http.StatusForbidden
	case errs.NotExist, errs.Withheld:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Transient:
		return http.StatusServiceUnavailable
	case errs.Precondition:
		return http.StatusPreconditionRequired
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.RateLimited:
		return http.StatusTooManyRequests
	case errs.Unsupported:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

// ProblemFor builds the problem for err.
func ProblemFor(r *http.Request, err error) Problem {
	k := errs.KindOf(err)
	if k == errs.Other {
		k = errs.Internal
	}
	if k == errs.Withheld { // never confirm existence
		k = errs.NotExist
	}
	status := StatusOf(k)
	p := Problem{
		Type:      ProblemType + k.String(),
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    errs.PublicMessage(err),
		Field:     errs.FieldOf(err),
		Kind:      k.String(),
		RequestID: RequestID(r.Context()),
	}
	if k == errs.Internal {
		p.Field = ""
	}
	return p
}

// WriteError writes err as problem+json, logging server-side failures.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	p := ProblemFor(r, err)
	if p.Status >= 500 {
		log.ErrorContext(r.Context(), "request failed",
			slog.String("request_id", p.RequestID),
			slog.String("route", r.Pattern),
			slog.String("error", err.Error()))
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="liaison"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// Handle adapts h to http.Handler, writing a returned error as problem+json.
func Handle(log *slog.Logger, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			WriteError(w, r, log, err)
		}
	})
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

type requestIDKey struct{}

// RequestID returns the request id stored in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithRequestID returns ctx carrying id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// NewRequestID returns a random request id.
func NewRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
