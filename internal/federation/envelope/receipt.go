package envelope

import (
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/card"
	"github.com/liaison-project/liaison/internal/identity"
)

// receiptMagic starts every marshalled receipt.
const receiptMagic = "LRCP"

// maxReceiptSize bounds ParseReceipt: fixed fields, three short strings and
// a signature.
const maxReceiptSize = len(receiptMagic) + receiptBodySize + 3*(1+255) + sigSize

// ReceiptKind says what a receipt acknowledges.
type ReceiptKind uint8

// Receipt kinds. Numbers are part of the wire format.
const (
	Delivered ReceiptKind = 1 // the receiving node accepted and stored the envelope (automatic)
	Read      ReceiptKind = 2 // an officer of the receiving agency opened the message
)

func (k ReceiptKind) String() string {
	switch k {
	case Delivered:
		return "delivered"
	case Read:
		return "read"
	}
	return fmt.Sprintf("receipt-kind(%d)", uint8(k))
}

// Receipt is a recipient agency's signed acknowledgement of one envelope.
// A Delivered receipt is the synchronous answer to a delivery; a Read
// receipt names an officer, so it travels sealed, as the payload of an
// envelope of type "receipt".
type Receipt struct {
	Kind         ReceiptKind
	MessageID    uuid.UUID
	Sender       string     // the agency that sent the acknowledged envelope
	By           string     // the agency acknowledging it (the envelope's To)
	ByKey        card.KeyID // key id of By's signing key
	Officer      string     // Read: the officer who opened it; Delivered: empty
	EnvelopeHash [32]byte   // Wire.Hash of the acknowledged envelope
	Time         time.Time  // when it was delivered or read, in milliseconds
	Signature    []byte
}

// NewReceipt signs a receipt by me for the envelope whose evidence is of.
// officer is required for Read and must be empty for Delivered.
func NewReceipt(me *identity.Identity, kind ReceiptKind, of *Evidence, officer string, now time.Time) (*Receipt, error) {
	h, err := decodeHeader(of.Header)
	if err != nil {
		return nil, fmt.Errorf("receipt for undecodable envelope: %w", err)
	}
	if h.To != me.Agency {
		return nil, errs.E(errs.Invalid, "receipt.by", "cannot acknowledge an envelope addressed to "+h.To)
	}
	r := &Receipt{
		Kind:         kind,
		MessageID:    h.ID,
		Sender:       h.Sender,
		By:           me.Agency,
		ByKey:        card.KeyIDOf(me.Agency, me.SigningKey.Public().(ed25519.PublicKey)),
		Officer:      officer,
		EnvelopeHash: of.Hash(),
		Time:         time.UnixMilli(now.UnixMilli()).UTC(),
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	r.Signature = ed25519.Sign(me.SigningKey, append([]byte(domainReceipt), r.body()...))
	return r, nil
}

func (r *Receipt) validate() error {
	if r.Kind != Delivered && r.Kind != Read {
		return errs.E(errs.Invalid, "receipt.kind", "unknown receipt kind "+r.Kind.String())
	}
	if err := card.CheckAgencyID(r.Sender); err != nil {
		return errs.E(errs.Invalid, "receipt.sender", errs.PublicMessage(err))
	}
	if err := card.CheckAgencyID(r.By); err != nil {
		return errs.E(errs.Invalid, "receipt.by", errs.PublicMessage(err))
	}
	if err := checkText(r.Officer, "receipt.officer"); err != nil {
		return err
	}
	if (r.Kind == Read) != (r.Officer != "") {
		return errs.E(errs.Invalid, "receipt.officer", "a read receipt names the officer, a delivered receipt names none")
	}
	if r.Time.UnixMilli() <= 0 {
		return errs.E(errs.Invalid, "receipt.time", "receipt time is missing")
	}
	return nil
}

// body is the version-1 receipt encoding that the signature covers:
//
//	u8 version | u8 kind | messageID [16] | str8 sender | str8 by |
//	byKey [16] | str8 officer | i64 time (Unix ms) | envelopeHash [32]
func (r *Receipt) body() []byte {
	b := make([]byte, 0, receiptBodySize+3+len(r.Sender)+len(r.By)+len(r.Officer))
	b = append(b, Version, byte(r.Kind))
	b = append(b, r.MessageID[:]...)
	b = appendStr8(b, r.Sender)
	b = appendStr8(b, r.By)
	b = append(b, r.ByKey[:]...)
	b = appendStr8(b, r.Officer)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Time.UnixMilli()))
	return append(b, r.EnvelopeHash[:]...)
}

// Marshal encodes the receipt: "LRCP" | body | signature [64].
func (r *Receipt) Marshal() []byte {
	return append(append([]byte(receiptMagic), r.body()...), r.Signature...)
}

// ParseReceipt decodes a receipt without verifying its signature.
// Refusals: too-large, malformed, unsupported.
func ParseReceipt(data []byte) (*Receipt, error) {
	if len(data) > maxReceiptSize {
		return nil, refuse(ReasonTooLarge, "receipt of %d bytes", len(data))
	}
	d := &decoder{b: data}
	if string(d.take(len(receiptMagic))) != receiptMagic {
		return nil, refuse(ReasonMalformed, "not a receipt")
	}
	if v := d.u8(); d.err == nil && v != Version {
		return nil, refuse(ReasonUnsupported, "receipt version %d", v)
	}
	r := &Receipt{Kind: ReceiptKind(d.u8())}
	d.array(r.MessageID[:])
	r.Sender = d.str8()
	r.By = d.str8()
	d.array(r.ByKey[:])
	r.Officer = d.str8()
	r.Time = time.UnixMilli(int64(d.u64())).UTC()
	d.array(r.EnvelopeHash[:])
	r.Signature = d.take(sigSize)
	if err := d.end(); err != nil {
		return nil, refuse(ReasonMalformed, "receipt: %v", err)
	}
	if err := r.validate(); err != nil {
		return nil, refuse(ReasonMalformed, "%s", errs.PublicMessage(err))
	}
	return r, nil
}

// Verify checks that r is signed by key, the key of agency r.By named by
// r.ByKey, and that it acknowledges exactly the envelope sent (which the
// sender kept in its outbox). Refusals: bad-signature, mismatch.
func (r *Receipt) Verify(key ed25519.PublicKey, sent *Wire) error {
	if sent == nil || sent.h == nil {
		return refuse(ReasonMismatch, "no sent envelope to check the receipt against")
	}
	if len(key) != ed25519.PublicKeySize || card.KeyIDOf(r.By, key) != r.ByKey {
		return refuse(ReasonBadSignature, "the key given is not the key %s named in the receipt", r.ByKey)
	}
	if !ed25519.Verify(key, append([]byte(domainReceipt), r.body()...), r.Signature) {
		return refuse(ReasonBadSignature, "receipt signature does not verify")
	}
	h := sent.h
	sum := sent.Hash()
	switch {
	case r.MessageID != h.ID || r.Sender != h.Sender || r.By != h.To:
		return refuse(ReasonMismatch, "receipt from %s is not for message %s sent to %s", r.By, h.ID, h.To)
	case subtle.ConstantTimeCompare(sum[:], r.EnvelopeHash[:]) != 1:
		return refuse(ReasonMismatch, "receipt acknowledges another envelope of message %s", h.ID)
	case r.Time.Before(h.Created.Add(-DefaultMaxSkew)):
		return refuse(ReasonMismatch, "receipt is dated before the message was sent")
	}
	return nil
}
