package envelope

import (
	"crypto/ed25519"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/card"
	"github.com/liaison-project/liaison/internal/identity"
)

// Seal signs and encrypts m from sender to each recipient in to, returning
// one envelope per recipient, in the order of to. All envelopes share the
// message id. Invalid input gives errs.Invalid (or errs.TooLarge for the
// payload); nothing is sealed unless everything is valid.
func Seal(sender *identity.Identity, m Message, to []Recipient, now time.Time) ([]*Wire, error) {
	if sender == nil || len(sender.SigningKey) != ed25519.PrivateKeySize {
		return nil, errs.E(errs.Invalid, "sender", "sender identity has no signing key")
	}
	if len(m.Payload) > MaxPayload {
		return nil, errs.E(errs.TooLarge, "envelope.payload", fmt.Sprintf("payload larger than %d bytes: send it as an attachment", MaxPayload))
	}
	if err := checkText(m.Officer, "envelope.officer"); err != nil {
		return nil, err
	}
	if len(to) == 0 {
		return nil, errs.E(errs.Invalid, "envelope.to", "no recipients")
	}
	for i, r := range to {
		for _, prev := range to[:i] {
			if prev.Agency == r.Agency {
				return nil, errs.E(errs.Invalid, "envelope.to["+strconv.Itoa(i)+"]", "recipient "+r.Agency+" appears twice")
			}
		}
	}
	id := m.ID
	if id == uuid.Nil {
		var err error
		if id, err = uuid.NewV7(); err != nil {
			return nil, fmt.Errorf("message id: %w", err)
		}
	}
	recipients := slices.Clone(m.Recipients)
	if len(recipients) == 0 {
		for _, r := range to {
			recipients = append(recipients, r.Agency)
		}
	}
	base := Header{
		ID:         id,
		Sender:     sender.Agency,
		SenderKey:  card.KeyIDOf(sender.Agency, sender.SigningKey.Public().(ed25519.PublicKey)),
		Recipients: recipients,
		Created:    time.UnixMilli(now.UnixMilli()).UTC(),
		Type:       m.Type,
		Thread:     m.Thread,
		CaseRef:    m.CaseRef,
		Handling:   slices.Clone(m.Handling),
		TLP:        m.TLP,
	}

	// Validate every recipient before sealing to any.
	for i, r := range to {
		h := base
		h.To, h.Seq = r.Agency, r.Seq
		if err := h.validate(); err != nil {
			return nil, err
		}
		if r.Key == nil || r.Key.KEM().ID() != suiteKEM.ID() {
			return nil, errs.E(errs.Invalid, "envelope.to["+strconv.Itoa(i)+"]", "recipient's HPKE key is not an X-Wing public key")
		}
	}

	out := make([]*Wire, len(to))
	for i, r := range to {
		h := cloneHeader(&base)
		h.To, h.Seq = r.Agency, r.Seq
		w, err := sealOne(sender.SigningKey, &h, m.Officer, m.Payload, r.Key)
		if err != nil {
			return nil, err
		}
		out[i] = w
	}
	return out, nil
}

// sealOne builds one envelope. h is complete but for the two hashes.
func sealOne(key ed25519.PrivateKey, h *Header, officer string, payload []byte, pk hpke.PublicKey) (*Wire, error) {
	inner := make([]byte, 0, minInnerSize+len(officer)+len(payload))
	inner = append(inner, Version)
	inner = append(inner, make([]byte, saltSize)...)
	rand.Read(inner[1 : 1+saltSize]) // never fails (crypto/rand)
	inner = appendStr8(inner, officer)
	inner = append(inner, payload...)

	ct, err := hpke.Seal(pk, suiteKDF, suiteAEAD, hpkeInfo(h), inner)
	if err != nil {
		return nil, fmt.Errorf("hpke seal to %s: %w", h.To, err)
	}
	h.Commitment = commit(inner)
	h.CiphertextHash = sha256.Sum256(ct)
	header := encodeHeader(h)
	return &Wire{
		h:          h,
		header:     header,
		sig:        ed25519.Sign(key, signedMessage(header)),
		ciphertext: ct,
	}, nil
}
