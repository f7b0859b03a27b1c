//go:build !unix

package scenario

import "time"

// cpuTime is not measured on this platform; benchmarks fall back to
// wall-clock time.
func cpuTime() (time.Duration, bool) { return 0, false }
