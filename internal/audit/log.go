package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/liaison-project/liaison/internal/db"
)

// Schema holds the audit tables.
var Schema = db.Schema{Component: "audit", Steps: []db.Migration{
	{SQL: `CREATE TABLE audit_events (
		id {{ID}},
		time BIGINT NOT NULL,
		kind TEXT NOT NULL,
		actor_id TEXT NOT NULL DEFAULT '',
		agency TEXT NOT NULL DEFAULT '',
		body {{BLOB}} NOT NULL)`},
}}

// Log is the node's audit log.
type Log struct {
	DB *db.DB
}

// Append writes e inside tx.
func (l *Log) Append(ctx context.Context, tx *db.Tx, e Event) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit event: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_events (time, kind, actor_id, agency, body) VALUES (?, ?, ?, ?, ?)`,
		e.Time.UnixMicro(), string(e.Kind), e.ActorID, e.Agency, body)
	if err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	return nil
}
