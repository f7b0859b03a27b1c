package envelope

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps card and envelope pure: the transport, outbox and storage
// build on them, never the other way round.
func TestDeps(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".", "../card").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/liaison-project/liaison/"
	allowedInternal := map[string]bool{
		module + "internal/errs":                true,
		module + "internal/identity":            true,
		module + "internal/federation/card":     true,
		module + "internal/federation/envelope": true,
		// The card validates agency ids and countries with the node-wide rules.
		module + "internal/policy": true,
		module + "internal/access": true,
		module + "internal/ftm":    true,
	}
	forbidden := map[string]string{
		"net/http":     "no network I/O: transport builds on this package",
		"database/sql": "no storage: the durable replay guard lives with storage",
		"os/exec":      "no subprocesses",
	}
	for _, p := range strings.Fields(string(out)) {
		if why, bad := forbidden[p]; bad {
			t.Errorf("depends on %s: %s", p, why)
		}
		if strings.HasPrefix(p, module) && !allowedInternal[p] {
			t.Errorf("depends on %s, outside errs, identity, policy and federation/card", p)
		}
	}
}
