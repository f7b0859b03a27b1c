package demo_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/app"
	"github.com/liaison-project/liaison/internal/demo"
	"github.com/liaison-project/liaison/internal/identity"
	"github.com/liaison-project/liaison/internal/scenario"
)

// appLauncher runs nodes with internal/app, as the command line does.
type appLauncher struct{}

func (appLauncher) Init(ctx context.Context, s demo.NodeSpec) (*demo.NodeInit, error) {
	res, err := app.Init(ctx, app.InitOptions{Dir: s.Dir, Agency: s.Agency, Country: s.Country, Name: s.Name,
		APIListen: s.APIListen, FederationListen: s.FederationListen})
	if err != nil {
		return nil, err
	}
	return &demo.NodeInit{AdminUser: res.AdminUser, AdminPassword: res.AdminPassword, AdminToken: res.AdminToken,
		AdminTokenFile: filepath.Join(res.Dir, app.AdminTokenFile),
		CertFile:       filepath.Join(res.Dir, identity.KeysDir, identity.TLSCertFile)}, nil
}

func (appLauncher) Serve(ctx context.Context, dir string, log io.Writer, ready func(string)) error {
	return app.Serve(ctx, app.ServeOptions{Dir: dir, Stderr: log, LogLevel: "warn", Ready: func(a app.Addrs) { ready(a.API) }})
}

var (
	okLine      = regexp.MustCompile(`^(ok +\d+ [^:]+: .+ \(\d+\.\d s\)|skip +\d+ [^:]+: the nodes do not offer /api/v1/\S+ in this build)$`)
	summaryLine = regexp.MustCompile(`^demo: (\d+) steps passed, 0 failed in \d+\.\d s$`)
)

// TestDemoCheck plays the whole demo on three real nodes, as
// `liaison demo --check` does in CI.
func TestDemoCheck(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	start := time.Now()
	rep, err := demo.Run(ctx, demo.Options{Launcher: appLauncher{}, Dir: t.TempDir(), Seed: 1, Check: true, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo --check in %s:\n%s", time.Since(start).Round(time.Millisecond), out.String())
	if !rep.OK() {
		t.Fatalf("%d steps failed", rep.Failed)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(rep.Steps)+1 {
		t.Fatalf("%d lines for %d steps", len(lines), len(rep.Steps))
	}
	for _, l := range lines[:len(lines)-1] {
		if !okLine.MatchString(l) {
			t.Errorf("step line %q", l)
		}
	}
	if m := summaryLine.FindStringSubmatch(lines[len(lines)-1]); m == nil || m[1] != strconv.Itoa(len(rep.Steps)-rep.Skipped) {
		t.Errorf("summary line %q", lines[len(lines)-1])
	}
	for _, want := range []string{"art3.political", "HIT passport", "NO HIT", "read receipt", "every event in the signed tree"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// brokenLauncher cannot create nodes.
type brokenLauncher struct{}

func (brokenLauncher) Init(context.Context, demo.NodeSpec) (*demo.NodeInit, error) {
	return nil, errors.New("disk full")
}

func (brokenLauncher) Serve(context.Context, string, io.Writer, func(string)) error {
	return errors.New("not reached")
}

// TestDemoCheckReportsFailures: a step that fails is reported with its
// reason, the steps that depend on it are reported as not run, and the
// summary counts them as failed.
func TestDemoCheckReportsFailures(t *testing.T) {
	var out bytes.Buffer
	rep, err := demo.Run(context.Background(), demo.Options{Launcher: brokenLauncher{}, Seed: 1, Check: true, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Passed != 1 || rep.Failed != len(rep.Steps)-1 {
		t.Fatalf("passed %d, failed %d of %d", rep.Passed, rep.Failed, len(rep.Steps))
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(lines[1], "FAIL  2 three agency nodes serving: ") || !strings.Contains(lines[1], "disk full") {
		t.Errorf("failed step: %q", lines[1])
	}
	if !strings.Contains(lines[2], "not run: step 2 (three agency nodes serving) failed") {
		t.Errorf("dependent step: %q", lines[2])
	}
	want := regexp.MustCompile(`^demo: 1 steps passed, \d+ failed in \d+\.\d s$`)
	if !want.MatchString(lines[len(lines)-1]) {
		t.Errorf("summary %q", lines[len(lines)-1])
	}
}

// portThief is appLauncher whose first creation of NL-NCB's node finds its
// officer API port taken by another process between the choice and the
// bind. Nodes are created concurrently.
type portThief struct {
	appLauncher
	t     *testing.T
	mu    sync.Mutex
	stole []string // the addresses it took
}

func (p *portThief) Init(ctx context.Context, s demo.NodeSpec) (*demo.NodeInit, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.Agency == "NL-NCB" && len(p.stole) == 0 {
		ln, err := net.Listen("tcp", s.APIListen)
		if err != nil {
			p.t.Fatal(err)
		}
		p.t.Cleanup(func() { ln.Close() })
		p.stole = append(p.stole, s.APIListen)
	}
	return p.appLauncher.Init(ctx, s)
}

// TestNodeStartsAgainOnNewPorts: a node whose port was taken before it
// could bind is created afresh on other ports, and the network forms.
func TestNodeStartsAgainOnNewPorts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	thief := &portThief{t: t}
	agencies := []scenario.Agency{{ID: "NL-NCB", Country: "NL", Name: "NCB The Hague"}, {ID: "DE-BKA", Country: "DE", Name: "Bundeskriminalamt"}}
	nw, err := demo.StartNetwork(ctx, thief, t.TempDir(), agencies)
	if err != nil {
		t.Fatal(err)
	}
	defer nw.Close()
	if len(thief.stole) != 1 {
		t.Fatalf("took %d ports", len(thief.stole))
	}
	for _, n := range nw.Nodes {
		if strings.Contains(n.APIURL, thief.stole[0]) {
			t.Errorf("%s serves on the taken address %s", n.Agency, thief.stole[0])
		}
		var me struct{ Agency string }
		if err := nw.Client(slices.IndexFunc(nw.Nodes, func(m demo.NetworkNode) bool { return m.Agency == n.Agency }), n.AdminToken).Get(ctx, "/api/v1/me", nil, &me); err != nil || me.Agency != n.Agency {
			t.Errorf("%s: /me %+v %v", n.Agency, me, err)
		}
	}
}
