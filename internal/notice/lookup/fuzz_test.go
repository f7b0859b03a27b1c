package lookup

import (
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
)

// FuzzLookups feeds arbitrary input to every lookup: a lookup either
// answers or fails with Invalid, and a hit is always on the normalised form
// of what was asked.
func FuzzLookups(f *testing.F) {
	x := New(Options{})
	for _, a := range []notice.Alert{
		doc("X1234567", "FR", notice.Stolen),
		{Kind: notice.Vehicle, Plate: "AB123CD", Country: "FR", VIN: "1M8GDM9AXKP042788", Status: notice.Stolen},
	} {
		if err := x.Add(a); err != nil {
			f.Fatal(err)
		}
	}
	n := notice.Notice{ID: "n1", Type: notice.Yellow, Name: "Иванов", Forename: "Сергей",
		DateOfBirth: notice.PartialDate{Year: 1980, Month: 1, Day: 2}, State: notice.Published}
	if err := x.AddNotice(n, time.Now()); err != nil {
		f.Fatal(err)
	}
	f.Add("x12-34567", "fr", "1980-01-02")
	f.Add("AB 123 CD", "FR", "1980")
	f.Add("1M8GDM9AXKP042788", "", "1980/01/02")
	f.Add("Sergei Ivanov", "\xff", "1980-02-30")
	f.Fuzz(func(t *testing.T, s, country, date string) {
		check := func(h Hit, ok bool, err error) {
			if err != nil && !errs.Is(err, errs.Invalid) {
				t.Fatalf("error of kind %s: %v", errs.KindOf(err), err)
			}
			if ok && (err != nil || h.Action == "") {
				t.Fatalf("hit %+v with err %v", h, err)
			}
		}
		check(x.Document(s, country))
		check(x.Plate(s, country))
		check(x.VIN(s))
		if _, err := x.Person(s, date); err != nil && !errs.Is(err, errs.Invalid) {
			t.Fatalf("person: %v", err)
		}
	})
}
