// Package envelope is the unit two federated agency nodes exchange: a
// message sealed to one recipient agency, signed by the sending agency, with
// the officer who sent it inside the signed part. It also defines signed
// receipts ("delivered", "read") and the evidence a recipient keeps.
//
// The package is pure: no storage, no network. The transport, outbox and
// inbox build on [Seal], [Unmarshal], [Open], [ReplayGuard] and [Receipt].
//
// # One envelope per recipient
//
// A message to three agencies is sealed into three envelopes that share a
// message id (a UUIDv7). Each envelope names its one recipient (To), carries
// that pair's sequence number, its own HPKE ciphertext and its own
// signature. Per-pair ordering and per-recipient encryption then need no
// further structure. Every envelope still lists all addressees
// (Recipients), so each recipient knows who else received the message, which
// TLP:RED and handling code H2 depend on.
//
// # Signing and encryption
//
// The sender signs the header (Ed25519, domain-separated). The header
// commits to both the plaintext and the ciphertext:
//
//   - The payload commitment is SHA-256 over the sealed plaintext. That
//     plaintext starts with 32 random bytes, so the commitment binds the
//     sender to the payload without letting anyone who sees the header
//     confirm a guessed payload.
//   - The ciphertext hash lets a relay, or the receiving node's front end,
//     verify the signature and drop garbage before it spends a decryption
//     ([Wire.Verify]).
//
// The sealed plaintext holds the officer id and the payload. The officer is
// therefore signed, through the commitment, without being visible to relays.
//
// On success, [Open] returns [Evidence]: the signed header bytes, the
// signature and the plaintext. Anyone with the sender's partner card can
// check evidence ([Evidence.Verify]) without the recipient's private key. This
// non-repudiation is what lets a recipient show a court what the sender sent.
// It also means a recipient can always prove what it received.
//
// HPKE (RFC 9180, base mode) uses X-Wing (ML-KEM-768 + X25519), HKDF-SHA256
// and AES-256-GCM. AES-256-GCM was chosen over ChaCha20-Poly1305 because
// nodes are servers with AES instructions, where it seals a 1 MiB payload
// about 1.8 times faster (measured on the development machine). The HPKE
// info string binds the protocol version, sender, recipient, message id,
// type and sequence number. A ciphertext moved into another envelope
// therefore fails to decrypt, as well as failing the signed ciphertext hash.
//
// # Threat model
//
//   - A network attacker or relay sees the headers (agency ids, type, labels,
//     sizes, times) but not the payload or the officer. It cannot forge,
//     alter, transplant or re-address envelopes. Replays and reordering
//     are refused by the per-pair sequence number and the message id.
//   - A recipient can read and prove what was sent to it, which is
//     intended. It cannot present that message to a third agency as
//     addressed to them, because To is signed and the third agency refuses
//     with wrong-recipient. It also cannot alter the message.
//   - A stolen signing key allows forgeries until the partner card is
//     rotated or withdrawn. A stolen HPKE key exposes every message sealed
//     to it. Store-and-forward with evidence value rules out forward secrecy.
//     The hybrid KEM keeps recorded traffic safe from a future quantum
//     computer.
//   - Not covered: traffic analysis, and metadata privacy towards the
//     receiving node. Deniability is deliberately absent.
//
// # Refusals
//
// [Open] and the receipt and evidence checks refuse input with a [Refusal]
// that carries a stable [Reason] code. [Open] has no side effects. It asks the
// [ReplayGuard] whether the sequence number and id are acceptable, but the
// caller records the message ([ReplayGuard.Record]) in the same transaction
// that stores it. So a refused or failed delivery changes no state.
//
// # Compatibility
//
// The wire formats are versioned binary encodings, described next to
// [Wire.Marshal], [Evidence.Marshal] and [Receipt.Marshal]. Version 1 is the
// only version. The cipher suite ids travel in the signed header, so a
// future suite can be added alongside this one.
package envelope

import (
	"crypto/hpke"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/federation/card"
	"github.com/liaison-project/liaison/internal/identity"
)

// Version is the envelope format version.
const Version = 1

// Limits and defaults.
const (
	MaxPayload      = 16 << 20            // largest inline payload; attachments travel separately, in chunks
	DefaultMaxSize  = MaxPayload + 64<<10 // default limit for Unmarshal and ParseEvidence
	MaxRecipients   = 64                  // addressees of one message
	MaxLabels       = 8                   // handling codes on one envelope
	MaxLabelLen     = 64                  // bytes in a handling code
	MaxTypeLen      = 64                  // bytes in a message type
	MaxTextLen      = 128                 // bytes in a thread id, case reference or officer id
	DefaultMaxSkew  = 5 * time.Minute     // how far in the future a created time may lie
	DefaultMaxAge   = 7 * 24 * time.Hour  // how old an envelope may be on arrival
	maxHeaderSize   = 16 << 10            // larger than any valid header
	sigSize         = 64                  // Ed25519 signature
	saltSize        = 32                  // random prefix of the sealed plaintext
	xwingEncSize    = 1120                // X-Wing encapsulated key: ML-KEM-768 ciphertext + X25519 share
	aeadTagSize     = 16                  // AES-256-GCM tag
	minInnerSize    = 1 + saltSize + 1    // version, salt, empty officer
	minCiphertext   = xwingEncSize + minInnerSize + aeadTagSize
	maxCiphertext   = xwingEncSize + minInnerSize + MaxTextLen + MaxPayload + aeadTagSize
	receiptBodySize = 1 + 1 + 16 + 16 + 8 + 32 // fixed-size receipt fields, see Receipt.Marshal
)

// The HPKE cipher suite of version 1.
var (
	suiteKEM  = identity.KEM()
	suiteKDF  = hpke.HKDFSHA256()
	suiteAEAD = hpke.AES256GCM()
)

// Message types known to Liaison's services. Other types are allowed if
// their names are valid (see CheckType); a receiver that does not handle a
// type says so at the application level, not by refusing the envelope.
const (
	TypeMessage           = "message"
	TypeReceipt           = "receipt"
	TypeRecordShare       = "record-share"
	TypeRecordUpdate      = "record-update"
	TypeRecordTombstone   = "record-tombstone"
	TypePermissionRequest = "permission-request"
	TypePermissionAnswer  = "permission-answer"
	TypeCheckpoint        = "checkpoint"
	TypeCosignature       = "cosignature"
	TypeHitFollowUp       = "hit-follow-up"
	TypeNoticePublish     = "notice-publish"
	TypeNoticeUpdate      = "notice-update"
	TypeNoticeCancel      = "notice-cancel"
	TypeHello             = "hello"
)

// KnownTypes lists the registered message types.
var KnownTypes = []string{
	TypeMessage, TypeReceipt, TypeRecordShare, TypeRecordUpdate, TypeRecordTombstone,
	TypePermissionRequest, TypePermissionAnswer, TypeCheckpoint, TypeCosignature,
	TypeHitFollowUp, TypeNoticePublish, TypeNoticeUpdate, TypeNoticeCancel, TypeHello,
}

// TLP 2.0 labels, as FIRST spells them.
var tlpLabels = []string{"TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"}

// Header is the signed, unencrypted part of an envelope.
type Header struct {
	ID         uuid.UUID  // message id, a UUIDv7, shared by the envelopes of one message
	Sender     string     // sending agency id
	SenderKey  card.KeyID // key id of the sender's partner card whose key signed this
	To         string     // the agency this envelope is sealed to
	Recipients []string   // every addressee of the message, To among them
	Seq        uint64     // per-pair (Sender→To) sequence number, from 1
	Created    time.Time  // when the sender sealed it, in milliseconds
	Type       string     // message type, see KnownTypes and CheckType
	Thread     string     // optional thread id, to group a conversation
	CaseRef    string     // optional case reference
	Handling   []string   // handling codes (e.g. "H0", "H2"), opaque labels for the transport
	TLP        string     // optional TLP 2.0 label, e.g. "TLP:AMBER"

	Commitment     [32]byte // SHA-256 commitment to the sealed plaintext
	CiphertextHash [32]byte // SHA-256 of the HPKE ciphertext
}

// Message is what a sender seals: the header fields it chooses, the officer
// and the payload.
type Message struct {
	ID         uuid.UUID // zero: Seal assigns a new UUIDv7; set it to re-seal a message for a retry
	Type       string
	Thread     string
	CaseRef    string
	Handling   []string
	TLP        string
	Officer    string   // id of the sending officer; empty for messages the node sends by itself
	Recipients []string // all addressees; empty means the agencies sealed to
	Payload    []byte
}

// Recipient is one agency a message is sealed to.
type Recipient struct {
	Agency string
	Key    hpke.PublicKey // the partner card's X-Wing key (card.Card.HPKEPublicKey), parsed once per card
	Seq    uint64         // this pair's next sequence number, assigned by the outbox
}

// RecipientOf takes the recipient's agency and HPKE key from its partner
// card. It parses the key each time: senders that seal often cache
// Card.HPKEPublicKey instead.
func RecipientOf(c *card.Card, seq uint64) (Recipient, error) {
	pk, err := c.HPKEPublicKey()
	if err != nil {
		return Recipient{}, err
	}
	return Recipient{Agency: c.Agency, Key: pk, Seq: seq}, nil
}
