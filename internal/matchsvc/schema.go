package matchsvc

import "github.com/liaison-project/liaison/internal/db"

// Schema holds the matching tables. None of them holds an identifier
// value: the holder keeps its index in memory, built from the records
// tables, and a querier keeps references and counts.
//
//   - match_epoch_keys: the holder's epoch keys, sealed under a key derived
//     from the node's signing key; deleted when their window ends.
//   - match_budget_usage: evaluations charged per UTC day, partner, type
//     and case, so that a restart does not reset the budgets.
//   - match_alerts: anomalies the holder's monitor raised.
//   - match_follow_ups: hit follow-ups partners sent this node (holder
//     side), with the records the reference resolved to and the SPOC's
//     answer.
//   - match_hits: hits this node's officers obtained (querier side): the
//     opaque reference to quote in a follow-up, never the value.
//   - match_announcements: the epoch announcements partners signed, as
//     evidence: one key per holder and epoch is what makes a per-querier
//     key detectable.
//   - match_bulk_runs: bulk runs with their two-person approval, the
//     list (deleted when the run ends) and the checkpoint.
var Schema = db.Schema{Component: "match", Steps: []db.Migration{
	{SQL: `CREATE TABLE match_epoch_keys (
		epoch BIGINT PRIMARY KEY,
		not_before BIGINT NOT NULL,
		not_after BIGINT NOT NULL,
		sealed {{BLOB}} NOT NULL,
		created_at BIGINT NOT NULL)`},
	{SQL: `CREATE TABLE match_budget_usage (
		day BIGINT NOT NULL,
		partner TEXT NOT NULL,
		type TEXT NOT NULL,
		case_ref TEXT NOT NULL,
		used BIGINT NOT NULL,
		PRIMARY KEY (day, partner, type, case_ref))`},
	{SQL: `CREATE TABLE match_alerts (
		id {{ID}},
		at BIGINT NOT NULL,
		kind TEXT NOT NULL,
		partner TEXT NOT NULL,
		type TEXT NOT NULL,
		observed DOUBLE PRECISION NOT NULL,
		threshold DOUBLE PRECISION NOT NULL,
		detail TEXT NOT NULL)`},
	{SQL: `CREATE INDEX match_alerts_at ON match_alerts (at)`},
	{SQL: `CREATE TABLE match_follow_ups (
		id TEXT PRIMARY KEY,
		partner TEXT NOT NULL,
		message_id TEXT NOT NULL,
		officer TEXT NOT NULL,
		epoch BIGINT NOT NULL,
		type TEXT NOT NULL,
		ref {{BLOB}} NOT NULL,
		case_ref TEXT NOT NULL,
		purpose TEXT NOT NULL,
		justification TEXT NOT NULL,
		received_at BIGINT NOT NULL,
		due_at BIGINT NOT NULL,
		state TEXT NOT NULL,
		records TEXT NOT NULL,
		resolution TEXT NOT NULL,
		outcome TEXT NOT NULL,
		note TEXT NOT NULL,
		answered_by TEXT NOT NULL,
		answered_at BIGINT NOT NULL)`},
	{SQL: `CREATE INDEX match_follow_ups_state ON match_follow_ups (state, received_at)`},
	{SQL: `CREATE INDEX match_follow_ups_received ON match_follow_ups (received_at, id)`},
	{SQL: `CREATE TABLE match_hits (
		id TEXT PRIMARY KEY,
		query_id TEXT NOT NULL,
		bulk_run TEXT NOT NULL,
		partner TEXT NOT NULL,
		epoch BIGINT NOT NULL,
		type TEXT NOT NULL,
		ref {{BLOB}} NOT NULL,
		strength TEXT NOT NULL,
		value_index BIGINT NOT NULL,
		officer_id TEXT NOT NULL,
		case_ref TEXT NOT NULL,
		purpose TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		followed_up_at BIGINT NOT NULL,
		follow_up_message TEXT NOT NULL)`},
	{SQL: `CREATE INDEX match_hits_created ON match_hits (created_at)`},
	{SQL: `CREATE INDEX match_hits_followed ON match_hits (followed_up_at, id)`},
	{SQL: `CREATE INDEX match_hits_run ON match_hits (bulk_run, value_index)`},
	{SQL: `CREATE TABLE match_announcements (
		holder TEXT NOT NULL,
		epoch BIGINT NOT NULL,
		announcement {{BLOB}} NOT NULL,
		signing_key {{BLOB}} NOT NULL,
		signature {{BLOB}} NOT NULL,
		seen_at BIGINT NOT NULL,
		PRIMARY KEY (holder, epoch))`},
	{SQL: `CREATE TABLE match_bulk_runs (
		id TEXT PRIMARY KEY,
		partner TEXT NOT NULL,
		type TEXT NOT NULL,
		purpose TEXT NOT NULL,
		case_ref TEXT NOT NULL,
		justification TEXT NOT NULL,
		requested_by TEXT NOT NULL,
		requested_name TEXT NOT NULL,
		requested_at BIGINT NOT NULL,
		approved_by TEXT NOT NULL,
		approved_name TEXT NOT NULL,
		approved_at BIGINT NOT NULL,
		state TEXT NOT NULL,
		detail TEXT NOT NULL,
		total BIGINT NOT NULL,
		done BIGINT NOT NULL,
		hits BIGINT NOT NULL,
		skipped BIGINT NOT NULL,
		list {{BLOB}},
		segment_ann {{BLOB}},
		segment_indexes {{BLOB}},
		checkpoint {{BLOB}},
		next_attempt BIGINT NOT NULL,
		updated_at BIGINT NOT NULL)`},
	{SQL: `CREATE INDEX match_bulk_runs_state ON match_bulk_runs (state, next_attempt)`},
}}
