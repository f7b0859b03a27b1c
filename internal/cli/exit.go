package cli

import "errors"

// ExitError carries a specific process exit code, e.g. `audit verify` exits
// 1 when it finds tampering and 2 when it cannot read what it should verify.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the process exit code for an error returned by Run.
func ExitCode(err error) int {
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return 1
}
