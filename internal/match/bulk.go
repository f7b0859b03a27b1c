package match

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/liaison-project/liaison/internal/errs"
)

// MaxBulkValues bounds the list of one bulk run.
const MaxBulkValues = 1 << 24

// DefaultBulkBatch is a batch size that keeps requests at 8 KiB and
// amortises the proof over many elements.
const DefaultBulkBatch = 256

// Bulk intersects a list of values of one type with one holder's table, in
// batches of one round trip each. Batches are independent: a caller may run
// several at once (one per core), in any order, and a run interrupted at any
// point resumes from its [Bulk.Checkpoint] with [Querier.ResumeBulk].
//
// A batch that was sent but whose answer was lost is blinded afresh and sent
// again on resume; the holder charges it again, because it cannot tell a
// resend from new values. The human sign-off bulk runs need is the
// service's business.
type Bulk struct {
	querier   *Querier
	ann       Announcement
	table     *Table
	typ       Type
	meta      Meta
	values    []string
	run       RunID
	batchSize int
	digest    [32]byte

	mu   sync.Mutex
	done []bool
	hits []BulkHit // in completion order; sorted when read or saved
}

// BulkHit is a value of the list that did not simply miss: a hit with its
// reference, or an entry that would not open (Status Unavailable, see
// [ErrCorruptEntry]).
type BulkHit struct {
	Index  int // position in the list
	Status Status
	Ref    Ref
}

// NewBulk starts a bulk run of values (normalised, all of type t) against
// the holder of ann, whose table for this querier is table. batchSize is 1
// to [MaxBatch]; rnd draws the run id.
func (q *Querier) NewBulk(ann Announcement, table *Table, t Type, values []string, meta Meta, batchSize int, rnd io.Reader) (*Bulk, error) {
	if len(values) == 0 || len(values) > MaxBulkValues {
		return nil, errs.E(errs.Invalid, "values", fmt.Sprintf("bulk list of %d values: want 1 to %d", len(values), MaxBulkValues))
	}
	if err := checkCount("batch_size", batchSize); err != nil {
		return nil, err
	}
	if !t.Valid() {
		return nil, errs.E(errs.Invalid, "type", t.String()+" is not an identifier type")
	}
	for i, v := range values {
		if err := validateValue(v); err != nil {
			return nil, errs.E(fmt.Sprintf("values[%d]", i), errs.PublicMessage(err), err)
		}
	}
	b := &Bulk{
		querier:   q,
		ann:       ann,
		table:     table,
		typ:       t,
		meta:      meta,
		values:    values,
		batchSize: batchSize,
		digest:    listDigest(t, values),
	}
	if _, err := io.ReadFull(rnd, b.run[:]); err != nil {
		return nil, fmt.Errorf("draw run id: %w", err)
	}
	b.done = make([]bool, b.Batches())
	if err := b.checkTarget(); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Bulk) checkTarget() error {
	if err := b.ann.validate(); err != nil {
		return err
	}
	if !ValidPurpose(b.meta.Purpose) || !ValidCase(b.meta.Case) {
		return errs.E(errs.Invalid, "meta", "bulk run needs a well-formed purpose and case")
	}
	if b.table == nil {
		return errs.E(errs.Invalid, "table", "missing table")
	}
	want := tableHeader{Holder: b.ann.Holder, Partner: b.querier.self, Epoch: b.ann.Epoch}
	if b.table.header != want {
		return errs.E(errs.Invalid, "table", fmt.Sprintf("table is %s→%s epoch %d, run is %s→%s epoch %d",
			b.table.header.Holder, b.table.header.Partner, b.table.header.Epoch, want.Holder, want.Partner, want.Epoch))
	}
	return nil
}

// listDigest commits to the list so that a resumed run provably continues
// the same list.
func listDigest(t Type, values []string) [32]byte {
	h := sha256.New()
	h.Write([]byte{uint8(t)})
	var n [4]byte
	for _, v := range values {
		binary.BigEndian.PutUint32(n[:], uint32(len(v)))
		h.Write(n[:])
		h.Write([]byte(v))
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}

// Run returns the run id the holder sees in every request of the run.
func (b *Bulk) Run() RunID { return b.run }

// Batches returns the number of batches in the run.
func (b *Bulk) Batches() int { return (len(b.values) + b.batchSize - 1) / b.batchSize }

// Remaining returns the indexes of the batches not yet completed, in order.
func (b *Bulk) Remaining() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []int
	for i, d := range b.done {
		if !d {
			out = append(out, i)
		}
	}
	return out
}

// Done reports whether every batch has completed.
func (b *Bulk) Done() bool { return len(b.Remaining()) == 0 }

// Prepare blinds batch i and returns the pending query; send its Request
// and pass the answer to [Bulk.Complete]. Preparing a completed batch is
// errs.Conflict.
func (b *Bulk) Prepare(i int) (*Pending, error) {
	if i < 0 || i >= b.Batches() {
		return nil, errs.E(errs.Invalid, "batch", fmt.Sprintf("batch %d of %d", i, b.Batches()))
	}
	b.mu.Lock()
	done := b.done[i]
	b.mu.Unlock()
	if done {
		return nil, errs.E(errs.Conflict, "batch", fmt.Sprintf("batch %d is already complete", i))
	}
	lo := i * b.batchSize
	hi := min(lo+b.batchSize, len(b.values))
	return b.querier.query(b.ann, b.typ, b.values[lo:hi], b.meta, b.run, uint32(i))
}

// Complete finalises a prepared batch with the holder's response (see
// [Pending.Finalize] for its errors; on error the batch stays pending) and
// records its hits.
func (b *Bulk) Complete(p *Pending, resp *EvalResponse) error {
	if p == nil || p.req.Run != b.run {
		return errs.E(errs.Invalid, "batch", "pending query is not part of this run")
	}
	results, err := p.Finalize(resp, b.table)
	if err != nil {
		return err
	}
	i := int(p.req.Batch)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done[i] {
		return errs.E(errs.Conflict, "batch", fmt.Sprintf("batch %d is already complete", i))
	}
	for j, r := range results {
		if r.Status != NoHit {
			b.hits = append(b.hits, BulkHit{Index: i*b.batchSize + j, Status: r.Status, Ref: r.Ref})
		}
	}
	b.done[i] = true
	return nil
}

// Hits returns the hits (and unopenable entries) found so far, by list
// position.
func (b *Bulk) Hits() []BulkHit {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sortHits()
	return slices.Clone(b.hits)
}

func (b *Bulk) sortHits() {
	slices.SortFunc(b.hits, func(x, y BulkHit) int { return x.Index - y.Index })
}

const bulkMagic = "LMB\x01"

// Checkpoint encodes the run's progress: run id, target, list digest,
// completed batches and hits. It holds references but no identifiers;
// store it like the case file it belongs to.
func (b *Bulk) Checkpoint() ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sortHits()
	var w writer
	w.bytes([]byte(bulkMagic))
	w.bytes(b.run[:])
	w.str8(b.ann.Holder)
	w.u32(uint32(b.ann.Epoch))
	w.u8(uint8(b.typ))
	w.str8(b.meta.Purpose)
	w.str8(b.meta.Case)
	w.u32(uint32(len(b.values)))
	w.u16(uint16(b.batchSize))
	w.bytes(b.digest[:])
	bitmap := make([]byte, (len(b.done)+7)/8)
	for i, d := range b.done {
		if d {
			bitmap[i/8] |= 1 << (i % 8)
		}
	}
	w.bytes(bitmap)
	w.u32(uint32(len(b.hits)))
	for _, h := range b.hits {
		w.u32(uint32(h.Index))
		w.u8(uint8(h.Status))
		w.bytes(h.Ref[:])
	}
	return w.b, nil
}

// bulkCheckpoint is a decoded checkpoint.
type bulkCheckpoint struct {
	run       RunID
	holder    string
	epoch     EpochID
	typ       Type
	meta      Meta
	total     int
	batchSize int
	digest    [32]byte
	done      []bool
	hits      []BulkHit
}

func parseBulkCheckpoint(data []byte) (*bulkCheckpoint, error) {
	r := reader{b: data, what: "checkpoint"}
	r.magic(bulkMagic)
	c := &bulkCheckpoint{}
	copy(c.run[:], r.take("run", len(c.run)))
	c.holder = r.str8("holder", MaxAgencyLen)
	c.epoch = EpochID(r.u32("epoch"))
	c.typ = Type(r.u8("type"))
	c.meta.Purpose = r.str8("purpose", MaxPurposeLen)
	c.meta.Case = r.str8("case", MaxCaseLen)
	c.total = int(r.u32("total"))
	c.batchSize = int(r.u16("batch_size"))
	copy(c.digest[:], r.take("digest", len(c.digest)))
	if r.err == nil && (c.total < 1 || c.total > MaxBulkValues) {
		r.fail("total", fmt.Sprintf("bulk list of %d values: want 1 to %d", c.total, MaxBulkValues))
	}
	if r.err == nil && (c.batchSize < 1 || c.batchSize > MaxBatch) {
		r.fail("batch_size", fmt.Sprintf("batch size %d: want 1 to %d", c.batchSize, MaxBatch))
	}
	if r.err != nil {
		return nil, r.err
	}
	batches := (c.total + c.batchSize - 1) / c.batchSize
	if r.remaining() < (batches+7)/8 {
		return nil, errs.E(errs.Invalid, "checkpoint.done", fmt.Sprintf("truncated: %d batches need a %d-byte bitmap", batches, (batches+7)/8))
	}
	bitmap := r.take("done", (batches+7)/8)
	c.done = make([]bool, batches)
	for i := range c.done {
		c.done[i] = bitmap[i/8]&(1<<(i%8)) != 0
	}
	if r.err == nil && batches%8 != 0 && bitmap[len(bitmap)-1]>>(batches%8) != 0 {
		r.fail("done", "bits set beyond the last batch")
	}
	n := countFor(&r, "hits", 4+1+RefSize)
	c.hits = make([]BulkHit, n)
	for i := range c.hits {
		h := &c.hits[i]
		h.Index = int(r.u32("hits.index"))
		h.Status = Status(r.u8("hits.status"))
		copy(h.Ref[:], r.take("hits.ref", RefSize))
		switch {
		case r.err != nil:
		case h.Index >= c.total || (i > 0 && h.Index <= c.hits[i-1].Index):
			r.fail("hits.index", "hit indexes must be increasing and within the list")
		case h.Status != Hit && h.Status != Unavailable:
			r.fail("hits.status", fmt.Sprintf("status %d is not a hit", h.Status))
		case !c.done[h.Index/c.batchSize]:
			r.fail("hits.index", "hit in a batch that is not complete")
		}
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	if err := checkAgency("checkpoint.holder", c.holder); err != nil {
		return nil, err
	}
	if !c.typ.Valid() {
		return nil, errs.E(errs.Invalid, "checkpoint.type", fmt.Sprintf("unknown identifier type %d", uint8(c.typ)))
	}
	if c.run == (RunID{}) {
		return nil, errs.E(errs.Invalid, "checkpoint.run", "run id is zero")
	}
	return c, nil
}

// ResumeBulk continues a run from its checkpoint. values must be the same
// list, in the same order, and ann and table the same holder and epoch;
// otherwise it is errs.Invalid. If the epoch has expired in between, the
// run cannot continue: start a new run on the remaining values against the
// next epoch's table.
func (q *Querier) ResumeBulk(ann Announcement, table *Table, values []string, checkpoint []byte) (*Bulk, error) {
	c, err := parseBulkCheckpoint(checkpoint)
	if err != nil {
		return nil, err
	}
	if ann.Holder != c.holder || ann.Epoch != c.epoch {
		return nil, errs.E(errs.Invalid, "checkpoint", fmt.Sprintf("checkpoint is for %s epoch %d, not %s epoch %d", c.holder, c.epoch, ann.Holder, ann.Epoch))
	}
	if len(values) != c.total || listDigest(c.typ, values) != c.digest {
		return nil, errs.E(errs.Invalid, "values", "list differs from the one the checkpoint was taken of")
	}
	b := &Bulk{
		querier:   q,
		ann:       ann,
		table:     table,
		typ:       c.typ,
		meta:      c.meta,
		values:    values,
		run:       c.run,
		batchSize: c.batchSize,
		digest:    c.digest,
		done:      c.done,
		hits:      c.hits,
	}
	if err := b.checkTarget(); err != nil {
		return nil, err
	}
	return b, nil
}
