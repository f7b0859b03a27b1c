// Package loopback chooses loopback addresses for nodes that must know
// their ports before they bind them — a partner card names the federation
// address, and a restarted node comes back on the same one: the demo's
// nodes and the tests' nodes.
package loopback

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
)

// Ports are chosen below the kernel's ephemeral range (Linux: 32768–60999),
// from which outgoing connections take their source ports: a port chosen
// there could be taken by any client connection before the node binds it.
// Other processes choosing from this range, or services listening in it,
// are rare, and FreeAddr checks that nobody listens on the port now.
const (
	firstPort = 20000
	lastPort  = 32000
	attempts  = 64
)

// FreeAddr returns a loopback address "127.0.0.1:PORT" that nobody listens
// on now, with a port outside the ephemeral range.
func FreeAddr() (string, error) {
	for range attempts {
		port := firstPort + rand.IntN(lastPort-firstPort)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue // in use: try another
		}
		addr := ln.Addr().String()
		if err := ln.Close(); err != nil {
			return "", fmt.Errorf("loopback: close probe listener: %w", err)
		}
		return addr, nil
	}
	return "", fmt.Errorf("loopback: no free port among %d tried in %d–%d", attempts, firstPort, lastPort)
}
