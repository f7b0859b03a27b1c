package budget_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/match/budget"
)

// The holder charges a request's element count before evaluating it; a
// refusal is errs.RateLimited (HTTP 429) with a message for the officer
// and the reset time for Retry-After.
func ExampleMeter_Charge() {
	now := func() time.Time { return time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC) }
	meter, _ := budget.NewMeter(budget.Config{
		Default:        map[match.Type]budget.Limits{match.Phone: {PerCase: 100, PerPartner: 1000}},
		MaxCasesPerDay: budget.DefaultMaxCasesPerDay,
	}, now)

	fmt.Println(meter.Charge("DE-BKA", match.Phone, "DE-2026-17", 90))
	err := meter.Charge("DE-BKA", match.Phone, "DE-2026-17", 20)
	fmt.Println(errs.KindOf(err))
	fmt.Println(errs.PublicMessage(err))
	var e *budget.ExceededError
	if errors.As(err, &e) {
		fmt.Println("retry after", e.ResetsAt.Sub(now()))
	}
	// Output:
	// <nil>
	// rate-limited
	// daily budget for phone queries by DE-BKA in case DE-2026-17 exhausted: 90 of 100 used, this request needs 20; resets at 2026-03-02T00:00:00Z
	// retry after 9h0m0s
}
