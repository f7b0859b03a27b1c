// Package alertcsv reads bulk alert files: stolen and lost travel documents,
// stolen vehicles and other objects, one alert per CSV row.
//
// The header names the columns, in any order and case:
//
//	document_number,country,status[,type]   travel documents
//	plate,country[,vin][,status]             vehicles by plate (status defaults to stolen)
//	vin[,status]                             vehicles by VIN
//	description,status                       other objects
//
// and any file may add action, contact, reference, originator and (for
// vehicles) description. Unknown columns are refused, so a misspelt header
// fails loudly instead of silently dropping data.
//
// [Read] streams: memory does not grow with the file. Lines and the number
// of records are bounded; errors name the line and the column.
package alertcsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
)

// Defaults for Options.
const (
	DefaultMaxLineBytes = 4096
	DefaultMaxRecords   = 100_000_000 // above the size of INTERPOL's SLTD database
	MaxWarnings         = 100         // warnings kept in a Summary; the rest are counted
)

// Options bound and complete an import. The zero value uses the defaults.
type Options struct {
	MaxLineBytes int    // longest accepted line, in bytes
	MaxRecords   int    // most data rows accepted
	Originator   string // agency id set on alerts whose row names none
}

// Warning is a problem that does not stop the import, such as a North
// American VIN whose check digit does not match.
type Warning struct {
	Line    int
	Field   string
	Message string
}

// Summary describes a finished import.
type Summary struct {
	Kind         notice.AlertKind
	Records      int       // alerts emitted
	Warnings     []Warning // the first MaxWarnings warnings
	WarningCount int       // all warnings
}

// LineError is a malformed row or header. It wraps an *errs.Error of kind
// Invalid (TooLarge for bounds) whose field is "line N: column", so both
// errors.As(err, &lineErr) and errs.KindOf(err) work.
type LineError struct {
	Line    int
	Field   string // the column, or "" for the whole line
	Message string
	err     error
}

func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Message)
}

// Unwrap returns the classified error.
func (e *LineError) Unwrap() error { return e.err }

func lineErr(kind errs.Kind, line int, field, msg string) error {
	where := fmt.Sprintf("line %d", line)
	if field != "" {
		where += ": " + field
	}
	return &LineError{Line: line, Field: field, Message: msg, err: errs.E(kind, where, msg)}
}

// columns every file may have, and the ones that decide the alert kind.
var (
	commonColumns  = []string{"action", "contact", "reference", "originator"}
	documentCols   = []string{"document_number", "country", "status", "type"}
	vehicleCols    = []string{"plate", "vin", "country", "status", "description"}
	objectCols     = []string{"description", "status"}
	requiredByKind = map[notice.AlertKind][]string{
		notice.TravelDocument: {"document_number", "country", "status"},
		notice.Object:         {"description", "status"},
	}
)

// Read reads alerts from r and calls emit for each, in file order, with the
// line the row starts on. It stops at the first malformed row, and returns
// the error of emit if emit fails.
func Read(r io.Reader, opts Options, emit func(line int, a notice.Alert) error) (Summary, error) {
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	if opts.MaxRecords <= 0 {
		opts.MaxRecords = DefaultMaxRecords
	}
	lim := &lineLimiter{r: bufio.NewReader(r), max: opts.MaxLineBytes}
	cr := csv.NewReader(lim)
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return Summary{}, lineErr(errs.Invalid, 1, "", "empty file: the first line is the header")
		}
		return Summary{}, readErr(err, lim)
	}
	cols, kind, err := parseHeader(header)
	if err != nil {
		return Summary{}, err
	}
	cr.FieldsPerRecord = len(header)
	sum := Summary{Kind: kind}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return sum, nil
		}
		if err != nil {
			return sum, readErr(err, lim)
		}
		line, _ := cr.FieldPos(0)
		if sum.Records >= opts.MaxRecords {
			return sum, lineErr(errs.TooLarge, line, "", fmt.Sprintf("more than %d records", opts.MaxRecords))
		}
		a, err := parseRow(kind, cols, rec, line, opts)
		if err != nil {
			return sum, err
		}
		if a.VIN != "" && notice.CheckVIN(a.VIN) == notice.VINCheckInvalid {
			sum.warn(Warning{Line: line, Field: "vin", Message: "the check digit of this North American VIN does not match: check it for a typo"})
		}
		if err := emit(line, a); err != nil {
			return sum, fmt.Errorf("line %d: %w", line, err)
		}
		sum.Records++
	}
}

func (s *Summary) warn(w Warning) {
	s.WarningCount++
	if len(s.Warnings) < MaxWarnings {
		s.Warnings = append(s.Warnings, w)
	}
}

// parseHeader maps column names to positions and decides the alert kind.
func parseHeader(header []string) (map[string]int, notice.AlertKind, error) {
	cols := make(map[string]int, len(header))
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff") // a byte-order mark from spreadsheet exports
		}
		if _, dup := cols[name]; dup {
			return nil, "", lineErr(errs.Invalid, 1, name, "column appears twice")
		}
		cols[name] = i
	}
	has := func(c string) bool { _, ok := cols[c]; return ok }
	var kind notice.AlertKind
	var allowed []string
	switch {
	case has("document_number"):
		kind, allowed = notice.TravelDocument, documentCols
	case has("plate") || has("vin"):
		kind, allowed = notice.Vehicle, vehicleCols
	case has("description"):
		kind, allowed = notice.Object, objectCols
	default:
		return nil, "", lineErr(errs.Invalid, 1, "", "the header names no document_number, plate, vin or description column")
	}
	for name := range cols {
		if !contains(allowed, name) && !contains(commonColumns, name) {
			return nil, "", lineErr(errs.Invalid, 1, name, fmt.Sprintf("unknown column for %s alerts (allowed: %s)", kind, strings.Join(append(append([]string{}, allowed...), commonColumns...), ", ")))
		}
	}
	for _, req := range requiredByKind[kind] {
		if !has(req) {
			return nil, "", lineErr(errs.Invalid, 1, req, "required column missing")
		}
	}
	if kind == notice.Vehicle && has("plate") && !has("country") {
		return nil, "", lineErr(errs.Invalid, 1, "country", "a plate column needs a country column")
	}
	return cols, kind, nil
}

func parseRow(kind notice.AlertKind, cols map[string]int, rec []string, line int, opts Options) (notice.Alert, error) {
	get := func(c string) string {
		if i, ok := cols[c]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	a := notice.Alert{
		Kind:           kind,
		Status:         notice.AlertStatus(strings.ToLower(get("status"))),
		DocumentNumber: get("document_number"),
		DocumentType:   notice.DocumentType(strings.ToLower(get("type"))),
		Country:        get("country"),
		Plate:          get("plate"),
		VIN:            get("vin"),
		Description:    get("description"),
		Action:         get("action"),
		Contact:        get("contact"),
		Reference:      get("reference"),
		Originator:     get("originator"),
	}
	if a.Originator == "" {
		a.Originator = opts.Originator
	}
	if kind == notice.Vehicle && a.Status == "" {
		a.Status = notice.Stolen
	}
	if kind == notice.Vehicle && a.Plate == "" && a.Country != "" && a.VIN != "" {
		a.Country = "" // a VIN row in a mixed file: the country belongs to a plate
	}
	if err := a.Normalize(); err != nil {
		return notice.Alert{}, lineErr(errs.KindOf(err), line, errs.FieldOf(err), errs.PublicMessage(err))
	}
	return a, nil
}

// readErr turns a csv or line-length error into a LineError.
func readErr(err error, lim *lineLimiter) error {
	if errors.Is(err, errLineTooLong) {
		return lineErr(errs.TooLarge, lim.line, "", fmt.Sprintf("line longer than %d bytes", lim.max))
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		field, msg := fmt.Sprintf("column %d", pe.Column), pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			field, msg = "", "wrong number of fields for the header"
		}
		return lineErr(errs.Invalid, pe.Line, field, msg)
	}
	return fmt.Errorf("reading alerts: %w", err)
}

var errLineTooLong = errors.New("line too long")

// lineLimiter passes bytes through and fails once a line grows past max,
// so that one endless line cannot exhaust memory inside encoding/csv. The
// bytes before the offending line are still delivered, so every row before
// it is read and emitted.
type lineLimiter struct {
	r    *bufio.Reader
	max  int
	cur  int   // bytes in the current line so far
	line int   // 1-based number of the current line
	err  error // sticky: errLineTooLong once seen
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.line == 0 {
		l.line = 1
	}
	n, err := l.r.Read(p)
	for off := 0; off < n; {
		i := bytes.IndexByte(p[off:n], '\n')
		end := n
		if i >= 0 {
			end = off + i
		}
		if l.cur+end-off > l.max {
			l.err = errLineTooLong
			if lineStart := off - l.cur; lineStart > 0 {
				return lineStart, nil // the complete lines before this one
			}
			return 0, l.err
		}
		if i < 0 {
			l.cur += end - off
			break
		}
		l.cur = 0
		l.line++
		off = end + 1
	}
	return n, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
