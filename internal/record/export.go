package record

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/policy"
)

// Bounds of an export page, in records.
const (
	DefaultExportLimit = 1000
	MaxExportLimit     = 10_000
)

// Export is a planned page of an export: the records the caller may read
// that match the query, oldest first. Plan it with [Service.Export], then
// write it with [Export.WriteTo]; Next is known before anything is
// written, so that an HTTP handler can send it as a header.
type Export struct {
	s    *Service
	sc   policy.ReadScope
	rids []int64
	// Next is the position of the next page, 0 when this is the last.
	Next int64
	// Records is the number of records in the page.
	Records int
}

// Export plans a page of FtM JSON lines of the records matching q (all its
// filters apply; q.After and q.Limit page by records, oldest first;
// default 1000, at most 10000). Withdrawn and erased records are never
// exported.
func (s *Service) Export(ctx context.Context, q Query) (*Export, error) {
	sc, _, err := s.scope(ctx, s.now())
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = DefaultExportLimit
	}
	if q.Limit > MaxExportLimit {
		return nil, errs.E(errs.Invalid, "limit", fmt.Sprintf("at most %d", MaxExportLimit))
	}
	where, args, err := q.where(s.db.Dialect(), sc)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT r.rid FROM records r WHERE `+where+` AND r.rid > ? ORDER BY r.rid LIMIT ?`,
		append(args, q.After, q.Limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("plan export: %w", err)
	}
	defer rows.Close()
	x := &Export{s: s, sc: sc}
	for rows.Next() {
		var rid int64
		if err := rows.Scan(&rid); err != nil {
			return nil, fmt.Errorf("plan export: %w", err)
		}
		x.rids = append(x.rids, rid)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("plan export: %w", err)
	}
	if len(x.rids) > q.Limit {
		x.rids = x.rids[:q.Limit]
		x.Next = x.rids[len(x.rids)-1]
	}
	x.Records = len(x.rids)
	return x, nil
}

// WriteTo writes the entities of the page's records to w, one FtM JSON
// object per line, in chunks of audit.MaxObjects records: each chunk's
// consult event is committed before its entities are written. An empty
// page still writes one consult event, without objects: the officer
// looked. Properties FtM 3.8 does not know, kept aside on import, are
// written back unchanged. It returns the number of entities written.
func (x *Export) WriteTo(ctx context.Context, w io.Writer) (int, error) {
	if len(x.rids) == 0 {
		e := event(ctx, audit.Consult, nil)
		e.Reason = "export"
		return 0, x.s.audit.Record(ctx, e)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	for start := 0; start < len(x.rids); start += audit.MaxObjects {
		chunk := x.rids[start:min(start+audit.MaxObjects, len(x.rids))]
		recs, err := x.load(ctx, chunk)
		if err != nil {
			return n, err
		}
		ids := make([]string, len(recs))
		for i, r := range recs {
			ids[i] = r.ID
		}
		e := event(ctx, audit.Consult, nil, ids...)
		e.Reason = "export"
		if err := x.s.db.Write(ctx, func(tx *db.Tx) error { return x.s.appendChunked(ctx, tx, e) }); err != nil {
			return n, err
		}
		for _, r := range recs {
			for _, ent := range r.Entities {
				b, err := json.Marshal(ent)
				if err != nil {
					return n, fmt.Errorf("export record %s: %w", r.ID, err)
				}
				bw.Write(b)
				if err := bw.WriteByte('\n'); err != nil {
					return n, err
				}
				n++
			}
		}
		if err := bw.Flush(); err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// load reads the records of a chunk that are still exportable and that
// the read decision allows.
func (x *Export) load(ctx context.Context, rids []int64) ([]*Record, error) {
	args := make([]any, len(rids))
	for i, rid := range rids {
		args[i] = rid
	}
	rows, err := x.s.db.QueryContext(ctx, `SELECT `+recordColumns+` FROM records WHERE rid IN (?`+
		strings.Repeat(", ?", len(rids)-1)+`) AND state IN ('active', 'flagged') ORDER BY rid`, args...)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		st, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		if d := x.sc.Decide(st.rec.Envelope); !d.Allowed {
			x.s.log.ErrorContext(ctx, "record read filter let through a record the policy denies", "record", st.rec.ID, "rule", d.Rule)
			continue
		}
		out = append(out, &st.rec)
	}
	return out, rows.Err()
}
