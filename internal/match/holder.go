package match

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/cloudflare/circl/oprf"

	"github.com/liaison-project/liaison/internal/errs"
)

// Holder is the data-holding side: it keeps the epoch keys, answers
// evaluation requests and builds per-partner views of its index. It is safe
// for concurrent use.
//
// Holder does not meter, audit or authenticate: the caller authenticates the
// partner (mutual TLS), charges the budget for [EvalRequest.Len] elements
// (package budget), logs the consultation, and only then calls
// [Holder.Evaluate].
type Holder struct {
	id  string
	now func() time.Time

	mu     sync.RWMutex
	epochs map[EpochID]*holderEpoch
}

type holderEpoch struct {
	key    *EpochKey
	server oprf.PartialObliviousServer
}

// NewHolder returns a holder for agency id with no epochs. now is the clock
// (time.Now in production).
func NewHolder(id string, now func() time.Time) (*Holder, error) {
	if err := checkAgency("holder", id); err != nil {
		return nil, err
	}
	if now == nil {
		return nil, errs.E(errs.Invalid, "clock", "holder needs a clock")
	}
	return &Holder{id: id, now: now, epochs: make(map[EpochID]*holderEpoch)}, nil
}

// ID returns the holder's agency id.
func (h *Holder) ID() string { return h.id }

// AddEpoch installs an epoch key. Adding a second key for the same epoch is
// errs.Conflict: one public key per epoch is the promise partners verify.
func (h *Holder) AddEpoch(k *EpochKey) error {
	if k == nil || k.oprfKey == nil {
		return errs.E(errs.Invalid, "epoch_key", "missing epoch key")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.epochs[k.Epoch]; ok {
		return errs.E(errs.Conflict, "epoch", fmt.Sprintf("epoch %d already has a key", k.Epoch))
	}
	h.epochs[k.Epoch] = &holderEpoch{key: k, server: oprf.NewPartialObliviousServer(suite, k.oprfKey)}
	return nil
}

// DropExpired forgets every epoch key whose window has ended and returns the
// epochs dropped, oldest first. The caller must also delete the stored keys
// and discard the views of those epochs (a [View] keeps its epoch's key):
// only then are the partner tables of those epochs dead dictionaries.
func (h *Holder) DropExpired() []EpochID {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	var dropped []EpochID
	for e, he := range h.epochs {
		if !now.Before(he.key.NotAfter) {
			delete(h.epochs, e)
			dropped = append(dropped, e)
		}
	}
	sort.Slice(dropped, func(i, j int) bool { return dropped[i] < dropped[j] })
	return dropped
}

// Announcements returns the announcements of all epochs the holder still
// has keys for, oldest first.
func (h *Holder) Announcements() []Announcement {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]Announcement, 0, len(h.epochs))
	for _, he := range h.epochs {
		a, err := he.key.Announcement(h.id)
		if err != nil {
			panic("match: holder id was validated at construction: " + err.Error())
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Epoch < out[j].Epoch })
	return out
}

// epoch returns the epoch if it is known and active now.
func (h *Holder) epoch(e EpochID) (*holderEpoch, error) {
	h.mu.RLock()
	he, ok := h.epochs[e]
	h.mu.RUnlock()
	if !ok {
		return nil, errs.E(errs.Invalid, "epoch", fmt.Sprintf("holder has no key for epoch %d: fetch the current announcement", e), ErrEpochInactive)
	}
	if now := h.now(); !he.key.Active(now) {
		return nil, epochInactive(e, he.key.NotBefore, he.key.NotAfter, now)
	}
	return he, nil
}

// Evaluate answers req from the authenticated partner. The POPRF info is
// built from the holder's own id and partner, so a querier cannot evaluate
// under another agency's info, whatever its request says. Errors are
// errs.Invalid: wrong holder, unknown or inactive epoch ([ErrEpochInactive]),
// or a malformed partner id.
func (h *Holder) Evaluate(partner string, req *EvalRequest) (*EvalResponse, error) {
	if err := checkAgency("partner", partner); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, errs.E(errs.Invalid, "request", "missing request")
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	if req.Holder != h.id {
		return nil, errs.E(errs.Invalid, "request.holder", fmt.Sprintf("request is for %s, this is %s", req.Holder, h.id))
	}
	he, err := h.epoch(req.Epoch)
	if err != nil {
		return nil, err
	}
	info := infoFor(h.id, partner, req.Type, req.Epoch)
	ev, err := he.server.Evaluate(req.evaluationRequest(), info)
	if err != nil {
		return nil, fmt.Errorf("evaluate %d elements: %w", req.Len(), err)
	}
	return &EvalResponse{
		Epoch:    req.Epoch,
		Type:     req.Type,
		Run:      req.Run,
		Batch:    req.Batch,
		elements: ev.Elements,
		proof:    *ev.Proof,
	}, nil
}

// Ref recomputes the follow-up reference partner would obtain for k in
// epoch e. The holder uses it to resolve a follow-up request when it has not
// stored the references [View.Add] returned.
func (h *Holder) Ref(partner string, e EpochID, k Key) (Ref, error) {
	if err := checkAgency("partner", partner); err != nil {
		return Ref{}, err
	}
	if err := k.Validate(); err != nil {
		return Ref{}, err
	}
	h.mu.RLock()
	he, ok := h.epochs[e]
	h.mu.RUnlock()
	if !ok {
		return Ref{}, errs.E(errs.NotExist, "epoch", fmt.Sprintf("holder has no key for epoch %d", e))
	}
	return refFor(&he.key.refKey, infoFor(h.id, partner, k.Type, e), inputFor(k)), nil
}
