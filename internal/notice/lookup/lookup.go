// Package lookup is the in-memory index behind border checks: a passport
// by number and issuing country, a plate by country, a VIN, or a person by
// name and date of birth, answered in well under a microsecond.
//
// # Design
//
// Border lookups are almost all misses (SLTD answers about one search in
// ten thousand with a hit), so a miss must cost as little as possible. Each
// alert's normalised key (kind, country, number) is hashed with a per-index
// random [maphash.Seed]; the hash picks a slot in an open-addressing table
// of 8-byte entries (linear probing, load ≤ 0.8) that pack a 32-bit
// fingerprint of the hash with the offset of the alert's entry in a byte
// arena. A miss reads one or two cache lines of the table and stops at an
// empty slot; the arena is touched only when a fingerprint matches, and a
// candidate is confirmed by comparing the full key bytes, so fingerprint
// collisions never produce a false hit. A hit costs one more cache miss.
//
// An arena entry is an 8-byte header (key and reference lengths, status,
// document type, number of an interned (action, contact) pair), the key
// and the originator's reference. At 10 million document alerts with
// 11-byte references the index holds about 45 bytes per alert (see
// docs/benchmarks/notice.md), against about 60 for a bare Go map from key
// string to a number.
//
// Keys are unique: adding an alert whose key is already indexed replaces
// it (a document first reported lost and then revoked has one entry).
// Removal shifts the probe sequence back, so there are no tombstones; arena
// space of removed and replaced entries is reclaimed by compaction once
// half of the arena is dead.
//
// Persons are indexed by the match keys of internal/names (transliterated
// skeleton and tokens with the full date of birth, phonetic codes with the
// year); a person hit is a candidate to be verified, with its strength.
//
// # Concurrency
//
// An *Index is safe for concurrent use: lookups share a read lock, and
// Add, Remove and Compact take the write lock.
package lookup

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/names"
	"github.com/liaison-project/liaison/internal/notice"
)

// Key kinds: the first byte of every alert key.
const (
	keyDocument = 'D'
	keyPlate    = 'P'
	keyVIN      = 'V'
)

// maxKeyLen bounds a key: kind, country and the longest number.
const maxKeyLen = 1 + 2 + notice.MaxDocumentNumberLen

// maxLoad is the highest fill of the slot table before it doubles.
const maxLoad = 0.8

// Options configure a new Index.
type Options struct {
	// ExpectedAlerts presizes the table and records, so a bulk load does
	// not grow them step by step (and leave slack capacity behind).
	ExpectedAlerts int
	// NameKeys derives the match keys of a person; nil means names.MatchKeys.
	NameKeys func(fullName, birthDate string) []names.Key
}

// Index is the lookup index. Create it with New.
type Index struct {
	mu   sync.RWMutex
	seed maphash.Seed

	slots []uint64 // 0: empty; else fingerprint<<32 | arena offset of the entry
	mask  uint64
	used  int // occupied slots: indexed keys

	arena   []byte // entries (see entry), after one reserved byte so no offset is 0
	garbage int    // arena bytes of removed or replaced entries

	infos   []info
	infoIDs map[info]uint32

	nameKeys func(fullName, birthDate string) []names.Key
	persons  map[string][]personEntry // match key value → notices
	byNotice map[string][]string      // notice id → its match key values
}

// An entry in the arena is a header of entryHeader bytes, the key and the
// reference:
//
//	[0] key length  [1] reference length  [2] status  [3] document type
//	[4:8] instruction number, little-endian
const entryHeader = 8

// entry is a view of one arena entry.
type entry struct {
	keyLen, refLen  int
	status, docType uint8
	info            uint32
	key, ref        []byte
}

func (x *Index) entryAt(off uint32) entry {
	h := x.arena[off : off+entryHeader]
	e := entry{keyLen: int(h[0]), refLen: int(h[1]), status: h[2], docType: h[3], info: binary.LittleEndian.Uint32(h[4:])}
	start := int(off) + entryHeader
	e.key = x.arena[start : start+e.keyLen]
	e.ref = x.arena[start+e.keyLen : start+e.keyLen+e.refLen]
	return e
}

func (x *Index) keyAt(off uint32) []byte {
	start := int(off) + entryHeader
	return x.arena[start : start+int(x.arena[off])]
}

func (e entry) size() int { return entryHeader + e.keyLen + e.refLen }

// info is the instruction shared by many alerts of one originator.
type info struct{ action, contact string }

var (
	statuses = []notice.AlertStatus{notice.Stolen, notice.Lost, notice.Revoked}
	docTypes = append([]notice.DocumentType{""}, notice.DocumentTypes...)
)

// New returns an empty index.
func New(opts Options) *Index {
	x := &Index{
		seed:     maphash.MakeSeed(),
		infoIDs:  make(map[info]uint32),
		nameKeys: opts.NameKeys,
		persons:  make(map[string][]personEntry),
		byNotice: make(map[string][]string),
	}
	if x.nameKeys == nil {
		x.nameKeys = names.MatchKeys
	}
	size := 64
	for float64(size)*maxLoad < float64(opts.ExpectedAlerts) {
		size *= 2
	}
	x.slots = make([]uint64, size)
	x.mask = uint64(size - 1)
	x.arena = make([]byte, 1, max(1, opts.ExpectedAlerts*(entryHeader+24)))
	return x
}

// Hit is what a border officer sees when an alert matches.
type Hit struct {
	Kind         notice.AlertKind
	Status       notice.AlertStatus
	DocumentType notice.DocumentType // travel documents
	Country      string              // issuing or registration country; empty for a VIN
	Reference    string              // the originator's reference, to quote when calling
	Action       string              // e.g. "seize document"
	Contact      string              // e.g. "NCB Lyon"
}

// Instruction is the line to act on, e.g. "seize document — contact NCB Lyon".
func (h Hit) Instruction() string {
	if h.Contact == "" {
		return h.Action
	}
	return h.Action + " — contact " + h.Contact
}

// Len reports the number of indexed alert keys (a vehicle alert with both
// a plate and a VIN counts twice).
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.used
}

// Add indexes an alert, replacing any alert with the same key. Object
// alerts have no key a border officer can type and are not indexed (Add
// returns Unsupported). The alert is normalised first; a malformed alert
// is Invalid.
func (x *Index) Add(a notice.Alert) error {
	if err := a.Normalize(); err != nil {
		return err
	}
	if a.Kind == notice.Object {
		return errs.E(errs.Unsupported, "kind", "object alerts are not indexed for border lookups")
	}
	status, ok := indexOf(statuses, a.Status)
	if !ok {
		return errs.E(errs.Invalid, "status", "unknown status")
	}
	docType, _ := indexOf(docTypes, a.DocumentType)
	action := a.Action
	if action == "" {
		action = notice.DefaultAction(a.Kind)
	}
	contact := a.Contact
	if contact == "" {
		contact = a.Originator
	}
	keys := alertKeys(a)

	x.mu.Lock()
	defer x.mu.Unlock()
	id := x.internInfo(info{action, contact})
	for _, key := range keys {
		if err := x.put(key, []byte(a.Reference), uint8(status), uint8(docType), id); err != nil {
			return err
		}
	}
	return nil
}

// Remove removes an alert's keys (a cancelled or recovered alert must stop
// producing hits at once). Removing an alert that is not indexed is not an
// error; a malformed alert is Invalid.
func (x *Index) Remove(a notice.Alert) error {
	if err := a.Normalize(); err != nil {
		return err
	}
	keys := alertKeys(a)
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, key := range keys {
		x.delete(key)
	}
	return nil
}

// Document looks up a travel document by number and issuing country. A
// malformed number or country is Invalid; a miss returns ok false.
func (x *Index) Document(number, country string) (hit Hit, ok bool, err error) {
	var buf [maxKeyLen]byte
	key := append(buf[:0], keyDocument)
	if key, err = notice.AppendCountry(key, country); err != nil {
		return Hit{}, false, err
	}
	if key, err = notice.AppendDocumentNumber(key, number); err != nil {
		return Hit{}, false, err
	}
	return x.find(key)
}

// Plate looks up a vehicle by licence plate and country of registration.
func (x *Index) Plate(plate, country string) (hit Hit, ok bool, err error) {
	var buf [maxKeyLen]byte
	key := append(buf[:0], keyPlate)
	if key, err = notice.AppendCountry(key, country); err != nil {
		return Hit{}, false, err
	}
	if key, err = notice.AppendPlate(key, plate); err != nil {
		return Hit{}, false, err
	}
	return x.find(key)
}

// VIN looks up a vehicle by its identification number.
func (x *Index) VIN(vin string) (hit Hit, ok bool, err error) {
	var buf [maxKeyLen]byte
	key := append(buf[:0], keyVIN)
	if key, err = notice.AppendVIN(key, vin); err != nil {
		return Hit{}, false, err
	}
	return x.find(key)
}

// alertKeys returns the keys of a normalised alert: one for a document,
// one or two for a vehicle.
func alertKeys(a notice.Alert) [][]byte {
	var keys [][]byte
	switch a.Kind {
	case notice.TravelDocument:
		keys = append(keys, []byte(string(rune(keyDocument))+a.Country+a.DocumentNumber))
	case notice.Vehicle:
		if a.Plate != "" {
			keys = append(keys, []byte(string(rune(keyPlate))+a.Country+a.Plate))
		}
		if a.VIN != "" {
			keys = append(keys, []byte(string(rune(keyVIN))+a.VIN))
		}
	}
	return keys
}

func (x *Index) hash(key []byte) uint64 { return maphash.Bytes(x.seed, key) }

// probe returns the slot holding key, or the empty slot where it would go.
// The caller holds the lock.
func (x *Index) probe(key []byte, h uint64) (slot uint64, found bool) {
	fp := h >> 32
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s == 0 {
			return i, false
		}
		if s>>32 == fp && bytes.Equal(x.keyAt(uint32(s)), key) {
			return i, true
		}
	}
}

func (x *Index) find(key []byte) (Hit, bool, error) {
	h := x.hash(key)
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, found := x.probe(key, h)
	if !found {
		return Hit{}, false, nil
	}
	return x.hitOf(x.entryAt(uint32(x.slots[i]))), true, nil
}

func (x *Index) hitOf(e entry) Hit {
	in := x.infos[e.info]
	h := Hit{
		Status:       statuses[e.status],
		DocumentType: docTypes[e.docType],
		Action:       in.action,
		Contact:      in.contact,
	}
	if e.refLen > 0 {
		h.Reference = string(e.ref)
	}
	// The number is not copied into the hit: the caller has it, and a hit
	// that does not allocate keeps lookups cheap on a large heap.
	switch e.key[0] {
	case keyDocument:
		h.Kind, h.Country = notice.TravelDocument, countryString(e.key[1], e.key[2])
	case keyPlate:
		h.Kind, h.Country = notice.Vehicle, countryString(e.key[1], e.key[2])
	case keyVIN:
		h.Kind = notice.Vehicle
	}
	return h
}

// put inserts or replaces key. The caller holds the write lock.
func (x *Index) put(key, ref []byte, status, docType uint8, infoID uint32) error {
	h := x.hash(key)
	i, found := x.probe(key, h)
	if !found {
		return x.insertAt(i, h, key, ref, status, docType, infoID)
	}
	off, err := x.appendEntry(key, ref, status, docType, infoID)
	if err != nil {
		return err
	}
	x.garbage += x.entryAt(uint32(x.slots[i])).size()
	x.slots[i] = h>>32<<32 | uint64(off)
	x.maybeCompact()
	return nil
}

// insertAt adds a new key at the empty slot i found by probe. The caller
// holds the write lock.
func (x *Index) insertAt(i, h uint64, key, ref []byte, status, docType uint8, infoID uint32) error {
	off, err := x.appendEntry(key, ref, status, docType, infoID)
	if err != nil {
		return err
	}
	x.slots[i] = h>>32<<32 | uint64(off)
	x.used++
	if float64(x.used) > float64(len(x.slots))*maxLoad {
		x.grow()
	}
	return nil
}

// appendEntry stores an entry in the arena and returns its offset.
func (x *Index) appendEntry(key, ref []byte, status, docType uint8, infoID uint32) (uint32, error) {
	off := len(x.arena)
	if off+entryHeader+len(key)+len(ref) > math.MaxUint32 {
		return 0, errs.E(errs.TooLarge, "", "the lookup index is full (4 GiB of entries)")
	}
	x.arena = append(x.arena, byte(len(key)), byte(len(ref)), status, docType)
	x.arena = binary.LittleEndian.AppendUint32(x.arena, infoID)
	x.arena = append(append(x.arena, key...), ref...)
	return uint32(off), nil
}

// delete removes key, shifting later entries of its probe sequence back so
// that no tombstone is needed. The caller holds the write lock.
func (x *Index) delete(key []byte) {
	i, found := x.probe(key, x.hash(key))
	if !found {
		return
	}
	x.garbage += x.entryAt(uint32(x.slots[i])).size()
	x.used--
	// Backward-shift deletion: move each following entry whose home slot
	// is not cyclically within (hole, j] into the hole.
	hole := i
	for j := (i + 1) & x.mask; x.slots[j] != 0; j = (j + 1) & x.mask {
		home := x.hash(x.keyAt(uint32(x.slots[j]))) & x.mask
		if (j-home)&x.mask >= (j-hole)&x.mask {
			x.slots[hole] = x.slots[j]
			hole = j
		}
	}
	x.slots[hole] = 0
	x.maybeCompact()
}

// grow doubles the slot table and reinserts every entry.
func (x *Index) grow() {
	old := x.slots
	x.slots = make([]uint64, 2*len(old))
	x.mask = uint64(len(x.slots) - 1)
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := x.hash(x.keyAt(uint32(s))) & x.mask
		for x.slots[i] != 0 {
			i = (i + 1) & x.mask
		}
		x.slots[i] = s
	}
}

// maybeCompact rewrites the arena once most of it is dead.
func (x *Index) maybeCompact() {
	if x.garbage > 1<<20 && x.garbage > len(x.arena)/2 {
		x.compact()
	}
}

// Compact drops dead arena bytes and spare capacity. Call it after a bulk
// load; Add and Remove also compact on their own once half the arena is
// dead. It holds the write lock for a time proportional to the index.
func (x *Index) Compact() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.compact()
}

func (x *Index) compact() {
	if x.garbage == 0 {
		// Nothing dead (a fresh bulk load or restore): only drop spare
		// capacity, copying sequentially.
		if cap(x.arena)-len(x.arena) > len(x.arena)/16 {
			x.arena = append(make([]byte, 0, len(x.arena)), x.arena...)
		}
		return
	}
	// Copy the live entries in slot order, which reads the arena at
	// random; it is rare (half the arena dead) and linear in the index.
	arena := make([]byte, 1, len(x.arena)-x.garbage)
	for i, s := range x.slots {
		if s == 0 {
			continue
		}
		e := x.entryAt(uint32(s))
		off := len(arena)
		arena = append(arena, x.arena[uint32(s):int(uint32(s))+e.size()]...)
		x.slots[i] = s>>32<<32 | uint64(off)
	}
	x.arena = arena
	x.garbage = 0
}

// internInfo returns the number of an (action, contact) pair, adding it if
// new. The caller holds the write lock.
func (x *Index) internInfo(in info) uint32 {
	if id, ok := x.infoIDs[in]; ok {
		return id
	}
	id := uint32(len(x.infos))
	x.infos = append(x.infos, in)
	x.infoIDs[in] = id
	return id
}

// countryStrings holds every two-letter code as a string, so that a hit
// does not allocate one for its country.
var countryStrings = func() (t [26 * 26]string) {
	for i := range t {
		t[i] = string([]byte{byte('A' + i/26), byte('A' + i%26)})
	}
	return t
}()

func countryString(a, b byte) string { return countryStrings[int(a-'A')*26+int(b-'A')] }

func indexOf[T comparable](list []T, v T) (int, bool) {
	for i, x := range list {
		if x == v {
			return i, true
		}
	}
	return 0, false
}

// Stats describes the index's memory, for capacity planning.
type Stats struct {
	Keys       int // indexed alert keys
	Slots      int // slot table size
	ArenaBytes int // including dead bytes
	DeadBytes  int
	Infos      int // distinct (action, contact) pairs
	Persons    int // indexed notices
}

// Stats returns the index's current sizes.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return Stats{
		Keys: x.used, Slots: len(x.slots),
		ArenaBytes: len(x.arena), DeadBytes: x.garbage,
		Infos: len(x.infos), Persons: len(x.byNotice),
	}
}

// String summarises the index without any of its content.
func (s Stats) String() string {
	return fmt.Sprintf("%d keys, %d slots (load %.2f), arena %d bytes (%d dead), %d instructions, %d persons",
		s.Keys, s.Slots, float64(s.Keys)/float64(max(s.Slots, 1)), s.ArenaBytes, s.DeadBytes, s.Infos, s.Persons)
}

// PersonHit is a candidate match of a person against a notice.
type PersonHit struct {
	NoticeID    string
	Type        notice.Type
	Strength    names.Strength // Strong: name form and full date of birth agree; Weak: only a candidate
	Instruction string         // e.g. "arrest with a view to extradition — contact NCB Lyon"
}

type personEntry struct {
	noticeID    string
	typ         notice.Type
	strength    names.Strength
	instruction string
}

// AddNotice indexes the subject of a notice in circulation at now,
// replacing an earlier version of the same notice. A notice that is not in
// circulation is refused with Precondition: only published, unexpired
// notices produce border hits.
func (x *Index) AddNotice(n notice.Notice, now time.Time) error {
	if n.ID == "" {
		return errs.E(errs.Invalid, "id", "a notice needs its id to be indexed")
	}
	if !n.Active(now) {
		return errs.E(errs.Precondition, "state", "only a published, unexpired notice is indexed")
	}
	full := strings.TrimSpace(n.Forename + " " + n.Name)
	keys := x.nameKeys(full, n.DateOfBirth.String())
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeNotice(n.ID)
	var values []string
	for _, k := range keys {
		x.persons[k.Value] = append(x.persons[k.Value], personEntry{noticeID: n.ID, typ: n.Type, strength: k.Strength, instruction: n.Instruction()})
		values = append(values, k.Value)
	}
	if len(values) > 0 {
		x.byNotice[n.ID] = values
	}
	return nil
}

// RemoveNotice stops a notice from producing hits (cancelled, expired,
// withdrawn for review). Removing an unknown id is not an error.
func (x *Index) RemoveNotice(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeNotice(id)
}

func (x *Index) removeNotice(id string) {
	for _, v := range x.byNotice[id] {
		kept := x.persons[v][:0]
		for _, e := range x.persons[v] {
			if e.noticeID != id {
				kept = append(kept, e)
			}
		}
		if len(kept) == 0 {
			delete(x.persons, v)
		} else {
			x.persons[v] = kept
		}
	}
	delete(x.byNotice, id)
}

// maxNameLen bounds a name in a person lookup.
const maxNameLen = 200

// Person looks up a person by full name and date of birth ("1980-01-02",
// "1980/01/02", or partial "1980-01", "1980"). Names match across
// transliterations (internal/names). Each notice appears once, with the
// strength of its strongest matching key; strong hits come first. A
// missing or malformed name or date is Invalid.
func (x *Index) Person(fullName, birthDate string) ([]PersonHit, error) {
	if strings.TrimSpace(fullName) == "" || len(fullName) > maxNameLen {
		return nil, errs.E(errs.Invalid, "name", fmt.Sprintf("a name of 1 to %d bytes is required", maxNameLen))
	}
	dob, err := notice.ParsePartialDate(birthDate)
	if err != nil {
		return nil, err
	}
	if dob.IsZero() {
		return nil, errs.E(errs.Invalid, "date", "a date of birth is required: a name alone is not a key")
	}
	keys := x.nameKeys(fullName, dob.String())
	x.mu.RLock()
	defer x.mu.RUnlock()
	var hits []PersonHit
	for _, k := range keys {
		for _, e := range x.persons[k.Value] {
			i := -1
			for j := range hits {
				if hits[j].NoticeID == e.noticeID {
					i = j
				}
			}
			switch {
			case i < 0:
				hits = append(hits, PersonHit{NoticeID: e.noticeID, Type: e.typ, Strength: e.strength, Instruction: e.instruction})
			case e.strength > hits[i].Strength:
				hits[i].Strength = e.strength
			}
		}
	}
	slices.SortStableFunc(hits, func(a, b PersonHit) int { return int(b.Strength) - int(a.Strength) })
	return hits, nil
}
