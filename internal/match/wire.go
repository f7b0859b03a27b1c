package match

import (
	"encoding/hex"
	"fmt"

	"github.com/cloudflare/circl/group"
	"github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"

	"github.com/liaison-project/liaison/internal/errs"
)

// MaxBatch bounds the number of blinded elements in one request. One proof
// covers a whole batch; 1024 elements make a 32 KiB request.
const MaxBatch = 1024

const (
	elementSize = 32 // compressed ristretto255 element
	proofSize   = 64 // DLEQ proof: two scalars
)

// RunID names a bulk run; online queries use the zero RunID.
type RunID [16]byte

func (r RunID) String() string { return hex.EncodeToString(r[:]) }

// EvalRequest is one round trip's worth of blinded elements, all of one
// identifier type, sent by a querier to a holder. The holder sees the
// metadata (type, purpose, case, run, batch, count) but not the values.
type EvalRequest struct {
	Holder  string  // the agency the request is for
	Epoch   EpochID // the holder epoch the querier evaluates under
	Type    Type
	Purpose string // declared purpose, audited and metered, not bound into the PRF
	Case    string // declared case reference, audited and metered
	Run     RunID  // bulk run, or zero for an online query
	Batch   uint32 // batch index within the run; 0 for an online query

	elements []group.Element
}

// Len is the number of blinded elements, which is what budgets charge.
func (r *EvalRequest) Len() int { return len(r.elements) }

const requestMagic = "LMQ\x01"

// MarshalBinary encodes the request.
func (r *EvalRequest) MarshalBinary() ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	var w writer
	w.b = make([]byte, 0, 64+len(r.Holder)+len(r.Purpose)+len(r.Case)+elementSize*len(r.elements))
	w.bytes([]byte(requestMagic))
	w.str8(r.Holder)
	w.u32(uint32(r.Epoch))
	w.u8(uint8(r.Type))
	w.str8(r.Purpose)
	w.str8(r.Case)
	w.bytes(r.Run[:])
	w.u32(r.Batch)
	if err := writeElements(&w, r.elements); err != nil {
		return nil, err
	}
	return w.b, nil
}

// ParseEvalRequest decodes a request strictly: unknown versions or types,
// malformed agency, purpose or case strings, a count of 0 or above
// [MaxBatch], a byte count that does not match, non-canonical or identity
// elements and trailing bytes are all errs.Invalid naming the field.
func ParseEvalRequest(b []byte) (*EvalRequest, error) {
	r := reader{b: b, what: "request"}
	r.magic(requestMagic)
	req := &EvalRequest{}
	req.Holder = r.str8("holder", MaxAgencyLen)
	req.Epoch = EpochID(r.u32("epoch"))
	req.Type = Type(r.u8("type"))
	req.Purpose = r.str8("purpose", MaxPurposeLen)
	req.Case = r.str8("case", MaxCaseLen)
	copy(req.Run[:], r.take("run", len(req.Run)))
	req.Batch = r.u32("batch")
	req.elements = readElements(&r)
	if err := r.end(); err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	return req, nil
}

func (r *EvalRequest) validate() error {
	if err := checkAgency("request.holder", r.Holder); err != nil {
		return err
	}
	if r.Epoch == 0 {
		return errs.E(errs.Invalid, "request.epoch", "epoch ids start at 1")
	}
	if !r.Type.Valid() {
		return errs.E(errs.Invalid, "request.type", fmt.Sprintf("unknown identifier type %d", uint8(r.Type)))
	}
	if !ValidPurpose(r.Purpose) {
		return errs.E(errs.Invalid, "request.purpose", "purpose must be 1–64 of a–z, 0–9, -")
	}
	if !ValidCase(r.Case) {
		return errs.E(errs.Invalid, "request.case", "case reference must be 1–64 of A–Z, a–z, 0–9, - _ . /")
	}
	if r.Run == (RunID{}) && r.Batch != 0 {
		return errs.E(errs.Invalid, "request.batch", "an online query (no run id) has batch 0")
	}
	return checkCount("request.elements", len(r.elements))
}

func checkCount(field string, n int) error {
	if n < 1 || n > MaxBatch {
		return errs.E(errs.Invalid, field, fmt.Sprintf("batch of %d elements: want 1 to %d", n, MaxBatch))
	}
	return nil
}

// EvalResponse is a holder's answer to an [EvalRequest]: the evaluated
// elements, in request order, and one DLEQ proof that all of them were
// computed with the key of the announced epoch, tweaked by the info the
// querier expects.
type EvalResponse struct {
	Epoch EpochID
	Type  Type
	Run   RunID
	Batch uint32

	elements []group.Element
	proof    dleq.Proof
}

// Len is the number of evaluated elements.
func (r *EvalResponse) Len() int { return len(r.elements) }

const responseMagic = "LMS\x01"

// MarshalBinary encodes the response.
func (r *EvalResponse) MarshalBinary() ([]byte, error) {
	if err := checkCount("response.elements", len(r.elements)); err != nil {
		return nil, err
	}
	proof, err := r.proof.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("encode proof: %w", err)
	}
	var w writer
	w.b = make([]byte, 0, 40+elementSize*len(r.elements)+proofSize)
	w.bytes([]byte(responseMagic))
	w.u32(uint32(r.Epoch))
	w.u8(uint8(r.Type))
	w.bytes(r.Run[:])
	w.u32(r.Batch)
	if err := writeElements(&w, r.elements); err != nil {
		return nil, err
	}
	w.bytes(proof)
	return w.b, nil
}

// ParseEvalResponse decodes a response with the same strictness as
// [ParseEvalRequest]. It does not verify the proof: that needs the pending
// query, see [Pending.Finalize].
func ParseEvalResponse(b []byte) (*EvalResponse, error) {
	r := reader{b: b, what: "response"}
	r.magic(responseMagic)
	resp := &EvalResponse{}
	resp.Epoch = EpochID(r.u32("epoch"))
	resp.Type = Type(r.u8("type"))
	copy(resp.Run[:], r.take("run", len(resp.Run)))
	resp.Batch = r.u32("batch")
	resp.elements = readElements(&r)
	proof := r.take("proof", proofSize)
	if err := r.end(); err != nil {
		return nil, err
	}
	if resp.Epoch == 0 {
		return nil, errs.E(errs.Invalid, "response.epoch", "epoch ids start at 1")
	}
	if !resp.Type.Valid() {
		return nil, errs.E(errs.Invalid, "response.type", fmt.Sprintf("unknown identifier type %d", uint8(resp.Type)))
	}
	if err := resp.proof.UnmarshalBinary(suite.Group(), proof); err != nil {
		return nil, errs.E(errs.Invalid, "response.proof", "proof scalars are not canonical", err)
	}
	return resp, nil
}

func writeElements(w *writer, els []group.Element) error {
	w.u16(uint16(len(els)))
	for _, e := range els {
		b, err := e.MarshalBinaryCompress()
		if err != nil {
			return fmt.Errorf("encode element: %w", err)
		}
		w.bytes(b)
	}
	return nil
}

// readElements reads a u16 count and that many canonical, non-identity
// ristretto255 elements. The count is checked against MaxBatch and the bytes
// actually present before anything is allocated.
func readElements(r *reader) []group.Element {
	n := int(r.u16("count"))
	if r.err != nil {
		return nil
	}
	if n < 1 || n > MaxBatch {
		r.fail("count", fmt.Sprintf("batch of %d elements: want 1 to %d", n, MaxBatch))
		return nil
	}
	if r.remaining() < n*elementSize {
		r.fail("elements", fmt.Sprintf("%d elements announced, only %d bytes present", n, r.remaining()))
		return nil
	}
	g := suite.Group()
	els := make([]group.Element, n)
	for i := range els {
		b := r.take("elements", elementSize)
		e := g.NewElement()
		if err := e.UnmarshalBinary(b); err != nil {
			r.fail(fmt.Sprintf("elements[%d]", i), "not a canonical ristretto255 element")
			return nil
		}
		if e.IsIdentity() {
			r.fail(fmt.Sprintf("elements[%d]", i), "identity element")
			return nil
		}
		els[i] = e
	}
	return els
}

// evaluationRequest adapts a request for circl.
func (r *EvalRequest) evaluationRequest() *oprf.EvaluationRequest {
	return &oprf.EvaluationRequest{Elements: r.elements}
}
