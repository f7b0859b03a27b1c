package db

import (
	"context"
	"fmt"
	"time"
)

// Migration is one schema step of a component. SQL is used on both engines
// after macro expansion ({{ID}}, {{BLOB}}, {{BOOL}}); SQLite or Postgres,
// when set, replace it on that engine — keep such overrides to what truly
// differs, such as full-text indexes.
type Migration struct {
	SQL      string
	SQLite   string
	Postgres string
}

func (m Migration) statement(d Dialect) string {
	switch {
	case d == SQLite && m.SQLite != "":
		return d.Expand(m.SQLite)
	case d == Postgres && m.Postgres != "":
		return d.Expand(m.Postgres)
	}
	return d.Expand(m.SQL)
}

// Schema is the ordered list of migrations of one component (a capability
// such as "auth" or "audit"). Version N is Steps[N-1]. Steps are append-only:
// never edit one that has shipped.
type Schema struct {
	Component string
	Steps     []Migration
}

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	component TEXT NOT NULL,
	version BIGINT NOT NULL,
	applied_at BIGINT NOT NULL,
	PRIMARY KEY (component, version))`

// Migrate applies every pending step of the given schemas, each component in
// one transaction under the migration lock, so concurrent starts are safe.
func (d *DB) Migrate(ctx context.Context, schemas ...Schema) error {
	if _, err := d.w.ExecContext(ctx, migrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, s := range schemas {
		err := d.Tx(ctx, func(tx *Tx) error {
			if err := d.dialect.lockMigrations(tx); err != nil {
				return fmt.Errorf("migration lock: %w", err)
			}
			v, err := version(ctx, tx, s.Component)
			if err != nil {
				return err
			}
			for i := v; i < len(s.Steps); i++ {
				if _, err := tx.ExecContext(ctx, s.Steps[i].statement(d.dialect)); err != nil {
					return fmt.Errorf("%s migration %d: %w", s.Component, i+1, err)
				}
				if _, err := tx.ExecContext(ctx,
					`INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)`,
					s.Component, i+1, time.Now().UnixMicro()); err != nil {
					return fmt.Errorf("record %s migration %d: %w", s.Component, i+1, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// CheckMigrations returns an error unless every schema is at its latest
// version (for readiness probes).
func (d *DB) CheckMigrations(ctx context.Context, schemas ...Schema) error {
	for _, s := range schemas {
		v, err := version(ctx, d, s.Component)
		if err != nil {
			return err
		}
		if v != len(s.Steps) {
			return fmt.Errorf("%s schema at version %d, want %d", s.Component, v, len(s.Steps))
		}
	}
	return nil
}

func version(ctx context.Context, q Querier, component string) (int, error) {
	var v int
	err := q.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?`, component).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read %s schema version: %w", component, err)
	}
	return v, nil
}
