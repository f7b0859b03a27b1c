package match

import (
	"crypto/rand"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/liaison-project/liaison/internal/errs"
)

func TestPaddedSize(t *testing.T) {
	prev := 0
	for n := 0; n < 200_000; n += 1 + n/50 {
		p := PaddedSize(n)
		if p < n+minDummies+n/32 {
			t.Fatalf("PaddedSize(%d) = %d leaves too few dummies", n, p)
		}
		if float64(p) > float64(n)*1.10+32 {
			t.Fatalf("PaddedSize(%d) = %d: more than 10%% overhead", n, p)
		}
		if p < prev {
			t.Fatalf("PaddedSize not monotone at %d", n)
		}
		prev = p
	}
	// Sizes are coarse: many real counts publish the same size.
	if PaddedSize(1_000_000) != PaddedSize(1_000_500) {
		t.Error("nearby sizes are distinguishable")
	}
	if got := PaddedSize(1_000_000); got != 1_048_576 {
		t.Errorf("PaddedSize(1e6) = %d", got)
	}
}

func TestViewRefCountsAndRemoval(t *testing.T) {
	f := newFixture(t)
	k := Key{Type: IBAN, Value: "NL91ABNA0417164300"}
	// Two records hold the same IBAN.
	r1, err := f.view.Add(k)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.view.Add(k)
	if err != nil {
		t.Fatal(err)
	}
	if r1 != r2 {
		t.Fatal("one value must yield one reference")
	}
	if st := f.view.Stats(); st.Real != 1 || st.Pending != 1 {
		t.Fatalf("stats %+v", st)
	}
	tab := f.table(t)
	if st := f.view.Stats(); st.Published != PaddedSize(1) || tab.Len() != PaddedSize(1) {
		t.Fatalf("published %d, table %d, want %d", st.Published, tab.Len(), PaddedSize(1))
	}
	if ref, err := f.holder.Ref(querierID, 1, k); err != nil || ref != r1 {
		t.Fatalf("Holder.Ref = %v, %v; want %v", ref, err, r1)
	}

	// One record is erased: the value stays published.
	if err := f.view.Remove(k); err != nil {
		t.Fatal(err)
	}
	d, err := f.view.Publish(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.Apply(d); err != nil {
		t.Fatal(err)
	}
	if res, _ := f.roundTrip(t, tab, IBAN, k.Value); res[0].Status != Hit {
		t.Fatal("value with a remaining record no longer hits")
	}
	// The other one too: gone.
	if err := f.view.Remove(k); err != nil {
		t.Fatal(err)
	}
	if err := f.view.Remove(k); !errs.Is(err, errs.NotExist) {
		t.Fatalf("removing an absent value: %v", err)
	}
	d, err = f.view.Publish(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.Apply(d); err != nil {
		t.Fatal(err)
	}
	if res, _ := f.roundTrip(t, tab, IBAN, k.Value); res[0].Status != NoHit {
		t.Fatal("removed value still hits")
	}
	if tab.Len() != PaddedSize(0) {
		t.Fatalf("table of no real entries has %d, want %d", tab.Len(), PaddedSize(0))
	}
}

func TestDeltaChurnIsPadded(t *testing.T) {
	f := newFixture(t)
	for i := range 100 {
		if _, err := f.view.Add(Key{Type: Phone, Value: fmt.Sprintf("+3161000%04d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.view.Publish(rand.Reader); err != nil {
		t.Fatal(err)
	}
	// Nothing changed, yet the delta rotates dummies.
	d, err := f.view.Publish(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Added) != minChurn || len(d.Removed) != minChurn {
		t.Fatalf("empty period published +%d −%d, want ±%d", len(d.Added), len(d.Removed), minChurn)
	}
	// Three real changes (the table stays at PaddedSize(101) =
	// PaddedSize(100), so one dummy goes) look like sixteen.
	if err := f.view.Remove(Key{Type: Phone, Value: "+31610000001"}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"+31620000001", "+31620000002"} {
		if _, err := f.view.Add(Key{Type: Phone, Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	d, err = f.view.Publish(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Added) != minChurn || len(d.Removed) != minChurn {
		t.Fatalf("three changes published +%d −%d", len(d.Added), len(d.Removed))
	}
}

func TestTableApplyConflicts(t *testing.T) {
	f := newFixture(t)
	tab := f.table(t)
	d, err := f.view.Publish(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	stale := *d
	stale.From, stale.To = 5, 6
	if err := tab.Apply(&stale); !errs.Is(err, errs.Conflict) {
		t.Fatalf("delta from a later version: %v", err)
	}
	other := *d
	other.Partner = "FR-OCLCTIC"
	if err := tab.Apply(&other); !errs.Is(err, errs.Invalid) {
		t.Fatalf("delta for another partner: %v", err)
	}
	bogus := *d
	bogus.Removed = []Tag{{1, 2, 3}}
	if err := tab.Apply(&bogus); !errs.Is(err, errs.Conflict) {
		t.Fatalf("delta removing an unknown tag: %v", err)
	}
	before := tab.Len()
	dup := *d
	dup.Removed = nil
	dup.Added = tab.store.entries[:1] // already in the table
	if err := tab.Apply(&dup); !errs.Is(err, errs.Conflict) {
		t.Fatalf("delta adding present tags: %v", err)
	}
	if tab.Len() != before || tab.Version() != 1 {
		t.Fatal("failed delta changed the table")
	}
	if err := tab.Apply(d); err != nil {
		t.Fatal(err)
	}
	if err := tab.Apply(d); !errs.Is(err, errs.Conflict) {
		t.Fatalf("replayed delta: %v", err)
	}
}

// TestViewDeltasTrackSnapshots is the view's model test: any sequence of
// adds, removes and publishes, replayed through wire-encoded deltas on a
// querier's table, gives exactly the holder's snapshot, of padded size, in
// which exactly the values currently present hit.
func TestViewDeltasTrackSnapshots(t *testing.T) {
	f := newFixture(t)
	values := []string{"+3160000001", "+3160000002", "+3160000003", "+3160000004", "+3160000005"}
	rapid.Check(t, func(rt *rapid.T) {
		v := mustView(t, f.holder, querierID, 1)
		tab, err := NewTable(v.Snapshot())
		if err != nil {
			rt.Fatal(err)
		}
		refs := make(map[string]int)
		steps := rapid.IntRange(1, 25).Draw(rt, "steps")
		for range steps {
			val := rapid.SampledFrom(values).Draw(rt, "value")
			k := Key{Type: Phone, Value: val}
			switch rapid.IntRange(0, 2).Draw(rt, "op") {
			case 0:
				if _, err := v.Add(k); err != nil {
					rt.Fatal(err)
				}
				refs[val]++
			case 1:
				err := v.Remove(k)
				if refs[val] == 0 {
					if !errs.Is(err, errs.NotExist) {
						rt.Fatalf("remove of absent value: %v", err)
					}
					continue
				}
				if err != nil {
					rt.Fatal(err)
				}
				refs[val]--
			case 2:
				d, err := v.Publish(rand.Reader)
				if err != nil {
					rt.Fatal(err)
				}
				b, err := d.MarshalBinary()
				if err != nil {
					rt.Fatal(err)
				}
				d, err = ParseDelta(b)
				if err != nil {
					rt.Fatal(err)
				}
				if err := tab.Apply(d); err != nil {
					rt.Fatal(err)
				}
			}
		}
		d, err := v.Publish(rand.Reader)
		if err != nil {
			rt.Fatal(err)
		}
		if err := tab.Apply(d); err != nil {
			rt.Fatal(err)
		}
		snap := v.Snapshot()
		if len(snap.Entries) != tab.Len() {
			rt.Fatalf("snapshot %d entries, table %d", len(snap.Entries), tab.Len())
		}
		for _, e := range snap.Entries {
			if s, ok := tab.lookup(e.Tag); !ok || s != e.Sealed {
				rt.Fatal("table differs from snapshot")
			}
		}
		present := 0
		for _, val := range values {
			e, _, _ := v.entryFor(Key{Type: Phone, Value: val})
			_, inTable := tab.lookup(e.Tag)
			if inTable != (refs[val] > 0) {
				rt.Fatalf("%s: in table %v, refs %d", val, inTable, refs[val])
			}
			if refs[val] > 0 {
				present++
			}
		}
		if st := v.Stats(); st.Real != present || st.Published != PaddedSize(present) || tab.Len() != PaddedSize(present) {
			rt.Fatalf("stats %+v, table %d, present %d", st, tab.Len(), present)
		}
	})
}
