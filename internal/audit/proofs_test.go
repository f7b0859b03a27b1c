package audit

import (
	"bytes"
	"context"
	"testing"
)

// fuzzTree is a tree of 37 leaves with the root of every size.
func fuzzTree(t testing.TB) (*tree, [][32]byte, [][]byte) {
	src := &memLeaves{}
	tr := newTree(src.read, blockSize)
	roots := [][]byte{hasher.EmptyRoot()}
	for i := 0; i < 37; i++ {
		src.hashes = append(src.hashes, testLeaf(i))
		if err := tr.Append(src.hashes[i : i+1]); err != nil {
			t.Fatal(err)
		}
		roots = append(roots, tr.Root())
	}
	return tr, src.hashes, roots
}

// splitHashes cuts data into 32-byte hashes (the rest is dropped).
func splitHashes(data []byte) [][]byte {
	var out [][]byte
	for len(data) >= 32 && len(out) < 64 {
		out = append(out, data[:32])
		data = data[32:]
	}
	return out
}

func FuzzVerifyInclusion(f *testing.F) {
	tr, leaves, roots := fuzzTree(f)
	for _, c := range []struct{ index, size uint64 }{{0, 1}, {5, 17}, {36, 37}, {16, 32}} {
		p, err := tr.Inclusion(context.Background(), c.index, c.size)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(c.index, c.size, leaves[c.index][:], bytes.Join(p, nil))
	}
	f.Fuzz(func(t *testing.T, index, size uint64, leaf, proof []byte) {
		root := roots[size%uint64(len(roots))]
		p := InclusionProof{Index: index, Size: size, LeafHash: leaf, Hashes: splitHashes(proof)}
		if err := p.Verify(root); err != nil {
			return
		}
		// Only the genuine leaf and proof verify.
		if size >= uint64(len(roots)) || index >= size || !bytes.Equal(leaf, leaves[index][:]) {
			t.Fatalf("forged inclusion of index %d in size %d verified", index, size)
		}
		want, err := tr.Inclusion(context.Background(), index, size)
		if err != nil || !bytes.Equal(bytes.Join(want, nil), bytes.Join(p.Hashes, nil)) {
			t.Fatalf("a proof other than the genuine one verified (index %d, size %d)", index, size)
		}
	})
}

func FuzzVerifyConsistency(f *testing.F) {
	tr, _, roots := fuzzTree(f)
	for _, c := range []struct{ from, to uint64 }{{1, 2}, {5, 17}, {16, 37}, {0, 3}, {37, 37}} {
		p, err := tr.Consistency(context.Background(), c.from, c.to)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(c.from, c.to, bytes.Join(p, nil), byte(0))
	}
	f.Fuzz(func(t *testing.T, from, to uint64, proof []byte, flip byte) {
		n := uint64(len(roots))
		fromRoot, toRoot := roots[from%n], roots[to%n]
		if flip&1 != 0 { // a mismatched root pair
			fromRoot = roots[(from+1)%n]
		}
		p := ConsistencyProof{From: from, To: to, Hashes: splitHashes(proof)}
		if err := p.Verify(fromRoot, toRoot); err != nil {
			return
		}
		if from == 0 || from == to && bytes.Equal(fromRoot, toRoot) {
			return // every tree extends the empty one, and itself
		}
		if from > to || to >= n || flip&1 != 0 && from != 0 {
			t.Fatalf("forged consistency %d→%d verified (flip %d)", from, to, flip)
		}
		want, err := tr.Consistency(context.Background(), from, to)
		if err != nil || !bytes.Equal(bytes.Join(want, nil), bytes.Join(p.Hashes, nil)) {
			t.Fatalf("a proof other than the genuine one verified (%d→%d)", from, to)
		}
	})
}
