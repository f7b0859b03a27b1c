package ftm

import (
	"encoding/json"
	"mime"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"

	"github.com/liaison-project/liaison/internal/errs"
)

// Normalisers are pure functions: they return the canonical form of a
// value or an error of kind [errs.Invalid]. Normalising a normalised value
// returns it unchanged (fuzz tests check this), and invalid UTF-8 is always
// rejected. Error messages never repeat the value, because values are
// often personal data.

var (
	errEmpty = errs.E(errs.Invalid, "empty value")
	errUTF8  = errs.E(errs.Invalid, "value is not valid UTF-8")
)

// Normalize returns the canonical form of value for the named property of
// the named schema, dispatching on the property's type.
func Normalize(schema, prop, value string) (string, error) {
	s, ok := LookupSchema(schema)
	if !ok {
		return "", errs.E(errs.Invalid, "schema", "unknown schema")
	}
	p, ok := s.Property(prop)
	if !ok {
		return "", errs.E(errs.Invalid, "property", "unknown property of "+schema)
	}
	return normalizeProperty(p, value, nil)
}

// normalizeProperty normalises one value of p. countries are hints for
// phone numbers written without an international prefix (FtM uses the
// entity's country-typed properties the same way).
func normalizeProperty(p Property, v string, countries []string) (string, error) {
	if p.Schema == "CryptoWallet" && p.Name == "publicKey" {
		// Wallet addresses are case-sensitive: never upper-case them.
		return NormalizeWallet(v)
	}
	if p.Type == TypePhone {
		return normalizePhoneHints(v, countries)
	}
	return NormalizeValue(p.Type, v)
}

// NormalizeValue normalises v as a value of type t.
func NormalizeValue(t PropertyType, v string) (string, error) {
	switch t {
	case TypeDate:
		return NormalizeDate(v)
	case TypeCountry:
		return NormalizeCountry(v)
	case TypeIBAN:
		return NormalizeIBAN(v)
	case TypePhone:
		return NormalizePhone(v, "")
	case TypeEmail:
		return NormalizeEmail(v)
	case TypeIdentifier:
		return NormalizeIdentifier(v)
	case TypeName:
		return NormalizeName(v)
	case TypeEntity:
		return NormalizeEntityRef(v)
	case TypeURL:
		return NormalizeURL(v)
	case TypeGender:
		return NormalizeGender(v)
	case TypeLanguage:
		return NormalizeLanguage(v)
	case TypeIP:
		return NormalizeIP(v)
	case TypeChecksum:
		return NormalizeChecksum(v)
	case TypeMIMEType:
		return NormalizeMIMEType(v)
	case TypeTopic:
		return NormalizeTopic(v)
	case TypeNumber:
		return NormalizeNumber(v)
	case TypeAddress, TypeString:
		return NormalizeString(v)
	case TypeText, TypeHTML:
		return NormalizeText(v)
	case TypeJSON:
		return NormalizeJSON(v)
	}
	return "", errs.E(errs.Invalid, "unknown property type")
}

// NormalizeDate accepts FtM's partial ISO 8601 dates (YYYY, YYYY-MM,
// YYYY-MM-DD), the same with "/" separators (as in INTERPOL notices), "00"
// for an unknown month or day ("1958-11-00" is "1958-11"), and date-times
// ("2021-02-16T21:48:52Z", "2021-02-16 21:48"), of which it keeps the date
// as written. Years must lie in 1000–2999: outside that range a four-digit
// year in police data is a typing error. Impossible dates (2023-02-29,
// month 13) are rejected.
func NormalizeDate(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.TrimSpace(v)
	if s == "" {
		return "", errEmpty
	}
	bad := errs.E(errs.Invalid, "not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
	if len(s) > 10 {
		if len(s) < 13 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !validTime(s[11:]) {
			return "", bad
		}
		s = s[:10]
	}
	if len(s) != 4 && len(s) != 7 && len(s) != 10 {
		return "", bad
	}
	var sep byte
	if len(s) > 4 {
		sep = s[4]
		if (sep != '-' && sep != '/') || (len(s) == 10 && s[7] != sep) {
			return "", bad
		}
	}
	year, ok := digits(s[0:4])
	if !ok || year < 1000 || year > 2999 {
		return "", bad
	}
	month, day := 0, 0
	if len(s) >= 7 {
		if month, ok = digits(s[5:7]); !ok || month > 12 {
			return "", bad
		}
	}
	if len(s) == 10 {
		if day, ok = digits(s[8:10]); !ok || day > daysIn(year, month) || (month == 0 && day != 0) {
			return "", bad
		}
	}
	out := s[0:4]
	if month > 0 {
		out += "-" + s[5:7]
	}
	if day > 0 {
		out += "-" + s[8:10]
	}
	return out, nil
}

// validTime checks the time part of a date-time: HH, HH:MM or HH:MM:SS,
// optional fraction, optional Z or ±HH:MM / ±HHMM offset.
func validTime(s string) bool {
	body, zone := s, ""
	if i := strings.IndexAny(s, "Zz+-"); i >= 0 {
		body, zone = s[:i], s[i:]
	}
	if i := strings.IndexByte(body, '.'); i >= 0 {
		frac := body[i+1:]
		if _, ok := digits(frac); !ok || len(frac) > 9 {
			return false
		}
		body = body[:i]
	}
	parts := strings.Split(body, ":")
	if len(parts) > 3 {
		return false
	}
	limits := []int{23, 59, 60} // 60: leap second
	for i, p := range parts {
		n, ok := digits(p)
		if !ok || len(p) != 2 || n > limits[i] {
			return false
		}
	}
	switch {
	case zone == "", zone == "Z", zone == "z":
		return true
	case len(zone) == 6 && zone[3] == ':':
		zone = zone[:3] + zone[4:]
	}
	if len(zone) != 5 {
		return false
	}
	h, ok1 := digits(zone[1:3])
	m, ok2 := digits(zone[3:5])
	return ok1 && ok2 && h <= 23 && m <= 59
}

// digits parses a non-empty string of ASCII digits (at most 9).
func digits(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(year, month int) int {
	switch month {
	case 0:
		return 0
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// ibanLengths is the IBAN length per country from the SWIFT IBAN Registry
// (release 98, 2024). Overseas territories that use their parent's prefix
// (e.g. French DOM with "FR", Åland with "FI") need no entry of their own.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
	"BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
	"DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
	"GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
	"LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
	"MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
	"PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
	"SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
	"YE": 30,
}

// NormalizeIBAN returns an IBAN in electronic form (upper case, no spaces).
// It strips spaces and a leading "IBAN" label, and checks the country's
// registered length, the check digits (02–98) and the ISO 7064 mod-97
// checksum. The national BBAN structure is not checked.
func NormalizeIBAN(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	var b strings.Builder
	for _, r := range strings.TrimSpace(v) {
		if unicode.IsSpace(r) || r == '-' {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	s := strings.TrimPrefix(b.String(), "IBAN")
	if s == "" {
		return "", errEmpty
	}
	if len(s) < 5 || len(s) > 34 {
		return "", errs.E(errs.Invalid, "IBAN has the wrong length")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') || (i < 2 && c <= '9') || (i >= 2 && i < 4 && c > '9') {
			return "", errs.E(errs.Invalid, "IBAN must be a country code, two check digits and letters or digits")
		}
	}
	want, ok := ibanLengths[s[:2]]
	if !ok {
		return "", errs.E(errs.Invalid, "IBAN country is not in the IBAN registry")
	}
	if len(s) != want {
		return "", errs.E(errs.Invalid, "IBAN has the wrong length for its country")
	}
	if check := s[2:4]; check == "00" || check == "01" || check == "99" {
		return "", errs.E(errs.Invalid, "IBAN check digits out of range")
	}
	if ibanMod97(s) != 1 {
		return "", errs.E(errs.Invalid, "IBAN checksum is wrong")
	}
	return s, nil
}

// ibanMod97 computes the ISO 7064 MOD 97-10 remainder of the IBAN with its
// first four characters moved to the end and letters as 10–35.
func ibanMod97(s string) int {
	rem := 0
	for _, c := range s[4:] + s[:4] {
		if c >= 'A' {
			rem = (rem*100 + int(c-'A'+10)) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	return rem
}

// globalCallingCodes are E.164 codes not tied to a country: freephone,
// shared cost, Inmarsat, satellite (Iridium, Thuraya), international
// networks and premium services. Satellite numbers matter to police work.
var globalCallingCodes = []string{"800", "808", "870", "878", "881", "882", "883", "888", "979"}

// trunkPrefixes lists countries whose national trunk prefix is not "0".
// Countries absent here use "0"; an empty string means there is none and
// a leading 0 belongs to the number (Italy, San Marino, Vatican).
var trunkPrefixes = map[string]string{
	"us": "1", "ca": "1", "pr": "1", "vi": "1", "gu": "1", "as": "1", "mp": "1", "um": "1",
	"ag": "1", "ai": "1", "bb": "1", "bm": "1", "bs": "1", "dm": "1", "do": "1", "gd": "1",
	"jm": "1", "kn": "1", "ky": "1", "lc": "1", "ms": "1", "sx": "1", "tc": "1", "tt": "1",
	"vc": "1", "vg": "1",
	"ru": "8", "kz": "8", "by": "8",
	"hu": "06",
	"it": "", "sm": "", "va": "",
}

// NormalizePhone returns the E.164 form (+ and 7–15 digits) of a phone
// number. It strips spaces and the separators - . ( ) /, turns a leading
// "00" (or "011" in North America) into "+", and otherwise reads the number
// as national to defaultCountry (an ISO alpha-2 code, or "" for none),
// dropping that country's trunk prefix. The country calling code must be
// an assigned one; +1 numbers must have 10 national digits and +7 numbers
// 10. Extensions, letters and other text are rejected.
func NormalizePhone(v, defaultCountry string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.TrimSpace(v)
	if s == "" {
		return "", errEmpty
	}
	var b strings.Builder
	plus := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteByte(byte(r))
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || r == '\u00a0':
		default:
			return "", errs.E(errs.Invalid, "phone number may hold only digits, a leading + and separators")
		}
	}
	num := b.String()
	hint := strings.ToLower(strings.TrimSpace(defaultCountry))
	switch {
	case plus:
	case strings.HasPrefix(num, "00"):
		num = num[2:]
	case strings.HasPrefix(num, "011") && trunkPrefixes[hint] == "1":
		num = num[3:]
	default:
		c, ok := countryByAlpha2[hint]
		if !ok {
			return "", errs.E(errs.Invalid, "phone number needs an international prefix or a known country")
		}
		trunk, special := trunkPrefixes[hint]
		if !special {
			trunk = "0"
		}
		if trunk != "" && strings.HasPrefix(num, trunk) && len(num) > len(trunk) {
			num = num[len(trunk):]
		}
		num = c.callingCode + num
	}
	if len(num) < 7 || len(num) > 15 {
		return "", errs.E(errs.Invalid, "phone number must have 7 to 15 digits with the country code")
	}
	cc := ""
	for n := 1; n <= 3; n++ {
		if callingCodes[num[:n]] {
			cc = num[:n]
			break
		}
	}
	switch {
	case cc == "":
		return "", errs.E(errs.Invalid, "phone number has no assigned country calling code")
	case len(num)-len(cc) < 4:
		return "", errs.E(errs.Invalid, "phone number is too short")
	case (cc == "1" || cc == "7") && len(num) != 11:
		return "", errs.E(errs.Invalid, "phone number has the wrong length for its country code")
	case cc == "1" && (num[1] < '2' || num[4] < '2'):
		return "", errs.E(errs.Invalid, "North American area and exchange codes cannot start with 0 or 1")
	}
	return "+" + num, nil
}

// normalizePhoneHints tries the number as international first, then as
// national to each hinted country in turn.
func normalizePhoneHints(v string, countries []string) (string, error) {
	out, err := NormalizePhone(v, "")
	if err == nil {
		return out, nil
	}
	for _, c := range countries {
		if out, cerr := NormalizePhone(v, c); cerr == nil {
			return out, nil
		}
	}
	return "", err
}

// NormalizeEmail checks an e-mail address's basic syntax and lower-cases
// its domain; the local part keeps its case, which is significant. A
// leading "mailto:" is removed.
func NormalizeEmail(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.TrimSpace(v)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	if s == "" {
		return "", errEmpty
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", errs.E(errs.Invalid, "e-mail address needs a local part, @ and a domain")
	}
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if len(local) > 64 || len(domain) > 253 {
		return "", errs.E(errs.Invalid, "e-mail address is too long")
	}
	for _, r := range local {
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`"(),:;<>@[\]`, r) || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return "", errs.E(errs.Invalid, "e-mail local part has a forbidden character")
		}
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", errs.E(errs.Invalid, "e-mail local part has misplaced dots")
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", errs.E(errs.Invalid, "e-mail domain needs a dot")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", errs.E(errs.Invalid, "e-mail domain has an empty or malformed label")
		}
		for _, r := range l {
			ascii := r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z'
			idn := r > unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
			if !ascii && !idn {
				return "", errs.E(errs.Invalid, "e-mail domain has a forbidden character")
			}
		}
	}
	return local + "@" + domain, nil
}

// NormalizeIdentifier returns an identifier in matching form: upper case,
// with spaces, dashes, dots and underscores removed ("AB 12-345.6" →
// "AB123456"). Other characters, such as "/", are kept because they carry
// meaning in some registers. Control characters are rejected.
func NormalizeIdentifier(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	var b strings.Builder
	for _, r := range v {
		switch {
		case unicode.IsSpace(r) || r == '-' || r == '.' || r == '_' || r == '\u2010' || r == '\u2011' || r == '\u2013':
		case unicode.IsControl(r) || !unicode.IsPrint(r):
			return "", errs.E(errs.Invalid, "identifier has a control character")
		default:
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	if b.Len() == 0 {
		return "", errEmpty
	}
	return norm.NFC.String(b.String()), nil
}

// NormalizeWallet normalises a crypto-currency address without changing
// the case of case-sensitive encodings (base58 Bitcoin, Monero, Tron…):
// it removes surrounding and embedded spaces, and lower-cases only the
// case-insensitive forms, Ethereum-style 0x hex (EIP-55 mixed case is a
// checksum, not part of the address) and bech32 (bc1…, ltc1…, tb1…).
func NormalizeWallet(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	var b strings.Builder
	for _, r := range v {
		switch {
		case unicode.IsSpace(r):
		case r > unicode.MaxASCII || unicode.IsControl(r):
			return "", errs.E(errs.Invalid, "wallet address must be printable ASCII")
		default:
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" {
		return "", errEmpty
	}
	lower := strings.ToLower(s)
	if strings.HasPrefix(lower, "0x") && isHex(lower[2:]) {
		return lower, nil
	}
	if isBech32(s) {
		return lower, nil
	}
	return s, nil
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// isBech32 reports whether s looks like a bech32 string: a human-readable
// part, "1", and data from the bech32 alphabet, all in one case.
func isBech32(s string) bool {
	if s != strings.ToLower(s) && s != strings.ToUpper(s) {
		return false
	}
	s = strings.ToLower(s)
	i := strings.LastIndexByte(s, '1')
	if i < 1 || len(s)-i-1 < 6 {
		return false
	}
	for _, c := range s[:i] {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	for _, c := range s[i+1:] {
		if !strings.ContainsRune("qpzry9x8gf2tvdw0s3jn54khce6mua7l", c) {
			return false
		}
	}
	return true
}

// NormalizeName trims a name, collapses runs of white space into one
// space, removes control and format characters (zero-width joiners and
// marks that hide in copied text) and puts it in Unicode NFC.
func NormalizeName(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := collapseSpace(v, true)
	if s == "" {
		return "", errEmpty
	}
	return norm.NFC.String(s), nil
}

// collapseSpace trims s and turns each run of white space into one space.
// When dropFormat is set, control and format characters are dropped.
func collapseSpace(v string, dropFormat bool) string {
	var b strings.Builder
	b.Grow(len(v))
	space := false
	for _, r := range v {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case dropFormat && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// maxIDLen bounds entity ids, as FtM's entity type does.
const maxIDLen = 200

// ValidID reports whether id is a well-formed FtM entity id: 1–200 ASCII
// letters, digits, dots and dashes, beginning and ending with a letter or
// digit (FtM's own rule for entity references).
func ValidID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alnum && (c != '.' && c != '-' || i == 0 || i == len(id)-1) {
			return false
		}
	}
	return true
}

// NormalizeEntityRef checks a reference to another entity (an id).
func NormalizeEntityRef(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.TrimSpace(v)
	if s == "" {
		return "", errEmpty
	}
	if !ValidID(s) {
		return "", errs.E(errs.Invalid, "not a valid entity id")
	}
	return s, nil
}

// NormalizeURL returns an absolute http, https or ftp URL with lower-case
// scheme and host. A value without a scheme ("example.org/x") is read as
// http, as FtM does.
func NormalizeURL(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.TrimSpace(v)
	if s == "" {
		return "", errEmpty
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	out, err := canonicalURL(s)
	if err != nil {
		return "", err
	}
	// url.URL.String is not a fixed point for every odd input; refuse what
	// would change again rather than store a value that drifts.
	if again, err := canonicalURL(out); err != nil || again != out {
		return "", errs.E(errs.Invalid, "URL has no stable canonical form")
	}
	return out, nil
}

func canonicalURL(s string) (string, error) {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || !unicode.IsPrint(r) {
			return "", errs.E(errs.Invalid, "URL has white space or control characters")
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", errs.E(errs.Invalid, "not a URL")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ftp" {
		return "", errs.E(errs.Invalid, "URL scheme must be http, https or ftp")
	}
	if u.Host == "" || u.Opaque != "" {
		return "", errs.E(errs.Invalid, "URL needs a host")
	}
	u.Host = strings.ToLower(u.Host)
	return u.String(), nil
}

// genders maps accepted spellings to FtM's three genders. "w" is German
// "weiblich", "x" the ICAO passport marker for unspecified; "u"
// (unknown), as INTERPOL uses it, is not a gender and is rejected.
var genders = map[string]string{
	"male": "male", "m": "male", "man": "male",
	"female": "female", "f": "female", "woman": "female", "w": "female",
	"other": "other", "x": "other", "diverse": "other",
}

// NormalizeGender returns "male", "female" or "other".
func NormalizeGender(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.ToLower(strings.TrimSpace(v))
	if s == "" {
		return "", errEmpty
	}
	if g, ok := genders[s]; ok {
		return g, nil
	}
	return "", errs.E(errs.Invalid, "gender must be male, female or other")
}

// NormalizeLanguage returns the ISO 639-3 code of a language given as an
// ISO 639-1, 639-2 (bibliographic or terminology) or 639-3 code, in either
// case: "de", "ger", "GER", "deu" → "deu" (INTERPOL sends 639-2/B codes
// such as "FRE"). Deprecated codes are replaced ("iw" → "heb"). FtM lists
// only 64 languages; any known ISO 639 language is accepted here, private
// use codes (qaa–qtz) are not.
func NormalizeLanguage(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.ToLower(strings.TrimSpace(v))
	if s == "" {
		return "", errEmpty
	}
	bad := errs.E(errs.Invalid, "language must be an ISO 639 code")
	if len(s) < 2 || len(s) > 3 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz") != "" || s >= "qaa" && s <= "qtz" {
		return "", bad
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", bad
	}
	base, conf := tag.Base() // for "und", Base guesses English with low confidence
	if conf != language.Exact || base.ISO3() == "" {
		return "", bad
	}
	if !languages[base.ISO3()] {
		return "", errs.E(errs.Invalid, "language "+base.ISO3()+" is not one of the languages the FtM model knows")
	}
	return base.ISO3(), nil
}

// NormalizeIP returns the canonical text of an IPv4 or IPv6 address.
// Zones ("fe80::1%eth0") are rejected: they mean nothing off the host.
func NormalizeIP(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.TrimSpace(v)
	if s == "" {
		return "", errEmpty
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return "", errs.E(errs.Invalid, "not an IP address")
	}
	return a.String(), nil
}

// NormalizeChecksum returns a SHA-1 hex digest in lower case.
func NormalizeChecksum(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.ToLower(strings.TrimSpace(v))
	if len(s) != 40 || !isHex(s) {
		return "", errs.E(errs.Invalid, "checksum must be 40 hex digits")
	}
	return s, nil
}

// NormalizeMIMEType returns "type/subtype" in lower case, without
// parameters ("Text/HTML; charset=utf-8" → "text/html").
func NormalizeMIMEType(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.TrimSpace(v)
	if s == "" {
		return "", errEmpty
	}
	mt, _, err := mime.ParseMediaType(s)
	if err != nil || strings.Count(mt, "/") != 1 || strings.HasPrefix(mt, "/") || strings.HasSuffix(mt, "/") {
		return "", errs.E(errs.Invalid, "not a MIME type")
	}
	return mt, nil
}

// NormalizeTopic checks the syntax of an FtM topic: lower-case words
// joined by dots ("crime.fin", "role.pep"). The vocabulary itself is not
// checked, because OpenSanctions adds topics faster than FtM releases.
func NormalizeTopic(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.ToLower(strings.TrimSpace(v))
	if s == "" {
		return "", errEmpty
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return "", errs.E(errs.Invalid, "topic must be dot-separated words")
		}
		for i := 0; i < len(part); i++ {
			if c := part[i]; !(c >= 'a' && c <= 'z' || c == '_') {
				return "", errs.E(errs.Invalid, "topic must be dot-separated words")
			}
		}
	}
	if !topics[s] {
		return "", errs.E(errs.Invalid, "topic is not one of the FtM model's topics")
	}
	return s, nil
}

// NormalizeNumber collapses white space in a number. FtM fixes no number
// format ("1,000.00", "1.000,00", "180 cm"), so only a digit is required.
func NormalizeNumber(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := collapseSpace(v, true)
	if s == "" {
		return "", errEmpty
	}
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= '0' && r <= '9' }) {
		return "", errs.E(errs.Invalid, "number has no digit")
	}
	return s, nil
}

// NormalizeString trims a short string (also used for addresses) and
// collapses white space; control and format characters are removed.
func NormalizeString(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := collapseSpace(v, true)
	if s == "" {
		return "", errEmpty
	}
	return s, nil
}

// NormalizeText keeps long text (text, html) as written, trimmed: line
// breaks matter there. NUL and invalid UTF-8 are rejected.
func NormalizeText(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.TrimSpace(v)
	if s == "" {
		return "", errEmpty
	}
	if strings.ContainsRune(s, 0) {
		return "", errs.E(errs.Invalid, "text has a NUL character")
	}
	return s, nil
}

// NormalizeJSON checks that a json-typed value is valid JSON.
func NormalizeJSON(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errUTF8
	}
	s := strings.TrimSpace(v)
	if s == "" {
		return "", errEmpty
	}
	if !json.Valid([]byte(s)) {
		return "", errs.E(errs.Invalid, "not valid JSON")
	}
	return s, nil
}
