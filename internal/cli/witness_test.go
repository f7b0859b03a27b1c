package cli_test

import (
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/testnode"
)

// TestWitnessCommands runs the witness commands against a real node with
// no partners: no alerts, and an empty partner table.
func TestWitnessCommands(t *testing.T) {
	n := testnode.Init(t, testnode.Options{})
	n.Start()
	out, err := n.CLI("witness", "alerts")
	if err != nil || !strings.Contains(out, "No split views detected") {
		t.Fatalf("witness alerts: %v\n%s", err, out)
	}
	out, err = n.CLI("witness", "partners")
	if err != nil || !strings.Contains(out, "THEIR LOG SEEN") {
		t.Fatalf("witness partners: %v\n%s", err, out)
	}
	if _, err := n.CLI("--json", "witness", "alerts"); err != nil {
		t.Fatal(err)
	}
}
