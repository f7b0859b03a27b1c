package federation

import "github.com/liaison-project/liaison/internal/db"

// Schema holds the federation tables. Times are Unix microseconds; message
// and attachment ids are UUID strings.
//
//   - fed_own_cards: this node's partner cards, the current one and those
//     it superseded.
//   - fed_partners: one row per partner agency ever added (removal is a
//     state, so that sequence numbers survive a re-add), with the current
//     card, and the two sequence counters of the pair: next_out (the next
//     number this node assigns) and next_in (the next number it accepts:
//     the durable replay guard).
//   - fed_partner_cards: every card accepted for a partner, kept after
//     rotation to verify old evidence; trusted_until is 0 for the current
//     card, and for a superseded one the end of the grace period in which
//     its key and TLS certificate are still accepted.
//   - fed_outbox: one row per envelope to send, keyed by (partner, seq), with
//     its delivery state and receipts.
//   - fed_inbox: one row per envelope received, keyed by (sender, seq), with
//     the evidence and the delivered receipt this node issued.
//   - fed_threads, fed_messages: messaging.
//   - fed_attachments, fed_attachment_chunks, fed_attachment_grants:
//     attachments, their chunks, and which partner may fetch which.
var Schema = db.Schema{Component: "federation", Steps: []db.Migration{
	{SQL: `CREATE TABLE fed_own_cards (
		id {{ID}},
		fingerprint TEXT NOT NULL,
		card {{BLOB}} NOT NULL,
		created_at BIGINT NOT NULL,
		is_current {{BOOL}} NOT NULL)`},
	{SQL: `CREATE TABLE fed_partners (
		agency TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		country TEXT NOT NULL,
		state TEXT NOT NULL,
		fingerprint TEXT NOT NULL,
		tls_pin TEXT NOT NULL,
		card {{BLOB}} NOT NULL,
		added_at BIGINT NOT NULL,
		changed_at BIGINT NOT NULL,
		next_out BIGINT NOT NULL,
		next_in BIGINT NOT NULL,
		last_contact BIGINT NOT NULL,
		last_error TEXT NOT NULL,
		last_error_at BIGINT NOT NULL,
		failures BIGINT NOT NULL)`},
	{SQL: `CREATE INDEX fed_partners_pin ON fed_partners (tls_pin)`},
	{SQL: `CREATE TABLE fed_partner_cards (
		id {{ID}},
		agency TEXT NOT NULL,
		key_id {{BLOB}} NOT NULL,
		fingerprint TEXT NOT NULL,
		card {{BLOB}} NOT NULL,
		accepted_at BIGINT NOT NULL,
		superseded_at BIGINT NOT NULL,
		trusted_until BIGINT NOT NULL)`},
	{SQL: `CREATE INDEX fed_partner_cards_key ON fed_partner_cards (agency, key_id)`},
	{SQL: `CREATE TABLE fed_outbox (
		partner TEXT NOT NULL,
		seq BIGINT NOT NULL,
		message_id TEXT NOT NULL,
		type TEXT NOT NULL,
		thread TEXT NOT NULL,
		case_ref TEXT NOT NULL,
		handling TEXT NOT NULL,
		tlp TEXT NOT NULL,
		officer TEXT NOT NULL,
		recipients TEXT NOT NULL,
		payload {{BLOB}},
		wire {{BLOB}},
		prev_wire {{BLOB}},
		sealed_at BIGINT NOT NULL,
		seal_due BIGINT NOT NULL,
		state TEXT NOT NULL,
		queued_at BIGINT NOT NULL,
		attempts BIGINT NOT NULL,
		last_error TEXT NOT NULL,
		delivered_at BIGINT NOT NULL,
		receipt {{BLOB}},
		read_at BIGINT NOT NULL,
		read_by TEXT NOT NULL,
		read_receipt {{BLOB}},
		PRIMARY KEY (partner, seq))`},
	{SQL: `CREATE INDEX fed_outbox_state ON fed_outbox (partner, state, seq)`},
	{SQL: `CREATE INDEX fed_outbox_seal ON fed_outbox (partner, state, seal_due, seq)`},
	{SQL: `CREATE INDEX fed_outbox_message ON fed_outbox (message_id)`},
	{SQL: `CREATE TABLE fed_inbox (
		sender TEXT NOT NULL,
		seq BIGINT NOT NULL,
		message_id TEXT NOT NULL,
		type TEXT NOT NULL,
		envelope_hash {{BLOB}} NOT NULL,
		evidence {{BLOB}} NOT NULL,
		receipt {{BLOB}},
		outcome TEXT NOT NULL,
		reason TEXT NOT NULL,
		received_at BIGINT NOT NULL,
		PRIMARY KEY (sender, seq))`},
	{SQL: `CREATE UNIQUE INDEX fed_inbox_message ON fed_inbox (sender, message_id)`},
	{SQL: `CREATE TABLE fed_threads (
		id TEXT PRIMARY KEY,
		subject TEXT NOT NULL,
		case_ref TEXT NOT NULL,
		started_by TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		updated_at BIGINT NOT NULL)`},
	{SQL: `CREATE INDEX fed_threads_updated ON fed_threads (updated_at)`},
	{SQL: `CREATE TABLE fed_messages (
		id TEXT PRIMARY KEY,
		thread_id TEXT NOT NULL,
		outbound {{BOOL}} NOT NULL,
		sender TEXT NOT NULL,
		officer TEXT NOT NULL,
		recipients TEXT NOT NULL,
		subject TEXT NOT NULL,
		body TEXT NOT NULL,
		case_ref TEXT NOT NULL,
		handling TEXT NOT NULL,
		restrictions TEXT NOT NULL,
		tlp TEXT NOT NULL,
		attachments BIGINT NOT NULL,
		created_at BIGINT NOT NULL,
		read_at BIGINT NOT NULL,
		read_by TEXT NOT NULL)`},
	{SQL: `CREATE INDEX fed_messages_thread ON fed_messages (thread_id, created_at)`},
	{SQL: `CREATE INDEX fed_messages_time ON fed_messages (created_at)`},
	{SQL: `CREATE INDEX fed_messages_unread ON fed_messages (outbound, read_at)`},
	{SQL: `CREATE TABLE fed_attachments (
		id TEXT PRIMARY KEY,
		origin TEXT NOT NULL,
		remote_id TEXT NOT NULL,
		message_id TEXT NOT NULL,
		name TEXT NOT NULL,
		media_type TEXT NOT NULL,
		size BIGINT NOT NULL,
		sha256 {{BLOB}} NOT NULL,
		chunk_size BIGINT NOT NULL,
		chunks BIGINT NOT NULL,
		chunk_hashes {{BLOB}},
		state TEXT NOT NULL,
		reason TEXT NOT NULL,
		created_by TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		completed_at BIGINT NOT NULL)`},
	{SQL: `CREATE INDEX fed_attachments_state ON fed_attachments (state, origin)`},
	{SQL: `CREATE INDEX fed_attachments_message ON fed_attachments (message_id)`},
	{SQL: `CREATE UNIQUE INDEX fed_attachments_remote ON fed_attachments (origin, remote_id)`},
	{SQL: `CREATE TABLE fed_attachment_chunks (
		attachment_id TEXT NOT NULL,
		n BIGINT NOT NULL,
		data {{BLOB}} NOT NULL,
		sha256 {{BLOB}} NOT NULL,
		PRIMARY KEY (attachment_id, n))`},
	{SQL: `CREATE TABLE fed_attachment_grants (
		attachment_id TEXT NOT NULL,
		partner TEXT NOT NULL,
		served BIGINT NOT NULL,
		PRIMARY KEY (attachment_id, partner))`},
}}
