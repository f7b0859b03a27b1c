package witness

import "github.com/liaison-project/liaison/internal/db"

// Schema holds the witness tables.
var Schema = db.Schema{Component: "witness", Steps: []db.Migration{
	// The latest checkpoint accepted (and cosigned) of each partner's log.
	{SQL: `CREATE TABLE witness_seen (
		origin TEXT PRIMARY KEY,
		size BIGINT NOT NULL,
		root {{BLOB}} NOT NULL,
		note TEXT NOT NULL,
		seen_at BIGINT NOT NULL)`},
	// Checkpoints of a partner's log seen through gossip, of another size
	// than the one accepted: the partner's next checkpoint must be proven
	// consistent with each.
	{SQL: `CREATE TABLE witness_observed (
		origin TEXT NOT NULL,
		size BIGINT NOT NULL,
		root {{BLOB}} NOT NULL,
		note TEXT NOT NULL,
		via TEXT NOT NULL,
		seen_at BIGINT NOT NULL,
		PRIMARY KEY (origin, size))`},
	// This node's log as each partner witnesses it: the size the partner
	// reports accepting, sizes it asks proofs from, a cosigned checkpoint
	// waiting to be stored, the last checkpoint it cosigned and stored,
	// and the last one sent to it.
	{SQL: `CREATE TABLE witness_peers (
		agency TEXT PRIMARY KEY,
		reported_size BIGINT NOT NULL,
		prove TEXT NOT NULL,
		pending_note TEXT NOT NULL,
		cosigned_size BIGINT NOT NULL,
		cosigned_at BIGINT NOT NULL,
		sent_size BIGINT NOT NULL,
		sent_at BIGINT NOT NULL,
		last_error TEXT NOT NULL)`},
	{SQL: `CREATE TABLE witness_alerts (
		id {{ID}},
		origin TEXT NOT NULL,
		size BIGINT NOT NULL,
		reason TEXT NOT NULL,
		detail TEXT NOT NULL,
		via TEXT NOT NULL,
		first_note TEXT NOT NULL,
		second_note TEXT NOT NULL,
		created_at BIGINT NOT NULL)`},
	{SQL: `CREATE UNIQUE INDEX witness_alerts_once ON witness_alerts (origin, reason, size)`},
	// When the witness last answered (µs): an answer with a smaller size
	// than the last offer, received after it, asks for that offer again
	// with a proof.
	{SQL: `ALTER TABLE witness_peers ADD COLUMN reported_at BIGINT NOT NULL DEFAULT 0`},
}}
