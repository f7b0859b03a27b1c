package demo

import (
	"context"
	"crypto/x509"
	"errors"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/scenario"
)

// Network is a set of running nodes, each a partner of every other, as
// the demo starts them; exercise tests and tools that need real nodes use
// it.
type Network struct {
	Nodes []NetworkNode
	d     *demo
}

// NetworkNode is one running node of a Network.
type NetworkNode struct {
	Agency         string
	APIURL         string
	Roots          *x509.CertPool // trusts the node's certificate
	CertFile       string
	AdminToken     string
	AdminTokenFile string
}

// Client returns a client of node i acting with token.
func (n *Network) Client(i int, token string) *client.Client {
	return client.New(n.Nodes[i].APIURL, token, n.Nodes[i].Roots)
}

// StartNetwork starts one node per agency under dir (which must exist)
// and makes every pair of them partners. Close stops them.
func StartNetwork(ctx context.Context, l Launcher, dir string, agencies []scenario.Agency) (*Network, error) {
	return startNetwork(ctx, l, dir, agencies, false)
}

// StartExerciseNetwork is StartNetwork with exercise nodes (`liaison init
// --exercise`), as agencies run them for training.
func StartExerciseNetwork(ctx context.Context, l Launcher, dir string, agencies []scenario.Agency) (*Network, error) {
	return startNetwork(ctx, l, dir, agencies, true)
}

func startNetwork(ctx context.Context, l Launcher, dir string, agencies []scenario.Agency, exercise bool) (*Network, error) {
	if l == nil {
		return nil, errors.New("demo: no launcher")
	}
	d := &demo{opts: Options{Launcher: l, StepTimeout: DefaultStepTimeout}, dir: dir}
	d.nodeCtx, d.stopServing = context.WithCancel(context.WithoutCancel(ctx))
	net := &Network{d: d}
	if err := d.startNodesOf(ctx, agencies, exercise); err != nil {
		net.Close()
		return nil, err
	}
	if _, err := d.onboard(ctx); err != nil {
		net.Close()
		return nil, err
	}
	for _, n := range d.nodes {
		net.Nodes = append(net.Nodes, NetworkNode{Agency: n.agency.ID, APIURL: n.apiURL, Roots: n.roots,
			CertFile: n.init.CertFile, AdminToken: n.officers[access.Admin].client.Token, AdminTokenFile: n.init.AdminTokenFile})
	}
	return net, nil
}

// Close stops every node gracefully and waits for them.
func (n *Network) Close() { n.d.stopNodes() }
