// Package dbtest opens a real, empty database for a test: SQLite in the
// test's temporary directory by default, or PostgreSQL when the environment
// variable LIAISON_TEST_POSTGRES holds a DSN, each test in a schema of its
// own that is dropped when the test ends. The same tests thus run against
// both engines; CI runs them twice.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for schema setup

	"github.com/liaison-project/liaison/internal/db"
)

// EnvPostgres names the environment variable holding a PostgreSQL DSN.
const EnvPostgres = "LIAISON_TEST_POSTGRES"

// DSN returns a fresh database DSN for the test, creating (and scheduling the
// removal of) a PostgreSQL schema when EnvPostgres is set.
func DSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		return filepath.Join(t.TempDir(), "liaison.db")
	}
	schema := "t_" + randomHex(8)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns an open database with the given schemas migrated. It is
// closed when the test ends.
func Open(t testing.TB, schemas ...db.Schema) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), DSN(t), db.Options{})
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background(), schemas...); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return d
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
