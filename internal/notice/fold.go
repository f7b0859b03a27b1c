package notice

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text folding and term matching for screening.
//
// Charge texts and term lists are folded the same way, token by token:
// lower case, diacritics removed (é→e, ё→е, й→и), a few letters that do not
// decompose spelled out (ß→ss, œ→oe), and for Arabic the short vowels and
// tatweel dropped, hamza carriers folded (أ إ آ→ا, ؤ→و, ئ→ي), ة→ه, ى→ي and
// the article with its common proclitics (ال، وال، بال، فال، كال، لل)
// removed. Cyrillic and Arabic stay in their own script: there is no
// transliteration here, because a term list per language is more precise
// than matching a transliteration.
//
// Matching is on whole tokens, never substrings, so "protest" does not match
// inside "protestant" and "desertion" does not match "dessert". A term word
// ending in "*" matches any token with that prefix (for inflected languages);
// "a|b" lists alternatives. The words of a term must occur in order, each
// within maxGap tokens of the previous one, so "insult* head state" matches
// "insulting the head of state" and "insult to the head of the State".

// maxGap is how far apart (in tokens) two consecutive words of a term may
// be: at most two other tokens between them.
const maxGap = 3

// minPrefix is the shortest prefix a "*" word may have, in runes; shorter
// prefixes match too much.
const minPrefix = 3

// token is one folded word of a text and where it came from.
type token struct {
	folded     string
	start, end int // byte offsets of the original word in the text
}

// tokenize splits s into words (letters, digits and combining marks) and
// folds each word.
func tokenize(s string) []token {
	var toks []token
	start := -1
	flush := func(end int) {
		if start >= 0 {
			if f := foldWord(s[start:end]); f != "" {
				toks = append(toks, token{folded: f, start: start, end: end})
			}
			start = -1
		}
	}
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	return toks
}

// arabicProclitics are stripped from the front of an Arabic word, longest
// first, when at least two letters remain. They are matched on the word as
// written, before hamza folding, so that "إلحاد" (atheism) keeps its initial
// alef and does not become "حاد" (sharp).
var arabicProclitics = []string{"وال", "بال", "فال", "كال", "لل", "ال"}

// foldWord folds one word; see the comment at the top of this file.
func foldWord(w string) string {
	w = strings.ToLower(w)
	if hasArabic(w) {
		w = strings.Map(func(r rune) rune {
			if isArabicMark(r) || r == 'ـ' { // harakat and tatweel carry no meaning for matching
				return -1
			}
			return r
		}, w)
		for _, p := range arabicProclitics {
			if rest, ok := strings.CutPrefix(w, p); ok && utf8.RuneCountInString(rest) >= 2 {
				w = rest
				break
			}
		}
	}
	var b strings.Builder
	for _, r := range norm.NFKD.String(w) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'ß':
			b.WriteString("ss")
		case 'œ':
			b.WriteString("oe")
		case 'æ':
			b.WriteString("ae")
		case 'ø':
			b.WriteRune('o')
		case 'ł':
			b.WriteRune('l')
		case 'đ':
			b.WriteRune('d')
		case 'ı':
			b.WriteRune('i')
		case 'ة':
			b.WriteRune('ه')
		case 'ى':
			b.WriteRune('ي')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func hasArabic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Arabic, r) {
			return true
		}
	}
	return false
}

// isArabicMark reports the Arabic short vowels, shadda, sukun and the
// superscript alef.
func isArabicMark(r rune) bool { return r >= 0x064B && r <= 0x065F || r == 0x0670 }

// wordPattern is one word of a term: alternatives, each exact or a prefix.
type wordPattern []alternative

type alternative struct {
	text   string
	prefix bool
}

func (p wordPattern) matches(tok string) bool {
	for _, a := range p {
		if a.prefix && strings.HasPrefix(tok, a.text) || !a.prefix && tok == a.text {
			return true
		}
	}
	return false
}

// compileTerm parses a term of the form "insult*|offend* head state". It
// panics on a malformed term: term lists are program text, checked by tests.
func compileTerm(term string) []wordPattern {
	var words []wordPattern
	for _, w := range strings.Fields(term) {
		var p wordPattern
		for _, alt := range strings.Split(w, "|") {
			prefix := strings.HasSuffix(alt, "*")
			raw := strings.TrimSuffix(alt, "*")
			toks := tokenize(raw)
			if len(toks) != 1 || toks[0].start != 0 || toks[0].end != len(raw) {
				panic(fmt.Sprintf("notice: term %q: %q is not one word", term, alt))
			}
			f := toks[0].folded
			if prefix && utf8.RuneCountInString(f) < minPrefix {
				panic(fmt.Sprintf("notice: term %q: prefix %q is too short", term, alt))
			}
			p = append(p, alternative{text: f, prefix: prefix})
		}
		words = append(words, p)
	}
	if len(words) == 0 {
		panic("notice: empty term")
	}
	return words
}

// matchTerm finds the first occurrence of words in toks and returns the
// index of its first and last token.
func matchTerm(words []wordPattern, toks []token) (first, last int, ok bool) {
	for i := range toks {
		if !words[0].matches(toks[i].folded) {
			continue
		}
		if end, ok := matchRest(words[1:], toks, i); ok {
			return i, end, true
		}
	}
	return 0, 0, false
}

// matchRest matches words after the token at prev, backtracking over the
// (at most maxGap) candidate positions of each word.
func matchRest(words []wordPattern, toks []token, prev int) (int, bool) {
	if len(words) == 0 {
		return prev, true
	}
	for j := prev + 1; j <= prev+maxGap && j < len(toks); j++ {
		if words[0].matches(toks[j].folded) {
			if end, ok := matchRest(words[1:], toks, j); ok {
				return end, true
			}
		}
	}
	return 0, false
}
