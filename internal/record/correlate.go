package record

import (
	"context"
	"fmt"
	"slices"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/policy"
)

// Correlations are the links of one record to the other records the
// caller may read, through shared identifiers.
type Correlations struct {
	RecordID    string        `json:"recordId"`
	Identifiers []Correlation `json:"identifiers"`
	// Truncated says that the record shares more than maxCorrelationRows
	// (record, identifier) links and only the first are listed.
	Truncated bool `json:"truncated,omitempty"`
}

// Correlation is one identifier of the record and the other records that
// hold it.
type Correlation struct {
	Kind      string   `json:"kind"`
	Value     string   `json:"value"`
	EntityIDs []string `json:"entityIds"`
	// OverCorrelating marks a value that is not expanded: it is on the
	// exclusion list (Reason "excluded") or held by more than the
	// configured number of times on this node (Reason "common").
	OverCorrelating bool               `json:"overCorrelating,omitempty"`
	Reason          string             `json:"reason,omitempty"`
	Records         []CorrelatedRecord `json:"records,omitempty"`
}

// CorrelatedRecord is another record holding an identifier.
type CorrelatedRecord struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Originator string   `json:"originator"`
	EntityIDs  []string `json:"entityIds"`
	Rule       string   `json:"rule"`
}

// maxCorrelationRows bounds the links one Correlations call returns.
const maxCorrelationRows = 5000

// Correlations links record id to the other records the caller may read
// that share an identifier with it, computed on the fly from the inverted
// index: one query joins the record's identifier rows with the other rows
// of the same values, skipping values that occur more than MaxCorrelation
// times, so the work is bounded by MaxCorrelation per identifier however
// common a value is. (Occurrences are counted per entity, so a value
// repeated within records becomes common no later than by record count.) It records a combine event naming the records linked.
func (s *Service) Correlations(ctx context.Context, id string) (*Correlations, error) {
	now := s.now()
	sc, _, err := s.scope(ctx, now)
	if err != nil {
		return nil, err
	}
	var (
		out  *Correlations
		base *stored
		dec  policy.Decision
	)
	err = s.db.Read(ctx, func(q db.Querier) error {
		st, d, err := readable(ctx, q, sc, id)
		if err != nil {
			return err
		}
		if base, dec = st, d; !d.Allowed {
			return nil
		}
		out, err = s.correlate(ctx, q, sc, st)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !dec.Allowed {
		err := s.db.Write(ctx, func(tx *db.Tx) error { return s.denied(ctx, tx, audit.Combine, id, dec) })
		if err != nil {
			return nil, err
		}
		return nil, withheld(dec)
	}
	ids := []string{id}
	for _, c := range out.Identifiers {
		for _, r := range c.Records {
			if !slices.Contains(ids, r.ID) {
				ids = append(ids, r.ID)
			}
		}
	}
	e := event(ctx, audit.Combine, &base.rec.Envelope, ids...)
	e.Reason = dec.Rule
	if err := s.db.Write(ctx, func(tx *db.Tx) error { return s.appendChunked(ctx, tx, e) }); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) correlate(ctx context.Context, q db.Querier, sc policy.ReadScope, st *stored) (*Correlations, error) {
	out := &Correlations{RecordID: st.rec.ID, Identifiers: []Correlation{}}
	if st.rec.State == StateWithdrawn {
		return out, nil // a withdrawn record has no index rows
	}
	// The record's own identifiers, and whether each value occurs more
	// than MaxCorrelation times: the (MaxCorrelation+1)th occurrence
	// exists. The probe reads at most MaxCorrelation+1 index entries
	// however common the value is.
	rows, err := q.QueryContext(ctx, `SELECT i.kind, i.value, i.entity_id,
		EXISTS (SELECT 1 FROM record_identifiers c WHERE c.kind = i.kind AND c.value = i.value LIMIT 1 OFFSET ?)
		FROM record_identifiers i WHERE i.rid = ? ORDER BY i.kind, i.value, i.entity_id`, s.cfg.MaxCorrelation, st.rid)
	if err != nil {
		return nil, fmt.Errorf("read identifiers: %w", err)
	}
	byValue := make(map[[2]string]int)
	for rows.Next() {
		var kind, value, entity string
		var common bool
		if err := rows.Scan(&kind, &value, &entity, &common); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read identifiers: %w", err)
		}
		k := [2]string{kind, value}
		i, ok := byValue[k]
		if !ok {
			i = len(out.Identifiers)
			byValue[k] = i
			c := Correlation{Kind: kind, Value: value}
			switch {
			case s.excl.excluded(kind, value):
				c.OverCorrelating, c.Reason = true, "excluded"
			case common:
				c.OverCorrelating, c.Reason = true, "common"
			}
			out.Identifiers = append(out.Identifiers, c)
		}
		out.Identifiers[i].EntityIDs = append(out.Identifiers[i].EntityIDs, entity)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// The other records holding the record's values, except common ones
	// (the same probe), so that no value contributes more than
	// MaxCorrelation rows.
	cond, args := scopeSQL(sc)
	lrows, err := q.QueryContext(ctx, `SELECT mine.kind, mine.value, o.entity_id, `+summaryColumns+`
		FROM (SELECT DISTINCT kind, value FROM record_identifiers WHERE rid = ?) mine
		JOIN record_identifiers o ON o.kind = mine.kind AND o.value = mine.value AND o.rid <> ?
		JOIN records r ON r.rid = o.rid
		WHERE NOT EXISTS (SELECT 1 FROM record_identifiers c WHERE c.kind = mine.kind AND c.value = mine.value LIMIT 1 OFFSET ?)
		AND `+listable+` AND `+cond+`
		ORDER BY mine.kind, mine.value, o.rid DESC, o.entity_id LIMIT ?`,
		append(append([]any{st.rid, st.rid, s.cfg.MaxCorrelation}, args...), maxCorrelationRows+1)...)
	if err != nil {
		return nil, fmt.Errorf("correlate: %w", err)
	}
	defer lrows.Close()
	n := 0
	for lrows.Next() {
		if n++; n > maxCorrelationRows {
			out.Truncated = true
			break
		}
		var kind, value, entity string
		r, err := scanSummary(prefixScanner{lrows, []any{&kind, &value, &entity}}, &s.envs)
		if err != nil {
			return nil, err
		}
		c := &out.Identifiers[byValue[[2]string{kind, value}]]
		if c.OverCorrelating {
			continue
		}
		d := sc.Decide(r.env)
		if !d.Allowed {
			s.log.ErrorContext(ctx, "record read filter let through a record the policy denies", "record", r.sum.ID, "rule", d.Rule)
			continue
		}
		if k := len(c.Records); k > 0 && c.Records[k-1].ID == r.sum.ID {
			c.Records[k-1].EntityIDs = append(c.Records[k-1].EntityIDs, entity)
			continue
		}
		c.Records = append(c.Records, CorrelatedRecord{ID: r.sum.ID, Title: r.sum.Title, Originator: r.sum.Originator,
			EntityIDs: []string{entity}, Rule: d.Rule})
	}
	return out, lrows.Err()
}
