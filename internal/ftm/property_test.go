package ftm

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestIdentifierRulesMatchModel guards against a misspelt rule, which would
// silently produce no keys.
func TestIdentifierRulesMatchModel(t *testing.T) {
	for _, r := range identifierRules {
		s, ok := LookupSchema(r.schema)
		if !ok {
			t.Errorf("rule %s.%s: no such schema", r.schema, r.prop)
			continue
		}
		if _, ok := s.Property(r.prop); !ok {
			t.Errorf("rule %s.%s: no such property", r.schema, r.prop)
		}
		for _, c := range r.countryProps {
			if p, ok := s.Property(c); !ok || p.Type != TypeCountry {
				t.Errorf("rule %s.%s: %s is not a country property", r.schema, r.prop, c)
			}
		}
	}
}

// makeIBAN computes the check digits of country+bban.
func makeIBAN(country, bban string) string {
	rem := ibanMod97(country + "00" + bban)
	return fmt.Sprintf("%s%02d%s", country, 98-rem, bban)
}

// Every IBAN with correct check digits and length is accepted in any
// spacing and case; replacing one digit by another digit, or one letter by
// another letter, is always detected (the value changes by Δ·10^k with
// 0 < |Δ| < 97, and 97 is prime). A digit replaced by a letter changes the
// length of the numeric form and is caught only with probability 96/97, so
// it is not part of the property.
func TestIBANProperties(t *testing.T) {
	var countries []string
	for c := range ibanLengths {
		countries = append(countries, c)
	}
	const digits, letters = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	rapid.Check(t, func(t *rapid.T) {
		country := rapid.SampledFrom(countries).Draw(t, "country")
		bban := rapid.StringMatching(fmt.Sprintf(`[0-9A-Z]{%d}`, ibanLengths[country]-4)).Draw(t, "bban")
		iban := makeIBAN(country, bban)
		var spaced strings.Builder
		for i, r := range strings.ToLower(iban) {
			if i > 0 && i%4 == 0 {
				spaced.WriteByte(' ')
			}
			spaced.WriteRune(r)
		}
		got, err := NormalizeIBAN(spaced.String())
		if err != nil || got != iban {
			t.Fatalf("NormalizeIBAN(%q) = %q, %v; want %q", spaced.String(), got, err, iban)
		}
		pos := rapid.IntRange(4, len(iban)-1).Draw(t, "pos")
		class := digits
		if iban[pos] >= 'A' {
			class = letters
		}
		c := rapid.SampledFrom([]byte(class)).Draw(t, "char")
		if c == iban[pos] {
			return
		}
		mutated := iban[:pos] + string(c) + iban[pos+1:]
		if _, err := NormalizeIBAN(mutated); err == nil {
			t.Fatalf("mutated IBAN %q (from %q) accepted", mutated, iban)
		}
	})
}

// Any real calendar date is accepted in both separator styles and as a
// date-time; a day past the end of its month never is.
func TestDateProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := time.Date(rapid.IntRange(1000, 2999).Draw(t, "year"), time.Month(rapid.IntRange(1, 12).Draw(t, "month")),
			rapid.IntRange(1, 31).Draw(t, "day"), 0, 0, 0, 0, time.UTC)
		want := d.Format("2006-01-02")
		for _, in := range []string{want, d.Format("2006/01/02"), d.Format(time.RFC3339), d.Format("2006-01-02 15:04")} {
			if got, err := NormalizeDate(in); err != nil || got != want {
				t.Fatalf("NormalizeDate(%q) = %q, %v; want %q", in, got, err, want)
			}
		}
		last := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		past := fmt.Sprintf("%04d-%02d-%02d", d.Year(), d.Month(), last+1)
		if _, err := NormalizeDate(past); err == nil {
			t.Fatalf("NormalizeDate(%q) accepted a day past the end of the month", past)
		}
	})
}

// A national number read with its country's hint gives the same E.164
// number as the international form.
func TestPhoneProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.SampledFrom(isoCountries).Draw(t, "country")
		if c.callingCode == "1" || c.callingCode == "7" {
			return // fixed-length plans, covered by table tests
		}
		trunk, special := trunkPrefixes[c.alpha2]
		if !special {
			trunk = "0"
		}
		// a national significant number that does not itself begin with the trunk prefix
		nsn := rapid.StringMatching(`[1-9][0-9]{5,9}`).Draw(t, "nsn")
		if trunk != "" && strings.HasPrefix(nsn, trunk) {
			return
		}
		intl := "+" + c.callingCode + nsn
		want, err := NormalizePhone(intl, "")
		if len(c.callingCode)+len(nsn) > 15 {
			if err == nil {
				t.Fatalf("%q accepted with %d digits", intl, len(c.callingCode)+len(nsn))
			}
			return
		}
		if err != nil {
			t.Fatalf("NormalizePhone(%q): %v", intl, err)
		}
		national := trunk + nsn
		if got, err := NormalizePhone(national, strings.ToUpper(c.alpha2)); err != nil || got != want {
			t.Fatalf("NormalizePhone(%q, %s) = %q, %v; want %q", national, c.alpha2, got, err, want)
		}
		if got, err := NormalizePhone("00 "+c.callingCode+" "+nsn, ""); err != nil || got != want {
			t.Fatalf("00-form: %q, %v; want %q", got, err, want)
		}
	})
}
