package notice

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
)

// PartialDate is a date of which only the year, or the year and month, may be
// known, as INTERPOL publishes dates of birth ("1958/11/05", "1958/11",
// "1958"). The zero value means unknown. Month and Day are 0 when unknown; a
// day is only known when the month is.
type PartialDate struct {
	Year, Month, Day int
}

// Years accepted in a PartialDate: wide enough for any living person or old
// case, narrow enough to catch typos and overflow.
const (
	minYear = 1800
	maxYear = 2200
)

// ParsePartialDate parses "YYYY", "YYYY/MM", "YYYY/MM/DD", with "/" or "-"
// as separator. The empty string gives the zero (unknown) date.
func ParsePartialDate(s string) (PartialDate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return PartialDate{}, nil
	}
	bad := errs.E(errs.Invalid, "date", "a date looks like 1958/11/05, 1958/11 or 1958")
	if len(s) > len("1958/11/05") {
		return PartialDate{}, bad
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '-' })
	if len(parts) == 0 || len(parts) > 3 || strings.Count(s, "/")+strings.Count(s, "-") != len(parts)-1 {
		return PartialDate{}, bad
	}
	var nums [3]int
	for i, p := range parts {
		want := 2
		if i == 0 {
			want = 4
		}
		if len(p) != want || !allDigits(p) {
			return PartialDate{}, bad
		}
		nums[i], _ = strconv.Atoi(p) // cannot fail: checked digits
	}
	d := PartialDate{Year: nums[0], Month: nums[1], Day: nums[2]}
	if err := d.Validate(); err != nil {
		return PartialDate{}, err
	}
	if len(parts) >= 2 && d.Month == 0 || len(parts) == 3 && d.Day == 0 {
		return PartialDate{}, bad
	}
	return d, nil
}

// Validate checks ranges: a known year in 1800–2200, a month 1–12, a day
// that exists in that month, and no day without a month.
func (d PartialDate) Validate() error {
	if d == (PartialDate{}) {
		return nil
	}
	if d.Year < minYear || d.Year > maxYear {
		return errs.E(errs.Invalid, "date", fmt.Sprintf("year must be between %d and %d", minYear, maxYear))
	}
	if d.Month < 0 || d.Month > 12 {
		return errs.E(errs.Invalid, "date", "month must be between 1 and 12")
	}
	if d.Day != 0 {
		if d.Month == 0 {
			return errs.E(errs.Invalid, "date", "a day needs a month")
		}
		last := time.Date(d.Year, time.Month(d.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if d.Day < 1 || d.Day > last {
			return errs.E(errs.Invalid, "date", "no such day in that month")
		}
	}
	return nil
}

// IsZero reports whether the date is unknown.
func (d PartialDate) IsZero() bool { return d == PartialDate{} }

// String gives the ISO 8601 form at the known precision: "1958-11-05",
// "1958-11", "1958", or "" when unknown.
func (d PartialDate) String() string {
	switch {
	case d.Year == 0:
		return ""
	case d.Month == 0:
		return fmt.Sprintf("%04d", d.Year)
	case d.Day == 0:
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	default:
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
	}
}

// Compatible reports whether two dates can be the same day: every component
// known in both is equal. An unknown date is compatible with any date.
func (d PartialDate) Compatible(o PartialDate) bool {
	eq := func(a, b int) bool { return a == 0 || b == 0 || a == b }
	return eq(d.Year, o.Year) && eq(d.Month, o.Month) && eq(d.Day, o.Day)
}
