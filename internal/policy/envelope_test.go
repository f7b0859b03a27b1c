package policy

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// original returns a valid envelope as held by its originator, NL-NCB.
func original() Envelope {
	return Envelope{
		Originator:             "NL-NCB",
		OriginatorCountry:      "NL",
		Handling:               H0,
		TLP:                    TLPAmber,
		SourceReliability:      SourceB,
		InformationReliability: Info2,
		Purpose:                PurposeCriminalInvestigation,
		LegalBasis:             "Wet politiegegevens art. 17a",
		ReviewDate:             now.AddDate(1, 0, 0),
		CaseRef:                "NL-2026-00042",
	}
}

// received returns the same record as a copy held by DE-BKA, received from
// the originator.
func received() Envelope {
	e := original()
	e.ReceivedFrom = "NL-NCB"
	return e
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*Envelope)
		wantField string // "" for valid
	}{
		{"valid", func(*Envelope) {}, ""},
		{"valid copy", func(e *Envelope) { e.ReceivedFrom = "NL-NCB" }, ""},
		{"valid red", func(e *Envelope) { e.TLP, e.TLPRecipients = TLPRed, []string{"DE-BKA", "FR-DCPJ"} }, ""},
		{"valid H3 rules", func(e *Envelope) {
			e.Handling = H0 | H3
			e.Restrictions.Rules = []Restriction{{RestrictNotToCountry, "RU"}, {RestrictNoMatching, ""}}
		}, ""},
		{"valid H3 text", func(e *Envelope) { e.Handling = H3; e.Restrictions.Text = "ask before use in court" }, ""},
		{"valid H2 grants", func(e *Envelope) { e.Handling = H2; e.OnwardGrants = []string{"BE-FP"} }, ""},
		{"valid exercise", func(e *Envelope) { e.Exercise, e.Purpose = true, PurposeTraining }, ""},
		{"originator empty", func(e *Envelope) { e.Originator = "" }, "envelope.originator"},
		{"originator lower", func(e *Envelope) { e.Originator = "nl-ncb" }, "envelope.originator"},
		{"originator leading dash", func(e *Envelope) { e.Originator = "-NL" }, "envelope.originator"},
		{"originator too long", func(e *Envelope) { e.Originator = strings.Repeat("A", 33) }, "envelope.originator"},
		{"country lower", func(e *Envelope) { e.OriginatorCountry = "nl" }, "envelope.originatorCountry"},
		{"country UK", func(e *Envelope) { e.OriginatorCountry = "UK" }, "envelope.originatorCountry"},
		{"no handling", func(e *Envelope) { e.Handling = 0 }, "envelope.handling"},
		{"unknown handling bit", func(e *Envelope) { e.Handling = H0 | 1<<5 }, "envelope.handling"},
		{"rules without H3", func(e *Envelope) { e.Restrictions.Rules = []Restriction{{RestrictNoMatching, ""}} }, "envelope.handling"},
		{"text without H3", func(e *Envelope) { e.Restrictions.Text = "x" }, "envelope.handling"},
		{"H3 without restriction", func(e *Envelope) { e.Handling = H3 }, "envelope.restrictions"},
		{"bad rule", func(e *Envelope) {
			e.Handling = H3
			e.Restrictions.Rules = []Restriction{{RestrictNoMatching, ""}, {RestrictNotToCountry, "UK"}}
		}, "envelope.restrictions.rules[1]"},
		{"duplicate rule", func(e *Envelope) {
			e.Handling = H3
			e.Restrictions.Rules = []Restriction{{RestrictCaseOnly, "A"}, {RestrictCaseOnly, "A"}}
		}, "envelope.restrictions.rules[1]"},
		{"too many rules", func(e *Envelope) {
			e.Handling = H3
			for i := range MaxRestrictionRules + 1 {
				e.Restrictions.Rules = append(e.Restrictions.Rules, Restriction{RestrictCaseOnly, "C" + string(rune('A'+i%26)) + string(rune('A'+i/26))})
			}
		}, "envelope.restrictions.rules"},
		{"control char in text", func(e *Envelope) { e.Handling = H3; e.Restrictions.Text = "a\x1b[31m" }, "envelope.restrictions.text"},
		{"bidi override in text", func(e *Envelope) { e.Handling = H3; e.Restrictions.Text = "a\u202eb" }, "envelope.restrictions.text"},
		{"text too long", func(e *Envelope) { e.Handling = H3; e.Restrictions.Text = strings.Repeat("x", MaxRestrictionText+1) }, "envelope.restrictions.text"},
		{"tlp unknown", func(e *Envelope) { e.TLP = "TLP:WHITE" }, "envelope.tlp"},
		{"tlp empty", func(e *Envelope) { e.TLP = "" }, "envelope.tlp"},
		{"red without recipients", func(e *Envelope) { e.TLP = TLPRed }, "envelope.tlpRecipients"},
		{"recipients without red", func(e *Envelope) { e.TLPRecipients = []string{"DE-BKA"} }, "envelope.tlpRecipients"},
		{"bad recipient", func(e *Envelope) { e.TLP, e.TLPRecipients = TLPRed, []string{"DE-BKA", "de"} }, "envelope.tlpRecipients[1]"},
		{"duplicate recipient", func(e *Envelope) { e.TLP, e.TLPRecipients = TLPRed, []string{"DE-BKA", "DE-BKA"} }, "envelope.tlpRecipients[1]"},
		{"source reliability", func(e *Envelope) { e.SourceReliability = "D" }, "envelope.sourceReliability"},
		{"source reliability lower", func(e *Envelope) { e.SourceReliability = "a" }, "envelope.sourceReliability"},
		{"information reliability 0", func(e *Envelope) { e.InformationReliability = 0 }, "envelope.informationReliability"},
		{"information reliability 5", func(e *Envelope) { e.InformationReliability = 5 }, "envelope.informationReliability"},
		{"purpose unknown", func(e *Envelope) { e.Purpose = "curiosity" }, "envelope.purpose"},
		{"training on real data", func(e *Envelope) { e.Purpose = PurposeTraining }, "envelope.exercise"},
		{"exercise with real purpose", func(e *Envelope) { e.Exercise = true }, "envelope.exercise"},
		{"no legal basis", func(e *Envelope) { e.LegalBasis = "" }, "envelope.legalBasis"},
		{"legal basis too long", func(e *Envelope) { e.LegalBasis = strings.Repeat("x", MaxLegalBasisLen+1) }, "envelope.legalBasis"},
		{"legal basis bad utf8", func(e *Envelope) { e.LegalBasis = "\xff" }, "envelope.legalBasis"},
		{"no review date", func(e *Envelope) { e.ReviewDate = time.Time{} }, "envelope.reviewDate"},
		{"review date now", func(e *Envelope) { e.ReviewDate = now }, "envelope.reviewDate"},
		{"review date past", func(e *Envelope) { e.ReviewDate = now.Add(-time.Second) }, "envelope.reviewDate"},
		{"review date too far", func(e *Envelope) { e.ReviewDate = now.AddDate(MaxReviewYears, 0, 1) }, "envelope.reviewDate"},
		{"case ref", func(e *Envelope) { e.CaseRef = "NL 2026" }, "envelope.caseRef"},
		{"received from", func(e *Envelope) { e.ReceivedFrom = "nl" }, "envelope.receivedFrom"},
		{"grants without H2", func(e *Envelope) { e.OnwardGrants = []string{"BE-FP"} }, "envelope.onwardGrants"},
		{"duplicate grant", func(e *Envelope) { e.Handling = H2; e.OnwardGrants = []string{"BE-FP", "BE-FP"} }, "envelope.onwardGrants[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := original()
			tt.edit(&e)
			err := e.Validate(now)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("Validate = %v, want an Invalid error", err)
			}
			if got := errs.FieldOf(err); got != tt.wantField {
				t.Errorf("field = %q, want %q (%v)", got, tt.wantField, err)
			}
		})
	}
}

func TestValidateStoredAcceptsExpired(t *testing.T) {
	e := original()
	e.ReviewDate = now.AddDate(-1, 0, 0)
	if err := e.ValidateStored(); err != nil {
		t.Fatalf("ValidateStored: %v", err)
	}
	if err := e.Validate(now); errs.FieldOf(err) != "envelope.reviewDate" {
		t.Fatalf("Validate = %v, want a reviewDate error", err)
	}
}

func TestValidateNormalisesTLP(t *testing.T) {
	e := original()
	e.TLP = "tlp:amber+strict"
	if err := e.Validate(now); err != nil {
		t.Fatal(err)
	}
	if e.TLP != TLPAmberStrict {
		t.Errorf("TLP = %q, want %q", e.TLP, TLPAmberStrict)
	}
}

func TestParseTLP(t *testing.T) {
	tests := []struct {
		in   string
		want TLP
		ok   bool
	}{
		{"TLP:RED", TLPRed, true},
		{"tlp:red", TLPRed, true},
		{"Tlp:Amber+Strict", TLPAmberStrict, true},
		{"tlp:clear", TLPClear, true},
		{"TLP:GREEN", TLPGreen, true},
		{"TLP:WHITE", "", false},
		{"TLP: RED", "", false},
		{"tlp:amber+ſtrict", "", false}, // long s would upper-case to S
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := ParseTLP(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseTLP(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestTLPRank(t *testing.T) {
	order := []TLP{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}
	for i, l := range order {
		if l.Rank() != i {
			t.Errorf("%s.Rank() = %d, want %d", l, l.Rank(), i)
		}
	}
	if TLP("tlp:red").Rank() != -1 {
		t.Error("non-canonical label has a rank")
	}
}

func TestValidCountry(t *testing.T) {
	for _, c := range []string{"NL", "DE", "FR", "GB", "XK", "RU", "UA", "GR", "MA", "ZW"} {
		if !ValidCountry(c) {
			t.Errorf("ValidCountry(%q) = false", c)
		}
	}
	for _, c := range []string{"UK", "EU", "EL", "ZZ", "AA", "gb", "G", "GBR", "", "G1", "\x00\x00"} {
		if ValidCountry(c) {
			t.Errorf("ValidCountry(%q) = true", c)
		}
	}
}

func TestValidAgencyID(t *testing.T) {
	for _, s := range []string{"NL-NCB", "DE-BKA", "EU", "A1", strings.Repeat("A", 32), "EUROPOL-EC3"} {
		if !ValidAgencyID(s) {
			t.Errorf("ValidAgencyID(%q) = false", s)
		}
	}
	for _, s := range []string{"", "A", "nl-ncb", "NL_NCB", "-NL", "NL-", "NL NCB", strings.Repeat("A", 33), "NLÉ"} {
		if ValidAgencyID(s) {
			t.Errorf("ValidAgencyID(%q) = true", s)
		}
	}
}

func TestValidCaseRef(t *testing.T) {
	for _, s := range []string{"NL-2026-00042", "EU/JIT/2025/07", "a", "x.y_z", strings.Repeat("a", 64)} {
		if !ValidCaseRef(s) {
			t.Errorf("ValidCaseRef(%q) = false", s)
		}
	}
	for _, s := range []string{"", "a b", "a:b", strings.Repeat("a", 65), "é"} {
		if ValidCaseRef(s) {
			t.Errorf("ValidCaseRef(%q) = true", s)
		}
	}
}

func TestParseRestriction(t *testing.T) {
	tests := []struct {
		in   string
		want Restriction
		ok   bool
	}{
		{"not-to-country:RU", Restriction{RestrictNotToCountry, "RU"}, true},
		{"not-to-agency:XX-NCB", Restriction{RestrictNotToAgency, "XX-NCB"}, true}, // agency ids are not checked against a registry
		{"not-to-agency:BY-MVD", Restriction{RestrictNotToAgency, "BY-MVD"}, true},
		{"case-only:NL-2026-00042", Restriction{RestrictCaseOnly, "NL-2026-00042"}, true},
		{"no-matching", Restriction{RestrictNoMatching, ""}, true},
		{"no-matching:", Restriction{}, false},
		{"no-matching:x", Restriction{}, false},
		{"not-to-country:ru", Restriction{}, false},
		{"not-to-country:UK", Restriction{}, false},
		{"not-to-country", Restriction{}, false},
		{"not-to-agency:", Restriction{}, false},
		{"case-only:", Restriction{}, false},
		{"case-only:a b", Restriction{}, false},
		{"Not-To-Country:RU", Restriction{}, false},
		{" not-to-country:RU", Restriction{}, false},
		{"only-on-tuesdays", Restriction{}, false},
		{"", Restriction{}, false},
	}
	for _, tt := range tests {
		got, err := ParseRestriction(tt.in)
		if (err == nil) != tt.ok || got != tt.want && tt.ok {
			t.Errorf("ParseRestriction(%q) = %+v, %v; want %+v, ok=%v", tt.in, got, err, tt.want, tt.ok)
			continue
		}
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseRestriction(%q) error kind = %v, want Invalid", tt.in, errs.KindOf(err))
		}
		if tt.ok && got.String() != tt.in {
			t.Errorf("String() = %q, want %q", got.String(), tt.in)
		}
	}
}

func TestHandlingJSON(t *testing.T) {
	b, err := json.Marshal(H3 | H0 | H2)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `["H0","H2","H3"]` {
		t.Errorf("Marshal = %s", b)
	}
	var h Handling
	if err := json.Unmarshal([]byte(`["H2","H0","H2"]`), &h); err != nil || h != H0|H2 {
		t.Errorf("Unmarshal = %v, %v; want H0|H2", h, err)
	}
	for _, in := range []string{`["H4"]`, `["h0"]`, `"H0"`, `[0]`} {
		if err := json.Unmarshal([]byte(in), &h); errs.FieldOf(err) != "envelope.handling" {
			t.Errorf("Unmarshal(%s) = %v, want an envelope.handling error", in, err)
		}
	}
	if _, err := json.Marshal(Handling(1 << 6)); err == nil {
		t.Error("Marshal of an unknown code succeeded")
	}
	if got := (H1 | H3).String(); got != "H1,H3" {
		t.Errorf("String = %q", got)
	}
}

const sampleJSON = `{
  "originator": "NL-NCB",
  "originatorCountry": "NL",
  "handling": ["H0", "H2", "H3"],
  "restrictions": {"text": "Not for use against the informant's family.", "rules": ["not-to-country:RU", "case-only:EU/JIT/2025/07"]},
  "tlp": "tlp:amber",
  "sourceReliability": "B",
  "informationReliability": 2,
  "purpose": "criminal-investigation",
  "purposeDetail": "Cocaine shipments through Rotterdam",
  "legalBasis": "Wet politiegegevens art. 17a",
  "reviewDate": "2027-03-01T00:00:00Z",
  "caseRef": "NL-2026-00042",
  "receivedFrom": "BE-FP",
  "onwardGrants": ["FR-DCPJ"],
  "exercise": false
}`

func TestDecodeEnvelope(t *testing.T) {
	e, err := DecodeEnvelope([]byte(sampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Validate(now); err != nil {
		t.Fatal(err)
	}
	if e.TLP != TLPAmber || e.Handling != H0|H2|H3 || len(e.Restrictions.Rules) != 2 ||
		e.Restrictions.Rules[1] != (Restriction{RestrictCaseOnly, "EU/JIT/2025/07"}) {
		t.Errorf("decoded %+v", e)
	}
	out, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	again, err := DecodeEnvelope(out)
	if err != nil {
		t.Fatal(err)
	}
	out2, _ := json.Marshal(again)
	if !bytes.Equal(out, out2) {
		t.Errorf("round trip differs:\n%s\n%s", out, out2)
	}
	if !strings.Contains(string(out), `"tlp":"TLP:AMBER"`) {
		t.Errorf("TLP not normalised in %s", out)
	}
}

func TestDecodeEnvelopeRejects(t *testing.T) {
	tests := []struct {
		name      string
		json      string
		wantKind  errs.Kind
		wantField string
	}{
		{"unknown field", strings.Replace(sampleJSON, `"exercise"`, `"distribution"`, 1), errs.Invalid, "envelope"},
		{"wrong case field", strings.Replace(sampleJSON, `"tlp"`, `"TLP"`, 1), errs.Invalid, "envelope"},
		{"repeated field", strings.Replace(sampleJSON, `"tlp": "tlp:amber"`, `"tlp": "TLP:RED", "tlp": "TLP:CLEAR"`, 1), errs.Invalid, "envelope"},
		{"repeated nested field", strings.Replace(sampleJSON, `{"text":`, `{"rules": [], "text":`, 1), errs.Invalid, "envelope"},
		{"unknown nested field", strings.Replace(sampleJSON, `{"text":`, `{"note": "x", "text":`, 1), errs.Invalid, "envelope"},
		{"misplaced nested field", strings.Replace(sampleJSON, `{"text":`, `{"tlp": "TLP:RED", "text":`, 1), errs.Invalid, "envelope"},
		{"bad handling", strings.Replace(sampleJSON, `"H2"`, `"H9"`, 1), errs.Invalid, "envelope.handling"},
		{"bad rule", strings.Replace(sampleJSON, `not-to-country:RU`, `not-to-country:UK`, 1), errs.Invalid, "envelope.restrictions.rules"},
		{"bad tlp", strings.Replace(sampleJSON, `tlp:amber`, `TLP:WHITE`, 1), errs.Invalid, "envelope.tlp"},
		{"bad type", strings.Replace(sampleJSON, `"informationReliability": 2`, `"informationReliability": "2"`, 1), errs.Invalid, "envelope"},
		{"overflow", strings.Replace(sampleJSON, `"informationReliability": 2`, `"informationReliability": 300`, 1), errs.Invalid, "envelope"},
		{"trailing data", sampleJSON + "{}", errs.Invalid, "envelope"},
		{"syntax", sampleJSON[:40], errs.Invalid, "envelope"},
		{"too large", `{"legalBasis":"` + strings.Repeat("x", MaxEnvelopeBytes) + `"}`, errs.TooLarge, "envelope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeEnvelope([]byte(tt.json))
			if errs.KindOf(err) != tt.wantKind || errs.FieldOf(err) != tt.wantField {
				t.Errorf("DecodeEnvelope = %v (kind %v, field %q), want kind %v, field %q",
					err, errs.KindOf(err), errs.FieldOf(err), tt.wantKind, tt.wantField)
			}
		})
	}
}

func TestEmbeddedEnvelopeIsStrict(t *testing.T) {
	var rec struct {
		Title    string   `json:"title"`
		Envelope Envelope `json:"envelope"`
	}
	in := `{"title":"x","envelope":` + strings.Replace(sampleJSON, `"tlp"`, `"Tlp"`, 1) + `}`
	if err := json.Unmarshal([]byte(in), &rec); !errs.Is(err, errs.Invalid) {
		t.Errorf("Unmarshal = %v, want Invalid", err)
	}
}

func TestParseDataSubjectCategoryAndNature(t *testing.T) {
	for _, c := range DataSubjectCategories {
		if got, err := ParseDataSubjectCategory(string(c)); err != nil || got != c {
			t.Errorf("ParseDataSubjectCategory(%q) = %q, %v", c, got, err)
		}
	}
	if _, err := ParseDataSubjectCategory("Suspect"); !errs.Is(err, errs.Invalid) {
		t.Errorf("ParseDataSubjectCategory(Suspect) = %v", err)
	}
	for _, n := range []Nature{NatureFact, NatureAssessment} {
		if got, err := ParseNature(string(n)); err != nil || got != n {
			t.Errorf("ParseNature(%q) = %q, %v", n, got, err)
		}
	}
	if _, err := ParseNature("opinion"); !errs.Is(err, errs.Invalid) {
		t.Errorf("ParseNature(opinion) = %v", err)
	}
}

func TestPurposes(t *testing.T) {
	if len(Purposes) != numPurposes {
		t.Fatalf("%d purposes, numPurposes = %d", len(Purposes), numPurposes)
	}
	for i, p := range Purposes {
		if p.index() != i {
			t.Errorf("%s.index() = %d, want %d", p, p.index(), i)
		}
	}
	if Purpose("Training").Valid() {
		t.Error("purposes are case-sensitive")
	}
	for _, p := range Purposes {
		if got, err := ParsePurpose(string(p)); err != nil || got != p {
			t.Errorf("ParsePurpose(%q) = %q, %v", p, got, err)
		}
	}
	if _, err := ParsePurpose("curiosity"); !errs.Is(err, errs.Invalid) || errs.FieldOf(err) != "purpose" {
		t.Errorf("ParsePurpose(curiosity) = %v", err)
	}
}
