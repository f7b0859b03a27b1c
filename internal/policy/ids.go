package policy

import "github.com/liaison-project/liaison/internal/ftm"

// Bounds on identifiers. They keep envelopes small and make every
// identifier safe to place in a log line or a URL path segment.
const (
	MaxAgencyIDLen = 32 // agency ids are 2–32 characters
	MaxCaseRefLen  = 64 // case references are 1–64 characters
)

// ValidAgencyID reports whether s is a well-formed agency id such as
// "NL-NCB": 2–32 upper-case ASCII letters, digits and dashes, neither
// starting nor ending with a dash. Whether the agency exists is the partner
// registry's business, not this package's.
func ValidAgencyID(s string) bool {
	if len(s) < 2 || len(s) > MaxAgencyIDLen || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ValidCountry reports whether s is an officially assigned ISO 3166-1
// alpha-2 code in upper case, or XK (Kosovo, the user-assigned code used by
// INTERPOL and the EU). The list itself lives in internal/ftm.
//
// The check is against the list of assigned codes, not just the shape,
// because a restriction such as "not-to-country:UK" (the ISO code is GB)
// would otherwise be accepted and silently never apply.
func ValidCountry(s string) bool {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return false
	}
	return ftm.IsCountry(s)
}

// ValidCaseRef reports whether s is a well-formed case reference: 1–64
// ASCII letters, digits and the separators - _ . / (for example
// "NL-2025-00123" or "EU/JIT/2025/07"). Case references are compared
// exactly, so "nl-1" and "NL-1" are different cases.
func ValidCaseRef(s string) bool {
	if len(s) < 1 || len(s) > MaxCaseRefLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '/') {
			return false
		}
	}
	return true
}
