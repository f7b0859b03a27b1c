package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering keeps the dependency direction for every package under
// internal/: capabilities never depend on the layers built on them (this
// wiring package, the CLI, the API client, the portal, the demo and
// exercises, test support), storage drivers are imported by internal/db
// alone, and only test support starts subprocesses.
func TestLayering(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list dependencies: %v", err)
	}
	const module = "github.com/liaison-project/liaison/internal/"
	out, err := exec.Command(goTool, "list", "-f", `{{.ImportPath}}|{{join .Imports " "}}|{{join .Deps " "}}`, module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	// The layers on top, which capabilities must not reach.
	outer := map[string]string{
		module + "app":      "app wires the capabilities, not the other way round",
		module + "cli":      "the CLI is a client of the API",
		module + "client":   "the officer API client is for the CLI, the demo and exercises",
		module + "web":      "the portal calls the capabilities, not the other way round",
		module + "demo":     "the demo drives nodes through their API",
		module + "exercise": "exercises drive nodes through their API",
		module + "testnode": "test support",
	}
	// Packages allowed to reach the outer layers: the layers themselves,
	// and test support that drives a node through its API.
	reaches := map[string]bool{module + "bench": true, module + "federation/fedtest": true}
	for p := range outer {
		reaches[p] = true
	}
	drivers := map[string]bool{"database/sql/driver": true, "github.com/jackc/pgx/v5/stdlib": true, "modernc.org/sqlite": true}
	storage := map[string]bool{module + "db": true, module + "db/dbtest": true}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, rest, _ := strings.Cut(line, "|")
		imports, deps, _ := strings.Cut(rest, "|")
		checked++
		if !reaches[pkg] {
			for _, d := range strings.Fields(deps) {
				if why, bad := outer[d]; bad {
					t.Errorf("%s depends on %s: %s", pkg, d, why)
				}
			}
		}
		for _, i := range strings.Fields(imports) {
			switch {
			case drivers[i] && !storage[pkg]:
				t.Errorf("%s imports %s: storage goes through internal/db", pkg, i)
			case i == "os/exec" && pkg != module+"testnode":
				t.Errorf("%s imports os/exec: only test support starts subprocesses", pkg)
			}
		}
	}
	if checked < 30 {
		t.Fatalf("go list named %d packages: the pattern missed the module", checked)
	}
}
