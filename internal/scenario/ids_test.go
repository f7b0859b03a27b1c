package scenario

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The checks below are written independently of the generators they test.

func TestIBANExamples(t *testing.T) {
	// Example IBANs published in the SWIFT IBAN registry.
	for _, iban := range []string{
		"NL91ABNA0417164300", "DE89370400440532013000", "FR1420041010050500013M02606", "BE68539007547034",
		"ES9121000418450200051332", "IT60X0542811101000000123456", "PL61109010140000071219812874",
		"RO49AAAA1B31007593840000", "BG80BNBG96611020345678", "GR1601101250000000012300695",
		"UA213223130000026007233566001", "RS35260005601001611379", "TR330006100519786457841326",
		"AL47212110090000000235698741", "GB82WEST12345698765432",
	} {
		if got := makeIBAN(iban[:2], iban[4:]); got != iban {
			t.Errorf("makeIBAN(%s) = %s", iban[4:], got)
		}
		if err := validIBAN(iban); err != nil {
			t.Errorf("validIBAN(%s): %v", iban, err)
		}
	}
	// National check digits inside those examples.
	if got := spanishControl("00" + "21000418"); got != "4" {
		t.Errorf("Spanish first control digit = %s, want 4", got)
	}
	if got := spanishControl("0200051332"); got != "5" {
		t.Errorf("Spanish second control digit = %s, want 5", got)
	}
	if got := italianCIN("0542811101000000123456"); got != "X" {
		t.Errorf("Italian CIN = %s, want X", got)
	}
	if got := polishSortCode("1090101"); got != "10901014" {
		t.Errorf("Polish sort code = %s, want 10901014", got)
	}
	if got := mod97Check("2600056010016113"); got != "79" {
		t.Errorf("Serbian check = %s, want 79", got)
	}
}

func TestBankAccounts(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range SupportedCountries() {
		for range 200 {
			a := bankAccount(r, c, r.IntN(2) == 0)
			if _, registry := ibanLengths[c]; registry != (a.iban != "") {
				t.Fatalf("%s: IBAN %q, registry country %v", c, a.iban, registry)
			}
			if a.iban != "" {
				if err := validIBAN(a.iban); err != nil {
					t.Fatalf("%s: %s: %v", c, a.iban, err)
				}
			} else if a.number == "" {
				t.Fatalf("%s: account without IBAN or number", c)
			}
			switch c {
			case "NL":
				if acct := a.iban[8:]; a.bank.code != "INGB" && !elevenTest(acct, []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 0) {
					t.Fatalf("NL account %s fails the 11-test", acct)
				}
			case "FR":
				if err := checkRIB(a.iban[4:]); err != nil {
					t.Fatalf("FR %s: %v", a.iban, err)
				}
			case "MA", "DZ":
				if mod97(a.number) != 0 {
					t.Fatalf("%s RIB %s is not divisible by 97", c, a.number)
				}
			}
		}
	}
}

// elevenTest: the weighted digit sum is ≡ rem (mod 11).
func elevenTest(s string, weights []int, rem int) bool {
	if len(s) != len(weights) {
		return false
	}
	sum := 0
	for i, c := range s {
		sum += int(c-'0') * weights[i]
	}
	return ((sum%11)+11)%11 == rem
}

// checkRIB checks the French clé RIB: bank·89 + branch·15 + account·3 + key ≡ 0 (mod 97).
func checkRIB(bban string) error {
	b, _ := strconv.Atoi(bban[0:5])
	g, _ := strconv.Atoi(bban[5:10])
	a, _ := strconv.ParseInt(bban[10:21], 10, 64)
	k, _ := strconv.Atoi(bban[21:23])
	if (89*int64(b)+15*int64(g)+3*a+int64(k))%97 != 0 {
		return fmt.Errorf("bad clé RIB")
	}
	return nil
}

func TestNationalNumbers(t *testing.T) {
	// Published valid examples, checked with the validators.
	for _, tc := range []struct{ country, number string }{
		{"NL", "111222333"}, {"PL", "44051401359"}, {"ES", "12345678Z"}, {"TR", "10000000146"},
	} {
		if err := checkNational(tc.country, tc.number); err != nil {
			t.Errorf("%s example %s: %v", tc.country, tc.number, err)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range []string{"NL", "BE", "ES", "FR", "PL", "RO", "BG", "TR", "RS"} {
		for range 500 {
			birth := time.Date(1940+r.IntN(80), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
			n := nationalNumber(r, c, birth, r.IntN(2) == 0)
			if err := checkNational(c, n); err != nil {
				t.Fatalf("%s %s (born %s): %v", c, n, birth.Format(dateLayout), err)
			}
		}
	}
	if n := nationalNumber(r, "DE", time.Now(), false); n != "" {
		t.Errorf("DE has no personal number, got %q", n)
	}
}

var digitsOnly = regexp.MustCompile(`^\d+$`)

// checkNational validates a personal number with the country's published rule.
func checkNational(country, n string) error {
	d := func(i int) int { return int(n[i] - '0') }
	switch country {
	case "NL":
		if len(n) != 9 || !elevenTest(n, []int{9, 8, 7, 6, 5, 4, 3, 2, -1}, 0) {
			return fmt.Errorf("fails the BSN 11-test")
		}
	case "BE":
		s := strings.NewReplacer(".", "", "-", "").Replace(n)
		base, _ := strconv.ParseInt(s[:9], 10, 64)
		check, _ := strconv.ParseInt(s[9:], 10, 64)
		if 97-base%97 != check && 97-(2_000_000_000+base)%97 != check {
			return fmt.Errorf("bad check")
		}
	case "ES":
		num, _ := strconv.Atoi(n[:8])
		if n[8] != "TRWAGMYFPDXBNJZSQVHLCKE"[num%23] {
			return fmt.Errorf("bad letter")
		}
	case "FR":
		base, _ := strconv.ParseInt(n[:13], 10, 64)
		key, _ := strconv.ParseInt(n[13:], 10, 64)
		if 97-base%97 != key {
			return fmt.Errorf("bad key")
		}
	case "PL":
		w := []int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
		sum := 0
		for i := range 10 {
			sum += d(i) * w[i]
		}
		if (10-sum%10)%10 != d(10) {
			return fmt.Errorf("bad PESEL check")
		}
	case "RO":
		w := "279146358279"
		sum := 0
		for i := range 12 {
			sum += d(i) * int(w[i]-'0')
		}
		c := sum % 11
		if c == 10 {
			c = 1
		}
		if c != d(12) {
			return fmt.Errorf("bad CNP check")
		}
	case "BG":
		w := []int{2, 4, 8, 5, 10, 9, 7, 3, 6}
		sum := 0
		for i := range 9 {
			sum += d(i) * w[i]
		}
		if sum%11%10 != d(9) {
			return fmt.Errorf("bad EGN check")
		}
	case "TR":
		if len(n) != 11 || n[0] == '0' {
			return fmt.Errorf("bad form")
		}
		odd, even := d(0)+d(2)+d(4)+d(6)+d(8), d(1)+d(3)+d(5)+d(7)
		if ((odd*7-even)%10+10)%10 != d(9) || (odd+even+d(9))%10 != d(10) {
			return fmt.Errorf("bad T.C. Kimlik checks")
		}
	case "RS":
		sum := 0
		for i := range 6 {
			sum += (7 - i) * (d(i) + d(i+6))
		}
		k := 11 - sum%11
		if k > 9 {
			k = 0
		}
		if k != d(12) {
			return fmt.Errorf("bad JMBG check")
		}
	}
	if country != "ES" && country != "BE" && !digitsOnly.MatchString(n) {
		return fmt.Errorf("not all digits")
	}
	return nil
}

// checkVIN checks a VIN's form and its position-9 check digit.
func checkVIN(v string) error {
	if len(v) != 17 || strings.ContainsAny(v, "IOQ") {
		return fmt.Errorf("not 17 characters without I, O, Q")
	}
	values := map[rune]int{}
	for i, c := range "ABCDEFGH" {
		values[c] = i + 1
	}
	for i, c := range "JKLMN" {
		values[c] = i + 1
	}
	values['P'], values['R'] = 7, 9
	for i, c := range "STUVWXYZ" {
		values[c] = i + 2
	}
	weights := []int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, c := range v {
		val, ok := values[c]
		if c >= '0' && c <= '9' {
			val, ok = int(c-'0'), true
		}
		if !ok {
			return fmt.Errorf("bad character %q", c)
		}
		sum += val * weights[i]
	}
	want := byte('0' + sum%11)
	if sum%11 == 10 {
		want = 'X'
	}
	if v[8] != want {
		return fmt.Errorf("check digit %c, want %c", v[8], want)
	}
	return nil
}

func TestVIN(t *testing.T) {
	if err := checkVIN("1M8GDM9AXKP042788"); err != nil { // the textbook example
		t.Errorf("example VIN: %v", err)
	}
	if c := vinCheckDigit([]byte("1M8GDM9A0KP042788")); c != 'X' {
		t.Errorf("vinCheckDigit = %c, want X", c)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 1000 {
		m := pick(r, vehicleModels)
		v := vin(r, m.wmi, 2010+r.IntN(16))
		if err := checkVIN(v); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if !strings.HasPrefix(v, m.wmi) {
			t.Fatalf("%s does not start with %s", v, m.wmi)
		}
	}
}

func TestCryptoAddresses(t *testing.T) {
	// All-zero hash160 with version 0 is the well-known "1111111111111111111114oLvT2".
	if got := base58Check(make([]byte, 21)); got != "1111111111111111111114oLvT2" {
		t.Errorf("base58Check(zeros) = %s", got)
	}
	r := rand.New(rand.NewPCG(7, 8))
	for range 300 {
		if a := bitcoinAddress(r); !validBech32(a) || len(a) != 42 {
			t.Fatalf("invalid bech32 address %s", a)
		}
		if a := tronAddress(r); !validBase58Check(a, 0x41) || a[0] != 'T' || len(a) != 34 {
			t.Fatalf("invalid TRON address %s", a)
		}
	}
}

// validBech32 verifies the BIP 173 checksum.
func validBech32(a string) bool {
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	i := strings.LastIndexByte(a, '1')
	if i < 1 {
		return false
	}
	hrp, data := a[:i], a[i+1:]
	var values []int
	for _, c := range hrp {
		values = append(values, int(c)>>5)
	}
	values = append(values, 0)
	for _, c := range hrp {
		values = append(values, int(c)&31)
	}
	for _, c := range data {
		v := strings.IndexRune(charset, c)
		if v < 0 {
			return false
		}
		values = append(values, v)
	}
	gen := []int{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := 1
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ v
		for j := range 5 {
			if (top>>j)&1 == 1 {
				chk ^= gen[j]
			}
		}
	}
	return chk == 1
}

// validBase58Check decodes a base58check string and verifies its checksum and version.
func validBase58Check(s string, version byte) bool {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	num := []byte{0}
	for _, c := range s {
		v := strings.IndexRune(alphabet, c)
		if v < 0 {
			return false
		}
		carry := v
		for i := len(num) - 1; i >= 0; i-- {
			carry += int(num[i]) * 58
			num[i] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			num = append([]byte{byte(carry)}, num...)
			carry >>= 8
		}
	}
	for len(num) > 25 && num[0] == 0 {
		num = num[1:]
	}
	if len(num) != 25 || num[0] != version {
		return false
	}
	h1 := sha256.Sum256(num[:21])
	h2 := sha256.Sum256(h1[:])
	return string(h2[:4]) == string(num[21:])
}

func TestDocumentFormats(t *testing.T) {
	formats := map[string]*regexp.Regexp{
		"NL": regexp.MustCompile(`^[A-NP-Z]{2}[A-NP-Z0-9]{6}\d$`),
		"DE": regexp.MustCompile(`^[CFGHJK][CFGHJKLMNPRTVWXYZ0-9]{8}$`),
		"FR": regexp.MustCompile(`^\d{2}[A-Z]{2}\d{5}$`),
		"ES": regexp.MustCompile(`^[A-Z]{3}\d{6}$`),
		"TR": regexp.MustCompile(`^U\d{8}$`),
		"GB": regexp.MustCompile(`^\d{9}$`),
	}
	r := rand.New(rand.NewPCG(9, 10))
	for c, re := range formats {
		for range 200 {
			if n := passportNumber(r, c); !re.MatchString(n) {
				t.Fatalf("%s passport %s does not match %s", c, n, re)
			}
		}
	}
	for range 200 {
		n, _ := idCardNumber(r, "PL")
		sum := 0
		for i, w := range []int{7, 3, 1, 9, 7, 3, 1, 7, 3} {
			v := int(n[i] - '0')
			if n[i] >= 'A' {
				v = int(n[i]-'A') + 10
			}
			sum += v * w
		}
		if sum%10 != 0 {
			t.Fatalf("Polish ID card %s fails its check", n)
		}
	}
	phone := regexp.MustCompile(`^\+[1-9]\d{6,14}$`)
	for _, c := range SupportedCountries() {
		for range 50 {
			if p := mobileNumber(r, c); !phone.MatchString(p) {
				t.Fatalf("%s phone %s is not E.164", c, p)
			}
			if p := plate(r, c); p == "" {
				t.Fatalf("%s: empty plate", c)
			}
		}
	}
	if n := luhnComplete("73282932"); n != "732829320" { // SIREN of a published example
		t.Errorf("luhnComplete = %s", n)
	}
}

func TestFormatDate(t *testing.T) {
	for _, d := range []time.Time{referenceDate, time.Date(1940, 1, 9, 0, 0, 0, 0, time.UTC), time.Date(2009, 12, 31, 23, 59, 0, 0, time.UTC)} {
		if got, want := formatDate(d), d.Format(dateLayout); got != want {
			t.Errorf("formatDate = %s, want %s", got, want)
		}
	}
}
