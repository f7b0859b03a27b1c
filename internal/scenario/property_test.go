package scenario

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(1, 1)) }

// TestPropertyAnyScenario: for any seed, kind and set of two to five
// participating countries, a small scenario is valid FtM, its ground truth
// is consistent and the story hooks are in place.
func TestPropertyAnyScenario(t *testing.T) {
	m := loadModel(t)
	all := SupportedCountries()
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(2, 5).Draw(rt, "n")
		perm := rapid.Permutation(all).Draw(rt, "countries")
		opts := Options{
			Seed:      rapid.Int64().Draw(rt, "seed"),
			Countries: perm[:n],
			Kind:      rapid.SampledFrom(Kinds).Draw(rt, "kind"),
		}
		sc, err := Generate(opts)
		if err != nil {
			rt.Fatalf("Generate(%+v): %v", opts, err)
		}
		if ps := checkScenario(m, sc); len(ps) > 0 {
			rt.Fatalf("scenario %+v fails %d checks, first: %s", opts, len(ps), ps[0])
		}
	})
}

// FuzzParseCountries: ParseCountries never panics, and what it accepts is
// a list of supported upper-case codes that Options accepts when there are
// at least two distinct ones.
func FuzzParseCountries(f *testing.F) {
	for _, s := range []string{"NL,DE,FR", "nl, de", "", ",", "XX", "NL,NL", "NL,DE,FR,BE,ES,IT,PL,RO,BG,GR,RU,UA,RS,TR,MA,DZ,AL,GB,US"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseCountries(s)
		if err != nil {
			return
		}
		for _, c := range cs {
			if _, ok := countries[c]; !ok || strings.ToUpper(c) != c {
				t.Fatalf("ParseCountries(%q) accepted %q", s, c)
			}
		}
		uniq := slices.Compact(slices.Sorted(slices.Values(cs)))
		_, err = Options{Countries: cs}.normalize()
		if (err == nil) != (len(uniq) == len(cs) && len(cs) >= MinCountries) {
			t.Fatalf("ParseCountries(%q) = %v; normalize: %v", s, cs, err)
		}
	})
}

// FuzzParseSizeKind: the size and kind parsers accept exactly the names.
func FuzzParseSizeKind(f *testing.F) {
	for _, s := range []string{"small", "medium", "large", "", "cyber-fraud", "Small", "drugs-money-laundering"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if sz, err := ParseSize(s); (err == nil) != (s == "small" || s == "medium" || s == "large") || err == nil && string(sz) != s {
			t.Fatalf("ParseSize(%q) = %q, %v", s, sz, err)
		}
		k, err := ParseKind(s)
		if (err == nil) != (s == "" || slices.Contains(Kinds, Kind(s))) {
			t.Fatalf("ParseKind(%q) = %q, %v", s, k, err)
		}
	})
}
