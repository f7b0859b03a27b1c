package envelope

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"

	"github.com/liaison-project/liaison/internal/federation/card"
)

// wireMagic starts every marshalled envelope.
const wireMagic = "LENV"

// Wire is a sealed envelope as it travels: the signed header bytes, the
// signature and the ciphertext. Wires come from Seal or Unmarshal; the
// parsed header is read-only, and Header returns a copy.
type Wire struct {
	h          *Header
	header     []byte // exactly the bytes the signature covers (after the domain string)
	sig        []byte
	ciphertext []byte
}

// Header returns a copy of the envelope's header. Before Open or Verify it
// is unauthenticated: use it only to route, or to find the sender's key.
func (w *Wire) Header() Header { return cloneHeader(w.h) }

// Hash is SHA-256 of the signed header bytes. It names this exact envelope
// (receipts refer to it), and through the header's hashes its ciphertext
// and plaintext too.
func (w *Wire) Hash() [32]byte { return sha256.Sum256(w.header) }

// Size is the length of the marshalled envelope.
func (w *Wire) Size() int {
	return len(wireMagic) + 4 + len(w.header) + sigSize + 4 + len(w.ciphertext)
}

// Marshal encodes the envelope, version 1:
//
//	"LENV" | u32 headerLen | header | signature [64] | u32 ciphertextLen | ciphertext
//
// Integers are big-endian; str8 is a one-byte length and that many bytes.
// The header is
//
//	u8 version (1) | message id [16] | str8 sender | sender key id [16] |
//	str8 to | u8 n, n × str8 recipients | u64 seq | i64 created (Unix ms) |
//	str8 type | str8 thread | str8 caseRef | u8 n, n × str8 handling |
//	str8 tlp | u16 kem | u16 kdf | u16 aead | commitment [32] | ciphertext SHA-256 [32]
//
// and the signature is Ed25519 over "liaison/envelope/v1/header\x00" || header.
// The ciphertext is HPKE's encapsulated key followed by the AEAD output;
// the sealed plaintext inside is
//
//	u8 version (1) | salt [32] | str8 officer | payload (the rest)
//
// and the commitment is SHA-256 over "liaison/envelope/v1/commitment\x00" || plaintext.
// The HPKE info string is
//
//	"liaison/envelope/v1/hpke-info\x00" | u8 version | str8 sender | str8 to |
//	message id [16] | str8 type | u64 seq
//
// The sender key id is card.KeyIDOf(sender, key), the raw card fingerprint.
func (w *Wire) Marshal() []byte {
	b := make([]byte, 0, w.Size())
	b = append(b, wireMagic...)
	b = appendBytes32(b, w.header)
	b = append(b, w.sig...)
	return appendBytes32(b, w.ciphertext)
}

// Unmarshal decodes and validates an envelope of at most maxSize bytes (0
// means DefaultMaxSize). It checks the syntax of every header field but no
// signature. The Wire aliases data, which must not be modified afterwards.
// Refusals: too-large, malformed, unsupported.
func Unmarshal(data []byte, maxSize int) (*Wire, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if len(data) > maxSize {
		return nil, refuse(ReasonTooLarge, "envelope of %d bytes exceeds the limit of %d", len(data), maxSize)
	}
	d := &decoder{b: data}
	if string(d.take(len(wireMagic))) != wireMagic {
		return nil, refuse(ReasonMalformed, "not an envelope")
	}
	w := &Wire{}
	w.header = d.bytes32(maxHeaderSize)
	w.sig = d.take(sigSize)
	w.ciphertext = d.bytes32(maxCiphertext)
	if err := d.end(); err != nil {
		return nil, refuse(ReasonMalformed, "envelope: %v", err)
	}
	if len(w.ciphertext) < minCiphertext {
		return nil, refuse(ReasonMalformed, "ciphertext of %d bytes is shorter than any sealed message", len(w.ciphertext))
	}
	h, err := decodeHeader(w.header)
	if err != nil {
		return nil, err
	}
	w.h = h
	return w, nil
}

// Verify checks, without decrypting, that key is the sender's key named in
// the header, that the signature over the header holds and that the
// ciphertext is the one the sender signed. A relay or a receiving node's
// front end calls it to drop forgeries and garbage cheaply; Open calls it
// too. Refusal: bad-signature.
func (w *Wire) Verify(key ed25519.PublicKey) error {
	if w.h == nil {
		return refuse(ReasonMalformed, "not a decoded envelope")
	}
	if err := verifyHeader(w.h, w.header, w.sig, key); err != nil {
		return err
	}
	sum := sha256.Sum256(w.ciphertext)
	if subtle.ConstantTimeCompare(sum[:], w.h.CiphertextHash[:]) != 1 {
		return refuse(ReasonBadSignature, "ciphertext does not match the signed hash")
	}
	return nil
}

// verifyHeader checks the signature over a header, by the key it names.
func verifyHeader(h *Header, header, sig []byte, key ed25519.PublicKey) error {
	if len(key) != ed25519.PublicKeySize || card.KeyIDOf(h.Sender, key) != h.SenderKey {
		return refuse(ReasonBadSignature, "the key given is not the sender key %s named in the envelope", h.SenderKey)
	}
	if !ed25519.Verify(key, signedMessage(header), sig) {
		return refuse(ReasonBadSignature, "signature does not verify")
	}
	return nil
}
