package names

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxNameLen bounds the input of the functions of this package, in bytes:
// longer input is cut at a rune boundary before processing. FtM limits a
// name to 384 characters, so real names are far below it.
const MaxNameLen = 4096

// Fold returns a lower-case, Latin-letter form of a name for comparison:
//
//   - Unicode NFKD, then combining marks are removed (é → e, ü → u, й → и);
//   - Latin letters without a decomposition are spelled out: ß → ss,
//     æ → ae, œ → oe, ø → o, ł → l, đ → dj, ð → d, þ → th, ı → i, ə → e;
//   - Cyrillic is transliterated as in ICAO Doc 9303 (the machine-readable
//     passport standard), with Ukrainian and Serbian/Macedonian letters
//     read in their own language when a word contains a letter only that
//     language uses (Ukrainian і ї є ґ; Serbian/Macedonian ђ ћ џ љ њ ј ѓ ќ ѕ);
//     the hard and soft signs are dropped, as most Latin spellings do;
//   - Greek is transliterated as in ELOT 743 (Greek passports), with the
//     digraphs ου, αυ, ευ, μπ, ντ, γγ, γκ;
//   - Arabic and Persian letters map to a consonant skeleton with the
//     common vowels: alif → a, و → u (w at the start of a word), ي → i
//     (y at the start), ة and ى → a, ع → a, the article ال at the start of
//     a word is dropped, and written short vowels (harakat) are kept;
//   - apostrophes are removed ("O'Brien" → "obrien"), other punctuation and
//     symbols become spaces, runs of spaces collapse, and the result is
//     trimmed.
//
// Letters of other scripts (Han, Hangul, …) are kept lower-cased. Fold is
// idempotent and its output is valid UTF-8.
func Fold(s string) string {
	s = norm.NFKD.String(bound(s))
	var b strings.Builder
	b.Grow(len(s))
	words := splitWords(s)
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		foldWord(&b, w)
	}
	return collapse(b.String())
}

// bound cuts s to at most MaxNameLen bytes without splitting a rune.
func bound(s string) string {
	if len(s) <= MaxNameLen {
		return s
	}
	cut := MaxNameLen
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// splitWords splits at white space and at punctuation other than
// apostrophes, keeping combining marks with their letters.
func splitWords(s string) [][]rune {
	var words [][]rune
	var cur []rune
	for _, r := range s {
		if isApostrophe(r) || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == 'ـ' {
			cur = append(cur, r)
			continue
		}
		if len(cur) > 0 {
			words = append(words, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		words = append(words, cur)
	}
	return words
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', 'ʼ', 'ʻ', '`', '´', 'ʹ', '‘':
		return true
	}
	return false
}

// collapse trims s and reduces runs of spaces to one.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

var latinSpecial = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "dj", 'ð': "d",
	'þ': "th", 'ı': "i", 'ə': "e", 'ħ': "h", 'ŋ': "ng", 'ĸ': "k", 'ſ': "s",
	'ŧ': "t", 'ƒ': "f", 'ɨ': "i", 'ɔ': "o", 'ɛ': "e",
}

// cyrillic is ICAO Doc 9303 for Russian (and the letters Russian shares).
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ж': "zh", 'з': "z",
	'и': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
	'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh",
	'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
	// letters of other languages, read the same wherever they occur
	'і': "i", 'є': "ie", 'ґ': "g", 'ђ': "dj", 'ћ': "c", 'џ': "dz", 'љ': "lj",
	'њ': "nj", 'ј': "j", 'ѓ': "gj", 'ќ': "kj", 'ѕ': "dz", 'ў': "u", 'ә': "a",
	'ғ': "gh", 'қ': "q", 'ң': "ng", 'ө': "o", 'ұ': "u", 'ү': "u", 'һ': "h",
}

// ukrainian overrides for words written in Ukrainian (ICAO: г → h, и → y).
var ukrainian = map[rune]string{'г': "h", 'и': "y"}

// serbian overrides for Serbian/Macedonian words: the Latin alphabets of
// those languages write č, ć, š, ž, which fold to c, s, z.
var serbian = map[rune]string{'ж': "z", 'х': "h", 'ц': "c", 'ч': "c", 'ш': "s"}

// greek is ELOT 743 for single letters (accents are gone after NFKD).
var greek = map[rune]string{
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th",
	'ι': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p",
	'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t", 'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps",
	'ω': "o",
}

// greekPairs are ELOT 743 digraphs; "initial" applies at the start of a word.
var greekPairs = map[string]struct{ initial, medial string }{
	"ου": {"ou", "ou"}, "αυ": {"av", "av"}, "ευ": {"ev", "ev"}, "ηυ": {"iv", "iv"},
	"μπ": {"b", "mp"}, "ντ": {"d", "nt"}, "γγ": {"ng", "ng"}, "γκ": {"g", "nk"},
}

var arabic = map[rune]string{
	'ا': "a", 'ٱ': "a", 'ب': "b", 'ت': "t", 'ث': "th", 'ج': "j", 'ح': "h", 'خ': "kh",
	'د': "d", 'ذ': "dh", 'ر': "r", 'ز': "z", 'س': "s", 'ش': "sh", 'ص': "s", 'ض': "d",
	'ط': "t", 'ظ': "z", 'ع': "a", 'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k", 'ل': "l",
	'م': "m", 'ن': "n", 'ه': "h", 'و': "u", 'ي': "i", 'ى': "a", 'ة': "a", 'ء': "",
	'پ': "p", 'چ': "ch", 'ژ': "zh", 'گ': "g", 'ک': "k", 'ی': "i", 'ۀ': "a", 'ە': "a",
	'ـ': "", // tatweel, a stretching stroke
	// written short vowels (harakat); other marks are dropped
	'\u064e': "a", '\u064f': "u", '\u0650': "i",
}

func foldWord(b *strings.Builder, w []rune) {
	lower := make([]rune, 0, len(w))
	for _, r := range w {
		lower = append(lower, unicode.ToLower(r))
	}
	w = lower
	ukr, srb := false, false
	for _, r := range w {
		switch r {
		case 'і', 'ї', 'є', 'ґ':
			ukr = true
		case 'ђ', 'ћ', 'џ', 'љ', 'њ', 'ј', 'ѓ', 'ќ', 'ѕ':
			srb = true
		}
	}
	// Arabic article al- at the start of a longer word.
	if len(w) > 3 && w[0] == 'ا' && w[1] == 'ل' {
		w = w[2:]
	}
	for i := 0; i < len(w); i++ {
		r := w[i]
		if i+1 < len(w) && r >= 0x370 && r <= 0x3ff {
			if p, ok := greekPairs[string(w[i:i+2])]; ok {
				if i == 0 {
					b.WriteString(p.initial)
				} else {
					b.WriteString(p.medial)
				}
				i++
				continue
			}
		}
		if r == 'и' && i+1 < len(w) && w[i+1] == '\u0306' {
			// й (и with breve after NFKD) is "i" in Russian and Ukrainian alike
			b.WriteByte('i')
			i++
			continue
		}
		if s, ok := arabic[r]; ok {
			switch {
			case i == 0 && r == 'و':
				s = "w"
			case i == 0 && (r == 'ي' || r == 'ی'):
				s = "y"
			}
			b.WriteString(s)
			continue
		}
		if s, ok := ukrainian[r]; ok && ukr {
			b.WriteString(s)
			continue
		}
		if s, ok := serbian[r]; ok && srb {
			b.WriteString(s)
			continue
		}
		if s, ok := cyrillic[r]; ok {
			b.WriteString(s)
			continue
		}
		if s, ok := greek[r]; ok {
			b.WriteString(s)
			continue
		}
		if s, ok := latinSpecial[r]; ok {
			b.WriteString(s)
			continue
		}
		switch {
		case unicode.IsMark(r), isApostrophe(r):
			// diacritics and apostrophes vanish
		case unicode.IsDigit(r):
			b.WriteRune(asciiDigit(r))
		case unicode.IsLetter(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
}

// asciiDigit maps a decimal digit of any script to its ASCII form.
func asciiDigit(r rune) rune {
	if r <= '9' {
		return r
	}
	// Unicode decimal digits come in runs of ten starting at a zero.
	for z := r; z > r-10; z-- {
		if !unicode.IsDigit(z - 1) {
			return '0' + (r - z)
		}
	}
	return r
}
