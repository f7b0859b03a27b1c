package ftm

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/errs"
)

type normCase struct {
	in, want string // want "" means the value must be rejected
}

func runNorm(t *testing.T, name string, f func(string) (string, error), cases []normCase) {
	t.Helper()
	for _, c := range cases {
		got, err := f(c.in)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("%s(%q) = %q, want error", name, c.in, got)
		case c.want == "":
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s(%q): error kind %v, want Invalid", name, c.in, err)
			}
			if len(c.in) > 3 && strings.Contains(err.Error(), c.in) {
				t.Errorf("%s(%q): error %q repeats the value", name, c.in, err)
			}
		case err != nil:
			t.Errorf("%s(%q): %v, want %q", name, c.in, err, c.want)
		case got != c.want:
			t.Errorf("%s(%q) = %q, want %q", name, c.in, got, c.want)
		default:
			if again, err := f(got); err != nil || again != got {
				t.Errorf("%s not idempotent on %q: %q, %v", name, got, again, err)
			}
		}
	}
}

func TestNormalizeDate(t *testing.T) {
	runNorm(t, "NormalizeDate", NormalizeDate, []normCase{
		{"1958", "1958"},
		{"1958-11", "1958-11"},
		{"1958-11-05", "1958-11-05"},
		{" 1958/11/05 ", "1958-11-05"}, // INTERPOL form
		{"1958/11", "1958-11"},
		{"1958-11-00", "1958-11"},
		{"1958-00-00", "1958"},
		{"2021-02-16T21:48:52", "2021-02-16"},
		{"2021-02-16T21:48:52Z", "2021-02-16"},
		{"2021-02-16T21:48:52.123+01:00", "2021-02-16"},
		{"2021-02-16 21:48", "2021-02-16"},
		{"2021-02-16T21", "2021-02-16"},
		{"2000-02-29", "2000-02-29"},
		{"2024-02-29", "2024-02-29"},
		{"1900-02-29", ""},
		{"2023-02-29", ""},
		{"2023-04-31", ""},
		{"2023-13-01", ""},
		{"2023-00-05", ""},
		{"0999-01-01", ""},
		{"12/05/1958", ""},
		{"05.11.1958", ""},
		{"1958-1-5", ""},
		{"1958-11/05", ""},
		{"1958-11-05T25:00", ""},
		{"1958-11-05T", ""},
		{"1958-11-05Tnonsense", ""},
		{"2021-W07", ""},
		{"2021-2024", ""},
		{"", ""},
	})
}

func TestNormalizeCountry(t *testing.T) {
	runNorm(t, "NormalizeCountry", NormalizeCountry, []normCase{
		{"de", "de"},
		{"DE", "de"},
		{" fr ", "fr"},
		{"DEU", "de"},
		{"gbr", "gb"},
		{"UK", "gb"},
		{"EL", "gr"},
		{"Germany", "de"},
		{"xk", "xk"},
		{"ua-cri", "ua-cri"}, // FtM territory
		{"SUHH", "suhh"},
		{"zz", "zz"},
		{"xx", ""},
		{"ZZZ", ""},
		{"Narnia", ""},
		{"", ""},
	})
	if !IsCountry("XK") || !IsCountry("de") || IsCountry("zz") || IsCountry("uk") || IsCountry("ua-cri") || IsCountry("") {
		t.Error("IsCountry disagrees with ISO 3166-1")
	}
	if got := CountryName("DE"); got != "Germany" {
		t.Errorf("CountryName(DE) = %q", got)
	}
	if got := CountryName("suhh"); got != "Soviet Union" {
		t.Errorf("CountryName(suhh) = %q", got)
	}
	if got := len(CountryCodes()); got != 250 {
		t.Errorf("%d country codes, want 249 ISO + XK", got)
	}
}

// TestCountriesMatchFtM checks the country tables against the FtM model:
// every code we know is an FtM country with the same name, and every FtM
// country value normalises to itself.
func TestCountriesMatchFtM(t *testing.T) {
	m := loadModel(t)
	ftm := m.Types["country"].Values
	if len(ftm) == 0 {
		t.Fatal("model.json has no country values")
	}
	for _, c := range isoCountries {
		if ftm[c.alpha2] != c.name {
			t.Errorf("%s: name %q, FtM %q", c.alpha2, c.name, ftm[c.alpha2])
		}
	}
	for code, name := range ftmTerritories {
		if ftm[code] != name {
			t.Errorf("%s: name %q, FtM %q", code, name, ftm[code])
		}
	}
	for code := range ftm {
		if got, err := NormalizeCountry(code); err != nil || got != code {
			t.Errorf("NormalizeCountry(%q) = %q, %v", code, got, err)
		}
	}
}

func TestNormalizeIBAN(t *testing.T) {
	runNorm(t, "NormalizeIBAN", NormalizeIBAN, []normCase{
		{"DE89 3704 0044 0532 0130 00", "DE89370400440532013000"},
		{"IBAN DE89 3704 0044 0532 0130 00", "DE89370400440532013000"},
		{"de89370400440532013000", "DE89370400440532013000"},
		{"GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819"},
		{"FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"},
		{"NL91ABNA0417164300", "NL91ABNA0417164300"},
		{"BE68 5390 0754 7034", "BE68539007547034"},
		{"CH93 0076 2011 6238 5295 7", "CH9300762011623852957"},
		{"NO93 8601 1117 947", "NO9386011117947"},
		{"MT84 MALT 0110 0001 2345 MTLC AST0 01S", "MT84MALT011000012345MTLCAST001S"},
		{"CY17 0020 0128 0000 0012 0052 7600", "CY17002001280000001200527600"},
		{"DE89 3704 0044 0532 0130 01", ""}, // checksum
		{"DE88 3704 0044 0532 0130 00", ""}, // check digits
		{"DE89 3704 0044 0532 0130 0", ""},  // length
		{"GB29 NWBK 6016 1331 9268 1", ""},
		{"US12 3456 7890 1234", ""}, // no IBAN in the US
		{"XX89370400440532013000", ""},
		{"DE8937040044053201300!", ""},
		{"1234567890", ""},
		{"", ""},
	})
}

func TestNormalizePhone(t *testing.T) {
	cases := []struct{ in, country, want string }{
		{"+49 30 1234567", "", "+49301234567"},
		{"0049 (30) 123-4567", "", "+49301234567"},
		{"030 1234567", "de", "+49301234567"},
		{"030/1234567", "DE", "+49301234567"},
		{"06 12 34 56 78", "fr", "+33612345678"},
		{"+33 6 12 34 56 78", "de", "+33612345678"},
		{"+1 (202) 555-0173", "", "+12025550173"},
		{"(202) 555-0173", "us", "+12025550173"},
		{"1-202-555-0173", "us", "+12025550173"},
		{"011 44 20 7946 0958", "us", "+442079460958"},
		{"8 (495) 123-45-67", "ru", "+74951234567"},
		{"06 1 234 5678", "hu", "+3612345678"},
		{"06 6982 1234", "it", "+390669821234"},   // Italy keeps its 0
		{"+881 6 3145 6789", "", "+881631456789"}, // Iridium
		{"+383 44 123 456", "", "+38344123456"},   // Kosovo
		{"call me", "", ""},
		{"+999 1234 5678", "", ""}, // unassigned code
		{"12345678", "", ""},       // no prefix, no country
		{"12345678", "zz", ""},
		{"+49 30 1234567 ext 5", "", ""},
		{"+1 055 555 0173", "", ""}, // NANP area code cannot start with 0
		{"+7 495 123", "", ""},
		{"+49 30", "", ""},
		{"+4930123456789012345", "", ""},
		{"49+301234567", "", ""},
		{"", "de", ""},
	}
	for _, c := range cases {
		got, err := NormalizePhone(c.in, c.country)
		if c.want == "" {
			if err == nil {
				t.Errorf("NormalizePhone(%q, %q) = %q, want error", c.in, c.country, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", c.in, c.country, got, err, c.want)
			continue
		}
		if again, err := NormalizePhone(got, ""); err != nil || again != got {
			t.Errorf("NormalizePhone not idempotent on %q: %q, %v", got, again, err)
		}
	}
}

func TestNormalizeOthers(t *testing.T) {
	runNorm(t, "NormalizeEmail", NormalizeEmail, []normCase{
		{"Max.Mustermann@Example.DE", "Max.Mustermann@example.de"},
		{"mailto:info@europol.europa.eu", "info@europol.europa.eu"},
		{" a+tag@sub.example.org ", "a+tag@sub.example.org"},
		{"jürgen@müller.de", "jürgen@müller.de"},
		{"no-at-sign.example.org", ""},
		{"a@b", ""},
		{"a b@example.org", ""},
		{".a@example.org", ""},
		{"a..b@example.org", ""},
		{"a@-example.org", ""},
		{"a@example..org", ""},
		{"@example.org", ""},
		{"a@", ""},
	})
	runNorm(t, "NormalizeIdentifier", NormalizeIdentifier, []normCase{
		{"c01x00t47", "C01X00T47"},
		{"AB 12-345.6", "AB123456"},
		{"2023/1234", "2023/1234"},
		{"  ", ""},
		{"AB\x00CD", ""},
	})
	runNorm(t, "NormalizeName", NormalizeName, []normCase{
		{"  Jean-Pierre   Dupont ", "Jean-Pierre Dupont"},
		{"Müller", "Müller"},
		{"Mu\u0308ller", "Müller"}, // decomposed → NFC
		{"Ivan\u200b Petrov", "Ivan Petrov"},
		{"Сергей\tИванов", "Сергей Иванов"},
		{"\u200b", ""},
	})
	runNorm(t, "NormalizeEntityRef", NormalizeEntityRef, []normCase{
		{"NK-2Wb8Ruo7Sxz9p9kkm5Qn5c", "NK-2Wb8Ruo7Sxz9p9kkm5Qn5c"},
		{" Q7747 ", "Q7747"},
		{"ofac.12345", "ofac.12345"},
		{"-abc", ""},
		{"abc.", ""},
		{"a b", ""},
		{"a/b", ""},
		{strings.Repeat("a", 201), ""},
	})
	runNorm(t, "NormalizeURL", NormalizeURL, []normCase{
		{"https://Example.ORG/Path?q=1", "https://example.org/Path?q=1"},
		{"HTTP://example.org", "http://example.org"},
		{"example.org/x", "http://example.org/x"},
		{"javascript:alert(1)", ""},
		{"file:///etc/passwd", ""},
		{"https://", ""},
		{"https://exa mple.org", ""},
	})
	runNorm(t, "NormalizeGender", NormalizeGender, []normCase{
		{"M", "male"}, {"female", "female"}, {"W", "female"}, {"x", "other"}, {"U", ""}, {"unknown", ""},
	})
	runNorm(t, "NormalizeLanguage", NormalizeLanguage, []normCase{
		{"de", "deu"}, {"ger", "deu"}, {"FRE", "fra"}, {"ENG", "eng"}, {"DEU", "deu"}, {"uk", "ukr"},
		{"ru", "rus"}, {"iw", "heb"}, {"xx", ""}, {"zzz", ""}, {"qab", ""}, {"english", ""}, {"und", ""}, {"en-US", ""},
	})
	runNorm(t, "NormalizeIP", NormalizeIP, []normCase{
		{"192.168.1.143", "192.168.1.143"},
		{"0:0:0:0:0:ffff:c0a8:18f", "::ffff:192.168.1.143"},
		{"2001:DB8::1", "2001:db8::1"},
		{"fe80::1%eth0", ""},
		{"999.1.1.1", ""},
	})
	runNorm(t, "NormalizeChecksum", NormalizeChecksum, []normCase{
		{"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"da39a3ee", ""},
	})
	runNorm(t, "NormalizeMIMEType", NormalizeMIMEType, []normCase{
		{"Text/HTML; charset=utf-8", "text/html"}, {"application/pdf", "application/pdf"}, {"pdf", ""},
	})
	runNorm(t, "NormalizeTopic", NormalizeTopic, []normCase{
		{"crime.fin", "crime.fin"}, {"Role.PEP", "role.pep"}, {"crime..fin", ""}, {"crime fin", ""},
	})
	runNorm(t, "NormalizeNumber", NormalizeNumber, []normCase{
		{" 1,000.00 ", "1,000.00"}, {"180  cm", "180 cm"}, {"tall", ""},
	})
	runNorm(t, "NormalizeJSON", NormalizeJSON, []normCase{
		{`{"a": 1}`, `{"a": 1}`}, {`{a: 1}`, ""},
	})
	runNorm(t, "NormalizeWallet", NormalizeWallet, []normCase{
		{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"}, // base58 keeps case
		{"0x52908400098527886E0F7030069857D2E4169EE7", "0x52908400098527886e0f7030069857d2e4169ee7"},
		{"BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"},
		{"1A1z P1eP5", "1A1zP1eP5"},
		{"bitcoin€", ""},
	})
}

func TestNormalizeDispatch(t *testing.T) {
	tests := []struct {
		schema, prop, in, want string
		wantErr                bool
	}{
		{"Person", "birthDate", "1958/11/05", "1958-11-05", false},
		{"Person", "nationality", "DEU", "de", false},
		{"Person", "name", " Ivan  Petrov ", "Ivan Petrov", false},
		{"Person", "phone", "+49 30 1234567", "+49301234567", false},
		{"BankAccount", "iban", "DE89 3704 0044 0532 0130 00", "DE89370400440532013000", false},
		{"Passport", "number", "c01x-00t47", "C01X00T47", false},
		{"CryptoWallet", "publicKey", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", false},
		{"Ownership", "owner", "NK-abc", "NK-abc", false},
		{"Person", "birthDate", "yesterday", "", true},
		{"Person", "noSuchProperty", "x", "", true},
		{"Starship", "name", "x", "", true},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.schema, tt.prop, tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Normalize(%s, %s, %q) = %q, %v", tt.schema, tt.prop, tt.in, got, err)
		}
	}
	// Every type dispatches to a normaliser.
	m := loadModel(t)
	for typ := range m.Types {
		if _, err := NormalizeValue(PropertyType(typ), "x"); err != nil && strings.Contains(err.Error(), "unknown property type") {
			t.Errorf("type %s has no normaliser", typ)
		}
	}
}

// TestInterpolNoticeShape normalises the fields of the synthetic INTERPOL
// red-notice detail in shared/samples, which has the public API's quirks:
// "/" in dates, partial dates, 639-2/B language codes, placeholder
// country codes.
func TestInterpolNoticeShape(t *testing.T) {
	b, err := os.ReadFile(sharedFile(t, "samples/interpol/SYNTHETIC_red_notice_detail.json"))
	if err != nil {
		t.Fatal(err)
	}
	var n struct {
		DateOfBirth   string   `json:"date_of_birth"`
		Nationalities []string `json:"nationalities"`
		Languages     []string `json:"languages_spoken_ids"`
		Sex           string   `json:"sex_id"`
	}
	if err := json.Unmarshal(b, &n); err != nil {
		t.Fatal(err)
	}
	if got, err := NormalizeDate(n.DateOfBirth); err != nil || got != "1980" {
		t.Errorf("date_of_birth %q → %q, %v", n.DateOfBirth, got, err)
	}
	var langs []string
	for _, l := range n.Languages {
		got, err := NormalizeLanguage(l)
		if err != nil {
			t.Errorf("language %q: %v", l, err)
		}
		langs = append(langs, got)
	}
	if strings.Join(langs, ",") != "eng,fra" {
		t.Errorf("languages %q → %q", n.Languages, langs)
	}
	if got, err := NormalizeGender(n.Sex); err != nil || got != "male" {
		t.Errorf("sex_id %q → %q, %v", n.Sex, got, err)
	}
	for _, c := range n.Nationalities { // "XX", "YY": placeholders, not countries
		if _, err := NormalizeCountry(c); err == nil {
			t.Errorf("placeholder nationality %q accepted", c)
		}
	}
}
