package audit

import (
	"context"
	"fmt"

	"github.com/transparency-dev/merkle/proof"

	"github.com/liaison-project/liaison/internal/errs"
)

// InclusionProof proves that a leaf is in the tree of a given size.
type InclusionProof struct {
	Index    uint64   `json:"index"`
	Size     uint64   `json:"size"`
	LeafHash []byte   `json:"leafHash"`
	Hashes   [][]byte `json:"hashes"`
}

// ConsistencyProof proves that the tree of size From is a prefix of the
// tree of size To.
type ConsistencyProof struct {
	From   uint64   `json:"from"`
	To     uint64   `json:"to"`
	Hashes [][]byte `json:"hashes"`
}

// treeSize resolves a requested tree size: 0 means the latest checkpoint's.
// Proofs are only served for sizes the integrated tree covers.
func (l *Log) treeSize(size uint64) (uint64, error) {
	if err := l.Err(); err != nil {
		return 0, errs.E(errs.Internal, fmt.Errorf("%w: %v", ErrBroken, err))
	}
	if size == 0 {
		cp, ok := l.Latest()
		if !ok {
			return 0, errs.E(errs.NotExist, "no checkpoint yet")
		}
		return cp.Size, nil
	}
	if n := l.tree.Size(); size > n {
		return 0, errs.E(errs.Invalid, "size", fmt.Sprintf("the log has %d integrated events", n))
	}
	return size, nil
}

// Inclusion returns the inclusion proof of the event at index in the tree
// of size (0: the latest checkpoint's).
func (l *Log) Inclusion(ctx context.Context, index, size uint64) (InclusionProof, error) {
	size, err := l.treeSize(size)
	if err != nil {
		return InclusionProof{}, err
	}
	if index >= size {
		return InclusionProof{}, errs.E(errs.Invalid, "index", fmt.Sprintf("index must be below the tree size %d", size))
	}
	hashes, err := l.tree.Inclusion(ctx, index, size)
	if err != nil {
		return InclusionProof{}, fmt.Errorf("inclusion proof: %w", err)
	}
	leaves, err := l.tree.block(ctx, index/blockSize, index%blockSize+1)
	if err != nil {
		return InclusionProof{}, fmt.Errorf("inclusion proof: %w", err)
	}
	leaf := leaves[index%blockSize]
	return InclusionProof{Index: index, Size: size, LeafHash: leaf[:], Hashes: hashes}, nil
}

// Consistency returns the consistency proof between the trees of size from
// and to (0: the latest checkpoint's).
func (l *Log) Consistency(ctx context.Context, from, to uint64) (ConsistencyProof, error) {
	to, err := l.treeSize(to)
	if err != nil {
		return ConsistencyProof{}, err
	}
	if from > to {
		return ConsistencyProof{}, errs.E(errs.Invalid, "from", fmt.Sprintf("from must not exceed to (%d)", to))
	}
	hashes, err := l.tree.Consistency(ctx, from, to)
	if err != nil {
		return ConsistencyProof{}, fmt.Errorf("consistency proof: %w", err)
	}
	return ConsistencyProof{From: from, To: to, Hashes: hashes}, nil
}

// Verify checks the proof against the root of the tree of p.Size.
func (p InclusionProof) Verify(root []byte) error {
	if err := proof.VerifyInclusion(hasher, p.Index, p.Size, p.LeafHash, p.Hashes, root); err != nil {
		return fmt.Errorf("inclusion proof of event %d in tree of size %d: %w", p.Index, p.Size, err)
	}
	return nil
}

// Verify checks the proof against the roots of both trees.
func (p ConsistencyProof) Verify(fromRoot, toRoot []byte) error {
	if err := proof.VerifyConsistency(hasher, p.From, p.To, p.Hashes, fromRoot, toRoot); err != nil {
		return fmt.Errorf("consistency proof from size %d to %d: %w", p.From, p.To, err)
	}
	return nil
}
