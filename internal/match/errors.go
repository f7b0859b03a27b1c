package match

import "errors"

// Sentinels, wrapped in errs.Invalid errors; test with errors.Is.
var (
	// ErrBadProof: the holder's DLEQ proof does not verify against the
	// public key it announced for the epoch. The holder evaluated with
	// another key (perhaps one kept for this querier) or the answer was
	// tampered with. Treat the partner as unavailable, keep the evidence and
	// raise a security alert; retrying will not help.
	ErrBadProof = errors.New("match: holder proof does not verify")

	// ErrEpochInactive: the epoch is unknown, not yet started or expired.
	// The querier should fetch the holder's current announcement and table.
	ErrEpochInactive = errors.New("match: epoch not active")

	// ErrCorruptEntry: a table entry carries this value's tag but its
	// sealed reference does not open with this value's key. Either the
	// holder published a bad entry or the table was altered in transit;
	// report the value as unavailable from that holder and refetch the table.
	ErrCorruptEntry = errors.New("match: table entry does not open")
)
