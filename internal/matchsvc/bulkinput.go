package matchsvc

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/match"
)

// Bulk list formats.
const (
	FormatCSV = "csv"
	FormatFtM = "ftm"
)

// maxFtMLine bounds one FtM JSON line of a bulk list.
const maxFtMLine = 1 << 20

// parseBulkList reads a bulk list into distinct normalised values of type
// t, in list order, at most maxValues of them. Entries that do not
// normalise (a header line, a bad IBAN, an entity without such an
// identifier) are counted as skipped. CSV takes the first column, or for
// person key types the name and birth date in the first two; FtM takes
// every identifier of the type (or person key) of every entity.
func parseBulkList(format, data string, t match.Type, country string, maxValues int) ([]string, int, error) {
	if !t.Valid() {
		return nil, 0, errs.E(errs.Invalid, "type", "unknown identifier type")
	}
	var (
		values  []string
		skipped int
	)
	seen := map[string]bool{}
	add := func(v string) error {
		if seen[v] {
			return nil
		}
		if len(values) >= maxValues {
			return errs.E(errs.TooLarge, "data", fmt.Sprintf("a bulk list holds at most %d distinct values", maxValues))
		}
		seen[v] = true
		values = append(values, v)
		return nil
	}
	person := t.Strength() != match.Exact
	switch format {
	case FormatCSV:
		r := csv.NewReader(strings.NewReader(data))
		r.FieldsPerRecord = -1
		r.ReuseRecord = true
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					return nil, 0, errs.E(errs.Invalid, "data", fmt.Sprintf("CSV line %d: %v", pe.Line, pe.Err))
				}
				return nil, 0, errs.E(errs.Invalid, "data", "malformed CSV")
			}
			var ok bool
			if person {
				if len(rec) >= 2 {
					for _, k := range matchKeys(rec[0], rec[1]) {
						if k.Type == t && k.Validate() == nil {
							ok = true
							if err := add(k.Value); err != nil {
								return nil, 0, err
							}
						}
					}
				}
			} else if v, err := NormalizeValue(t, rec[0], country); err == nil {
				ok = true
				if err := add(v); err != nil {
					return nil, 0, err
				}
			}
			if !ok {
				skipped++
			}
		}
	case FormatFtM:
		sc := bufio.NewScanner(strings.NewReader(data))
		sc.Buffer(make([]byte, 0, 64<<10), maxFtMLine)
		for line := 1; sc.Scan(); line++ {
			text := strings.TrimSpace(sc.Text())
			if text == "" {
				continue
			}
			var e ftm.Entity
			if err := json.Unmarshal([]byte(text), &e); err != nil {
				skipped++
				continue
			}
			var keys []match.Key
			for _, k := range recordKeys([]ftm.Entity{e}) {
				if k.Type == t {
					keys = append(keys, k)
				}
			}
			if len(keys) == 0 {
				skipped++
			}
			for _, k := range keys {
				if err := add(k.Value); err != nil {
					return nil, 0, err
				}
			}
		}
		if err := sc.Err(); err != nil {
			return nil, 0, errs.E(errs.Invalid, "data", fmt.Sprintf("FtM input: %v (lines are at most %d bytes)", err, maxFtMLine))
		}
	default:
		return nil, 0, errs.E(errs.Invalid, "format", "format must be csv or ftm")
	}
	if len(values) == 0 {
		return nil, skipped, errs.E(errs.Invalid, "data", fmt.Sprintf("the list holds no %s value (%d entries skipped)", t, skipped))
	}
	return values, skipped, nil
}
