package record

import (
	"slices"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
)

// Exclusions are identifier values that are never correlated because they
// are placeholders, not identifiers: a dummy passport number typed into a
// mandatory field would otherwise link every record that holds it.
//
// Besides the listed values, three rules always apply: a value made of one
// character repeated ("000000", "XXXXXXXX", "0x000…0") and a run of
// consecutive digits ("123456789", "12345678901234567") of four characters
// or more are placeholders, and so are the North American fictional
// telephone numbers (555-0100 to 555-0199 in any area code).
type Exclusions struct {
	// Values maps an identifier kind (ftm.Kind*) to excluded values, in any
	// form the kind's normaliser accepts.
	Values map[string][]string `json:"values,omitempty"`
	// EmailDomains excludes every e-mail address at these domains and
	// their subdomains.
	EmailDomains []string `json:"emailDomains,omitempty"`
	// PhonePrefixes excludes phone numbers (E.164) starting with these.
	PhonePrefixes []string `json:"phonePrefixes,omitempty"`
}

// DefaultExclusions returns the exclusions used unless configured:
// documentation and test IBANs, reserved e-mail domains (RFC 2606 and
// 6761) and common placeholder addresses, placeholder document numbers,
// Ofcom's drama telephone ranges, and well-known burn and example wallet
// addresses.
func DefaultExclusions() Exclusions {
	return Exclusions{
		Values: map[string][]string{
			ftm.KindIBAN: {
				"GB82WEST12345698765432", "GB29NWBK60161331926819", "GB33BUKB20201555555555",
				"DE89370400440532013000", "DE02120300000000202051", "DE75512108001245126199",
				"FR1420041010050500013M02606", "FR7630006000011234567890189",
				"NL91ABNA0417164300", "NL02ABNA0123456789", "BE68539007547034", "BE71096123456769",
				"ES9121000418450200051332", "IT60X0542811101000000123456", "CH9300762011623852957",
				"AT611904300234573201", "LU280019400644750000", "PL61109010140000071219812874",
			},
			ftm.KindEmail: {
				"test@test.com", "none@none.com", "noemail@noemail.com", "no@email.com", "email@email.com",
				"unknown@unknown.com", "noreply@gmail.com", "test@gmail.com", "a@a.com", "x@x.com",
			},
			ftm.KindPassport: {"UNKNOWN", "NONE", "NA", "N/A", "NIL", "TBD", "XXX", "A1234567", "AB1234567"},
			ftm.KindID:       {"UNKNOWN", "NONE", "NA", "N/A", "NIL", "TBD", "XXX"},
			ftm.KindPlate:    {"UNKNOWN", "NONE", "NA", "N/A", "NIL", "TBD", "XXX", "ABC123", "AB123CD"},
			ftm.KindWallet: {
				"0x000000000000000000000000000000000000dead", "1BitcoinEaterAddressDontSendf59kuE",
				"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
			},
		},
		EmailDomains:  []string{"example.com", "example.org", "example.net", "example", "test", "invalid", "localhost"},
		PhonePrefixes: []string{"+447700900", "+441134960", "+442079460", "+61491570"},
	}
}

// exclusionSet is Exclusions compiled for lookups.
type exclusionSet struct {
	values   map[string]map[string]bool // kind → normalised value
	domains  []string
	prefixes []string
}

// compile normalises every listed value with its kind's normaliser; a value
// that does not normalise is a configuration error.
func (x *Exclusions) compile() (*exclusionSet, error) {
	set := &exclusionSet{values: make(map[string]map[string]bool)}
	for kind, vs := range x.Values {
		if !validKind(kind) {
			return nil, errs.E(errs.Invalid, "record.exclusions.values", "unknown identifier kind "+quote(kind))
		}
		m := make(map[string]bool, len(vs))
		for i, v := range vs {
			n, err := NormalizeIdentifier(kind, v)
			if err != nil {
				return nil, errs.E(errs.Invalid, "record.exclusions.values."+kind+"["+itoa(i)+"]", errs.PublicMessage(err))
			}
			m[n] = true
		}
		set.values[kind] = m
	}
	for _, d := range x.EmailDomains {
		set.domains = append(set.domains, strings.ToLower(strings.TrimSpace(d)))
	}
	for i, p := range x.PhonePrefixes {
		if len(p) < 2 || p[0] != '+' || strings.Trim(p[1:], "0123456789") != "" {
			return nil, errs.E(errs.Invalid, "record.exclusions.phonePrefixes["+itoa(i)+"]", "a phone prefix is + and digits")
		}
		set.prefixes = append(set.prefixes, p)
	}
	return set, nil
}

// excluded reports whether the normalised identifier is a placeholder.
func (s *exclusionSet) excluded(kind, value string) bool {
	if s.values[kind][value] {
		return true
	}
	switch kind {
	case ftm.KindEmail:
		_, domain, _ := strings.Cut(value, "@")
		for _, d := range s.domains {
			if domain == d || strings.HasSuffix(domain, "."+d) {
				return true
			}
		}
		return false
	case ftm.KindPhone:
		for _, p := range s.prefixes {
			if strings.HasPrefix(value, p) {
				return true
			}
		}
		if fictionalNANP(value) {
			return true
		}
	}
	core := strings.TrimPrefix(value, "+")
	if kind == ftm.KindWallet {
		core = strings.TrimPrefix(core, "0x")
	}
	return repeated(core) || consecutiveDigits(core)
}

// fictionalNANP reports whether an E.164 number is in the North American
// range reserved for fiction: 555-0100 to 555-0199 in any area code.
func fictionalNANP(v string) bool {
	return len(v) == 12 && strings.HasPrefix(v, "+1") && v[5:9] == "5550" && v[9] == '1'
}

// repeated reports whether s is one character repeated, at least four times.
func repeated(s string) bool {
	if len(s) < 4 {
		return false
	}
	return strings.Count(s, s[:1]) == len(s)
}

// consecutiveDigits reports whether s is at least four digits, each one
// more (modulo 10) than the one before: "1234", "7890123".
func consecutiveDigits(s string) bool {
	if len(s) < 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		if i > 0 && (s[i-1]-'0'+1)%10 != s[i]-'0' {
			return false
		}
	}
	return true
}

// identifierKinds are the identifier kinds internal/ftm produces, which
// lookups and exclusions accept.
var identifierKinds = []string{
	ftm.KindPassport, ftm.KindID, ftm.KindSSN, ftm.KindIBAN, ftm.KindPlate, ftm.KindVIN, ftm.KindPhone,
	ftm.KindEmail, ftm.KindWallet, ftm.KindIMO, ftm.KindMMSI, ftm.KindCallSign, ftm.KindVesselReg,
	ftm.KindAircraftReg, ftm.KindAircraftSerial, ftm.KindIP, ftm.KindLEI, ftm.KindBIC, ftm.KindINN,
	ftm.KindOGRN, ftm.KindTax, ftm.KindVAT, ftm.KindRegistration,
}

// IdentifierKinds returns the identifier kinds that exact lookups accept.
func IdentifierKinds() []string { return slices.Clone(identifierKinds) }

func validKind(k string) bool { return slices.Contains(identifierKinds, k) }

// NormalizeIdentifier returns the normalised form of value as an
// identifier of kind, the form the inverted index holds (see
// ftm.IdentifierKeys): an exact lookup normalises the searched value with
// it. It fails with errs.Invalid for an unknown kind or a malformed value.
func NormalizeIdentifier(kind, value string) (string, error) {
	var (
		n   string
		err error
	)
	switch kind {
	case ftm.KindIBAN:
		n, err = ftm.NormalizeIBAN(value)
	case ftm.KindPhone:
		n, err = ftm.NormalizePhone(value, "")
	case ftm.KindEmail:
		n, err = ftm.NormalizeEmail(value)
		n = strings.ToLower(n)
	case ftm.KindWallet:
		n, err = ftm.NormalizeWallet(value)
	case ftm.KindIP:
		n, err = ftm.NormalizeIP(value)
	case ftm.KindIMO:
		n, err = ftm.NormalizeIdentifier(value)
		n = strings.TrimPrefix(n, "IMO")
	default:
		if !validKind(kind) {
			return "", errs.E(errs.Invalid, "kind", "unknown identifier kind")
		}
		n, err = ftm.NormalizeIdentifier(value)
	}
	if err != nil {
		return "", errs.E(errs.Invalid, "value", errs.PublicMessage(err))
	}
	if n == "" || len(n) > maxIdentifierLen {
		return "", errs.E(errs.Invalid, "value", "identifier must be 1–200 bytes")
	}
	return n, nil
}

// maxIdentifierLen bounds an indexed identifier value.
const maxIdentifierLen = 200
