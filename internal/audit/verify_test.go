package audit

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
)

// tamperLog is a log of 40 events (some with no or two objects) with
// checkpoints at 10 and 40.
func tamperLog(t *testing.T) (*db.DB, *Log) {
	t.Helper()
	d := dbtest.Open(t, Schema)
	l := openTestLog(t, d)
	ctx := context.Background()
	add := func(from, to int) {
		for i := from; i < to; i++ {
			e := testEvent(i)
			switch i % 7 {
			case 3:
				e.Objects = nil
			case 5:
				e.Objects = append(e.Objects, Ref{Type: "entity", ID: "ent-" + e.Objects[0].ID})
			}
			if err := d.Write(ctx, func(tx *db.Tx) error { return l.Append(ctx, tx, e) }); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
	add(0, 10)
	add(10, 40)
	return d, l
}

func execSQL(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func storedBody(t *testing.T, d *db.DB, index int) []byte {
	t.Helper()
	var b []byte
	if err := d.QueryRowContext(context.Background(), `SELECT body FROM audit_events WHERE leaf_index = ?`, index).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// reencode returns event index's encoding after edit, and its leaf hash.
func reencode(t *testing.T, d *db.DB, index int, edit func(*Event)) ([]byte, []byte) {
	t.Helper()
	idx, e, err := DecodeEvent(storedBody(t, d, index))
	if err != nil {
		t.Fatal(err)
	}
	edit(&e)
	enc, err := EncodeEvent(idx, e)
	if err != nil {
		t.Fatal(err)
	}
	leaf := LeafHash(enc)
	return enc, leaf[:]
}

func TestVerifyIntact(t *testing.T) {
	d, l := tamperLog(t)
	rep, err := Verify(context.Background(), d, l.Keys(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cp, _ := l.Latest()
	if rep.Problem != nil || rep.Size != 40 || string(rep.Root) != string(cp.Root) || rep.Checkpoints != 3 {
		t.Fatalf("intact log: %+v, problem %v", rep, rep.Problem)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, d *db.DB, l *Log)
		want   uint64
		reason string
	}{
		{"edit a field of the encoding", func(t *testing.T, d *db.DB, l *Log) {
			enc, _ := reencode(t, d, 17, func(e *Event) { e.Purpose = "something else" })
			execSQL(t, d, `UPDATE audit_events SET body = ? WHERE leaf_index = 17`, enc)
		}, 17, "leaf hash"},
		{"edit a field and its leaf hash", func(t *testing.T, d *db.DB, l *Log) {
			enc, leaf := reencode(t, d, 17, func(e *Event) { e.ActorID = "u-innocent" })
			execSQL(t, d, `UPDATE audit_events SET body = ?, leaf_hash = ?, actor_id = 'u-innocent' WHERE leaf_index = 17`, enc, leaf)
		}, 17, "MAC"},
		{"edit a search column", func(t *testing.T, d *db.DB, l *Log) {
			execSQL(t, d, `UPDATE audit_events SET actor_id = 'u-innocent' WHERE leaf_index = 23`)
		}, 23, "search columns"},
		{"delete an object row", func(t *testing.T, d *db.DB, l *Log) {
			execSQL(t, d, `DELETE FROM audit_objects WHERE leaf_index = 26`)
		}, 26, "object index rows"},
		{"delete one event", func(t *testing.T, d *db.DB, l *Log) {
			execSQL(t, d, `DELETE FROM audit_objects WHERE leaf_index = 12`)
			execSQL(t, d, `DELETE FROM audit_events WHERE leaf_index = 12`)
		}, 12, "missing"},
		{"swap two events", func(t *testing.T, d *db.DB, l *Log) {
			execSQL(t, d, `UPDATE audit_events SET leaf_index = -1 WHERE leaf_index = 5`)
			execSQL(t, d, `UPDATE audit_events SET leaf_index = 5 WHERE leaf_index = 30`)
			execSQL(t, d, `UPDATE audit_events SET leaf_index = 30 WHERE leaf_index = -1`)
		}, 5, "moved or swapped"},
		{"append a forged event", func(t *testing.T, d *db.DB, l *Log) {
			e := testEvent(99)
			e.Time = time.Now().UTC().Truncate(time.Microsecond)
			enc, err := EncodeEvent(40, e)
			if err != nil {
				t.Fatal(err)
			}
			leaf := LeafHash(enc)
			mac := make([]byte, 32)
			rand.Read(mac)
			execSQL(t, d, `INSERT INTO audit_events (leaf_index, time, kind, actor_id, agency, case_ref, body, leaf_hash, mac) VALUES (40, ?, ?, ?, ?, ?, ?, ?, ?)`,
				e.Time.UnixMicro(), string(e.Kind), e.ActorID, e.Agency, e.CaseRef, enc, leaf[:], mac)
			execSQL(t, d, `INSERT INTO audit_objects (leaf_index, ref_type, ref_id) VALUES (40, 'record', 'rec-99')`)
		}, 40, "MAC"},
		{"truncate the tail", func(t *testing.T, d *db.DB, l *Log) {
			execSQL(t, d, `DELETE FROM audit_objects WHERE leaf_index >= 33`)
			execSQL(t, d, `DELETE FROM audit_events WHERE leaf_index >= 33`)
		}, 33, "truncated"},
		{"rewrite an event with the node key", func(t *testing.T, d *db.DB, l *Log) {
			enc, leaf := reencode(t, d, 20, func(e *Event) { e.Justification = "a better story" })
			mac := l.Keys().eventMAC(20, [32]byte(leaf))
			execSQL(t, d, `UPDATE audit_events SET body = ?, leaf_hash = ?, mac = ? WHERE leaf_index = 20`, enc, leaf, mac[:])
		}, 10, "do not hash to the stored checkpoint of size 40"},
		{"edit a stored checkpoint", func(t *testing.T, d *db.DB, l *Log) {
			execSQL(t, d, `UPDATE audit_checkpoints SET note = REPLACE(note, '40', '41') WHERE size = 40`)
		}, 40, "does not verify"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, l := tamperLog(t)
			tc.tamper(t, d, l)
			rep, err := Verify(context.Background(), d, l.Keys(), nil)
			if err != nil {
				t.Fatalf("verify could not read the log: %v", err)
			}
			if rep.Problem == nil {
				t.Fatal("tampering not detected")
			}
			if rep.Problem.Index != tc.want || !strings.Contains(rep.Problem.Reason, tc.reason) {
				t.Fatalf("problem %v, want index %d (%s)", rep.Problem, tc.want, tc.reason)
			}
		})
	}
}

// TestVerifyTruncationWithCheckpoints: an attacker who deletes the tail and
// the checkpoints covering it is caught by a checkpoint saved outside the
// node (and, on PostgreSQL, by the index counter unless also rewritten).
func TestVerifyTruncationWithCheckpoints(t *testing.T) {
	d, l := tamperLog(t)
	saved, _ := l.Latest()
	execSQL(t, d, `DELETE FROM audit_objects WHERE leaf_index >= 33`)
	execSQL(t, d, `DELETE FROM audit_events WHERE leaf_index >= 33`)
	execSQL(t, d, `DELETE FROM audit_checkpoints WHERE size > 33`)
	execSQL(t, d, `UPDATE audit_head SET next_index = 33`)
	rep, err := Verify(context.Background(), d, l.Keys(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem != nil {
		t.Fatalf("a consistent truncation is invisible to the node's own storage, yet verify reported %v", rep.Problem)
	}
	rep, err = Verify(context.Background(), d, l.Keys(), []Checkpoint{saved.Checkpoint})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem == nil || rep.Problem.Index != 33 || !strings.Contains(rep.Problem.Reason, "trusted checkpoint of size 40") {
		t.Fatalf("truncation below a trusted checkpoint: %v", rep.Problem)
	}
}

// TestLogRefusesToSignForgedEvents: the integrator checks every event before
// a checkpoint covers it, and a reopened log checks its tree against the
// last checkpoint.
func TestLogRefusesToSignForgedEvents(t *testing.T) {
	d, l := tamperLog(t)
	ctx := context.Background()
	appendEvents(t, d, l, 40, 3)
	enc, _ := reencode(t, d, 41, func(e *Event) { e.Purpose = "forged" })
	execSQL(t, d, `UPDATE audit_events SET body = ? WHERE leaf_index = 41`, enc)
	if _, err := l.Checkpoint(ctx); err == nil {
		t.Fatal("checkpoint signed over an edited event")
	}
	if l.Err() == nil || !strings.Contains(l.Err().Error(), "event 41") {
		t.Fatalf("Err() = %v", l.Err())
	}
	if cp, _ := l.Latest(); cp.Size != 40 {
		t.Fatalf("latest checkpoint moved to %d", cp.Size)
	}
	// Appends go on: the node keeps recording while the DPO investigates.
	appendEvents(t, d, l, 43, 1)

	// An edit below the last checkpoint is found when the log opens.
	d2, _ := tamperLog(t)
	_, leaf := reencode(t, d2, 3, func(e *Event) { e.Purpose = "forged" })
	execSQL(t, d2, `UPDATE audit_events SET leaf_hash = ? WHERE leaf_index = 3`, leaf)
	l3, err := Open(ctx, d2, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	if l3.Err() == nil {
		t.Fatal("reopened log accepted stored leaf hashes that contradict its checkpoint")
	}
	if _, err := l3.Checkpoint(ctx); err == nil {
		t.Fatal("broken log signed a checkpoint")
	}
}
