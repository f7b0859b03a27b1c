package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseNodes(t *testing.T) {
	got, err := parseNodes(" NL-NCB=https://nl.example:8443/ ,DE-BKA=http://127.0.0.1:8080,")
	if err != nil || len(got) != 2 || got["NL-NCB"] != "https://nl.example:8443" || got["DE-BKA"] != "http://127.0.0.1:8080" {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{
		"", "NL-NCB", "nl=https://x", "NL-NCB=ftp://x", "NL-NCB=http://nl.example:8080", "NL-NCB=https://u:p@x",
		"NL-NCB=https://x/api", "NL-NCB=https://x?q=1", "NL-NCB=https://x,NL-NCB=https://y", "NL-NCB=https://",
	} {
		if _, err := parseNodes(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestParseTokens(t *testing.T) {
	got, err := parseTokens([]byte("# exercise HARBOUR\n\nNL-NCB = lsn_a\nDE-BKA=lsn_b\n"))
	if err != nil || len(got) != 2 || got["NL-NCB"] != "lsn_a" || got["DE-BKA"] != "lsn_b" {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"NL-NCB\n", "NL-NCB=\n", "x=lsn_a\n", "NL-NCB=a b\n", "NL-NCB=a\nNL-NCB=b\n"} {
		_, err := parseTokens([]byte(bad))
		if err == nil {
			t.Errorf("accepted %q", bad)
		} else if strings.Contains(err.Error(), "lsn_") || strings.Contains(err.Error(), "=a") {
			t.Errorf("error echoes a token: %v", err)
		}
	}
}

func FuzzParseNodes(f *testing.F) {
	f.Add("NL-NCB=https://nl.example:8443,DE-BKA=http://127.0.0.1:8080")
	f.Add("A=B=C,,")
	f.Fuzz(func(t *testing.T, s string) {
		nodes, err := parseNodes(s)
		if err != nil {
			return
		}
		if len(nodes) == 0 || len(nodes) > maxNodes {
			t.Fatalf("%d nodes", len(nodes))
		}
		for a, u := range nodes {
			if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
				t.Fatalf("%s: %q", a, u)
			}
		}
	})
}

func FuzzParseTokens(f *testing.F) {
	f.Add([]byte("# c\nNL-NCB=lsn_x\n"))
	f.Add([]byte("\r\nDE-BKA = t\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		toks, err := parseTokens(data)
		if err != nil {
			return
		}
		for a, tok := range toks {
			if a == "" || tok == "" || strings.ContainsAny(tok, " \t\n") {
				t.Fatalf("%q=%q", a, tok)
			}
		}
	})
}

func runLocal(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""), Getenv: func(string) string { return "" }}
	err := Run(context.Background(), args, env)
	return out.String(), errb.String(), err
}

func TestScenarioGenerateCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sc")
	out, errOut, err := runLocal(t, "scenario", "generate", "--seed", "2", "--countries", "nl,de,fr", "--out", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, want := range []string{"Wrote scenario to " + dir, "entities in", "NL-NCB", "story: operation"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "entities in") {
		t.Errorf("no progress line on stderr: %q", errOut)
	}
	for _, f := range []string{"scenario.json", "timeline.jsonl", "alerts.csv", "NL-NCB/records.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if _, _, err := runLocal(t, "scenario", "generate", "--out", dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second run into the same directory: %v", err)
	}
	if _, _, err := runLocal(t, "scenario", "generate", "--size", "huge", "--out", t.TempDir()); err == nil {
		t.Error("accepted size huge")
	}
}

// TestDemoCheckCommand runs `liaison demo --check` as CI does.
func TestDemoCheckCommand(t *testing.T) {
	out, errOut, err := runLocal(t, "demo", "--check", "--dir", filepath.Join(t.TempDir(), "demo"))
	if err != nil {
		t.Fatalf("%v\n%s%s", err, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "demo: ") || !strings.Contains(last, " 0 failed in ") {
		t.Fatalf("summary line %q", last)
	}
}
