package witness

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/federation"
)

// WitnessName is the name under which agency cosigns its partners'
// checkpoints, e.g. "liaison.NL-NCB/witness". It signs with the Ed25519
// key of its partner card, so a partner needs nothing beyond the card to
// verify its cosignatures.
func WitnessName(agency string) string { return "liaison." + agency + "/witness" }

// peer is what the witness knows of one partner: its log's verifier and
// its witness key.
type peer struct {
	agency  string
	active  bool
	origin  string        // origin line of its audit log
	log     note.Verifier // its checkpoint signatures
	witness *audit.CosignatureVerifier
}

// Partners lists the partner registry. *federation.Service implements it.
type Partners interface {
	ListPartners(ctx context.Context, withRemoved bool) ([]federation.Partner, error)
}

// Keys is the partners' keys as the witness needs them, from the partner
// registry: each partner's audit-log verifier (its card's signing key and
// AuditOrigin, or audit.Origin of its agency) and its witness key
// (WitnessName of its agency, the same signing key). It implements
// audit.WitnessKeys: pass it as audit.Config.Witnesses, so that the log
// accepts the cosignatures of active partners. The zero value knows no
// one; [Keys.Refresh] loads the registry. It is safe for concurrent use.
type Keys struct {
	// refreshing serialises Refresh, so that a refresh that listed the
	// partners before a change cannot install its stale view after one
	// that listed them afterwards.
	refreshing sync.Mutex

	mu       sync.RWMutex
	byAgency map[string]*peer
	byName   map[string]*peer // by witness name
	byOrigin map[string]*peer
}

// NewKeys returns an empty key set.
func NewKeys() *Keys { return &Keys{} }

// Witness implements audit.WitnessKeys: the verifier of an active
// partner's witness key.
func (k *Keys) Witness(name string) (*audit.CosignatureVerifier, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	p, ok := k.byName[name]
	if !ok || !p.active {
		return nil, false
	}
	return p.witness, true
}

// Refresh reloads the keys from the registry. Partners whose card carries
// no usable key are skipped.
func (k *Keys) Refresh(ctx context.Context, ps Partners) error {
	k.refreshing.Lock()
	defer k.refreshing.Unlock()
	list, err := ps.ListPartners(ctx, false)
	if err != nil {
		return fmt.Errorf("witness keys: %w", err)
	}
	byAgency, byName, byOrigin := map[string]*peer{}, map[string]*peer{}, map[string]*peer{}
	for _, fp := range list {
		p, err := newPeer(fp)
		if err != nil {
			continue // a card without a valid key: nothing to verify with
		}
		byAgency[p.agency], byName[p.witness.Name()], byOrigin[p.origin] = p, p, p
	}
	k.mu.Lock()
	k.byAgency, k.byName, k.byOrigin = byAgency, byName, byOrigin
	k.mu.Unlock()
	return nil
}

func newPeer(fp federation.Partner) (*peer, error) {
	pub := ed25519.PublicKey(fp.SigningKey)
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("partner %s: no Ed25519 signing key", fp.Agency)
	}
	origin := fp.AuditOrigin
	if origin == "" {
		origin = audit.Origin(fp.Agency)
	}
	vkey, err := note.NewEd25519VerifierKey(origin, pub)
	if err != nil {
		return nil, fmt.Errorf("partner %s: %w", fp.Agency, err)
	}
	log, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("partner %s: %w", fp.Agency, err)
	}
	w, err := audit.NewCosignatureVerifier(WitnessName(fp.Agency), pub)
	if err != nil {
		return nil, fmt.Errorf("partner %s: %w", fp.Agency, err)
	}
	return &peer{agency: fp.Agency, active: fp.State == federation.StateActive, origin: origin, log: log, witness: w}, nil
}

// peer returns what is known of agency.
func (k *Keys) peer(agency string) (*peer, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	p, ok := k.byAgency[agency]
	return p, ok
}

// byNote returns the partner whose log a checkpoint note names in its
// first line.
func (k *Keys) byNote(msg string) (*peer, bool) {
	origin, _, _ := strings.Cut(msg, "\n")
	k.mu.RLock()
	defer k.mu.RUnlock()
	p, ok := k.byOrigin[origin]
	return p, ok
}

// active returns the active partners, sorted by agency.
func (k *Keys) active() []*peer {
	k.mu.RLock()
	defer k.mu.RUnlock()
	var out []*peer
	for _, p := range k.byAgency {
		if p.active {
			out = append(out, p)
		}
	}
	sortPeers(out)
	return out
}
