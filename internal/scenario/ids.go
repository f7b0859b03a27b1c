package scenario

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Identifier formats. They follow each country's published layout and check
// digits where the generator models them (noted per function); the values
// themselves are random and may coincide with real ones by chance, which is
// one reason scenario data must never be loaded into an operational node.

const (
	upper      = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	upperNoO   = "ABCDEFGHIJKLMNPQRSTUVWXYZ"
	digitChars = "0123456789"
	// German document serials use 0-9 and these consonants.
	deDocChars = "CFGHJKLMNPRTVWXYZ0123456789"
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chars(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func digits(r *rand.Rand, n int) string { return chars(r, digitChars, n) }

// numberIn returns a decimal number in [lo, hi] padded to width.
func numberIn(r *rand.Rand, lo, hi, width int) string {
	return fmt.Sprintf("%0*d", width, lo+r.IntN(hi-lo+1))
}

// passportNumber returns a passport number in the issuing country's layout.
func passportNumber(r *rand.Rand, country string) string {
	switch country {
	case "NL": // two letters, six letters or digits, one digit; no letter O
		return chars(r, upperNoO, 2) + chars(r, upperNoO+digitChars, 6) + digits(r, 1)
	case "DE":
		return chars(r, "CFGHJK", 1) + chars(r, deDocChars, 8)
	case "FR":
		return digits(r, 2) + chars(r, upper, 2) + digits(r, 5)
	case "BE", "UA":
		return chars(r, upper, 2) + digits(r, 6)
	case "ES":
		return chars(r, upper, 3) + digits(r, 6)
	case "IT", "PL", "GR", "MA", "AL":
		return chars(r, upper, 2) + digits(r, 7)
	case "RO":
		return digits(r, 8)
	case "TR":
		return "U" + digits(r, 8)
	case "US":
		return chars(r, upper, 1) + digits(r, 8)
	default: // BG, RU, RS, DZ, GB: nine digits
		return numberIn(r, 1, 9, 1) + digits(r, 8)
	}
}

// idCardNumber returns the number of a national identity card (or, for a
// foreigner, a residence permit) in the issuing country's layout, and false
// for countries without a national identity card (GB, US).
func idCardNumber(r *rand.Rand, country string) (string, bool) {
	switch country {
	case "NL":
		return passportNumber(r, "NL"), true
	case "DE":
		return "L" + chars(r, deDocChars, 8), true
	case "FR":
		return chars(r, upper+digitChars, 9), true
	case "BE": // 3-7-2 digits, the last two a mod-97 check of the first ten
		base := digits(r, 10)
		n, _ := strconv.ParseUint(base, 10, 64)
		c := n % 97
		if c == 0 {
			c = 97
		}
		return fmt.Sprintf("%s-%s-%02d", base[:3], base[3:], c), true
	case "ES":
		return chars(r, upper, 3) + digits(r, 6), true
	case "IT":
		return "CA" + digits(r, 5) + chars(r, upper, 2), true
	case "PL":
		return polishIDCard(r), true
	case "RO", "GR":
		return chars(r, upper, 2) + digits(r, 6), true
	case "RU": // internal passport: four-digit series, six-digit number
		return digits(r, 4) + " " + digits(r, 6), true
	case "TR":
		return chars(r, upper, 1) + digits(r, 2) + chars(r, upper, 1) + digits(r, 5), true
	case "MA":
		return chars(r, upper, 2) + digits(r, 6), true
	case "GB", "US":
		return "", false
	default: // BG, UA, RS, DZ, AL
		return digits(r, 9), true
	}
}

// polishIDCard returns a Polish identity card number: three letters and six
// digits, the first digit a check over the others (weights 7 3 1 · 7 3 1 7 3).
func polishIDCard(r *rand.Rand) string {
	series := chars(r, upper, 3)
	rest := digits(r, 5)
	weights := []int{7, 3, 1, 7, 3, 1, 7, 3}
	vals := make([]int, 0, 8)
	for _, c := range series {
		vals = append(vals, int(c-'A')+10)
	}
	for _, c := range rest {
		vals = append(vals, int(c-'0'))
	}
	sum := 0
	for i, v := range vals {
		sum += v * weights[i]
	}
	return series + strconv.Itoa(sum%10) + rest
}

// nationalNumber returns a personal identification number that encodes the
// birth date and sex with the country's check digit, for the countries whose
// police records routinely carry one; "" elsewhere.
func nationalNumber(r *rand.Rand, country string, birth time.Time, female bool) string {
	y, m, d := birth.Date()
	yy := y % 100
	switch country {
	case "NL": // BSN: nine digits passing the "11-test"
		for {
			base := numberIn(r, 1, 9, 1) + digits(r, 7)
			sum := 0
			for i, c := range base {
				sum += int(c-'0') * (9 - i)
			}
			if c := sum % 11; c < 10 {
				return base + strconv.Itoa(c)
			}
		}
	case "BE": // national register number YY.MM.DD-SSS.CC
		serial := 1 + 2*r.IntN(498)
		if female {
			serial++
		}
		base := fmt.Sprintf("%02d%02d%02d%03d", yy, int(m), d, serial)
		n, _ := strconv.ParseUint(base, 10, 64)
		if y >= 2000 {
			n += 2_000_000_000
		}
		return fmt.Sprintf("%s.%s.%s-%s.%02d", base[0:2], base[2:4], base[4:6], base[6:9], 97-n%97)
	case "ES": // DNI: eight digits and a check letter
		n := r.IntN(100_000_000)
		return fmt.Sprintf("%08d%c", n, "TRWAGMYFPDXBNJZSQVHLCKE"[n%23])
	case "FR": // NIR: sex, year, month, département, commune, order, key
		sex := 1
		if female {
			sex = 2
		}
		base := fmt.Sprintf("%d%02d%02d%02d%03d%03d", sex, yy, int(m), 1+r.IntN(95), 1+r.IntN(900), 1+r.IntN(999))
		n, _ := strconv.ParseUint(base, 10, 64)
		return fmt.Sprintf("%s%02d", base, 97-n%97)
	case "PL": // PESEL
		mm := int(m)
		if y >= 2000 {
			mm += 20
		}
		sexDigit := 2*r.IntN(5) + 1
		if female {
			sexDigit--
		}
		base := fmt.Sprintf("%02d%02d%02d%s%d", yy, mm, d, digits(r, 3), sexDigit)
		w := []int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
		sum := 0
		for i, c := range base {
			sum += int(c-'0') * w[i]
		}
		return base + strconv.Itoa((10-sum%10)%10)
	case "RO": // CNP
		s := 1
		if y >= 2000 {
			s = 5
		}
		if female {
			s++
		}
		base := fmt.Sprintf("%d%02d%02d%02d%02d%03d", s, yy, int(m), d, 1+r.IntN(46), 1+r.IntN(999))
		w := "279146358279"
		sum := 0
		for i, c := range base {
			sum += int(c-'0') * int(w[i]-'0')
		}
		c := sum % 11
		if c == 10 {
			c = 1
		}
		return base + strconv.Itoa(c)
	case "BG": // EGN
		mm := int(m)
		if y >= 2000 {
			mm += 40
		}
		sexDigit := 2 * r.IntN(5)
		if female {
			sexDigit++
		}
		base := fmt.Sprintf("%02d%02d%02d%s%d", yy, mm, d, digits(r, 2), sexDigit)
		w := []int{2, 4, 8, 5, 10, 9, 7, 3, 6}
		sum := 0
		for i, c := range base {
			sum += int(c-'0') * w[i]
		}
		c := sum % 11
		if c == 10 {
			c = 0
		}
		return base + strconv.Itoa(c)
	case "TR": // T.C. Kimlik No
		base := numberIn(r, 1, 9, 1) + digits(r, 8)
		var dg [9]int
		for i, c := range base {
			dg[i] = int(c - '0')
		}
		odd := dg[0] + dg[2] + dg[4] + dg[6] + dg[8]
		even := dg[1] + dg[3] + dg[5] + dg[7]
		d10 := ((odd*7-even)%10 + 10) % 10
		d11 := (odd + even + d10) % 10
		return base + strconv.Itoa(d10) + strconv.Itoa(d11)
	case "RS": // JMBG: DDMMYYY, region, serial (500+ for women), check
		serial := r.IntN(500)
		if female {
			serial += 500
		}
		base := fmt.Sprintf("%02d%02d%03d%02d%03d", d, int(m), y%1000, 71+r.IntN(9), serial)
		sum := 0
		for i := range 6 {
			sum += (7 - i) * (int(base[i]-'0') + int(base[i+6]-'0'))
		}
		k := 11 - sum%11
		if k > 9 {
			k = 0
		}
		return base + strconv.Itoa(k)
	}
	return ""
}

// mobilePlan is a country's mobile numbering: E.164 prefixes and the
// number of digits that follow.
type mobilePlan struct {
	prefixes []string
	rest     int
}

var mobilePlans = map[string]mobilePlan{
	"NL": {[]string{"+316"}, 8},
	"DE": {[]string{"+49151", "+49152", "+49157", "+49159", "+49160", "+49162", "+49170", "+49171", "+49172", "+49176", "+49177", "+49178", "+49179"}, 8},
	"FR": {[]string{"+336", "+337"}, 8},
	"BE": {[]string{"+32460", "+32465", "+32470", "+32471", "+32472", "+32473", "+32475", "+32476", "+32477", "+32478", "+32479", "+32484", "+32485", "+32486", "+32487", "+32488", "+32489", "+32491", "+32492", "+32493", "+32494", "+32495", "+32496", "+32497", "+32498", "+32499"}, 6},
	"ES": {[]string{"+346", "+347"}, 8},
	"IT": {[]string{"+39320", "+39328", "+39333", "+39338", "+39340", "+39345", "+39347", "+39348", "+39349", "+39351", "+39366", "+39380", "+39388", "+39392"}, 7},
	"PL": {[]string{"+4850", "+4851", "+4853", "+4857", "+4860", "+4866", "+4869", "+4872", "+4873", "+4878", "+4879", "+4888"}, 7},
	"RO": {[]string{"+4072", "+4073", "+4074", "+4075", "+4076", "+4077", "+4078"}, 7},
	"BG": {[]string{"+35987", "+35988", "+35989"}, 7},
	"GR": {[]string{"+3069"}, 8},
	"RU": {[]string{"+79"}, 9},
	"UA": {[]string{"+38050", "+38063", "+38066", "+38067", "+38068", "+38073", "+38093", "+38095", "+38096", "+38097", "+38098", "+38099"}, 7},
	"RS": {[]string{"+38160", "+38161", "+38162", "+38163", "+38164", "+38165", "+38166", "+38169"}, 7},
	"TR": {[]string{"+90530", "+90532", "+90533", "+90535", "+90536", "+90537", "+90541", "+90542", "+90543", "+90544", "+90545", "+90551", "+90552", "+90553", "+90554", "+90555"}, 7},
	"MA": {[]string{"+2126", "+2127"}, 8},
	"DZ": {[]string{"+2135", "+2136", "+2137"}, 8},
	"AL": {[]string{"+35567", "+35568", "+35569"}, 7},
	"GB": {[]string{"+4474", "+4475", "+4477", "+4478", "+4479"}, 8},
}

// mobileNumber returns a mobile number in E.164 form.
func mobileNumber(r *rand.Rand, country string) string {
	if country == "US" { // NANP: area code and exchange start 2-9
		return "+1" + numberIn(r, 2, 9, 1) + digits(r, 2) + numberIn(r, 2, 9, 1) + digits(r, 6)
	}
	p := mobilePlans[country]
	return pick(r, p.prefixes) + digits(r, p.rest)
}

// Letters used on number plates where the country leaves some out.
const (
	nlPlateLetters = "BDFGHJKLNPRSTVXZ"        // no vowels, C, Q, M, W, Y
	frPlateLetters = "ABCDEFGHJKLMNPQRSTVWXYZ" // no I, O, U
	esPlateLetters = "BCDFGHJKLMNPRSTVWXYZ"    // consonants, no Ñ or Q
	itPlateLetters = "ABCDEFGHJKLMNPRSTVWXYZ"  // no I, O, Q, U
	cyrLikeLatin   = "ABEKMHOPCTYX"            // letters shared by Latin and Cyrillic plates
)

var (
	deDistricts = []string{"B", "M", "K", "HH", "F", "D", "S", "DO", "E", "DU", "HB", "H", "L", "N", "KA", "AC", "BN"}
	plDistricts = []string{"WA", "WX", "KR", "PO", "GD", "WR", "LD", "SK", "DW", "ZS"}
	roCounties  = []string{"B", "CJ", "TM", "CT", "IS", "BV", "PH", "DJ"}
	bgRegions   = []string{"CA", "CB", "PB", "B", "A", "E", "H", "X"}
	ruRegions   = []string{"77", "97", "99", "177", "78", "98", "50", "66", "39"}
	uaRegions   = []string{"AA", "KA", "BH", "AX", "BC", "AE"}
	rsCities    = []string{"BG", "NS", "NI", "KG", "SU"}
	maLetters   = []string{"أ", "ب", "د", "ه", "و", "ط"}
	gbAreas     = []string{"LA", "LB", "LC", "MA", "MB", "BD", "BF", "YA", "SA", "GF"}
)

// plate returns a registration plate in the country's current format.
func plate(r *rand.Rand, country string) string {
	switch country {
	case "NL": // side codes 9-11: XX-999-X, X-999-XX, XXX-99-X
		switch r.IntN(3) {
		case 0:
			return chars(r, nlPlateLetters, 2) + "-" + numberIn(r, 1, 9, 1) + digits(r, 2) + "-" + chars(r, nlPlateLetters, 1)
		case 1:
			return chars(r, nlPlateLetters, 1) + "-" + numberIn(r, 1, 9, 1) + digits(r, 2) + "-" + chars(r, nlPlateLetters, 2)
		default:
			return chars(r, nlPlateLetters, 3) + "-" + numberIn(r, 1, 9, 1) + digits(r, 1) + "-" + chars(r, nlPlateLetters, 1)
		}
	case "DE":
		return pick(r, deDistricts) + " " + chars(r, "ABCDEFGHJKLMNPRSTUVWXYZ", 1+r.IntN(2)) + " " + numberIn(r, 1, 9999, 1)
	case "FR": // SIV: AA-123-AA
		return chars(r, frPlateLetters, 2) + "-" + numberIn(r, 1, 999, 3) + "-" + chars(r, frPlateLetters, 2)
	case "BE":
		return numberIn(r, 1, 2, 1) + "-" + chars(r, upper, 3) + "-" + digits(r, 3)
	case "ES":
		return digits(r, 4) + " " + chars(r, esPlateLetters, 3)
	case "IT":
		return chars(r, itPlateLetters, 2) + " " + digits(r, 3) + " " + chars(r, itPlateLetters, 2)
	case "PL":
		return pick(r, plDistricts) + " " + digits(r, 4) + chars(r, "ACEFGHJKLMNPRSTUVWXY", 1)
	case "RO":
		c := pick(r, roCounties)
		if c == "B" {
			return c + " " + numberIn(r, 10, 999, 3) + " " + chars(r, upperNoO, 3)
		}
		return c + " " + numberIn(r, 1, 99, 2) + " " + chars(r, upperNoO, 3)
	case "BG":
		return pick(r, bgRegions) + " " + digits(r, 4) + " " + chars(r, cyrLikeLatin, 2)
	case "GR":
		return chars(r, "ABEHIKMNOPTXYZ", 3) + "-" + numberIn(r, 1000, 9999, 4)
	case "RU": // Cyrillic letters that look Latin, plus region code
		l := []rune("АВЕКМНОРСТУХ")
		return string(pick(r, l)) + digits(r, 3) + string(pick(r, l)) + string(pick(r, l)) + " " + pick(r, ruRegions)
	case "UA":
		return pick(r, uaRegions) + digits(r, 4) + chars(r, cyrLikeLatin, 2)
	case "RS":
		return pick(r, rsCities) + " " + numberIn(r, 100, 9999, 3) + "-" + chars(r, upperNoO, 2)
	case "TR":
		return numberIn(r, 1, 81, 2) + " " + chars(r, "ABCDEFGHJKLMNPRSTUVYZ", 3) + " " + numberIn(r, 10, 999, 2)
	case "MA": // serial, Arabic letter, prefecture code
		return numberIn(r, 1, 99999, 1) + "-" + pick(r, maLetters) + "-" + strconv.Itoa(1+r.IntN(89))
	case "DZ": // serial, vehicle class and year, wilaya
		return digits(r, 5) + " " + numberIn(r, 1, 3, 1) + numberIn(r, 10, 24, 2) + " " + numberIn(r, 1, 58, 2)
	case "AL":
		return chars(r, upperNoO, 2) + " " + digits(r, 3) + " " + chars(r, upperNoO, 2)
	case "GB": // area code, age identifier, random letters
		age := []string{"19", "69", "20", "70", "21", "71", "22", "72", "23", "73", "24", "74"}
		return pick(r, gbAreas) + pick(r, age) + " " + chars(r, "ABCDEFGHJKLMNOPRSTUVWXYZ", 3)
	default: // US (California style)
		return numberIn(r, 1, 9, 1) + chars(r, upperNoO, 3) + digits(r, 3)
	}
}

// vehicleModel is a make and model with the world manufacturer identifier
// (WMI) that opens its VINs.
type vehicleModel struct {
	make, model, wmi, kind string
}

var vehicleModels = []vehicleModel{
	{"Volkswagen", "Golf", "WVW", "car"},
	{"Volkswagen", "Transporter", "WV2", "van"},
	{"Audi", "A6 Avant", "WAU", "car"},
	{"Audi", "RS 6 Avant", "WUA", "car"},
	{"BMW", "5 Series", "WBA", "car"},
	{"BMW", "X5", "5UX", "car"},
	{"Mercedes-Benz", "Sprinter", "W1V", "van"},
	{"Mercedes-Benz", "C-Class", "W1K", "car"},
	{"Renault", "Master", "VF1", "van"},
	{"Peugeot", "3008", "VF3", "car"},
	{"Citroën", "Berlingo", "VF7", "van"},
	{"Fiat", "Ducato", "ZFA", "van"},
	{"Toyota", "Land Cruiser", "JTE", "car"},
	{"Škoda", "Octavia", "TMB", "car"},
	{"Volvo", "FH", "YV2", "truck"},
	{"Volvo", "XC90", "YV1", "car"},
	{"Dacia", "Logan", "UU1", "car"},
	{"Ford", "Transit", "WF0", "van"},
	{"Land Rover", "Range Rover Sport", "SAL", "car"},
}

var vehicleColours = []string{"black", "white", "grey", "silver", "dark blue", "red"}

const (
	vinChars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789" // no I, O, Q
	// vinYears are the model-year codes from 2010 on (position 10).
	vinYears = "ABCDEFGHJKLMNPRST"
)

// vin returns a 17-character vehicle identification number (ISO 3779):
// WMI, five descriptor characters, a check digit computed as North
// American VINs require, model year, plant and serial.
func vin(r *rand.Rand, wmi string, modelYear int) string {
	yi := modelYear - 2010
	if yi < 0 || yi >= len(vinYears) {
		yi = 0
	}
	b := []byte(wmi + chars(r, vinChars, 5) + "0" + string(vinYears[yi]) + chars(r, vinChars, 1) + digits(r, 6))
	b[8] = vinCheckDigit(b)
	return string(b)
}

// vinCheckDigit computes position 9 of a VIN: letters transliterated to
// numbers, weighted, summed mod 11, 10 written as X.
func vinCheckDigit(v []byte) byte {
	const translit = "12345678.12345.7.923456789" // A..Z; '.' marks letters VINs never use
	weights := [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, c := range v {
		var val int
		switch {
		case c >= '0' && c <= '9':
			val = int(c - '0')
		case c >= 'A' && c <= 'Z':
			val = int(translit[c-'A'] - '0')
		}
		sum += val * weights[i]
	}
	if c := sum % 11; c < 10 {
		return byte('0' + c)
	}
	return 'X'
}

// bank is a real bank of a country: its name, SWIFT BIC and national bank
// code as it appears inside the country's IBANs.
type bank struct {
	name, bic, code string
}

var banks = map[string][]bank{
	"NL": {{"ABN AMRO Bank", "ABNANL2A", "ABNA"}, {"ING Bank", "INGBNL2A", "INGB"}, {"Rabobank", "RABONL2U", "RABO"}, {"bunq", "BUNQNL2A", "BUNQ"}},
	"DE": {{"Deutsche Bank", "DEUTDEBBXXX", "10070000"}, {"Commerzbank", "COBADEFFXXX", "37040044"}, {"Sparkasse KölnBonn", "COLSDE33XXX", "37050198"}, {"ING-DiBa", "INGDDEFFXXX", "50010517"}},
	"FR": {{"BNP Paribas", "BNPAFRPP", "30004"}, {"Société Générale", "SOGEFRPP", "30003"}, {"LCL", "CRLYFRPP", "30002"}, {"La Banque Postale", "PSSTFRPP", "20041"}},
	"BE": {{"BNP Paribas Fortis", "GEBABEBB", "001"}, {"Belfius", "GKCCBEBB", "068"}, {"ING Belgium", "BBRUBEBB", "363"}, {"KBC", "KREDBEBB", "734"}},
	"ES": {{"Banco Santander", "BSCHESMM", "0049"}, {"BBVA", "BBVAESMM", "0182"}, {"CaixaBank", "CAIXESBB", "2100"}, {"Banco Sabadell", "BSABESBB", "0081"}},
	"IT": {{"Intesa Sanpaolo", "BCITITMM", "03069"}, {"UniCredit", "UNCRITMM", "02008"}, {"Banco BPM", "BAPPIT21", "05034"}, {"Monte dei Paschi di Siena", "PASCITMM", "01030"}},
	"PL": {{"PKO Bank Polski", "BPKOPLPW", "102"}, {"Bank Pekao", "PKOPPLPW", "124"}, {"mBank", "BREXPLPW", "114"}, {"Santander Bank Polska", "WBKPPLPP", "109"}},
	"RO": {{"Banca Transilvania", "BTRLRO22", "BTRL"}, {"BCR", "RNCBROBU", "RNCB"}, {"BRD", "BRDEROBU", "BRDE"}, {"ING Bank România", "INGBROBU", "INGB"}},
	"BG": {{"UniCredit Bulbank", "UNCRBGSF", "UNCR"}, {"DSK Bank", "STSABGSF", "STSA"}, {"Postbank", "BPBIBGSF", "BPBI"}, {"Fibank", "FINVBGSF", "FINV"}},
	"GR": {{"National Bank of Greece", "ETHNGRAA", "011"}, {"Piraeus Bank", "PIRBGRAA", "017"}, {"Eurobank", "ERBKGRAA", "026"}, {"Alpha Bank", "CRBAGRAA", "014"}},
	"RU": {{"Sberbank", "SABRRUMM", ""}, {"VTB Bank", "VTBRRUMM", ""}, {"Alfa-Bank", "ALFARUMM", ""}, {"T-Bank", "TICSRUMM", ""}},
	"UA": {{"PrivatBank", "PBANUA2X", "305299"}, {"Oschadbank", "COSBUAUK", "300465"}, {"Universal Bank (monobank)", "UNJSUAUK", "322001"}},
	"RS": {{"Banca Intesa Beograd", "DBDBRSBG", "160"}, {"UniCredit Bank Srbija", "BACXRSBG", "170"}, {"NLB Komercijalna banka", "KOBBRSBG", "205"}, {"Raiffeisen banka", "RZBSRSBG", "265"}},
	"TR": {{"Ziraat Bankası", "TCZBTR2A", "00010"}, {"Türkiye İş Bankası", "ISBKTRIS", "00064"}, {"Garanti BBVA", "TGBATRIS", "00062"}, {"Akbank", "AKBKTRIS", "00046"}},
	"MA": {{"Attijariwafa bank", "BCMAMAMC", "007"}, {"Banque Populaire", "BCPOMAMC", "190"}, {"Bank of Africa", "BMCEMAMC", "011"}, {"CIH Bank", "CIHMMAMC", "230"}},
	"DZ": {{"Banque Nationale d'Algérie", "BNALDZAL", "001"}, {"Banque Extérieure d'Algérie", "BEXADZAL", "002"}, {"Société Générale Algérie", "SOGEDZAL", "021"}},
	"AL": {{"Raiffeisen Bank Albania", "SGSBALTX", "202"}, {"Intesa Sanpaolo Bank Albania", "USALALTR", "208"}, {"Credins Bank", "CDISALTR", "212"}},
	"GB": {{"NatWest", "NWBKGB2L", "NWBK"}, {"Barclays", "BARCGB22", "BARC"}, {"HSBC UK", "HBUKGB4B", "HBUK"}, {"Lloyds Bank", "LOYDGB2L", "LOYD"}},
	"US": {{"JPMorgan Chase Bank", "CHASUS33", ""}, {"Bank of America", "BOFAUS3N", ""}, {"Wells Fargo Bank", "WFBIUS6S", ""}, {"Citibank", "CITIUS33", ""}},
}

// account is a bank account: an IBAN where the country is in the SWIFT
// IBAN registry, otherwise a national account number.
type account struct {
	iban, number string
	bank         bank
	country      string
}

// bankAccount returns a new account at a bank of the country. National
// check digits are computed where modelled: NL (11-test), FR (clé RIB), BE,
// ES (dígitos de control), IT (CIN), PL (bank sort code), RS (mod 97-10),
// MA and DZ (clé RIB); the IBAN check digits always.
func bankAccount(r *rand.Rand, country string, business bool) account {
	b := pick(r, banks[country])
	a := account{bank: b, country: country}
	var bban string
	switch country {
	case "NL":
		bban = b.code + dutchAccount(r)
	case "DE":
		bban = b.code + digits(r, 10)
	case "FR":
		branch, acct := digits(r, 5), digits(r, 11)
		bban = b.code + branch + acct + ribKey(b.code, branch, acct)
	case "BE":
		base := b.code + digits(r, 7)
		n, _ := strconv.ParseUint(base, 10, 64)
		c := n % 97
		if c == 0 {
			c = 97
		}
		bban = fmt.Sprintf("%s%02d", base, c)
	case "ES":
		branch, acct := digits(r, 4), digits(r, 10)
		bban = b.code + branch + spanishControl("00"+b.code+branch) + spanishControl(acct) + acct
	case "IT":
		cab, acct := digits(r, 5), digits(r, 12)
		bban = italianCIN(b.code+cab+acct) + b.code + cab + acct
	case "PL":
		bban = polishSortCode(b.code+digits(r, 4)) + digits(r, 16)
	case "RO":
		bban = b.code + digits(r, 16)
	case "BG":
		bban = b.code + digits(r, 4) + "10" + digits(r, 8)
	case "GR":
		bban = b.code + digits(r, 4) + digits(r, 16)
	case "UA":
		bban = b.code + digits(r, 19)
	case "RS":
		base := b.code + digits(r, 13)
		bban = base + mod97Check(base)
	case "TR":
		bban = b.code + "0" + digits(r, 16)
	case "AL":
		bban = b.code + digits(r, 5) + digits(r, 16)
	case "GB":
		bban = b.code + digits(r, 6) + digits(r, 8)
	case "RU": // 20-digit account: balance account 40817 (individuals) or 40702 (companies), currency 810 (RUB)
		prefix := "40817810"
		if business {
			prefix = "40702810"
		}
		a.number = prefix + digits(r, 12)
		return a
	case "MA": // RIB: bank, city, account, key
		base := b.code + digits(r, 3) + digits(r, 16)
		a.number = base + ribKey97(base)
		return a
	case "DZ":
		base := b.code + digits(r, 5) + digits(r, 10)
		a.number = base + ribKey97(base)
		return a
	default: // US: no IBAN; account numbers are 8–12 digits
		a.number = digits(r, 8+r.IntN(5))
		return a
	}
	a.iban = makeIBAN(country, bban)
	a.number = bban
	return a
}

// dutchAccount returns ten digits passing the Dutch 11-test (weights 10..1).
func dutchAccount(r *rand.Rand) string {
	for {
		base := digits(r, 9)
		sum := 0
		for i, c := range base {
			sum += int(c-'0') * (10 - i)
		}
		if c := (11 - sum%11) % 11; c < 10 {
			return base + strconv.Itoa(c)
		}
	}
}

// ribKey is the French clé RIB: 97 − ((89·bank + 15·branch + 3·account) mod 97).
func ribKey(bankCode, branch, acct string) string {
	b, _ := strconv.ParseUint(bankCode, 10, 64)
	g, _ := strconv.ParseUint(branch, 10, 64)
	a, _ := strconv.ParseUint(acct, 10, 64)
	return fmt.Sprintf("%02d", 97-(89*b+15*g+3*a)%97)
}

// spanishControl is one Spanish control digit over ten digits.
func spanishControl(ten string) string {
	w := []int{1, 2, 4, 8, 5, 10, 9, 7, 3, 6}
	sum := 0
	for i, c := range ten {
		sum += int(c-'0') * w[i]
	}
	d := 11 - sum%11
	switch d {
	case 11:
		d = 0
	case 10:
		d = 1
	}
	return strconv.Itoa(d)
}

// italianCIN is the Italian check letter over ABI, CAB and account number,
// with the odd/even position tables of the codice fiscale.
func italianCIN(s string) string {
	odd := []int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}
	sum := 0
	for i, c := range s {
		v := int(c - '0')
		if c >= 'A' {
			v = int(c - 'A')
		}
		if i%2 == 0 { // 1st, 3rd, … position
			sum += odd[v]
		} else {
			sum += v
		}
	}
	return string(rune('A' + sum%26))
}

// polishSortCode appends the check digit to a seven-digit bank and branch code.
func polishSortCode(seven string) string {
	w := []int{3, 9, 7, 1, 3, 9, 7}
	sum := 0
	for i, c := range seven {
		sum += int(c-'0') * w[i]
	}
	return seven + strconv.Itoa((10-sum%10)%10)
}

// mod97Check returns the two ISO 7064 MOD 97-10 check digits for a digit string.
func mod97Check(s string) string {
	return fmt.Sprintf("%02d", 98-mod97(s+"00"))
}

// ribKey97 is the Maghreb clé RIB: 97 − (100·base mod 97), so that the
// whole number is divisible by 97.
func ribKey97(base string) string {
	return fmt.Sprintf("%02d", 97-mod97(base+"00"))
}

// mod97 reduces a string of digits and letters (A=10 … Z=35) modulo 97.
func mod97(s string) int {
	m := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			m = (m*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			m = (m*100 + int(c-'A') + 10) % 97
		}
	}
	return m
}

// makeIBAN prefixes a BBAN with its country and ISO 13616 check digits.
func makeIBAN(country, bban string) string {
	check := 98 - mod97(bban+country+"00")
	return fmt.Sprintf("%s%02d%s", country, check, bban)
}

// Crypto-asset addresses with valid checksums.

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// bitcoinAddress returns a native SegWit (P2WPKH, BIP 173 bech32) address
// for a random 20-byte key hash.
func bitcoinAddress(r *rand.Rand) string {
	prog := randomBytes(r, 20)
	data := append([]byte{0}, convertBits(prog)...)
	values := append(bech32HRPExpand("bc"), data...)
	poly := bech32Polymod(append(values, 0, 0, 0, 0, 0, 0)) ^ 1
	var b strings.Builder
	b.WriteString("bc1")
	for _, d := range data {
		b.WriteByte(bech32Charset[d])
	}
	for i := range 6 {
		b.WriteByte(bech32Charset[(poly>>(5*(5-i)))&31])
	}
	return b.String()
}

func bech32HRPExpand(hrp string) []byte {
	out := make([]byte, 0, 2*len(hrp)+1)
	for i := range len(hrp) {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := range len(hrp) {
		out = append(out, hrp[i]&31)
	}
	return out
}

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

// convertBits regroups 8-bit bytes into 5-bit groups, padding the last.
func convertBits(in []byte) []byte {
	var out []byte
	acc, bits := 0, 0
	for _, b := range in {
		acc = acc<<8 | int(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out = append(out, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		out = append(out, byte(acc<<(5-bits))&31)
	}
	return out
}

// tronAddress returns a TRON address (base58check, version byte 0x41), the
// network most USDT laundering runs on.
func tronAddress(r *rand.Rand) string {
	return base58Check(append([]byte{0x41}, randomBytes(r, 20)...))
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58Check appends the first four bytes of SHA-256(SHA-256(payload))
// and encodes the result in base58.
func base58Check(payload []byte) string {
	h1 := sha256.Sum256(payload)
	h2 := sha256.Sum256(h1[:])
	num := append(append([]byte{}, payload...), h2[:4]...)
	zeros := 0
	for zeros < len(num) && num[zeros] == 0 {
		zeros++
	}
	var out []byte
	for start := zeros; start < len(num); {
		rem := 0
		for i := start; i < len(num); i++ { // num /= 58 in place
			acc := rem*256 + int(num[i])
			num[i] = byte(acc / 58)
			rem = acc % 58
		}
		out = append(out, base58Alphabet[rem])
		for start < len(num) && num[start] == 0 {
			start++
		}
	}
	for range zeros {
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// companyNumber returns a company registration number in the country's
// register format; FR (SIREN, Luhn), BE (enterprise number, mod 97) and IT
// (partita IVA, Luhn) carry valid check digits.
func companyNumber(r *rand.Rand, country, city string) string {
	switch country {
	case "NL": // KvK
		return numberIn(r, 10_000_000, 99_999_999, 8)
	case "DE":
		return "HRB " + numberIn(r, 1000, 299_999, 1) + " (Amtsgericht " + city + ")"
	case "FR":
		return luhnComplete(numberIn(r, 30_000_000, 99_999_999, 8))
	case "BE":
		base := "0" + numberIn(r, 20_000_000, 99_999_999, 8)
		n, _ := strconv.ParseUint(base, 10, 64)
		return fmt.Sprintf("%s.%s.%s%02d", base[:4], base[4:7], base[7:], 97-n%97)
	case "ES":
		return "B" + digits(r, 8)
	case "IT":
		return luhnComplete(digits(r, 7) + numberIn(r, 1, 100, 3))
	case "PL": // KRS
		return "0000" + digits(r, 6)
	case "RO":
		return fmt.Sprintf("J40/%d/%d", 1000+r.IntN(20000), 2010+r.IntN(15))
	case "GR": // GEMI
		return digits(r, 12)
	case "RU": // OGRN
		return "1" + numberIn(r, 2, 24, 2) + digits(r, 10)
	case "UA": // EDRPOU
		return digits(r, 8)
	case "TR": // MERSIS
		return "0" + digits(r, 15)
	case "MA", "DZ":
		return "RC " + city + " " + numberIn(r, 10_000, 599_999, 1)
	case "AL": // NIPT
		return chars(r, "KLM", 1) + digits(r, 8) + chars(r, upper, 1)
	case "US": // EIN
		return numberIn(r, 10, 99, 2) + "-" + digits(r, 7)
	default: // BG (EIK), RS (matični broj), GB (Companies House)
		return digits(r, 8)
	}
}

// luhnComplete appends the Luhn check digit.
func luhnComplete(s string) string {
	sum := 0
	double := true // the digit left of the check digit is doubled
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return s + strconv.Itoa((10-sum%10)%10)
}
