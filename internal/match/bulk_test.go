package match

import (
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/liaison-project/liaison/internal/errs"
)

// bulkFixture has a holder view with every third of 100 phone numbers.
func bulkFixture(t *testing.T) (*fixture, *Table, []string, map[int]Ref) {
	t.Helper()
	f := newFixture(t)
	values := make([]string, 100)
	want := make(map[int]Ref)
	for i := range values {
		values[i] = fmt.Sprintf("+4915100%05d", i*7919)
		if i%3 == 0 {
			ref, err := f.view.Add(Key{Type: Phone, Value: values[i]})
			if err != nil {
				t.Fatal(err)
			}
			want[i] = ref
		}
	}
	return f, f.table(t), values, want
}

// exchange sends one prepared batch through the wire encodings.
func (f *fixture) exchange(t *testing.T, p *Pending) *EvalResponse {
	t.Helper()
	b, err := p.Request().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	req, err := ParseEvalRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.holder.Evaluate(querierID, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err = resp.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	resp, err = ParseEvalResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func checkHits(t *testing.T, got []BulkHit, want map[int]Ref) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d hits, want %d", len(got), len(want))
	}
	for _, h := range got {
		if h.Status != Hit || want[h.Index] != h.Ref {
			t.Fatalf("hit %+v not expected", h)
		}
	}
}

func TestBulkRunsInParallelBatches(t *testing.T) {
	f, tab, values, want := bulkFixture(t)
	b, err := f.querier.NewBulk(f.ann, tab, Phone, values, meta, 16, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if b.Batches() != 7 {
		t.Fatalf("%d batches, want 7", b.Batches())
	}
	var wg sync.WaitGroup
	for _, i := range b.Remaining() {
		wg.Go(func() {
			p, err := b.Prepare(i)
			if err != nil {
				t.Error(err)
				return
			}
			if p.Request().Run != b.Run() || p.Request().Batch != uint32(i) {
				t.Error("request does not carry run and batch")
			}
			if err := b.Complete(p, f.exchange(t, p)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if !b.Done() {
		t.Fatal("run not done")
	}
	checkHits(t, b.Hits(), want)
	if _, err := b.Prepare(0); !errs.Is(err, errs.Conflict) {
		t.Fatalf("preparing a completed batch: %v", err)
	}
}

func TestBulkResumesFromCheckpoint(t *testing.T) {
	f, tab, values, want := bulkFixture(t)
	b, err := f.querier.NewBulk(f.ann, tab, Phone, values, meta, 10, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// Complete batches 0 and 3; batch 5 is sent but its answer is lost.
	for _, i := range []int{0, 3} {
		p, err := b.Prepare(i)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Complete(p, f.exchange(t, p)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Prepare(5); err != nil {
		t.Fatal(err)
	}
	cp, err := b.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}

	// A different list, or another epoch's announcement, cannot resume.
	other := slices.Clone(values)
	other[42] = "+491510000000"
	if _, err := f.querier.ResumeBulk(f.ann, tab, other, cp); !errs.Is(err, errs.Invalid) {
		t.Fatalf("resume with another list: %v", err)
	}
	otherAnn := f.ann
	otherAnn.Epoch = 2
	if _, err := f.querier.ResumeBulk(otherAnn, tab, values, cp); !errs.Is(err, errs.Invalid) {
		t.Fatalf("resume against another epoch: %v", err)
	}

	r, err := f.querier.ResumeBulk(f.ann, tab, values, cp)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Remaining(); !slices.Equal(got, []int{1, 2, 4, 5, 6, 7, 8, 9}) {
		t.Fatalf("remaining %v", got)
	}
	for _, i := range r.Remaining() {
		p, err := r.Prepare(i)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Complete(p, f.exchange(t, p)); err != nil {
			t.Fatal(err)
		}
	}
	checkHits(t, r.Hits(), want)

	// A checkpoint round-trips to the same bytes.
	cp2, err := r.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.querier.ResumeBulk(f.ann, tab, values, cp2)
	if err != nil {
		t.Fatal(err)
	}
	if cp3, _ := r2.Checkpoint(); string(cp3) != string(cp2) {
		t.Fatal("checkpoint does not round-trip")
	}
	if !r2.Done() {
		t.Fatal("resumed finished run is not done")
	}
}

func TestBulkRejectsForeignBatches(t *testing.T) {
	f, tab, values, _ := bulkFixture(t)
	b1, _ := f.querier.NewBulk(f.ann, tab, Phone, values, meta, 50, rand.Reader)
	b2, _ := f.querier.NewBulk(f.ann, tab, Phone, values, meta, 50, rand.Reader)
	p, err := b2.Prepare(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := b1.Complete(p, f.exchange(t, p)); !errs.Is(err, errs.Invalid) {
		t.Fatalf("batch of another run: %v", err)
	}
	if _, err := f.querier.NewBulk(f.ann, tab, Phone, values, meta, MaxBatch+1, rand.Reader); !errs.Is(err, errs.Invalid) {
		t.Fatalf("oversized batches: %v", err)
	}
	if _, err := f.querier.NewBulk(f.ann, tab, Phone, []string{"ok", ""}, meta, 10, rand.Reader); errs.FieldOf(err) != "values[1]" {
		t.Fatalf("bad value: %v", err)
	}
}
