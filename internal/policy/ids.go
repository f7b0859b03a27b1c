package policy

import "strings"

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
// INTERPOL and the EU).
//
// The check is against the list of assigned codes, not just the shape,
// because a restriction such as "not-to-country:UK" (the ISO code is GB)
// would otherwise be accepted and silently never apply.
func ValidCountry(s string) bool {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return false
	}
	return assignedCountries[int(s[0]-'A')*26+int(s[1]-'A')]
}

// assignedCountries is indexed by (first letter)*26 + (second letter).
var assignedCountries = func() (table [26 * 26]bool) {
	for _, c := range strings.Fields(countryCodes) {
		table[int(c[0]-'A')*26+int(c[1]-'A')] = true
	}
	return table
}()

// countryCodes lists the 249 officially assigned ISO 3166-1 alpha-2 codes
// and XK.
const countryCodes = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ " +
	"EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT " +
	"JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ " +
	"OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA " +
	"RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU " +
	"WF WS " +
	"XK " +
	"YE YT " +
	"ZA ZM ZW "

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
