package envelope

import (
	"crypto/ed25519"
	"crypto/hpke"
	"fmt"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/card"
	"github.com/liaison-project/liaison/internal/identity"
)

// KeyLookup returns the Ed25519 key of the accepted partner card of agency
// whose key id is key. It returns an error of kind errs.NotExist when there
// is none (unknown agency, unknown or withdrawn key); other errors mean the
// lookup failed and the delivery should be retried. During a rotation it
// should keep answering for the superseded key while envelopes signed by it
// may still be in flight.
type KeyLookup func(agency string, key card.KeyID) (ed25519.PublicKey, error)

// OpenOptions configure Open.
type OpenOptions struct {
	Keys    KeyLookup     // required
	Guard   ReplayGuard   // required; Open only calls Check
	MaxSkew time.Duration // tolerated clock skew for created times in the future; 0 means DefaultMaxSkew
	MaxAge  time.Duration // oldest created time accepted; 0 means DefaultMaxAge
}

// Opened is an accepted envelope's content.
type Opened struct {
	Header   Header
	Officer  string   // the sending officer; empty for node-generated messages
	Payload  []byte   // aliases Evidence.Plaintext
	Evidence Evidence // keep it: it proves what the sender sent
}

// Open authenticates, checks and decrypts an envelope addressed to me. The
// checks run cheapest and most basic first: recipient, sender key, signature
// and ciphertext hash, time window, replay guard, decryption and payload
// commitment. The first failure is returned as a *Refusal (wrong-recipient,
// unknown-sender, bad-signature, stale, future, replay, out-of-window,
// sequence-gap, decrypt-failed, malformed). Errors that are not refusals
// (a failed key lookup or guard) mean: retry later.
//
// Open changes no state. The caller stores the message and calls
// opts.Guard.Record in one transaction, and only then acknowledges it.
func Open(w *Wire, me *identity.Identity, now time.Time, opts OpenOptions) (*Opened, error) {
	if opts.Keys == nil || opts.Guard == nil {
		return nil, errs.E(errs.Internal, "envelope.Open needs a key lookup and a replay guard")
	}
	if me == nil || me.HPKEKey == nil {
		return nil, errs.E(errs.Internal, "envelope.Open needs the node's HPKE key")
	}
	if w == nil || w.h == nil {
		return nil, refuse(ReasonMalformed, "not a decoded envelope")
	}
	h := w.h
	if h.To != me.Agency {
		return nil, refuse(ReasonWrongRecipient, "envelope is for %s, this node is %s", h.To, me.Agency)
	}
	key, err := opts.Keys(h.Sender, h.SenderKey)
	if errs.Is(err, errs.NotExist) {
		return nil, refuse(ReasonUnknownSender, "no accepted partner card for %s with key %s", h.Sender, h.SenderKey)
	}
	if err != nil {
		return nil, fmt.Errorf("look up key of %s: %w", h.Sender, err)
	}
	if err := w.Verify(key); err != nil {
		return nil, err
	}
	if err := checkTime(h.Created, now, opts); err != nil {
		return nil, err
	}
	if err := opts.Guard.Check(h); err != nil {
		return nil, err
	}
	inner, err := hpke.Open(me.HPKEKey, suiteKDF, suiteAEAD, hpkeInfo(h), w.ciphertext)
	if err != nil {
		return nil, refuse(ReasonDecryptFailed, "cannot decrypt the payload")
	}
	return contents(h, Evidence{Header: w.header, Signature: w.sig, Plaintext: inner})
}

func checkTime(created, now time.Time, opts OpenOptions) error {
	skew, age := opts.MaxSkew, opts.MaxAge
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if age <= 0 {
		age = DefaultMaxAge
	}
	if created.After(now.Add(skew)) {
		return refuse(ReasonFuture, "created %s, more than %v ahead of this node's clock", created.Format(time.RFC3339), skew)
	}
	if created.Before(now.Add(-age)) {
		return refuse(ReasonStale, "created %s, more than %v ago", created.Format(time.RFC3339), age)
	}
	return nil
}

// contents checks the plaintext against the signed commitment and splits
// it into officer and payload. The header's signature must already hold.
func contents(h *Header, ev Evidence) (*Opened, error) {
	if commit(ev.Plaintext) != h.Commitment {
		return nil, refuse(ReasonBadSignature, "payload does not match the signed commitment")
	}
	d := &decoder{b: ev.Plaintext}
	if v := d.u8(); d.err == nil && v != Version {
		return nil, refuse(ReasonUnsupported, "sealed payload version %d", v)
	}
	d.take(saltSize)
	officer := d.str8()
	if d.err != nil {
		return nil, refuse(ReasonMalformed, "sealed payload: %v", d.err)
	}
	if err := checkText(officer, "envelope.officer"); err != nil {
		return nil, refuse(ReasonMalformed, "%s", errs.PublicMessage(err))
	}
	if len(d.b) > MaxPayload {
		return nil, refuse(ReasonTooLarge, "payload larger than %d bytes", MaxPayload)
	}
	return &Opened{Header: cloneHeader(h), Officer: officer, Payload: d.b, Evidence: ev}, nil
}

// errNoKey is what a KeyLookup over a fixed key returns for other keys.
var errNoKey = errs.E(errs.NotExist, "no such partner key")

// StaticKeys is a KeyLookup over a fixed set of partner cards, for tests
// and tools.
func StaticKeys(cards ...*card.Card) KeyLookup {
	return func(agency string, key card.KeyID) (ed25519.PublicKey, error) {
		for _, c := range cards {
			if c.Agency == agency && c.KeyID() == key {
				return c.PublicKey(), nil
			}
		}
		return nil, errNoKey
	}
}
