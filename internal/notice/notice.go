// Package notice is the pure core of INTERPOL-style notices, diffusions and
// object alerts: the domain types, the lifecycle state machine with its
// compliance review, the automated pre-review screening, and the
// normalisation of the identifiers that border officers look up.
//
// Nothing here touches a database or the network: the notice service,
// storage, routes and federation build on these types and functions.
//
// # Notices and diffusions
//
// A [Notice] has a colour ([Red], [Yellow], …, [UNSpecial]) and is either a
// notice proper, which a reviewer must approve before it is published, or a
// diffusion ([Notice.Diffusion]), which the originating agency circulates
// directly to chosen partners and which is reviewed afterwards.
//
// # Lifecycle
//
// The allowed state changes are one table ([Transitions]); [Next] refuses any
// other change with an [errs.Conflict] error. The methods on *Notice
// ([Notice.Submit], [Notice.Decide], [Notice.Circulate], [Notice.Update],
// [Notice.Resubmit], [Notice.Reassess], [Notice.Cancel], [Notice.Expire], …)
// add the guards that depend on more than the state, and record every change
// in [Notice.History]. A notice is valid for five years from publication;
// six months before expiry [Notice.ReminderDue] asks the originator to
// reassess it, which renews it.
//
// The one invariant the package promises: a notice whose screening raised a
// blocking flag is never published except by a reviewer's [Decision] that
// approves it, names every blocking flag, and gives reasons.
//
// # Screening
//
// [Screen] runs before review and returns [Flag]s, each with an explanation
// and the evidence that raised it (Art. 3 indicators in several languages,
// red-notice thresholds, excluded matters, refugee status, duplicate subject).
// Flags do not refuse anything by themselves: INTERPOL's Art. 3 test is a
// predominance test that weighs the whole case, which only a reviewer can do.
// A blocking flag means "a reviewer must look at this and say why it may go
// ahead"; a warning is shown to the reviewer but needs no acknowledgement.
package notice

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/errs"
)

// Type is the colour of a notice: what the originator asks partners to do.
type Type string

// Notice types (DOMAIN.md §4).
const (
	Red       Type = "red"        // locate and provisionally arrest with a view to extradition
	Yellow    Type = "yellow"     // missing person, or a person unable to identify themselves
	Blue      Type = "blue"       // collect information on identity, location or activities
	Black     Type = "black"      // unidentified body
	Green     Type = "green"      // warning: person likely to reoffend
	Orange    Type = "orange"     // serious and imminent threat
	Purple    Type = "purple"     // modus operandi, objects, devices, concealment methods
	UNSpecial Type = "un-special" // INTERPOL–UN Security Council Special Notice (sanctions)
)

// Types lists every notice type in a stable order.
var Types = []Type{Red, Yellow, Blue, Black, Green, Orange, Purple, UNSpecial}

// ParseType validates a notice type name.
func ParseType(s string) (Type, error) {
	for _, t := range Types {
		if string(t) == s {
			return t, nil
		}
	}
	return "", errs.E(errs.Invalid, "type", fmt.Sprintf("unknown notice type %q", s))
}

// Sex of the subject as INTERPOL codes it.
type Sex string

// Sex codes; the empty Sex means not stated.
const (
	Male    Sex = "M"
	Female  Sex = "F"
	Unknown Sex = "U"
)

// Category is the data-subject category of Directive 2016/680 Art. 6.
type Category string

// Data-subject categories.
const (
	Suspect   Category = "suspect"
	Convicted Category = "convicted"
	Victim    Category = "victim"
	Witness   Category = "witness"
	Contact   Category = "contact" // contact or associate
	Other     Category = "other"
)

var categories = []Category{Suspect, Convicted, Victim, Witness, Contact, Other}

// LifeSentence is the value of [Charge.MaxPenaltyMonths] for life
// imprisonment (or a heavier penalty); it passes every threshold.
const LifeSentence = 100 * 12

// Charge is one offence the subject is charged with or convicted of, as in
// an INTERPOL arrest warrant entry.
type Charge struct {
	IssuingCountry string // ISO 3166-1 alpha-2 of the country whose authority issued the warrant
	Text           string // the charge as written by the issuing authority, any language
	Translation    string // translation into a working language; may be empty
	// MaxPenaltyMonths is the maximum penalty the law provides for the
	// offence, in months; 0 means not stated. Use LifeSentence for life.
	MaxPenaltyMonths int
	// SentenceRemainingMonths is what is left to serve of a sentence already
	// imposed, in months; 0 means none or not stated.
	SentenceRemainingMonths int
}

// Scope says who a notice is distributed to.
type Scope string

// Distribution scopes.
const (
	ScopeAll      Scope = "all"      // every member agency
	ScopeAgencies Scope = "agencies" // the agencies listed in Distribution.Agencies
	ScopeRegion   Scope = "region"   // the agencies of Distribution.Region
)

// Distribution is the audience of a notice or diffusion. A diffusion always
// names its recipients (agencies or a region), never "all".
type Distribution struct {
	Scope    Scope
	Agencies []string // agency ids, for ScopeAgencies
	Region   string   // region name, e.g. "EU", "ASEAN", for ScopeRegion
}

// Notice is a notice or diffusion about a person (or, for purple, a modus
// operandi). The subject fields follow the INTERPOL public notice shape.
type Notice struct {
	ID        string // node-local id, assigned by the service
	EntityID  string // INTERPOL entity id in canonical form (see [CanonicalEntityID]); empty for local drafts
	Type      Type
	Diffusion bool // a diffusion: circulated directly to chosen partners, reviewed afterwards
	State     State

	// Subject.
	Name                string // family name(s)
	Forename            string // given name(s)
	DateOfBirth         PartialDate
	Sex                 Sex
	Nationalities       []string // ISO 3166-1 alpha-2
	PlaceOfBirth        string
	CountryOfBirth      string // ISO 3166-1 alpha-2
	DistinguishingMarks string
	HeightMetres        float64 // 0: unknown
	WeightKg            float64 // 0: unknown (INTERPOL sends weight 0 for unknown)
	EyeColours          []string
	HairColours         []string
	Languages           []string // ISO 639-2 codes, as INTERPOL sends them
	Category            Category
	RefugeeStatus       bool // the subject's refugee status has been confirmed

	// Case.
	Charges []Charge
	Facts   string // summary of facts, screened like the charges
	// ExtraditionWillBeSought is the originator's assurance, required for a
	// red notice, that extradition will be requested on arrest.
	ExtraditionWillBeSought bool

	Originator   string // agency id of the originating bureau, e.g. "FR-NCB"
	Contact      string // who a border officer calls on a hit, e.g. "NCB Lyon"; defaults to Originator
	Distribution Distribution

	// Validity, set on first publication.
	PublishedAt time.Time
	ExpiresAt   time.Time
	ReminderAt  time.Time // when to ask the originator to reassess: 6 months before expiry

	Flags     []Flag     // the latest screening result
	Decisions []Decision // review decisions, oldest first
	History   []Change   // state changes, oldest first
}

// Bounds on a notice's fields; Validate enforces them.
const (
	MaxTextLen     = 200    // names, places, codes
	MaxLongTextLen = 10_000 // charges, facts, distinguishing marks
	MaxListLen     = 50     // nationalities, charges, colours, languages, agencies
)

// Validate checks the notice's content (not its lifecycle): required fields,
// codes and bounds. The error is Invalid and names the offending field.
func (n *Notice) Validate() error {
	if _, err := ParseType(string(n.Type)); err != nil {
		return err
	}
	if n.Type == Purple {
		if strings.TrimSpace(n.Facts) == "" {
			return errs.E(errs.Invalid, "facts", "a purple notice describes a modus operandi in its facts")
		}
	} else if strings.TrimSpace(n.Name) == "" && strings.TrimSpace(n.Forename) == "" && n.Type != Black {
		return errs.E(errs.Invalid, "name", "a name or forename is required")
	}
	if n.EntityID != "" {
		if _, err := CanonicalEntityID(n.EntityID); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"id", n.ID, MaxTextLen},
		{"name", n.Name, MaxTextLen},
		{"forename", n.Forename, MaxTextLen},
		{"place_of_birth", n.PlaceOfBirth, MaxTextLen},
		{"distinguishing_marks", n.DistinguishingMarks, MaxLongTextLen},
		{"facts", n.Facts, MaxLongTextLen},
		{"originator", n.Originator, MaxTextLen},
		{"contact", n.Contact, MaxTextLen},
	} {
		if err := checkText(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	switch n.Sex {
	case "", Male, Female, Unknown:
	default:
		return errs.E(errs.Invalid, "sex", "sex must be M, F or U")
	}
	if n.Category != "" && !contains(categories, n.Category) {
		return errs.E(errs.Invalid, "category", fmt.Sprintf("unknown data-subject category %q", n.Category))
	}
	if n.CountryOfBirth != "" && !isCountryShape(n.CountryOfBirth) {
		return errs.E(errs.Invalid, "country_of_birth", "not an ISO 3166-1 alpha-2 code")
	}
	if err := checkCodes("nationalities", n.Nationalities, isCountryShape); err != nil {
		return err
	}
	anyCode := func(s string) bool { return s != "" && len(s) <= 16 }
	for _, l := range []struct {
		name string
		v    []string
	}{{"eye_colours", n.EyeColours}, {"hair_colours", n.HairColours}, {"languages", n.Languages}} {
		if err := checkCodes(l.name, l.v, anyCode); err != nil {
			return err
		}
	}
	if n.HeightMetres < 0 || n.HeightMetres > 3 {
		return errs.E(errs.Invalid, "height", "height must be between 0 and 3 metres")
	}
	if n.WeightKg < 0 || n.WeightKg > 700 {
		return errs.E(errs.Invalid, "weight", "weight must be between 0 and 700 kg")
	}
	if len(n.Charges) > MaxListLen {
		return errs.E(errs.TooLarge, "charges", fmt.Sprintf("at most %d charges", MaxListLen))
	}
	for i, c := range n.Charges {
		field := fmt.Sprintf("charges[%d]", i)
		if c.IssuingCountry != "" && !isCountryShape(c.IssuingCountry) {
			return errs.E(errs.Invalid, field+".issuing_country", "not an ISO 3166-1 alpha-2 code")
		}
		if err := checkText(field+".text", c.Text, MaxLongTextLen); err != nil {
			return err
		}
		if err := checkText(field+".translation", c.Translation, MaxLongTextLen); err != nil {
			return err
		}
		if c.MaxPenaltyMonths < 0 || c.MaxPenaltyMonths > LifeSentence {
			return errs.E(errs.Invalid, field+".max_penalty_months", fmt.Sprintf("must be between 0 and %d", LifeSentence))
		}
		if c.SentenceRemainingMonths < 0 || c.SentenceRemainingMonths > LifeSentence {
			return errs.E(errs.Invalid, field+".sentence_remaining_months", fmt.Sprintf("must be between 0 and %d", LifeSentence))
		}
	}
	return n.Distribution.validate(n.Diffusion)
}

func (d Distribution) validate(diffusion bool) error {
	switch d.Scope {
	case "":
		// Not decided yet: a draft may leave it open; Submit and Circulate require it.
	case ScopeAll:
		if diffusion {
			return errs.E(errs.Invalid, "distribution.scope", "a diffusion goes to chosen partners, not to all")
		}
	case ScopeAgencies:
		if len(d.Agencies) == 0 {
			return errs.E(errs.Invalid, "distribution.agencies", "name at least one agency")
		}
		if err := checkCodes("distribution.agencies", d.Agencies, func(s string) bool { return s != "" && len(s) <= MaxTextLen }); err != nil {
			return err
		}
	case ScopeRegion:
		if d.Region == "" {
			return errs.E(errs.Invalid, "distribution.region", "name the region")
		}
		if err := checkText("distribution.region", d.Region, MaxTextLen); err != nil {
			return err
		}
	default:
		return errs.E(errs.Invalid, "distribution.scope", fmt.Sprintf("unknown scope %q", d.Scope))
	}
	return nil
}

func checkText(field, v string, max int) error {
	if len(v) > max {
		return errs.E(errs.TooLarge, field, fmt.Sprintf("longer than %d bytes", max))
	}
	if !utf8.ValidString(v) {
		return errs.E(errs.Invalid, field, "not valid UTF-8")
	}
	return nil
}

func checkCodes(field string, codes []string, valid func(string) bool) error {
	if len(codes) > MaxListLen {
		return errs.E(errs.TooLarge, field, fmt.Sprintf("at most %d entries", MaxListLen))
	}
	for i, c := range codes {
		if !valid(c) {
			return errs.E(errs.Invalid, fmt.Sprintf("%s[%d]", field, i), "not a valid code")
		}
	}
	return nil
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// CanonicalEntityID normalises an INTERPOL entity id. INTERPOL writes
// "1993/27493" in response bodies and "1993-27493" in URLs; the canonical
// form here is the URL-safe "1993-27493", so ids can travel in paths and
// file names unescaped.
func CanonicalEntityID(s string) (string, error) {
	s = strings.TrimSpace(s)
	year, serial, ok := strings.Cut(s, "/")
	if !ok {
		year, serial, ok = strings.Cut(s, "-")
	}
	if !ok || len(year) != 4 || !allDigits(year) || len(serial) == 0 || len(serial) > 10 || !allDigits(serial) {
		return "", errs.E(errs.Invalid, "entity_id", "an entity id looks like 1993/27493 or 1993-27493")
	}
	return year + "-" + serial, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
