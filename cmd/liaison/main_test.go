package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/config"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/testnode"
)

// TestNodeLifecycle runs the real binary: init → serve → health → auth →
// add a user → the user's token is refused an admin route → graceful stop.
func TestNodeLifecycle(t *testing.T) {
	n := testnode.Init(t, testnode.Options{})
	for _, f := range []string{"admin.token", "config.json", "keys/signing.key", "keys/hpke.key", "keys/tls.key"} {
		fi, err := os.Stat(filepath.Join(n.Dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v; want no group/other access", f, fi.Mode().Perm())
		}
	}
	if fi, _ := os.Stat(n.Dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("node dir mode %v, want 0700", fi.Mode().Perm())
	}
	n.Start()
	ctx := context.Background()

	anon := n.Client("none")
	anon.Token = ""
	for _, p := range []string{"/healthz", "/readyz"} {
		if err := anon.Get(ctx, p, nil, nil); err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
	}
	if err := anon.Get(ctx, "/api/v1/me", nil, nil); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("GET /api/v1/me without token: %v, want 401", err)
	}
	var me struct{ Username, Role, Agency string }
	if err := n.Client("").Get(ctx, "/api/v1/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	if me.Username != "admin" || me.Role != "admin" || me.Agency != "NL-NCB" {
		t.Fatalf("me = %+v", me)
	}

	if out, err := n.CLI("user", "add", "j.devries", "--role", "investigator"); err != nil || !strings.Contains(out, "One-time password") {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	out, err := n.CLI("token", "create", "--user", "j.devries", "--expires", "1h", "--json")
	if err != nil {
		t.Fatal(err)
	}
	tok := jsonField(t, out, "secret")
	inv := n.Client(tok)
	if err := inv.Get(ctx, "/api/v1/me", nil, &me); err != nil || me.Role != "investigator" {
		t.Fatalf("investigator /me: %+v, %v", me, err)
	}
	if err := inv.Get(ctx, "/api/v1/users", nil, nil); !errs.Is(err, errs.Permission) {
		t.Fatalf("investigator GET /api/v1/users: %v, want 403", err)
	}
	if out, err := n.CLI("user", "disable", "j.devries"); err != nil {
		t.Fatalf("user disable: %v\n%s", err, out)
	}
	if err := inv.Get(ctx, "/api/v1/me", nil, nil); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("disabled user's token: %v, want 401", err)
	}
	if out, _ := n.CLI("user", "list"); !strings.Contains(out, "disabled") {
		t.Fatalf("user list does not show the disabled account:\n%s", out)
	}

	start := time.Now()
	if err := n.Stop(); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, n.Log)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("stop took %s", d)
	}
	if !strings.Contains(n.Log.String(), `"msg":"stopped"`) {
		t.Fatalf("no clean shutdown in log:\n%s", n.Log)
	}
	if strings.Contains(n.Log.String(), n.Token) || strings.Contains(n.Log.String(), tok) {
		t.Fatal("a token appears in the log")
	}
}

func jsonField(t *testing.T, out, field string) string {
	t.Helper()
	i := strings.Index(out, `"`+field+`": "`)
	if i < 0 {
		t.Fatalf("no %q in %s", field, out)
	}
	rest := out[i+len(field)+5:]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestInitRefusesBadInput checks init's validation and that it never
// touches an existing node.
func TestInitRefusesBadInput(t *testing.T) {
	bin := testnode.Binary(t)
	dir := filepath.Join(t.TempDir(), "n")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad country", []string{"--agency", "NL-NCB", "--country", "XX", "--name", "x"}, "country"},
		{"bad agency", []string{"--agency", "nl ncb", "--country", "NL", "--name", "x"}, "agency"},
		{"no name", []string{"--agency", "NL-NCB", "--country", "NL", "--name", " "}, "name"},
	}
	for _, c := range cases {
		out, err := exec.Command(bin, append([]string{"init", "--dir", dir}, c.args...)...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%s: err=%v out=%s", c.name, err, out)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: failed init left %s behind", c.name, dir)
		}
	}
	n := testnode.Init(t, testnode.Options{})
	out, err := exec.Command(bin, "init", "--dir", n.Dir, "--agency", "DE-BKA", "--country", "DE", "--name", "x").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "refusing") {
		t.Fatalf("init over an existing node: %v %s", err, out)
	}
	if cfg, err := config.Load(n.Dir); err != nil || cfg.Agency.ID != "NL-NCB" {
		t.Fatalf("existing node changed: %v %+v", err, cfg)
	}
}

// TestCrashKeepsAcknowledgedWrites kills `liaison serve` with SIGKILL during
// a stream of writes and checks that every acknowledged write survived.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	n := testnode.Init(t, testnode.Options{})
	n.Start()
	acked := n.KillDuringWrites(t, 300, 50, 10*time.Second)

	checkConsistent(t, n.Dir)
	n.Start()
	var all []string
	q := map[string][]string{"limit": {"500"}}
	for {
		var page struct {
			Items      []struct{ ID string } `json:"items"`
			NextCursor string                `json:"nextCursor"`
		}
		if err := n.Client("").Get(context.Background(), "/api/v1/tokens", q, &page); err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			all = append(all, it.ID)
		}
		if page.NextCursor == "" {
			break
		}
		q["cursor"] = []string{page.NextCursor}
	}
	have := map[string]bool{}
	for _, id := range all {
		have[id] = true
	}
	for id := range acked {
		if !have[id] {
			t.Errorf("acknowledged token %s lost in the crash", id)
		}
	}
	t.Logf("%d acknowledged writes, %d present after restart", len(acked), len(all))
}

// checkConsistent opens the stopped node's database and runs the engine's
// integrity check.
func checkConsistent(t *testing.T, dir string) {
	t.Helper()
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(context.Background(), cfg.DatabaseDSN(dir), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Dialect() == db.SQLite {
		var res string
		if err := d.QueryRowContext(context.Background(), "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
			t.Fatalf("integrity_check: %q %v", res, err)
		}
	}
	var orphans int
	if err := d.QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM tokens t LEFT JOIN users u ON u.id = t.user_id WHERE u.id IS NULL`).Scan(&orphans); err != nil || orphans != 0 {
		t.Fatalf("orphan tokens: %d %v", orphans, err)
	}
}
