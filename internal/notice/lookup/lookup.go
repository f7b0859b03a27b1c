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
// fingerprint of the hash with the number of a compact record. A miss
// reads one or two cache lines of the table and stops at an empty slot;
// records are touched only when a fingerprint matches, and a candidate is
// confirmed by comparing the full key bytes, so fingerprint collisions
// never produce a false hit.
//
// Records are 12 bytes: the offset of the key and the originator's
// reference in a byte arena, the status, the document type and the number
// of an interned (action, contact) pair. At 10 million document alerts the
// index takes about 40–50 bytes per alert (see docs/benchmarks/notice.md),
// against well over 100 for a Go map from key string to record.
//
// Keys are unique: adding an alert whose key is already indexed replaces
// it (a document first reported lost and then revoked has one entry).
// Removal frees the record and shifts the probe sequence back, so there
// are no tombstones; arena space is reclaimed by compaction once half of
// it is dead.
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

	slots []uint64 // 0: empty; else fingerprint<<32 | record number+1
	mask  uint64
	used  int

	recs    []record
	free    []uint32 // numbers of freed records, reused first
	arena   []byte   // key bytes, then reference bytes, of every record
	garbage int      // arena bytes of removed or replaced records

	infos   []info
	infoIDs map[info]uint32

	nameKeys func(fullName, birthDate string) []names.Key
	persons  map[string][]personEntry // match key value → notices
	byNotice map[string][]string      // notice id → its match key values
}

// record is one indexed key. dead records have keyLen 0.
type record struct {
	off     uint32 // arena offset of the key, followed by the reference
	keyLen  uint8
	refLen  uint8
	status  uint8 // index into statuses
	docType uint8 // index into docTypes
	info    uint32
}

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
	if opts.ExpectedAlerts > 0 {
		x.recs = make([]record, 0, opts.ExpectedAlerts)
		x.arena = make([]byte, 0, opts.ExpectedAlerts*16)
	}
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
	return len(x.recs) - len(x.free)
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
		if s>>32 == fp && bytes.Equal(x.keyOf(x.recs[uint32(s)-1]), key) {
			return i, true
		}
	}
}

func (x *Index) keyOf(r record) []byte { return x.arena[r.off : r.off+uint32(r.keyLen)] }

func (x *Index) find(key []byte) (Hit, bool, error) {
	h := x.hash(key)
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, found := x.probe(key, h)
	if !found {
		return Hit{}, false, nil
	}
	return x.hitOf(x.recs[uint32(x.slots[i])-1]), true, nil
}

func (x *Index) hitOf(r record) Hit {
	key := x.keyOf(r)
	in := x.infos[r.info]
	h := Hit{
		Status:       statuses[r.status],
		DocumentType: docTypes[r.docType],
		Action:       in.action,
		Contact:      in.contact,
	}
	if r.refLen > 0 {
		h.Reference = string(x.arena[r.off+uint32(r.keyLen) : r.off+uint32(r.keyLen)+uint32(r.refLen)])
	}
	// The number is not copied into the hit: the caller has it, and a hit
	// that does not allocate keeps lookups cheap on a large heap.
	switch key[0] {
	case keyDocument:
		h.Kind, h.Country = notice.TravelDocument, countryString(key[1], key[2])
	case keyPlate:
		h.Kind, h.Country = notice.Vehicle, countryString(key[1], key[2])
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
	if err := x.checkArena(len(key) + len(ref)); err != nil {
		return err
	}
	n := uint32(x.slots[i]) - 1
	old := x.recs[n]
	x.garbage += int(old.keyLen) + int(old.refLen)
	x.recs[n] = x.appendRecord(key, ref, status, docType, infoID)
	x.maybeCompact()
	return nil
}

// insertAt adds a new key at the empty slot i found by probe. The caller
// holds the write lock.
func (x *Index) insertAt(i, h uint64, key, ref []byte, status, docType uint8, infoID uint32) error {
	if err := x.checkArena(len(key) + len(ref)); err != nil {
		return err
	}
	var n uint32
	if k := len(x.free); k > 0 {
		n, x.free = x.free[k-1], x.free[:k-1]
		x.recs[n] = x.appendRecord(key, ref, status, docType, infoID)
	} else {
		if len(x.recs) >= math.MaxUint32-1 {
			return errs.E(errs.TooLarge, "", "the lookup index is full")
		}
		n = uint32(len(x.recs))
		x.recs = append(x.recs, x.appendRecord(key, ref, status, docType, infoID))
	}
	x.slots[i] = h>>32<<32 | uint64(n+1)
	x.used++
	if float64(x.used) > float64(len(x.slots))*maxLoad {
		x.grow()
	}
	return nil
}

func (x *Index) checkArena(more int) error {
	if len(x.arena)+more > math.MaxUint32 {
		return errs.E(errs.TooLarge, "", "the lookup index is full (4 GiB of keys)")
	}
	return nil
}

// appendRecord stores key and ref in the arena and returns their record.
func (x *Index) appendRecord(key, ref []byte, status, docType uint8, infoID uint32) record {
	r := record{off: uint32(len(x.arena)), keyLen: uint8(len(key)), refLen: uint8(len(ref)), status: status, docType: docType, info: infoID}
	x.arena = append(append(x.arena, key...), ref...)
	return r
}

// delete removes key, shifting later entries of its probe sequence back so
// that no tombstone is needed. The caller holds the write lock.
func (x *Index) delete(key []byte) {
	i, found := x.probe(key, x.hash(key))
	if !found {
		return
	}
	n := uint32(x.slots[i]) - 1
	r := x.recs[n]
	x.garbage += int(r.keyLen) + int(r.refLen)
	x.recs[n] = record{}
	x.free = append(x.free, n)
	x.used--
	// Backward-shift deletion: move each following entry whose home slot
	// is not cyclically within (hole, j] into the hole.
	hole := i
	for j := (i + 1) & x.mask; x.slots[j] != 0; j = (j + 1) & x.mask {
		home := x.hash(x.keyOf(x.recs[uint32(x.slots[j])-1])) & x.mask
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
		h := x.hash(x.keyOf(x.recs[uint32(s)-1]))
		i := h & x.mask
		for x.slots[i] != 0 {
			i = (i + 1) & x.mask
		}
		x.slots[i] = h>>32<<32 | s&math.MaxUint32
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
	live := len(x.arena) - x.garbage
	arena := make([]byte, 0, live)
	for n := range x.recs {
		r := &x.recs[n]
		if r.keyLen == 0 {
			continue
		}
		end := r.off + uint32(r.keyLen) + uint32(r.refLen)
		off := len(arena)
		arena = append(arena, x.arena[r.off:end]...)
		r.off = uint32(off)
	}
	x.arena = arena
	x.garbage = 0
	if cap(x.recs) > len(x.recs) {
		x.recs = append(make([]record, 0, len(x.recs)), x.recs...)
	}
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
		Keys: len(x.recs) - len(x.free), Slots: len(x.slots),
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
