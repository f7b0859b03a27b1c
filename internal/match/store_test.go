package match

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestSortedEntriesModel checks the compact store against a map: any
// sequence of sorted removals and additions leaves exactly the model's
// entries, sorted, and find agrees with the model for present and absent
// tags. Tags are drawn from a small alphabet of leading bytes so that
// buckets are uneven and neighbours share prefixes.
func TestSortedEntriesModel(t *testing.T) {
	tagGen := rapid.Custom(func(t *rapid.T) Tag {
		var tag Tag
		tag[0] = rapid.SampledFrom([]byte{0x00, 0x01, 0x7f, 0x80, 0xff}).Draw(t, "b0")
		tag[1] = rapid.Byte().Draw(t, "b1")
		tag[TagSize-1] = rapid.Byte().Draw(t, "last")
		return tag
	})
	rapid.Check(t, func(rt *rapid.T) {
		model := map[Tag]Sealed{}
		s := newSortedEntries(nil)
		for range rapid.IntRange(1, 20).Draw(rt, "deltas") {
			var removed []Tag
			for tag := range model {
				if rapid.Bool().Draw(rt, "remove") {
					removed = append(removed, tag)
				}
			}
			for _, tag := range removed {
				delete(model, tag)
			}
			var added []Entry
			for _, tag := range rapid.SliceOfNDistinct(tagGen, 0, 300, func(t Tag) Tag { return t }).Draw(rt, "added") {
				if _, ok := model[tag]; ok {
					continue
				}
				e := Entry{Tag: tag}
				e.Sealed[0] = tag[1]
				model[tag] = e.Sealed
				added = append(added, e)
			}
			sortTags(removed)
			sortEntries(added)
			s.apply(removed, added)

			if len(s.entries) != len(model) || !entriesSorted(s.entries) {
				rt.Fatalf("store has %d entries (sorted %v), model %d", len(s.entries), entriesSorted(s.entries), len(model))
			}
			for tag, sealed := range model {
				if got, ok := s.get(tag); !ok || got != sealed {
					rt.Fatalf("tag %v missing or wrong", tag)
				}
			}
			for _, tag := range removed {
				if _, readded := model[tag]; readded {
					continue
				}
				if _, ok := s.get(tag); ok {
					rt.Fatalf("removed tag %v still found", tag)
				}
			}
			probe := tagGen.Draw(rt, "probe")
			_, inModel := model[probe]
			if _, ok := s.get(probe); ok != inModel {
				rt.Fatalf("probe %v: store %v, model %v", probe, ok, inModel)
			}
		}
	})
}

func TestSortedEntriesDirectorySizes(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 1000, 70_000} {
		es := make([]Entry, n)
		for i := range es {
			// Spread tags evenly, like random ones.
			v := uint64(i) * (^uint64(0) / uint64(max(n, 1)))
			for j := range 8 {
				es[i].Tag[j] = byte(v >> (56 - 8*j))
			}
		}
		s := newSortedEntries(slices.Clone(es))
		if len(s.dir) != 1<<s.dirBits+1 {
			t.Fatalf("n=%d: directory of %d for %d bits", n, len(s.dir), s.dirBits)
		}
		if n >= 8 && float64(n)/float64(int(1)<<s.dirBits) > 16 {
			t.Errorf("n=%d: %d bits leave %.1f entries per bucket", n, s.dirBits, float64(n)/float64(int(1)<<s.dirBits))
		}
		for _, e := range es {
			if _, ok := s.find(e.Tag); !ok {
				t.Fatalf("n=%d: entry not found", n)
			}
		}
	}
}
