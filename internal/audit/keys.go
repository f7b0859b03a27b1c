package audit

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"golang.org/x/mod/sumdb/note"
)

// Origin is the checkpoint origin line, and the signing key name, of an
// agency's audit log, e.g. "liaison.NL-NCB/audit". Partner cards carry it.
func Origin(agency string) string { return "liaison." + agency + "/audit" }

// Keys are the secrets of a node's audit log, all derived from the node's
// Ed25519 signing key (internal/identity), so that nothing but that one key
// file needs protecting and offline verification of a node directory has
// everything it needs:
//
//   - the checkpoint signer, a signed-note Ed25519 key named after the origin;
//   - the event MAC key, HKDF-SHA-256(seed, info "liaison audit event mac v1");
//   - the personal-value hash key, HKDF-SHA-256(seed, info "liaison audit personal hash v1").
//
// Rotating the signing key therefore starts new MAC and hash keys: verifying
// events written before a rotation needs the previous key.
type Keys struct {
	origin   string
	public   ed25519.PublicKey
	signer   note.Signer
	verifier note.Verifier
	vkey     string
	mac      []byte
	personal []byte
}

// NewKeys derives the audit keys of the log named origin from key.
func NewKeys(origin string, key ed25519.PrivateKey) (*Keys, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("audit keys: signing key is not an Ed25519 private key")
	}
	if err := checkOrigin(origin); err != nil {
		return nil, err
	}
	pub := key.Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(origin, pub)
	if err != nil {
		return nil, fmt.Errorf("audit verifier key: %w", err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("audit verifier key: %w", err)
	}
	// The signed-note private key encoding: PRIVATE+KEY+name+hash+base64(0x01 || seed),
	// where hash is the same key hash as in the verifier key.
	skey := fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", origin, verifier.KeyHash(),
		base64.StdEncoding.EncodeToString(append([]byte{1}, key.Seed()...)))
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("audit signer key: %w", err)
	}
	k := &Keys{origin: origin, public: pub, signer: signer, verifier: verifier, vkey: vkey}
	if k.mac, err = hkdf.Key(sha256.New, key.Seed(), nil, "liaison audit event mac v1", 32); err != nil {
		return nil, err
	}
	if k.personal, err = hkdf.Key(sha256.New, key.Seed(), nil, "liaison audit personal hash v1", 32); err != nil {
		return nil, err
	}
	return k, nil
}

// Origin is the log's origin line.
func (k *Keys) Origin() string { return k.origin }

// VerifierKey is the signed-note verifier key of the log's checkpoints
// ("origin+hash+base64"), what a partner or an oversight body pins.
func (k *Keys) VerifierKey() string { return k.vkey }

// Verifier checks the log's checkpoint signatures.
func (k *Keys) Verifier() note.Verifier { return k.verifier }

// eventMAC authenticates the leaf at index: HMAC-SHA-256 over a domain
// label, the index and the leaf hash. Binding the index makes a moved,
// swapped or renumbered event fail at its own position.
func (k *Keys) eventMAC(index uint64, leaf [32]byte) [32]byte {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte("liaison-audit-event-v1\x00"))
	var ib [8]byte
	binary.BigEndian.PutUint64(ib[:], index)
	m.Write(ib[:])
	m.Write(leaf[:])
	var sum [32]byte
	m.Sum(sum[:0])
	return sum
}

// hashPersonal is the keyed hash of a personal value of a given kind.
func (k *Keys) hashPersonal(kind, value string) string {
	m := hmac.New(sha256.New, k.personal)
	m.Write(binary.AppendUvarint(nil, uint64(len(kind)))) // length-prefixed: kind and value cannot run into each other
	m.Write([]byte(kind))
	m.Write([]byte(value))
	return "h1:" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
