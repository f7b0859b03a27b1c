package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
)

var testSchema = db.Schema{Component: "dbtest", Steps: []db.Migration{
	{SQL: `CREATE TABLE items (id {{ID}}, name TEXT NOT NULL UNIQUE, data {{BLOB}}, ok {{BOOL}} NOT NULL)`},
	{SQL: `CREATE INDEX items_ok ON items (ok)`},
}}

func TestMigrateIdempotent(t *testing.T) {
	d := dbtest.Open(t, testSchema)
	ctx := context.Background()
	if err := d.Migrate(ctx, testSchema); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if err := d.CheckMigrations(ctx, testSchema); err != nil {
		t.Fatal(err)
	}
	longer := testSchema
	longer.Steps = append(longer.Steps[:len(longer.Steps):len(longer.Steps)], db.Migration{SQL: `CREATE TABLE more (x TEXT)`})
	if err := d.CheckMigrations(ctx, longer); err == nil {
		t.Fatal("CheckMigrations accepted a schema with a pending step")
	}
}

func TestWriteIsolatesFailures(t *testing.T) {
	d := dbtest.Open(t, testSchema)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.Write(ctx, func(tx *db.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO items (name, data, ok) VALUES (?, ?, ?)`,
					fmt.Sprintf("item-%d", i), []byte{byte(i)}, i%2 == 0); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return errors.New("deliberate failure")
				case 7:
					panic("deliberate panic")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	want := 0
	for i, err := range errs {
		failed := i%10 == 3 || i%10 == 7
		if failed != (err != nil) {
			t.Errorf("write %d: err = %v", i, err)
		}
		if !failed {
			want++
		}
	}
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM items`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("%d rows committed, want %d (failed writes must leave nothing)", n, want)
	}
	var okCount int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE ok = ?`, true).Scan(&okCount); err != nil {
		t.Fatal(err)
	}
	if okCount == 0 {
		t.Fatal("bool round trip failed")
	}
}

func TestUniqueViolationAndOnCommit(t *testing.T) {
	d := dbtest.Open(t, testSchema)
	ctx := context.Background()
	insert := func(committed *bool) error {
		return d.Write(ctx, func(tx *db.Tx) error {
			tx.OnCommit(func() { *committed = true })
			_, err := tx.ExecContext(ctx, `INSERT INTO items (name, ok) VALUES ('same', ?)`, false)
			return err
		})
	}
	var first, second bool
	if err := insert(&first); err != nil || !first {
		t.Fatalf("first insert: %v, onCommit ran: %v", err, first)
	}
	err := insert(&second)
	if !db.IsUniqueViolation(err) {
		t.Fatalf("duplicate insert: %v, want unique violation", err)
	}
	if second {
		t.Fatal("OnCommit ran for a rolled-back write")
	}
}

func TestReadSnapshotAndRebind(t *testing.T) {
	d := dbtest.Open(t, testSchema)
	ctx := context.Background()
	if err := d.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO items (name, ok) VALUES ('what?', ?)`, true)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	err := d.Read(ctx, func(q db.Querier) error {
		var name string
		if err := q.QueryRowContext(ctx, `SELECT name FROM items WHERE name = 'what?' AND ok = ?`, true).Scan(&name); err != nil {
			return err
		}
		if name != "what?" {
			return fmt.Errorf("name = %q", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestWriteAfterClose(t *testing.T) {
	d, err := db.Open(context.Background(), dbtest.DSN(t), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if err := d.Write(context.Background(), func(*db.Tx) error { return nil }); !errors.Is(err, db.ErrClosed) {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
}

func TestFirstWriteHookCommitsWithTheWrite(t *testing.T) {
	d := dbtest.Open(t, testSchema)
	ctx := context.Background()
	calls := 0
	hctx, hook := db.WithFirstWriteHook(ctx, func(ctx context.Context, tx *db.Tx) error {
		calls++
		_, err := tx.ExecContext(ctx, `INSERT INTO items (name, ok) VALUES ('hook', ?)`, true)
		return err
	})
	// A failing write rolls the hook's row back with it.
	if err := d.Write(hctx, func(tx *db.Tx) error { return errors.New("fail") }); err == nil {
		t.Fatal("want error")
	}
	if hook.Committed() {
		t.Fatal("hook reported committed after a failed write")
	}
	for i := range 2 {
		if err := d.Write(hctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO items (name, ok) VALUES (?, ?)`, fmt.Sprint("x", i), false)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if !hook.Committed() || calls != 2 {
		t.Fatalf("committed=%v calls=%d, want true and 2 (once failed, once committed)", hook.Committed(), calls)
	}
	var n int
	d.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE name = 'hook'`).Scan(&n)
	if n != 1 {
		t.Fatalf("hook row count %d, want 1", n)
	}
}
