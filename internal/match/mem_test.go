package match

import (
	"crypto/rand"
	"runtime"
	"testing"
)

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// addSynthetic inserts n random real entries into v as Add does, without
// the OPRF evaluation, which does not change what is stored.
func addSynthetic(v *View, n int) {
	var e Entry
	for added := 0; added < n; {
		rand.Read(e.Tag[:])
		rand.Read(e.Sealed[:])
		if _, taken := v.added[e.Tag]; taken {
			continue
		}
		v.added[e.Tag] = e.Sealed
		v.real++
		added++
	}
}

// BenchmarkMemoryPerEntry measures, with runtime.MemStats, the heap per
// real entry at 1 M real entries of a querier's Table, of a holder's View
// once published, and of a View holding them as unpublished changes.
// Run with -benchtime=1x.
func BenchmarkMemoryPerEntry(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		f := newFixture(b)

		before := heapInUse()
		addSynthetic(f.view, n)
		unpublished := heapInUse() - before
		if _, err := f.view.Publish(rand.Reader); err != nil {
			b.Fatal(err)
		}
		view := heapInUse() - before

		snapshot, err := f.view.Snapshot().MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		f.view = nil
		before = heapInUse()
		tab, err := ParseTable(snapshot)
		if err != nil {
			b.Fatal(err)
		}
		table := heapInUse() - before
		published := tab.Len()
		runtime.KeepAlive(tab)
		runtime.KeepAlive(snapshot)

		b.ReportMetric(float64(table)/n, "table-B/real-entry")
		b.ReportMetric(float64(view)/n, "view-B/real-entry")
		b.ReportMetric(float64(unpublished)/n, "view-unpublished-B/real-entry")
		b.ReportMetric(float64(published), "published-entries")
	}
}
