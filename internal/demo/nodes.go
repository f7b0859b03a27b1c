package demo

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/loopback"
	"github.com/liaison-project/liaison/internal/scenario"
)

// Launcher creates and runs nodes. The command line implements it with
// internal/app; implementations must be safe for concurrent use.
type Launcher interface {
	// Init creates a node directory as `liaison init` does.
	Init(ctx context.Context, spec NodeSpec) (*NodeInit, error)
	// Serve runs the node in dir until ctx ends, then shuts it down
	// gracefully and returns. It writes the node's log to log and calls
	// ready with the officer API's address once every listener accepts
	// connections. An error means the node could not start or failed.
	Serve(ctx context.Context, dir string, log io.Writer, ready func(apiAddr string)) error
}

// NodeSpec describes a node to create.
type NodeSpec struct {
	Dir              string
	Agency           string // e.g. NL-NCB
	Country          string // ISO 3166-1 alpha-2
	Name             string
	APIListen        string // loopback address of the officer API
	FederationListen string // loopback address of the federation listener
	Exercise         bool   // an exercise node (`liaison init --exercise`)
}

// NodeInit is what creating a node gives: the first administrator's
// credentials and the node's certificate.
type NodeInit struct {
	AdminUser      string
	AdminPassword  string // one-time: the portal asks for a new one
	AdminToken     string
	AdminTokenFile string
	CertFile       string // the node's self-signed TLS certificate, PEM
}

// officerRoles are the officers the demo creates on every node, besides the
// administrator created with the node.
var officerRoles = []access.Role{access.SPOC, access.Investigator, access.Reviewer, access.Border, access.DPO}

// officer is an account on a node and an API client acting as it.
type officer struct {
	role     access.Role
	username string
	password string // one-time password, for the portal
	client   *client.Client
}

// node is a running agency node.
type node struct {
	agency   scenario.Agency
	spec     NodeSpec
	init     *NodeInit
	apiURL   string
	roots    *x509.CertPool
	logFile  string
	officers map[access.Role]*officer
	serving  bool       // Serve was started
	served   chan error // Serve's result

	// verifierKey is the audit log key pinned when the node started;
	// firstCheckpoint is the checkpoint signed then.
	verifierKey     string
	firstCheckpoint string
}

// as returns a client acting as the node's officer with role, sending
// justification with every request.
func (n *node) as(role access.Role, justification string) *client.Client {
	o := n.officers[role]
	c := *o.client
	c.Justification = justification
	return &c
}

// freeAddr returns a loopback address that was free a moment ago. Another
// process could take it before the node binds it; the node then fails to
// start with an error naming the address.
func freeAddr() (string, error) { return loopback.FreeAddr() }

// startTimeout bounds how long a node may take to start serving.
const startTimeout = 60 * time.Second

// startNodes creates and serves one node per agency, concurrently. The
// nodes run until ctx ends; each node's served channel then delivers
// Serve's result.
func (d *demo) startNodes(ctx context.Context, agencies []scenario.Agency) error {
	return d.startNodesOf(ctx, agencies, false)
}

// startNodesOf is startNodes, creating exercise nodes when exercise is set.
func (d *demo) startNodesOf(ctx context.Context, agencies []scenario.Agency, exercise bool) error {
	if err := os.MkdirAll(filepath.Join(d.dir, "logs"), 0o700); err != nil {
		return err
	}
	nodes := make([]*node, len(agencies))
	errc := make(chan error, len(agencies))
	var wg sync.WaitGroup
	for i, a := range agencies {
		api, err := freeAddr()
		if err != nil {
			return err
		}
		fed, err := freeAddr()
		if err != nil {
			return err
		}
		n := &node{agency: a, officers: map[access.Role]*officer{}, served: make(chan error, 1),
			spec: NodeSpec{Dir: filepath.Join(d.dir, strings.ToLower(a.ID)), Agency: a.ID, Country: a.Country, Name: a.Name,
				APIListen: api, FederationListen: fed, Exercise: exercise},
			logFile: filepath.Join(d.dir, "logs", a.ID+".log")}
		nodes[i] = n
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.startNode(ctx, n); err != nil {
				errc <- fmt.Errorf("%s: %w", n.agency.ID, err)
			}
		}()
	}
	wg.Wait()
	close(errc)
	d.nodes = append(d.nodes, nodes...)
	var errsOut []error
	for err := range errc {
		errsOut = append(errsOut, err)
	}
	return errors.Join(errsOut...)
}

// maxStartAttempts bounds the attempts to start a node whose port another
// process took.
const maxStartAttempts = 3

// startNode creates n's directory and serves it, returning once it is
// ready (or failed). The ports are chosen free before the node binds them
// (the partner card names the federation address), so another process can
// take one in between; the node is then created afresh on new ports.
func (d *demo) startNode(ctx context.Context, n *node) error {
	for attempt := 1; ; attempt++ {
		err := d.tryStartNode(ctx, n)
		if err == nil || attempt == maxStartAttempts || !addrInUse(err) {
			return err
		}
		<-n.served // the failed Serve's result
		n.serving, n.served = false, make(chan error, 1)
		if err := os.RemoveAll(n.spec.Dir); err != nil {
			return fmt.Errorf("remove %s to start again: %w", n.spec.Dir, err)
		}
		if n.spec.APIListen, err = freeAddr(); err != nil {
			return err
		}
		if n.spec.FederationListen, err = freeAddr(); err != nil {
			return err
		}
	}
}

// addrInUse reports whether err is a listener's "address already in use"
// (through Serve's wrapping, or in a child process's words).
func addrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || strings.Contains(err.Error(), "address already in use")
}

// tryStartNode is one attempt of startNode.
func (d *demo) tryStartNode(ctx context.Context, n *node) error {
	in, err := d.opts.Launcher.Init(ctx, n.spec)
	if err != nil {
		return fmt.Errorf("create node: %w", err)
	}
	n.init = in
	pem, err := os.ReadFile(in.CertFile)
	if err != nil {
		return fmt.Errorf("node certificate: %w", err)
	}
	n.roots = x509.NewCertPool()
	if !n.roots.AppendCertsFromPEM(pem) {
		return fmt.Errorf("node certificate %s: no PEM certificate", in.CertFile)
	}
	logf, err := os.OpenFile(n.logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	ready := make(chan string, 1)
	n.serving = true
	go func() {
		err := d.opts.Launcher.Serve(d.nodeCtx, n.spec.Dir, logf, func(addr string) { ready <- addr })
		logf.Close()
		n.served <- err
	}()
	select {
	case addr := <-ready:
		n.apiURL = "https://" + addr
	case err := <-n.served:
		n.served <- err // keep it for shutdown
		return fmt.Errorf("serve: %w (log: %s)", err, n.logFile)
	case <-time.After(startTimeout):
		return fmt.Errorf("not serving after %s (log: %s)", startTimeout, n.logFile)
	case <-ctx.Done():
		return ctx.Err()
	}
	admin := client.New(n.apiURL, in.AdminToken, n.roots)
	n.officers[access.Admin] = &officer{role: access.Admin, username: in.AdminUser, password: in.AdminPassword, client: admin}
	return nil
}

// stopNodes ends every node gracefully and waits for them.
func (d *demo) stopNodes() {
	d.stopServing()
	for _, n := range d.nodes {
		if n.serving {
			<-n.served
		}
	}
}

// node returns the node of agency id.
func (d *demo) node(id string) *node {
	for _, n := range d.nodes {
		if n.agency.ID == id {
			return n
		}
	}
	return nil
}

// others returns every node but n.
func (d *demo) others(n *node) []*node {
	var out []*node
	for _, m := range d.nodes {
		if m != n {
			out = append(out, m)
		}
	}
	return out
}

func agencyIDs(ns []*node) []string {
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.agency.ID
	}
	return ids
}
