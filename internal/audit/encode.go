package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/liaison-project/liaison/internal/access"
)

// EncodingV1 is the first byte of a version-1 canonical event encoding.
//
// The encoding is what the Merkle tree commits to (a leaf is the RFC 6962
// leaf hash of it), so it must never change for a given version: new fields
// mean a new version, and decoders keep accepting every old one.
//
// Version 1, all integers big-endian:
//
//	u8   version (1)
//	u64  leaf index
//	i64  time, Unix microseconds (UTC)
//	u8   flags: bit 0 partner, bit 1 exercise; other bits zero
//	str  kind, outcome, actorId, actorName, agency, role, tokenId
//	u16  number of objects, then per object: str type, str id
//	str  justification, caseRef, purpose, legalBasis
//	u16  number of recipients, then str each
//	str  requestId, reason
//	u16  number of hashes, then str each
//
// where str is a u16 byte length followed by that many bytes of UTF-8. The
// fixed-width lengths make the encoding canonical: one event has exactly one
// encoding, and [DecodeEvent] rejects anything [EncodeEvent] would not
// produce (trailing bytes, unknown flags, values over the limits).
const EncodingV1 byte = 1

// MaxEncodedSize bounds a canonical encoding. It is above what the limits
// on an event allow, so it only guards the decoder against hostile input.
const MaxEncodedSize = 192 << 10

const (
	flagPartner  = 1 << 0
	flagExercise = 1 << 1
)

// EncodeEvent returns the canonical encoding of e as the leaf at index.
// e.Time must be UTC with microsecond precision (Append sees to it).
func EncodeEvent(index uint64, e Event) ([]byte, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	if index > math.MaxInt64 {
		return nil, fmt.Errorf("leaf index %d out of range", index)
	}
	return encodeEvent(index, e), nil
}

// encodeEvent encodes a validated event.
func encodeEvent(index uint64, e Event) []byte {
	b := make([]byte, 0, 256)
	b = append(b, EncodingV1)
	b = binary.BigEndian.AppendUint64(b, index)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixMicro()))
	var flags byte
	if e.Partner {
		flags |= flagPartner
	}
	if e.Exercise {
		flags |= flagExercise
	}
	b = append(b, flags)
	for _, s := range []string{string(e.Kind), string(e.Outcome), e.ActorID, e.ActorName, e.Agency, string(e.Role), e.TokenID} {
		b = appendStr(b, s)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.Objects)))
	for _, o := range e.Objects {
		b = appendStr(appendStr(b, o.Type), o.ID)
	}
	for _, s := range []string{e.Justification, e.CaseRef, e.Purpose, e.LegalBasis} {
		b = appendStr(b, s)
	}
	b = appendList(b, e.Recipients)
	b = appendStr(appendStr(b, e.RequestID), e.Reason)
	return appendList(b, e.Hashes)
}

func appendStr(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint16(b, uint16(len(s))), s...)
}

func appendList(b []byte, vs []string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(vs)))
	for _, s := range vs {
		b = appendStr(b, s)
	}
	return b
}

// errMalformed is the cause of every decoding failure.
var errMalformed = errors.New("malformed audit event encoding")

// DecodeEvent parses a canonical encoding, returning the leaf index it was
// written for and the event. It rejects every input that EncodeEvent would
// not have produced.
func DecodeEvent(b []byte) (uint64, Event, error) {
	if len(b) > MaxEncodedSize {
		return 0, Event{}, fmt.Errorf("%w: %d bytes, limit %d", errMalformed, len(b), MaxEncodedSize)
	}
	d := decoder{b: b}
	if v := d.u8(); v != EncodingV1 {
		if d.err != nil {
			return 0, Event{}, d.err
		}
		return 0, Event{}, fmt.Errorf("%w: unknown version %d", errMalformed, v)
	}
	index := d.u64()
	micros := int64(d.u64())
	flags := d.u8()
	var e Event
	e.Time = time.UnixMicro(micros).UTC()
	e.Partner, e.Exercise = flags&flagPartner != 0, flags&flagExercise != 0
	var kind, outcome, role string
	for _, p := range []*string{&kind, &outcome, &e.ActorID, &e.ActorName, &e.Agency, &role, &e.TokenID} {
		*p = d.str()
	}
	e.Kind, e.Outcome, e.Role = Kind(kind), Outcome(outcome), access.Role(role)
	if n := d.count(MaxObjects); n > 0 {
		e.Objects = make([]Ref, n)
		for i := range e.Objects {
			e.Objects[i] = Ref{Type: d.str(), ID: d.str()}
		}
	}
	for _, p := range []*string{&e.Justification, &e.CaseRef, &e.Purpose, &e.LegalBasis} {
		*p = d.str()
	}
	e.Recipients = d.list(MaxRecipients)
	e.RequestID, e.Reason = d.str(), d.str()
	e.Hashes = d.list(MaxHashes)
	switch {
	case d.err != nil:
		return 0, Event{}, d.err
	case len(d.b) != 0:
		return 0, Event{}, fmt.Errorf("%w: %d trailing bytes", errMalformed, len(d.b))
	case flags&^(flagPartner|flagExercise) != 0:
		return 0, Event{}, fmt.Errorf("%w: unknown flags %#x", errMalformed, flags)
	case index > math.MaxInt64 || micros < 0:
		return 0, Event{}, fmt.Errorf("%w: index or time out of range", errMalformed)
	}
	if err := e.validate(); err != nil {
		return 0, Event{}, fmt.Errorf("%w: %v", errMalformed, err)
	}
	return index, e, nil
}

// decoder reads fixed-width fields, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = fmt.Errorf("%w: truncated", errMalformed)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u8() byte {
	if v := d.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) u16() int {
	if v := d.take(2); v != nil {
		return int(binary.BigEndian.Uint16(v))
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if v := d.take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (d *decoder) str() string {
	n := d.u16()
	if n > MaxTextLen && d.err == nil {
		d.err = fmt.Errorf("%w: string of %d bytes", errMalformed, n)
	}
	return string(d.take(n))
}

// count reads a list length, refusing one over max before allocating.
func (d *decoder) count(max int) int {
	n := d.u16()
	if n > max && d.err == nil {
		d.err = fmt.Errorf("%w: list of %d values, limit %d", errMalformed, n, max)
	}
	if d.err != nil {
		return 0
	}
	return n
}

func (d *decoder) list(max int) []string {
	n := d.count(max)
	if n == 0 {
		return nil
	}
	vs := make([]string, n)
	for i := range vs {
		vs[i] = d.str()
	}
	return vs
}

// leafPrefix is the RFC 6962 domain separation byte of a leaf hash.
const leafPrefix = 0

// LeafHash is the RFC 6962 leaf hash of a canonical encoding: the value the
// Merkle tree holds for an event.
func LeafHash(encoding []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte{leafPrefix})
	h.Write(encoding)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}
