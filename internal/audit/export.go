package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"

	"github.com/liaison-project/liaison/internal/errs"
)

// ExportFormat names the export format: JSON lines, a header line and then
// one line per event in leaf order. An oversight body verifies an export
// with `liaison audit verify-export` and nothing else: the header carries
// the signed checkpoint, and every event line its canonical encoding, its
// readable form and (unless left out) its inclusion proof in the
// checkpoint's tree, so a single line is evidence on its own.
const ExportFormat = "liaison-audit-export/v1"

// ExportHeader is the first line of an export.
type ExportHeader struct {
	Format      string     `json:"format"`
	Origin      string     `json:"origin"`
	VerifierKey string     `json:"verifierKey"` // the log key; pin it out of band
	Checkpoint  string     `json:"checkpoint"`  // signed note of the tree the proofs are for
	Start       uint64     `json:"start"`       // first leaf index exported
	End         uint64     `json:"end"`         // one past the last
	From        *time.Time `json:"from,omitempty"`
	To          *time.Time `json:"to,omitempty"`
	Proofs      bool       `json:"proofs"`
	ExportedAt  time.Time  `json:"exportedAt"`
}

// ExportLine is one event of an export.
type ExportLine struct {
	Index uint64   `json:"index"`
	Leaf  []byte   `json:"leaf"`            // canonical encoding (base64)
	Event Event    `json:"event"`           // the same event, readable
	Proof [][]byte `json:"proof,omitempty"` // inclusion proof in the checkpoint's tree
}

// ExportRange selects what to export: the events of [From, To) when either
// time is set, else leaf indexes [Start, End) (End 0: up to the checkpoint).
type ExportRange struct {
	From, To   time.Time
	Start, End uint64
	Proofs     bool
}

// MaxExportEvents bounds one export; a verifier pages through larger logs.
const MaxExportEvents = 1 << 20

// PrepareExport signs a checkpoint covering every event committed so far
// and resolves the range into leaf indexes. Events are appended in time
// order, so a time range is the leaf range from the first event at or
// after From to the last before To; the export holds every event between
// them, so that it is a contiguous, checkable piece of the log.
func (l *Log) PrepareExport(ctx context.Context, r ExportRange) (ExportHeader, error) {
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return ExportHeader{}, err
	}
	h := ExportHeader{Format: ExportFormat, Origin: l.keys.origin, VerifierKey: l.keys.vkey, Checkpoint: string(cp.Note),
		Proofs: r.Proofs, ExportedAt: l.now().UTC()}
	if !r.From.IsZero() || !r.To.IsZero() {
		if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
			return ExportHeader{}, errs.E(errs.Invalid, "to", "to must be after from")
		}
		q := `SELECT MIN(leaf_index), MAX(leaf_index) FROM audit_events WHERE leaf_index < ?`
		args := []any{int64(cp.Size)}
		if !r.From.IsZero() {
			from := r.From.UTC()
			h.From = &from
			q += ` AND time >= ?`
			args = append(args, from.UnixMicro())
		}
		if !r.To.IsZero() {
			to := r.To.UTC()
			h.To = &to
			q += ` AND time < ?`
			args = append(args, to.UnixMicro())
		}
		var first, last *int64
		if err := l.db.QueryRowContext(ctx, q, args...).Scan(&first, &last); err != nil {
			return ExportHeader{}, fmt.Errorf("resolve export range: %w", err)
		}
		if first != nil && last != nil {
			h.Start, h.End = uint64(*first), uint64(*last)+1
		}
	} else {
		h.Start, h.End = r.Start, r.End
		if h.End == 0 || h.End > cp.Size {
			h.End = cp.Size
		}
		if h.Start > h.End {
			return ExportHeader{}, errs.E(errs.Invalid, "start", fmt.Sprintf("start beyond the %d events checkpointed", cp.Size))
		}
	}
	if h.End-h.Start > MaxExportEvents {
		return ExportHeader{}, errs.E(errs.TooLarge, fmt.Sprintf("%d events: export at most %d at a time", h.End-h.Start, MaxExportEvents))
	}
	return h, nil
}

// WriteExport writes the export described by h (from PrepareExport) to w.
// Every event is checked against its MAC first; a failing one ends the
// export early, which the verifier of the export reports.
func (l *Log) WriteExport(ctx context.Context, w io.Writer, h ExportHeader) error {
	cp, _, err := OpenCheckpoint([]byte(h.Checkpoint), l.keys.verifier)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(h); err != nil {
		return err
	}
	const batch = 1000
	for next := h.Start; next < h.End; {
		end := min(next+batch, h.End)
		rows, err := l.db.QueryContext(ctx, `SELECT leaf_index, body, leaf_hash, mac FROM audit_events
			WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index`, int64(next), int64(end))
		if err != nil {
			return fmt.Errorf("export audit events: %w", err)
		}
		var lines []ExportLine
		for rows.Next() {
			var r storedEvent
			if err := rows.Scan(&r.index, &r.body, &r.leafHash, &r.mac); err != nil {
				rows.Close()
				return fmt.Errorf("export audit events: %w", err)
			}
			e, err := r.decode(l.keys, next+uint64(len(lines)))
			if err != nil {
				rows.Close()
				return fmt.Errorf("export audit events: %w", err)
			}
			lines = append(lines, ExportLine{Index: uint64(r.index), Leaf: r.body, Event: e})
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("export audit events: %w", err)
		}
		if uint64(len(lines)) != end-next {
			return fmt.Errorf("export audit events: %w", &IntegrityError{Index: next + uint64(len(lines)), Reason: "missing"})
		}
		for i := range lines {
			if h.Proofs {
				if lines[i].Proof, err = l.tree.Inclusion(ctx, lines[i].Index, cp.Size); err != nil {
					return fmt.Errorf("export audit events: %w", err)
				}
			}
			if err := enc.Encode(lines[i]); err != nil {
				return err
			}
		}
		next = end
	}
	return bw.Flush()
}

// ExportReport is the outcome of verifying an export.
type ExportReport struct {
	Header     ExportHeader
	Checkpoint Checkpoint
	Events     uint64          // event lines verified
	Root       []byte          // with an export from index 0 without proofs: the recomputed root
	Problem    *IntegrityError // first problem; nil when the export is intact
}

// maxExportLine bounds one line of an export.
const maxExportLine = 4 << 20

// VerifyExport reads an export and checks it: the header's checkpoint must
// be signed by log (the pinned log key), and every event line must be the
// next leaf index, its readable event must be exactly its canonical
// encoding, and its inclusion proof must lead to the checkpoint's root. An
// export of the whole log from index 0 without proofs is checked by
// recomputing the tree instead, against the checkpoint and against trusted
// checkpoints (saved earlier) it covers.
//
// An error means the input is not an export or could not be read; damage
// inside it is reported in ExportReport.Problem.
func VerifyExport(r io.Reader, log note.Verifier, trusted []Checkpoint) (*ExportReport, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxExportLine)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read export: %w", err)
		}
		return nil, errors.New("read export: empty input")
	}
	var h ExportHeader
	if err := strictJSON(sc.Bytes(), &h); err != nil || h.Format != ExportFormat {
		return nil, fmt.Errorf("not a %s export: bad header line", ExportFormat)
	}
	rep := &ExportReport{Header: h}
	cp, _, err := OpenCheckpoint([]byte(h.Checkpoint), log)
	if err != nil {
		rep.Problem = &IntegrityError{Index: h.Start, Reason: fmt.Sprintf("export checkpoint: %v", err)}
		return rep, nil
	}
	rep.Checkpoint = cp
	if h.Start > h.End || h.End > cp.Size {
		rep.Problem = &IntegrityError{Index: h.Start, Reason: fmt.Sprintf("header range [%d, %d) is not within the checkpoint's %d events", h.Start, h.End, cp.Size)}
		return rep, nil
	}
	recompute := !h.Proofs && h.Start == 0
	if !h.Proofs && !recompute {
		rep.Problem = &IntegrityError{Index: h.Start, Reason: "an export that does not start at index 0 needs inclusion proofs"}
		return rep, nil
	}
	rng := rangeFactory.NewEmptyRange(0)
	v := exportVerifier{rep: rep, root: cp.Root, rng: rng, trusted: trusted}
	next := h.Start
	for next < h.End && rep.Problem == nil && sc.Scan() {
		v.line(next, sc.Bytes(), recompute)
		next++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read export: %w", err)
	}
	if rep.Problem != nil {
		return rep, nil
	}
	if next < h.End {
		rep.Problem = &IntegrityError{Index: next, Reason: fmt.Sprintf("missing: the export ends before index %d", h.End)}
		return rep, nil
	}
	if sc.Scan() {
		rep.Problem = &IntegrityError{Index: h.End, Reason: "lines beyond the range the header declares"}
		return rep, nil
	}
	if recompute {
		v.checkRoot(cp.Size, cp.Root, "export checkpoint")
		if rep.Problem == nil && h.End == cp.Size {
			rep.Root = cp.Root
		}
	}
	return rep, nil
}

type exportVerifier struct {
	rep     *ExportReport
	root    []byte
	rng     *compact.Range
	trusted []Checkpoint
	matched uint64 // size of the last checkpoint the recomputed tree matched
}

func (v *exportVerifier) fail(index uint64, format string, args ...any) {
	if v.rep.Problem == nil {
		v.rep.Problem = &IntegrityError{Index: index, Reason: fmt.Sprintf(format, args...)}
	}
}

// line checks the line expected to hold leaf index want.
func (v *exportVerifier) line(want uint64, b []byte, recompute bool) {
	var l ExportLine
	if err := strictJSON(b, &l); err != nil {
		v.fail(want, "line is not an export event line: %v", err)
		return
	}
	if l.Index != want {
		v.fail(want, "missing or out of order (the line holds index %d)", l.Index)
		return
	}
	idx, _, err := DecodeEvent(l.Leaf)
	if err != nil {
		v.fail(want, "leaf undecodable: %v", err)
		return
	}
	if idx != want {
		v.fail(want, "leaf is the encoding of event %d (moved or swapped)", idx)
		return
	}
	if enc, err := EncodeEvent(want, l.Event); err != nil || !bytes.Equal(enc, l.Leaf) {
		v.fail(want, "readable event differs from its signed encoding (edited)")
		return
	}
	leaf := LeafHash(l.Leaf)
	if recompute {
		if err := v.rng.Append(leaf[:], nil); err != nil {
			v.fail(want, "merkle tree: %v", err)
			return
		}
		for _, c := range v.trusted {
			if c.Size == want+1 {
				v.checkRoot(c.Size, c.Root, "trusted checkpoint")
			}
		}
	} else {
		p := InclusionProof{Index: want, Size: v.rep.Checkpoint.Size, LeafHash: leaf[:], Hashes: l.Proof}
		if err := p.Verify(v.root); err != nil {
			v.fail(want, "inclusion proof does not verify: %v", err)
			return
		}
	}
	v.rep.Events++
}

// checkRoot compares the recomputed tree of size with a checkpoint's root.
func (v *exportVerifier) checkRoot(size uint64, root []byte, what string) {
	got := hasher.EmptyRoot()
	if v.rng.End() > 0 {
		got, _ = v.rng.GetRootHash(nil) // the range starts at 0
	}
	if v.rng.End() != size || !bytes.Equal(got, root) {
		v.fail(v.matched, "events %d to %d do not hash to the %s of size %d", v.matched, size-1, what, size)
		return
	}
	v.matched = size
}

// strictJSON decodes one JSON value, refusing unknown fields.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}
