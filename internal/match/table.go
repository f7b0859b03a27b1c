package match

import (
	"bytes"
	"fmt"
	"slices"
	"sync"

	"github.com/liaison-project/liaison/internal/errs"
)

// Snapshot is a whole published table of one holder for one partner and
// epoch, at one version, entries sorted by tag.
type Snapshot struct {
	Holder  string
	Partner string
	Epoch   EpochID
	Version uint64
	Entries []Entry
}

// Delta takes a published table from version From to To: remove the tags
// in Removed, then add the entries in Added. Both lists are sorted.
type Delta struct {
	Holder  string
	Partner string
	Epoch   EpochID
	From    uint64
	To      uint64
	Removed []Tag
	Added   []Entry
}

// MaxTableEntries bounds a published table (and a delta's lists): 2^27
// entries is 5.9 GB of table, well above the 10 M entries planned for.
const MaxTableEntries = 1 << 27

const (
	snapshotMagic = "LMT\x01"
	deltaMagic    = "LMD\x01"
)

type tableHeader struct {
	Holder  string
	Partner string
	Epoch   EpochID
}

func (h tableHeader) write(w *writer) {
	w.str8(h.Holder)
	w.str8(h.Partner)
	w.u32(uint32(h.Epoch))
}

func readHeader(r *reader) tableHeader {
	var h tableHeader
	h.Holder = r.str8("holder", MaxAgencyLen)
	h.Partner = r.str8("partner", MaxAgencyLen)
	h.Epoch = EpochID(r.u32("epoch"))
	return h
}

func (h tableHeader) validate(what string) error {
	if err := checkAgency(what+".holder", h.Holder); err != nil {
		return err
	}
	if err := checkAgency(what+".partner", h.Partner); err != nil {
		return err
	}
	if h.Epoch == 0 {
		return errs.E(errs.Invalid, what+".epoch", "epoch ids start at 1")
	}
	return nil
}

// MarshalBinary encodes the snapshot: header, version, u32 count, entries.
func (s *Snapshot) MarshalBinary() ([]byte, error) {
	h := tableHeader{s.Holder, s.Partner, s.Epoch}
	if err := h.validate("snapshot"); err != nil {
		return nil, err
	}
	if len(s.Entries) > MaxTableEntries {
		return nil, errs.E(errs.TooLarge, "snapshot.entries", "table too large")
	}
	if !entriesSorted(s.Entries) {
		return nil, errs.E(errs.Invalid, "snapshot.entries", "entries are not sorted by tag without duplicates")
	}
	var w writer
	w.b = make([]byte, 0, 96+EntrySize*len(s.Entries))
	w.bytes([]byte(snapshotMagic))
	h.write(&w)
	w.u64(s.Version)
	writeEntries(&w, s.Entries)
	return w.b, nil
}

// MarshalBinary encodes the delta: header, versions, removed tags, added
// entries.
func (d *Delta) MarshalBinary() ([]byte, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	var w writer
	w.b = make([]byte, 0, 96+TagSize*len(d.Removed)+EntrySize*len(d.Added))
	w.bytes([]byte(deltaMagic))
	tableHeader{d.Holder, d.Partner, d.Epoch}.write(&w)
	w.u64(d.From)
	w.u64(d.To)
	w.u32(uint32(len(d.Removed)))
	for _, t := range d.Removed {
		w.bytes(t[:])
	}
	writeEntries(&w, d.Added)
	return w.b, nil
}

func (d *Delta) validate() error {
	if err := (tableHeader{d.Holder, d.Partner, d.Epoch}).validate("delta"); err != nil {
		return err
	}
	if d.To <= d.From {
		return errs.E(errs.Invalid, "delta.to", "delta must move to a later version")
	}
	if len(d.Removed) > MaxTableEntries || len(d.Added) > MaxTableEntries {
		return errs.E(errs.TooLarge, "delta", "delta too large")
	}
	if !slices.IsSortedFunc(d.Removed, compareTags) || hasAdjacentDup(d.Removed) {
		return errs.E(errs.Invalid, "delta.removed", "tags are not sorted without duplicates")
	}
	if !entriesSorted(d.Added) {
		return errs.E(errs.Invalid, "delta.added", "entries are not sorted by tag without duplicates")
	}
	return nil
}

// ParseDelta decodes a delta strictly (sorted, no duplicates, exact length).
func ParseDelta(b []byte) (*Delta, error) {
	r := reader{b: b, what: "delta"}
	r.magic(deltaMagic)
	h := readHeader(&r)
	d := &Delta{Holder: h.Holder, Partner: h.Partner, Epoch: h.Epoch}
	d.From = r.u64("from")
	d.To = r.u64("to")
	n := countFor(&r, "removed", TagSize)
	d.Removed = make([]Tag, n)
	for i := range d.Removed {
		copy(d.Removed[i][:], r.take("removed", TagSize))
	}
	n = countFor(&r, "added", EntrySize)
	d.Added = make([]Entry, n)
	for i := range d.Added {
		d.Added[i] = readEntry(&r)
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	if err := d.validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// countFor reads a u32 count of fixed-size items and checks it against the
// bytes actually present, so a forged count cannot make us allocate.
func countFor(r *reader, field string, size int) int {
	n := int(r.u32(field + ".count"))
	if r.err == nil && (n > MaxTableEntries || n*size > r.remaining()) {
		r.fail(field+".count", fmt.Sprintf("%d items announced, only %d bytes present", n, r.remaining()))
	}
	if r.err != nil {
		return 0
	}
	return n
}

func writeEntries(w *writer, es []Entry) {
	w.u32(uint32(len(es)))
	for i := range es {
		w.bytes(es[i].Tag[:])
		w.bytes(es[i].Sealed[:])
	}
}

func readEntry(r *reader) Entry {
	var e Entry
	copy(e.Tag[:], r.take("entry.tag", TagSize))
	copy(e.Sealed[:], r.take("entry.sealed", SealedSize))
	return e
}

func compareTags(a, b Tag) int { return bytes.Compare(a[:], b[:]) }

func sortTags(ts []Tag) { slices.SortFunc(ts, compareTags) }

func sortEntries(es []Entry) {
	slices.SortFunc(es, func(a, b Entry) int { return compareTags(a.Tag, b.Tag) })
}

func entriesSorted(es []Entry) bool {
	for i := 1; i < len(es); i++ {
		if compareTags(es[i-1].Tag, es[i].Tag) >= 0 {
			return false
		}
	}
	return true
}

func hasAdjacentDup(ts []Tag) bool {
	for i := 1; i < len(ts); i++ {
		if ts[i-1] == ts[i] {
			return true
		}
	}
	return false
}

// Table is a querier's copy of the table one holder publishes to it for one
// epoch: tag → sealed reference, about 44.5 bytes per published entry.
// Lookups are local, so the holder never learns whether a query hit. It is
// safe for concurrent use.
type Table struct {
	header tableHeader

	mu      sync.RWMutex
	version uint64
	store   *sortedEntries
}

// ParseTable decodes a snapshot into a lookup table. Entries must be
// sorted by tag without duplicates, which also makes the encoding
// canonical.
func ParseTable(b []byte) (*Table, error) {
	r := reader{b: b, what: "snapshot"}
	r.magic(snapshotMagic)
	h := readHeader(&r)
	version := r.u64("version")
	n := countFor(&r, "entries", EntrySize)
	entries := make([]Entry, n)
	for i := range entries {
		entries[i] = readEntry(&r)
		if r.err == nil && i > 0 && compareTags(entries[i-1].Tag, entries[i].Tag) >= 0 {
			r.fail("entries", "entries are not sorted by tag without duplicates")
		}
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	if err := h.validate("snapshot"); err != nil {
		return nil, err
	}
	return &Table{header: h, version: version, store: newSortedEntries(entries)}, nil
}

// NewTable builds a table from a snapshot value (the in-process path). It
// copies the entries.
func NewTable(s *Snapshot) (*Table, error) {
	h := tableHeader{s.Holder, s.Partner, s.Epoch}
	if err := h.validate("snapshot"); err != nil {
		return nil, err
	}
	if len(s.Entries) > MaxTableEntries {
		return nil, errs.E(errs.TooLarge, "snapshot.entries", "table too large")
	}
	if !entriesSorted(s.Entries) {
		return nil, errs.E(errs.Invalid, "snapshot.entries", "entries are not sorted by tag without duplicates")
	}
	return &Table{header: h, version: s.Version, store: newSortedEntries(slices.Clone(s.Entries))}, nil
}

// Holder returns the agency whose table this is.
func (t *Table) Holder() string { return t.header.Holder }

// Partner returns the agency the table is published to.
func (t *Table) Partner() string { return t.header.Partner }

// Epoch returns the epoch the table belongs to.
func (t *Table) Epoch() EpochID { return t.header.Epoch }

// Version returns the table version.
func (t *Table) Version() uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.version
}

// Len returns the number of entries, dummies included.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.store.entries)
}

// Apply moves the table to d.To. A delta for another table is errs.Invalid;
// one that does not start at the table's version, removes a tag that is
// absent or adds one that is present is errs.Conflict, and leaves the table
// unchanged: fetch a fresh snapshot.
func (t *Table) Apply(d *Delta) error {
	if err := d.validate(); err != nil {
		return err
	}
	if (tableHeader{d.Holder, d.Partner, d.Epoch}) != t.header {
		return errs.E(errs.Invalid, "delta", fmt.Sprintf("delta is for %s→%s epoch %d, table is %s→%s epoch %d",
			d.Holder, d.Partner, d.Epoch, t.header.Holder, t.header.Partner, t.header.Epoch))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if d.From != t.version {
		return errs.E(errs.Conflict, "delta.from", fmt.Sprintf("table is at version %d, delta starts at %d: fetch a snapshot", t.version, d.From))
	}
	if err := checkDelta(t.store, d); err != nil {
		return err
	}
	t.store.apply(d.Removed, d.Added)
	t.version = d.To
	return nil
}

// checkDelta verifies that d applies cleanly to s: every removed tag is
// present, every added tag absent once the removals are done.
func checkDelta(s *sortedEntries, d *Delta) error {
	for _, tag := range d.Removed {
		if _, ok := s.find(tag); !ok {
			return errs.E(errs.Conflict, "delta.removed", "delta removes an entry the table does not hold: fetch a snapshot")
		}
	}
	for _, e := range d.Added {
		if _, ok := s.find(e.Tag); ok {
			if _, goes := slices.BinarySearchFunc(d.Removed, e.Tag, compareTags); !goes {
				return errs.E(errs.Conflict, "delta.added", "delta adds an entry the table already holds: fetch a snapshot")
			}
		}
	}
	return nil
}

func (t *Table) lookup(tag Tag) (Sealed, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.store.get(tag)
}
