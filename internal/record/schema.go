package record

import "github.com/liaison-project/liaison/internal/db"

// Schema holds the record tables. Every table is keyed by the record's
// integer rid, which is also the full-text index's rowid (see fts.go). On
// SQLite the index tables are WITHOUT ROWID (clustered on their primary
// key), which saves a B-tree insert per row; that storage option is the
// only difference between the engines besides full text.
//
//   - records: one row per record, the current version: policy columns the
//     read filter needs (originator, copy provenance, TLP, exercise flag,
//     case-only flag, review date), the envelope and the content as JSON.
//     An erased record keeps only id, originator and state.
//   - record_versions: every superseded version's content.
//   - record_rules, record_recipients: the envelope's H3 rules (text
//     form) and TLP:RED recipients, for the read filter.
//   - record_terms: schema and country of the current version's entities,
//     for filters and facets.
//   - record_identifiers: the inverted index of normalised identifiers,
//     one row per occurrence (kind, value, record, entity).
//   - record_changes: the change feed (seq handed out from
//     record_change_head, so that seq order is commit order on both
//     engines); record_holders: which partner holds which version (filled
//     by federation).
var Schema = db.Schema{Component: "record", Steps: []db.Migration{
	{SQL: `CREATE TABLE records (
		rid {{ID}},
		id TEXT NOT NULL UNIQUE,
		version BIGINT NOT NULL,
		state TEXT NOT NULL,
		last_change TEXT NOT NULL,
		title TEXT NOT NULL,
		case_ref TEXT NOT NULL,
		originator TEXT NOT NULL,
		received_from TEXT NOT NULL,
		tlp TEXT NOT NULL,
		exercise {{BOOL}} NOT NULL,
		case_only {{BOOL}} NOT NULL,
		review_at BIGINT NOT NULL,
		entity_count BIGINT NOT NULL,
		envelope TEXT NOT NULL,
		body TEXT NOT NULL,
		created_by TEXT NOT NULL,
		updated_by TEXT NOT NULL,
		created_at BIGINT NOT NULL,
		updated_at BIGINT NOT NULL,
		origin_version BIGINT NOT NULL,
		received_at BIGINT NOT NULL)`},
	{SQL: `CREATE INDEX records_case ON records (case_ref, rid)`},
	{SQL: `CREATE INDEX records_originator ON records (originator, rid)`},
	{SQL: `CREATE INDEX records_review ON records (review_at)`},
	{SQL: `CREATE INDEX records_created ON records (created_at)`},
	{SQL: `CREATE TABLE record_versions (
		rid BIGINT NOT NULL,
		version BIGINT NOT NULL,
		change TEXT NOT NULL,
		actor TEXT NOT NULL,
		at BIGINT NOT NULL,
		document TEXT NOT NULL,
		PRIMARY KEY (rid, version))`},
	{SQL: `CREATE TABLE record_rules (
		rid BIGINT NOT NULL,
		rule TEXT NOT NULL,
		PRIMARY KEY (rid, rule))`,
		SQLite: `CREATE TABLE record_rules (
		rid BIGINT NOT NULL,
		rule TEXT NOT NULL,
		PRIMARY KEY (rid, rule)) WITHOUT ROWID`},
	{SQL: `CREATE TABLE record_recipients (
		rid BIGINT NOT NULL,
		agency TEXT NOT NULL,
		PRIMARY KEY (rid, agency))`,
		SQLite: `CREATE TABLE record_recipients (
		rid BIGINT NOT NULL,
		agency TEXT NOT NULL,
		PRIMARY KEY (rid, agency)) WITHOUT ROWID`},
	{SQL: `CREATE TABLE record_terms (
		rid BIGINT NOT NULL,
		field TEXT NOT NULL,
		value TEXT NOT NULL,
		PRIMARY KEY (rid, field, value))`,
		SQLite: `CREATE TABLE record_terms (
		rid BIGINT NOT NULL,
		field TEXT NOT NULL,
		value TEXT NOT NULL,
		PRIMARY KEY (rid, field, value)) WITHOUT ROWID`},
	{SQL: `CREATE INDEX record_terms_value ON record_terms (field, value, rid)`},
	{SQL: `CREATE TABLE record_identifiers (
		kind TEXT NOT NULL,
		value TEXT NOT NULL,
		rid BIGINT NOT NULL,
		entity_id TEXT NOT NULL,
		country TEXT NOT NULL,
		PRIMARY KEY (kind, value, rid, entity_id))`,
		SQLite: `CREATE TABLE record_identifiers (
		kind TEXT NOT NULL,
		value TEXT NOT NULL,
		rid BIGINT NOT NULL,
		entity_id TEXT NOT NULL,
		country TEXT NOT NULL,
		PRIMARY KEY (kind, value, rid, entity_id)) WITHOUT ROWID`},
	{SQL: `CREATE INDEX record_identifiers_rid ON record_identifiers (rid)`},
	{SQL: `CREATE TABLE record_change_head (id INTEGER PRIMARY KEY, next_seq BIGINT NOT NULL)`},
	{SQL: `INSERT INTO record_change_head (id, next_seq) VALUES (1, 1)`},
	{SQL: `CREATE TABLE record_changes (
		seq BIGINT PRIMARY KEY,
		record_id TEXT NOT NULL,
		version BIGINT NOT NULL,
		change TEXT NOT NULL,
		originator TEXT NOT NULL,
		at BIGINT NOT NULL)`},
	{SQL: `CREATE INDEX record_changes_record ON record_changes (record_id, seq)`},
	{SQL: `CREATE TABLE record_holders (
		record_id TEXT NOT NULL,
		agency TEXT NOT NULL,
		version BIGINT NOT NULL,
		updated_at BIGINT NOT NULL,
		PRIMARY KEY (record_id, agency))`},
	ftsTable,
	ftsIndex,
}}
