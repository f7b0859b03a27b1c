package match

import (
	"encoding/hex"
	"testing"
	"time"
)

// fixedEpochKey is epoch 1 with private scalar 7 and reference key 1…32, so
// that derived values are reproducible.
func fixedEpochKey(t testing.TB) *EpochKey {
	t.Helper()
	var w writer
	w.bytes([]byte(epochKeyMagic))
	w.u32(1)
	w.time(t0)
	w.time(t0.Add(30 * 24 * time.Hour))
	sk := make([]byte, 32)
	sk[0] = 7 // little-endian scalar 7
	w.bytes(sk)
	for i := range 32 {
		w.u8(uint8(i + 1))
	}
	k, err := ParseEpochKey(w.b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestDerivationsArePinned guards the compatibility promise of wire version
// 1: the PRF input, info, tag, seal and reference derivations must not
// change within a version, or tables and references already published would
// silently stop matching. The expected values were computed once with this
// implementation; a change here needs a new protocol version.
func TestDerivationsArePinned(t *testing.T) {
	k := fixedEpochKey(t)
	h, err := NewHolder(holderID, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AddEpoch(k); err != nil {
		t.Fatal(err)
	}
	v := mustView(t, h, querierID, 1)
	e, ref, err := v.entryFor(Key{Type: Passport, Value: "X1234567"})
	if err != nil {
		t.Fatal(err)
	}
	pk := k.PublicKey()
	got := map[string]string{
		"public key": hex.EncodeToString(pk[:]),
		"tag":        hex.EncodeToString(e.Tag[:]),
		"sealed":     hex.EncodeToString(e.Sealed[:]),
		"ref":        hex.EncodeToString(ref[:]),
	}
	want := map[string]string{
		// 7·B, the RFC 9496 test vector for the seventh multiple of the generator.
		"public key": "44f53520926ec81fbd5a387845beb7df85a96a24ece18738bdcfa6a7822a176d",
		"tag":        "347520b4e6889c11105df903",
		"sealed":     "e3dc58c88db7d44cbcc5116cfa7eeeeaa046bd4a4505a3d6bd4478a8b4d50b96",
		"ref":        "8550616966ca0904bde86ec07f89966b",
	}
	for name := range want {
		if got[name] != want[name] {
			t.Errorf("%s = %s, want %s", name, got[name], want[name])
		}
	}
}
