// Package testnode runs real liaison binaries for end-to-end tests: it
// builds cmd/liaison once per test binary, initialises node directories
// (SQLite, or PostgreSQL when LIAISON_TEST_POSTGRES is set), starts and
// kills `liaison serve` processes on free loopback ports, and gives API
// clients for them.
package testnode

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/loopback"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary returns the path of a liaison binary built from this checkout.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "liaison-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "liaison")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/liaison-project/liaison/cmd/liaison")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// FreeAddr returns a free loopback address (loopback.FreeAddr).
func FreeAddr(t testing.TB) string {
	t.Helper()
	addr, err := loopback.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// Node is a node directory and, while running, its serve process.
type Node struct {
	t       testing.TB
	Dir     string
	Agency  string
	APIAddr string
	FedAddr string
	Token   string // the admin token
	Log     *bytes.Buffer

	cmd  *exec.Cmd
	done chan error
}

// Options for Init.
type Options struct {
	Agency, Country, Name string
	Postgres              bool // use a PostgreSQL schema when LIAISON_TEST_POSTGRES is set
}

// Init runs `liaison init` in a fresh directory.
func Init(t testing.TB, o Options) *Node {
	t.Helper()
	if o.Agency == "" {
		o.Agency, o.Country, o.Name = "NL-NCB", "NL", "Netherlands NCB"
	}
	n := &Node{t: t, Dir: filepath.Join(t.TempDir(), strings.ToLower(o.Agency)), Agency: o.Agency,
		APIAddr: FreeAddr(t), FedAddr: FreeAddr(t)}
	args := []string{"init", "--dir", n.Dir, "--agency", o.Agency, "--country", o.Country, "--name", o.Name,
		"--api-listen", n.APIAddr, "--federation-listen", n.FedAddr, "--json"}
	if os.Getenv(dbtest.EnvPostgres) != "" {
		args = append(args, "--database", dbtest.DSN(t))
	}
	out, err := exec.Command(Binary(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("liaison init: %v\n%s", err, out)
	}
	var res struct {
		AdminToken string `json:"adminToken"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("init output: %v\n%s", err, out)
	}
	n.Token = res.AdminToken
	return n
}

// Start runs `liaison serve` and waits until /healthz answers.
func (n *Node) Start(extra ...string) {
	n.t.Helper()
	n.Log = &bytes.Buffer{}
	n.cmd = exec.Command(Binary(n.t), append([]string{"serve", "--dir", n.Dir}, extra...)...)
	n.cmd.Stdout = n.Log
	n.cmd.Stderr = n.Log
	if err := n.cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	n.done = make(chan error, 1)
	go func() { n.done <- n.cmd.Wait() }()
	n.t.Cleanup(func() { n.Kill() })
	c := n.Client("")
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := c.Get(context.Background(), "/healthz", nil, nil)
		if err == nil {
			return
		}
		select {
		case err := <-n.done:
			n.cmd = nil // already reaped: Kill must not wait for it again
			n.t.Fatalf("liaison serve exited: %v\n%s", err, n.Log)
		default:
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("node did not become healthy: %v\n%s", err, n.Log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop sends SIGTERM and waits for a clean exit.
func (n *Node) Stop() error {
	if n.cmd == nil {
		return nil
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-n.done:
		n.cmd = nil
		return err
	case <-time.After(15 * time.Second):
		n.cmd.Process.Kill()
		<-n.done
		n.cmd = nil
		return fmt.Errorf("no exit within 15 s of SIGTERM")
	}
}

// Kill sends SIGKILL (a crash) and waits for the process to go.
func (n *Node) Kill() {
	if n.cmd == nil {
		return
	}
	n.cmd.Process.Kill()
	<-n.done
	n.cmd = nil
}

// URL is the node's officer API URL.
func (n *Node) URL() string { return "https://" + n.APIAddr }

// Client returns an API client for the node with token (the admin token when
// token is "").
func (n *Node) Client(token string) *client.Client {
	n.t.Helper()
	if token == "" {
		token = n.Token
	}
	pem, err := os.ReadFile(filepath.Join(n.Dir, "keys", "tls.crt"))
	if err != nil {
		n.t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return client.New(n.URL(), token, roots)
}

// CLI runs the liaison binary with args against this node (--dir) and
// returns its standard output.
func (n *Node) CLI(args ...string) (string, error) {
	n.t.Helper()
	cmd := exec.Command(Binary(n.t), append([]string{"--dir", n.Dir}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("liaison %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

// Onboard makes nodes a and b partners of each other through the CLI, as
// their administrators would: each exports its partner card and the other
// adds it with the card's fingerprint.
func Onboard(t testing.TB, a, b *Node) {
	t.Helper()
	for _, pair := range [][2]*Node{{a, b}, {b, a}} {
		from, to := pair[0], pair[1]
		out, err := from.CLI("partner", "card", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var own struct {
			Card        json.RawMessage `json:"card"`
			Fingerprint string          `json:"fingerprint"`
		}
		if err := json.Unmarshal([]byte(out), &own); err != nil {
			t.Fatalf("partner card: %v\n%s", err, out)
		}
		file := filepath.Join(t.TempDir(), from.Agency+".card.json")
		if err := os.WriteFile(file, own.Card, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := to.CLI("partner", "add", file, "--fingerprint", own.Fingerprint); err != nil {
			t.Fatalf("partner add: %v\n%s", err, out)
		}
	}
}

// KillDuringWrites creates API tokens from 8 concurrent clients until want
// of them are acknowledged or timeout passes, kills the node with SIGKILL
// while the writes go on, and returns the ids of the acknowledged tokens —
// the writes a crash must not lose. It fails t if fewer than atLeast were
// acknowledged.
func (n *Node) KillDuringWrites(t testing.TB, want, atLeast int, timeout time.Duration) map[string]bool {
	t.Helper()
	c := n.Client("")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				var res struct {
					Token struct{ ID string } `json:"token"`
				}
				if err := c.Post(ctx, "/api/v1/tokens", map[string]string{"name": "crash", "expiresIn": "1h"}, &res); err != nil {
					return // the node died; unacknowledged writes may or may not be there
				}
				mu.Lock()
				acked[res.Token.ID] = true
				mu.Unlock()
			}
		})
	}
	deadline := time.Now().Add(timeout)
	for {
		mu.Lock()
		k := len(acked)
		mu.Unlock()
		if k >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	n.Kill()
	cancel()
	wg.Wait()
	if len(acked) < atLeast {
		t.Fatalf("only %d writes acknowledged before the kill", len(acked))
	}
	return acked
}
