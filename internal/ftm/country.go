package ftm

import (
	"sort"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
)

// country is one row of the ISO 3166-1 table in countries_table.go.
type country struct {
	alpha2      string // lower case, as FtM stores it
	alpha3      string // upper case; empty for XK, which has no agreed alpha-3 code
	name        string // English short name as in FtM 3.8
	callingCode string // ITU-T E.164 country calling code, without "+"
}

var (
	countryByAlpha2 = make(map[string]*country, len(isoCountries))
	countryByAlpha3 = make(map[string]*country, len(isoCountries))
	countryByName   = make(map[string]string, len(isoCountries)+len(ftmTerritories))
	callingCodes    = make(map[string]bool)
)

// countryAliases are codes seen in European police and EU data that are not
// ISO alpha-2 but have one meaning: UK (exceptionally reserved for the
// United Kingdom) and EL (the EU's code for Greece).
var countryAliases = map[string]string{"uk": "gb", "el": "gr"}

func init() {
	for i := range isoCountries {
		c := &isoCountries[i]
		countryByAlpha2[c.alpha2] = c
		if c.alpha3 != "" {
			countryByAlpha3[c.alpha3] = c
		}
		countryByName[strings.ToLower(c.name)] = c.alpha2
		callingCodes[c.callingCode] = true
	}
	for code, name := range ftmTerritories {
		countryByName[strings.ToLower(name)] = code
	}
	for _, code := range globalCallingCodes {
		callingCodes[code] = true
	}
}

// IsCountry reports whether code (either case) is an officially assigned
// ISO 3166-1 alpha-2 code, or XK (Kosovo), the user-assigned code the EU
// and Europol use. FtM's further territory codes (see [NormalizeCountry])
// are not countries in this sense.
func IsCountry(code string) bool {
	_, ok := countryByAlpha2[strings.ToLower(code)]
	return ok
}

// CountryName returns the English short name of an ISO 3166-1 alpha-2 code
// or of one of FtM's territory codes (either case), or "" if unknown.
func CountryName(code string) string {
	code = strings.ToLower(code)
	if c, ok := countryByAlpha2[code]; ok {
		return c.name
	}
	return ftmTerritories[code]
}

// CountryCodes returns every code [IsCountry] accepts, lower case, sorted.
func CountryCodes() []string {
	out := make([]string, 0, len(isoCountries))
	for _, c := range isoCountries {
		out = append(out, c.alpha2)
	}
	sort.Strings(out)
	return out
}

// NormalizeCountry returns the lower-case FtM country code for v. It
// accepts ISO 3166-1 alpha-2 and alpha-3 codes in either case, the aliases
// UK and EL, FtM's territory codes (e.g. "ua-cri", "suhh", "zz") and the
// English short names of the table.
func NormalizeCountry(v string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	if s == "" {
		return "", errEmpty
	}
	if _, ok := countryByAlpha2[s]; ok {
		return s, nil
	}
	if _, ok := ftmTerritories[s]; ok {
		return s, nil
	}
	if a, ok := countryAliases[s]; ok {
		return a, nil
	}
	if c, ok := countryByAlpha3[strings.ToUpper(s)]; ok {
		return c.alpha2, nil
	}
	if code, ok := countryByName[s]; ok {
		return code, nil
	}
	return "", errs.E(errs.Invalid, "not a known country code")
}
