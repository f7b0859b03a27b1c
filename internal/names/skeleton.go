package names

import (
	"slices"
	"strings"
)

// particles are name particles and connectors that are written or left
// out at will: "García y Márquez", "van der Berg", "al-Assad", "de la Cruz".
// Skeleton drops them.
var particles = map[string]bool{
	"de": true, "del": true, "della": true, "der": true, "den": true, "di": true, "da": true,
	"do": true, "dos": true, "das": true, "du": true, "la": true, "le": true, "y": true,
	"van": true, "von": true, "ter": true, "al": true, "el": true, "ul": true,
}

// Skeleton returns a spelling key of a name in which common
// transliteration and spelling variants fall together. Tokens keep their
// order; compare sorted tokens when order may vary. The rules, applied to
// each token of [Fold] that is not a particle (de, van, al, y, …):
//
//  1. Endings: -off, -ow → -ov; -eff, -ew → -ev (Ivanoff, Iwanow → Ivanov);
//     a final h after a vowel is dropped (Fatimah, Abdullah).
//  2. Spellings, left to right: tsch, tch → ch; sch → sh; cz → ch; sz → sh;
//     ph → f; kh → h; gh → g; ck → k; dt → t; th → t; qu, q → k; gu before
//     e/i → g (Serguei); ou → u; ue → u, ae → a, oe → o (German umlauts
//     written out); x → ks; w → v; c → s before e, i, y, else k (ch stays);
//     j after a vowel and before a consonant or the end → i (Sergej); y → i,
//     except a y that begins the word before a vowel, which is dropped
//     (Yakovlev = Iakovlev).
//  3. Double letters collapse.
//  4. Vowels: a word that begins with a vowel begins with "a"; vowels
//     inside the word are dropped; a word ending in vowels keeps the last
//     one (Ivanova ≠ Ivanov, Maria ≠ Mario). Double letters collapse again.
//
// The result is a consonant skeleton, which is what Arabic script writes:
// "Mohammed", "Muhammad", "Mohamed" and "محمد" all give "mhmd"; "Сергей",
// "Sergei", "Sergey", "Serguei" and "Sergej" give "srgi"; "Müller",
// "Mueller" and "Muller" give "mlr". The price is that names that differ
// only in inner vowels collide too ("Miller" is "mlr"), so a skeleton must
// be combined with a date of birth before it means anything (see
// [MatchKeys]).
func Skeleton(s string) string {
	return strings.Join(skeletonTokens(Fold(s)), " ")
}

// skeletonTokens returns the skeletons of the tokens of a folded name.
func skeletonTokens(folded string) []string {
	var out []string
	for _, t := range strings.Fields(folded) {
		if particles[t] {
			continue
		}
		if k := skeletonToken(t); k != "" {
			out = append(out, k)
		}
	}
	return out
}

var endings = []struct{ from, to string }{
	{"off", "ov"}, {"ow", "ov"}, {"eff", "ev"}, {"ew", "ev"},
}

func isVowel(r rune) bool { return r == 'a' || r == 'e' || r == 'i' || r == 'o' || r == 'u' }

func skeletonToken(t string) string {
	for _, e := range endings {
		if strings.HasSuffix(t, e.from) && len(t) > len(e.from)+1 {
			t = strings.TrimSuffix(t, e.from) + e.to
			break
		}
	}
	// A final h after a vowel is silent (Fatimah, Abdullah, Aishah).
	if len(t) > 2 && t[len(t)-1] == 'h' && isVowel(rune(t[len(t)-2])) {
		t = t[:len(t)-1]
	}
	rs := []rune(t)
	at := func(i int) rune {
		if i >= 0 && i < len(rs) {
			return rs[i]
		}
		return 0
	}
	has := func(i int, s string) bool {
		for j, r := range s {
			if at(i+j) != r {
				return false
			}
		}
		return true
	}
	var b []rune
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		emit := func(s string, skip int) {
			b = append(b, []rune(s)...)
			i += skip
		}
		switch {
		case has(i, "tsch"):
			emit("ch", 3)
		case has(i, "tch"):
			emit("ch", 2)
		case has(i, "sch"):
			emit("sh", 2)
		case has(i, "cz"):
			emit("ch", 1)
		case has(i, "sz"):
			emit("sh", 1)
		case has(i, "ch"):
			emit("ch", 1)
		case has(i, "ph"):
			emit("f", 1)
		case has(i, "kh"):
			emit("h", 1)
		case has(i, "gh"):
			emit("g", 1)
		case has(i, "ck"):
			emit("k", 1)
		case has(i, "dt"):
			emit("t", 1)
		case has(i, "th"):
			emit("t", 1)
		case has(i, "qu"):
			emit("k", 1)
		case has(i, "gu") && (at(i+2) == 'e' || at(i+2) == 'i'):
			emit("g", 1)
		case has(i, "ou"):
			emit("u", 1)
		case has(i, "ue"):
			emit("u", 1)
		case has(i, "ae"):
			emit("a", 1)
		case has(i, "oe"):
			emit("o", 1)
		case r == 'q':
			emit("k", 0)
		case r == 'x':
			emit("ks", 0)
		case r == 'w':
			emit("v", 0)
		case r == 'c':
			if n := at(i + 1); n == 'e' || n == 'i' || n == 'y' {
				emit("s", 0)
			} else {
				emit("k", 0)
			}
		case r == 'j' && i > 0 && isVowel(at(i-1)) && !isVowel(at(i+1)):
			emit("i", 0)
		case r == 'y' && i == 0 && isVowel(at(1)):
			// a word-initial y before a vowel is a glide: drop it
		case r == 'y':
			emit("i", 0)
		default:
			emit(string(r), 0)
		}
	}
	b = dedupe(b)
	// Vowels: keep an initial vowel as "a" and a final one as written.
	var out []rune
	last := len(b) - 1
	for last >= 0 && isVowel(b[last]) {
		last--
	}
	for i, r := range b {
		switch {
		case !isVowel(r):
			out = append(out, r)
		case i == 0:
			out = append(out, 'a')
		case i == len(b)-1 && last >= 0:
			out = append(out, r)
		}
	}
	return string(dedupe(out))
}

// dedupe collapses runs of the same rune.
func dedupe(rs []rune) []rune {
	return slices.Compact(rs)
}
