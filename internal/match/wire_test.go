package match

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/liaison-project/liaison/internal/errs"
)

// TestParseEvalRequestRejects names the field of every malformed request.
func TestParseEvalRequestRejects(t *testing.T) {
	f := newFixture(t)
	p, err := f.querier.Query(f.ann, Phone, []string{"+311", "+312"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	good, err := p.Request().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// Offsets in the encoding of this request.
	const (
		typeOff  = 4 + 1 + len(holderID) + 4
		countOff = typeOff + 1 + 1 + len("border-check") + 1 + len("NL-2026-0001") + 16 + 4
		elemOff  = countOff + 2
	)
	edit := func(fn func(b []byte) []byte) []byte {
		b := append([]byte(nil), good...)
		return fn(b)
	}
	tests := []struct {
		name  string
		data  []byte
		field string
	}{
		{"empty", nil, "request.magic"},
		{"other message", []byte("LMS\x01"), "request.magic"},
		{"future version", edit(func(b []byte) []byte { b[3] = 2; return b }), "request.version"},
		{"unknown type", edit(func(b []byte) []byte { b[typeOff] = 42; return b }), "request.type"},
		{"zero elements", edit(func(b []byte) []byte {
			binary.BigEndian.PutUint16(b[countOff:], 0)
			return b[:elemOff]
		}), "request.count"},
		{"too many elements", edit(func(b []byte) []byte { binary.BigEndian.PutUint16(b[countOff:], MaxBatch+1); return b }), "request.count"},
		{"count larger than the elements sent", edit(func(b []byte) []byte { binary.BigEndian.PutUint16(b[countOff:], 3); return b }), "request.elements"},
		{"count smaller than the elements sent", edit(func(b []byte) []byte { binary.BigEndian.PutUint16(b[countOff:], 1); return b }), "request.end"},
		{"identity element", edit(func(b []byte) []byte { clear(b[elemOff : elemOff+32]); return b }), "request.elements[0]"},
		{"non-canonical element", edit(func(b []byte) []byte {
			for i := range 32 {
				b[elemOff+32+i] = 0xff
			}
			return b
		}), "request.elements[1]"},
		{"truncated", good[:len(good)-1], "request.elements"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseEvalRequest(tc.data)
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("got %v, want invalid", err)
			}
			if got := errs.FieldOf(err); got != tc.field {
				t.Errorf("field %q, want %q (%v)", got, tc.field, err)
			}
		})
	}
	if _, err := ParseEvalRequest(good); err != nil {
		t.Fatalf("good request: %v", err)
	}
}

func TestParseEvalResponseRejects(t *testing.T) {
	f := newFixture(t)
	p, _ := f.querier.Query(f.ann, Phone, []string{"+311"}, meta)
	resp, err := f.holder.Evaluate(querierID, p.Request())
	if err != nil {
		t.Fatal(err)
	}
	good, _ := resp.MarshalBinary()
	proofOff := len(good) - proofSize
	bad := append([]byte(nil), good...)
	for i := range 32 {
		bad[proofOff+i] = 0xff // scalar c ≥ group order
	}
	if _, err := ParseEvalResponse(bad); errs.FieldOf(err) != "response.proof" {
		t.Fatalf("non-canonical proof scalar: %v", err)
	}
	if _, err := ParseEvalResponse(good[:proofOff]); errs.FieldOf(err) != "response.proof" {
		t.Fatalf("missing proof: %v", err)
	}
	zeroEpoch := append([]byte(nil), good...)
	clear(zeroEpoch[4:8])
	if _, err := ParseEvalResponse(zeroEpoch); errs.FieldOf(err) != "response.epoch" {
		t.Fatalf("epoch 0: %v", err)
	}
	// A well-formed proof that does not belong to the answer is the
	// holder's fault, not a decoding error.
	other, _ := f.querier.Query(f.ann, Phone, []string{"+312"}, meta)
	otherResp, _ := f.holder.Evaluate(querierID, other.Request())
	otherBytes, _ := otherResp.MarshalBinary()
	spliced := append(append([]byte(nil), good[:proofOff]...), otherBytes[len(otherBytes)-proofSize:]...)
	r, err := ParseEvalResponse(spliced)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Finalize(r, f.table(t)); !errors.Is(err, ErrBadProof) {
		t.Fatalf("spliced proof: %v", err)
	}
}
