package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/liaison-project/liaison/internal/bench"
)

// APIBenchResult compares authenticated GET /api/v1/me on a real node with
// a bare net/http TLS handler, both measured in the same run.
type APIBenchResult struct {
	Database string     `json:"database"`
	Node     bench.Load `json:"node"`
	Bare     bench.Load `json:"bare"`
	Ratio    float64    `json:"ratio"`
}

// BenchAPI creates a throwaway node (SQLite in a temporary directory, or
// databaseDSN), serves it on loopback and drives GET /api/v1/me with
// `clients` concurrent keep-alive HTTPS clients for d; then does the same
// against a bare TLS handler with the node's certificate.
func BenchAPI(ctx context.Context, databaseDSN string, clients int, d time.Duration) (*APIBenchResult, error) {
	tmp, err := os.MkdirTemp("", "liaison-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "node")
	res, err := Init(ctx, InitOptions{Dir: dir, Agency: "XX-BENCH", Country: "NL", Name: "Benchmark node",
		APIListen: "127.0.0.1:0", FederationListen: "127.0.0.1:0", Database: databaseDSN})
	if err != nil {
		return nil, err
	}
	srvCtx, stop := context.WithCancel(ctx)
	addrc := make(chan Addrs, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- Serve(srvCtx, ServeOptions{Dir: dir, Stderr: discardWriter{}, LogLevel: "error", Ready: func(a Addrs) { addrc <- a }})
	}()
	var addrs Addrs
	select {
	case addrs = <-addrc:
	case err := <-errc:
		stop()
		return nil, fmt.Errorf("serve: %w", err)
	}
	defer func() { stop(); <-errc }()

	pem, err := os.ReadFile(filepath.Join(dir, "keys", "tls.crt"))
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	tlsConf := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}

	hc := bench.Client(tlsConf, clients)
	nodeURL := "https://" + addrs.API + "/api/v1/me"
	node := bench.Drive(ctx, hc, clients, d, func() *http.Request {
		r, _ := http.NewRequest(http.MethodGet, nodeURL, nil)
		r.Header.Set("Authorization", "Bearer "+res.AdminToken)
		return r
	})

	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "keys", "tls.crt"), filepath.Join(dir, "keys", "tls.key"))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	body := []byte(`{"userId":"01a21a78-8636-7cab-a018-f36f0db3de02","username":"admin","displayName":"Administrator","role":"admin","agency":"XX-BENCH","country":"NL","mustChangePassword":true}` + "\n")
	bare := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}), TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	go bare.Serve(tls.NewListener(ln, bare.TLSConfig))
	defer bare.Close()
	hc2 := bench.Client(tlsConf, clients)
	bareURL := "https://" + ln.Addr().String() + "/api/v1/me"
	bareLoad := bench.Drive(ctx, hc2, clients, d, func() *http.Request {
		r, _ := http.NewRequest(http.MethodGet, bareURL, nil)
		r.Header.Set("Authorization", "Bearer "+res.AdminToken)
		return r
	})
	out := &APIBenchResult{Database: res.Database, Node: node, Bare: bareLoad}
	if bareLoad.PerSecond > 0 {
		out.Ratio = node.PerSecond / bareLoad.PerSecond
	}
	return out, nil
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
