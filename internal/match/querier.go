package match

import (
	"errors"
	"fmt"
	"time"

	"github.com/cloudflare/circl/oprf"

	"github.com/liaison-project/liaison/internal/errs"
)

// Querier is the querying agency's side: it blinds values, verifies the
// holder's answers and looks the results up in the holder's published table.
// It holds no secrets between queries and is safe for concurrent use.
type Querier struct {
	self string
	now  func() time.Time
}

// NewQuerier returns a querier for agency self. now is the clock.
func NewQuerier(self string, now func() time.Time) (*Querier, error) {
	if err := checkAgency("querier", self); err != nil {
		return nil, err
	}
	if now == nil {
		return nil, errs.E(errs.Invalid, "clock", "querier needs a clock")
	}
	return &Querier{self: self, now: now}, nil
}

// ID returns the querier's agency id.
func (q *Querier) ID() string { return q.self }

// Meta is what a querier declares about a query: the purpose and the case
// it serves. Both travel in the clear to the holder, which meters and audits
// them; neither is bound into the PRF (see the package doc).
type Meta struct {
	Purpose string
	Case    string
}

// Pending is a blinded query waiting for the holder's answer. It holds the
// blinding scalars: keep it in memory only, and finalise it at most once per
// response.
type Pending struct {
	ann     Announcement
	querier string
	info    []byte
	keys    []Key
	client  oprf.PartialObliviousClient
	fin     *oprf.FinalizeData
	req     *EvalRequest
}

// Query blinds up to [MaxBatch] values of one type for the holder of ann.
// The values must already be normalised. The announcement must be active
// now; otherwise the error wraps [ErrEpochInactive].
func (q *Querier) Query(ann Announcement, t Type, values []string, meta Meta) (*Pending, error) {
	return q.query(ann, t, values, meta, RunID{}, 0)
}

func (q *Querier) query(ann Announcement, t Type, values []string, meta Meta, run RunID, batch uint32) (*Pending, error) {
	if err := ann.validate(); err != nil {
		return nil, err
	}
	if now := q.now(); !ann.Active(now) {
		return nil, epochInactive(ann.Epoch, ann.NotBefore, ann.NotAfter, now)
	}
	if !t.Valid() {
		return nil, errs.E(errs.Invalid, "type", t.String()+" is not an identifier type")
	}
	if err := checkCount("values", len(values)); err != nil {
		return nil, err
	}
	keys := make([]Key, len(values))
	inputs := make([][]byte, len(values))
	for i, v := range values {
		keys[i] = Key{Type: t, Value: v}
		if err := keys[i].Validate(); err != nil {
			return nil, errs.E(fmt.Sprintf("values[%d]", i), errs.PublicMessage(err), err)
		}
		inputs[i] = inputFor(keys[i])
	}
	pk, err := ann.publicKey()
	if err != nil {
		return nil, err
	}
	client := oprf.NewPartialObliviousClient(suite, pk)
	fin, evalReq, err := client.Blind(inputs)
	if err != nil {
		return nil, fmt.Errorf("blind %d values: %w", len(values), err)
	}
	req := &EvalRequest{
		Holder:   ann.Holder,
		Epoch:    ann.Epoch,
		Type:     t,
		Purpose:  meta.Purpose,
		Case:     meta.Case,
		Run:      run,
		Batch:    batch,
		elements: evalReq.Elements,
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	return &Pending{
		ann:     ann,
		querier: q.self,
		info:    infoFor(ann.Holder, q.self, t, ann.Epoch),
		keys:    keys,
		client:  client,
		fin:     fin,
		req:     req,
	}, nil
}

// Request returns the request to send to the holder.
func (p *Pending) Request() *EvalRequest { return p.req }

// Status is the outcome of one value against one holder.
type Status uint8

const (
	NoHit       Status = iota + 1 // the value is not in the holder's table
	Hit                           // the value is there; Result.Ref is the follow-up reference
	Unavailable                   // no answer: see Result.Err
)

func (s Status) String() string {
	switch s {
	case NoHit:
		return "no-hit"
	case Hit:
		return "hit"
	case Unavailable:
		return "unavailable"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Result is the outcome for one queried value.
type Result struct {
	Status   Status
	Strength Strength // of the identifier type; a Weak hit is only a candidate
	Ref      Ref      // on a hit
	Err      error    // when Unavailable
}

// Finalize verifies the holder's response against the announced epoch key
// and looks every value up in table, which must be this holder's table for
// this querier and epoch. It returns one result per queried value, in
// order.
//
// Errors concern the whole batch: a response that does not answer this
// request or a table for another holder, partner or epoch is errs.Invalid;
// a proof that does not verify is errs.Invalid wrapping [ErrBadProof] —
// the holder evaluated with a key other than the one it announced, or
// tampered with the answer. Report the partner as unavailable and raise a
// security alert; do not retry silently.
func (p *Pending) Finalize(resp *EvalResponse, table *Table) ([]Result, error) {
	if resp == nil {
		return nil, errs.E(errs.Invalid, "response", "missing response")
	}
	if resp.Epoch != p.req.Epoch || resp.Type != p.req.Type || resp.Run != p.req.Run || resp.Batch != p.req.Batch || resp.Len() != p.req.Len() {
		return nil, errs.E(errs.Invalid, "response", "response does not answer this request (epoch, type, run, batch or count differ)")
	}
	if table == nil {
		return nil, errs.E(errs.Invalid, "table", "missing table")
	}
	want := tableHeader{Holder: p.ann.Holder, Partner: p.querier, Epoch: p.ann.Epoch}
	if table.header != want {
		return nil, errs.E(errs.Invalid, "table", fmt.Sprintf("table is %s→%s epoch %d, query is %s→%s epoch %d",
			table.header.Holder, table.header.Partner, table.header.Epoch, want.Holder, want.Partner, want.Epoch))
	}
	proof := resp.proof
	outputs, err := p.client.Finalize(p.fin, &oprf.Evaluation{Elements: resp.elements, Proof: &proof}, p.info)
	switch {
	case errors.Is(err, oprf.ErrInvalidProof):
		return nil, errs.E(errs.Invalid, "response.proof", fmt.Sprintf("%s's proof does not verify against its epoch %d key", p.ann.Holder, p.ann.Epoch), ErrBadProof)
	case err != nil:
		return nil, errs.E(errs.Invalid, "response", "response cannot be finalised", err)
	}
	strength := p.req.Type.Strength()
	results := make([]Result, len(outputs))
	for i, out := range outputs {
		keys := deriveKeys(out)
		results[i] = Result{Status: NoHit, Strength: strength}
		sealed, ok := table.lookup(keys.tag)
		if !ok {
			continue
		}
		ref, ok := open(keys, p.info, sealed)
		if !ok {
			results[i] = Result{Status: Unavailable, Strength: strength, Err: errs.E(errs.Invalid, "table", "entry for this value does not open", ErrCorruptEntry)}
			continue
		}
		results[i] = Result{Status: Hit, Strength: strength, Ref: ref}
	}
	return results, nil
}
