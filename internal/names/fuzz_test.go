package names

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"Сергей Иванов", "Serguei Ivanoff", "Müller", "مُحَمَّد", "بشار الأسد", "Γεώργιος Παπαδόπουλος",
	"Војислав Шешељ", "José Luis García-Márquez", "O'Brien", "习近平", "\xff\xfe", "e\u0301\u0301",
}

func FuzzFold(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Fold(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Fold(%q) = %q: invalid UTF-8", s, out)
		}
		if again := Fold(out); again != out {
			t.Fatalf("Fold not idempotent: %q → %q → %q", s, out, again)
		}
		if out != strings.TrimSpace(out) || strings.Contains(out, "  ") {
			t.Fatalf("Fold(%q) = %q: spaces not collapsed", s, out)
		}
	})
}

func FuzzSkeleton(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sk := Skeleton(s)
		if !utf8.ValidString(sk) {
			t.Fatalf("Skeleton(%q) = %q: invalid UTF-8", s, sk)
		}
		for _, tok := range strings.Fields(sk) {
			p := Phonetic(tok)
			if len(p) > PhoneticLen || strings.Trim(p, "AFHJKLMNPRSTX0") != "" {
				t.Fatalf("Phonetic(%q) = %q", tok, p)
			}
		}
		for _, k := range MatchKeys(s, "1970-05-01") {
			if !utf8.ValidString(k.Value) || strings.Count(k.Value, "|") != 3 {
				t.Fatalf("MatchKeys(%q): bad key %q", s, k.Value)
			}
		}
	})
}

func FuzzPhonetic(f *testing.F) {
	for _, s := range []string{"Schmidt", "McClelland", "Filipowicz", "SAN JACINTO", "Gough", "ACCIDENT", "ZHAO", "wh", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := Phonetic(s)
		if len(p) > PhoneticLen || strings.Trim(p, "AFHJKLMNPRSTX0") != "" {
			t.Fatalf("Phonetic(%q) = %q", s, p)
		}
	})
}
