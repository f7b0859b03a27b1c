// Package errs is Liaison's error vocabulary: a small set of stable Kinds
// that every capability uses, that the HTTP layer maps to status codes, and
// that can cross the federation boundary as a string.
//
// Wrap an underlying error with [E]:
//
//	return errs.E(errs.Invalid, "record.title", "title is required")
//
// and test for a kind with [Is]:
//
//	if errs.Is(err, errs.NotExist) { … }
//
// Messages of an *Error are shown to API clients, so they must never carry
// secrets or personal data; the wrapped Err is logged, never returned.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error. Kinds are part of the wire format between nodes:
// add new ones only at the end and never renumber.
type Kind uint8

const (
	Other        Kind = iota // unclassified; treated as Internal at the edge
	Invalid                  // the request is malformed or violates a rule: fix the input (400)
	Unauthorized             // no or bad credentials (401)
	Permission               // authenticated but not allowed (403)
	NotExist                 // no such object (404)
	Conflict                 // state conflict, e.g. duplicate or wrong version (409)
	Transient                // temporary failure: retry later (503)
	Internal                 // a bug or an unexpected failure (500)
	Withheld                 // exists, but policy forbids saying more (404 to the caller)
	Precondition             // a required precondition is missing, e.g. a justification (428)
	TooLarge                 // the input is larger than allowed (413)
	RateLimited              // a budget or throttle is exceeded (429)
	Unsupported              // the media type or operation is not supported (415)
)

var kindNames = [...]string{
	Other:        "other",
	Invalid:      "invalid",
	Unauthorized: "unauthorized",
	Permission:   "permission",
	NotExist:     "not-exist",
	Conflict:     "conflict",
	Transient:    "transient",
	Internal:     "internal",
	Withheld:     "withheld",
	Precondition: "precondition",
	TooLarge:     "too-large",
	RateLimited:  "rate-limited",
	Unsupported:  "unsupported",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// ParseKind is the inverse of Kind.String; unknown names give Other.
func ParseKind(s string) Kind {
	for k, name := range kindNames {
		if name == s {
			return Kind(k)
		}
	}
	return Other
}

// MarshalText implements encoding.TextMarshaler so kinds travel as names.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error { *k = ParseKind(string(b)); return nil }

// Error is a classified error. Field names the offending input (a JSON path
// such as "entities[2].properties.birthDate") when there is one.
type Error struct {
	Kind    Kind
	Field   string
	Message string // safe to show to the client
	Err     error  // underlying cause; logged, never shown
}

func (e *Error) Error() string {
	var s string
	if e.Field != "" {
		s = e.Field + ": "
	}
	s += e.Message
	if e.Err != nil {
		if s != "" {
			s += ": "
		}
		s += e.Err.Error()
	}
	if s == "" {
		s = e.Kind.String()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an *Error. Arguments are interpreted by type: a Kind sets the
// kind, an error sets the cause, the first string is the field when a second
// string follows (the message), otherwise it is the message.
func E(args ...any) error {
	e := &Error{}
	var strs []string
	for _, a := range args {
		switch v := a.(type) {
		case Kind:
			e.Kind = v
		case error:
			e.Err = v
		case string:
			strs = append(strs, v)
		default:
			panic(fmt.Sprintf("errs.E: bad argument type %T", a))
		}
	}
	switch len(strs) {
	case 0:
	case 1:
		e.Message = strs[0]
	default:
		e.Field, e.Message = strs[0], strs[1]
	}
	if e.Kind == Other {
		var inner *Error
		if errors.As(e.Err, &inner) {
			e.Kind = inner.Kind
			if e.Field == "" {
				e.Field = inner.Field
			}
		}
	}
	return e
}

// Invalidf is shorthand for an Invalid error on a field.
func Invalidf(field, format string, args ...any) error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// KindOf reports the kind of the outermost *Error in err's chain, or Other.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Other
}

// Is reports whether err's kind is k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// FieldOf returns the field named by the outermost *Error in err's chain.
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// PublicMessage returns the text that may be shown to a client: the message of
// the outermost *Error, or a generic text for unclassified errors.
func PublicMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != Other && e.Kind != Internal {
		if e.Message != "" {
			return e.Message
		}
		if e.Err != nil {
			return PublicMessage(e.Err)
		}
		return e.Kind.String()
	}
	return "internal error"
}
