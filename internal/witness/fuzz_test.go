package witness

import (
	"crypto/ed25519"
	"testing"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/errs"
)

// FuzzDecodeCheckpointMsg checks that a checkpoint message either decodes
// within every bound or fails with an input error.
func FuzzDecodeCheckpointMsg(f *testing.F) {
	f.Add([]byte(`{"checkpoint":"liaison.DE-BKA/audit\n4\nAAAA\n\n— liaison.DE-BKA/audit AAAA\n","proofs":[{"from":2,"hashes":["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="]}],"gossip":["x"]}`))
	f.Add([]byte(`{"checkpoint":""}`))
	f.Add([]byte(`{"checkpoint":"x","proofs":[{"from":1,"hashes":["AA=="]}]}`))
	f.Add([]byte(`{"checkpoint":"x","extra":1}`))
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		f.Fatal(err)
	}
	keys, err := audit.NewKeys(audit.Origin("DE-BKA"), key)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeCheckpointMsg(b)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %v: %v", k, err)
			}
			return
		}
		if len(m.Checkpoint) == 0 || len(m.Checkpoint) > audit.MaxNoteSize || len(m.Gossip) > maxGossip || len(m.Proofs) > maxProofs {
			t.Fatalf("accepted out of bounds: %d %d %d", len(m.Checkpoint), len(m.Gossip), len(m.Proofs))
		}
		for _, p := range m.Proofs {
			if len(p.Hashes) > maxProofDepth {
				t.Fatal("proof too long accepted")
			}
			for _, h := range p.Hashes {
				if len(h) != 32 {
					t.Fatal("short hash accepted")
				}
			}
		}
		// Whatever decodes is checked by signature before use: a note
		// that does not verify must fail without panicking.
		if _, err := openSeen(m.Checkpoint, keys.Verifier()); err == nil {
			t.Fatal("unsigned note verified")
		}
	})
}

// FuzzSizes checks the stored list of proof sizes round-trips.
func FuzzSizes(f *testing.F) {
	f.Add(uint64(1), uint64(7), uint64(1<<40))
	f.Fuzz(func(t *testing.T, a, b, c uint64) {
		in := []uint64{}
		for _, n := range []uint64{a, b, c} {
			if n > 0 {
				in = append(in, n)
			}
		}
		out := parseSizes(formatSizes(in))
		if len(out) != len(in) {
			t.Fatalf("%v → %v", in, out)
		}
		for i := range in {
			if in[i] != out[i] {
				t.Fatalf("%v → %v", in, out)
			}
		}
	})
}
