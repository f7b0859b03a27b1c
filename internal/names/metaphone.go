package names

import "strings"

// PhoneticLen is the length of the codes [Phonetic] returns, the usual
// length for Double Metaphone.
const PhoneticLen = 4

// Phonetic returns the primary Double Metaphone code (Lawrence Philips,
// 2000) of a token, at most [PhoneticLen] characters. Double Metaphone
// maps letters to 16 consonant sounds ("0" is th, "X" is sh/ch, "J" is j
// and soft g) and keeps only an initial vowel, as "A"; it has rules for
// Germanic, Slavic, Romance, Greek and Chinese spellings. The port follows
// the reference implementation's primary encoding case by case; the
// alternate encoding is not computed. Only the ASCII letters of token are
// read: use it on [Fold] or [Skeleton] output.
func Phonetic(token string) string {
	var b strings.Builder
	for _, r := range bound(token) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		}
	}
	return doubleMetaphone(b.String(), PhoneticLen)
}

// dm is the state of one Double Metaphone encoding.
type dm struct {
	s      string // upper-case ASCII letters
	out    []byte
	max    int
	slavic bool // slavo-germanic spelling: W, K, CZ or WITZ
}

func (d *dm) at(i int) byte {
	if i < 0 || i >= len(d.s) {
		return 0
	}
	return d.s[i]
}

// has reports whether the substring of length n at start is one of opts.
func (d *dm) has(start, n int, opts ...string) bool {
	if start < 0 || start+n > len(d.s) {
		return false
	}
	sub := d.s[start : start+n]
	for _, o := range opts {
		if sub == o {
			return true
		}
	}
	return false
}

func (d *dm) add(code string) {
	room := d.max - len(d.out)
	if len(code) > room {
		code = code[:room]
	}
	d.out = append(d.out, code...)
}

func (d *dm) vowel(i int) bool {
	switch d.at(i) {
	case 'A', 'E', 'I', 'O', 'U', 'Y':
		return true
	}
	return false
}

func (d *dm) last() int { return len(d.s) - 1 }

func (d *dm) germanic() bool { return d.has(0, 4, "VAN ", "VON ") || d.has(0, 3, "SCH") }

func doubleMetaphone(s string, max int) string {
	d := &dm{s: s, max: max}
	d.slavic = strings.Contains(s, "W") || strings.Contains(s, "K") || strings.Contains(s, "CZ") || strings.Contains(s, "WITZ")
	i := 0
	if d.has(0, 2, "GN", "KN", "PN", "WR", "PS") {
		i = 1 // silent first letter
	}
	for len(d.out) < d.max && i < len(s) {
		switch s[i] {
		case 'A', 'E', 'I', 'O', 'U', 'Y':
			if i == 0 {
				d.add("A")
			}
			i++
		case 'B':
			d.add("P")
			i += d.skipDouble(i, 'B')
		case 'C':
			i = d.c(i)
		case 'D':
			i = d.d(i)
		case 'F':
			d.add("F")
			i += d.skipDouble(i, 'F')
		case 'G':
			i = d.g(i)
		case 'H':
			// kept only first or between vowels
			if (i == 0 || d.vowel(i-1)) && d.vowel(i+1) {
				d.add("H")
				i += 2
			} else {
				i++
			}
		case 'J':
			i = d.j(i)
		case 'K':
			d.add("K")
			i += d.skipDouble(i, 'K')
		case 'L':
			d.add("L")
			i += d.skipDouble(i, 'L')
		case 'M':
			d.add("M")
			if d.at(i+1) == 'M' || d.has(i-1, 3, "UMB") && (i+1 == d.last() || d.has(i+2, 2, "ER")) {
				i += 2 // "dumb", "thumb"
			} else {
				i++
			}
		case 'N':
			d.add("N")
			i += d.skipDouble(i, 'N')
		case 'P':
			if d.at(i+1) == 'H' {
				d.add("F")
				i += 2
			} else {
				d.add("P")
				if d.has(i+1, 1, "P", "B") {
					i += 2
				} else {
					i++
				}
			}
		case 'Q':
			d.add("K")
			i += d.skipDouble(i, 'Q')
		case 'R':
			// French "-ier" at the end is silent in the primary code
			if !(i == d.last() && !d.slavic && d.has(i-2, 2, "IE") && !d.has(i-4, 2, "ME", "MA")) {
				d.add("R")
			}
			i += d.skipDouble(i, 'R')
		case 'S':
			i = d.sound(i)
		case 'T':
			i = d.t(i)
		case 'V':
			d.add("F")
			i += d.skipDouble(i, 'V')
		case 'W':
			i = d.w(i)
		case 'X':
			if i == 0 {
				d.add("S")
				i++
				break
			}
			// French "-eaux", "-aux", "-oux" at the end are silent
			if !(i == d.last() && (d.has(i-3, 3, "IAU", "EAU") || d.has(i-2, 2, "AU", "OU"))) {
				d.add("KS")
			}
			if d.has(i+1, 1, "C", "X") {
				i += 2
			} else {
				i++
			}
		case 'Z':
			if d.at(i+1) == 'H' { // pinyin "Zhao"
				d.add("J")
				i += 2
				break
			}
			d.add("S")
			i += d.skipDouble(i, 'Z')
		default:
			i++
		}
	}
	return string(d.out)
}

// skipDouble returns 2 if the letter after i is c, else 1.
func (d *dm) skipDouble(i int, c byte) int {
	if d.at(i+1) == c {
		return 2
	}
	return 1
}

func (d *dm) c(i int) int {
	switch {
	case d.c0(i): // various Germanic "ach"
		d.add("K")
		return i + 2
	case i == 0 && d.has(i, 6, "CAESAR"):
		d.add("S")
		return i + 2
	case d.has(i, 2, "CH"):
		return d.ch(i)
	case d.has(i, 2, "CZ") && !d.has(i-2, 4, "WICZ"): // "Czerny"
		d.add("S")
		return i + 2
	case d.has(i+1, 3, "CIA"): // "focaccia"
		d.add("X")
		return i + 3
	case d.has(i, 2, "CC") && !(i == 1 && d.at(0) == 'M'): // not "McClelland"
		if d.has(i+2, 1, "I", "E", "H") && !d.has(i+2, 2, "HU") {
			if i == 1 && d.at(0) == 'A' || d.has(i-1, 5, "UCCEE", "UCCES") {
				d.add("KS") // "accident", "succeed"
			} else {
				d.add("X") // "bacci", "bertucci"
			}
			return i + 3
		}
		d.add("K") // Pierce's rule
		return i + 2
	case d.has(i, 2, "CK", "CG", "CQ"):
		d.add("K")
		return i + 2
	case d.has(i, 2, "CI", "CE", "CY"):
		d.add("S")
		return i + 2
	}
	d.add("K")
	switch {
	case d.has(i+1, 2, " C", " Q", " G"): // "Mac Caffrey", "Mac Gregor"
		return i + 3
	case d.has(i+1, 1, "C", "K", "Q") && !d.has(i+1, 2, "CE", "CI"):
		return i + 2
	}
	return i + 1
}

func (d *dm) c0(i int) bool {
	if d.has(i, 4, "CHIA") {
		return true
	}
	if i <= 1 || d.vowel(i-2) || !d.has(i-1, 3, "ACH") {
		return false
	}
	c := d.at(i + 2)
	return c != 'I' && c != 'E' || d.has(i-2, 6, "BACHER", "MACHER")
}

func (d *dm) ch(i int) int {
	switch {
	case i > 0 && d.has(i, 4, "CHAE"): // "Michael"
		d.add("K")
	case i == 0 && (d.has(i+1, 5, "HARAC", "HARIS") || d.has(i+1, 3, "HOR", "HYM", "HIA", "HEM")) && !d.has(0, 5, "CHORE"):
		d.add("K") // Greek roots: "chemistry", "chorus"
	case d.germanic() || d.has(i-2, 6, "ORCHES", "ARCHIT", "ORCHID") || d.has(i+2, 1, "T", "S") ||
		(d.has(i-1, 1, "A", "O", "U", "E") || i == 0) && (d.has(i+2, 1, "L", "R", "N", "M", "B", "H", "F", "V", "W", " ") || i+1 == d.last()):
		d.add("K") // Germanic, Greek or otherwise "ch" for the "kh" sound
	case i > 0 && d.has(0, 2, "MC"):
		d.add("K")
	default:
		d.add("X")
	}
	return i + 2
}

func (d *dm) d(i int) int {
	switch {
	case d.has(i, 2, "DG"):
		if d.has(i+2, 1, "I", "E", "Y") { // "edge"
			d.add("J")
			return i + 3
		}
		d.add("TK") // "Edgar"
		return i + 2
	case d.has(i, 2, "DT", "DD"):
		d.add("T")
		return i + 2
	}
	d.add("T")
	return i + 1
}

func (d *dm) g(i int) int {
	next := d.at(i + 1)
	switch {
	case next == 'H':
		return d.gh(i)
	case next == 'N':
		if i == 1 && d.vowel(0) && !d.slavic {
			d.add("KN")
		} else if !d.has(i+2, 2, "EY") && !d.slavic {
			d.add("N")
		} else {
			d.add("KN")
		}
		return i + 2
	case d.has(i+1, 2, "LI") && !d.slavic: // "tagliaro"
		d.add("KL")
		return i + 2
	case i == 0 && (next == 'Y' || d.has(i+1, 2, "ES", "EP", "EB", "EL", "EY", "IB", "IL", "IN", "IE", "EI", "ER")):
		d.add("K")
		return i + 2
	case (d.has(i+1, 2, "ER") || next == 'Y') && !d.has(0, 6, "DANGER", "RANGER", "MANGER") &&
		!d.has(i-1, 1, "E", "I") && !d.has(i-1, 3, "RGY", "OGY"):
		d.add("K") // "-ger-", "-gy-"
		return i + 2
	case d.has(i+1, 1, "E", "I", "Y") || d.has(i-1, 4, "AGGI", "OGGI"):
		if d.germanic() || d.has(i+1, 2, "ET") {
			d.add("K")
		} else {
			d.add("J") // "-ier" and the rest: soft g
		}
		return i + 2
	case next == 'G':
		d.add("K")
		return i + 2
	}
	d.add("K")
	return i + 1
}

func (d *dm) gh(i int) int {
	switch {
	case i > 0 && !d.vowel(i-1):
		d.add("K")
	case i == 0:
		if d.at(i+2) == 'I' {
			d.add("J")
		} else {
			d.add("K")
		}
	case i > 1 && d.has(i-2, 1, "B", "H", "D") || i > 2 && d.has(i-3, 1, "B", "H", "D") || i > 3 && d.has(i-4, 1, "B", "H"):
		// Parker's rule: "hugh", "bough", "broughton" are silent
	case i > 2 && d.at(i-1) == 'U' && d.has(i-3, 1, "C", "G", "L", "R", "T"):
		d.add("F") // "laugh", "cough", "tough"
	case d.at(i-1) != 'I':
		d.add("K")
	}
	return i + 2
}

func (d *dm) j(i int) int {
	if d.has(i, 4, "JOSE") || d.has(0, 4, "SAN ") { // Spanish: "Jose", "San Jacinto"
		if i == 0 && d.at(i+4) == ' ' || len(d.s) == 4 || d.has(0, 4, "SAN ") {
			d.add("H")
		} else {
			d.add("J")
		}
		return i + 1
	}
	switch {
	case i == 0:
		d.add("J")
	case d.vowel(i-1) && !d.slavic && (d.at(i+1) == 'A' || d.at(i+1) == 'O'):
		d.add("J")
	case i == d.last():
		d.add("J")
	case !d.has(i+1, 1, "L", "T", "K", "S", "N", "M", "B", "Z") && !d.has(i-1, 1, "S", "K", "L"):
		d.add("J")
	}
	return i + d.skipDouble(i, 'J')
}

// sound encodes S (named to avoid clashing with the field s).
func (d *dm) sound(i int) int {
	switch {
	case d.has(i-1, 3, "ISL", "YSL"): // "island", "carlisle"
		return i + 1
	case i == 0 && d.has(i, 5, "SUGAR"):
		d.add("X")
		return i + 1
	case d.has(i, 2, "SH"):
		if d.has(i+1, 4, "HEIM", "HOEK", "HOLM", "HOLZ") {
			d.add("S") // Germanic
		} else {
			d.add("X")
		}
		return i + 2
	case d.has(i, 3, "SIO", "SIA") || d.has(i, 4, "SIAN"): // Italian, Armenian
		d.add("S")
		return i + 3
	case i == 0 && d.has(i+1, 1, "M", "N", "L", "W") || d.has(i+1, 1, "Z"):
		d.add("S") // "smith" = "schmidt", "snider" = "schneider"
		if d.has(i+1, 1, "Z") {
			return i + 2
		}
		return i + 1
	case d.has(i, 2, "SC"):
		return d.sc(i)
	}
	// French "-ais", "-ois" at the end are silent in the primary code
	if !(i == d.last() && d.has(i-2, 2, "AI", "OI")) {
		d.add("S")
	}
	if d.has(i+1, 1, "S", "Z") {
		return i + 2
	}
	return i + 1
}

func (d *dm) sc(i int) int {
	switch {
	case d.at(i+2) == 'H': // Schlesinger's rule
		if d.has(i+3, 2, "OO", "ER", "EN", "UY", "ED", "EM") {
			if d.has(i+3, 2, "ER", "EN") {
				d.add("X") // "schermerhorn", "schenker"
			} else {
				d.add("SK") // Dutch "school"
			}
		} else {
			d.add("X")
		}
	case d.has(i+2, 1, "I", "E", "Y"):
		d.add("S")
	default:
		d.add("SK")
	}
	return i + 3
}

func (d *dm) t(i int) int {
	switch {
	case d.has(i, 4, "TION"):
		d.add("X")
		return i + 3
	case d.has(i, 3, "TIA", "TCH"):
		d.add("X")
		return i + 3
	case d.has(i, 2, "TH") || d.has(i, 3, "TTH"):
		if d.has(i+2, 2, "OM", "AM") || d.germanic() {
			d.add("T") // "Thomas", "Thames"
		} else {
			d.add("0")
		}
		return i + 2
	}
	d.add("T")
	if d.has(i+1, 1, "T", "D") {
		return i + 2
	}
	return i + 1
}

func (d *dm) w(i int) int {
	switch {
	case d.has(i, 2, "WR"):
		d.add("R")
		return i + 2
	case i == 0 && (d.vowel(i+1) || d.has(i, 2, "WH")):
		d.add("A") // "Wasserman" = "Vasserman" in the alternate code
		return i + 1
	case i == d.last() && d.vowel(i-1) || d.has(i-1, 5, "EWSKI", "EWSKY", "OWSKI", "OWSKY") || d.has(0, 3, "SCH"):
		return i + 1 // sounds only in the alternate code
	case d.has(i, 4, "WICZ", "WITZ"): // Polish "Filipowicz"
		d.add("TS")
		return i + 4
	}
	return i + 1
}
