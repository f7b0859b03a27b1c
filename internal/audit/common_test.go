package audit

import "crypto/ed25519"

const testAgency = "NL-NCB"

// testKey is a deterministic Ed25519 key.
func testKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	return ed25519.NewKeyFromSeed(s)
}
