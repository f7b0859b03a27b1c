package notice

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/errs"
)

func TestNormalizeDocumentNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"X1234567", "X1234567"},
		{" x12-345 67 ", "X1234567"},
		{"ab\t12-34", "AB1234"},
	}
	for _, tt := range tests {
		got, err := NormalizeDocumentNumber(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeDocumentNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "A1", "AB/1234", "ÄB12345", strings.Repeat("1", 31), "12345\x00"} {
		if _, err := NormalizeDocumentNumber(bad); !errs.Is(err, errs.Invalid) || errs.FieldOf(err) != "document_number" {
			t.Errorf("NormalizeDocumentNumber(%q) err = %v, want Invalid on document_number", bad, err)
		}
	}
}

func TestNormalizePlate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ab-123-cd", "AB123CD"},
		{"M·AB 123", "MAB123"},
		{"А123ВС77", "A123BC77"}, // Cyrillic letters
		{"а123вс77", "A123BC77"},
		{"ΙΚΑ-1234", "IKA1234"}, // Greek
		{"MÜ-X 99", "MUX99"},
		{"٣٤٥٦ A", "3456A"}, // Arabic-Indic digits
	}
	for _, tt := range tests {
		got, err := NormalizePlate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizePlate(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "A", "ЖЖ123", "AB_12", strings.Repeat("A", 16)} {
		if _, err := NormalizePlate(bad); !errs.Is(err, errs.Invalid) || errs.FieldOf(err) != "plate" {
			t.Errorf("NormalizePlate(%q) err = %v, want Invalid on plate", bad, err)
		}
	}
}

func TestVIN(t *testing.T) {
	tests := []struct {
		in, want string
		check    VINCheck
	}{
		{"1M8GDM9AXKP042788", "1M8GDM9AXKP042788", VINCheckValid}, // the FMVSS 115 worked example
		{"1m8gdm9a-xkp 042788", "1M8GDM9AXKP042788", VINCheckValid},
		{"11111111111111111", "11111111111111111", VINCheckValid},
		{"1M8GDM9A1KP042788", "1M8GDM9A1KP042788", VINCheckInvalid},
		{"WVWZZZ1JZ3W386752", "WVWZZZ1JZ3W386752", VINCheckNotApplicable}, // European: no check digit
	}
	for _, tt := range tests {
		got, err := NormalizeVIN(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeVIN(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		if c := CheckVIN(got); c != tt.check {
			t.Errorf("CheckVIN(%q) = %v, want %v", got, c, tt.check)
		}
	}
	for _, bad := range []string{"", "1M8GDM9AXKP04278", "1M8GDM9AXKP0427888", "1M8GDM9AXKPO42788", "IM8GDM9AXKP042788", "1M8GDM9AXKP04278*"} {
		if _, err := NormalizeVIN(bad); !errs.Is(err, errs.Invalid) || errs.FieldOf(err) != "vin" {
			t.Errorf("NormalizeVIN(%q) err = %v, want Invalid on vin", bad, err)
		}
	}
}

func TestAlertNormalize(t *testing.T) {
	good := []Alert{
		{Kind: TravelDocument, DocumentNumber: "x 123-4567", Country: "fr", DocumentType: Passport, Status: Stolen},
		{Kind: TravelDocument, DocumentNumber: "12345678", Country: "DE", Status: Revoked},
		{Kind: Vehicle, Plate: "ab-123-cd", Country: "FR", Status: Stolen},
		{Kind: Vehicle, VIN: "WVWZZZ1JZ3W386752", Status: Stolen},
		{Kind: Object, Description: "Painting, oil on canvas, 40x50 cm", Status: Lost},
	}
	for _, a := range good {
		if err := a.Normalize(); err != nil {
			t.Errorf("%+v: %v", a, err)
		}
	}
	a := good[0]
	_ = a.Normalize()
	if a.DocumentNumber != "X1234567" || a.Country != "FR" {
		t.Errorf("not normalised: %+v", a)
	}
	bad := []struct {
		a     Alert
		field string
	}{
		{Alert{Kind: TravelDocument, DocumentNumber: "X1234567", Status: Stolen}, "country"},
		{Alert{Kind: TravelDocument, DocumentNumber: "X1234567", Country: "FRA", Status: Stolen}, "country"},
		{Alert{Kind: TravelDocument, DocumentNumber: "X1234567", Country: "YY", Status: Stolen}, "country"},
		{Alert{Kind: TravelDocument, DocumentNumber: "X1234567", Country: "FR", Status: "found"}, "status"},
		{Alert{Kind: TravelDocument, DocumentNumber: "X1234567", Country: "FR", Status: Stolen, DocumentType: "card"}, "type"},
		{Alert{Kind: Vehicle, Status: Stolen}, "plate"},
		{Alert{Kind: Vehicle, Plate: "AB123", Status: Stolen}, "country"},
		{Alert{Kind: Vehicle, VIN: "WVWZZZ1JZ3W38675", Status: Stolen}, "vin"},
		{Alert{Kind: Vehicle, VIN: "WVWZZZ1JZ3W386752", Status: Lost}, "status"},
		{Alert{Kind: Object, Status: Stolen}, "description"},
		{Alert{Kind: "boat"}, "kind"},
		{Alert{Kind: Object, Description: "x", Status: Stolen, Reference: strings.Repeat("r", 65)}, "reference"},
	}
	for _, tt := range bad {
		err := tt.a.Normalize()
		if err == nil || errs.FieldOf(err) != tt.field {
			t.Errorf("%+v: err = %v, want one on %s", tt.a, err, tt.field)
		}
	}
}

func TestIsCountry(t *testing.T) {
	for _, c := range []string{"FR", "DE", "XK", "XX", "ZZ", "QM", "AA"} {
		if !IsCountry(c) {
			t.Errorf("IsCountry(%q) = false", c)
		}
	}
	for _, c := range []string{"", "fr", "YY", "QA1", "QL", "EU", "F"} {
		if IsCountry(c) {
			t.Errorf("IsCountry(%q) = true", c)
		}
	}
}

func TestInstructions(t *testing.T) {
	if got := (Alert{Kind: TravelDocument, Originator: "FR-NCB"}).Instruction(); got != "seize document — contact FR-NCB" {
		t.Errorf("document: %q", got)
	}
	if got := (Alert{Kind: Vehicle, Contact: "NCB Lyon"}).Instruction(); got != "seize vehicle — contact NCB Lyon" {
		t.Errorf("vehicle: %q", got)
	}
	if got := (Alert{Kind: Object, Action: "do not seize; report location"}).Instruction(); got != "do not seize; report location" {
		t.Errorf("object: %q", got)
	}
	if got := (Notice{Type: Red, Contact: "NCB Lyon"}).Instruction(); got != "arrest with a view to extradition — contact NCB Lyon" {
		t.Errorf("red: %q", got)
	}
	for _, ty := range Types {
		if ty.Action() == "inform the originator" {
			t.Errorf("%s has no specific action", ty)
		}
	}
}

func FuzzNormalizeIdentifiers(f *testing.F) {
	for _, s := range []string{"X1234567", "ab-123-cd", "А123ВС77", "1M8GDM9AXKP042788", "٣٤٥٦", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, norm := range map[string]func(string) (string, error){
			"document": NormalizeDocumentNumber, "plate": NormalizePlate, "vin": NormalizeVIN, "country": NormalizeCountry,
		} {
			got, err := norm(s)
			if err != nil {
				if !errs.Is(err, errs.Invalid) {
					t.Fatalf("%s(%q): error of kind %s", name, s, errs.KindOf(err))
				}
				continue
			}
			// Normal forms are ASCII upper-case letters and digits, and stable.
			for i := 0; i < len(got); i++ {
				if c := got[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
					t.Fatalf("%s(%q) = %q: byte %q", name, s, got, c)
				}
			}
			again, err := norm(got)
			if err != nil || again != got {
				t.Fatalf("%s not idempotent on %q: %q, %v", name, got, again, err)
			}
			_ = CheckVIN(got)
		}
	})
}

func TestPartialDate(t *testing.T) {
	tests := []struct {
		in   string
		want PartialDate
		str  string
	}{
		{"1958/11/05", PartialDate{1958, 11, 5}, "1958-11-05"},
		{"1958-11-05", PartialDate{1958, 11, 5}, "1958-11-05"},
		{"1958/11", PartialDate{1958, 11, 0}, "1958-11"},
		{"1958", PartialDate{1958, 0, 0}, "1958"},
		{" 2000/02/29 ", PartialDate{2000, 2, 29}, "2000-02-29"},
		{"", PartialDate{}, ""},
	}
	for _, tt := range tests {
		got, err := ParsePartialDate(tt.in)
		if err != nil || got != tt.want || got.String() != tt.str {
			t.Errorf("ParsePartialDate(%q) = %+v (%q), %v", tt.in, got, got.String(), err)
		}
	}
	for _, bad := range []string{"58", "1958/13", "1958/00", "1958/11/00", "1900/02/29", "1958//05", "1958/1/5", "19581105", "1958/11/05/01", "1799", "2201", "1958/", "/1958", "1958-11/05x"} {
		if _, err := ParsePartialDate(bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParsePartialDate(%q) err = %v, want Invalid", bad, err)
		}
	}
	if !(PartialDate{1980, 0, 0}).Compatible(PartialDate{1980, 1, 2}) || (PartialDate{1980, 1, 0}).Compatible(PartialDate{1980, 2, 2}) || !(PartialDate{}).Compatible(PartialDate{1970, 1, 1}) {
		t.Error("Compatible")
	}
}

func FuzzParsePartialDate(f *testing.F) {
	for _, s := range []string{"1958/11/05", "1958-11", "1958", "", "0000/00/00", "9999-99-99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParsePartialDate(s)
		if err != nil {
			return
		}
		if d.Validate() != nil {
			t.Fatalf("%q parsed to invalid %+v", s, d)
		}
		back, err := ParsePartialDate(d.String())
		if err != nil || back != d {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", s, d, d.String(), back, err)
		}
	})
}

func TestCanonicalEntityID(t *testing.T) {
	for in, want := range map[string]string{"1993/27493": "1993-27493", "1993-27493": "1993-27493", " 2099/12345 ": "2099-12345"} {
		if got, err := CanonicalEntityID(in); err != nil || got != want {
			t.Errorf("CanonicalEntityID(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "1993", "93/27493", "1993/", "1993/27493/1", "1993_27493", "abcd/1234", "1993/12345678901"} {
		if _, err := CanonicalEntityID(bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("CanonicalEntityID(%q) err = %v", bad, err)
		}
	}
}

func TestNoticeValidate(t *testing.T) {
	ok := redNotice("Fraud")
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field string
		edit  func(*Notice)
	}{
		{"type", func(n *Notice) { n.Type = "pink" }},
		{"name", func(n *Notice) { n.Name, n.Forename = "", " " }},
		{"facts", func(n *Notice) { n.Type = Purple; n.Facts = "" }},
		{"entity_id", func(n *Notice) { n.EntityID = "nope" }},
		{"sex", func(n *Notice) { n.Sex = "X" }},
		{"category", func(n *Notice) { n.Category = "bystander" }},
		{"nationalities[1]", func(n *Notice) { n.Nationalities = []string{"FR", "fra"} }},
		{"country_of_birth", func(n *Notice) { n.CountryOfBirth = "France" }},
		{"charges[0].issuing_country", func(n *Notice) { n.Charges[0].IssuingCountry = "x" }},
		{"charges[0].max_penalty_months", func(n *Notice) { n.Charges[0].MaxPenaltyMonths = -1 }},
		{"charges[0].text", func(n *Notice) { n.Charges[0].Text = strings.Repeat("a", MaxLongTextLen+1) }},
		{"name", func(n *Notice) { n.Name = "\xff" }},
		{"charges", func(n *Notice) { n.Charges = make([]Charge, MaxListLen+1) }},
		{"height", func(n *Notice) { n.HeightMetres = 4 }},
		{"distribution.scope", func(n *Notice) { n.Distribution.Scope = "some" }},
		{"distribution.agencies", func(n *Notice) { n.Distribution = Distribution{Scope: ScopeAgencies} }},
		{"distribution.scope", func(n *Notice) { n.Diffusion = true }},
		{"languages[0]", func(n *Notice) { n.Languages = []string{""} }},
	}
	for _, tt := range tests {
		n := redNotice("Fraud")
		tt.edit(&n)
		err := n.Validate()
		if err == nil || errs.FieldOf(err) != tt.field {
			t.Errorf("%s: err = %v (field %q)", tt.field, err, errs.FieldOf(err))
		}
	}
	if !utf8.ValidString(ok.Instruction()) {
		t.Fatal("instruction not UTF-8")
	}
}
