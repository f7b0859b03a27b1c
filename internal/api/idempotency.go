package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// Schema holds the API's own tables.
var Schema = db.Schema{Component: "api", Steps: []db.Migration{
	{SQL: `CREATE TABLE idempotency_keys (
		key_hash {{BLOB}} PRIMARY KEY,
		request_hash {{BLOB}} NOT NULL,
		status INTEGER NOT NULL DEFAULT 0,
		content_type TEXT NOT NULL DEFAULT '',
		body {{BLOB}},
		created_at BIGINT NOT NULL)`},
	{SQL: `CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)`},
}}

// Idempotency makes POST requests that carry an Idempotency-Key header safe
// to retry. The key is recorded inside the request's first database write,
// so it commits exactly when the request's effect commits; the response is
// stored afterwards and replayed to retries. A retry whose original
// committed but whose response was lost (a crash in between) gets 409 rather
// than a second execution.
type Idempotency struct {
	DB  *db.DB
	Log *slog.Logger
	TTL time.Duration // how long keys are kept; default 24 h

	inflight sync.Map // key hash → struct{}: same key in progress on this node
}

const (
	maxKeyLen         = 255
	maxStoredResponse = 1 << 20
	defaultKeyTTL     = 24 * time.Hour
)

func (id *Idempotency) wrap(next httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			return next(w, r)
		}
		if len(key) > maxKeyLen {
			return errs.E(errs.Invalid, "Idempotency-Key", fmt.Sprintf("longer than %d characters", maxKeyLen))
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return errs.E(errs.TooLarge, "request body too large")
			}
			return errs.E(errs.Invalid, "read body", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		p, _ := access.From(r.Context())
		keyHash := hashParts("key", p.UserID, p.Agency, key)
		reqHash := hashParts("req", r.Method, r.URL.Path, r.URL.RawQuery, string(body))

		if _, busy := id.inflight.LoadOrStore(string(keyHash), struct{}{}); busy {
			return errs.E(errs.Conflict, "Idempotency-Key", "a request with this key is still in progress")
		}
		defer id.inflight.Delete(string(keyHash))

		if done, err := id.replay(w, r, keyHash, reqHash); done || err != nil {
			return err
		}
		ctx, hook := db.WithFirstWriteHook(r.Context(), func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.ExecContext(ctx,
				`INSERT INTO idempotency_keys (key_hash, request_hash, created_at) VALUES (?, ?, ?)`,
				keyHash, reqHash, time.Now().UnixMicro())
			if db.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "Idempotency-Key", "this key was already used")
			}
			return err
		})
		rec := &captureWriter{ResponseWriter: w}
		herr := next(rec, r.WithContext(ctx))
		if herr != nil && hook.Committed() {
			// The effect committed but the handler failed afterwards: write
			// the error response through the recorder so it is stored too.
			httpx.WriteError(rec, r, id.Log, herr)
			herr = nil
		}
		if hook.Committed() {
			id.store(r.Context(), keyHash, rec)
		}
		return herr
	}
}

// replay answers from a stored response. It reports whether it answered.
func (id *Idempotency) replay(w http.ResponseWriter, r *http.Request, keyHash, reqHash []byte) (bool, error) {
	var (
		storedReq []byte
		status    int
		ctype     string
		body      []byte
	)
	err := id.DB.QueryRowContext(r.Context(),
		`SELECT request_hash, status, content_type, body FROM idempotency_keys WHERE key_hash = ?`, keyHash).
		Scan(&storedReq, &status, &ctype, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up idempotency key: %w", err)
	}
	if !bytes.Equal(storedReq, reqHash) {
		return false, errs.E(errs.Conflict, "Idempotency-Key", "this key was used for a different request")
	}
	if status == 0 {
		return false, errs.E(errs.Conflict, "Idempotency-Key",
			"the request with this key was already applied, but its response was lost; fetch the resource instead of retrying")
	}
	if ctype != "" {
		w.Header().Set("Content-Type", ctype)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(status)
	w.Write(body)
	return true, nil
}

func (id *Idempotency) store(ctx context.Context, keyHash []byte, rec *captureWriter) {
	body := rec.buf.Bytes()
	if rec.overflow {
		body = nil
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	err := id.DB.Write(context.WithoutCancel(ctx), func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx,
			`UPDATE idempotency_keys SET status = ?, content_type = ?, body = ? WHERE key_hash = ?`,
			status, rec.Header().Get("Content-Type"), body, keyHash)
		return err
	})
	if err != nil {
		id.Log.WarnContext(ctx, "store idempotent response", slog.String("error", err.Error()))
	}
}

// Prune deletes keys older than the TTL. The node calls it periodically.
func (id *Idempotency) Prune(ctx context.Context, now time.Time) error {
	ttl := id.TTL
	if ttl <= 0 {
		ttl = defaultKeyTTL
	}
	return id.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, now.Add(-ttl).UnixMicro())
		return err
	})
}

func hashParts(parts ...string) []byte {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return h.Sum(nil)
}

// captureWriter passes a response through and keeps a bounded copy.
type captureWriter struct {
	http.ResponseWriter
	status   int
	buf      bytes.Buffer
	overflow bool
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if !c.overflow {
		if c.buf.Len()+len(b) > maxStoredResponse {
			c.overflow = true
			c.buf.Reset()
		} else {
			c.buf.Write(b)
		}
	}
	return c.ResponseWriter.Write(b)
}

func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
