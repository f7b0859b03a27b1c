package disclosure_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the dependency direction: app wires disclosure, never the
// reverse; storage goes through internal/db only.
func TestDeps(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	list := func(format string) []string {
		out, err := exec.Command(goTool, "list", "-f", format, ".").Output()
		if err != nil {
			t.Fatalf("go list: %v", err)
		}
		return strings.Fields(string(out))
	}
	const module = "github.com/liaison-project/liaison/internal/"
	anywhere := map[string]string{
		module + "app":      "app wires disclosure, not the other way round",
		module + "cli":      "the CLI is a client of the API",
		module + "client":   "the officer API client is for the CLI",
		module + "web":      "the portal calls disclosure, not the other way round",
		module + "testnode": "test support",
	}
	for _, p := range list(`{{join .Deps "\n"}}`) {
		if why, bad := anywhere[p]; bad {
			t.Errorf("disclosure depends on %s: %s", p, why)
		}
	}
	direct := map[string]string{
		"database/sql/driver":            "storage goes through internal/db",
		"github.com/jackc/pgx/v5/stdlib": "storage goes through internal/db",
		"modernc.org/sqlite":             "storage goes through internal/db",
		"os/exec":                        "no subprocesses",
	}
	for _, p := range list(`{{join .Imports "\n"}}`) {
		if why, bad := direct[p]; bad {
			t.Errorf("disclosure imports %s: %s", p, why)
		}
	}
}
