package record

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/policy"
)

// ImportOptions configure an import of FtM JSON lines.
type ImportOptions struct {
	// Envelope applies to every record imported; completed as for
	// [Service.Create] (originator, default review date).
	Envelope policy.Envelope `json:"envelope"`
	// GroupBy names a property whose first value groups entities into
	// records: consecutive entities with the same value form one record
	// (sort the input by it). Empty: the whole input is one record.
	GroupBy string `json:"groupBy,omitempty"`
	// Strict rejects properties and top-level fields FtM 3.8 does not
	// know; by default unknown properties are kept aside, with a warning,
	// and exported unchanged.
	Strict bool `json:"strict,omitempty"`
	// Category is the data-subject category of every Person imported;
	// required when the input holds persons.
	Category policy.DataSubjectCategory `json:"category,omitempty"`
	// Title of the records; with GroupBy, the group's value is appended.
	Title string `json:"title,omitempty"`
	// CaseRef is the holder's case reference of the records.
	CaseRef string `json:"caseRef,omitempty"`
	// FirstLine is the number of the input's first line in the caller's
	// file (a client that uploads a large file in parts numbers each
	// part's lines as in the file); default 1.
	FirstLine int `json:"firstLine,omitempty"`
}

// ImportSummary is the outcome of an import.
type ImportSummary struct {
	Lines    int `json:"lines"`    // lines read, blank ones included
	Entities int `json:"entities"` // entities stored
	Records  int `json:"records"`  // records created
	// RecordIDs lists the records created, the first maxSummaryIDs.
	RecordIDs []string `json:"recordIds"`
	// Rejected counts the records (groups of lines) not imported because
	// one of their lines, or the group as a whole, is invalid.
	Rejected int           `json:"rejected"`
	Errors   []ImportError `json:"errors,omitempty"`
	// Warnings list the first properties kept aside as unknown to FtM
	// 3.8; UnknownProperties counts them by "Schema.property".
	Warnings          []Warning      `json:"warnings,omitempty"`
	UnknownProperties map[string]int `json:"unknownProperties,omitempty"`
	// Truncated says that more errors or warnings occurred than listed.
	Truncated bool          `json:"truncated,omitempty"`
	Elapsed   time.Duration `json:"elapsedNs"`
}

// ImportError names what is wrong and where: "line 12: entity p1:
// property birthDate".
type ImportError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ImportProgress is reported after every batch of records written.
type ImportProgress struct {
	Lines, Entities, Records, Rejected int
}

// Bounds of an import.
const (
	maxSummaryIDs       = 1000
	maxUnknownPropKinds = 1000
	// An import writes records in transactions of about this many
	// entities, each committed on its own: a transaction is all or
	// nothing, so a failed write never leaves half a record, and the
	// writer is released regularly for interactive writes.
	importBatchEntities = 5000
	importBatchRecords  = 500
)

// Import reads FtM JSON lines from r and stores them as records under
// opts. Records are written in batches, each in one transaction with the
// collect events naming its records. A line that fails validation rejects
// the record its group would form, never part of one; the other groups are
// imported. Errors name the line (as
// numbered from opts.FirstLine), entity and property. progress, if not
// nil, is called after each batch written. Import fails as a whole only on
// invalid options, a read error or a database failure; records written
// before that remain.
func (s *Service) Import(ctx context.Context, r io.Reader, opts ImportOptions, progress func(ImportProgress)) (*ImportSummary, error) {
	start := time.Now()
	p, err := officer(ctx, writeRoles)
	if err != nil {
		return nil, err
	}
	if err := s.checkImportOptions(&opts); err != nil {
		return nil, err
	}
	now := s.now()
	// Without a stated review date, each record gets the default for its
	// own data subjects (see groupRecord); the envelope is checked here
	// with the default for a record about no person.
	env, err := s.newEnvelope(opts.Envelope, p, nil, now)
	if err != nil {
		return nil, err
	}
	sum := &ImportSummary{RecordIDs: []string{}}
	gr := newGroupReader(r, opts, s.cfg.Limits)

	// A pipeline of three stages, so that decoding and validation and the
	// computation of index rows run on other cores while the database
	// writes the previous batch: parse → index → write.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parsed := make(chan *importBatch, 2)
	ready := make(chan *importBatch, 2)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(parsed)
		s.parseBatches(ctx, gr, opts, env, p, now, parsed)
	}()
	go func() {
		defer wg.Done()
		defer close(ready)
		s.indexBatches(ctx, parsed, ready)
	}()
	var failed error
	for b := range ready {
		if failed != nil {
			continue // drain after a failure
		}
		sum.Rejected += b.rejected
		sum.noteErrors(b.errs, s.cfg.Limits.MaxImportErrors)
		sum.noteWarnings(b.warnings, s.cfg.Limits.MaxImportErrors)
		if len(b.recs) > 0 {
			if err := s.writeIndexed(ctx, b.recs, b.xs, now); err != nil {
				failed = err
				cancel()
				continue
			}
		}
		for _, rec := range b.recs {
			sum.Records++
			sum.Entities += len(rec.Entities)
			if len(sum.RecordIDs) < maxSummaryIDs {
				sum.RecordIDs = append(sum.RecordIDs, rec.ID)
			}
		}
		if b.err != nil {
			failed = b.err
			cancel()
			continue
		}
		if progress != nil {
			progress(ImportProgress{Lines: b.lines, Entities: sum.Entities, Records: sum.Records, Rejected: sum.Rejected})
		}
	}
	wg.Wait()
	sum.Lines = gr.line - gr.first + 1
	sum.Elapsed = time.Since(start)
	if failed == nil && sum.Records == 0 {
		// Nothing was stored, yet the officer's input was read and
		// checked: the call is recorded, by one event without objects.
		e := event(ctx, audit.Collect, &env)
		e.Reason = "import"
		failed = s.db.Write(ctx, func(tx *db.Tx) error { return s.audit.Append(ctx, tx, e) })
	}
	return sum, failed
}

// importBatch is a batch of records on its way through the import
// pipeline, with what the parser learnt while reading its lines.
type importBatch struct {
	recs     []*Record
	spans    [][2]int // first and last line of each record
	xs       []*index
	rejected int
	errs     []ImportError
	warnings []schemaWarning
	lines    int   // lines read up to the end of the batch
	err      error // a read error: nothing follows this batch
}

// parseBatches reads groups and turns them into records, in batches of
// about importBatchEntities entities.
func (s *Service) parseBatches(ctx context.Context, gr *groupReader, opts ImportOptions, env policy.Envelope,
	p access.Principal, now time.Time, out chan<- *importBatch) {
	b := &importBatch{}
	entities := 0
	send := func() bool {
		b.lines = gr.line - gr.first + 1
		select {
		case out <- b:
		case <-ctx.Done():
			return false
		}
		b, entities = &importBatch{}, 0
		return true
	}
	for {
		g, err := gr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.err = err
			send()
			return
		}
		b.warnings = append(b.warnings, g.warnings...)
		rec, gerrs := s.groupRecord(g, opts, env, p, now)
		if len(gerrs) > 0 {
			b.rejected++
			b.errs = append(b.errs, gerrs...)
			continue
		}
		b.recs = append(b.recs, rec)
		b.spans = append(b.spans, [2]int{g.firstLine, g.lastLine})
		if entities += len(rec.Entities); entities >= importBatchEntities || len(b.recs) >= importBatchRecords {
			if !send() {
				return
			}
		}
	}
	if len(b.recs) > 0 || b.rejected > 0 || len(b.warnings) > 0 {
		send()
	}
}

// indexBatches computes the stored JSON and index rows of each batch's
// records, rejecting records over the size limit.
func (s *Service) indexBatches(ctx context.Context, in <-chan *importBatch, out chan<- *importBatch) {
	envJSON := make(map[int64][]byte) // the records share the envelope but for the review date
	for b := range in {
		keep := b.recs[:0]
		for i, r := range b.recs {
			ej, ok := envJSON[r.Envelope.ReviewDate.UnixMicro()]
			if !ok {
				var err error
				if ej, err = json.Marshal(&r.Envelope); err != nil {
					b.err = fmt.Errorf("encode envelope: %w", err)
					break
				}
				envJSON[r.Envelope.ReviewDate.UnixMicro()] = ej
			}
			x, err := buildIndexEnv(r, ej)
			if err != nil {
				b.err = err
				break
			}
			if len(x.body) > s.cfg.Limits.MaxRecordBytes {
				b.rejected++
				b.errs = append(b.errs, ImportError{Field: fmt.Sprintf("lines %d–%d", b.spans[i][0], b.spans[i][1]),
					Message: fmt.Sprintf("record larger than %d bytes", s.cfg.Limits.MaxRecordBytes)})
				continue
			}
			keep = append(keep, r)
			b.xs = append(b.xs, x)
		}
		if b.err != nil {
			keep, b.xs = nil, nil
		}
		b.recs = keep
		select {
		case out <- b:
		case <-ctx.Done():
			for range in { // let the parser finish
			}
			return
		}
	}
}

func (s *Service) checkImportOptions(o *ImportOptions) error {
	if o.GroupBy != "" && !validPropertyName(o.GroupBy) {
		return errs.E(errs.Invalid, "groupBy", "must be a property name")
	}
	if o.Category != "" {
		if _, err := policy.ParseDataSubjectCategory(string(o.Category)); err != nil {
			return errs.E(errs.Invalid, "category", errs.PublicMessage(err))
		}
	}
	if o.Title == "" {
		o.Title = "Imported FtM entities"
	}
	if err := checkText("title", o.Title, s.cfg.Limits.MaxTitleLen/2, false); err != nil {
		return err
	}
	if o.CaseRef != "" && !policy.ValidCaseRef(o.CaseRef) {
		return errs.E(errs.Invalid, "caseRef", "case reference must be 1–64 letters, digits or - _ . /")
	}
	if o.FirstLine <= 0 {
		o.FirstLine = 1
	}
	return nil
}

func (sum *ImportSummary) noteErrors(es []ImportError, max int) {
	for _, e := range es {
		if len(sum.Errors) >= max {
			sum.Truncated = true
			return
		}
		sum.Errors = append(sum.Errors, e)
	}
}

func (sum *ImportSummary) noteWarnings(ws []schemaWarning, max int) {
	for _, w := range ws {
		if sum.UnknownProperties == nil {
			sum.UnknownProperties = make(map[string]int)
		}
		if _, ok := sum.UnknownProperties[w.key]; ok || len(sum.UnknownProperties) < maxUnknownPropKinds {
			sum.UnknownProperties[w.key]++
		}
		if len(sum.Warnings) >= max {
			sum.Truncated = true
			continue
		}
		sum.Warnings = append(sum.Warnings, w.Warning)
	}
}

// groupRecord turns a group of lines into a record, or says why the group
// is rejected.
func (s *Service) groupRecord(g *group, opts ImportOptions, env policy.Envelope, p access.Principal, now time.Time) (*Record, []ImportError) {
	if len(g.errs) > 0 {
		return nil, g.errs
	}
	if g.tooMany {
		return nil, []ImportError{{Field: fmt.Sprintf("lines %d–%d", g.firstLine, g.lastLine),
			Message: fmt.Sprintf("more than %d entities in one record: group the input with a finer key", s.cfg.Limits.MaxEntities)}}
	}
	var subjects map[string]policy.DataSubjectCategory
	for i, e := range g.entities {
		if !isPerson(e.Schema) {
			continue
		}
		if opts.Category == "" {
			return nil, []ImportError{{Field: fmt.Sprintf("line %d: entity %s", g.lines[i], e.ID),
				Message: "a Person needs a data-subject category: state it for the import (category)"}}
		}
		if subjects == nil {
			subjects = make(map[string]policy.DataSubjectCategory)
		}
		subjects[e.ID] = opts.Category
	}
	id := ids.New()
	title := opts.Title
	if opts.GroupBy != "" {
		title += ": " + printable(g.key, s.cfg.Limits.MaxTitleLen-len(title)-2)
	}
	r := &Record{
		ID: id, Version: 1, State: StateActive, Title: title, CaseRef: opts.CaseRef,
		Entities: g.entities, DataSubjects: subjects, Envelope: env,
		CreatedBy: p.UserID, UpdatedBy: p.UserID, CreatedAt: micro(now), UpdatedAt: micro(now),
	}
	if r.CaseRef == "" {
		r.CaseRef = env.CaseRef
	}
	if opts.Envelope.ReviewDate.IsZero() {
		d, err := s.defaultReviewDate(subjects, now)
		if err != nil {
			return nil, []ImportError{{Field: "category", Message: errs.PublicMessage(err)}}
		}
		r.Envelope.ReviewDate = micro(d)
	}
	return r, nil
}

// printable cuts s to at most max bytes at a rune boundary and replaces
// control characters, for use in a title.
func printable(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f && r < 0xa0 || r == 0x2028 || r == 0x2029 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return ' '
		}
		return r
	}, s)
	if max < 0 {
		max = 0
	}
	for len(s) > max {
		_, size := lastRune(s)
		s = s[:len(s)-size]
	}
	return s
}

func lastRune(s string) (rune, int) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return 0, len(s) - i
		}
	}
	return 0, 1
}

// writeIndexed stores records with their index rows in one transaction:
// rows, index, change feed and collect events. All or nothing.
func (s *Service) writeIndexed(ctx context.Context, recs []*Record, xs []*index, now time.Time) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		ixs, err := insertRecords(ctx, tx, recs, xs)
		if err != nil {
			return err
		}
		if err := insertIndexes(ctx, tx, ixs); err != nil {
			return err
		}
		changes := make([]ChangeEntry, len(recs))
		ids := make([]string, len(recs))
		for i, r := range recs {
			changes[i] = ChangeEntry{RecordID: r.ID, Version: 1, Change: ChangeCreate, Originator: r.Envelope.Originator}
			ids[i] = r.ID
		}
		if err := appendChanges(ctx, tx, now, changes); err != nil {
			return err
		}
		s.notify(tx, changes...)
		e := event(ctx, audit.Collect, &recs[0].Envelope, ids...)
		e.Reason = "import"
		return s.appendChunked(ctx, tx, e)
	})
}

// insertRecords inserts several records rows in multi-row statements and
// returns their rids with their indexes.
func insertRecords(ctx context.Context, tx *db.Tx, recs []*Record, xs []*index) ([]indexed, error) {
	const width = 21
	byID := make(map[string]int, len(recs))
	out := make([]indexed, len(recs))
	for start := 0; start < len(recs); start += rowsPerStatement / 4 {
		end := min(start+rowsPerStatement/4, len(recs))
		var b strings.Builder
		b.WriteString(`INSERT INTO records (id, version, state, last_change, title, case_ref, originator, received_from, tlp,
			exercise, case_only, review_at, entity_count, envelope, body, created_by, updated_by, created_at, updated_at,
			origin_version, received_at) VALUES `)
		args := make([]any, 0, width*(end-start))
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString("(" + strings.Repeat("?, ", width-1) + "?)")
			r, x := recs[i], xs[i]
			byID[r.ID] = i
			args = append(args, r.ID, r.Version, string(r.State), string(ChangeCreate), r.Title, r.CaseRef,
				r.Envelope.Originator, r.Envelope.ReceivedFrom, string(r.Envelope.TLP), r.Envelope.Exercise, x.caseOnly,
				r.Envelope.ReviewDate.UnixMicro(), len(r.Entities), string(x.envelope), string(x.body), r.CreatedBy, r.UpdatedBy,
				r.CreatedAt.UnixMicro(), r.UpdatedAt.UnixMicro(), 0, 0)
		}
		b.WriteString(` RETURNING rid, id`)
		rows, err := tx.QueryContext(ctx, b.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("insert records: %w", err)
		}
		for rows.Next() {
			var rid int64
			var id string
			if err := rows.Scan(&rid, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("insert records: %w", err)
			}
			i := byID[id]
			out[i] = indexed{rid: rid, x: xs[i]}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("insert records: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("insert records: %w", err)
		}
	}
	return out, nil
}

// group is a run of input lines that forms one record.
type group struct {
	key                 string
	firstLine, lastLine int
	entities            []ftm.Entity
	lines               []int // input line of each entity
	ids                 ftm.IDSet
	errs                []ImportError
	warnings            []schemaWarning
	tooMany             bool
}

// schemaWarning is a warning with its "Schema.property" key for counting.
type schemaWarning struct {
	Warning
	key string
}

// groupReader reads FtM JSON lines and cuts them into groups. It reads
// lines itself, bounded, and feeds each non-blank one to an FtM decoder
// through lineFeed; so it knows each line's bytes and number and can tell
// which group an invalid line belongs to.
type groupReader struct {
	in      *bufio.Reader
	feed    *bytes.Reader
	dec     *ftm.Decoder
	opts    ImportOptions
	lim     Limits
	first   int // number of the first line
	line    int // number of the last line read
	fed     int // lines fed to the decoder
	buf     []byte
	cur     *group
	pending *group
	closed  map[string]int // keys of finished groups → their first line
	done    bool
}

func newGroupReader(r io.Reader, opts ImportOptions, lim Limits) *groupReader {
	lim = Config{Limits: lim}.withDefaults().Limits
	dopts := lim.Decode
	dopts.Strict, dopts.Normalize = opts.Strict, true
	first := max(opts.FirstLine, 1)
	feed := bytes.NewReader(nil)
	return &groupReader{
		in: bufio.NewReaderSize(r, 256<<10), feed: feed, dec: ftm.NewDecoder(feed, dopts),
		opts: opts, lim: lim, first: first, line: first - 1, closed: make(map[string]int),
	}
}

// next returns the next group, io.EOF after the last, or a read error.
func (g *groupReader) next() (*group, error) {
	for !g.done {
		line, tooLong, err := g.readLine()
		if errors.Is(err, io.EOF) {
			g.done = true
			break
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) == 0 && !tooLong {
			continue
		}
		if out := g.add(line, tooLong); out != nil {
			return out, nil
		}
	}
	if g.cur != nil {
		out := g.cur
		g.cur = nil
		return out, nil
	}
	return nil, io.EOF
}

// readLine reads the next line without its ending; a line over the limit
// is consumed and reported as tooLong.
func (g *groupReader) readLine() ([]byte, bool, error) {
	g.buf = g.buf[:0]
	tooLong, sawData := false, false
	for {
		chunk, err := g.in.ReadSlice('\n')
		sawData = sawData || len(chunk) > 0
		if !tooLong {
			if len(g.buf)+len(chunk) > g.lim.Decode.MaxLineBytes+2 {
				tooLong, g.buf = true, g.buf[:0]
			} else {
				g.buf = append(g.buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if !sawData {
				return nil, false, io.EOF
			}
			break
		}
		if err != nil {
			return nil, false, fmt.Errorf("read line %d: %w", g.line+1, err)
		}
		break
	}
	g.line++
	line := bytes.TrimSuffix(bytes.TrimSuffix(g.buf, []byte("\n")), []byte("\r"))
	return line, tooLong || len(line) > g.lim.Decode.MaxLineBytes, nil
}

// add takes one non-blank line and returns the group it completes, if any.
func (g *groupReader) add(line []byte, tooLong bool) *group {
	var (
		e      ftm.Entity
		err    error
		key    string
		hasKey bool
	)
	if tooLong {
		err = errs.E(errs.TooLarge, "line "+itoa(g.line), fmt.Sprintf("line longer than %d bytes", g.lim.Decode.MaxLineBytes))
	} else {
		e, err = g.decode(line)
	}
	if err == nil && g.opts.GroupBy != "" {
		if key, hasKey = groupKey(e.Properties, e.Extra, g.opts.GroupBy); !hasKey {
			err = errs.E(errs.Invalid, fmt.Sprintf("line %d: entity %s: property %s", g.line, e.ID, g.opts.GroupBy),
				"the group-by property has no value")
		}
	}
	if err != nil && g.opts.GroupBy != "" && !tooLong {
		key, hasKey = rawGroupKey(line, g.opts.GroupBy)
	}
	if g.opts.GroupBy == "" {
		key, hasKey = "", true
	}

	var done *group
	if g.cur == nil || hasKey && key != g.cur.key {
		done = g.cur
		if done != nil {
			g.closed[done.key] = done.firstLine
		}
		g.cur = &group{key: key, firstLine: g.line}
		if first, seen := g.closed[key]; seen && hasKey {
			g.cur.errs = append(g.cur.errs, ImportError{Field: fmt.Sprintf("line %d", g.line),
				Message: fmt.Sprintf("the group of this line began on line %d and was interrupted: sort the input by the group-by property", first)})
		}
	}
	c := g.cur
	c.lastLine = g.line
	if err != nil {
		c.errs = append(c.errs, importError(err))
		return done
	}
	if dup := c.ids.Add(e.ID, g.line); dup != nil {
		c.errs = append(c.errs, ImportError{Field: errs.FieldOf(dup), Message: "duplicate entity id in the record: " + errs.PublicMessage(dup)})
		return done
	}
	if len(c.entities) >= g.lim.MaxEntities {
		c.tooMany = true
		return done
	}
	for _, w := range extraWarnings(e, "line "+itoa(g.line)) {
		prop := w.Field[strings.LastIndex(w.Field, " ")+1:]
		c.warnings = append(c.warnings, schemaWarning{Warning: w, key: e.Schema + "." + prop})
	}
	c.entities = append(c.entities, e)
	c.lines = append(c.lines, g.line)
	return done
}

// decode validates one line with the FtM decoder. The decoder reads
// through a bufio.Reader, which asks its source for more bytes only when
// its buffer holds no complete line: so resetting feed to exactly one line
// (ending in a newline) before each Next makes the decoder read exactly
// that line, and never see the end of input.
func (g *groupReader) decode(line []byte) (ftm.Entity, error) {
	g.feed.Reset(append(line, '\n'))
	g.fed++
	e, _, err := g.dec.Next()
	if err != nil {
		return ftm.Entity{}, renameLine(err, "", g.line-g.fed)
	}
	return e, nil
}

func importError(err error) ImportError {
	return ImportError{Field: errs.FieldOf(err), Message: errs.PublicMessage(err)}
}

// groupKey returns the first value of prop, known or kept aside.
func groupKey(props, extra map[string][]string, prop string) (string, bool) {
	if vs := props[prop]; len(vs) > 0 {
		return vs[0], true
	}
	if vs := extra[prop]; len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// rawGroupKey finds the group key of a line the decoder refused, so that
// the refusal rejects the right group: the first value of prop, normalised
// as the decoder would have when the schema and property are known.
func rawGroupKey(line []byte, prop string) (string, bool) {
	var raw struct {
		Schema     string           `json:"schema"`
		Properties map[string][]any `json:"properties"`
	}
	if json.Unmarshal(line, &raw) != nil {
		return "", false
	}
	vs := raw.Properties[prop]
	if len(vs) == 0 {
		return "", false
	}
	v, ok := vs[0].(string)
	if !ok {
		return "", false
	}
	if n, err := ftm.Normalize(raw.Schema, prop, v); err == nil {
		return n, true
	}
	return v, true
}

// validPropertyName reports whether s can be an FtM property name.
func validPropertyName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
