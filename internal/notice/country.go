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
		if c = strings.ToUpper(c); len(c) != 2 {
			continue
		}
		if i, ok := countryIndex(c[0], c[1]); ok {
			t[i] = true
		}
	}
	return t
}()

func countryIndex(a, b byte) (int, bool) {
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return 0, false
	}
	return int(a-'A')*26 + int(b-'A'), true
}

// IsCountry reports whether s is an upper-case ISO 3166-1 alpha-2 code:
// officially assigned (the list of internal/ftm, which includes XK for
// Kosovo), or user-assigned (AA, QM–QZ, XA–XZ, ZZ), which agencies use for
// what the standard does not cover (XX for unknown, for instance). Alerts
// and lookups require it: the country is part of the lookup key.
func IsCountry(s string) bool {
	if len(s) != 2 {
		return false
	}
	i, ok := countryIndex(s[0], s[1])
	return ok && isCountryAt(i, s[0], s[1])
}

func isCountryAt(i int, a, b byte) bool {
	switch {
	case countries[i]:
		return true
	case a == 'A' && b == 'A', a == 'Z' && b == 'Z':
		return true
	case a == 'Q' && b >= 'M', a == 'X':
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
	if len(s) != 2 {
		return false
	}
	_, ok := countryIndex(s[0], s[1])
	return ok
}
