package envelope

import (
	"crypto/ed25519"
	"crypto/sha256"
)

// evidenceMagic starts every marshalled Evidence.
const evidenceMagic = "LEVD"

// Evidence is what a recipient keeps to prove what a sender sent: the
// signed header bytes, the sender's signature over them and the decrypted
// plaintext the header commits to. It verifies with the sender's public
// key alone.
type Evidence struct {
	Header    []byte // signed header bytes, as in the envelope
	Signature []byte // the sender's Ed25519 signature
	Plaintext []byte // sealed plaintext: version, salt, officer, payload
}

// Hash is SHA-256 of the signed header, equal to the envelope's Wire.Hash.
func (e *Evidence) Hash() [32]byte { return sha256.Sum256(e.Header) }

// Marshal encodes the evidence, version 1:
//
//	"LEVD" | u32 headerLen | header | signature [64] | u32 plaintextLen | plaintext
func (e *Evidence) Marshal() []byte {
	b := make([]byte, 0, len(evidenceMagic)+4+len(e.Header)+sigSize+4+len(e.Plaintext))
	b = append(b, evidenceMagic...)
	b = appendBytes32(b, e.Header)
	b = append(b, e.Signature...)
	return appendBytes32(b, e.Plaintext)
}

// ParseEvidence decodes evidence of at most maxSize bytes (0 means
// DefaultMaxSize) without verifying it; the result aliases data. Refusals:
// too-large, malformed.
func ParseEvidence(data []byte, maxSize int) (*Evidence, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if len(data) > maxSize {
		return nil, refuse(ReasonTooLarge, "evidence of %d bytes exceeds the limit of %d", len(data), maxSize)
	}
	d := &decoder{b: data}
	if string(d.take(len(evidenceMagic))) != evidenceMagic {
		return nil, refuse(ReasonMalformed, "not envelope evidence")
	}
	e := &Evidence{}
	e.Header = d.bytes32(maxHeaderSize)
	e.Signature = d.take(sigSize)
	e.Plaintext = d.bytes32(minInnerSize + MaxTextLen + MaxPayload)
	if err := d.end(); err != nil {
		return nil, refuse(ReasonMalformed, "evidence: %v", err)
	}
	return e, nil
}

// Verify checks the evidence against the sender's key, the one whose key id
// the header names (look it up among the sender's current and superseded
// partner cards), and returns what it proves. Refusals: malformed,
// unsupported, bad-signature.
func (e *Evidence) Verify(key ed25519.PublicKey) (*Opened, error) {
	h, err := decodeHeader(e.Header)
	if err != nil {
		return nil, err
	}
	if err := verifyHeader(h, e.Header, e.Signature, key); err != nil {
		return nil, err
	}
	return contents(h, *e)
}
