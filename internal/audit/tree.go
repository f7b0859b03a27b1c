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

// memLevel is the lowest level of inner nodes held in memory for the whole
// tree (8 bytes per event). Nodes below it are recomputed from one block of
// 2^memLevel leaf hashes: the leaves of the most recent events are kept in
// memory too (32 bytes per event, up to a bound), older blocks are read
// from storage. A proof thus hashes a few nodes, and reads at most two
// blocks only when it concerns old events.
const (
	memLevel  = 3
	blockSize = 1 << memLevel
)

// DefaultMemoryLeaves is how many recent leaf hashes the tree keeps in
// memory by default: 2 Mi leaves, 64 MiB.
const DefaultMemoryLeaves = 1 << 21

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

	recent     [][32]byte // leaf hashes of [recentBase, size)
	recentBase uint64     // a multiple of blockSize
	recentMax  int        // bound on len(recent), a multiple of blockSize

	cacheMu sync.Mutex
	cache   map[uint64][][32]byte // leaf blocks by block number
}

// newTree returns an empty tree keeping up to memoryLeaves recent leaf
// hashes in memory.
func newTree(leaves leafSource, memoryLeaves int) *tree {
	memoryLeaves = max(memoryLeaves/blockSize, 1) * blockSize
	return &tree{leaves: leaves, rng: rangeFactory.NewEmptyRange(0), cache: map[uint64][][32]byte{}, recentMax: memoryLeaves}
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
	t.recent = append(t.recent, hashes...)
	if over := len(t.recent) - t.recentMax; over > t.recentMax/4 {
		// Drop whole blocks from the front, into a fresh slice so that the
		// memory is released.
		drop := (over + blockSize - 1) / blockSize * blockSize
		t.recent = append(make([][32]byte, 0, t.recentMax+t.recentMax/4), t.recent[drop:]...)
		t.recentBase += uint64(drop)
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

// blockCacheSize bounds the old leaf blocks kept: 256 blocks of 8 hashes
// are 64 KiB. Exports walk blocks in order and every proof against a
// checkpoint needs that checkpoint's last block, so a small cache serves
// most reads.
const blockCacheSize = 256

// block returns at least the first n leaf hashes of block b. Leaves never
// change once integrated, so a cached block is good for any n it covers.
func (t *tree) block(ctx context.Context, b, n uint64) ([][32]byte, error) {
	t.mu.RLock()
	if first := b * blockSize; first >= t.recentBase && first < t.size {
		lo := first - t.recentBase
		leaves := t.recent[lo:min(lo+blockSize, uint64(len(t.recent)))]
		t.mu.RUnlock()
		if uint64(len(leaves)) < n {
			return nil, fmt.Errorf("leaf block %d has %d leaves, need %d", b, len(leaves), n)
		}
		return leaves, nil
	}
	t.mu.RUnlock()
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
