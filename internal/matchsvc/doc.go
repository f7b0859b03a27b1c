// Package matchsvc is the hit/no-hit matching service: officers learn in
// seconds whether a partner holds something on a passport or ID number,
// phone, e-mail address, IBAN, crypto wallet, plate, VIN or person,
// without sending the identifier to anyone and without partners exposing
// their files. It wires the cryptographic core (package match: RFC 9497
// POPRF over ristretto255, verifiable, partially oblivious) to records,
// policy, federation, budgets and the audit log.
//
// # Holder
//
// Each node holds an index of its records for every active partner. Every
// epoch (a day by default, answered two hours into the next) the holder
// draws a fresh epoch key, stores it sealed under a key derived from the
// node's signing key (HKDF; deleted when the epoch's window ends), and
// builds one match.View per partner from the current records: their
// normalised identifiers (the same values the records' identifier index
// holds) and the match keys of every Person (internal/names: transliterated
// name + birth date, sorted tokens + birth date, phonetic codes + birth
// year). A record enters a partner's view only if
// policy.Decider.CanMatch allows it for that partner (H3 no-matching,
// not-to-country/agency, case-only, TLP:RED, H2 onward limits, review
// date, exercise boundary). The views follow the records' change feed and
// publish padded deltas; they live in memory and are rebuilt from the
// records tables at start-up.
//
// Partners download their own view (GET /federation/v1/match/table:
// snapshot, then deltas) with the epoch announcement signed by the
// holder's agency key, and ask for evaluations
// (POST /federation/v1/match/evaluate). Every evaluation is charged
// against the partner's daily budget per identifier type and case
// (persisted, so a restart does not reset it; an exhausted budget is 429
// with an explanation and Retry-After), watched for bursts, abnormal
// follow-up rates and case fan-out (alerts are stored, logged and
// audited), and audited with the partner, purpose, case, type and count —
// never a value: the holder never sees one.
//
// # Querier
//
// An officer's query (POST /api/v1/match/queries) is normalised with the
// holder's rules, checked by the sweep guard (sequential or prefix sweeps
// are refused and must go through a signed-off bulk run), blinded, sent to
// every chosen partner in parallel (one round trip each, with a timeout),
// verified against the partner's signed epoch key (an invalid proof is
// reported as such and audited as a security incident), and looked up in
// the partner's table cached here. The result per partner is hit, no-hit
// or unavailable (with the reason); each hit has a strength (exact,
// strong, or weak: only a candidate) and an opaque reference. The query is
// audited with the keyed hashes of the values and the justification.
//
// # Follow-up and bulk
//
// From a hit, one call sends the holder a hit-follow-up message through
// federation; the holder resolves the reference to its records and puts
// a task before its SPOC with a 48-hour deadline (Prüm II), who answers by
// sharing records through the normal channels and records the answer here.
//
// Bulk runs intersect a list (CSV or FtM) with one partner's index in
// batches, resumable from checkpoints stored in the database, within the
// partner's budget, and only after a second person approved them (a SPOC
// submits, another SPOC or an administrator approves).
package matchsvc
