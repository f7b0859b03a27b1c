package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/federation/fedtest"
)

// runCLI runs the command line against a node's officer API as role.
func runCLI(t *testing.T, n *fedtest.Node, role string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin), Getenv: func(string) string { return "" }}
	err := Run(context.Background(), append([]string{"--url", n.API.URL, "--token", role}, args...), env)
	return out.String(), errb.String(), err
}

func mustCLI(t *testing.T, n *fedtest.Node, role string, args ...string) string {
	t.Helper()
	out, errOut, err := runCLI(t, n, role, "", args...)
	if err != nil {
		t.Fatalf("liaison %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// TestPartnerAndMessageCommands onboards two nodes with the CLI alone,
// sends a message with an attachment and reads it on the other side.
func TestPartnerAndMessageCommands(t *testing.T) {
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", nil)
	dir := t.TempDir()

	// Exchange cards; each administrator checks the fingerprint printed on the other side.
	fps := map[string]string{}
	for _, n := range []*fedtest.Node{nl, de} {
		file := filepath.Join(dir, n.Agency+".card.json")
		out, errOut, err := runCLI(t, n, "admin", "", "partner", "card", "--out", file)
		if err != nil {
			t.Fatal(err)
		}
		fp := regexp.MustCompile(`([0-9A-F]{4}-){7}[0-9A-F]{4}`).FindString(errOut)
		if fp == "" || !strings.Contains(out, file) {
			t.Fatalf("partner card: %q %q", out, errOut)
		}
		fps[n.Agency] = fp
	}
	if _, _, err := runCLI(t, nl, "admin", "", "partner", "add", filepath.Join(dir, "DE-BKA.card.json"), "--fingerprint", fps["NL-NCB"]); err == nil {
		t.Fatal("accepted a card with the wrong fingerprint")
	}
	if _, _, err := runCLI(t, nl, "investigator", "", "partner", "add", filepath.Join(dir, "DE-BKA.card.json"), "--fingerprint", fps["DE-BKA"]); err == nil {
		t.Fatal("an investigator added a partner")
	}
	if out := mustCLI(t, nl, "admin", "partner", "add", filepath.Join(dir, "DE-BKA.card.json"), "--fingerprint", fps["DE-BKA"]); !strings.Contains(out, "Added DE-BKA") {
		t.Fatalf("partner add: %s", out)
	}
	mustCLI(t, de, "admin", "partner", "add", filepath.Join(dir, "NL-NCB.card.json"), "--fingerprint", strings.ToLower(fps["NL-NCB"]))
	if out := mustCLI(t, nl, "admin", "partner", "list"); !strings.Contains(out, "DE-BKA") || !strings.Contains(out, "active") {
		t.Fatalf("partner list:\n%s", out)
	}

	body := filepath.Join(dir, "body.txt")
	os.WriteFile(body, []byte("Container MSCU1234567 arrives Friday.\n"), 0o600)
	file := filepath.Join(dir, "manifest.pdf")
	data := make([]byte, 300<<10)
	rand.Read(data)
	os.WriteFile(file, data, 0o600)
	if _, _, err := runCLI(t, nl, "investigator", "", "message", "send", "--to", "DE-BKA", "--subject", "Container", "--body-file", body); err == nil {
		t.Fatal("sent without a justification")
	}
	out, errOut, err := runCLI(t, nl, "investigator", "", "--case", "NL/2026/0042", "message", "send", "--to", "DE-BKA",
		"--subject", "Container MSCU1234567", "--body-file", body, "--attach", file, "--handling", "H0,H2", "--json")
	if err != nil {
		t.Fatalf("send: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "uploading manifest.pdf") || !strings.Contains(errOut, "100%") {
		t.Errorf("no upload progress on stderr: %q", errOut)
	}
	var sent struct {
		ID       string   `json:"id"`
		Handling []string `json:"handling"`
		TLP      string   `json:"tlp"`
		CaseRef  string   `json:"caseRef"`
	}
	if err := json.Unmarshal([]byte(out), &sent); err != nil || sent.TLP != "TLP:AMBER" || sent.CaseRef != "NL/2026/0042" || len(sent.Handling) != 2 {
		t.Fatalf("send output %s: %v", out, err)
	}

	fedtest.Eventually(t, 20*time.Second, "delivered and fetched", func() error {
		out := mustCLI(t, nl, "spoc", "message", "status", sent.ID)
		if !strings.Contains(out, "delivered") && !strings.Contains(out, "read") {
			return fedtest.Errorf("%s", out)
		}
		out = mustCLI(t, de, "analyst", "--case", "DE/2026/7", "message", "show", sent.ID)
		if !strings.Contains(out, "manifest.pdf") || !strings.Contains(out, "complete") {
			return fedtest.Errorf("%s", out)
		}
		return nil
	})
	if out := mustCLI(t, de, "analyst", "message", "list", "--inbox"); !strings.Contains(out, "Container MSCU1234567 [1 att.]") ||
		!strings.Contains(out, "Inbox 1 (0 unread)") {
		t.Fatalf("message list:\n%s", out)
	}
	out = mustCLI(t, de, "analyst", "--case", "DE/2026/7", "message", "show", sent.ID)
	if !strings.Contains(out, "Container MSCU1234567 arrives Friday.") || !strings.Contains(out, "H0, H2") {
		t.Fatalf("message show:\n%s", out)
	}
	attID := regexp.MustCompile(`(?m)^  ([0-9a-f-]{36})  manifest\.pdf`).FindStringSubmatch(out)
	if attID == nil {
		t.Fatalf("no attachment id in:\n%s", out)
	}
	saved := filepath.Join(dir, "saved.pdf")
	mustCLI(t, de, "analyst", "--case", "DE/2026/7", "message", "attachment", attID[1], "--out", saved)
	if got, _ := os.ReadFile(saved); !bytes.Equal(got, data) {
		t.Fatal("saved attachment differs")
	}
	fedtest.Eventually(t, 20*time.Second, "read receipt", func() error {
		if out := mustCLI(t, nl, "spoc", "message", "status", sent.ID); !strings.Contains(out, "read") || !strings.Contains(out, "u-analyst") {
			return fedtest.Errorf("%s", out)
		}
		return nil
	})
	if out := mustCLI(t, nl, "admin", "partner", "status"); !strings.Contains(out, "DE-BKA") || !strings.Contains(out, "ago") {
		t.Fatalf("partner status:\n%s", out)
	}
	if out := mustCLI(t, nl, "admin", "partner", "suspend", "DE-BKA"); !strings.Contains(out, "suspended") {
		t.Fatalf("suspend: %s", out)
	}
	if out := mustCLI(t, nl, "admin", "partner", "resume", "DE-BKA"); !strings.Contains(out, "active") {
		t.Fatalf("resume: %s", out)
	}
}
