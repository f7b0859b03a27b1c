package exercise

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/scenario"
)

// Bounds on alert files.
const (
	maxAlertLine = 4096
	// DefaultAlertBatch is how many alert rows go into one import request.
	DefaultAlertBatch = 20_000
)

// Column headers of the node's alert import (internal/notice/alertcsv).
var (
	documentImportHeader = []string{"document_number", "country", "status", "type", "reference", "contact"}
	vehicleImportHeader  = []string{"plate", "country", "vin", "status", "description", "reference", "contact"}
)

// AlertBatch is part of an alert file in the node's import format.
type AlertBatch struct {
	CSV  []byte // header and rows
	Rows int
}

// AlertCount says what a conversion kept and left out.
type AlertCount struct {
	Rows    int // rows of the agency converted and handed over in batches
	Skipped int // rows of the agency the node's alert model cannot hold
}

// DocumentAlerts converts the rows of alerts.csv that agency reported into
// the node's import format (status stolen_blank becomes stolen; id_card
// and residence_permit become id-card and residence-permit), calling fn
// with batches of at most batch rows (0: DefaultAlertBatch). contact is
// who a border officer calls on a hit.
func (s *Scenario) DocumentAlerts(agency, contact string, batch int, fn func(AlertBatch) error) (AlertCount, error) {
	return s.convertAlerts(scenario.DocumentAlertFile, scenario.DocumentAlertHeader, documentImportHeader, agency, batch, fn,
		documentRow(contact))
}

// VehicleAlerts converts the rows of vehicle_alerts.csv that agency
// reported. Vehicles wanted for another reason than theft have no alert
// status in the node's model and are counted as skipped.
func (s *Scenario) VehicleAlerts(agency, contact string, batch int, fn func(AlertBatch) error) (AlertCount, error) {
	return s.convertAlerts(scenario.VehicleAlertFile, scenario.VehicleAlertHeader, vehicleImportHeader, agency, batch, fn,
		vehicleRow(contact))
}

// documentRow converts a row of alerts.csv to documentImportHeader.
func documentRow(contact string) func([]string) ([]string, bool) {
	return func(row []string) ([]string, bool) {
		number, country, typ, status, alertID := row[0], row[1], row[2], row[3], row[6]
		switch status {
		case "stolen_blank":
			status = "stolen"
		case "stolen", "lost", "revoked":
		default:
			return nil, false
		}
		return []string{number, country, status, strings.ReplaceAll(typ, "_", "-"), alertID, contact}, true
	}
}

// vehicleRow converts a row of vehicle_alerts.csv to vehicleImportHeader.
func vehicleRow(contact string) func([]string) ([]string, bool) {
	return func(row []string) ([]string, bool) {
		vin, plate, country, mk, model, colour, status, alertID := row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[9]
		if status != "stolen" {
			return nil, false
		}
		desc := strings.TrimSpace(strings.Join([]string{colour, mk, model}, " "))
		return []string{plate, country, vin, status, desc, alertID, contact}, true
	}
}

func (s *Scenario) convertAlerts(file string, header, out []string, agency string, batch int,
	fn func(AlertBatch) error, convert func([]string) ([]string, bool)) (AlertCount, error) {
	f, err := os.Open(filepath.Join(s.Dir, file))
	if err != nil {
		return AlertCount{}, err
	}
	defer f.Close()
	n, err := ConvertAlerts(f, header, out, agency, batch, fn, convert)
	if err != nil {
		return n, fmt.Errorf("%s: %w", file, err)
	}
	return n, nil
}

// agencyColumn is the index of reporting_agency in a scenario alert header.
func agencyColumn(header []string) int { return slices.Index(header, "reporting_agency") }

// ConvertAlerts reads a scenario alert file whose header must be header,
// keeps the rows reported by agency, converts each with convert (false:
// skip it) and hands them to fn in batches of at most batch rows, each
// with the out header.
func ConvertAlerts(r io.Reader, header, out []string, agency string, batch int,
	fn func(AlertBatch) error, convert func([]string) ([]string, bool)) (AlertCount, error) {
	var n AlertCount
	if batch <= 0 {
		batch = DefaultAlertBatch
	}
	col := agencyColumn(header)
	if col < 0 {
		return n, errs.E(errs.Internal, "header", "no reporting_agency column")
	}
	cr := csv.NewReader(&lineLimiter{r: r, max: maxAlertLine})
	cr.FieldsPerRecord = len(header)
	cr.ReuseRecord = true
	got, err := cr.Read()
	if err != nil {
		return n, errs.E(errs.Invalid, "line 1", "no header", err)
	}
	if !slices.Equal(got, header) {
		return n, errs.E(errs.Invalid, "line 1", "header must be "+strings.Join(header, ","))
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	rows := 0
	flush := func() error {
		if rows == 0 {
			return nil
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		if err := fn(AlertBatch{CSV: bytes.Clone(buf.Bytes()), Rows: rows}); err != nil {
			return err
		}
		n.Rows += rows
		buf.Reset()
		rows = 0
		return nil
	}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if errs.Is(err, errs.TooLarge) {
			return n, err
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return n, errs.E(errs.Invalid, fmt.Sprintf("line %d", pe.Line), "malformed row", err)
			}
			return n, errs.E(errs.Invalid, "malformed row", err)
		}
		if row[col] != agency {
			continue
		}
		conv, ok := convert(row)
		if !ok {
			n.Skipped++
			continue
		}
		if rows == 0 {
			if err := w.Write(out); err != nil {
				return n, err
			}
		}
		if err := w.Write(conv); err != nil {
			return n, err
		}
		rows++
		if rows == batch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}

// lineLimiter fails a read once a line runs longer than max bytes, so that
// a broken file cannot make the CSV reader buffer without bound.
type lineLimiter struct {
	r   io.Reader
	max int
	cur int // bytes of the current line so far
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			l.cur = 0
			continue
		}
		l.cur++
		if l.cur > l.max {
			return 0, errs.E(errs.TooLarge, fmt.Sprintf("a line is longer than %d bytes", l.max))
		}
	}
	return n, err
}
