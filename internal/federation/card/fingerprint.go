package card

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
)

// KeyID is the raw fingerprint of an agency's signing key: the first 16
// bytes of SHA-256 over a domain string, the agency id and the Ed25519
// public key. 128 bits make finding a second key with a given fingerprint
// (the only attack that matters for an out-of-band check) infeasible, and
// keep the spoken form at 32 hex digits. Envelopes and receipts carry it to
// name the key that signed them, which keeps messages verifiable across a
// key rotation.
type KeyID [16]byte

// KeyIDOf computes the KeyID of an agency's signing key.
func KeyIDOf(agency string, signingKey []byte) KeyID {
	h := sha256.New()
	h.Write(appendString(nil, domainKeyID))
	h.Write(appendString(nil, agency))
	h.Write(appendBytes(nil, signingKey))
	var id KeyID
	copy(id[:], h.Sum(nil))
	return id
}

// String formats the fingerprint for reading aloud: 8 groups of 4 upper-case
// hex digits, e.g. "3F2A-09C4-…".
func (id KeyID) String() string {
	const group = 4
	h := strings.ToUpper(hex.EncodeToString(id[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += group {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(h[i : i+group])
	}
	return b.String()
}

// Fingerprint is the human-readable fingerprint of c, which officers compare
// out of band before trusting the card.
func Fingerprint(c *Card) string { return c.KeyID().String() }

// ParseFingerprint reads a fingerprint as an officer typed it: case does not
// matter, and spaces, hyphens and colons are ignored.
func ParseFingerprint(s string) (KeyID, error) {
	const maxInput = 128 // room for any separators an officer may type
	var id KeyID
	if len(s) > maxInput {
		return id, errs.E(errs.Invalid, "fingerprint", "fingerprint is too long")
	}
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', ':':
			return -1
		}
		return r
	}, s)
	if len(clean) != 2*len(id) {
		return id, errs.Invalidf("fingerprint", "fingerprint must have %d hex digits, got %d", 2*len(id), len(clean))
	}
	if _, err := hex.Decode(id[:], []byte(clean)); err != nil {
		return id, errs.E(errs.Invalid, "fingerprint", "fingerprint must be hexadecimal")
	}
	return id, nil
}

// VerifyFingerprint checks the fingerprint heard out of band against the
// card: errs.Invalid if fp cannot be read, errs.Permission if it differs.
func VerifyFingerprint(c *Card, fp string) error {
	want, err := ParseFingerprint(fp)
	if err != nil {
		return err
	}
	got := c.KeyID()
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return errs.E(errs.Permission, "fingerprint", "fingerprint does not match the card: do not accept it, and verify with the partner")
	}
	return nil
}
