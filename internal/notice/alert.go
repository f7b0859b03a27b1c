package notice

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/errs"
)

// AlertKind is what an alert is about.
type AlertKind string

// Alert kinds.
const (
	TravelDocument AlertKind = "travel-document" // passport, identity card, visa…, by number and issuing country
	Vehicle        AlertKind = "vehicle"         // by plate and country of registration, and/or VIN
	Object         AlertKind = "object"          // any other object, by description
)

// AlertStatus is why the object is sought.
type AlertStatus string

// Alert statuses.
const (
	Stolen  AlertStatus = "stolen"
	Lost    AlertStatus = "lost"
	Revoked AlertStatus = "revoked" // a document its issuer declared invalid
)

// DocumentType is the type of a travel document.
type DocumentType string

// Document types; the empty type means not stated.
const (
	Passport        DocumentType = "passport"
	IDCard          DocumentType = "id-card"
	Visa            DocumentType = "visa"
	ResidencePermit DocumentType = "residence-permit"
	DrivingLicence  DocumentType = "driving-licence"
	OtherDocument   DocumentType = "other"
)

// DocumentTypes lists the document types in a stable order.
var DocumentTypes = []DocumentType{Passport, IDCard, Visa, ResidencePermit, DrivingLicence, OtherDocument}

// Alert is a stolen, lost or revoked travel document, a stolen vehicle or
// another sought object. Identifiers are kept in normalised form (see
// [Alert.Normalize]).
type Alert struct {
	ID     string // node-local id, assigned by the service
	Kind   AlertKind
	Status AlertStatus

	DocumentNumber string       // travel documents
	DocumentType   DocumentType // travel documents
	Country        string       // ISO 3166-1 alpha-2: issuing country of a document, registration country of a plate
	Plate          string       // vehicles
	VIN            string       // vehicles
	Description    string       // objects (required) and vehicles (make, model, colour)

	Action     string // what to do on a hit; empty means the default for the kind (see Instruction)
	Contact    string // who to contact on a hit, e.g. "NCB Lyon"; defaults to Originator
	Reference  string // the originator's reference for the case
	Originator string // agency id of the originating bureau
}

// Bounds on alert fields.
const (
	MaxDocumentNumberLen = 30
	MinDocumentNumberLen = 4
	MaxPlateLen          = 15
	MinPlateLen          = 2
	MaxReferenceLen      = 64
	MaxDescriptionLen    = 1000
)

// Normalize puts the alert's identifiers in normalised form and validates
// the alert. The error is Invalid (or TooLarge) and names the field.
func (a *Alert) Normalize() error {
	var err error
	if a.Country != "" {
		if a.Country, err = NormalizeCountry(a.Country); err != nil {
			return err
		}
	}
	switch a.Kind {
	case TravelDocument:
		if a.DocumentNumber, err = NormalizeDocumentNumber(a.DocumentNumber); err != nil {
			return err
		}
		if a.Country == "" {
			return errs.E(errs.Invalid, "country", "the issuing country is required")
		}
		if a.DocumentType != "" && !contains(DocumentTypes, a.DocumentType) {
			return errs.E(errs.Invalid, "type", fmt.Sprintf("unknown document type %q", a.DocumentType))
		}
		if !contains([]AlertStatus{Stolen, Lost, Revoked}, a.Status) {
			return errs.E(errs.Invalid, "status", "a document alert is stolen, lost or revoked")
		}
		if a.Plate != "" || a.VIN != "" {
			return errs.E(errs.Invalid, "plate", "a document alert has no plate or VIN")
		}
	case Vehicle:
		if a.Plate == "" && a.VIN == "" {
			return errs.E(errs.Invalid, "plate", "a vehicle alert needs a plate and country, or a VIN")
		}
		if a.Plate != "" {
			if a.Plate, err = NormalizePlate(a.Plate); err != nil {
				return err
			}
			if a.Country == "" {
				return errs.E(errs.Invalid, "country", "a plate needs its country of registration")
			}
		}
		if a.VIN != "" {
			if a.VIN, err = NormalizeVIN(a.VIN); err != nil {
				return err
			}
		}
		if a.Status != Stolen {
			return errs.E(errs.Invalid, "status", "a vehicle alert is for a stolen vehicle")
		}
		if a.DocumentNumber != "" {
			return errs.E(errs.Invalid, "document_number", "a vehicle alert has no document number")
		}
	case Object:
		if strings.TrimSpace(a.Description) == "" {
			return errs.E(errs.Invalid, "description", "an object alert describes the object")
		}
		if a.Status != Stolen && a.Status != Lost {
			return errs.E(errs.Invalid, "status", "an object alert is for a stolen or lost object")
		}
		if a.DocumentNumber != "" || a.Plate != "" || a.VIN != "" {
			return errs.E(errs.Invalid, "kind", "an object alert has no document number, plate or VIN")
		}
	default:
		return errs.E(errs.Invalid, "kind", fmt.Sprintf("unknown alert kind %q", a.Kind))
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"id", a.ID, MaxTextLen},
		{"description", a.Description, MaxDescriptionLen},
		{"action", a.Action, MaxTextLen},
		{"contact", a.Contact, MaxTextLen},
		{"reference", a.Reference, MaxReferenceLen},
		{"originator", a.Originator, MaxTextLen},
	} {
		if err := checkText(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	return nil
}

// DefaultAction is what a border officer does on a hit on an alert of the
// given kind when the alert does not say otherwise.
func DefaultAction(k AlertKind) string {
	switch k {
	case TravelDocument:
		return "seize document"
	case Vehicle:
		return "seize vehicle"
	default:
		return "seize object"
	}
}

// Instruction is the line a border officer reads on a hit: the action and
// whom to contact, e.g. "seize document — contact NCB Lyon".
func (a Alert) Instruction() string {
	action := a.Action
	if action == "" {
		action = DefaultAction(a.Kind)
	}
	return instruction(action, a.Contact, a.Originator)
}

// Action is what a border officer does on a hit on a person subject of a
// notice of this type.
func (t Type) Action() string {
	switch t {
	case Red:
		return "arrest with a view to extradition"
	case Yellow:
		return "locate and protect the person; do not detain; inform the originator"
	case Blue:
		return "collect information on identity, location and activities; do not detain"
	case Black:
		return "compare with the description of the unidentified body; inform the originator"
	case Green:
		return "be aware: person likely to reoffend; inform the originator"
	case Orange:
		return "serious and imminent threat: take protective measures and inform the originator at once"
	case Purple:
		return "note the modus operandi; inform the originator"
	case UNSpecial:
		return "apply the UN Security Council sanctions (travel ban, asset freeze); inform the originator"
	}
	return "inform the originator"
}

// Instruction is the line a border officer reads on a hit on the subject,
// e.g. "arrest with a view to extradition — contact NCB Lyon".
func (n Notice) Instruction() string {
	return instruction(n.Type.Action(), n.Contact, n.Originator)
}

func instruction(action, contact, originator string) string {
	if contact == "" {
		contact = originator
	}
	if contact == "" {
		return action
	}
	return action + " — contact " + contact
}

// NormalizeCountry upper-cases and trims a country code and checks it with
// [IsCountry].
func NormalizeCountry(s string) (string, error) {
	b, err := AppendCountry(make([]byte, 0, 2), s)
	return string(b), err
}

// AppendCountry appends the normalised country code to dst; see
// NormalizeCountry.
func AppendCountry(dst []byte, s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2 {
		var c [2]byte
		for i := range c {
			c[i] = s[i]
			if c[i] >= 'a' && c[i] <= 'z' {
				c[i] -= 'a' - 'A'
			}
		}
		if i, ok := countryIndex(c[0], c[1]); ok && isCountryAt(i, c[0], c[1]) {
			return append(dst, c[0], c[1]), nil
		}
	}
	return dst, errs.E(errs.Invalid, "country", "a country is an ISO 3166-1 alpha-2 code such as FR")
}

// NormalizeDocumentNumber strips spaces and dashes and upper-cases a travel
// document number. The result must be 4–30 ASCII letters and digits.
func NormalizeDocumentNumber(s string) (string, error) {
	b, err := AppendDocumentNumber(make([]byte, 0, len(s)), s)
	return string(b), err
}

// AppendDocumentNumber appends the normalised document number to dst; it is
// NormalizeDocumentNumber without an allocation, for lookups.
func AppendDocumentNumber(dst []byte, s string) ([]byte, error) {
	if isUpperAlnum(s) && len(s) >= MinDocumentNumberLen && len(s) <= MaxDocumentNumberLen {
		return append(dst, s...), nil // already normal: the common case at a border
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
		default:
			return dst, errs.E(errs.Invalid, "document_number", "a document number has only letters A–Z and digits (spaces and dashes are ignored)")
		}
		if n++; n > MaxDocumentNumberLen {
			return dst, errs.E(errs.Invalid, "document_number", fmt.Sprintf("a document number has at most %d characters", MaxDocumentNumberLen))
		}
		dst = append(dst, c)
	}
	if n < MinDocumentNumberLen {
		return dst, errs.E(errs.Invalid, "document_number", fmt.Sprintf("a document number has at least %d characters", MinDocumentNumberLen))
	}
	return dst, nil
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// plateLookalikes maps Cyrillic and Greek capitals that plates share with
// Latin (Russian, Ukrainian, Bulgarian, Greek plates use only these) to the
// Latin letter, so a plate typed in either script matches.
var plateLookalikes = map[rune]byte{
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P',
	'С': 'C', 'Т': 'T', 'У': 'Y', 'Х': 'X', 'І': 'I',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M',
	'Ν': 'N', 'Ο': 'O', 'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
}

// plateLetters folds the Latin letters with diacritics seen on European
// plates (German Ä Ö Ü district codes, Nordic Å Æ Ø) to their base letter,
// because registers and scanners disagree on whether to keep them.
var plateLetters = map[rune]byte{'Ä': 'A', 'Ö': 'O', 'Ü': 'U', 'Å': 'A', 'Æ': 'A', 'Ø': 'O'}

// NormalizePlate upper-cases a licence plate, strips spaces, dashes and
// dots, maps Cyrillic and Greek look-alike letters and Arabic-Indic digits
// to ASCII and folds Ä Ö Ü Å Æ Ø. The result must be 2–15 letters and
// digits.
func NormalizePlate(s string) (string, error) {
	b, err := AppendPlate(make([]byte, 0, len(s)), s)
	return string(b), err
}

// AppendPlate appends the normalised plate to dst; see NormalizePlate.
func AppendPlate(dst []byte, s string) ([]byte, error) {
	n := 0
	bad := func() ([]byte, error) {
		return dst, errs.E(errs.Invalid, "plate", "a plate has only letters and digits (spaces, dashes and dots are ignored)")
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		var c byte
		switch {
		case r == ' ' || r == '-' || r == '.' || r == '\t' || r == '·':
			continue
		case r >= 'a' && r <= 'z':
			c = byte(r) - ('a' - 'A')
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			c = byte(r)
		case r >= '٠' && r <= '٩': // Arabic-Indic digits
			c = byte('0' + r - '٠')
		case r >= '۰' && r <= '۹': // Extended Arabic-Indic (Persian) digits
			c = byte('0' + r - '۰')
		default:
			up := unicode.ToUpper(r)
			var ok bool
			if c, ok = plateLookalikes[up]; !ok {
				if c, ok = plateLetters[up]; !ok {
					return bad()
				}
			}
		}
		if n++; n > MaxPlateLen {
			return dst, errs.E(errs.Invalid, "plate", fmt.Sprintf("a plate has at most %d characters", MaxPlateLen))
		}
		dst = append(dst, c)
	}
	if n < MinPlateLen {
		return dst, errs.E(errs.Invalid, "plate", fmt.Sprintf("a plate has at least %d characters", MinPlateLen))
	}
	return dst, nil
}

// VINLen is the length of a vehicle identification number (ISO 3779).
const VINLen = 17

// NormalizeVIN upper-cases a VIN and strips spaces and dashes. The result
// must be 17 characters from A–Z and 0–9 without I, O and Q, which VINs
// never use. The check digit is not enforced here: see [CheckVIN].
func NormalizeVIN(s string) (string, error) {
	b, err := AppendVIN(make([]byte, 0, VINLen), s)
	return string(b), err
}

// AppendVIN appends the normalised VIN to dst; see NormalizeVIN.
func AppendVIN(dst []byte, s string) ([]byte, error) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
		default:
			return dst, errs.E(errs.Invalid, "vin", "a VIN has only letters A–Z and digits")
		}
		if c == 'I' || c == 'O' || c == 'Q' {
			return dst, errs.E(errs.Invalid, "vin", "a VIN never contains I, O or Q (did you mean 1 or 0?)")
		}
		if n++; n > VINLen {
			return dst, errs.E(errs.Invalid, "vin", "a VIN has 17 characters")
		}
		dst = append(dst, c)
	}
	if n != VINLen {
		return dst, errs.E(errs.Invalid, "vin", "a VIN has 17 characters")
	}
	return dst, nil
}

// VINCheck is the outcome of checking a VIN's check digit.
type VINCheck int

// Check digit outcomes.
const (
	VINCheckNotApplicable VINCheck = iota // not a North American VIN: the check digit is optional
	VINCheckValid
	VINCheckInvalid // North American VIN whose check digit does not match: probably mistyped
)

// CheckVIN verifies the check digit (position 9) of a normalised VIN. The
// check digit is mandatory only for vehicles made for North America (world
// manufacturer identifiers starting 1–5); European and most other VINs often
// carry no valid one, so a mismatch there means nothing. Even for North
// America a mismatch is a warning for the importer, never a reason to
// refuse an alert or a lookup: the register may hold the VIN as stamped.
func CheckVIN(vin string) VINCheck {
	if len(vin) != VINLen || vin[0] < '1' || vin[0] > '5' {
		return VINCheckNotApplicable
	}
	weights := [VINLen]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i := 0; i < VINLen; i++ {
		v, ok := vinValue(vin[i])
		if !ok {
			return VINCheckInvalid
		}
		sum += v * weights[i]
	}
	want := byte('0' + sum%11)
	if sum%11 == 10 {
		want = 'X'
	}
	if vin[8] != want {
		return VINCheckInvalid
	}
	return VINCheckValid
}

// vinValue is the ISO 3779 / FMVSS 115 transliteration of a VIN character.
func vinValue(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'A' && c <= 'H':
		return int(c-'A') + 1, true
	case c >= 'J' && c <= 'N':
		return int(c-'J') + 1, true
	case c == 'P':
		return 7, true
	case c == 'R':
		return 9, true
	case c >= 'S' && c <= 'Z':
		return int(c-'S') + 2, true
	}
	return 0, false
}
