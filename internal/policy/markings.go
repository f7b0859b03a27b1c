package policy

import (
	"encoding/json"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
)

// Handling is a set of Europol handling codes. The codes are bits, so a set
// is their union: H0|H2. The zero Handling is empty, which [Envelope.Validate]
// rejects: every envelope carries at least one code.
//
// In JSON a Handling is an array of code names in ascending order,
// e.g. ["H0","H2"]; decoding rejects unknown codes and ignores repeats.
type Handling uint8

const (
	H0 Handling = 1 << iota // may be used only to prevent and combat crime
	H1                      // not as evidence in judicial proceedings without the provider's permission
	H2                      // no further dissemination without the provider's permission
	H3                      // other restrictions stated by the provider (see [Restrictions])

	allHandling = H0 | H1 | H2 | H3
)

var handlingNames = [...]string{"H0", "H1", "H2", "H3"}

// Has reports whether every code in c is in h.
func (h Handling) Has(c Handling) bool { return h&c == c }

// Codes returns the names of the codes in h in ascending order.
func (h Handling) Codes() []string {
	var codes []string
	for i, name := range handlingNames {
		if h&(1<<i) != 0 {
			codes = append(codes, name)
		}
	}
	return codes
}

// String returns the codes joined by commas, e.g. "H0,H2".
func (h Handling) String() string { return strings.Join(h.Codes(), ",") }

func (h Handling) valid() bool { return h != 0 && h&^allHandling == 0 }

// ParseHandlingCode parses one code name, "H0" to "H3" (upper case).
func ParseHandlingCode(s string) (Handling, error) {
	for i, name := range handlingNames {
		if s == name {
			return 1 << i, nil
		}
	}
	return 0, errs.E(errs.Invalid, "envelope.handling", "unknown handling code (want H0, H1, H2 or H3)")
}

// MarshalJSON encodes h as an array of code names.
func (h Handling) MarshalJSON() ([]byte, error) {
	if h&^allHandling != 0 {
		return nil, errs.E(errs.Invalid, "envelope.handling", "unknown handling code")
	}
	codes := h.Codes()
	if codes == nil {
		codes = []string{}
	}
	return json.Marshal(codes)
}

// UnmarshalJSON decodes an array of code names.
func (h *Handling) UnmarshalJSON(data []byte) error {
	var codes []string
	if err := json.Unmarshal(data, &codes); err != nil {
		return errs.E(errs.Invalid, "envelope.handling", "handling must be an array of codes", err)
	}
	var set Handling
	for _, c := range codes {
		code, err := ParseHandlingCode(c)
		if err != nil {
			return err
		}
		set |= code
	}
	*h = set
	return nil
}

// TLP is a Traffic Light Protocol 2.0 label. Labels are in capitals and
// never translated; [ParseTLP] and JSON decoding accept lower case and
// normalise it.
type TLP string

const (
	TLPRed         TLP = "TLP:RED"          // named recipients only
	TLPAmberStrict TLP = "TLP:AMBER+STRICT" // the recipient organisation only
	TLPAmber       TLP = "TLP:AMBER"        // the recipient organisation and its clients, need to know
	TLPGreen       TLP = "TLP:GREEN"        // the community
	TLPClear       TLP = "TLP:CLEAR"        // public
)

// Rank orders labels by restrictiveness: TLP:CLEAR is 0 and TLP:RED 4.
// It is -1 for anything that is not a canonical label.
func (t TLP) Rank() int {
	switch t {
	case TLPClear:
		return 0
	case TLPGreen:
		return 1
	case TLPAmber:
		return 2
	case TLPAmberStrict:
		return 3
	case TLPRed:
		return 4
	}
	return -1
}

// ParseTLP returns the canonical label for s, accepting any ASCII letter
// case ("tlp:amber+strict"). Non-ASCII input is rejected rather than
// case-folded, so look-alike letters cannot pass for a label.
func ParseTLP(s string) (TLP, error) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "", errTLP()
		}
	}
	t := TLP(strings.ToUpper(s))
	if t.Rank() < 0 {
		return "", errTLP()
	}
	return t, nil
}

func errTLP() error {
	return errs.E(errs.Invalid, "envelope.tlp",
		"tlp must be one of TLP:RED, TLP:AMBER+STRICT, TLP:AMBER, TLP:GREEN, TLP:CLEAR")
}

// UnmarshalText parses and normalises a label.
func (t *TLP) UnmarshalText(b []byte) error {
	v, err := ParseTLP(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// SourceReliability is the Europol 4×4 evaluation of the source.
type SourceReliability string

const (
	SourceA SourceReliability = "A" // no doubt about authenticity, trustworthiness and competence
	SourceB SourceReliability = "B" // mostly reliable
	SourceC SourceReliability = "C" // not reliable
	SourceX SourceReliability = "X" // reliability cannot be assessed
)

func (s SourceReliability) valid() bool {
	return s == SourceA || s == SourceB || s == SourceC || s == SourceX
}

// InformationReliability is the Europol 4×4 evaluation of the information,
// 1 to 4. In JSON it is a number.
type InformationReliability uint8

const (
	Info1 InformationReliability = 1 // known to be true without reservation
	Info2 InformationReliability = 2 // known personally to the source but not to the official passing it on
	Info3 InformationReliability = 3 // not known personally to the source, corroborated by other information
	Info4 InformationReliability = 4 // cannot be assessed
)

func (i InformationReliability) valid() bool { return i >= Info1 && i <= Info4 }

// Purpose is the purpose of processing for which a record was collected or
// is disclosed. The vocabulary is fixed; detail goes in
// [Envelope.PurposeDetail].
type Purpose string

const (
	PurposeCriminalInvestigation Purpose = "criminal-investigation" // investigating a specific offence
	PurposeCrimePrevention       Purpose = "crime-prevention"       // preventing offences, incl. intelligence on threats
	PurposeCounterTerrorism      Purpose = "counter-terrorism"      // terrorist offences (Directive 2017/541)
	PurposeCybercrime            Purpose = "cybercrime"             // offences against or by means of information systems
	PurposeAssetRecovery         Purpose = "asset-recovery"         // tracing, freezing and confiscating proceeds of crime
	PurposeJudicialCooperation   Purpose = "judicial-cooperation"   // MLA, EIO, EAW, extradition
	PurposeBorderControl         Purpose = "border-control"         // checks at the border, incl. alerts on persons and documents
	PurposeMissingPerson         Purpose = "missing-person"         // locating missing persons, identifying persons and bodies
	PurposeTraining              Purpose = "training"               // exercises on exercise data only
)

// Purposes lists the vocabulary in a stable order.
var Purposes = []Purpose{
	PurposeCriminalInvestigation, PurposeCrimePrevention, PurposeCounterTerrorism,
	PurposeCybercrime, PurposeAssetRecovery, PurposeJudicialCooperation,
	PurposeBorderControl, PurposeMissingPerson, PurposeTraining,
}

// numPurposes sizes the compatibility matrix; index returns positions in it.
const numPurposes = 9

func (p Purpose) index() int {
	switch p {
	case PurposeCriminalInvestigation:
		return 0
	case PurposeCrimePrevention:
		return 1
	case PurposeCounterTerrorism:
		return 2
	case PurposeCybercrime:
		return 3
	case PurposeAssetRecovery:
		return 4
	case PurposeJudicialCooperation:
		return 5
	case PurposeBorderControl:
		return 6
	case PurposeMissingPerson:
		return 7
	case PurposeTraining:
		return 8
	}
	return -1
}

// Valid reports whether p is in the vocabulary.
func (p Purpose) Valid() bool { return p.index() >= 0 }

// ParsePurpose validates a purpose name.
func ParsePurpose(s string) (Purpose, error) {
	if p := Purpose(s); p.Valid() {
		return p, nil
	}
	return "", errs.E(errs.Invalid, "purpose", "unknown purpose (want one of criminal-investigation, crime-prevention, "+
		"counter-terrorism, cybercrime, asset-recovery, judicial-cooperation, border-control, missing-person, training)")
}

// CombatsCrime reports whether p is a purpose of preventing or combating
// crime, the only purposes an H0 record may serve. Border control and
// missing persons are not: a border check or a search for a missing person
// is not by itself the prevention or prosecution of an offence.
func (p Purpose) CombatsCrime() bool {
	switch p {
	case PurposeCriminalInvestigation, PurposeCrimePrevention, PurposeCounterTerrorism,
		PurposeCybercrime, PurposeAssetRecovery, PurposeJudicialCooperation:
		return true
	}
	return false
}

// DataSubjectCategory is the category of a person in a record (Directive
// 2016/680 Art. 6). It sets the default review period; see [Defaults].
type DataSubjectCategory string

const (
	CategorySuspect   DataSubjectCategory = "suspect"   // suspected of having committed or being about to commit an offence
	CategoryConvicted DataSubjectCategory = "convicted" // convicted of an offence
	CategoryVictim    DataSubjectCategory = "victim"    // victim, or a person facts give reason to believe could be one
	CategoryWitness   DataSubjectCategory = "witness"   // witness or other person who can give information
	CategoryContact   DataSubjectCategory = "contact"   // contact or associate of a suspect or convicted person
	CategoryOther     DataSubjectCategory = "other"     // any other person
)

// DataSubjectCategories lists the categories in a stable order.
var DataSubjectCategories = []DataSubjectCategory{
	CategorySuspect, CategoryConvicted, CategoryVictim, CategoryWitness, CategoryContact, CategoryOther,
}

// ParseDataSubjectCategory validates a category name.
func ParseDataSubjectCategory(s string) (DataSubjectCategory, error) {
	switch c := DataSubjectCategory(s); c {
	case CategorySuspect, CategoryConvicted, CategoryVictim, CategoryWitness, CategoryContact, CategoryOther:
		return c, nil
	}
	return "", errs.E(errs.Invalid, "dataSubjectCategory",
		"unknown data-subject category (want suspect, convicted, victim, witness, contact or other)")
}

// Nature says whether a piece of information is a fact or an assessment
// (Directive 2016/680 Art. 7: personal data based on facts must be
// distinguished, as far as possible, from data based on personal
// assessments).
type Nature string

const (
	NatureFact       Nature = "fact"
	NatureAssessment Nature = "assessment"
)

// ParseNature validates a nature name.
func ParseNature(s string) (Nature, error) {
	switch n := Nature(s); n {
	case NatureFact, NatureAssessment:
		return n, nil
	}
	return "", errs.E(errs.Invalid, "nature", "nature must be fact or assessment")
}

// JSONSchema describes the JSON form of Handling for the API document.
func (Handling) JSONSchema() map[string]any {
	return map[string]any{"type": "array", "uniqueItems": true, "minItems": 1,
		"items":       map[string]any{"type": "string", "enum": []string{"H0", "H1", "H2", "H3"}},
		"description": "Europol handling codes"}
}

// JSONSchema describes the JSON form of a TLP label for the API document.
func (TLP) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "enum": []string{string(TLPRed), string(TLPAmberStrict), string(TLPAmber), string(TLPGreen), string(TLPClear)},
		"description": "TLP 2.0 label"}
}
