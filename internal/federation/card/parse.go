package card

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/liaison-project/liaison/internal/errs"
)

// jsonKeys lists, for every JSON object a card contains (by path), the keys
// it may have, spelled exactly.
var jsonKeys = map[string][]string{
	"": {"version", "agency", "name", "country", "urls", "signingKey", "hpke", "tlsPin",
		"auditOrigin", "notBefore", "notAfter", "supersedes", "exercise", "signatures"},
	"hpke":       {"kem", "key"},
	"signatures": {"self", "previous"},
}

// maxJSONDepth bounds nesting; a card is two levels deep.
const maxJSONDepth = 3

// Parse decodes a card from JSON and validates every field. It is strict:
// unknown or duplicate keys, keys in the wrong case, trailing data and
// invalid fields are rejected with errs.Invalid, input above MaxSize with
// errs.TooLarge. Parse does not check signatures or validity times: call
// Card.Verify.
func Parse(data []byte) (*Card, error) {
	if len(data) > MaxSize {
		return nil, errs.E(errs.TooLarge, "card", fmt.Sprintf("card is larger than %d bytes", MaxSize))
	}
	if err := checkKeys(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Card
	if err := dec.Decode(&c); err != nil {
		return nil, errs.E(errs.Invalid, "card", "card is not valid card JSON", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errs.E(errs.Invalid, "card", "trailing data after the card")
	}
	c.NotBefore, c.NotAfter = c.NotBefore.UTC(), c.NotAfter.UTC()
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// checkKeys walks the JSON tokens and rejects keys that encoding/json would
// otherwise accept loosely: duplicates (the last would silently win) and
// case variants of known keys (encoding/json matches names
// case-insensitively). Unknown keys are rejected here too, with their path.
func checkKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return errs.E(errs.Invalid, "card", "card is not valid JSON", err)
	}
	if tok != json.Delim('{') {
		return errs.E(errs.Invalid, "card", "card must be a JSON object")
	}
	return walkObject(dec, "", 1)
}

// walkObject consumes the rest of an object whose '{' has been read.
func walkObject(dec *json.Decoder, path string, depth int) error {
	allowed, known := jsonKeys[path]
	if !known {
		return errs.E(errs.Invalid, "card."+path, "unexpected JSON object")
	}
	seen := make(map[string]bool, len(allowed))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return errs.E(errs.Invalid, "card", "card is not valid JSON", err)
		}
		key := tok.(string) // object keys are always strings
		field := key
		if path != "" {
			field = path + "." + key
		}
		if !slices.Contains(allowed, key) {
			return errs.E(errs.Invalid, "card."+field, "unknown field")
		}
		if seen[key] {
			return errs.E(errs.Invalid, "card."+field, "duplicate field")
		}
		seen[key] = true
		if err := walkValue(dec, field, depth); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	if err != nil {
		return errs.E(errs.Invalid, "card", "card is not valid JSON", err)
	}
	return nil
}

// walkValue consumes one value, descending into objects and arrays.
func walkValue(dec *json.Decoder, path string, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return errs.E(errs.Invalid, "card", "card is not valid JSON", err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth >= maxJSONDepth {
		return errs.E(errs.Invalid, "card."+path, "nested too deeply")
	}
	if d == '{' {
		return walkObject(dec, path, depth+1)
	}
	// An array: the typed decoder checks element types; objects inside
	// arrays have no allowed keys, so walkValue rejects them.
	for dec.More() {
		if err := walkValue(dec, path+"[]", depth+1); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		return errs.E(errs.Invalid, "card", "card is not valid JSON", err)
	}
	return nil
}
