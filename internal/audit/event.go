// Package audit is the node's tamper-evident log of every collection,
// alteration, consultation, disclosure, combination and erasure of personal
// data (Directive 2016/680 Art. 25), and of security events.
//
// Events are appended inside the same database transaction as the action
// they record ([Log.Append] takes the caller's *db.Tx), so there is no action
// without its event and no event without its action.
package audit

import (
	"context"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/db"
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
// never the data itself.
type Event struct {
	Time          time.Time   `json:"time"`
	Kind          Kind        `json:"kind"`
	ActorID       string      `json:"actorId,omitempty"`
	ActorName     string      `json:"actorName,omitempty"`
	Agency        string      `json:"agency,omitempty"`
	Role          access.Role `json:"role,omitempty"`
	Objects       []Ref       `json:"objects,omitempty"`
	Justification string      `json:"justification,omitempty"`
	CaseRef       string      `json:"caseRef,omitempty"`
	Purpose       string      `json:"purpose,omitempty"`
	LegalBasis    string      `json:"legalBasis,omitempty"`
	Recipients    []string    `json:"recipients,omitempty"`
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
	}
	j := access.JustificationFrom(ctx)
	e.Justification, e.CaseRef = j.Text, j.CaseRef
	return e
}

// Appender appends events inside the caller's transaction. *Log implements it.
type Appender interface {
	Append(ctx context.Context, tx *db.Tx, e Event) error
}
