// Package access names who is acting: the officer roles of a node and the
// authenticated [Principal] that every request carries in its context.
//
// Authentication (internal/auth) produces a Principal; authorisation rules
// (internal/policy and each capability) consume it. Keeping the type here lets
// both sides depend on it without depending on each other.
package access

import (
	"context"
	"fmt"
	"slices"
)

// Role is an officer's role on a node. A user has exactly one role.
type Role string

const (
	Admin        Role = "admin"        // runs the node: users, partners, configuration
	SPOC         Role = "spoc"         // single point of contact operator: routes requests, approves bulk runs
	Investigator Role = "investigator" // shares and queries intelligence
	Analyst      Role = "analyst"      // analysis, link charts, matching
	Border       Role = "border"       // alert lookups only
	Prosecutor   Role = "prosecutor"   // legal cooperation requests
	Reviewer     Role = "reviewer"     // notice compliance review
	DPO          Role = "dpo"          // data protection officer: audit and retention oversight
)

// Roles lists every role in a stable order.
var Roles = []Role{Admin, SPOC, Investigator, Analyst, Border, Prosecutor, Reviewer, DPO}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(Roles, r) {
		return "", fmt.Errorf("unknown role %q (want one of %v)", s, Roles)
	}
	return r, nil
}

// Principal is the authenticated caller of a request: a local officer, or a
// partner node acting through federation (Partner set, UserID empty).
type Principal struct {
	UserID      string // stable user id on this node; empty for a partner node
	Username    string
	DisplayName string
	Role        Role
	Agency      string // agency id of the node the principal belongs to, e.g. "NL-NCB"
	Country     string // ISO 3166-1 alpha-2 of that agency
	TokenID     string // id of the API token used, if any (for audit)
	Partner     bool   // true when the caller is a partner node, not an officer
	Exercise    bool   // true when acting inside a training exercise

	// MustChangePassword is set while the user still has a one-time password.
	MustChangePassword bool
}

// Is reports whether the principal has one of the given roles.
func (p Principal) Is(roles ...Role) bool { return slices.Contains(roles, p.Role) }

type ctxKey struct{}

// With returns a context carrying p.
func With(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal in ctx and whether there is one.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// Justification is why an officer reads or discloses personal data: free
// text, a case reference, or both (Directive 2016/680 Art. 25 requires that
// the justification of every consultation and disclosure can be established).
type Justification struct {
	Text    string `json:"justification,omitempty"`
	CaseRef string `json:"caseRef,omitempty"`
}

// Empty reports whether neither a text nor a case reference was given.
func (j Justification) Empty() bool { return j.Text == "" && j.CaseRef == "" }

type justKey struct{}

// WithJustification returns a context carrying j.
func WithJustification(ctx context.Context, j Justification) context.Context {
	return context.WithValue(ctx, justKey{}, j)
}

// JustificationFrom returns the justification carried by ctx, if any.
func JustificationFrom(ctx context.Context) Justification {
	j, _ := ctx.Value(justKey{}).(Justification)
	return j
}
