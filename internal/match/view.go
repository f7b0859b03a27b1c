package match

import (
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
	"sync"

	"github.com/cloudflare/circl/oprf"

	"github.com/liaison-project/liaison/internal/errs"
)

// View is a holder's index as published to one partner in one epoch: for
// every identifier value present in records the partner may match, an
// entry (tag, sealed reference), padded with indistinguishable dummy entries.
// The caller decides which records a partner may match (envelope, handling
// codes): it calls Add for the identifiers of permitted records only, and
// Remove when a record changes, is erased, or stops being permitted.
//
// Entries are reference-counted: Add and Remove must be paired per record
// occurrence, so a value shared by two records stays published until both
// are removed. Changes accumulate until [View.Publish] turns them into a
// padded [Delta]. A View is safe for concurrent use; Add and Remove do
// their OPRF work outside the lock, so building with several goroutines
// scales with cores.
//
// The published table is kept in the same compact form as a querier's
// [Table] (44.5 bytes per entry); changes not yet published sit in maps
// (about 60–100 bytes per change), so a large initial build should be
// published before it is handed out, which also frees those maps.
type View struct {
	holder  string
	partner string
	epoch   EpochID
	server  oprf.PartialObliviousServer
	refKey  *[32]byte
	infos   [PhoneticYear + 1][]byte

	mu        sync.Mutex
	published *sortedEntries   // the table as of the last Publish, dummies included
	version   uint64           // last published version; 0 is the empty table
	dummies   map[Tag]struct{} // published entries that are dummies
	real      int              // distinct values present now
	added     map[Tag]Sealed   // real entries added since the last Publish
	removed   map[Tag]struct{} // published real entries removed since the last Publish
	extraRefs map[Tag]uint32   // records beyond the first that hold a value
}

// NewView returns an empty view of the holder's index for partner in epoch
// e. The epoch key must be installed; it need not be active yet, because
// the next epoch's views are built before it starts.
func (h *Holder) NewView(partner string, e EpochID) (*View, error) {
	if err := checkAgency("partner", partner); err != nil {
		return nil, err
	}
	h.mu.RLock()
	he, ok := h.epochs[e]
	h.mu.RUnlock()
	if !ok {
		return nil, errs.E(errs.NotExist, "epoch", fmt.Sprintf("holder has no key for epoch %d", e))
	}
	v := &View{
		holder:    h.id,
		partner:   partner,
		epoch:     e,
		server:    he.server,
		refKey:    &he.key.refKey,
		published: newSortedEntries(nil),
		dummies:   make(map[Tag]struct{}),
		added:     make(map[Tag]Sealed),
		removed:   make(map[Tag]struct{}),
		extraRefs: make(map[Tag]uint32),
	}
	for _, t := range Types() {
		v.infos[t] = infoFor(h.id, partner, t, e)
	}
	return v, nil
}

// Epoch returns the view's epoch.
func (v *View) Epoch() EpochID { return v.epoch }

// Partner returns the partner the view is published to.
func (v *View) Partner() string { return v.partner }

// entryFor computes the published entry and reference for k: one POPRF
// FullEvaluate and a few hashes.
func (v *View) entryFor(k Key) (Entry, Ref, error) {
	if err := k.Validate(); err != nil {
		return Entry{}, Ref{}, err
	}
	info := v.infos[k.Type]
	input := inputFor(k)
	out, err := v.server.FullEvaluate(input, info)
	if err != nil {
		return Entry{}, Ref{}, fmt.Errorf("evaluate %s value: %w", k.Type, err)
	}
	keys := deriveKeys(out)
	ref := refFor(v.refKey, info, input)
	return Entry{Tag: keys.tag, Sealed: seal(keys, info, ref)}, ref, nil
}

// Add publishes k to the partner (at the next Publish) and returns the
// follow-up reference a hit on k yields. The holder stores (partner,
// epoch, ref) → record so that it can resolve follow-ups, or recomputes refs
// with [Holder.Ref].
func (v *View) Add(k Key) (Ref, error) {
	e, ref, err := v.entryFor(k)
	if err != nil {
		return Ref{}, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if sealed, ok := v.added[e.Tag]; ok {
		if sealed != e.Sealed {
			return Ref{}, errCollision
		}
		return v.addRef(e.Tag, ref)
	}
	if sealed, ok := v.published.get(e.Tag); ok {
		if _, dummy := v.dummies[e.Tag]; dummy || sealed != e.Sealed {
			return Ref{}, errCollision
		}
		if _, gone := v.removed[e.Tag]; gone {
			delete(v.removed, e.Tag) // removed and re-added before publishing: no change
			v.real++
			return ref, nil
		}
		return v.addRef(e.Tag, ref)
	}
	v.added[e.Tag] = e.Sealed
	v.real++
	return ref, nil
}

// errCollision: two values (or a value and a random dummy) sharing a 96-bit
// tag, about 2^-96 per pair, so a bug rather than bad luck.
var errCollision = errs.E(errs.Internal, "view", "tag collision in partner view")

// addRef counts one more record holding the value of tag t, whose
// reference is ref. Caller holds mu.
func (v *View) addRef(t Tag, ref Ref) (Ref, error) {
	if v.extraRefs[t] == math.MaxUint32 {
		return Ref{}, errs.E(errs.Conflict, "view", "too many records share one identifier value")
	}
	v.extraRefs[t]++
	return ref, nil
}

// present reports whether a real entry e is in the view now. Caller holds mu.
func (v *View) present(e Entry) (pending bool, ok bool) {
	if sealed, ok := v.added[e.Tag]; ok {
		return true, sealed == e.Sealed
	}
	sealed, ok := v.published.get(e.Tag)
	if !ok || sealed != e.Sealed {
		return false, false
	}
	_, dummy := v.dummies[e.Tag]
	_, gone := v.removed[e.Tag]
	return false, !dummy && !gone
}

// Remove undoes one Add of k. Removing a value that is not in the view is
// errs.NotExist.
func (v *View) Remove(k Key) error {
	e, _, err := v.entryFor(k)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	pending, ok := v.present(e)
	if !ok {
		return errs.E(errs.NotExist, "view", fmt.Sprintf("%s value is not in the view", k.Type))
	}
	if n := v.extraRefs[e.Tag]; n > 0 {
		if n == 1 {
			delete(v.extraRefs, e.Tag)
		} else {
			v.extraRefs[e.Tag] = n - 1
		}
		return nil
	}
	if pending {
		delete(v.added, e.Tag) // added and removed before publishing: no change
	} else {
		v.removed[e.Tag] = struct{}{}
	}
	v.real--
	return nil
}

// Stats describes a view.
type Stats struct {
	Real      int    // distinct values present
	Published int    // entries in the published table, dummies included
	Version   uint64 // last published version
	Pending   int    // real additions and removals not yet published
}

// Stats returns the view's counts.
func (v *View) Stats() Stats {
	v.mu.Lock()
	defer v.mu.Unlock()
	return Stats{
		Real:      v.real,
		Published: len(v.published.entries),
		Version:   v.version,
		Pending:   len(v.added) + len(v.removed),
	}
}

// Padding rules. A published table holds PaddedSize(n) entries for n real
// ones, and every delta changes a padded number of entries, so partners
// learn the index size and the churn only to within a few percent.
const (
	minDummies = 16 // dummies in even the smallest table
	minChurn   = 16 // entries every delta adds, even when nothing changed
)

// PaddedSize returns the number of entries published for n real ones: n
// plus at least 1/32 + 16 dummies, rounded up to 4 significant bits (so at
// most 6.25% more). The overhead is between 3% and 10%.
func PaddedSize(n int) int {
	return roundUpSignificant(n + n/32 + minDummies)
}

// roundUpSignificant rounds m up to a number whose binary form has at most
// 4 significant bits followed by zeros: 16 steps per doubling.
func roundUpSignificant(m int) int {
	if m <= 16 {
		return 16
	}
	granule := 1 << (bits.Len(uint(m)) - 5)
	return (m + granule - 1) / granule * granule
}

// Publish turns the changes since the last Publish into the next [Delta]
// and applies it to the published table: it adds or removes dummies so the
// table holds [PaddedSize] entries, then rotates old dummies (remove one,
// add a fresh one) until the larger of the numbers of entries added and
// removed is rounded up like a size, at least 16. rnd supplies the dummies
// (crypto/rand.Reader in production).
func (v *View) Publish(rnd io.Reader) (*Delta, error) {
	v.mu.Lock()
	defer v.mu.Unlock()

	var fresh []Entry                   // dummies drawn in this delta
	justDrawn := make(map[Tag]struct{}) // their tags: retiring one would publish an entry that never existed
	newDummy := func() error {
		for {
			var e Entry
			if _, err := io.ReadFull(rnd, e.Tag[:]); err != nil {
				return fmt.Errorf("draw dummy: %w", err)
			}
			if _, err := io.ReadFull(rnd, e.Sealed[:]); err != nil {
				return fmt.Errorf("draw dummy: %w", err)
			}
			_, published := v.published.find(e.Tag)
			_, pending := v.added[e.Tag]
			_, drawn := justDrawn[e.Tag]
			if published || pending || drawn {
				continue
			}
			v.dummies[e.Tag] = struct{}{}
			fresh = append(fresh, e)
			justDrawn[e.Tag] = struct{}{}
			return nil
		}
	}
	var retired []Tag // published dummies removed in this delta
	retireDummy := func() bool {
		for t := range v.dummies {
			if _, drawn := justDrawn[t]; !drawn {
				delete(v.dummies, t)
				retired = append(retired, t)
				return true
			}
		}
		return false
	}

	target := PaddedSize(v.real)
	for v.real+len(v.dummies) < target {
		if err := newDummy(); err != nil {
			return nil, err
		}
	}
	for v.real+len(v.dummies) > target {
		if !retireDummy() {
			return nil, errs.E(errs.Internal, "view", "padding invariant broken: no dummy to retire")
		}
	}
	churn := max(len(v.added)+len(fresh), len(v.removed)+len(retired))
	for rotations := roundUpSignificant(max(churn, minChurn)) - churn; rotations > 0; rotations-- {
		if !retireDummy() {
			break // too few old dummies: the churn is padded less than usual
		}
		if err := newDummy(); err != nil {
			return nil, err
		}
	}

	d := &Delta{
		Holder:  v.holder,
		Partner: v.partner,
		Epoch:   v.epoch,
		From:    v.version,
		To:      v.version + 1,
		Removed: make([]Tag, 0, len(v.removed)+len(retired)),
		Added:   make([]Entry, 0, len(v.added)+len(fresh)),
	}
	for t := range v.removed {
		d.Removed = append(d.Removed, t)
	}
	d.Removed = append(d.Removed, retired...)
	for t, sealed := range v.added {
		d.Added = append(d.Added, Entry{Tag: t, Sealed: sealed})
	}
	d.Added = append(d.Added, fresh...)
	sortTags(d.Removed)
	sortEntries(d.Added)

	v.published.apply(d.Removed, d.Added)
	v.version++
	// Fresh maps rather than clear: a cleared map keeps its buckets, and
	// the first Publish of a big view empties a map of every entry.
	v.added = make(map[Tag]Sealed)
	v.removed = make(map[Tag]struct{})
	return d, nil
}

// Snapshot returns the whole table as of the last Publish: what a partner
// that joins or lost track downloads. It copies every entry (44 bytes
// each).
func (v *View) Snapshot() *Snapshot {
	v.mu.Lock()
	defer v.mu.Unlock()
	return &Snapshot{
		Holder:  v.holder,
		Partner: v.partner,
		Epoch:   v.epoch,
		Version: v.version,
		Entries: slices.Clone(v.published.entries),
	}
}
