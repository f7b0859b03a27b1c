package notice

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestPureCore keeps the notice packages free of I/O: the service, storage,
// routes and federation are built on them, never inside them. It also
// keeps logging out, so no personal data can leak through a log line here.
func TestPureCore(t *testing.T) {
	forbidden := map[string]string{
		"net":          "no network I/O in the pure core",
		"net/http":     "routes live in the notice service",
		"database/sql": "storage lives in internal/storage",
		"os/exec":      "no subprocesses",
		"log":          "no logging: callers log, without personal data",
		"log/slog":     "no logging: callers log, without personal data",
	}
	out, err := exec.Command("go", "list", "-deps", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/liaison-project/liaison/internal/notice/lookup") {
		t.Fatalf("go list did not cover the subpackages: %v", deps)
	}
	for pkg, why := range forbidden {
		if slices.Contains(deps, pkg) {
			t.Errorf("internal/notice/... depends on %s: %s", pkg, why)
		}
	}
}
