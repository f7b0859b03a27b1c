// Package match is the cryptographic core of privacy-preserving hit/no-hit
// matching between agencies: a holder lets a partner test identifiers
// (passport and ID numbers, phones, e-mail addresses, IBANs, wallets,
// plates, VINs, person match keys) against its records without the holder
// seeing the identifiers and without handing the partner a dictionary it
// can test offline.
//
// The package is pure: no storage, no HTTP, no clock of its own, no
// logging. The matching service wires it to partner authentication,
// budgets (package [github.com/liaison-project/liaison/internal/match/budget]),
// audit logs and transport; a querier-side sweep guard lives in
// [github.com/liaison-project/liaison/internal/match/sweep].
//
// # Protocol
//
// The PRF is the RFC 9497 partially-oblivious PRF (POPRF) over
// ristretto255-SHA512, from cloudflare/circl: F_k(x, info), where x is the
// identifier, hidden from the holder, and info is public.
//
//  1. Each epoch the holder draws a key and publishes its [Announcement]
//     (epoch, validity window, public key) to every partner.
//  2. For each partner P the holder builds a [View]: for every identifier
//     value in records P may match, the entry (tag, sealed reference) with
//     y = F_k(type‖0‖value, info(holder, P, type, epoch)),
//     tag = HKDF(y, "tag")[:12], and the sealed reference
//     AES-256-GCM(HKDF(y, "seal"), ref). The view is padded with random
//     dummy entries and published to P as a [Snapshot], then [Delta]s.
//     P keeps it as a [Table].
//  3. Online, P blinds its values ([Querier.Query]), sends one
//     [EvalRequest], the holder answers with an [EvalResponse] carrying a
//     DLEQ proof ([Holder.Evaluate]), and P verifies the proof against the
//     announced key, finalises, and looks the tags up in its local copy of
//     the table ([Pending.Finalize]). On a hit it opens the sealed
//     reference. The holder never learns whether anything hit.
//  4. On a hit the officer quotes the [Ref] in the legal follow-up; the
//     holder resolves it to records (it stored what [View.Add] returned,
//     or recomputes with [Holder.Ref]). Only then is personal data
//     exchanged, as in Prüm's second step.
//
// Bulk list intersection ([Bulk]) is the same exchange in batches of up to
// [MaxBatch] with one proof per batch, resumable from a checkpoint.
//
// # Design decisions and what they defend against
//
// Verifiable, partially oblivious. Every evaluation carries a DLEQ proof
// against the announced epoch key tweaked by the info the querier computes
// itself. A holder that evaluates one query with another key, for instance
// a key kept for one querier or one target, fails the proof ([ErrBadProof]);
// so does one that evaluates under another partner's info. There is one
// key per holder and epoch for all partners, so partners (or a
// transparency log) can compare announcements to rule out a per-partner key.
//
// The info binds holder, querier, identifier type, epoch and protocol
// version, so outputs for partner A are useless to partner B, an e-mail
// budget cannot buy passport evaluations (the holder meters the type it can
// see in the info), and outputs die with the epoch. The holder builds info
// from the authenticated partner identity, never from the request.
//
// Purpose and case are not in the info: the tag table is precomputed per
// (partner, epoch), and binding a per-query field would need a table per
// purpose or case. They travel in the request, are charged against budgets
// per (partner, type, case), and are logged by the holder. A querier could
// misdeclare them; the per-partner daily cap bounds what that buys, and the
// audit trail records the declaration.
//
// One view per partner. Tags depend on the partner, so each partner gets
// its own table, and records whose envelope forbids matching for a partner
// are simply never added to that partner's view. The price is build cost:
// every partner's view costs one FullEvaluate per value, so P partners and
// N values cost P·N evaluations per epoch (see docs/benchmarks/match.md). A
// later option is to let partners with identical permissions share an
// "audience" id in place of the partner id.
//
// Tags published, lookups local. Because the querier holds the table, the
// holder cannot tell a hit from a miss, and cannot answer selectively per
// value. Holding the table gives the querier nothing offline: without an
// evaluation, which is metered, audited and proven, it cannot compute a
// single tag. This is the difference to shared deterministic filters (FIU.net
// Ma3tch, Bloom-filter linkage), which are unmetered offline dictionaries.
//
// Tag length. A tag is 12 bytes (96 bits). A query against a table of
// N = 10^7 ≈ 2^23.3 entries collides by chance with probability N/2^96 ≈
// 2^-72.7; after 2^40 queries the chance of any false hit is 2^-32. Within
// one table, two of 10^7 values share a tag with probability N²/2^97 ≈
// 2^-50, and [View.Add] refuses such a collision rather than overwrite. A
// false tag match is in any case caught by the AEAD: the sealed reference
// only opens with the real value's key, so a wrong entry is reported as
// [ErrCorruptEntry], never as a hit.
//
// Sealed references. The seal key is unique per (epoch key, holder, partner,
// type, value) and the plaintext, a [Ref], is a deterministic PRF of the
// same inputs under the epoch's reference key, so each key only ever
// encrypts one plaintext and a fixed nonce is safe. The Ref is 16 bytes and
// fixed-size, so entries are all 44 bytes and reveal nothing about how many
// records share a value. A querier opens a reference only with the PRF output
// of that value, which only an evaluation gives it.
//
// Padding. A table of n real entries is published with [PaddedSize](n)
// entries (3–10% dummies, at least 16), and every delta adds at least 16
// entries, rounded up the same way by rotating dummies, so partners learn
// the size and churn of the index only to within a few percent. Dummies are
// uniformly random and indistinguishable from real entries.
//
// # Key management
//
// Each epoch has a fresh random POPRF key and reference key ([EpochKey]),
// generated by the holder, stored by the service encrypted at rest, and
// destroyed after the epoch's window ([Holder.DropExpired] forgets them in
// memory; the service deletes the stored copy). Keys are not derived from a
// long-term master secret, so a later compromise cannot revive old
// published tables as dictionaries. [Schedule] turns a clock into epochs
// that overlap by a grace period so that queriers can switch tables
// without gaps; outside its window an epoch is refused on both sides
// ([ErrEpochInactive]). The announcement is public; its signature (partner
// card, epoch announcement) is the transport's business. Queriers hold no
// long-term secrets here: blinding scalars live only in a [Pending].
//
// # Compatibility promises
//
// Version 1 fixes the suite (ristretto255-SHA512, POPRF mode), the info and
// input encodings, the HKDF labels, the 12-byte tag, the 16-byte Ref, the
// 32-byte sealed reference, the [Type] numbers and the binary encodings of
// requests ("LMQ\x01"), responses ("LMS\x01"), announcements ("LMA\x01"),
// snapshots ("LMT\x01"), deltas ("LMD\x01"), epoch keys ("LMK\x01") and bulk
// checkpoints ("LMB\x01"). Derivations are pinned by a known-answer test.
// Any change to them is a new version; because tables live for one epoch,
// a new version is rolled out at an epoch boundary, and decoders reject
// versions they do not know with errs.Invalid. Type numbers are never reused.
//
// # Errors
//
// Decoders and entry points return [errs.Invalid] (or errs.TooLarge) naming
// the offending field for malformed points, wrong lengths and counts,
// unknown types and versions, and [ErrEpochInactive] for expired or
// unknown epochs. A proof that fails is [ErrBadProof], distinct from
// malformed input because it means the holder misbehaved.
package match
