package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/transparency-dev/merkle/proof"
)

// memLeaves is a leafSource over a slice, counting reads.
type memLeaves struct {
	hashes [][32]byte
	reads  int
}

func (m *memLeaves) read(_ context.Context, begin, end uint64) ([][32]byte, error) {
	m.reads++
	if end > uint64(len(m.hashes)) || begin > end {
		return nil, fmt.Errorf("read [%d, %d) beyond %d leaves", begin, end, len(m.hashes))
	}
	return m.hashes[begin:end], nil
}

func testLeaf(i int) [32]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	return sha256.Sum256(b[:])
}

// referenceRoot computes the root of the first n leaves independently of
// the tree type.
func referenceRoot(t *testing.T, leaves [][32]byte) []byte {
	t.Helper()
	r := rangeFactory.NewEmptyRange(0)
	for _, h := range leaves {
		if err := r.Append(h[:], nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(leaves) == 0 {
		return hasher.EmptyRoot()
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestTreeProofs(t *testing.T) {
	for _, memory := range []int{blockSize, 1 << 20} {
		t.Run(fmt.Sprintf("memory %d leaves", memory), func(t *testing.T) { testTreeProofs(t, memory) })
	}
}

func testTreeProofs(t *testing.T, memory int) {
	ctx := context.Background()
	src := &memLeaves{}
	tr := newTree(src.read, memory)
	roots := map[uint64][]byte{0: hasher.EmptyRoot()}
	const n = 300
	for i := 0; i < n; i++ {
		h := testLeaf(i)
		src.hashes = append(src.hashes, h)
		if err := tr.Append([][32]byte{h}); err != nil {
			t.Fatal(err)
		}
		roots[tr.Size()] = tr.Root()
	}
	for size := uint64(0); size <= n; size++ {
		want := referenceRoot(t, src.hashes[:size])
		if got := roots[size]; string(got) != string(want) {
			t.Fatalf("root at %d differs from reference", size)
		}
		got, err := tr.RootAt(ctx, size)
		if err != nil || string(got) != string(want) {
			t.Fatalf("RootAt(%d) = %x, %v; want %x", size, got, err, want)
		}
	}
	for _, size := range []uint64{1, 2, 3, 15, 16, 17, 31, 32, 33, 100, 255, 256, 257, 299, 300} {
		for index := uint64(0); index < size; index++ {
			p, err := tr.Inclusion(ctx, index, size)
			if err != nil {
				t.Fatalf("Inclusion(%d, %d): %v", index, size, err)
			}
			if err := proof.VerifyInclusion(hasher, index, size, src.hashes[index][:], p, roots[size]); err != nil {
				t.Fatalf("inclusion proof (%d, %d) does not verify: %v", index, size, err)
			}
		}
		for size1 := uint64(0); size1 <= size; size1++ {
			p, err := tr.Consistency(ctx, size1, size)
			if err != nil {
				t.Fatalf("Consistency(%d, %d): %v", size1, size, err)
			}
			if err := proof.VerifyConsistency(hasher, size1, size, p, roots[size1], roots[size]); err != nil {
				t.Fatalf("consistency proof (%d, %d) does not verify: %v", size1, size, err)
			}
		}
	}
}

func TestTreeRefusesBeyondSize(t *testing.T) {
	ctx := context.Background()
	src := &memLeaves{}
	tr := newTree(src.read, blockSize)
	for i := 0; i < 20; i++ {
		src.hashes = append(src.hashes, testLeaf(i))
	}
	if err := tr.Append(src.hashes); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Inclusion(ctx, 3, 21); err == nil {
		t.Error("inclusion proof for a size beyond the tree was produced")
	}
	if _, err := tr.Inclusion(ctx, 20, 20); err == nil {
		t.Error("inclusion proof for an index beyond the size was produced")
	}
	if _, err := tr.Consistency(ctx, 10, 21); err == nil {
		t.Error("consistency proof beyond the tree was produced")
	}
	if _, err := tr.Consistency(ctx, 12, 10); err == nil {
		t.Error("consistency proof with size1 > size2 was produced")
	}
	// A proof of old events reads at most two leaf blocks; recent leaves
	// come from memory.
	src.reads = 0
	if _, err := tr.Inclusion(ctx, 5, 19); err != nil {
		t.Fatal(err)
	}
	if src.reads > 2 {
		t.Errorf("inclusion proof read %d leaf blocks, want at most 2", src.reads)
	}
	for i := 20; i < 100; i++ {
		src.hashes = append(src.hashes, testLeaf(i))
	}
	if err := tr.Append(src.hashes[20:]); err != nil {
		t.Fatal(err)
	}
	src.reads = 0
	if _, err := tr.Inclusion(ctx, 98, 100); err != nil {
		t.Fatal(err)
	}
	if src.reads != 0 {
		t.Errorf("inclusion proof of a recent event read %d blocks from storage", src.reads)
	}
}
