package audit

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
)

// maxCosignatureSkew is how far in the future a cosignature's timestamp may
// lie (clock differences between nodes).
const maxCosignatureSkew = 5 * time.Minute

// AddCosignatures takes a checkpoint note of this log carrying partner
// witnesses' cosignatures, checks that the checkpoint is one the node
// signed and that each cosignature verifies under the key the node knows
// for that witness, and stores them. Signature lines of unknown witnesses
// are refused, not ignored, so that a partner learns its key is not known.
func (l *Log) AddCosignatures(ctx context.Context, msg []byte) ([]Cosignature, error) {
	c, n, err := OpenCheckpoint(msg, l.keys.verifier)
	if err != nil {
		return nil, errs.E(errs.Invalid, "checkpoint", err.Error())
	}
	var stored string
	err = l.db.QueryRowContext(ctx, `SELECT note FROM audit_checkpoints WHERE size = ?`, int64(c.Size)).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "checkpoint", fmt.Sprintf("this node signed no checkpoint of size %d", c.Size))
	}
	if err != nil {
		return nil, fmt.Errorf("read audit checkpoint: %w", err)
	}
	if _, own, err := OpenCheckpoint([]byte(stored), l.keys.verifier); err != nil || own.Text != n.Text {
		return nil, errs.E(errs.Invalid, "checkpoint", "the checkpoint differs from the one this node signed for that size")
	}
	if len(n.UnverifiedSigs) == 0 {
		return nil, errs.E(errs.Invalid, "checkpoint", "no cosignature on the checkpoint")
	}
	witnesses := []note.Verifier{}
	for _, s := range n.UnverifiedSigs {
		var v *CosignatureVerifier
		ok := false
		if l.witness != nil {
			v, ok = l.witness.Witness(s.Name)
		}
		if !ok || v.KeyHash() != s.Hash {
			return nil, errs.E(errs.Permission, "checkpoint", fmt.Sprintf("no known witness key %s+%08x", s.Name, s.Hash))
		}
		witnesses = append(witnesses, v)
	}
	_, n, err = OpenCheckpoint(msg, l.keys.verifier, witnesses...)
	if err != nil {
		return nil, errs.E(errs.Invalid, "checkpoint", err.Error())
	}
	now := l.now().UTC()
	var out []Cosignature
	for _, s := range n.Sigs {
		if s.Name == l.keys.origin && s.Hash == l.keys.verifier.KeyHash() {
			continue
		}
		cs, err := cosignatureFrom(s)
		if err != nil {
			return nil, errs.E(errs.Invalid, "checkpoint", err.Error())
		}
		if cs.Time.After(now.Add(maxCosignatureSkew)) {
			return nil, errs.E(errs.Invalid, "checkpoint", fmt.Sprintf("cosignature of %s is dated in the future", cs.Witness))
		}
		out = append(out, cs)
	}
	err = l.db.Write(ctx, func(tx *db.Tx) error {
		for _, cs := range out {
			_, err := tx.ExecContext(ctx, `INSERT INTO audit_cosignatures (checkpoint_size, witness, key_hash, time, line, received_at)
				VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (checkpoint_size, witness) DO UPDATE SET key_hash = excluded.key_hash, time = excluded.time,
					line = excluded.line, received_at = excluded.received_at`,
				int64(c.Size), cs.Witness, int64(cs.KeyHash), cs.Time.Unix(), cs.Line, now.UnixMicro())
			if err != nil {
				return fmt.Errorf("store cosignature: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Cosignatures returns the stored cosignatures of the checkpoint of size.
func (l *Log) Cosignatures(ctx context.Context, size uint64) ([]Cosignature, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT witness, key_hash, time, line FROM audit_cosignatures
		WHERE checkpoint_size = ? ORDER BY witness`, int64(size))
	if err != nil {
		return nil, fmt.Errorf("read cosignatures: %w", err)
	}
	defer rows.Close()
	var out []Cosignature
	for rows.Next() {
		var cs Cosignature
		var hash, ts int64
		if err := rows.Scan(&cs.Witness, &hash, &ts, &cs.Line); err != nil {
			return nil, fmt.Errorf("read cosignatures: %w", err)
		}
		cs.KeyHash, cs.Time = uint32(hash), time.Unix(ts, 0).UTC()
		out = append(out, cs)
	}
	return out, rows.Err()
}

// cosignedNote is a checkpoint note with its stored cosignature lines
// appended (a signed note lists all its signatures after the blank line).
func cosignedNote(msg []byte, cs []Cosignature) []byte {
	out := bytes.Clone(msg)
	for _, c := range cs {
		out = append(out, c.Line...)
		out = append(out, '\n')
	}
	return out
}
