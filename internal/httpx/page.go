package httpx

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/liaison-project/liaison/internal/errs"
)

// Page is the JSON shape of every list response: the items and, when more
// exist, an opaque cursor to pass back as ?cursor= for the next page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// Paging limits.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Limit parses ?limit=, defaulting to DefaultLimit and capping at MaxLimit.
func Limit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, errs.Invalidf("limit", "must be an integer from 1 to %d", MaxLimit)
	}
	return n, nil
}

// EncodeCursor makes an opaque cursor from a position value (typically the
// sort key of the last item returned).
func EncodeCursor(pos any) string {
	b, err := json.Marshal(pos)
	if err != nil {
		panic("httpx: cursor position not JSON-encodable: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads ?cursor= into pos. It reports false when there is none.
func DecodeCursor(r *http.Request, pos any) (bool, error) {
	s := r.URL.Query().Get("cursor")
	if s == "" {
		return false, nil
	}
	if len(s) > 1024 {
		return false, errs.Invalidf("cursor", "too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, pos) != nil {
		return false, errs.Invalidf("cursor", "malformed cursor")
	}
	return true, nil
}
