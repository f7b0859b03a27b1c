package policy

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want Period
		ok   bool
	}{
		{"3y", Period{Years: 3}, true},
		{"6m", Period{Months: 6}, true},
		{"1y6m", Period{Years: 1, Months: 6}, true},
		{"10y", Period{Years: 10}, true},
		{"120m", Period{Months: 120}, true},
		{"0y6m", Period{Months: 6}, true},
		{"11y", Period{}, false},
		{"9y13m", Period{}, false},
		{"121m", Period{}, false},
		{"0y", Period{}, false},
		{"0m", Period{}, false},
		{"6m1y", Period{}, false},
		{"1y1y", Period{}, false},
		{"1m1m", Period{}, false},
		{"0001y", Period{}, false},
		{"3", Period{}, false},
		{"y", Period{}, false},
		{"3d", Period{}, false},
		{"-3y", Period{}, false},
		{"3Y", Period{}, false},
		{" 3y", Period{}, false},
		{"", Period{}, false},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %+v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Errorf("ParsePeriod(%q) kind = %v", tt.in, errs.KindOf(err))
		}
	}
	for _, p := range []Period{{Years: 3}, {Months: 6}, {Years: 1, Months: 6}} {
		if back, err := ParsePeriod(p.String()); err != nil || back != p {
			t.Errorf("ParsePeriod(%q) = %+v, %v", p.String(), back, err)
		}
	}
}

func TestDefaultsJSON(t *testing.T) {
	b, err := json.Marshal(StandardDefaults())
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"suspect":"3y","convicted":"5y","victim":"1y","witness":"1y","contact":"1y","other":"6m"}`
	if string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var d Defaults
	if err := json.Unmarshal([]byte(want), &d); err != nil || d != StandardDefaults() {
		t.Errorf("Unmarshal = %+v, %v", d, err)
	}
	if err := json.Unmarshal([]byte(`{"suspect":"30y"}`), &d); !errs.Is(err, errs.Invalid) {
		t.Errorf("Unmarshal of 30y = %v, want Invalid", err)
	}
}

func TestDefaultsValidate(t *testing.T) {
	if err := StandardDefaults().Validate(); err != nil {
		t.Fatal(err)
	}
	d := StandardDefaults()
	d.Contact = Period{}
	if err := d.Validate(); errs.FieldOf(err) != "reviewDefaults.contact" {
		t.Errorf("Validate = %v, want a reviewDefaults.contact error", err)
	}
}

func TestDefaultReviewDate(t *testing.T) {
	from := time.Date(2024, 2, 29, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		c    DataSubjectCategory
		want time.Time
	}{
		{CategorySuspect, time.Date(2027, 3, 1, 9, 30, 0, 0, time.UTC)}, // 29 Feb 2027 normalises to 1 Mar
		{CategoryConvicted, time.Date(2029, 3, 1, 9, 30, 0, 0, time.UTC)},
		{CategoryVictim, time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)},
		{CategoryWitness, time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)},
		{CategoryContact, time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)},
		{CategoryOther, time.Date(2024, 8, 29, 9, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := DefaultReviewDate(tt.c, from, StandardDefaults())
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("DefaultReviewDate(%s) = %v, %v; want %v", tt.c, got, err, tt.want)
		}
		// A default date always passes Validate for a record created at from.
		e := original()
		e.ReviewDate = got
		if err := e.Validate(from); err != nil {
			t.Errorf("%s: Validate: %v", tt.c, err)
		}
	}
	if _, err := DefaultReviewDate("bystander", from, StandardDefaults()); !errs.Is(err, errs.Invalid) {
		t.Errorf("unknown category: %v", err)
	}
	if _, err := DefaultReviewDate(CategorySuspect, from, Defaults{}); !errs.Is(err, errs.Invalid) {
		t.Errorf("zero defaults: %v", err)
	}
	// The longest allowed period still passes Validate, from any day.
	longest := Defaults{Suspect: Period{Years: MaxReviewYears}}
	for day := range 366 {
		start := from.AddDate(0, 0, day)
		got, err := DefaultReviewDate(CategorySuspect, start, longest)
		if err != nil {
			t.Fatal(err)
		}
		e := original()
		e.ReviewDate = got
		if err := e.Validate(start); err != nil {
			t.Fatalf("from %v: %v", start, err)
		}
	}
}
