package fedtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
)

// RecorderSchema holds the Recorder's table.
var RecorderSchema = db.Schema{Component: "fedtest_audit", Steps: []db.Migration{
	{SQL: `CREATE TABLE fedtest_audit (
		id {{ID}},
		body TEXT NOT NULL)`},
}}

// Recorder is an audit.Appender that stores events as JSON rows in the
// caller's transaction, so that an event exists exactly when the action it
// records committed. It checks what audit.Log would refuse: unknown kinds
// and outcomes, oversized fields.
type Recorder struct {
	DB *db.DB
}

// Append implements audit.Appender.
func (r *Recorder) Append(ctx context.Context, tx *db.Tx, e audit.Event) error {
	if !slices.Contains(audit.Kinds, e.Kind) {
		return fmt.Errorf("fedtest: unknown audit kind %q", e.Kind)
	}
	if e.Outcome == "" {
		e.Outcome = audit.OK
	}
	if !slices.Contains([]audit.Outcome{audit.OK, audit.Denied, audit.Failed}, e.Outcome) {
		return fmt.Errorf("fedtest: unknown audit outcome %q", e.Outcome)
	}
	for _, s := range []string{e.Justification, e.Purpose, e.LegalBasis, e.Reason} {
		if len(s) > audit.MaxTextLen || !utf8.ValidString(s) {
			return fmt.Errorf("fedtest: audit text field too long or not UTF-8: %q", s)
		}
	}
	for _, s := range append([]string{e.ActorID, e.ActorName, e.Agency, e.CaseRef, e.RequestID}, e.Recipients...) {
		if len(s) > audit.MaxIDLen {
			return fmt.Errorf("fedtest: audit id field too long: %q", s)
		}
	}
	if len(e.Objects) > audit.MaxObjects || len(e.Recipients) > audit.MaxRecipients {
		return fmt.Errorf("fedtest: audit event has too many objects or recipients")
	}
	for _, o := range e.Objects {
		if o.Type == "" || o.ID == "" {
			return fmt.Errorf("fedtest: audit object without type or id")
		}
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO fedtest_audit (body) VALUES (?)`, string(b))
	return err
}

// Record implements audit.Appender: Append in a write of its own.
func (r *Recorder) Record(ctx context.Context, e audit.Event) error {
	return r.DB.Write(ctx, func(tx *db.Tx) error { return r.Append(ctx, tx, e) })
}

// Events returns every committed event in order.
func (r *Recorder) Events(t testing.TB) []audit.Event {
	t.Helper()
	rows, err := r.DB.QueryContext(context.Background(), `SELECT body FROM fedtest_audit ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		var e audit.Event
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Find returns the committed events of kind k whose Reason contains text.
func (r *Recorder) Find(t testing.TB, k audit.Kind, outcome audit.Outcome, text string) []audit.Event {
	t.Helper()
	var out []audit.Event
	for _, e := range r.Events(t) {
		if e.Kind == k && (outcome == "" || e.Outcome == outcome) && strings.Contains(e.Reason, text) {
			out = append(out, e)
		}
	}
	return out
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
