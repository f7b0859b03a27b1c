package notice

import (
	"strings"

	"github.com/liaison-project/liaison/internal/ftm"
)

// countries[i] is true when the upper-case code at index i (see
// countryIndex) is in internal/ftm's ISO 3166-1 list. It is a table rather
// than calls to ftm.IsCountry so that border lookups check a country
// without allocating.
var countries = func() (t [26 * 26]bool) {
	for _, c := range ftm.CountryCodes() {
		if i, ok := countryIndex(strings.ToUpper(c)); ok {
			t[i] = true
		}
	}
	return t
}()

func countryIndex(s string) (int, bool) {
	if !isCountryShape(s) {
		return 0, false
	}
	return int(s[0]-'A')*26 + int(s[1]-'A'), true
}

// IsCountry reports whether s is an upper-case ISO 3166-1 alpha-2 code:
// officially assigned (the list of internal/ftm, which includes XK for
// Kosovo), or user-assigned (AA, QM–QZ, XA–XZ, ZZ), which agencies use for
// what the standard does not cover (XX for unknown, for instance). Alerts
// and lookups require it: the country is part of the lookup key.
func IsCountry(s string) bool {
	i, ok := countryIndex(s)
	if !ok {
		return false
	}
	if countries[i] {
		return true
	}
	switch {
	case s == "AA" || s == "ZZ":
		return true
	case s[0] == 'Q' && s[1] >= 'M', s[0] == 'X':
		return true
	}
	return false
}

// isCountryShape reports whether s looks like an alpha-2 code: two
// upper-case ASCII letters. Notices check only the shape of nationalities
// and countries of birth: they describe, they are not lookup keys, and
// INTERPOL data carries codes this node's list may not know (its synthetic
// samples use YY).
func isCountryShape(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
