package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/config"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/testnode"
)

// runAudit runs the liaison binary with args and returns its exit code,
// standard output and standard error.
func runAudit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(testnode.Binary(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	}
	t.Fatal(err)
	return 0, "", ""
}

func openNodeDB(t *testing.T, dir string) *db.DB {
	t.Helper()
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(context.Background(), cfg.DatabaseDSN(dir), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// auditTables is a copy of a node's audit tables, to undo a tamper.
type auditTables map[string][][]any

var auditTableColumns = map[string]string{
	"audit_events":      "leaf_index, time, kind, actor_id, agency, case_ref, body, leaf_hash, mac",
	"audit_objects":     "leaf_index, ref_type, ref_id",
	"audit_checkpoints": "size, root, note, created_at",
	"audit_head":        "id, next_index",
}

func snapshotAudit(t *testing.T, d *db.DB) auditTables {
	t.Helper()
	snap := auditTables{}
	for table, cols := range auditTableColumns {
		rows, err := d.QueryContext(context.Background(), "SELECT "+cols+" FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		n := len(strings.Split(cols, ","))
		for rows.Next() {
			vals := make([]any, n)
			ptrs := make([]any, n)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			snap[table] = append(snap[table], vals)
		}
		rows.Close()
	}
	return snap
}

func (s auditTables) restore(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	for table, cols := range auditTableColumns {
		if _, err := d.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			t.Fatal(err)
		}
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(strings.Split(cols, ","))), ", ")
		for _, row := range s[table] {
			if _, err := d.ExecContext(ctx, "INSERT INTO "+table+" ("+cols+") VALUES ("+ph+")", row...); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestAuditVerifyCommand tampers with a stopped node's audit tables by SQL
// — edit, delete, swap, forged append, truncation — and checks that
// `liaison audit verify --dir` exits 1 naming the first bad entry each
// time, 0 on the intact log, and 2 when it cannot read the log.
func TestAuditVerifyCommand(t *testing.T) {
	n := testnode.Init(t, testnode.Options{})
	n.Start()
	for i := range 12 {
		if _, err := n.CLI("user", "add", fmt.Sprintf("officer%d", i), "--role", "analyst"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.CLI("audit", "checkpoint", "sign"); err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(t.TempDir(), "checkpoints.json")
	if out, err := n.CLI("audit", "checkpoint", "save", saved); err != nil || !strings.Contains(out, "pinned log key") {
		t.Fatalf("checkpoint save: %v %s", err, out)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	d := openNodeDB(t, n.Dir)
	ctx := context.Background()
	var size int // init, start and the user additions; other capabilities may add more
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events`).Scan(&size); err != nil || size < 14 {
		t.Fatalf("%d audit events (%v), want at least 14", size, err)
	}
	code, out, stderr := runAudit(t, "audit", "verify", "--dir", n.Dir, "--checkpoints", saved)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("OK: %d events", size)) {
		t.Fatalf("intact log: exit %d\n%s%s", code, out, stderr)
	}
	snap := snapshotAudit(t, d)
	last, tail := size-1, size-4
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	body := func(i int) []byte {
		var b []byte
		if err := d.QueryRowContext(ctx, `SELECT body FROM audit_events WHERE leaf_index = ?`, i).Scan(&b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name   string
		tamper func()
		want   string
	}{
		{"update a field", func() {
			idx, e, err := audit.DecodeEvent(body(6))
			if err != nil {
				t.Fatal(err)
			}
			e.ActorName = "someone-else"
			enc, err := audit.EncodeEvent(idx, e)
			if err != nil {
				t.Fatal(err)
			}
			exec(`UPDATE audit_events SET body = ? WHERE leaf_index = 6`, enc)
		}, "first bad entry 6"},
		{"delete one", func() { exec(`DELETE FROM audit_events WHERE leaf_index = 4`) }, "first bad entry 4"},
		{"swap two", func() {
			b3, b9 := body(3), body(9)
			exec(`UPDATE audit_events SET body = ? WHERE leaf_index = 3`, b9)
			exec(`UPDATE audit_events SET body = ? WHERE leaf_index = 9`, b3)
		}, "first bad entry 3"},
		{"append a forged one", func() {
			idx, e, err := audit.DecodeEvent(body(last))
			if err != nil {
				t.Fatal(err)
			}
			enc, err := audit.EncodeEvent(idx+1, e)
			if err != nil {
				t.Fatal(err)
			}
			leaf := audit.LeafHash(enc)
			exec(`INSERT INTO audit_events (leaf_index, time, kind, actor_id, agency, case_ref, body, leaf_hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				size, e.Time.UnixMicro(), string(e.Kind), e.ActorID, e.Agency, e.CaseRef, enc, leaf[:], leaf[:])
			exec(`UPDATE audit_head SET next_index = next_index + 1`)
		}, fmt.Sprintf("first bad entry %d", size)},
		{"truncate the tail", func() {
			exec(`DELETE FROM audit_objects WHERE leaf_index >= ?`, tail)
			exec(`DELETE FROM audit_events WHERE leaf_index >= ?`, tail)
		}, fmt.Sprintf("first bad entry %d", tail)},
		{"truncate the tail and its checkpoints", func() {
			exec(`DELETE FROM audit_objects WHERE leaf_index >= ?`, tail)
			exec(`DELETE FROM audit_events WHERE leaf_index >= ?`, tail)
			exec(`DELETE FROM audit_checkpoints WHERE size > ?`, tail)
			exec(`UPDATE audit_head SET next_index = ? WHERE next_index > 0`, tail)
		}, fmt.Sprintf("first bad entry %d", tail)}, // caught by the checkpoint saved outside the node
	} {
		tc.tamper()
		code, out, stderr := runAudit(t, "audit", "verify", "--dir", n.Dir, "--checkpoints", saved)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, want 1 with %q\n%s%s", tc.name, code, tc.want, out, stderr)
		}
		snap.restore(t, d)
	}
	if code, out, stderr := runAudit(t, "audit", "verify", "--dir", n.Dir); code != 0 {
		t.Fatalf("restored log: exit %d\n%s%s", code, out, stderr)
	}

	// Cannot read: exit 2.
	bad := filepath.Join(t.TempDir(), "garbage.json")
	os.WriteFile(bad, []byte("{"), 0o600)
	for name, args := range map[string][]string{
		"no such directory":      {"audit", "verify", "--dir", filepath.Join(t.TempDir(), "none")},
		"unreadable checkpoints": {"audit", "verify", "--dir", n.Dir, "--checkpoints", bad},
		"no node given":          {"audit", "verify"},
	} {
		if code, _, stderr := runAudit(t, args...); code != 2 {
			t.Errorf("%s: exit %d, want 2: %s", name, code, stderr)
		}
	}
}

// TestAuditExportCommand exports a range, verifies it with the binary alone,
// and checks that an edited export exits 1.
func TestAuditExportCommand(t *testing.T) {
	n := testnode.Init(t, testnode.Options{})
	n.Start()
	for i := range 5 {
		if _, err := n.CLI("user", "add", fmt.Sprintf("officer%d", i), "--role", "analyst"); err != nil {
			t.Fatal(err)
		}
	}
	saved := filepath.Join(t.TempDir(), "checkpoints.json")
	if _, err := n.CLI("audit", "checkpoint", "save", saved); err != nil {
		t.Fatal(err)
	}
	exp := filepath.Join(t.TempDir(), "export.jsonl")
	if _, err := n.CLI("audit", "export", "--start", "1", "--end", "6", "--out", exp); err == nil {
		t.Fatal("export without a justification succeeded")
	}
	if out, err := n.CLI("--case", "DPO-2025-7", "audit", "export", "--start", "1", "--end", "6", "--out", exp); err != nil || !strings.Contains(out, "OK: events 1 to 5") {
		t.Fatalf("export: %v %s", err, out)
	}
	code, out, stderr := runAudit(t, "audit", "verify-export", exp, "--checkpoints", saved)
	if code != 0 {
		t.Fatalf("verify-export: exit %d %s%s", code, out, stderr)
	}
	data, _ := os.ReadFile(exp)
	lines := strings.SplitAfter(string(data), "\n")
	lines[3] = strings.Replace(lines[3], `"kind":"user-changed"`, `"kind":"login"`, 1)
	os.WriteFile(exp, []byte(strings.Join(lines, "")), 0o600)
	if code, _, stderr := runAudit(t, "audit", "verify-export", exp, "--checkpoints", saved); code != 1 || !strings.Contains(stderr, "first bad entry 3") {
		t.Fatalf("edited export: exit %d %s", code, stderr)
	}
	// The node and the remote verifier agree; the export was audited.
	if out, err := n.CLI("--case", "DPO-2025-7", "audit", "verify", "--url", n.URL(), "--checkpoints", saved); err != nil || !strings.Contains(out, "OK:") {
		t.Fatalf("remote verify: %v %s", err, out)
	}
	if out, err := n.CLI("--case", "DPO-2025-7", "audit", "search", "--kind", "consult", "--json"); err != nil || !strings.Contains(out, "audit export") {
		t.Fatalf("the export is not in the log: %v %s", err, out)
	}
}

// TestAuditSurvivesCrash kills `liaison serve` (SIGKILL) during a stream of
// audited writes; after a restart the log verifies and every acknowledged
// write has its event.
func TestAuditSurvivesCrash(t *testing.T) {
	n := testnode.Init(t, testnode.Options{})
	n.Start()
	acked := n.KillDuringWrites(t, 200, 20, 15*time.Second)
	n.Start() // opening the log covers the events the crash left unsigned
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runAudit(t, "audit", "verify", "--dir", n.Dir); code != 0 {
		t.Fatalf("verify after crash: exit %d\n%s%s", code, out, stderr)
	}
	d := openNodeDB(t, n.Dir)
	rows, err := d.QueryContext(context.Background(), `SELECT o.ref_id FROM audit_objects o JOIN audit_events e ON e.leaf_index = o.leaf_index
		WHERE e.kind = 'token-created' AND o.ref_type = 'token'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		have[id] = true
	}
	for id := range acked {
		if !have[id] {
			t.Errorf("acknowledged token %s has no token-created event", id)
		}
	}
	t.Logf("%d acknowledged writes, %d token-created events", len(acked), len(have))
}
