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
	agencies := make([]string, len(to))
	for i, r := range to {
		agencies[i] = r.Agency
	}
	senderKey := card.KeyIDOf(sender.Agency, sender.SigningKey.Public().(ed25519.PublicKey))
	base, err := prepare(sender.Agency, senderKey, m, agencies, now)
	if err != nil {
		return nil, err
	}
	for i, r := range to {
		if r.Seq == 0 {
			return nil, errs.E(errs.Invalid, "envelope.seq", "sequence numbers start at 1")
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

// Check reports whether Seal would accept m from the agency sender to the
// agencies in to, without sealing anything. An outbox calls it when it
// queues a message that it seals later, so that a queued message cannot
// fail to seal. Errors are those of Seal.
func Check(sender string, m Message, to []string) error {
	_, err := prepare(sender, card.KeyID{}, m, to, time.Now())
	return err
}

// prepare validates m and the addressees and returns the header the
// envelopes share, without To, Seq and the two hashes. A zero m.ID gets a
// new UUIDv7.
func prepare(sender string, senderKey card.KeyID, m Message, to []string, now time.Time) (Header, error) {
	if len(m.Payload) > MaxPayload {
		return Header{}, errs.E(errs.TooLarge, "envelope.payload", fmt.Sprintf("payload larger than %d bytes: send it as an attachment", MaxPayload))
	}
	if err := checkText(m.Officer, "envelope.officer"); err != nil {
		return Header{}, err
	}
	if len(to) == 0 {
		return Header{}, errs.E(errs.Invalid, "envelope.to", "no recipients")
	}
	for i, r := range to {
		if slices.Contains(to[:i], r) {
			return Header{}, errs.E(errs.Invalid, "envelope.to["+strconv.Itoa(i)+"]", "recipient "+r+" appears twice")
		}
	}
	id := m.ID
	if id == uuid.Nil {
		var err error
		if id, err = uuid.NewV7(); err != nil {
			return Header{}, fmt.Errorf("message id: %w", err)
		}
	}
	recipients := slices.Clone(m.Recipients)
	if len(recipients) == 0 {
		recipients = slices.Clone(to)
	}
	base := Header{
		ID:         id,
		Sender:     sender,
		SenderKey:  senderKey,
		Recipients: recipients,
		Created:    time.UnixMilli(now.UnixMilli()).UTC(),
		Type:       m.Type,
		Thread:     m.Thread,
		CaseRef:    m.CaseRef,
		Handling:   slices.Clone(m.Handling),
		TLP:        m.TLP,
	}
	// Validate the header as every recipient will get it.
	for _, r := range to {
		h := base
		h.To, h.Seq = r, 1
		if err := h.validate(); err != nil {
			return Header{}, err
		}
	}
	return base, nil
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
