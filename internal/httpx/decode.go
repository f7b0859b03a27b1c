package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
)

// DefaultMaxBody is the default request body limit (10 MiB).
const DefaultMaxBody = 10 << 20

// DecodeJSON reads exactly one JSON value from r's body into v. Unknown
// fields, trailing data, a wrong content type and bodies over max bytes are
// rejected with errors naming the field where there is one.
func DecodeJSON(w http.ResponseWriter, r *http.Request, max int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errs.E(errs.Unsupported, "body must be application/json")
		}
	}
	if max <= 0 {
		max = DefaultMaxBody
	}
	body := http.MaxBytesReader(w, r.Body, max)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, max)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return jsonError(err, max)
		}
		return errs.E(errs.Invalid, "body must hold a single JSON value")
	}
	return nil
}

// jsonError turns a decoding error into a client-facing Invalid error.
func jsonError(err error, max int64) error {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		invalid *errs.Error
	)
	switch {
	case errors.As(err, &tooBig):
		return errs.E(errs.TooLarge, fmt.Sprintf("body exceeds %d bytes", max))
	case errors.As(err, &invalid):
		return err // a field's own UnmarshalJSON validated and classified it
	case errors.As(err, &syntax):
		return errs.E(errs.Invalid, fmt.Sprintf("malformed JSON at byte %d", syntax.Offset))
	case errors.As(err, &typ):
		return errs.E(errs.Invalid, typ.Field, fmt.Sprintf("must be %s, not %s", typ.Type, typ.Value))
	case errors.Is(err, io.EOF):
		return errs.E(errs.Invalid, "body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.E(errs.Invalid, "malformed JSON: unexpected end")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.E(errs.Invalid, field, "unknown field")
	}
	return errs.E(errs.Invalid, "malformed JSON")
}
