package audit

import (
	"context"
	"fmt"
	"sync"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// hasher is the RFC 6962 SHA-256 tree hasher.
var hasher = rfc6962.DefaultHasher

var rangeFactory = &compact.RangeFactory{Hash: hasher.HashChildren}

// memLevel is the lowest tree level held in memory. Nodes below it are
// recomputed from one block of 2^memLevel stored leaf hashes, so memory
// costs 32 bytes per 2^(memLevel-1) events (4 bytes per event) while a proof
// reads at most two blocks.
const (
	memLevel  = 4
	blockSize = 1 << memLevel
)

// leafSource reads the leaf hashes of [begin, end) from storage, in order.
// It must return exactly end-begin hashes or an error.
type leafSource func(ctx context.Context, begin, end uint64) ([][32]byte, error)

// tree is the Merkle tree over the integrated leaves [0, size). It is safe
// for concurrent use: one integrator appends while proofs are served.
type tree struct {
	leaves leafSource

	mu     sync.RWMutex
	size   uint64
	rng    *compact.Range // compact range of [0, size)
	levels [][][32]byte   // levels[l-memLevel][i] is node (l, i); complete nodes only

	cacheMu sync.Mutex
	cache   map[uint64][][32]byte // leaf blocks by block number
}

func newTree(leaves leafSource) *tree {
	return &tree{leaves: leaves, rng: rangeFactory.NewEmptyRange(0), cache: map[uint64][][32]byte{}}
}

// Size is the number of integrated leaves.
func (t *tree) Size() uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.size
}

// Append integrates the next leaf hashes.
func (t *tree) Append(hashes [][32]byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, h := range hashes {
		err := t.rng.Append(h[:], func(id compact.NodeID, hash []byte) {
			if id.Level < memLevel {
				return
			}
			l := int(id.Level - memLevel)
			for len(t.levels) <= l {
				t.levels = append(t.levels, nil)
			}
			t.levels[l] = append(t.levels[l], [32]byte(hash))
		})
		if err != nil {
			return fmt.Errorf("append to merkle tree: %w", err)
		}
		t.size++
	}
	return nil
}

// Root is the root hash of the current tree.
func (t *tree) Root() []byte {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.rootLocked()
}

func (t *tree) rootLocked() []byte {
	if t.size == 0 {
		return hasher.EmptyRoot()
	}
	root, err := t.rng.GetRootHash(nil)
	if err != nil {
		panic("audit: compact range not rooted at 0: " + err.Error()) // impossible: the range starts at 0
	}
	return root
}

// RootAt is the root hash of the tree of the first size leaves.
func (t *tree) RootAt(ctx context.Context, size uint64) ([]byte, error) {
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	hashes, err := t.nodeHashes(ctx, size, compact.RangeNodes(0, size, nil))
	if err != nil {
		return nil, err
	}
	root := hashes[len(hashes)-1]
	for i := len(hashes) - 2; i >= 0; i-- {
		root = hasher.HashChildren(hashes[i], root)
	}
	return root, nil
}

// Inclusion returns the inclusion proof of leaf index in the tree of size.
func (t *tree) Inclusion(ctx context.Context, index, size uint64) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	hashes, err := t.nodeHashes(ctx, size, nodes.IDs)
	if err != nil {
		return nil, err
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

// Consistency returns the consistency proof between trees of size1 and size2.
func (t *tree) Consistency(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, err
	}
	hashes, err := t.nodeHashes(ctx, size2, nodes.IDs)
	if err != nil {
		return nil, err
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

// nodeHashes returns the hashes of complete nodes within the first size
// leaves: upper levels from memory, lower levels from stored leaf blocks.
func (t *tree) nodeHashes(ctx context.Context, size uint64, ids []compact.NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	var low []int // positions of nodes below memLevel
	t.mu.RLock()
	if size > t.size {
		t.mu.RUnlock()
		return nil, fmt.Errorf("tree size %d is beyond the %d integrated leaves", size, t.size)
	}
	for i, id := range ids {
		if begin, end := id.Coverage(); end > size || begin >= end {
			t.mu.RUnlock()
			return nil, fmt.Errorf("node %d/%d is not complete in a tree of %d leaves", id.Level, id.Index, size)
		}
		if id.Level < memLevel {
			low = append(low, i)
			continue
		}
		h := t.levels[id.Level-memLevel][id.Index]
		out[i] = h[:]
	}
	t.mu.RUnlock()

	for _, i := range low {
		id := ids[i]
		begin, end := id.Coverage()
		b := begin / blockSize
		leaves, err := t.block(ctx, b, end-b*blockSize)
		if err != nil {
			return nil, err
		}
		off := begin - b*blockSize
		out[i] = subtreeHash(leaves[off : off+(end-begin)])
	}
	return out, nil
}

// blockCacheSize bounds the leaf blocks kept: 256 blocks of 16 hashes are
// 128 KiB. Exports walk blocks in order and every proof against a
// checkpoint needs that checkpoint's last block, so a small cache serves
// most reads.
const blockCacheSize = 256

// block returns at least the first n leaf hashes of block b. Leaves never
// change once integrated, so a cached block is good for any n it covers.
func (t *tree) block(ctx context.Context, b, n uint64) ([][32]byte, error) {
	t.cacheMu.Lock()
	leaves, ok := t.cache[b]
	t.cacheMu.Unlock()
	if ok && uint64(len(leaves)) >= n {
		return leaves, nil
	}
	// Read up to the integrated size only: a partial last block has
	// nothing beyond it yet.
	leaves, err := t.leaves(ctx, b*blockSize, min((b+1)*blockSize, t.Size()))
	if err != nil {
		return nil, err
	}
	if uint64(len(leaves)) < n {
		return nil, fmt.Errorf("leaf block %d has %d leaves, need %d", b, len(leaves), n)
	}
	t.cacheMu.Lock()
	if len(t.cache) >= blockCacheSize {
		for k := range t.cache { // evict an arbitrary block
			delete(t.cache, k)
			break
		}
	}
	t.cache[b] = leaves
	t.cacheMu.Unlock()
	return leaves, nil
}

// subtreeHash is the root of a perfect subtree over leaves (a power of two).
func subtreeHash(leaves [][32]byte) []byte {
	level := make([][]byte, len(leaves))
	for i := range leaves {
		level[i] = leaves[i][:]
	}
	for len(level) > 1 {
		next := level[:len(level)/2]
		for i := range next {
			next[i] = hasher.HashChildren(level[2*i], level[2*i+1])
		}
		level = next
	}
	return level[0]
}
