package record

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/policy"
)

// Query is a search over the records the caller may read. Every condition
// given must hold.
type Query struct {
	// Text is matched against names (across case, diacritics and
	// Cyrillic, Greek and Arabic transliteration) and against title,
	// narrative and assessment; every word must match.
	Text string
	// IdentifierKind and IdentifierValue select records holding this
	// identifier (normalised for the kind before comparison).
	IdentifierKind, IdentifierValue string
	Schema                          string    // an entity of this FtM schema (exactly; not its descendants)
	Country                         string    // an entity with this country in a country-typed property
	Originator                      string    // the originating agency
	CaseRef                         string    // the holder's case reference
	From, To                        time.Time // created at or after From, before To
	Limit                           int       // page size; default 50, at most 500
	After                           int64     // position after which the page starts (Result.Next of the previous page)
	Facets                          bool      // compute facets
}

// Result is one page of search results.
type Result struct {
	Items []Summary `json:"items"`
	// Next is the position of the next page, 0 when this is the last.
	Next int64 `json:"-"`
	// Total counts the matching records the caller may read, up to
	// MaxCount; TotalCapped says there are more.
	Total       int     `json:"total"`
	TotalCapped bool    `json:"totalCapped,omitempty"`
	Facets      *Facets `json:"facets,omitempty"`
}

// Facets count the matching records the caller may read by entity schema,
// entity country and originator. When there are more than MaxCount
// matches they are computed over the newest MaxCount and Partial is set.
type Facets struct {
	Schema     []FacetValue `json:"schema"`
	Country    []FacetValue `json:"country"`
	Originator []FacetValue `json:"originator"`
	Partial    bool         `json:"partial,omitempty"`
}

// FacetValue is one value of a facet and the number of records with it.
type FacetValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Bounds of a search.
const (
	DefaultLimit   = 50
	MaxLimit       = 500
	MaxCount       = 1000 // totals and facets look at no more matches than this
	maxFacetValues = 25
)

// listable excludes withdrawn and erased records from lists, searches,
// lookups, correlations and exports.
const listable = `r.state IN ('active', 'flagged')`

// where builds the query's conditions on records r (scope included).
func (q *Query) where(d db.Dialect, sc policy.ReadScope) (string, []any, error) {
	cond, args := scopeSQL(sc)
	conds := []string{cond, listable}
	add := func(c string, a ...any) {
		conds = append(conds, c)
		args = append(args, a...)
	}
	if q.Text != "" {
		if len(q.Text) > maxQueryBytes || !utf8.ValidString(q.Text) {
			return "", nil, errs.E(errs.Invalid, "q", fmt.Sprintf("query must be valid UTF-8 of at most %d bytes", maxQueryBytes))
		}
		terms := parseQuery(q.Text)
		if len(terms) == 0 {
			return "", nil, errs.E(errs.Invalid, "q", "the query has no searchable word")
		}
		c, a := ftsMatch(d, terms)
		add(c, a)
	}
	if q.IdentifierKind != "" || q.IdentifierValue != "" {
		v, err := NormalizeIdentifier(q.IdentifierKind, q.IdentifierValue)
		if err != nil {
			return "", nil, err
		}
		add(`r.rid IN (SELECT rid FROM record_identifiers WHERE kind = ? AND value = ?)`, q.IdentifierKind, v)
	}
	if q.Schema != "" {
		if _, ok := ftm.LookupSchema(q.Schema); !ok {
			return "", nil, errs.E(errs.Invalid, "schema", "unknown FtM schema")
		}
		add(`r.rid IN (SELECT rid FROM record_terms WHERE field = ? AND value = ?)`, termSchema, q.Schema)
	}
	if q.Country != "" {
		c, err := ftm.NormalizeCountry(q.Country)
		if err != nil {
			return "", nil, errs.E(errs.Invalid, "country", "unknown country")
		}
		add(`r.rid IN (SELECT rid FROM record_terms WHERE field = ? AND value = ?)`, termCountry, c)
	}
	if q.Originator != "" {
		if !policy.ValidAgencyID(q.Originator) {
			return "", nil, errs.E(errs.Invalid, "originator", "not a valid agency id")
		}
		add(`r.originator = ?`, q.Originator)
	}
	if q.CaseRef != "" {
		if !policy.ValidCaseRef(q.CaseRef) {
			return "", nil, errs.E(errs.Invalid, "case", "not a valid case reference")
		}
		add(`r.case_ref = ?`, q.CaseRef)
	}
	if !q.From.IsZero() {
		add(`r.created_at >= ?`, q.From.UnixMicro())
	}
	if !q.To.IsZero() {
		add(`r.created_at < ?`, q.To.UnixMicro())
	}
	return strings.Join(conds, " AND "), args, nil
}

// Search returns a page of the records matching q that the caller may
// read, newest first, with the total and, if asked, facets, all computed
// over readable records only. It records one consult event naming the
// records returned and the keyed hashes of the searched text and
// identifier.
func (s *Service) Search(ctx context.Context, q Query) (*Result, error) {
	now := s.now()
	sc, _, err := s.scope(ctx, now)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit > MaxLimit {
		return nil, errs.E(errs.Invalid, "limit", fmt.Sprintf("at most %d", MaxLimit))
	}
	where, args, err := q.where(s.db.Dialect(), sc)
	if err != nil {
		return nil, err
	}
	res := &Result{Items: []Summary{}}
	err = s.db.Read(ctx, func(tx db.Querier) error {
		page := where
		pargs := args
		if q.After > 0 {
			page += ` AND r.rid < ?`
			pargs = append(slices.Clone(args), q.After)
		}
		rows, err := s.summaries(ctx, tx, sc, `SELECT `+summaryColumns+` FROM records r WHERE `+page+
			` ORDER BY r.rid DESC LIMIT ?`, append(pargs, q.Limit+1)...)
		if err != nil {
			return err
		}
		if len(rows) > q.Limit {
			rows = rows[:q.Limit]
			res.Next = rows[len(rows)-1].rid
		}
		for _, r := range rows {
			res.Items = append(res.Items, r.sum)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM records r WHERE `+where+` LIMIT ?) t`,
			append(slices.Clone(args), MaxCount+1)...).Scan(&n); err != nil {
			return fmt.Errorf("count records: %w", err)
		}
		res.Total, res.TotalCapped = min(n, MaxCount), n > MaxCount
		if q.Facets {
			res.Facets, err = facets(ctx, tx, where, args)
			if err != nil {
				return err
			}
			res.Facets.Partial = res.TotalCapped
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Items))
	for i, it := range res.Items {
		ids[i] = it.ID
	}
	e := event(ctx, audit.Consult, nil, ids...)
	e.Reason = "search"
	if q.Text != "" {
		e.Hashes = append(e.Hashes, s.hasher.HashPersonal("query", q.Text))
	}
	if q.IdentifierValue != "" {
		e.Hashes = append(e.Hashes, s.hasher.HashPersonal(q.IdentifierKind, q.IdentifierValue))
	}
	if err := s.db.Write(ctx, func(tx *db.Tx) error { return s.appendChunked(ctx, tx, e) }); err != nil {
		return nil, err
	}
	return res, nil
}

// summaries runs a query selecting summaryColumns and keeps the rows the
// read decision allows. The SQL filter should already have excluded the
// others; a row it let through is dropped and logged, never returned.
func (s *Service) summaries(ctx context.Context, q db.Querier, sc policy.ReadScope, query string, args ...any) ([]summaryRow, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search records: %w", err)
	}
	defer rows.Close()
	var out []summaryRow
	for rows.Next() {
		r, err := scanSummary(rows, &s.envs)
		if err != nil {
			return nil, err
		}
		d := sc.Decide(r.env)
		if !d.Allowed {
			s.log.ErrorContext(ctx, "record read filter let through a record the policy denies",
				"record", r.sum.ID, "rule", d.Rule)
			continue
		}
		r.sum.Rule = d.Rule
		out = append(out, r)
	}
	return out, rows.Err()
}

// facets counts the newest MaxCount matches by schema, country and
// originator.
func facets(ctx context.Context, q db.Querier, where string, args []any) (*Facets, error) {
	sub := `SELECT r.rid FROM records r WHERE ` + where + ` ORDER BY r.rid DESC LIMIT ?`
	subArgs := append(slices.Clone(args), MaxCount)
	f := &Facets{Schema: []FacetValue{}, Country: []FacetValue{}, Originator: []FacetValue{}}
	rows, err := q.QueryContext(ctx, `SELECT t.field, t.value, COUNT(*) FROM record_terms t WHERE t.rid IN (`+sub+`)
		GROUP BY t.field, t.value`, subArgs...)
	if err != nil {
		return nil, fmt.Errorf("facets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var field string
		var v FacetValue
		if err := rows.Scan(&field, &v.Value, &v.Count); err != nil {
			return nil, fmt.Errorf("facets: %w", err)
		}
		switch field {
		case termSchema:
			f.Schema = append(f.Schema, v)
		case termCountry:
			f.Country = append(f.Country, v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	orows, err := q.QueryContext(ctx, `SELECT r.originator, COUNT(*) FROM records r WHERE r.rid IN (`+sub+`)
		GROUP BY r.originator`, subArgs...)
	if err != nil {
		return nil, fmt.Errorf("facets: %w", err)
	}
	defer orows.Close()
	for orows.Next() {
		var v FacetValue
		if err := orows.Scan(&v.Value, &v.Count); err != nil {
			return nil, fmt.Errorf("facets: %w", err)
		}
		f.Originator = append(f.Originator, v)
	}
	if err := orows.Err(); err != nil {
		return nil, err
	}
	for _, vs := range []*[]FacetValue{&f.Schema, &f.Country, &f.Originator} {
		slices.SortFunc(*vs, func(a, b FacetValue) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value)) })
		*vs = (*vs)[:min(len(*vs), maxFacetValues)]
	}
	return f, nil
}

// Hit is a record holding a looked-up identifier.
type Hit struct {
	Record Summary `json:"record"`
	// EntityID is the entity of the record that holds the identifier;
	// Country is the issuing country it states, if one.
	EntityID string `json:"entityId"`
	Country  string `json:"country,omitempty"`
}

// Lookup returns the records the caller may read that hold identifier
// value of kind (normalised for the kind first), newest first, at most
// limit (default 50, at most 500). It records a consult event naming the
// records and the keyed hash of the identifier.
func (s *Service) Lookup(ctx context.Context, kind, value string, limit int) ([]Hit, error) {
	now := s.now()
	sc, _, err := s.scope(ctx, now)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		return nil, errs.E(errs.Invalid, "limit", fmt.Sprintf("at most %d", MaxLimit))
	}
	v, err := NormalizeIdentifier(kind, value)
	if err != nil {
		return nil, err
	}
	hits, err := s.lookup(ctx, sc, kind, v, limit)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(hits))
	for _, h := range hits {
		if !slices.Contains(ids, h.Record.ID) {
			ids = append(ids, h.Record.ID)
		}
	}
	e := event(ctx, audit.Consult, nil, ids...)
	e.Reason = "identifier-lookup"
	e.Hashes = []string{s.hasher.HashPersonal(kind, v)}
	if err := s.db.Write(ctx, func(tx *db.Tx) error { return s.appendChunked(ctx, tx, e) }); err != nil {
		return nil, err
	}
	return hits, nil
}

// lookup is the query of Lookup, on a normalised value.
func (s *Service) lookup(ctx context.Context, sc policy.ReadScope, kind, value string, limit int) ([]Hit, error) {
	cond, args := scopeSQL(sc)
	rows, err := s.db.QueryContext(ctx, `SELECT i.entity_id, i.country, `+summaryColumns+`
		FROM record_identifiers i JOIN records r ON r.rid = i.rid
		WHERE i.kind = ? AND i.value = ? AND `+listable+` AND `+cond+`
		ORDER BY i.rid DESC, i.entity_id LIMIT ?`, append(append([]any{kind, value}, args...), limit)...)
	if err != nil {
		return nil, fmt.Errorf("look up identifier: %w", err)
	}
	defer rows.Close()
	var hits []Hit
	for rows.Next() {
		var h Hit
		var r summaryRow
		var err error
		r, err = scanSummary(prefixScanner{rows, []any{&h.EntityID, &h.Country}}, &s.envs)
		if err != nil {
			return nil, err
		}
		d := sc.Decide(r.env)
		if !d.Allowed {
			s.log.ErrorContext(ctx, "record read filter let through a record the policy denies", "record", r.sum.ID, "rule", d.Rule)
			continue
		}
		r.sum.Rule = d.Rule
		h.Record = r.sum
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// prefixScanner scans leading columns into prefix and the rest into the
// destinations Scan is called with.
type prefixScanner struct {
	s      scanner
	prefix []any
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.s.Scan(append(slices.Clone(p.prefix), dest...)...)
}
