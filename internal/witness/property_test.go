package witness

import (
	"bytes"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
	"pgregory.net/rapid"
)

// TestJudge checks the witness's rule against real Merkle trees: every
// checkpoint of an honest log that grows is accepted; a checkpoint of a
// fork is accepted exactly when the fork leaves the part of the log the
// witness already accepted untouched — otherwise it is a split view,
// whatever proof the origin makes up from its fork; without a proof a
// larger checkpoint is not checkable, and a smaller one is a rollback.
func TestJudge(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 70).Draw(t, "leaves")
		leaves := make([][]byte, n)
		for i := range leaves {
			leaves[i] = rapid.SliceOfN(rapid.Byte(), 1, 8).Draw(t, "leaf")
		}
		honest := testonly.New(rfc6962.DefaultHasher)
		honest.AppendData(leaves...)
		a := uint64(rapid.IntRange(1, n-1).Draw(t, "accepted"))
		b := uint64(rapid.IntRange(int(a), n).Draw(t, "next"))
		last := seen{size: a, root: honest.HashAt(a)}

		pr, err := honest.ConsistencyProof(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if v, d := judge(last, true, seen{size: b, root: honest.HashAt(b)}, []proof{{From: a, Hashes: pr}}); v != verdictAccept {
			t.Fatalf("honest growth %d → %d: %v %s", a, b, v, d)
		}
		if v, _ := judge(seen{}, false, seen{size: b, root: honest.HashAt(b)}, nil); v != verdictAccept {
			t.Fatal("first checkpoint refused")
		}
		if b > a {
			if v, _ := judge(last, true, seen{size: b, root: honest.HashAt(b)}, nil); v != verdictRecosign {
				t.Fatalf("growth without proof: %v", v)
			}
			if v, _ := judge(seen{size: b, root: honest.HashAt(b)}, true, last, nil); v != verdictRollback {
				t.Fatalf("smaller checkpoint: %v", v)
			}
		}

		f := rapid.IntRange(0, int(b)-1).Draw(t, "fork at")
		forked := make([][]byte, n)
		copy(forked, leaves)
		forked[f] = append(bytes.Clone(leaves[f]), 0xff)
		fork := testonly.New(rfc6962.DefaultHasher)
		fork.AppendData(forked...)
		fpr, err := fork.ConsistencyProof(a, b)
		if err != nil {
			t.Fatal(err)
		}
		v, d := judge(last, true, seen{size: b, root: fork.HashAt(b)}, []proof{{From: a, Hashes: fpr}})
		want := verdictAccept
		if uint64(f) < a {
			want = verdictSplit
		}
		if v != want {
			t.Fatalf("fork at %d, accepted %d, next %d: %v (%s), want %v", f, a, b, v, d, want)
		}
	})
}
