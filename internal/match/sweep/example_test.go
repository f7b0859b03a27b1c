package sweep_test

import (
	"fmt"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/match/sweep"
)

// The querier's node checks every online query before blinding it.
func ExampleGuard_Check() {
	now := func() time.Time { return time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC) }
	guard, _ := sweep.New(sweep.DefaultConfig(), now)

	fmt.Println(guard.Check("officer-17", match.Phone, []string{"+31612345678", "+31612345679"}))
	err := guard.Check("officer-17", match.Phone, []string{"+31612345680", "+31612345681", "+31612345682", "+31612345683"})
	fmt.Println(errs.KindOf(err))
	fmt.Println(errs.PublicMessage(err))
	// Output:
	// <nil>
	// precondition
	// refused as a sweep: 6 phone values queried in this scope within 24h0m0s differ only in their last characters or by small steps; run them as a signed-off bulk run
}
