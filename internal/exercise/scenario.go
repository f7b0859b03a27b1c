package exercise

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/scenario"
)

// Bounds on the scenario files read.
const (
	maxManifestBytes  = 16 << 20
	maxRecordLine     = 8 << 20 // one record of records.jsonl
	maxTimelineLine   = 64 << 10
	maxTimelineEvents = 100_000
)

// Scenario is a scenario directory written by scenario.WriteDir: its
// manifest and timeline in memory, records and alerts read on demand.
type Scenario struct {
	Dir      string
	Manifest scenario.Manifest
	Timeline []scenario.TimelineEvent
}

// Open reads the manifest and timeline of the scenario in dir.
func Open(dir string) (*Scenario, error) {
	data, err := readFileLimited(filepath.Join(dir, scenario.ManifestFile), maxManifestBytes)
	if err != nil {
		return nil, err
	}
	s := &Scenario{Dir: dir}
	if err := json.Unmarshal(data, &s.Manifest); err != nil {
		return nil, fmt.Errorf("%s: %w", scenario.ManifestFile, err)
	}
	if s.Manifest.Format != scenario.FormatVersion {
		return nil, errs.E(errs.Unsupported, "format", fmt.Sprintf("%s: format %q, want %q", scenario.ManifestFile, s.Manifest.Format, scenario.FormatVersion))
	}
	if len(s.Manifest.Agencies) < scenario.MinCountries {
		return nil, errs.E(errs.Invalid, "agencies", scenario.ManifestFile+" names fewer than two agencies")
	}
	f, err := os.Open(filepath.Join(dir, scenario.TimelineFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s.Timeline, err = ReadTimeline(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", scenario.TimelineFile, err)
	}
	return s, nil
}

// ReadTimeline decodes timeline.jsonl: one event per line, offsets never
// decreasing, at most 100,000 events.
func ReadTimeline(r io.Reader) ([]scenario.TimelineEvent, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxTimelineLine)
	var out []scenario.TimelineEvent
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if len(out) == maxTimelineEvents {
			return nil, errs.E(errs.TooLarge, fmt.Sprintf("line %d", line), fmt.Sprintf("more than %d events", maxTimelineEvents))
		}
		var e scenario.TimelineEvent
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, errs.E(errs.Invalid, fmt.Sprintf("line %d", line), "not a timeline event", err)
		}
		if e.Type == "" || e.Actor == "" {
			return nil, errs.E(errs.Invalid, fmt.Sprintf("line %d", line), "an event needs a type and an actor")
		}
		if e.OffsetSeconds < 0 || (len(out) > 0 && e.OffsetSeconds < out[len(out)-1].OffsetSeconds) {
			return nil, errs.E(errs.Invalid, fmt.Sprintf("line %d", line), "offsets must not be negative or decrease")
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, errs.E(errs.TooLarge, fmt.Sprintf("line %d", line+1), "line too long")
		}
		return nil, err
	}
	return out, nil
}

// Agency returns the scenario agency with id, if the scenario has it.
func (s *Scenario) Agency(id string) (scenario.Agency, bool) {
	for _, a := range s.Manifest.Agencies {
		if a.ID == id {
			return a, true
		}
	}
	return scenario.Agency{}, false
}

// Records calls fn with each record of agency, in file order, reading one
// line at a time.
func (s *Scenario) Records(agency string, fn func(*scenario.Record) error) error {
	if _, ok := s.Agency(agency); !ok {
		return errs.E(errs.NotExist, "agency", "the scenario has no agency "+agency)
	}
	name := filepath.Join(s.Dir, agency, scenario.RecordsFile)
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return ReadRecords(f, func(line int, r *scenario.Record) error {
		if r.Agency != agency {
			return errs.E(errs.Invalid, fmt.Sprintf("%s line %d", name, line), "record of another agency: "+r.Agency)
		}
		return fn(r)
	})
}

// ReadRecords decodes records.jsonl, calling fn with the line number and
// record of each line. Lines are at most 8 MiB.
func ReadRecords(r io.Reader, fn func(line int, r *scenario.Record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxRecordLine)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var rec scenario.Record
		if err := json.Unmarshal(b, &rec); err != nil {
			return errs.E(errs.Invalid, fmt.Sprintf("line %d", line), "not a scenario record", err)
		}
		if rec.ID == "" || rec.Agency == "" || len(rec.Entities) == 0 {
			return errs.E(errs.Invalid, fmt.Sprintf("line %d", line), "a record needs an id, an agency and entities")
		}
		if err := fn(line, &rec); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return errs.E(errs.TooLarge, fmt.Sprintf("line %d", line+1), "line too long")
		}
		return err
	}
	return nil
}

func readFileLimited(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, errs.E(errs.TooLarge, filepath.Base(name), fmt.Sprintf("larger than %d bytes", max))
	}
	return b, nil
}
