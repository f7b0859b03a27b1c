package record

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/policy"
)

// content is the part of a record stored as JSON in records.body.
type content struct {
	Narrative    string                                `json:"narrative,omitempty"`
	Assessment   string                                `json:"assessment,omitempty"`
	Entities     []ftm.Entity                          `json:"entities"`
	DataSubjects map[string]policy.DataSubjectCategory `json:"dataSubjects,omitempty"`
	Assessments  []string                              `json:"assessments,omitempty"`
	Attachments  []Attachment                          `json:"attachments,omitempty"`
}

// index is what the search tables hold about one version of a record,
// computed before the transaction so that it stays short.
type index struct {
	terms      [][2]string // field, value
	idents     []identRow
	doc        string
	rules      []string
	recipients []string
	caseOnly   bool
	envelope   []byte
	body       []byte
}

type identRow struct {
	kind, value, entity, country string
}

// Term fields of record_terms.
const (
	termSchema  = "schema"
	termCountry = "country"
)

// buildIndex computes the index rows and the stored JSON of r.
func buildIndex(r *Record) (*index, error) { return buildIndexEnv(r, nil) }

// buildIndexEnv is buildIndex with the envelope's JSON already encoded
// (nil: encode it), for imports, whose records share an envelope.
func buildIndexEnv(r *Record, env []byte) (*index, error) {
	if env == nil {
		var err error
		if env, err = json.Marshal(&r.Envelope); err != nil {
			return nil, fmt.Errorf("encode envelope: %w", err)
		}
	}
	body, err := encodeContent(&content{Narrative: r.Narrative, Assessment: r.Assessment, Entities: r.Entities,
		DataSubjects: r.DataSubjects, Assessments: r.Assessments, Attachments: r.Attachments})
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	x := &index{envelope: env, body: body, doc: ftsDocument(r.Title, r.Narrative, r.Assessment, r.Entities)}
	seen := make(map[[2]string]bool)
	addTerm := func(field, value string) {
		k := [2]string{field, value}
		if !seen[k] {
			seen[k] = true
			x.terms = append(x.terms, k)
		}
	}
	for _, e := range r.Entities {
		addTerm(termSchema, e.Schema)
		s, _ := ftm.LookupSchema(e.Schema)
		for prop, vs := range e.Properties {
			if p, ok := s.Property(prop); ok && p.Type == ftm.TypeCountry {
				for _, v := range vs {
					addTerm(termCountry, v)
				}
			}
		}
		for _, k := range ftm.IdentifierKeys(e) {
			if len(k.Value) <= maxIdentifierLen {
				x.idents = append(x.idents, identRow{kind: k.Kind, value: k.Value, entity: e.ID, country: k.Country})
			}
		}
	}
	for _, rule := range r.Envelope.Restrictions.Rules {
		x.rules = append(x.rules, rule.String())
		x.caseOnly = x.caseOnly || rule.Kind == policy.RestrictCaseOnly
	}
	if r.Envelope.TLP == policy.TLPRed {
		x.recipients = r.Envelope.TLPRecipients
	}
	return x, nil
}

const recordColumns = `rid, id, version, state, last_change, title, case_ref, originator, received_from, tlp, exercise, case_only,
	review_at, entity_count, envelope, body, created_by, updated_by, created_at, updated_at, origin_version, received_at`

// insertRecord inserts the records row of r and returns its rid.
func insertRecord(ctx context.Context, tx *db.Tx, r *Record, change Change, x *index) (int64, error) {
	origin, received := originColumns(r)
	var rid int64
	err := tx.QueryRowContext(ctx, `INSERT INTO records (id, version, state, last_change, title, case_ref, originator, received_from, tlp,
		exercise, case_only, review_at, entity_count, envelope, body, created_by, updated_by, created_at, updated_at, origin_version, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING rid`,
		r.ID, r.Version, string(r.State), string(change), r.Title, r.CaseRef, r.Envelope.Originator, r.Envelope.ReceivedFrom, string(r.Envelope.TLP),
		r.Envelope.Exercise, x.caseOnly, r.Envelope.ReviewDate.UnixMicro(), len(r.Entities), string(x.envelope), string(x.body),
		r.CreatedBy, r.UpdatedBy, r.CreatedAt.UnixMicro(), r.UpdatedAt.UnixMicro(), origin, received).Scan(&rid)
	if db.IsUniqueViolation(err) {
		return 0, errs.E(errs.Conflict, "id", "a record with this id exists")
	}
	if err != nil {
		return 0, fmt.Errorf("insert record: %w", err)
	}
	return rid, nil
}

func originColumns(r *Record) (version int, receivedAt int64) {
	if r.Provenance == nil {
		return 0, 0
	}
	return r.Provenance.OriginVersion, r.Provenance.ReceivedAt.UnixMicro()
}

// updateRecord overwrites the records row of rid with r's current version.
func updateRecord(ctx context.Context, tx *db.Tx, rid int64, r *Record, change Change, x *index) error {
	origin, received := originColumns(r)
	_, err := tx.ExecContext(ctx, `UPDATE records SET version = ?, state = ?, last_change = ?, title = ?, case_ref = ?, originator = ?,
		received_from = ?, tlp = ?, exercise = ?, case_only = ?, review_at = ?, entity_count = ?, envelope = ?, body = ?,
		updated_by = ?, updated_at = ?, origin_version = ?, received_at = ? WHERE rid = ?`,
		r.Version, string(r.State), string(change), r.Title, r.CaseRef, r.Envelope.Originator, r.Envelope.ReceivedFrom, string(r.Envelope.TLP),
		r.Envelope.Exercise, x.caseOnly, r.Envelope.ReviewDate.UnixMicro(), len(r.Entities), string(x.envelope), string(x.body),
		r.UpdatedBy, r.UpdatedAt.UnixMicro(), origin, received, rid)
	if err != nil {
		return fmt.Errorf("update record: %w", err)
	}
	return nil
}

// Bulk statements are split so that no statement has more than this many
// rows (SQLite allows 32766 parameters; PostgreSQL 65535).
const rowsPerStatement = 500

// insertRows runs INSERT head VALUES (…), (…) for rows of width columns,
// split into statements of at most rowsPerStatement rows; tail follows the
// VALUES list (an ON CONFLICT clause).
func insertRows(ctx context.Context, tx *db.Tx, head, tail string, width int, args []any) error {
	n := len(args) / width
	one := "(" + strings.Repeat("?, ", width-1) + "?)"
	for start := 0; start < n; start += rowsPerStatement {
		end := min(start+rowsPerStatement, n)
		var b strings.Builder
		b.WriteString(head)
		b.WriteString(" VALUES ")
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString(one)
		}
		b.WriteString(tail)
		if _, err := tx.ExecContext(ctx, b.String(), args[start*width:end*width]...); err != nil {
			return err
		}
	}
	return nil
}

// indexed is one record's rid and index, for bulk index writes.
type indexed struct {
	rid int64
	x   *index
}

// insertIndexes writes the search rows of several records.
func insertIndexes(ctx context.Context, tx *db.Tx, recs []indexed) error {
	var terms, idents, rules, recips []any
	for _, r := range recs {
		for _, t := range r.x.terms {
			terms = append(terms, r.rid, t[0], t[1])
		}
		for _, id := range r.x.idents {
			idents = append(idents, id.kind, id.value, r.rid, id.entity, id.country)
		}
		for _, rule := range r.x.rules {
			rules = append(rules, r.rid, rule)
		}
		for _, a := range r.x.recipients {
			recips = append(recips, r.rid, a)
		}
	}
	if err := insertRows(ctx, tx, `INSERT INTO record_terms (rid, field, value)`, " ON CONFLICT DO NOTHING", 3, terms); err != nil {
		return fmt.Errorf("index record terms: %w", err)
	}
	if err := insertRows(ctx, tx, `INSERT INTO record_identifiers (kind, value, rid, entity_id, country)`, " ON CONFLICT DO NOTHING", 5, idents); err != nil {
		return fmt.Errorf("index record identifiers: %w", err)
	}
	if err := insertRows(ctx, tx, `INSERT INTO record_rules (rid, rule)`, "", 2, rules); err != nil {
		return fmt.Errorf("index record rules: %w", err)
	}
	if err := insertRows(ctx, tx, `INSERT INTO record_recipients (rid, agency)`, "", 2, recips); err != nil {
		return fmt.Errorf("index record recipients: %w", err)
	}
	for start := 0; start < len(recs); start += rowsPerStatement / 4 {
		end := min(start+rowsPerStatement/4, len(recs))
		rids := make([]int64, 0, end-start)
		docs := make([]string, 0, end-start)
		for _, r := range recs[start:end] {
			rids = append(rids, r.rid)
			docs = append(docs, r.x.doc)
		}
		q, args := ftsInsert(tx.Dialect(), rids, docs, make([]any, 0, 2*len(rids)))
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("index record text: %w", err)
		}
	}
	return nil
}

// deleteIndex removes every search row of record rid.
func deleteIndex(ctx context.Context, tx *db.Tx, rid int64) error {
	stmts := []struct{ what, q string }{
		{"delete identifiers", `DELETE FROM record_identifiers WHERE rid = ?`},
		{"delete terms", `DELETE FROM record_terms WHERE rid = ?`},
		{"delete rules", `DELETE FROM record_rules WHERE rid = ?`},
		{"delete recipients", `DELETE FROM record_recipients WHERE rid = ?`},
		{"delete text", ftsDelete(tx.Dialect())},
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.q, rid); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}

// saveVersion copies the current version of a record to the history
// before it is overwritten.
func saveVersion(ctx context.Context, tx *db.Tx, old *stored) error {
	doc, err := json.Marshal(&old.rec)
	if err != nil {
		return fmt.Errorf("encode version: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO record_versions (rid, version, change, actor, at, document) VALUES (?, ?, ?, ?, ?, ?)`,
		old.rid, old.rec.Version, string(old.change), old.rec.UpdatedBy, old.rec.UpdatedAt.UnixMicro(), string(doc))
	if err != nil {
		return fmt.Errorf("save version: %w", err)
	}
	return nil
}

// stored is a record as read from the records table.
type stored struct {
	rid    int64
	rec    Record
	change Change // the change that made the current version
}

type scanner interface{ Scan(...any) error }

// scanRecord reads a row of recordColumns.
func scanRecord(row scanner) (*stored, error) {
	var (
		s                               stored
		state, change, tlp, env, body   string
		originator, receivedFrom        string
		exercise, caseOnly              bool
		review, count, created, updated int64
		originVersion                   int
		receivedAt                      int64
	)
	r := &s.rec
	if err := row.Scan(&s.rid, &r.ID, &r.Version, &state, &change, &r.Title, &r.CaseRef, &originator, &receivedFrom, &tlp,
		&exercise, &caseOnly, &review, &count, &env, &body, &r.CreatedBy, &r.UpdatedBy, &created, &updated, &originVersion, &receivedAt); err != nil {
		return nil, err
	}
	r.State, s.change = State(state), Change(change)
	r.CreatedAt, r.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	if r.State == StateErased {
		r.Envelope.Originator = originator
		return &s, nil
	}
	e, err := policy.DecodeEnvelope([]byte(env))
	if err != nil {
		return nil, fmt.Errorf("record %s: stored envelope: %w", r.ID, err)
	}
	if err := e.ValidateStored(); err != nil {
		return nil, fmt.Errorf("record %s: stored envelope: %w", r.ID, err)
	}
	r.Envelope = e
	var c content
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return nil, fmt.Errorf("record %s: stored content: %w", r.ID, err)
	}
	r.Narrative, r.Assessment, r.Entities = c.Narrative, c.Assessment, c.Entities
	r.DataSubjects, r.Assessments, r.Attachments = c.DataSubjects, c.Assessments, c.Attachments
	if r.Entities == nil {
		r.Entities = []ftm.Entity{}
	}
	if receivedFrom != "" {
		r.Provenance = &Provenance{From: receivedFrom, OriginVersion: originVersion, ReceivedAt: time.UnixMicro(receivedAt).UTC()}
	}
	return &s, nil
}

// loadRecord reads the record with id; errs.NotExist if there is none.
func loadRecord(ctx context.Context, q db.Querier, id string) (*stored, error) {
	s, err := scanRecord(q.QueryRowContext(ctx, `SELECT `+recordColumns+` FROM records WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotExist, "id", "no such record")
	}
	if err != nil {
		return nil, fmt.Errorf("read record: %w", err)
	}
	return s, nil
}

// summaryColumns are the columns scanSummary reads, on records r.
const summaryColumns = `r.rid, r.id, r.version, r.state, r.title, r.case_ref, r.envelope, r.entity_count, r.created_at, r.updated_at`

// envelopeCache keeps decoded envelopes by their stored JSON. Records
// imported together share one envelope, and decoding one (strictly, with
// its key checks) is the most expensive step of listing records. The
// cache is bounded: when full it starts over. Cached envelopes are shared,
// so their users must not modify them.
type envelopeCache struct {
	mu sync.Mutex
	m  map[string]policy.Envelope
}

const maxCachedEnvelopes = 4096

func (c *envelopeCache) decode(s string) (policy.Envelope, error) {
	c.mu.Lock()
	e, ok := c.m[s]
	c.mu.Unlock()
	if ok {
		return e, nil
	}
	e, err := policy.DecodeEnvelope([]byte(s))
	if err != nil {
		return e, err
	}
	if err := e.ValidateStored(); err != nil {
		return e, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedEnvelopes {
		c.m = make(map[string]policy.Envelope)
	}
	c.m[s] = e
	c.mu.Unlock()
	return e, nil
}

// summaryRow is a scanned summary with its envelope, for the defence in
// depth check.
type summaryRow struct {
	rid int64
	sum Summary
	env policy.Envelope
}

func scanSummary(row scanner, envs *envelopeCache) (summaryRow, error) {
	var (
		s                       summaryRow
		state, env              string
		count, created, updated int64
	)
	if err := row.Scan(&s.rid, &s.sum.ID, &s.sum.Version, &state, &s.sum.Title, &s.sum.CaseRef, &env, &count, &created, &updated); err != nil {
		return s, err
	}
	e, err := envs.decode(env)
	if err != nil {
		return s, fmt.Errorf("record %s: stored envelope: %w", s.sum.ID, err)
	}
	s.env = e
	s.sum.State = State(state)
	s.sum.Originator, s.sum.TLP, s.sum.Handling = e.Originator, e.TLP, e.Handling
	s.sum.ReviewDate, s.sum.Copy = e.ReviewDate, e.IsCopy()
	s.sum.EntityCount = int(count)
	s.sum.CreatedAt, s.sum.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return s, nil
}

// appendChanges appends entries to the change feed. Sequence numbers come
// from the row lock on record_change_head, held to commit, so they follow
// commit order on PostgreSQL too.
func appendChanges(ctx context.Context, tx *db.Tx, at time.Time, changes []ChangeEntry) error {
	if len(changes) == 0 {
		return nil
	}
	var next int64
	if err := tx.QueryRowContext(ctx, `UPDATE record_change_head SET next_seq = next_seq + ? WHERE id = 1 RETURNING next_seq`,
		len(changes)).Scan(&next); err != nil {
		return fmt.Errorf("take change sequence: %w", err)
	}
	first := next - int64(len(changes))
	args := make([]any, 0, 6*len(changes))
	for i := range changes {
		c := &changes[i]
		c.Seq, c.At = first+int64(i), at.UTC().Truncate(time.Microsecond)
		args = append(args, c.Seq, c.RecordID, c.Version, string(c.Change), c.Originator, c.At.UnixMicro())
	}
	if err := insertRows(ctx, tx, `INSERT INTO record_changes (seq, record_id, version, change, originator, at)`, "", 6, args); err != nil {
		return fmt.Errorf("append change: %w", err)
	}
	return nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
