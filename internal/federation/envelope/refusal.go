package envelope

import (
	"errors"
	"fmt"

	"github.com/liaison-project/liaison/internal/errs"
)

// Reason is the stable code of a refusal. Reasons cross the federation
// boundary (a receiving node answers with one) and go into the audit log,
// so they are never renamed.
type Reason string

// The reasons for refusing an envelope or receipt.
const (
	ReasonMalformed      Reason = "malformed"       // cannot be decoded, or a field is invalid
	ReasonTooLarge       Reason = "too-large"       // above the receiver's size limit
	ReasonUnsupported    Reason = "unsupported"     // unknown format version or cipher suite
	ReasonUnknownSender  Reason = "unknown-sender"  // no accepted partner card has the sender's agency and key id
	ReasonBadSignature   Reason = "bad-signature"   // signature, ciphertext hash or payload commitment does not verify
	ReasonWrongRecipient Reason = "wrong-recipient" // addressed to another agency
	ReasonStale          Reason = "stale"           // created longer ago than the receiver accepts
	ReasonFuture         Reason = "future"          // created further in the future than clock skew explains
	ReasonReplay         Reason = "replay"          // this message was already accepted from this sender
	ReasonOutOfWindow    Reason = "out-of-window"   // sequence number below the next expected one, for a message not seen
	ReasonSequenceGap    Reason = "sequence-gap"    // sequence number above the next expected one: earlier messages are missing
	ReasonDecryptFailed  Reason = "decrypt-failed"  // HPKE decryption failed
	ReasonMismatch       Reason = "mismatch"        // a receipt does not acknowledge the envelope it is checked against
)

// kind maps a reason to the error kind the HTTP layer turns into a status.
func (r Reason) kind() errs.Kind {
	switch r {
	case ReasonTooLarge:
		return errs.TooLarge
	case ReasonUnsupported:
		return errs.Unsupported
	case ReasonUnknownSender, ReasonBadSignature:
		return errs.Unauthorized
	case ReasonWrongRecipient:
		return errs.Permission
	case ReasonReplay, ReasonOutOfWindow:
		return errs.Conflict
	case ReasonSequenceGap:
		return errs.Precondition
	default:
		return errs.Invalid
	}
}

// Refusal is the error returned when an envelope or receipt is refused.
// Callers audit Reason and, for sequence refusals, resynchronise with
// Expected. A Refusal wraps an *errs.Error, so errs.KindOf works on it.
type Refusal struct {
	Reason   Reason
	Expected uint64 // for ReasonSequenceGap and ReasonOutOfWindow: the sequence number the receiver expects next
	err      error
}

func (r *Refusal) Error() string { return r.err.Error() }
func (r *Refusal) Unwrap() error { return r.err }

// refuse builds a Refusal whose message starts with the reason code. detail
// must not contain payload or personal data: it is shown to the partner.
func refuse(reason Reason, format string, args ...any) *Refusal {
	msg := string(reason) + ": " + fmt.Sprintf(format, args...)
	return &Refusal{Reason: reason, err: errs.E(reason.kind(), "envelope", msg)}
}

// ReasonOf returns the reason of the Refusal in err's chain, or "" if err is
// not a refusal (a local failure such as a storage error: retry later).
func ReasonOf(err error) Reason {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}
