package names

import (
	"slices"
	"strings"

	"github.com/liaison-project/liaison/internal/ftm"
)

// Tokens returns the sorted, unique tokens of [Fold](s).
func Tokens(s string) []string {
	t := strings.Fields(Fold(s))
	slices.Sort(t)
	return slices.Compact(t)
}

// Strength says how much a match on a key means.
type Strength uint8

const (
	// Weak keys collide between different people often enough that a hit
	// is only a candidate, to be scored and confirmed in the legal
	// follow-up; never act on a weak hit alone.
	Weak Strength = iota + 1
	// Strong keys combine a name form with the full date of birth; a hit
	// is a likely match, but still not an identification.
	Strong
)

func (s Strength) String() string {
	switch s {
	case Weak:
		return "weak"
	case Strong:
		return "strong"
	}
	return "unknown"
}

// Key kinds. The kind and a rule version are part of every key's Value,
// so keys of different kinds or rule versions never collide.
const (
	KindNameDOB      = "name-dob"      // sorted skeleton tokens + full birth date; strong
	KindTokensDOB    = "tokens-dob"    // sorted folded tokens + full birth date; strong
	KindPhoneticYear = "phonetic-year" // sorted phonetic codes + birth year; weak
)

// keyVersion changes whenever a rule of Fold, Skeleton or Phonetic changes
// the keys of existing names; keys of different versions must not be
// compared.
const keyVersion = "v1"

// Key is one match key of a person.
type Key struct {
	Kind     string
	Strength Strength
	Value    string // "<kind>|v1|<name part>|<date part>"
}

// MatchKeys derives the match keys of a person from a full name and a
// birth date (any form [ftm.NormalizeDate] accepts):
//
//   - name-dob (strong): the sorted tokens of [Skeleton] and the full
//     birth date. Survives transliteration and spelling variants and
//     word order ("IVANOV Sergei" = "Сергей Иванов").
//   - tokens-dob (strong): the sorted tokens of [Tokens] and the full
//     birth date. Survives case, accents, script (by transliteration)
//     and word order, but not spelling variants.
//   - phonetic-year (weak): the sorted [Phonetic] codes of the skeleton
//     tokens and the birth year. Survives more spelling variation and a
//     wrong day or month, and therefore collides often.
//
// Strong keys need a complete date (YYYY-MM-DD); with only a year or a
// month, only the weak key is made. Without a usable birth date, or
// without a name, MatchKeys returns nil: a name alone is not a key.
// Keys are sorted by kind.
func MatchKeys(fullName, birthDate string) []Key {
	date, err := ftm.NormalizeDate(birthDate)
	if err != nil {
		return nil
	}
	folded := Fold(fullName)
	skel := skeletonTokens(folded)
	tokens := strings.Fields(folded)
	slices.Sort(tokens)
	tokens = slices.Compact(tokens)
	if len(skel) == 0 || len(tokens) == 0 {
		return nil
	}
	slices.Sort(skel)
	skel = slices.Compact(skel)
	var codes []string
	for _, t := range skel {
		if c := Phonetic(t); c != "" {
			codes = append(codes, c)
		}
	}
	slices.Sort(codes)
	codes = slices.Compact(codes)

	var keys []Key
	if len(date) == len("2006-01-02") {
		keys = append(keys,
			makeKey(KindNameDOB, Strong, strings.Join(skel, " "), date),
			makeKey(KindTokensDOB, Strong, strings.Join(tokens, " "), date))
	}
	if len(codes) > 0 {
		keys = append(keys, makeKey(KindPhoneticYear, Weak, strings.Join(codes, " "), date[:4]))
	}
	slices.SortFunc(keys, func(a, b Key) int { return strings.Compare(a.Kind, b.Kind) })
	return keys
}

func makeKey(kind string, s Strength, name, date string) Key {
	return Key{Kind: kind, Strength: s, Value: kind + "|" + keyVersion + "|" + name + "|" + date}
}
