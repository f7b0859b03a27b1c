package disclosure

import "github.com/liaison-project/liaison/internal/db"

// Schema holds the disclosure tables.
var Schema = db.Schema{Component: "disclosure", Steps: []db.Migration{
	// One row per record and partner this node sent a copy to. purpose and
	// case_ref are those of the disclosure (updates follow it on the same
	// terms). sent_* describe the last message sent and its delivery
	// state; acked_* the last one the holder acknowledged. due is set when
	// the record changed and the holder is yet to be told.
	{SQL: `CREATE TABLE disclosure_holders (
		record_id TEXT NOT NULL,
		agency TEXT NOT NULL,
		purpose TEXT NOT NULL,
		case_ref TEXT NOT NULL,
		sent_version INTEGER NOT NULL,
		sent_kind TEXT NOT NULL,
		message_id TEXT NOT NULL,
		delivery TEXT NOT NULL,
		acked_version INTEGER NOT NULL,
		acked_kind TEXT NOT NULL,
		due {{BOOL}} NOT NULL,
		last_error TEXT NOT NULL,
		shared_at BIGINT NOT NULL,
		sent_at BIGINT NOT NULL,
		acked_at BIGINT NOT NULL,
		retry_at BIGINT NOT NULL,
		PRIMARY KEY (record_id, agency))`},
	{SQL: `CREATE INDEX disclosure_holders_delivery ON disclosure_holders (delivery)`},
	{SQL: `CREATE INDEX disclosure_holders_due ON disclosure_holders (due, retry_at)`},
	// Onward-permission requests: direction out (this node holds a copy
	// and asks its originator) or in (a holder asks this node). The id is
	// the requester's; message_id is the last message about the request
	// this node sent (the request, or the answer) and delivery its state.
	{SQL: `CREATE TABLE disclosure_requests (
		id TEXT NOT NULL,
		direction TEXT NOT NULL,
		record_id TEXT NOT NULL,
		holder TEXT NOT NULL,
		originator TEXT NOT NULL,
		recipient TEXT NOT NULL,
		purpose TEXT NOT NULL,
		reason TEXT NOT NULL,
		officer TEXT NOT NULL,
		state TEXT NOT NULL,
		answer TEXT NOT NULL,
		answered_by TEXT NOT NULL,
		message_id TEXT NOT NULL,
		delivery TEXT NOT NULL,
		last_error TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		answered_at BIGINT NOT NULL,
		PRIMARY KEY (id, direction))`},
	{SQL: `CREATE INDEX disclosure_requests_list ON disclosure_requests (created_at, id)`},
	{SQL: `CREATE INDEX disclosure_requests_delivery ON disclosure_requests (delivery)`},
	// The position in the records change feed up to which changes have
	// been turned into due updates.
	{SQL: `CREATE TABLE disclosure_cursor (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL)`},
	{SQL: `INSERT INTO disclosure_cursor (id, seq) VALUES (1, 0)`},
}}
