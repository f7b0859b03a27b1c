// Package audit is the node's tamper-evident log of every collection,
// alteration, consultation, disclosure, combination and erasure of personal
// data (Directive 2016/680 Art. 25), and of security events (logins, tokens,
// users, configuration, partners).
//
// # Events
//
// An [Event] records who (user, agency, role, token), what (kind, object
// ids), why (justification, case reference, purpose, legal basis), to whom
// (recipients of a disclosure), the request id and the outcome. It holds
// ids and keyed hashes ([Log.HashPersonal]) of personal data, never the
// data itself, so an erased record leaves its erase event and nothing
// personal behind.
//
// Events are appended inside the same database transaction as the action
// they record ([Log.Append] takes the caller's *db.Tx): no action without
// its event, no event without its action. A read of personal data records
// its consult event in a write that must commit before the data leaves the
// node ([Log.Record], which puts concurrent reads' events in one insert);
// if the event cannot be written, the read fails.
//
// # Sequencing
//
// Append gives each event the next leaf index inside the transaction, so
// indexes follow commit order, and an append whose savepoint rolls back
// hands its index to the next one: the leaves have no gaps. On PostgreSQL
// a counter row (audit_head) serialises appenders until commit; on SQLite
// the single writer connection already does, and the insert checks its
// guessed index against the largest stored one (see insertEventRows).
//
// # Canonical encoding and leaves
//
// Each event is stored as its canonical, versioned binary encoding
// ([EncodeEvent], [EncodingV1]): fixed field order, fixed-width lengths, the
// leaf index inside, and a strict, bounded decoder ([DecodeEvent]) that
// accepts exactly what the encoder produces. The Merkle leaf is the RFC 6962
// leaf hash of the encoding ([LeafHash]). Beside it the row holds a MAC,
// HMAC-SHA-256 under a key derived from the node's signing key over the
// leaf index and leaf hash, and search columns (time, kind, actor, agency,
// case; objects in audit_objects) derived from the encoding.
//
// # Tree and checkpoints
//
// A background integrator ([Log.Run]) reads the newly committed events,
// checks each one's position, leaf hash and MAC, appends them to an RFC 6962
// Merkle tree (transparency-dev/merkle) and signs a checkpoint at least
// every [DefaultCheckpointInterval] while events arrive, on demand
// ([Log.Checkpoint]), at shutdown and when the log is opened — so events a
// crash left uncovered are covered after restart. Checkpoints are C2SP
// tlog-checkpoint signed notes (golang.org/x/mod/sumdb/note) under the
// agency's Ed25519 key with the origin "liaison.<agency>/audit"
// ([Origin]); every one is kept. The tree keeps inner nodes from level 3 up
// in memory (8 bytes per event) and the leaf hashes of the most recent
// events ([DefaultMemoryLeaves], 32 bytes each); lower nodes are recomputed
// from blocks of 8 leaf hashes, read from storage for older events, so a
// proof costs a few hashes and at most two small reads.
// Opening a log rebuilds the tree from the stored leaf hashes and checks it
// against the latest checkpoint; a log whose storage contradicts its
// checkpoints keeps recording but stops signing and serving proofs
// ([Log.Err]) until `liaison audit verify` has located the damage.
//
// Partner witnesses cosign checkpoints in the C2SP tlog-cosignature format
// ([Cosigner], [CosignatureVerifier]); [Log.AddCosignatures] accepts and
// stores cosignatures of known witness keys ([WitnessKeys]). The exchange
// between nodes comes with federation.
//
// # Verification and what it catches
//
// [Verify] recomputes everything from storage offline and names the first
// bad leaf index. Without the node key, an attacker with SQL access cannot
// edit, delete, insert, reorder or truncate events unnoticed: the MAC binds
// each event to its index, a missing index shows as a gap, and a checkpoint
// covering more events than are stored shows truncation. Truncating the
// tail together with the checkpoints covering it is only visible against
// checkpoints kept outside the node (`liaison audit checkpoint save`,
// witness cosignatures) — as is a consistent rewrite by someone holding the
// node key, located to the events after the last matching checkpoint.
// Exports ([ExportFormat]) carry the signed checkpoint and an inclusion
// proof per event, so an oversight body verifies them with the binary alone
// ([VerifyExport]).
//
// # Keys
//
// [Keys] derives the checkpoint signer, the event MAC key and the
// personal-value hash key from the node's Ed25519 signing key (HKDF-SHA-256
// with distinct labels); verifying a log offline needs the node directory's
// key file. Rotating the signing key starts new MAC and hash keys, so
// events written before a rotation verify only with the previous key.
//
// # Compatibility
//
// Leaves already written must verify forever: the version-1 encoding never
// changes (a test pins it); new fields mean a new version byte that the
// decoder adds, never a change to an old one.
package audit
