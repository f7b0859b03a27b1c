package federation

import (
	"context"
	"crypto/ed25519"
	"crypto/hpke"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/card"
)

// Partner states.
const (
	StateActive    = "active"    // trusted: traffic flows both ways
	StateSuspended = "suspended" // refused at the TLS handshake; nothing is delivered to it; its queue waits
	StateRemoved   = "removed"   // as suspended, and no longer listed; adding its card again resumes the pair
)

// partner is the in-memory view of a partner the transport needs: the
// current card, its parsed HPKE key and the HTTP client pinned to it.
type partner struct {
	agency  string
	state   string
	card    *card.Card
	hpke    hpke.PublicKey
	client  *http.Client // pinned to card.TLSPin; built on first use
	clientM sync.Mutex
}

// expired reports whether the partner's current card is past its validity
// (with card.ClockSkew): trust in it has lapsed until the partner's renewed
// card is imported.
func (p *partner) expired(now time.Time) bool {
	return now.After(p.card.NotAfter.Add(card.ClockSkew))
}

// partnerKey is one signing key a partner has had.
type partnerKey struct {
	key          ed25519.PublicKey
	trustedUntil time.Time // zero for the current key; else the end of its grace period
}

type keyRef struct {
	agency string
	id     card.KeyID
}

// pinEntry maps a TLS pin to its partner, until a time for the pin of a
// card superseded by a rotation.
type pinEntry struct {
	p     *partner
	until time.Time
}

// registry is the in-memory view of fed_partners and fed_partner_cards. It
// is rebuilt from the database whenever this process changes a partner and
// every PollInterval, so changes made by another process of the same node
// are picked up too.
type registry struct {
	// loading serialises reloads, so that one that read the database
	// before a partner change committed cannot install its stale view
	// after the reload that change triggered (a suspended partner would
	// pass the handshake until the next poll).
	loading sync.Mutex

	mu      sync.RWMutex
	byAgent map[string]*partner
	byPin   map[string]pinEntry // partners that are not removed, by TLS pin
	keys    map[keyRef]partnerKey
}

func newRegistry() *registry {
	return &registry{byAgent: map[string]*partner{}, byPin: map[string]pinEntry{}, keys: map[keyRef]partnerKey{}}
}

// get returns the partner, or nil.
func (r *registry) get(agency string) *partner {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byAgent[agency]
}

// byTLSPin returns the partner whose current card, or a card it rotated
// away from within the grace period, pins the certificate.
func (r *registry) byTLSPin(pin string, now time.Time) *partner {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.byPin[pin]
	if !ok || (!e.until.IsZero() && now.After(e.until)) {
		return nil
	}
	return e.p
}

// all returns every known partner, removed ones included.
func (r *registry) all() []*partner {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*partner, 0, len(r.byAgent))
	for _, p := range r.byAgent {
		out = append(out, p)
	}
	return out
}

// key returns a partner's signing key with the given id.
func (r *registry) key(agency string, id card.KeyID) (partnerKey, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.keys[keyRef{agency, id}]
	return k, ok
}

// loadPartners rebuilds the registry from the database. Partners whose card
// did not change keep their HTTP client (and its open connections).
func (s *Service) loadPartners(ctx context.Context) error {
	s.partners.loading.Lock()
	defer s.partners.loading.Unlock()
	byAgent := map[string]*partner{}
	byPin := map[string]pinEntry{}
	keys := map[keyRef]partnerKey{}
	err := s.db.Read(ctx, func(q db.Querier) error {
		rows, err := q.QueryContext(ctx, `SELECT agency, state, card FROM fed_partners`)
		if err != nil {
			return fmt.Errorf("load partners: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var agency, state string
			var raw []byte
			if err := rows.Scan(&agency, &state, &raw); err != nil {
				return fmt.Errorf("load partners: %w", err)
			}
			c, err := card.Parse(raw)
			if err != nil {
				return fmt.Errorf("stored card of %s: %w", agency, err)
			}
			pk, err := c.HPKEPublicKey()
			if err != nil {
				return fmt.Errorf("stored card of %s: %w", agency, err)
			}
			p := &partner{agency: agency, state: state, card: c, hpke: pk}
			byAgent[agency] = p
			if state != StateRemoved {
				byPin[c.TLSPin] = pinEntry{p: p}
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load partners: %w", err)
		}
		krows, err := q.QueryContext(ctx, `SELECT agency, card, trusted_until FROM fed_partner_cards ORDER BY id`)
		if err != nil {
			return fmt.Errorf("load partner keys: %w", err)
		}
		defer krows.Close()
		for krows.Next() {
			var agency string
			var raw []byte
			var until int64
			if err := krows.Scan(&agency, &raw, &until); err != nil {
				return fmt.Errorf("load partner keys: %w", err)
			}
			c, err := card.Parse(raw)
			if err != nil {
				return fmt.Errorf("stored card of %s: %w", agency, err)
			}
			ref := keyRef{agency, c.KeyID()}
			k := partnerKey{key: c.PublicKey(), trustedUntil: fromMicro(until)}
			// A renewal keeps the key: the key is current if any card with it is.
			if old, ok := keys[ref]; ok && (old.trustedUntil.IsZero() || (!k.trustedUntil.IsZero() && old.trustedUntil.After(k.trustedUntil))) {
				k.trustedUntil = old.trustedUntil
			}
			keys[ref] = k
			if p := byAgent[agency]; until != 0 && p != nil && p.state != StateRemoved {
				if _, taken := byPin[c.TLSPin]; !taken {
					byPin[c.TLSPin] = pinEntry{p: p, until: fromMicro(until)}
				}
			}
		}
		return krows.Err()
	})
	if err != nil {
		return err
	}
	r := s.partners
	r.mu.Lock()
	for agency, p := range byAgent {
		if old := r.byAgent[agency]; old != nil && old.card.TLSPin == p.card.TLSPin && urlsEqual(old.card.URLs, p.card.URLs) {
			old.clientM.Lock()
			p.client = old.client
			old.clientM.Unlock()
		}
	}
	r.byAgent, r.byPin, r.keys = byAgent, byPin, keys
	r.mu.Unlock()
	return nil
}

func urlsEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// lookupKey is the envelope.KeyLookup of the receiving side: the current
// key of an active partner, or one it superseded less than KeyGrace ago.
func (s *Service) lookupKey(agency string, id card.KeyID) (ed25519.PublicKey, error) {
	p := s.partners.get(agency)
	if p == nil || p.state != StateActive || p.expired(s.now()) {
		return nil, errs.E(errs.NotExist, "no active partner "+agency+" with a valid card")
	}
	k, ok := s.partners.key(agency, id)
	if !ok {
		return nil, errs.E(errs.NotExist, "no such partner key")
	}
	if !k.trustedUntil.IsZero() && s.now().After(k.trustedUntil) {
		return nil, errs.E(errs.NotExist, "partner key superseded")
	}
	return k.key, nil
}

// anyKey finds a partner's key with the given id whatever its age, for
// checking receipts of envelopes sent before a rotation.
func (s *Service) anyKey(agency string, id card.KeyID) (ed25519.PublicKey, error) {
	k, ok := s.partners.key(agency, id)
	if !ok {
		return nil, errs.E(errs.NotExist, "no such partner key")
	}
	return k.key, nil
}
