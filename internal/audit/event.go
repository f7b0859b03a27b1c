package audit

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// Kind is what an event records.
type Kind string

// Art. 25 processing operations.
const (
	Collect  Kind = "collect"
	Alter    Kind = "alter"
	Consult  Kind = "consult"
	Disclose Kind = "disclose"
	Combine  Kind = "combine"
	Erase    Kind = "erase"
)

// Security and administration events.
const (
	Login          Kind = "login"
	LoginFailed    Kind = "login-failed"
	TokenCreated   Kind = "token-created"
	TokenRevoked   Kind = "token-revoked"
	UserChanged    Kind = "user-changed"
	ConfigChanged  Kind = "config-changed"
	PartnerChanged Kind = "partner-changed"
)

// Kinds lists every kind Append accepts, in a stable order. The decoder
// accepts any well-formed kind, so that an older binary can still verify a
// log written by a newer one.
var Kinds = []Kind{Collect, Alter, Consult, Disclose, Combine, Erase,
	Login, LoginFailed, TokenCreated, TokenRevoked, UserChanged, ConfigChanged, PartnerChanged}

// Outcome of the recorded action.
type Outcome string

const (
	OK     Outcome = "ok"
	Denied Outcome = "denied"
	Failed Outcome = "failed"
)

// Ref names an object an event concerns: Type is "record", "entity",
// "message", "notice", "user", "token", "partner", …
type Ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Event is one audit log entry. It holds ids and hashes of personal data,
// never the data itself: a value such as a searched phone number goes in
// Hashes as [Log.HashPersonal] of it.
type Event struct {
	Time          time.Time   `json:"time"` // set by Append: UTC, microseconds
	Kind          Kind        `json:"kind"`
	ActorID       string      `json:"actorId,omitempty"`
	ActorName     string      `json:"actorName,omitempty"`
	Agency        string      `json:"agency,omitempty"`
	Role          access.Role `json:"role,omitempty"`
	TokenID       string      `json:"tokenId,omitempty"`  // API token used, if any
	Partner       bool        `json:"partner,omitempty"`  // the actor is a partner node
	Exercise      bool        `json:"exercise,omitempty"` // inside a training exercise
	Objects       []Ref       `json:"objects,omitempty"`
	Justification string      `json:"justification,omitempty"`
	CaseRef       string      `json:"caseRef,omitempty"`
	Purpose       string      `json:"purpose,omitempty"`
	LegalBasis    string      `json:"legalBasis,omitempty"`
	Recipients    []string    `json:"recipients,omitempty"` // agency ids of disclosure recipients
	RequestID     string      `json:"requestId,omitempty"`
	Outcome       Outcome     `json:"outcome"`
	Reason        string      `json:"reason,omitempty"` // a rule id or short reason; never personal data
	Hashes        []string    `json:"hashes,omitempty"` // keyed hashes of personal values involved
}

// New returns an event of kind k filled from ctx: the principal, the request
// id and the justification, with outcome OK.
func New(ctx context.Context, k Kind, objects ...Ref) Event {
	e := Event{Kind: k, Objects: objects, Outcome: OK, RequestID: httpx.RequestID(ctx)}
	if p, ok := access.From(ctx); ok {
		e.ActorID, e.ActorName, e.Agency, e.Role = p.UserID, p.Username, p.Agency, p.Role
		e.TokenID, e.Partner, e.Exercise = p.TokenID, p.Partner, p.Exercise
	}
	j := access.JustificationFrom(ctx)
	e.Justification, e.CaseRef = j.Text, j.CaseRef
	return e
}

// Appender appends events: inside the transaction of the action they
// record (Append), or, for a consultation that is the only write of a read,
// in a durable write of their own (Record). *Log implements it.
type Appender interface {
	Append(ctx context.Context, tx *db.Tx, e Event) error
	Record(ctx context.Context, e Event) error
}

// Limits on one event. An event over a limit is refused, and with it the
// action it records: split a very large combination into several events.
const (
	MaxIDLen      = 200  // ids, names, kinds, roles, agencies, case references, hashes
	MaxTextLen    = 1000 // justification, purpose, legal basis, reason
	MaxObjects    = 256
	MaxRecipients = 64
	MaxHashes     = 64
)

// validate checks an event against the limits and the shape of its fields.
// Append and the decoder both apply it, so whatever is stored decodes.
func (e *Event) validate() error {
	if !isToken(string(e.Kind)) {
		return errs.E(errs.Invalid, "kind", "kind must be 1-32 lower-case letters and dashes")
	}
	if !isToken(string(e.Outcome)) {
		return errs.E(errs.Invalid, "outcome", "outcome must be 1-32 lower-case letters and dashes")
	}
	if e.Role != "" && !isToken(string(e.Role)) {
		return errs.E(errs.Invalid, "role", "role must be 1-32 lower-case letters and dashes")
	}
	ids := []struct{ name, v string }{
		{"actorId", e.ActorID}, {"actorName", e.ActorName}, {"agency", e.Agency}, {"tokenId", e.TokenID},
		{"caseRef", e.CaseRef}, {"requestId", e.RequestID},
	}
	for _, f := range ids {
		if err := checkID(f.name, f.v); err != nil {
			return err
		}
	}
	texts := []struct{ name, v string }{
		{"justification", e.Justification}, {"purpose", e.Purpose}, {"legalBasis", e.LegalBasis}, {"reason", e.Reason},
	}
	for _, f := range texts {
		if len(f.v) > MaxTextLen || !utf8.ValidString(f.v) {
			return errs.E(errs.Invalid, f.name, fmt.Sprintf("must be valid UTF-8 of at most %d bytes", MaxTextLen))
		}
	}
	if len(e.Objects) > MaxObjects {
		return errs.E(errs.Invalid, "objects", fmt.Sprintf("at most %d objects per event", MaxObjects))
	}
	for _, o := range e.Objects {
		if o.Type == "" || o.ID == "" {
			return errs.E(errs.Invalid, "objects", "an object reference needs a type and an id")
		}
		if err := checkID("objects.type", o.Type); err != nil {
			return err
		}
		if err := checkID("objects.id", o.ID); err != nil {
			return err
		}
	}
	if err := checkList("recipients", e.Recipients, MaxRecipients); err != nil {
		return err
	}
	return checkList("hashes", e.Hashes, MaxHashes)
}

func checkList(name string, vs []string, max int) error {
	if len(vs) > max {
		return errs.E(errs.Invalid, name, fmt.Sprintf("at most %d values per event", max))
	}
	for _, v := range vs {
		if v == "" {
			return errs.E(errs.Invalid, name, "empty value")
		}
		if err := checkID(name, v); err != nil {
			return err
		}
	}
	return nil
}

// checkID accepts printable UTF-8 up to MaxIDLen bytes: ids end up in
// search filters and terminal output, where control characters do harm.
func checkID(name, v string) error {
	if len(v) > MaxIDLen || !utf8.ValidString(v) {
		return errs.E(errs.Invalid, name, fmt.Sprintf("must be valid UTF-8 of at most %d bytes", MaxIDLen))
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return errs.E(errs.Invalid, name, "must not contain control characters")
		}
	}
	return nil
}

// isToken reports whether s is 1-32 lower-case ASCII letters and dashes.
func isToken(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && c != '-' {
			return false
		}
	}
	return true
}
