package policy

import (
	"strconv"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
)

// MaxReviewYears bounds how far ahead a review date may be set. Directive
// 2016/680 Art. 5 asks for time limits or periodic review; a review date
// more than ten years ahead is almost certainly a typing error (or an
// attempt to keep data forever).
const MaxReviewYears = 10

// Period is a review period in whole years and months. Months and years,
// not durations, because "review in three years" means the same calendar
// date three years on, whatever the leap days.
type Period struct {
	Years  int
	Months int
}

// months returns the length of p in months.
func (p Period) months() int { return p.Years*12 + p.Months }

// check reports whether p is positive and no longer than MaxReviewYears.
func (p Period) check() error {
	if p.Years < 0 || p.Months < 0 || p.months() == 0 {
		return errs.E(errs.Invalid, "period", "review period must be positive")
	}
	if p.months() > MaxReviewYears*12 {
		return errs.E(errs.Invalid, "period", "review period must not exceed "+strconv.Itoa(MaxReviewYears)+" years")
	}
	return nil
}

// AddTo returns t plus p, by calendar (time.Time.AddDate).
func (p Period) AddTo(t time.Time) time.Time { return t.AddDate(p.Years, p.Months, 0) }

// String returns the text form, e.g. "3y", "6m" or "1y6m".
func (p Period) String() string {
	var s string
	if p.Years != 0 {
		s = strconv.Itoa(p.Years) + "y"
	}
	if p.Months != 0 || s == "" {
		s += strconv.Itoa(p.Months) + "m"
	}
	return s
}

// ParsePeriod parses the text form: a number of years followed by "y",
// a number of months followed by "m", or both in that order ("1y6m"),
// each number of one to three digits. The period must be positive and at
// most MaxReviewYears.
func ParsePeriod(s string) (Period, error) {
	bad := errs.E(errs.Invalid, "period", `review period must look like "3y", "6m" or "1y6m"`)
	var p Period
	rest := s
	sawYears, sawMonths := false, false
	for rest != "" {
		n := 0
		for n < len(rest) && n < 4 && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 0 || n > 3 || n == len(rest) {
			return Period{}, bad
		}
		v, _ := strconv.Atoi(rest[:n]) // at most three digits: cannot fail
		switch rest[n] {
		case 'y':
			if sawYears || sawMonths {
				return Period{}, bad
			}
			sawYears, p.Years = true, v
		case 'm':
			if sawMonths {
				return Period{}, bad
			}
			sawMonths, p.Months = true, v
		default:
			return Period{}, bad
		}
		rest = rest[n+1:]
	}
	if !sawYears && !sawMonths {
		return Period{}, bad
	}
	if err := p.check(); err != nil {
		return Period{}, err
	}
	return p, nil
}

// MarshalText returns the text form of a valid period.
func (p Period) MarshalText() ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	return []byte(p.String()), nil
}

// UnmarshalText parses the text form.
func (p *Period) UnmarshalText(b []byte) error {
	v, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Defaults are the default review periods per data-subject category, used
// when a record is created without an explicit review date. A node
// configures them (they follow national law); [StandardDefaults] gives the
// values used when nothing is configured.
type Defaults struct {
	Suspect   Period `json:"suspect"`
	Convicted Period `json:"convicted"`
	Victim    Period `json:"victim"`
	Witness   Period `json:"witness"`
	Contact   Period `json:"contact"`
	Other     Period `json:"other"`
}

// StandardDefaults returns the default review periods:
//
//   - suspect: 3 years — long enough for an investigation and trial, short
//     enough that suspicion which led nowhere is reassessed;
//   - convicted: 5 years — matches INTERPOL's five-year validity of red
//     notices;
//   - victim, witness, contact: 1 year — people who are not suspected of
//     anything, kept only while the case needs them;
//   - other: 6 months.
func StandardDefaults() Defaults {
	return Defaults{
		Suspect:   Period{Years: 3},
		Convicted: Period{Years: 5},
		Victim:    Period{Years: 1},
		Witness:   Period{Years: 1},
		Contact:   Period{Years: 1},
		Other:     Period{Months: 6},
	}
}

// Validate checks that every period is positive and at most MaxReviewYears.
func (d Defaults) Validate() error {
	for _, c := range DataSubjectCategories {
		p, _ := d.For(c) // every listed category is known
		if err := p.check(); err != nil {
			return errs.E(errs.Invalid, "reviewDefaults."+string(c), errs.PublicMessage(err))
		}
	}
	return nil
}

// For returns the period for category c.
func (d Defaults) For(c DataSubjectCategory) (Period, error) {
	switch c {
	case CategorySuspect:
		return d.Suspect, nil
	case CategoryConvicted:
		return d.Convicted, nil
	case CategoryVictim:
		return d.Victim, nil
	case CategoryWitness:
		return d.Witness, nil
	case CategoryContact:
		return d.Contact, nil
	case CategoryOther:
		return d.Other, nil
	}
	_, err := ParseDataSubjectCategory(string(c))
	return Period{}, err
}

// DefaultReviewDate returns the review date of a record about a person of
// category c created at from: from plus the category's period in d. A record
// about several people takes the earliest of their dates, so the
// shortest-lived category decides.
func DefaultReviewDate(c DataSubjectCategory, from time.Time, d Defaults) (time.Time, error) {
	p, err := d.For(c)
	if err != nil {
		return time.Time{}, err
	}
	if err := p.check(); err != nil {
		return time.Time{}, errs.E(errs.Invalid, "reviewDefaults."+string(c), errs.PublicMessage(err))
	}
	return p.AddTo(from), nil
}
