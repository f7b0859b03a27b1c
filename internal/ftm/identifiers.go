package ftm

import (
	"cmp"
	"slices"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
)

// IdentifierKey is a normalised identifier an entity carries, for exact
// lookup (a border check of a passport or plate) and for correlating
// entities across records.
type IdentifierKey struct {
	// Kind is one of the Kind constants; kinds are stable strings that
	// may be stored and sent to other nodes.
	Kind string
	// Value is the normalised identifier.
	Value string
	// Country is the issuing or registering country (lower-case ISO code)
	// when the entity states exactly one, else "". Passport, plate and
	// register numbers repeat across countries, so an exact match should
	// compare Country too when both sides have one.
	Country string
}

// Identifier kinds.
const (
	KindPassport       = "passport"        // Passport.number/passportNumber, Person.passportNumber
	KindID             = "id"              // Identification.number, Person.idNumber
	KindSSN            = "ssn"             // Person.socialSecurityNumber
	KindIBAN           = "iban"            // any iban-typed property
	KindPlate          = "plate"           // Vehicle.registrationNumber (road vehicles)
	KindVIN            = "vin"             // Vehicle.registrationNumber holding a 17-character VIN
	KindPhone          = "phone"           // any phone-typed property, E.164
	KindEmail          = "email"           // any email-typed property, lower-cased
	KindWallet         = "wallet"          // CryptoWallet.publicKey
	KindIMO            = "imo"             // Vessel.imoNumber with a valid check digit
	KindMMSI           = "mmsi"            // Vessel.mmsi, nine digits
	KindCallSign       = "callsign"        // Vessel.callSign
	KindVesselReg      = "vessel-reg"      // Vessel.registrationNumber
	KindAircraftReg    = "aircraft-reg"    // Airplane.registrationNumber (tail number)
	KindAircraftSerial = "aircraft-serial" // Airplane.serialNumber
	KindIP             = "ip"              // any ip-typed property
	KindLEI            = "lei"             // LegalEntity.leiCode
	KindBIC            = "bic"             // LegalEntity.swiftBic
	KindINN            = "inn"             // LegalEntity.innCode (Russian tax number)
	KindOGRN           = "ogrn"            // LegalEntity.ogrnCode
	KindTax            = "tax"             // LegalEntity.taxNumber
	KindVAT            = "vat"             // LegalEntity.vatCode
	KindRegistration   = "registration"    // Company/Organization registrationNumber
)

// identifierRule maps a property of a schema (or of its descendants) to a
// kind. Rules are tried in order and the first whose schema the entity is
// wins, so specific schemata come before their ancestors.
type identifierRule struct {
	schema, prop, kind string
	countryProps       []string // where the issuing country is stated
}

var identifierRules = []identifierRule{
	{"Passport", "number", KindPassport, []string{"country"}},
	{"Passport", "passportNumber", KindPassport, []string{"country"}},
	{"Identification", "number", KindID, []string{"country"}},
	{"Person", "passportNumber", KindPassport, nil},
	{"Person", "idNumber", KindID, nil},
	{"Person", "socialSecurityNumber", KindSSN, nil},
	{"Vessel", "imoNumber", KindIMO, nil},
	{"Vessel", "mmsi", KindMMSI, nil},
	{"Vessel", "callSign", KindCallSign, []string{"flag"}},
	{"Vessel", "registrationNumber", KindVesselReg, []string{"flag"}},
	{"Airplane", "registrationNumber", KindAircraftReg, nil},
	{"Airplane", "serialNumber", KindAircraftSerial, nil},
	{"Vehicle", "registrationNumber", KindPlate, []string{"country"}},
	{"CryptoWallet", "publicKey", KindWallet, nil},
	{"LegalEntity", "leiCode", KindLEI, nil},
	{"LegalEntity", "swiftBic", KindBIC, nil},
	{"LegalEntity", "innCode", KindINN, nil},
	{"LegalEntity", "ogrnCode", KindOGRN, nil},
	{"LegalEntity", "taxNumber", KindTax, []string{"jurisdiction", "country"}},
	{"LegalEntity", "vatCode", KindVAT, nil},
	{"Organization", "registrationNumber", KindRegistration, []string{"jurisdiction", "country"}},
}

// IdentifierKeys returns the normalised identifiers e carries, sorted and
// without duplicates. Values that do not normalise (a bad IBAN, an IMO
// number with a wrong check digit) yield no key: a key is only as good as
// the value behind it.
//
// FtM 3.8 has no VIN property; a Vehicle.registrationNumber that has the
// form of a VIN (17 characters from the VIN alphabet, which no plate has)
// is returned as KindVIN instead of KindPlate.
func IdentifierKeys(e Entity) []IdentifierKey {
	s, ok := LookupSchema(e.Schema)
	if !ok {
		return nil
	}
	var keys []IdentifierKey
	var hints []string
	for prop, vs := range e.Properties {
		p, ok := s.Property(prop)
		if !ok {
			continue
		}
		var rule *identifierRule
		for i := range identifierRules {
			if r := &identifierRules[i]; r.prop == prop && s.IsA(r.schema) {
				rule = r
				break
			}
		}
		for _, v := range vs {
			var k IdentifierKey
			switch {
			case rule != nil:
				k = ruleKey(*rule, v, e)
			case p.Type == TypeIBAN:
				if n, err := NormalizeIBAN(v); err == nil {
					k = IdentifierKey{Kind: KindIBAN, Value: n, Country: strings.ToLower(n[:2])}
				}
			case p.Type == TypePhone:
				if hints == nil {
					hints = entityCountries(s, e.Properties)
				}
				if n, err := normalizePhoneHints(v, hints); err == nil {
					k = IdentifierKey{Kind: KindPhone, Value: n}
				}
			case p.Type == TypeEmail:
				if n, err := NormalizeEmail(v); err == nil {
					k = IdentifierKey{Kind: KindEmail, Value: strings.ToLower(n)}
				}
			case p.Type == TypeIP:
				if n, err := NormalizeIP(v); err == nil {
					k = IdentifierKey{Kind: KindIP, Value: n}
				}
			}
			if k.Kind != "" {
				keys = append(keys, k)
			}
		}
	}
	slices.SortFunc(keys, func(a, b IdentifierKey) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value), cmp.Compare(a.Country, b.Country))
	})
	return slices.Compact(keys)
}

// ruleKey normalises one value under a rule; a zero key means "no key".
func ruleKey(r identifierRule, v string, e Entity) IdentifierKey {
	var n string
	var err error
	kind := r.kind
	switch kind {
	case KindWallet:
		n, err = NormalizeWallet(v)
	case KindIMO:
		n, err = normalizeIMO(v)
	case KindMMSI:
		n, err = NormalizeIdentifier(v)
		if err == nil && (len(n) != 9 || strings.Trim(n, "0123456789") != "") {
			return IdentifierKey{}
		}
	default:
		n, err = NormalizeIdentifier(v)
		if kind == KindPlate && isVIN(n) {
			kind = KindVIN
		}
	}
	if err != nil {
		return IdentifierKey{}
	}
	k := IdentifierKey{Kind: kind, Value: n}
	if kind != KindVIN {
		k.Country = statedCountry(e, r.countryProps)
	}
	return k
}

// statedCountry returns the one country the entity states in props (the
// first property that has any valid value), or "" if none or several.
func statedCountry(e Entity, props []string) string {
	for _, p := range props {
		var found []string
		for _, v := range e.Properties[p] {
			if c, err := NormalizeCountry(v); err == nil && !slices.Contains(found, c) {
				found = append(found, c)
			}
		}
		if len(found) == 1 {
			return found[0]
		}
		if len(found) > 1 {
			return ""
		}
	}
	return ""
}

// normalizeIMO returns the seven digits of a ship's IMO number ("IMO
// 9074729" → "9074729") if its check digit is right: the sum of the first
// six digits weighted 7 down to 2, modulo 10, is the seventh.
func normalizeIMO(v string) (string, error) {
	n, err := NormalizeIdentifier(v)
	if err != nil {
		return "", err
	}
	n = strings.TrimPrefix(n, "IMO")
	if len(n) != 7 || strings.Trim(n, "0123456789") != "" {
		return "", errs.E(errs.Invalid, "IMO number must have seven digits")
	}
	sum := 0
	for i := 0; i < 6; i++ {
		sum += int(n[i]-'0') * (7 - i)
	}
	if sum%10 != int(n[6]-'0') {
		return "", errs.E(errs.Invalid, "IMO number check digit is wrong")
	}
	return n, nil
}

// isVIN reports whether s has the form of an ISO 3779 vehicle
// identification number: 17 characters, digits and letters except I, O, Q.
func isVIN(s string) bool {
	if len(s) != 17 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') || c == 'I' || c == 'O' || c == 'Q' {
			return false
		}
	}
	return true
}
