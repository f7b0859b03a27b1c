package envelope

import (
	"sync"

	"github.com/google/uuid"
)

// ReplayGuard keeps, per sending agency, the next expected sequence number
// and the ids of accepted messages. Sequences are strict: the receiver
// accepts exactly the next number of the pair, so messages are applied in
// the order they were sent and a replayed or reused number is refused.
//
// Implementations must be safe for concurrent use. A durable implementation
// (it comes with storage) records in the same transaction that stores the
// accepted message, so that a message is either stored and recorded or
// neither.
type ReplayGuard interface {
	// Check reports whether an authenticated envelope with header h may be
	// accepted now, without changing any state. It returns nil or a
	// *Refusal with ReasonReplay (h.ID already accepted from h.Sender),
	// ReasonOutOfWindow (h.Seq is below the next expected number and h.ID
	// is not known) or ReasonSequenceGap (h.Seq is above it); the last two
	// set Refusal.Expected. Other errors mean the guard could not answer
	// (e.g. storage down): retry later.
	Check(h *Header) error
	// Record marks h as accepted: h.ID becomes a replay and the next
	// expected number becomes h.Seq+1. It repeats Check's test atomically
	// and returns the same refusals if another delivery of the same
	// message or sequence number won the race.
	Record(h *Header) error
}

// replayMemory is how many recent message ids MemoryGuard keeps per sender
// to tell a replay (ReasonReplay) from a reused sequence number
// (ReasonOutOfWindow). Either way the envelope is refused.
const replayMemory = 4096

// MemoryGuard is an in-memory ReplayGuard for tests and tools; its state is
// lost on restart.
type MemoryGuard struct {
	mu    sync.Mutex
	peers map[string]*peerState
}

type peerState struct {
	next   uint64                 // next expected sequence number
	seen   map[uuid.UUID]struct{} // ids in recent
	recent []uuid.UUID            // ring buffer of the last replayMemory ids
	pos    int
}

// NewMemoryGuard returns an empty guard: every sender starts at sequence 1.
func NewMemoryGuard() *MemoryGuard {
	return &MemoryGuard{peers: make(map[string]*peerState)}
}

// Check implements ReplayGuard.
func (g *MemoryGuard) Check(h *Header) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.check(h)
}

// Record implements ReplayGuard.
func (g *MemoryGuard) Record(h *Header) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.check(h); err != nil {
		return err
	}
	p := g.peers[h.Sender]
	if p == nil {
		p = &peerState{next: 1, seen: make(map[uuid.UUID]struct{})}
		g.peers[h.Sender] = p
	}
	if len(p.recent) < replayMemory {
		p.recent = append(p.recent, h.ID)
	} else {
		delete(p.seen, p.recent[p.pos])
		p.recent[p.pos] = h.ID
		p.pos = (p.pos + 1) % replayMemory
	}
	p.seen[h.ID] = struct{}{}
	p.next = h.Seq + 1
	return nil
}

// Next returns the sequence number expected next from sender.
func (g *MemoryGuard) Next(sender string) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.peers[sender]; p != nil {
		return p.next
	}
	return 1
}

func (g *MemoryGuard) check(h *Header) error {
	next := uint64(1)
	if p := g.peers[h.Sender]; p != nil {
		if _, ok := p.seen[h.ID]; ok {
			return refuse(ReasonReplay, "message %s from %s was already accepted", h.ID, h.Sender)
		}
		next = p.next
	}
	switch {
	case h.Seq < next:
		r := refuse(ReasonOutOfWindow, "sequence number %d from %s is below the next expected, %d", h.Seq, h.Sender, next)
		r.Expected = next
		return r
	case h.Seq > next:
		r := refuse(ReasonSequenceGap, "sequence number %d from %s skips ahead of the next expected, %d", h.Seq, h.Sender, next)
		r.Expected = next
		return r
	}
	return nil
}
