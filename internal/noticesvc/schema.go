package noticesvc

import "github.com/liaison-project/liaison/internal/db"

// Schema holds the notice service's tables.
//
//   - notices: one row per notice, own or received, with the columns that
//     lists, the duplicate check and the expiry job filter on, and the
//     content (subject, charges, envelope, flags, validity) as JSON.
//     awaiting marks notices waiting for a reviewer (in review, or a
//     diffusion circulated since its last approval). Received copies keep their originator and the id the originator gave
//     them (source_id); own notices have source_id = id.
//   - notice_changes and notice_decisions: the lifecycle history and the
//     review decisions, append-only, one row each.
//   - alerts: travel-document, vehicle and object alerts, own and received,
//     with their normalised lookup keys (key_a: document or plate key,
//     key_b: VIN key) so that a key shared by two alerts can be given back
//     to the border index when one of them is cancelled. ident is the
//     alert's identity among this node's own alerts (its keys, or empty for
//     object alerts): importing the same document twice updates it.
//   - notice_alert_generation: a counter every transaction that changes
//     alerts increments, so that a snapshot of the border index can be
//     recognised as current at start-up (see snapshot.go).
//   - notice_sends: what was sent to which partner (or withheld, and why),
//     per notice, alert or alert import, with the federation message id
//     whose delivery receipt is the partner's acknowledgement.
var Schema = db.Schema{Component: "notice", Steps: []db.Migration{
	{SQL: `CREATE TABLE notices (
		id TEXT PRIMARY KEY,
		originator TEXT NOT NULL,
		source_id TEXT NOT NULL,
		received_from TEXT NOT NULL,
		entity_id TEXT NOT NULL,
		type TEXT NOT NULL,
		diffusion {{BOOL}} NOT NULL,
		state TEXT NOT NULL,
		awaiting {{BOOL}} NOT NULL,
		version BIGINT NOT NULL,
		subject_key TEXT NOT NULL,
		body TEXT NOT NULL,
		created_by TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		updated_at BIGINT NOT NULL,
		expires_at BIGINT NOT NULL,
		reminder_at BIGINT NOT NULL,
		reminded_at BIGINT NOT NULL,
		UNIQUE (originator, source_id))`},
	{SQL: `CREATE INDEX notices_state ON notices (state, id)`},
	{SQL: `CREATE INDEX notices_subject ON notices (subject_key)`},
	{SQL: `CREATE INDEX notices_entity ON notices (entity_id)`},
	{SQL: `CREATE INDEX notices_expiry ON notices (expires_at)`},
	{SQL: `CREATE TABLE notice_changes (
		notice_id TEXT NOT NULL,
		n BIGINT NOT NULL,
		event TEXT NOT NULL,
		from_state TEXT NOT NULL,
		to_state TEXT NOT NULL,
		actor TEXT NOT NULL,
		agency TEXT NOT NULL,
		at BIGINT NOT NULL,
		note TEXT NOT NULL,
		PRIMARY KEY (notice_id, n))`},
	{SQL: `CREATE TABLE notice_decisions (
		notice_id TEXT NOT NULL,
		n BIGINT NOT NULL,
		outcome TEXT NOT NULL,
		reviewer TEXT NOT NULL,
		reasons TEXT NOT NULL,
		acknowledged TEXT NOT NULL,
		extradition {{BOOL}} NOT NULL,
		after_circulation {{BOOL}} NOT NULL,
		at BIGINT NOT NULL,
		PRIMARY KEY (notice_id, n))`},
	{SQL: `CREATE TABLE alerts (
		id TEXT PRIMARY KEY,
		originator TEXT NOT NULL,
		source_id TEXT NOT NULL,
		received_from TEXT NOT NULL,
		kind TEXT NOT NULL,
		status TEXT NOT NULL,
		document_number TEXT NOT NULL,
		document_type TEXT NOT NULL,
		country TEXT NOT NULL,
		plate TEXT NOT NULL,
		vin TEXT NOT NULL,
		description TEXT NOT NULL,
		action TEXT NOT NULL,
		contact TEXT NOT NULL,
		reference TEXT NOT NULL,
		key_a TEXT NOT NULL,
		key_b TEXT NOT NULL,
		ident TEXT NOT NULL,
		state TEXT NOT NULL,
		version BIGINT NOT NULL,
		scope TEXT NOT NULL,
		agencies TEXT NOT NULL,
		region TEXT NOT NULL,
		import_id TEXT NOT NULL,
		held_by TEXT NOT NULL,
		created_by TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		updated_at BIGINT NOT NULL,
		UNIQUE (originator, source_id))`},
	{SQL: `CREATE INDEX alerts_key_a ON alerts (key_a)`},
	{SQL: `CREATE INDEX alerts_key_b ON alerts (key_b)`},
	{SQL: `CREATE INDEX alerts_import ON alerts (import_id)`},
	{SQL: `CREATE INDEX alerts_pending ON alerts (id) WHERE state = 'cancelled' AND held_by <> ''`},
	{SQL: `CREATE UNIQUE INDEX alerts_own_ident ON alerts (ident) WHERE received_from = '' AND ident <> ''`},
	{SQL: `CREATE TABLE notice_sends (
		id {{ID}},
		subject_type TEXT NOT NULL,
		subject_id TEXT NOT NULL,
		partner TEXT NOT NULL,
		event TEXT NOT NULL,
		version BIGINT NOT NULL,
		message_id TEXT NOT NULL,
		withheld TEXT NOT NULL,
		at BIGINT NOT NULL)`},
	{SQL: `CREATE INDEX notice_sends_subject ON notice_sends (subject_type, subject_id, id)`},
	{SQL: `CREATE TABLE notice_alert_generation (id INTEGER PRIMARY KEY, generation BIGINT NOT NULL)`},
	{SQL: `INSERT INTO notice_alert_generation (id, generation) VALUES (1, 0)`},
}}
