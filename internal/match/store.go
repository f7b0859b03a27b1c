package match

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// sortedEntries is the compact form of a published table: entries sorted by
// tag, 44 bytes each with no per-entry overhead, and a directory that maps
// the top bits of a tag to the range of entries starting with them. Tags
// are uniformly random, so each range holds about eight entries and a lookup
// is one directory read and a three-step binary search. Changes arrive in
// sorted batches (deltas) and are merged in place in O(n + d).
//
// It is not safe for concurrent use; Table and View lock around it.
type sortedEntries struct {
	entries []Entry
	dirBits uint     // directory has 2^dirBits buckets
	dir     []uint32 // dir[b] is the index of the first entry in bucket b or later; len 2^dirBits + 1
}

// newSortedEntries takes ownership of es, which must be sorted without
// duplicate tags.
func newSortedEntries(es []Entry) *sortedEntries {
	s := &sortedEntries{entries: es}
	s.rebuildDir()
	return s
}

func (s *sortedEntries) bucket(t Tag) uint32 {
	if s.dirBits == 0 {
		return 0
	}
	return binary.BigEndian.Uint32(t[:4]) >> (32 - s.dirBits)
}

// rebuildDir sizes the directory for about eight entries per bucket (half a
// byte per entry) and fills it in one pass.
func (s *sortedEntries) rebuildDir() {
	s.dirBits = uint(max(0, min(24, bits.Len(uint(len(s.entries)))-3)))
	n := 1 << s.dirBits
	if cap(s.dir) >= n+1 {
		s.dir = s.dir[:n+1]
	} else {
		s.dir = make([]uint32, n+1)
	}
	b := 0
	for i := range s.entries {
		for eb := int(s.bucket(s.entries[i].Tag)); b <= eb; b++ {
			s.dir[b] = uint32(i)
		}
	}
	for ; b <= n; b++ {
		s.dir[b] = uint32(len(s.entries))
	}
}

// find returns the index of tag, or where it would be inserted.
func (s *sortedEntries) find(t Tag) (int, bool) {
	b := s.bucket(t)
	lo, hi := int(s.dir[b]), int(s.dir[b+1])
	i, ok := slices.BinarySearchFunc(s.entries[lo:hi], t, func(e Entry, t Tag) int { return compareTags(e.Tag, t) })
	return lo + i, ok
}

func (s *sortedEntries) get(t Tag) (Sealed, bool) {
	i, ok := s.find(t)
	if !ok {
		return Sealed{}, false
	}
	return s.entries[i].Sealed, true
}

// apply removes the tags in removed, all present, then adds the entries in
// added, all absent after the removal. Both lists are sorted. The merge
// runs in place, from the back, so memory grows only by what is added
// (plus 1/16 headroom when the slice must be reallocated).
func (s *sortedEntries) apply(removed []Tag, added []Entry) {
	if len(removed) > 0 {
		kept, j := 0, 0
		for i := range s.entries {
			if j < len(removed) && s.entries[i].Tag == removed[j] {
				j++
				continue
			}
			s.entries[kept] = s.entries[i]
			kept++
		}
		clear(s.entries[kept:])
		s.entries = s.entries[:kept]
	}
	if len(added) > 0 {
		old := len(s.entries)
		total := old + len(added)
		if cap(s.entries) < total {
			grown := make([]Entry, old, total+total/16)
			copy(grown, s.entries)
			s.entries = grown
		}
		s.entries = s.entries[:total]
		i, j := old-1, len(added)-1
		for k := total - 1; j >= 0; k-- {
			if i >= 0 && compareTags(s.entries[i].Tag, added[j].Tag) > 0 {
				s.entries[k] = s.entries[i]
				i--
			} else {
				s.entries[k] = added[j]
				j--
			}
		}
	}
	s.rebuildDir()
}
