package loopback

import (
	"net"
	"strconv"
	"testing"
)

func TestFreeAddr(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		addr, err := FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := strconv.Atoi(port)
		if host != "127.0.0.1" || p < firstPort || p >= lastPort {
			t.Fatalf("address %s outside 127.0.0.1:%d–%d", addr, firstPort, lastPort)
		}
		ln, err := net.Listen("tcp", addr) // it is free: a node can bind it
		if err != nil {
			t.Fatalf("bind %s: %v", addr, err)
		}
		defer ln.Close() // held, so that later calls must avoid it
		if seen[addr] {
			t.Fatalf("%s returned while bound", addr)
		}
		seen[addr] = true
	}
}
