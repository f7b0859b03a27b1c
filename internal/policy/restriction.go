package policy

import (
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
)

// Bounds on the H3 restrictions of one envelope.
const (
	MaxRestrictionRules = 32   // machine-checkable rules per envelope
	MaxRestrictionText  = 2000 // bytes of free text
)

// Restrictions are the provider's H3 restrictions: free text for people and
// rules the software enforces. An envelope that states either must carry
// H3, and an envelope with H3 must state at least one.
type Restrictions struct {
	Text  string        `json:"text,omitempty"`
	Rules []Restriction `json:"rules,omitempty"`
}

// RestrictionKind names a machine-checkable H3 rule.
type RestrictionKind string

const (
	// RestrictNotToCountry: never disclose to, or match for, an agency in
	// the country Value (ISO 3166-1 alpha-2); a copy held there may not be
	// read.
	RestrictNotToCountry RestrictionKind = "not-to-country"
	// RestrictNotToAgency: the same for the agency Value.
	RestrictNotToAgency RestrictionKind = "not-to-agency"
	// RestrictCaseOnly: use only in the case Value. Several case-only rules
	// name several permitted cases (any one of them will do), since
	// requiring all of them at once could never be met.
	RestrictCaseOnly RestrictionKind = "case-only"
	// RestrictNoMatching: keep out of hit/no-hit matching for partners.
	// It takes no value.
	RestrictNoMatching RestrictionKind = "no-matching"
)

// Restriction is one machine-checkable H3 rule. Its text form, used in
// JSON, is "kind:value", or just "no-matching".
type Restriction struct {
	Kind  RestrictionKind
	Value string
}

// ParseRestriction parses the text form of a rule, strictly: kinds are lower
// case, values are checked (country codes upper case), and no spaces are
// trimmed.
func ParseRestriction(s string) (Restriction, error) {
	kind, value, hasValue := strings.Cut(s, ":")
	r := Restriction{Kind: RestrictionKind(kind), Value: value}
	if r.Kind == RestrictNoMatching && hasValue {
		return Restriction{}, errs.E(errs.Invalid, "envelope.restrictions.rules", "no-matching takes no value")
	}
	if err := r.check(); err != nil {
		return Restriction{}, err
	}
	return r, nil
}

// check reports whether r is well formed.
func (r Restriction) check() error {
	const field = "envelope.restrictions.rules"
	switch r.Kind {
	case RestrictNotToCountry:
		if !ValidCountry(r.Value) {
			return errs.E(errs.Invalid, field, "not-to-country needs an ISO 3166-1 alpha-2 country code, e.g. not-to-country:RU")
		}
	case RestrictNotToAgency:
		if !ValidAgencyID(r.Value) {
			return errs.E(errs.Invalid, field, "not-to-agency needs an agency id, e.g. not-to-agency:XX-NCB")
		}
	case RestrictCaseOnly:
		if !ValidCaseRef(r.Value) {
			return errs.E(errs.Invalid, field, "case-only needs a case reference, e.g. case-only:NL-2025-00123")
		}
	case RestrictNoMatching:
		if r.Value != "" {
			return errs.E(errs.Invalid, field, "no-matching takes no value")
		}
	default:
		return errs.E(errs.Invalid, field, "unknown rule (want not-to-country:XX, not-to-agency:ID, case-only:REF or no-matching)")
	}
	return nil
}

// String returns the text form.
func (r Restriction) String() string {
	if r.Kind == RestrictNoMatching {
		return string(r.Kind)
	}
	return string(r.Kind) + ":" + r.Value
}

// MarshalText returns the text form of a well-formed rule.
func (r Restriction) MarshalText() ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	return []byte(r.String()), nil
}

// UnmarshalText parses the text form.
func (r *Restriction) UnmarshalText(b []byte) error {
	v, err := ParseRestriction(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// has reports whether rs contains the rule kind:value.
func (rs Restrictions) has(kind RestrictionKind, value string) bool {
	for _, r := range rs.Rules {
		if r.Kind == kind && r.Value == value {
			return true
		}
	}
	return false
}

// hasKind reports whether rs contains any rule of the given kind.
func (rs Restrictions) hasKind(kind RestrictionKind) bool {
	for _, r := range rs.Rules {
		if r.Kind == kind {
			return true
		}
	}
	return false
}

// allowsCase reports whether the case-only rules, if any, permit use in
// caseRef. With no case-only rule every case is permitted; with some, caseRef
// must be one of them and the empty case matches none.
func (rs Restrictions) allowsCase(caseRef string) bool {
	if !rs.hasKind(RestrictCaseOnly) {
		return true
	}
	return caseRef != "" && rs.has(RestrictCaseOnly, caseRef)
}

// stated reports whether rs states any restriction.
func (rs Restrictions) stated() bool { return rs.Text != "" || len(rs.Rules) > 0 }

// JSONSchema describes the text form of a rule for the API document.
func (Restriction) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "pattern": "^(no-matching|(not-to-country|not-to-agency|case-only):.+)$",
		"description": "machine-checkable H3 rule: not-to-country:XX, not-to-agency:ID, case-only:REF or no-matching"}
}
