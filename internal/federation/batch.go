package federation

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/liaison-project/liaison/internal/federation/envelope"
)

// BatchContentType is the media type of a delivery request body.
const BatchContentType = "application/vnd.liaison.envelopes"

// batchMagic starts every delivery request body.
const batchMagic = "LBAT"

// batchVersion is the batch framing version.
const batchVersion = 1

// encodeBatch frames envelopes for one delivery request:
//
//	"LBAT" | u8 version (1) | u32 count | count × (u32 length | envelope)
//
// with big-endian integers; each envelope is envelope.Wire.Marshal output.
func encodeBatch(envs [][]byte) []byte {
	n := len(batchMagic) + 1 + 4
	for _, e := range envs {
		n += 4 + len(e)
	}
	b := make([]byte, 0, n)
	b = append(b, batchMagic...)
	b = append(b, batchVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(envs)))
	for _, e := range envs {
		b = binary.BigEndian.AppendUint32(b, uint32(len(e)))
		b = append(b, e...)
	}
	return b
}

// errBatch is the error decodeBatch returns for a malformed body.
var errBatch = errors.New("malformed envelope batch")

// decodeBatch reads a delivery request body from r: at most maxCount
// envelopes of at most maxEnvelope bytes each, maxTotal bytes in all. It
// reads the stream incrementally and allocates an envelope only after its
// length passed the limits, so an oversized or lying body costs no more
// memory than the limits allow.
func decodeBatch(r io.Reader, maxCount, maxEnvelope int, maxTotal int64) ([][]byte, error) {
	var head [len(batchMagic) + 1 + 4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("%w: short header", errBatch)
	}
	if string(head[:len(batchMagic)]) != batchMagic {
		return nil, fmt.Errorf("%w: not an envelope batch", errBatch)
	}
	if v := head[len(batchMagic)]; v != batchVersion {
		return nil, fmt.Errorf("%w: batch version %d (this node speaks %d)", errBatch, v, batchVersion)
	}
	count := binary.BigEndian.Uint32(head[len(batchMagic)+1:])
	if count == 0 || count > uint32(maxCount) {
		return nil, fmt.Errorf("%w: %d envelopes (1 to %d allowed)", errBatch, count, maxCount)
	}
	total := int64(len(head))
	envs := make([][]byte, 0, count)
	var lb [4]byte
	for i := uint32(0); i < count; i++ {
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			return nil, fmt.Errorf("%w: truncated at envelope %d", errBatch, i)
		}
		n := binary.BigEndian.Uint32(lb[:])
		total += 4 + int64(n)
		if n == 0 || n > uint32(maxEnvelope) || total > maxTotal {
			return nil, fmt.Errorf("%w: envelope %d of %d bytes exceeds the limits", errBatch, i, n)
		}
		e := make([]byte, n)
		if _, err := io.ReadFull(r, e); err != nil {
			return nil, fmt.Errorf("%w: truncated envelope %d", errBatch, i)
		}
		envs = append(envs, e)
	}
	var one [1]byte
	if n, _ := io.ReadFull(r, one[:]); n != 0 {
		return nil, fmt.Errorf("%w: trailing data", errBatch)
	}
	return envs, nil
}

// Reasons a receiving node gives beyond envelope.Reason.
const (
	// ReasonRejected: the envelope was authentic and in sequence and is
	// recorded, but the receiving application refused its content (for
	// example a tombstone for an unknown record, or an unknown type). The
	// sequence number is used up: the sender marks the message failed.
	ReasonRejected envelope.Reason = "rejected"
	// ReasonRetry: the receiver could not process the envelope now
	// (storage failure, or an earlier envelope of the batch failed);
	// nothing was recorded, so the sender sends it again later.
	ReasonRetry envelope.Reason = "retry"
)

// deliveryResult is the receiver's answer for one envelope of a batch:
// a signed delivered receipt, or a reason.
type deliveryResult struct {
	Receipt  []byte          `json:"receipt,omitempty"`
	Reason   envelope.Reason `json:"reason,omitempty"`
	Expected uint64          `json:"expected,omitempty"` // for sequence refusals: the number the receiver expects next
	Detail   string          `json:"detail,omitempty"`   // human-readable, never payload or personal data
}

// deliveryResponse is the JSON body answering a delivery request, one
// result per envelope in request order.
type deliveryResponse struct {
	Results []deliveryResult `json:"results"`
}

// maxResultSize bounds one encoded result (a receipt in base64 plus a
// detail), for limiting how much of a response the sender reads.
const maxResultSize = 2 << 10

// decodeDeliveryResponse parses and checks a response to a batch of n
// envelopes.
func decodeDeliveryResponse(data []byte, n int) ([]deliveryResult, error) {
	if len(data) > n*maxResultSize+64 {
		return nil, fmt.Errorf("delivery response of %d bytes is too large for %d envelopes", len(data), n)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var resp deliveryResponse
	if err := dec.Decode(&resp); err != nil {
		return nil, fmt.Errorf("decode delivery response: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode delivery response: trailing data")
	}
	if len(resp.Results) != n {
		return nil, fmt.Errorf("delivery response has %d results for %d envelopes", len(resp.Results), n)
	}
	for i, r := range resp.Results {
		if (len(r.Receipt) > 0) == (r.Reason != "") {
			return nil, fmt.Errorf("delivery result %d has both or neither of a receipt and a reason", i)
		}
		if len(r.Detail) > 1000 || len(r.Reason) > 64 {
			return nil, fmt.Errorf("delivery result %d is oversized", i)
		}
	}
	return resp.Results, nil
}
