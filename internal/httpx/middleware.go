package httpx

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
)

// StatusRecorder remembers the status a handler wrote.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
	Bytes  int64
}

func (s *StatusRecorder) WriteHeader(code int) {
	if s.Status == 0 {
		s.Status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *StatusRecorder) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.Bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *StatusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Common wraps h with a request id, panic recovery, security headers and an
// access log line per request. The log carries the route pattern, never the
// path or query, which can hold identifiers (personal data).
func Common(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := NewRequestID()
		r = r.WithContext(WithRequestID(r.Context(), id))
		hdr := w.Header()
		hdr.Set("X-Request-Id", id)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("X-Frame-Options", "DENY")
		if r.TLS != nil {
			hdr.Set("Strict-Transport-Security", "max-age=63072000")
		}
		rec := &StatusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic serving request",
					slog.String("request_id", id), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
				if rec.Status == 0 {
					WriteError(rec, r, log, errs.E(errs.Internal, "internal error"))
				}
			}
			log.InfoContext(r.Context(), "http",
				slog.String("request_id", id),
				slog.String("method", r.Method),
				slog.String("route", r.Pattern),
				slog.Int("status", rec.Status),
				slog.Int64("bytes", rec.Bytes),
				slog.Duration("duration", time.Since(start)))
		}()
		h.ServeHTTP(rec, r)
	})
}
