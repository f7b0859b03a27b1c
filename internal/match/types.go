package match

import (
	"fmt"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/policy"
)

// Type is an identifier type. Its numeric value is part of the wire format
// and of the PRF input: values are never renumbered or reused.
type Type uint8

// Identifier types. Passport to VIN are exact identifiers; NameDOB,
// TokensDOB and PhoneticYear are person match keys derived from names and
// dates of birth by the caller.
const (
	Passport     Type = 1  // passport number
	NationalID   Type = 2  // national identity document number ("id")
	Phone        Type = 3  // phone number, E.164
	Email        Type = 4  // e-mail address
	IBAN         Type = 5  // bank account, IBAN
	Wallet       Type = 6  // crypto-currency wallet address
	Plate        Type = 7  // vehicle registration plate
	VIN          Type = 8  // vehicle identification number
	NameDOB      Type = 9  // transliterated normalised name + date of birth
	TokensDOB    Type = 10 // sorted name tokens + date of birth
	PhoneticYear Type = 11 // phonetic codes + birth year
)

var typeNames = [...]string{
	Passport:     "passport",
	NationalID:   "id",
	Phone:        "phone",
	Email:        "email",
	IBAN:         "iban",
	Wallet:       "wallet",
	Plate:        "plate",
	VIN:          "vin",
	NameDOB:      "name-dob",
	TokensDOB:    "tokens-dob",
	PhoneticYear: "phonetic-year",
}

// Types lists every identifier type in wire order.
func Types() []Type {
	ts := make([]Type, 0, len(typeNames)-1)
	for t := Passport; t <= PhoneticYear; t++ {
		ts = append(ts, t)
	}
	return ts
}

// Valid reports whether t is a known identifier type.
func (t Type) Valid() bool { return t >= Passport && t <= PhoneticYear }

func (t Type) String() string {
	if t.Valid() {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// ParseType parses a type name such as "phone" or "name-dob".
func ParseType(s string) (Type, error) {
	for t := Passport; t <= PhoneticYear; t++ {
		if typeNames[t] == s {
			return t, nil
		}
	}
	return 0, errs.E(errs.Invalid, "type", fmt.Sprintf("unknown identifier type %q", truncate(s, 32)))
}

// MarshalText implements encoding.TextMarshaler: types travel as names in JSON.
func (t Type) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, errs.E(errs.Invalid, "type", t.String()+" is not an identifier type")
	}
	return []byte(t.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Type) UnmarshalText(b []byte) error {
	v, err := ParseType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Strength says how much a hit on a type is worth.
type Strength uint8

const (
	// Exact identifiers name one document, account, device or vehicle.
	Exact Strength = iota + 1
	// Strong person keys (full name + date of birth) rarely collide between
	// different people, but a hit still has to be confirmed in follow-up.
	Strong
	// Weak person keys (phonetic codes + birth year) collide often: a hit is
	// only a candidate, scored in the legal follow-up.
	Weak
)

func (s Strength) String() string {
	switch s {
	case Exact:
		return "exact"
	case Strong:
		return "strong"
	case Weak:
		return "weak"
	}
	return fmt.Sprintf("strength(%d)", uint8(s))
}

// Strength reports how much a hit on t is worth.
func (t Type) Strength() Strength {
	switch t {
	case NameDOB, TokensDOB:
		return Strong
	case PhoneticYear:
		return Weak
	}
	return Exact
}

// MaxValueLen bounds a normalised identifier value in bytes.
const MaxValueLen = 256

// Key is one identifier value of one type, already normalised by the caller
// (internal/ftm normalisers, internal/names match keys). This package never
// normalises: two spellings of the same value that reach it unnormalised
// simply do not match.
type Key struct {
	Type  Type
	Value string
}

// Validate checks that k is well formed: a known type and a value of 1 to
// [MaxValueLen] bytes of valid UTF-8 without control characters or
// surrounding spaces. The last two rules catch callers that forgot to
// normalise; they do not make a value normalised.
func (k Key) Validate() error {
	if !k.Type.Valid() {
		return errs.E(errs.Invalid, "type", k.Type.String()+" is not an identifier type")
	}
	return validateValue(k.Value)
}

func validateValue(v string) error {
	switch {
	case v == "":
		return errs.E(errs.Invalid, "value", "identifier value is empty")
	case len(v) > MaxValueLen:
		return errs.E(errs.TooLarge, "value", fmt.Sprintf("identifier value is longer than %d bytes", MaxValueLen))
	case !utf8.ValidString(v):
		return errs.E(errs.Invalid, "value", "identifier value is not valid UTF-8")
	case v[0] == ' ' || v[len(v)-1] == ' ':
		return errs.E(errs.Invalid, "value", "identifier value has surrounding spaces: normalise it first")
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return errs.E(errs.Invalid, "value", "identifier value contains a control character")
		}
	}
	return nil
}

// Bounds on the identifiers that appear in requests and in the PRF info.
// They mirror internal/policy's rules but are pinned here because they are
// part of this package's wire format.
const (
	MaxAgencyLen  = policy.MaxAgencyIDLen
	MaxCaseLen    = policy.MaxCaseRefLen
	MaxPurposeLen = 64
)

// ValidAgency reports whether s is a well-formed agency id such as
// "NL-NCB", by the node-wide rule (policy.ValidAgencyID).
func ValidAgency(s string) bool { return policy.ValidAgencyID(s) }

// ValidCase reports whether s is a well-formed case reference, by the
// node-wide rule (policy.ValidCaseRef).
func ValidCase(s string) bool { return policy.ValidCaseRef(s) }

// ValidPurpose reports whether s is a well-formed purpose token such as
// "border-check": 1–64 lower-case ASCII letters, digits and dashes.
func ValidPurpose(s string) bool {
	if len(s) < 1 || len(s) > MaxPurposeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func checkAgency(field, s string) error {
	if !ValidAgency(s) {
		return errs.E(errs.Invalid, field, fmt.Sprintf("agency id %q is malformed (2–32 of A–Z, 0–9, -)", truncate(s, MaxAgencyLen)))
	}
	return nil
}

// truncate shortens s for an error message; ids and type names are not
// personal data, but an attacker-controlled string must not grow messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
