package notice

import (
	"fmt"
	"slices"
	"strings"

	"github.com/liaison-project/liaison/internal/names"
)

// Severity says what a flag asks of the reviewer.
type Severity string

// Severities.
const (
	// Block: the notice cannot be published until a reviewer has weighed
	// this flag and approved with reasons.
	Block Severity = "block"
	// Warn: shown to the reviewer; needs no acknowledgement.
	Warn Severity = "warn"
)

// Code names the rule that raised a flag.
type Code string

// Flag codes.
const (
	Art3Political  Code = "art3.political"          // charge of a political character (Constitution Art. 3)
	Art3Military   Code = "art3.military"           // charge of a military character
	Art3Religious  Code = "art3.religious"          // charge of a religious character
	Art3Racial     Code = "art3.racial"             // charge of a racial character
	ExclPrivate    Code = "excluded.private"        // private or family matter (RPD Art. 83)
	ExclDebt       Code = "excluded.debt"           // debt, private financial dispute
	ExclAdmin      Code = "excluded.administrative" // administrative offence or dispute
	ExclCultural   Code = "excluded.cultural"       // behaviour that only breaches cultural norms
	RedThreshold   Code = "red.threshold"           // no charge reaches the red-notice penalty threshold
	RedExtradition Code = "red.extradition"         // no assurance that extradition will be sought
	RefugeeStatus  Code = "refugee"                 // the subject's refugee status is confirmed
	DuplicateSubj  Code = "duplicate"               // a notice already exists for the same subject
)

// Evidence is what raised a flag.
type Evidence struct {
	Field string // where: "charges[0].text", "facts", "refugee_status", …
	Lang  string // ISO 639-1 of the term list that matched, for term flags
	Term  string // the term as listed, for term flags
	Match string // the words of the text that matched, or the values compared
}

// Flag is one finding of the screening.
type Flag struct {
	Code        Code
	Severity    Severity
	Explanation string
	Evidence    Evidence
}

// ID identifies a flag for acknowledgement: the code, plus for term flags
// the language and term. It does not depend on where in the notice the term
// matched, so reordering charges does not invalidate a review, while a new
// kind of indicator does.
func (f Flag) ID() string {
	if f.Evidence.Term == "" {
		return string(f.Code)
	}
	return string(f.Code) + ":" + f.Evidence.Lang + ":" + f.Evidence.Term
}

// Red-notice thresholds (INTERPOL RPD Art. 83): a maximum penalty of at
// least two years, or at least six months of a sentence left to serve.
const (
	RedMinMaxPenaltyMonths  = 24
	RedMinSentenceRemaining = 6
)

// SubjectKey identifies a subject for duplicate detection: folded name and
// date of birth. See [Screener.SubjectKey].
type SubjectKey string

// NameKeyFunc turns a forename and name into a key that is equal for the
// same person written in different ways.
type NameKeyFunc func(forename, name string) string

// DefaultNameKey is the name key screening uses unless told otherwise: the
// sorted consonant skeletons of internal/names ([names.Skeleton]), so
// "Сергей Иванов", "IVANOFF Sergei" and "Sergej Iwanow" get the same key.
// Skeletons also join some different names (Miller, Müller), which is why
// the duplicate flag is a warning and is keyed with the date of birth.
func DefaultNameKey(forename, name string) string {
	toks := strings.Fields(names.Skeleton(forename + " " + name))
	slices.Sort(toks)
	return strings.Join(slices.Compact(toks), " ")
}

// Screener runs the automated screening. The zero value is ready to use.
type Screener struct {
	// NameKey builds the name part of subject keys; nil means DefaultNameKey.
	NameKey NameKeyFunc
}

// SubjectKey returns the key under which existing notices are looked up
// for duplicates: the name key, "|", and the date of birth at its known
// precision. It is empty when the notice names no one.
func (s Screener) SubjectKey(n Notice) SubjectKey {
	nameKey := s.NameKey
	if nameKey == nil {
		nameKey = DefaultNameKey
	}
	k := nameKey(n.Forename, n.Name)
	if k == "" {
		return ""
	}
	return SubjectKey(k + "|" + n.DateOfBirth.String())
}

// Screen screens n with the default [Screener]. existing reports whether a
// notice other than n exists for a subject key; the caller must exclude n
// itself (when updating) and may pass nil to skip the duplicate check.
func Screen(n Notice, existing func(SubjectKey) bool) []Flag {
	return Screener{}.Screen(n, existing)
}

// Screen runs every check on n and returns its flags, blocking flags first.
// The result depends only on n and existing.
func (s Screener) Screen(n Notice, existing func(SubjectKey) bool) []Flag {
	var flags []Flag
	wanted := n.Type == Red // a red notice or wanted-person diffusion: arrest is sought

	for _, t := range screenedTexts(n) {
		flags = append(flags, termFlags(t.field, t.text, wanted)...)
	}

	if wanted {
		flags = append(flags, redFlags(n)...)
	}

	if n.RefugeeStatus {
		sev := Warn
		if wanted {
			sev = Block
		}
		flags = append(flags, Flag{
			Code:        RefugeeStatus,
			Severity:    sev,
			Explanation: "The subject's refugee status is confirmed. INTERPOL deletes a red notice once refugee status is confirmed, unless the request comes from a country other than the one the subject fled and the reviewer finds it lawful.",
			Evidence:    Evidence{Field: "refugee_status", Match: "true"},
		})
	}

	if existing != nil {
		if k := s.SubjectKey(n); k != "" && existing(k) {
			flags = append(flags, Flag{
				Code:        DuplicateSubj,
				Severity:    Warn,
				Explanation: "A notice already exists for a subject with the same name and date of birth; consider updating it instead of issuing another.",
				Evidence:    Evidence{Field: "name", Match: "same name and date of birth as an existing notice"},
			})
		}
	}

	flags = dedupe(flags)
	slices.SortStableFunc(flags, func(a, b Flag) int {
		if a.Severity == b.Severity {
			return 0
		}
		if a.Severity == Block {
			return -1
		}
		return 1
	})
	return flags
}

type screenedText struct{ field, text string }

func screenedTexts(n Notice) []screenedText {
	var ts []screenedText
	for i, c := range n.Charges {
		ts = append(ts,
			screenedText{fmt.Sprintf("charges[%d].text", i), c.Text},
			screenedText{fmt.Sprintf("charges[%d].translation", i), c.Translation})
	}
	return append(ts, screenedText{"facts", n.Facts})
}

// compiledTerm is a term ready for matching.
type compiledTerm struct {
	lang  string
	cat   termCategory
	text  string
	words []wordPattern
}

var compiledTerms = compileTerms(termGroups)

func compileTerms(groups []termGroup) []compiledTerm {
	var out []compiledTerm
	for _, g := range groups {
		for _, t := range g.terms {
			out = append(out, compiledTerm{lang: g.lang, cat: g.cat, text: t, words: compileTerm(t)})
		}
	}
	return out
}

// categoryRule says what a term category means for the flag it raises.
type categoryRule struct {
	code Code
	what string // completes "…, an indicator of …"
	// alwaysBlock: Art. 3 applies to every notice; excluded matters block
	// only where arrest is sought and warn otherwise (a yellow notice for a
	// child taken abroad in a custody dispute is legitimate).
	alwaysBlock bool
}

var categoryRules = map[termCategory]categoryRule{
	catPolitical:      {Art3Political, "a charge of a political character (INTERPOL Constitution Art. 3)", true},
	catMilitary:       {Art3Military, "a charge of a military character (INTERPOL Constitution Art. 3)", true},
	catReligious:      {Art3Religious, "a charge of a religious character (INTERPOL Constitution Art. 3)", true},
	catRacial:         {Art3Racial, "a charge of a racial character (INTERPOL Constitution Art. 3)", true},
	catPrivate:        {ExclPrivate, "a private or family matter, excluded from red notices", false},
	catDebt:           {ExclDebt, "a debt or private financial dispute, excluded from red notices", false},
	catAdministrative: {ExclAdmin, "an administrative offence or dispute, excluded from red notices", false},
	catCultural:       {ExclCultural, "behaviour that only breaches cultural norms, excluded from red notices", false},
}

var langNames = map[string]string{
	"en": "English", "fr": "French", "es": "Spanish", "ru": "Russian",
	"ar": "Arabic", "de": "German", "pt": "Portuguese",
}

func termFlags(field, text string, wanted bool) []Flag {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	toks := tokenize(text)
	var flags []Flag
	for _, t := range compiledTerms {
		first, last, ok := matchTerm(t.words, toks)
		if !ok {
			continue
		}
		rule := categoryRules[t.cat]
		sev := Warn
		if rule.alwaysBlock || wanted {
			sev = Block
		}
		match := text[toks[first].start:toks[last].end]
		flags = append(flags, Flag{
			Code:     rule.code,
			Severity: sev,
			Explanation: fmt.Sprintf("%q matches the %s term %q, an indicator of %s. A reviewer weighs it against the whole case (predominance test).",
				match, langNames[t.lang], t.text, rule.what),
			Evidence: Evidence{Field: field, Lang: t.lang, Term: t.text, Match: match},
		})
	}
	return flags
}

func redFlags(n Notice) []Flag {
	var flags []Flag
	met := false
	var seen []string
	for i, c := range n.Charges {
		if c.MaxPenaltyMonths >= RedMinMaxPenaltyMonths || c.SentenceRemainingMonths >= RedMinSentenceRemaining {
			met = true
			break
		}
		seen = append(seen, fmt.Sprintf("charges[%d]: max penalty %s, sentence remaining %s",
			i, months(c.MaxPenaltyMonths), months(c.SentenceRemainingMonths)))
	}
	if !met {
		match := "no charges"
		if len(seen) > 0 {
			match = strings.Join(seen, "; ")
		}
		flags = append(flags, Flag{
			Code:     RedThreshold,
			Severity: Block,
			Explanation: fmt.Sprintf("No charge states a maximum penalty of at least %d months or at least %d months of a sentence left to serve, the red-notice thresholds.",
				RedMinMaxPenaltyMonths, RedMinSentenceRemaining),
			Evidence: Evidence{Field: "charges", Match: match},
		})
	}
	if !n.ExtraditionWillBeSought {
		flags = append(flags, Flag{
			Code:        RedExtradition,
			Severity:    Block,
			Explanation: "The originator has not given the assurance that extradition will be sought on arrest, which a red notice requires.",
			Evidence:    Evidence{Field: "extradition_will_be_sought", Match: "false"},
		})
	}
	return flags
}

func months(m int) string {
	switch {
	case m == 0:
		return "not stated"
	case m >= LifeSentence:
		return "life"
	default:
		return fmt.Sprintf("%d months", m)
	}
}

// dedupe keeps the first flag of each ID: the same term matching in the
// text and its translation is one finding.
func dedupe(flags []Flag) []Flag {
	seen := make(map[string]bool, len(flags))
	out := flags[:0]
	for _, f := range flags {
		if id := f.ID(); !seen[id] {
			seen[id] = true
			out = append(out, f)
		}
	}
	return out
}
