// Package card is the partner card: the signed statement by which an agency
// node introduces itself to a partner. A card names the agency (id, name,
// country), where its federation endpoints are, the Ed25519 key it signs
// with, the HPKE X-Wing key partners encrypt to, the SPKI pin of its TLS
// certificate, an optional audit-log origin, whether the node is an exercise
// (training) node, and how long all of this holds.
//
// # Trust model
//
// A card is self-signed, so a card on its own proves nothing about who made
// it. Trust comes from the [Fingerprint]: a short digest of the agency id and
// signing key that the two liaison officers read to each other over the
// phone (or another channel they already trust). An administrator accepts a
// card only when [Card.Verify] succeeds and [VerifyFingerprint] matches the
// fingerprint heard out of band; every other field is then authenticated by
// the self-signature.
//
// # Rotation
//
// A node replaces its card with [Rotate]: the new card names the old card's
// fingerprint in Supersedes and carries a second signature by the old
// signing key, so a partner can accept it without another phone call
// ([VerifyRotation]). The same path renews a card whose signing key does not
// change (new endpoints, a new HPKE key or TLS certificate, a later expiry).
// A rotation is only as trustworthy as the old key: if that key is suspected
// compromised, partners must re-verify the new card's fingerprint out of band.
//
// # Compatibility
//
// Signatures cover a versioned, domain-separated, length-prefixed binary
// encoding of the fields, never the JSON text, so
// whitespace or key order in the JSON does not matter and no JSON
// canonicalisation is needed. Version 1 is the only version; a new version
// gets a new encoding and new domain strings.
package card

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hpke"
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/identity"
)

// Version is the card format version this package writes and accepts.
const Version = 1

// Limits and defaults.
const (
	MaxSize         = 16 << 10                 // largest card JSON Parse accepts, in bytes
	DefaultValidity = 365 * 24 * time.Hour     // validity when Params.Validity is zero
	MinValidity     = time.Hour                // shortest validity New accepts
	MaxValidity     = 5 * 365 * 24 * time.Hour // longest validity a card may claim
	ClockSkew       = 5 * time.Minute          // tolerated difference between partners' clocks
	maxURLs         = 8                        // federation endpoints per card
	maxURLLen       = 512                      // bytes per endpoint URL
	maxNameLen      = 256                      // bytes in the agency's display name
	maxOriginLen    = 256                      // bytes in the audit-log origin line
	tlsPinLen       = 64                       // hex digits of a SHA-256
	sigSize         = ed25519.SignatureSize    // bytes in each signature
)

// Card is a partner card. Field order here is the order of the JSON and of
// the signed encoding.
type Card struct {
	Version     int       `json:"version"`
	Agency      string    `json:"agency"`  // agency id, e.g. "NL-NCB" (see CheckAgencyID)
	Name        string    `json:"name"`    // display name
	Country     string    `json:"country"` // ISO 3166-1 alpha-2, or "EU" for EU bodies
	URLs        []string  `json:"urls"`    // https federation endpoints, most preferred first
	SigningKey  []byte    `json:"signingKey"`
	HPKE        HPKEKey   `json:"hpke"`
	TLSPin      string    `json:"tlsPin"`                // hex SHA-256 of the TLS SPKI (identity.CertPin)
	AuditOrigin string    `json:"auditOrigin,omitempty"` // origin line of the node's audit-log checkpoints
	NotBefore   time.Time `json:"notBefore"`
	NotAfter    time.Time `json:"notAfter"`
	Supersedes  string    `json:"supersedes,omitempty"` // fingerprint of the card this one replaces
	// Exercise says the node is an exercise node: a training instance that
	// holds exercise data only and federates only with exercise nodes.
	Exercise   bool       `json:"exercise,omitempty"`
	Signatures Signatures `json:"signatures"`
}

// HPKEKey is an HPKE public key with the id of its KEM.
type HPKEKey struct {
	KEM uint16 `json:"kem"` // HPKE KEM id; identity.KEM().ID() (X-Wing) is the only one accepted
	Key []byte `json:"key"`
}

// Signatures are the card's Ed25519 signatures over its signed bytes.
type Signatures struct {
	Self     []byte `json:"self"`               // by SigningKey
	Previous []byte `json:"previous,omitempty"` // by the superseded card's key, on rotation
}

// Params are the node-chosen parts of a card; the rest comes from the identity.
type Params struct {
	URLs        []string      // https federation endpoints, at least one
	AuditOrigin string        // optional audit-log origin line, e.g. "liaison.NL-NCB/audit"
	Validity    time.Duration // zero means DefaultValidity
	Exercise    bool          // the node is an exercise node
}

// New makes and self-signs the card of id, valid from now for p.Validity.
func New(id *identity.Identity, p Params, now time.Time) (*Card, error) {
	c, err := build(id, p, now)
	if err != nil {
		return nil, err
	}
	c.Signatures.Self = ed25519.Sign(id.SigningKey, c.signedBytes(domainSelf))
	if err := c.Verify(now); err != nil {
		return nil, fmt.Errorf("new card does not verify: %w", err)
	}
	return c, nil
}

// Rotate makes the card that replaces old: built from newID (which may hold
// the same signing key, for a renewal, or a new one), naming old in
// Supersedes, self-signed and signed by oldKey, the private key of old.
func Rotate(old *Card, oldKey ed25519.PrivateKey, newID *identity.Identity, p Params, now time.Time) (*Card, error) {
	if len(oldKey) != ed25519.PrivateKeySize || !bytes.Equal(oldKey.Public().(ed25519.PublicKey), old.SigningKey) {
		return nil, errs.E(errs.Invalid, "card.signingKey", "the old private key does not belong to the old card")
	}
	c, err := build(newID, p, now)
	if err != nil {
		return nil, err
	}
	c.Supersedes = Fingerprint(old)
	c.Signatures.Self = ed25519.Sign(newID.SigningKey, c.signedBytes(domainSelf))
	c.Signatures.Previous = ed25519.Sign(oldKey, c.signedBytes(domainPrevious))
	if err := VerifyRotation(old, c, now); err != nil {
		return nil, fmt.Errorf("rotated card does not verify: %w", err)
	}
	return c, nil
}

func build(id *identity.Identity, p Params, now time.Time) (*Card, error) {
	if id == nil || len(id.SigningKey) != ed25519.PrivateKeySize || id.HPKEKey == nil || len(id.TLS.Certificate) == 0 {
		return nil, errs.E(errs.Invalid, "identity", "identity lacks a signing key, HPKE key or TLS certificate")
	}
	leaf := id.TLS.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(id.TLS.Certificate[0]); err != nil {
			return nil, errs.E(errs.Invalid, "identity.tls", "cannot parse the TLS certificate", err)
		}
	}
	validity := p.Validity
	if validity == 0 {
		validity = DefaultValidity
	}
	if validity < MinValidity || validity > MaxValidity {
		return nil, errs.Invalidf("card.validity", "validity %v is outside [%v, %v]", validity, MinValidity, MaxValidity)
	}
	nb := now.UTC().Truncate(time.Second)
	hk := id.HPKEKey.PublicKey()
	c := &Card{
		Version:     Version,
		Agency:      id.Agency,
		Name:        id.Name,
		Country:     id.Country,
		URLs:        slices.Clone(p.URLs),
		SigningKey:  slices.Clone([]byte(id.SigningKey.Public().(ed25519.PublicKey))),
		HPKE:        HPKEKey{KEM: hk.KEM().ID(), Key: hk.Bytes()},
		TLSPin:      identity.CertPin(leaf),
		AuditOrigin: p.AuditOrigin,
		NotBefore:   nb,
		NotAfter:    nb.Add(validity),
		Exercise:    p.Exercise,
	}
	if err := c.validateFields(); err != nil {
		return nil, err
	}
	return c, nil
}

// Verify checks that the card is well formed, that its self-signature holds
// and that now lies within its validity (allowing ClockSkew). It does not
// check the fingerprint (VerifyFingerprint) or a rotation (VerifyRotation).
// Malformed cards give errs.Invalid; bad signatures and cards outside their
// validity give errs.Permission.
func (c *Card) Verify(now time.Time) error {
	if err := c.validate(); err != nil {
		return err
	}
	if !ed25519.Verify(ed25519.PublicKey(c.SigningKey), c.signedBytes(domainSelf), c.Signatures.Self) {
		return errs.E(errs.Permission, "card.signatures.self", "self-signature does not verify")
	}
	if now.Before(c.NotBefore.Add(-ClockSkew)) {
		return errs.E(errs.Permission, "card.notBefore", "card is not valid before "+c.NotBefore.Format(time.RFC3339))
	}
	if now.After(c.NotAfter.Add(ClockSkew)) {
		return errs.E(errs.Permission, "card.notAfter", "card expired at "+c.NotAfter.Format(time.RFC3339))
	}
	return nil
}

// VerifyRotation checks that next may replace prev: next verifies at now,
// belongs to the same agency, names prev's fingerprint in Supersedes, is
// signed by prev's signing key, and was issued later than prev but before
// prev expired. The issue-time rule stops an older card of the same key
// from being replayed as a "replacement". prev itself must be well formed;
// its own signatures were checked when it was accepted.
func VerifyRotation(prev, next *Card, now time.Time) error {
	if err := prev.validate(); err != nil {
		return fmt.Errorf("previous card: %w", err)
	}
	if err := next.Verify(now); err != nil {
		return err
	}
	if next.Agency != prev.Agency {
		return errs.E(errs.Permission, "card.agency", "a rotated card must keep the agency id "+prev.Agency)
	}
	if next.Exercise != prev.Exercise {
		return errs.E(errs.Permission, "card.exercise", "a rotated card must keep the exercise flag: an exercise node never becomes a real one, nor the converse")
	}
	if next.Supersedes != Fingerprint(prev) {
		return errs.E(errs.Permission, "card.supersedes", "card does not supersede the current card "+Fingerprint(prev))
	}
	if !ed25519.Verify(ed25519.PublicKey(prev.SigningKey), next.signedBytes(domainPrevious), next.Signatures.Previous) {
		return errs.E(errs.Permission, "card.signatures.previous", "not signed by the previous card's key")
	}
	if !next.NotBefore.After(prev.NotBefore) {
		return errs.E(errs.Permission, "card.notBefore", "a replacement must be issued after the card it replaces")
	}
	if next.NotBefore.After(prev.NotAfter) {
		return errs.E(errs.Permission, "card.notBefore", "the replacement was issued after the previous card expired")
	}
	return nil
}

// HPKEPublicKey parses the card's HPKE key. Parsing an X-Wing key costs
// about as much as an Ed25519 signature, so senders parse it once per card
// and keep the result.
func (c *Card) HPKEPublicKey() (hpke.PublicKey, error) {
	if c.HPKE.KEM != identity.KEM().ID() {
		return nil, errs.Invalidf("card.hpke.kem", "HPKE KEM %#04x is not supported", c.HPKE.KEM)
	}
	pk, err := identity.KEM().NewPublicKey(c.HPKE.Key)
	if err != nil {
		return nil, errs.E(errs.Invalid, "card.hpke.key", "not an X-Wing public key")
	}
	return pk, nil
}

// PublicKey returns the card's Ed25519 signing key.
func (c *Card) PublicKey() ed25519.PublicKey { return ed25519.PublicKey(c.SigningKey) }

// KeyID returns the raw fingerprint of the card (see Fingerprint).
func (c *Card) KeyID() KeyID { return KeyIDOf(c.Agency, c.SigningKey) }
