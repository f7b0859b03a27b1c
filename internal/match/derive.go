package match

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"github.com/cloudflare/circl/oprf"
)

// suite is the only OPRF suite this version speaks.
var suite = oprf.SuiteRistretto255

// Sizes of the published index entries; fixed for wire version 1.
const (
	TagSize    = 12                   // truncated KDF of the PRF output; see the package doc for why 12
	RefSize    = 16                   // follow-up reference
	SealedSize = RefSize + gcmTag     // AES-256-GCM of a Ref
	EntrySize  = TagSize + SealedSize // one published table entry
	gcmTag     = 16
)

// Tag identifies an identifier value in a published table without revealing
// it: the first TagSize bytes of HKDF-Expand(F_k(value, info), "tag").
type Tag [TagSize]byte

func (t Tag) String() string { return hex.EncodeToString(t[:]) }

// Ref is the follow-up reference a hit yields: an opaque handle the officer
// quotes in the legal follow-up request to the holder, which resolves it to
// its records. It is a PRF of (epoch reference key, info, value), so it is
// stable for a value within an epoch and partner, and reveals nothing else.
type Ref [RefSize]byte

func (r Ref) String() string { return hex.EncodeToString(r[:]) }

// Sealed is a Ref encrypted under a key that only the PRF output of its
// value yields.
type Sealed [SealedSize]byte

// Entry is one published table entry.
type Entry struct {
	Tag    Tag
	Sealed Sealed
}

// infoLabel starts every POPRF info string; the byte after it is the
// protocol version, so a version 2 can never produce version 1 outputs.
const (
	infoLabel       = "liaison-match"
	protocolVersion = 1
)

// infoFor is the POPRF public input: the canonical encoding of (version,
// holder, querier, identifier type, epoch). The holder computes it from the
// authenticated partner, never from request fields.
func infoFor(holder, querier string, t Type, e EpochID) []byte {
	var w writer
	w.b = make([]byte, 0, len(infoLabel)+1+2+len(holder)+len(querier)+1+4)
	w.bytes([]byte(infoLabel))
	w.u8(protocolVersion)
	w.str8(holder)
	w.str8(querier)
	w.u8(uint8(t))
	w.u32(uint32(e))
	return w.b
}

// inputFor is the PRF input: the type name, a zero byte, then the value.
// The type is also in the info; repeating it here keeps the input
// self-describing and domain-separated even if the info ever changed shape.
func inputFor(k Key) []byte {
	name := k.Type.String()
	b := make([]byte, 0, len(name)+1+len(k.Value))
	b = append(b, name...)
	b = append(b, 0)
	return append(b, k.Value...)
}

// HKDF labels for what is derived from a PRF output.
const (
	tagLabel  = "liaison-match v1 tag"
	sealLabel = "liaison-match v1 seal"
	refLabel  = "liaison-match v1 ref"
)

// outputKeys is what a finalised PRF output yields: the tag that finds the
// entry and the key that opens its sealed reference.
type outputKeys struct {
	tag     Tag
	sealKey [32]byte
}

func deriveKeys(out []byte) outputKeys {
	var k outputKeys
	// The PRF output is already uniform (SHA-512 of the unblinded element),
	// so it serves directly as the HKDF pseudorandom key.
	tag, err := hkdf.Expand(sha256.New, out, tagLabel, TagSize)
	if err != nil {
		panic("match: hkdf tag: " + err.Error()) // only fails for oversized lengths
	}
	key, err := hkdf.Expand(sha256.New, out, sealLabel, len(k.sealKey))
	if err != nil {
		panic("match: hkdf seal key: " + err.Error())
	}
	copy(k.tag[:], tag)
	copy(k.sealKey[:], key)
	return k
}

// zeroNonce is safe because every seal key encrypts exactly one plaintext:
// the key is unique to (epoch key, holder, partner, type, value) and the
// plaintext, a Ref, is a deterministic function of the same inputs, so
// resealing yields identical bytes rather than a nonce reuse.
var zeroNonce [12]byte

func newGCM(key *[32]byte) cipher.AEAD {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic("match: aes: " + err.Error()) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("match: gcm: " + err.Error())
	}
	return aead
}

func seal(k outputKeys, info []byte, ref Ref) Sealed {
	var s Sealed
	newGCM(&k.sealKey).Seal(s[:0], zeroNonce[:], ref[:], info)
	return s
}

func open(k outputKeys, info []byte, s Sealed) (Ref, bool) {
	var r Ref
	if _, err := newGCM(&k.sealKey).Open(r[:0], zeroNonce[:], s[:], info); err != nil {
		return Ref{}, false
	}
	return r, true
}

func refFor(refKey *[32]byte, info, input []byte) Ref {
	m := hmac.New(sha256.New, refKey[:])
	m.Write([]byte(refLabel))
	m.Write([]byte{uint8(len(info))})
	m.Write(info)
	m.Write(input)
	var r Ref
	copy(r[:], m.Sum(nil))
	return r
}
