package scenario

import (
	"bytes"
	"encoding/json"
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

// TestPropertyEncodeRecord: appendRecord writes exactly what encoding/json
// writes (HTML escaping off) for any record, strings with control
// characters, invalid UTF-8 and line separators included.
func TestPropertyEncodeRecord(t *testing.T) {
	str := rapid.OneOf(
		rapid.String(),
		rapid.StringOf(rapid.RuneFrom([]rune{'"', '\\', '\b', '\f', '\n', '\r', '\t', 0, 0x1f, 0x7f, '<', '&', '\u2028', '\u2029', 'é', 'Ж', 'a'})),
		rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) }),
	)
	strs := rapid.SliceOfN(str, 0, 3)
	rapid.Check(t, func(rt *rapid.T) {
		r := Record{
			ID: str.Draw(rt, "id"), Agency: str.Draw(rt, "agency"), CaseRef: str.Draw(rt, "case"),
			Title: str.Draw(rt, "title"), Narrative: str.Draw(rt, "narrative"), Created: str.Draw(rt, "created"),
			Synthetic: rapid.Bool().Draw(rt, "synthetic"),
			Envelope: Envelope{
				Handling: str.Draw(rt, "h"), HandlingRestriction: str.Draw(rt, "hr"), TLP: str.Draw(rt, "tlp"),
				Recipients: strs.Draw(rt, "recipients"), SourceReliability: str.Draw(rt, "src"),
				InformationAssessment: str.Draw(rt, "info"), Purpose: str.Draw(rt, "purpose"),
				LegalBasis: str.Draw(rt, "basis"), ReviewDate: str.Draw(rt, "review"),
			},
		}
		if rapid.Bool().Draw(rt, "subjects") {
			r.Envelope.Subjects = []Subject{}
			for range rapid.IntRange(0, 3).Draw(rt, "nsubjects") {
				r.Envelope.Subjects = append(r.Envelope.Subjects, Subject{EntityID: str.Draw(rt, "sid"), Category: str.Draw(rt, "cat")})
			}
		}
		if rapid.Bool().Draw(rt, "entities") {
			r.Entities = []Entity{}
			for range rapid.IntRange(0, 3).Draw(rt, "nentities") {
				e := Entity{ID: str.Draw(rt, "eid"), Schema: str.Draw(rt, "schema")}
				if rapid.Bool().Draw(rt, "props") {
					e.Properties = map[string][]string{}
					for range rapid.IntRange(0, 5).Draw(rt, "nprops") {
						e.Properties[str.Draw(rt, "key")] = strs.Draw(rt, "values")
					}
				}
				r.Entities = append(r.Entities, e)
			}
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&r); err != nil {
			rt.Fatal(err)
		}
		got := append(appendRecord(nil, &r), '\n')
		if !bytes.Equal(got, want.Bytes()) {
			rt.Fatalf("appendRecord:\n%s\nencoding/json:\n%s", got, want.Bytes())
		}
	})
}

// TestDottedCapitalIDiffers: "İsmail" and "Ismail" lower-case alike, so the
// generator must not count them as two spellings (found by the property
// test with this seed).
func TestDottedCapitalIDiffers(t *testing.T) {
	sc, err := Generate(Options{Seed: -1817, Countries: []string{"BG", "BE"}, Kind: DrugsMoneyLaundering})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, h := range sc.Story.MainSuspect.Holdings {
		names[strings.ToLower(h.Name)] = true
	}
	if len(names) < 2 {
		t.Fatalf("main suspect spelled alike by every agency: %v", names)
	}
}
