package federation

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecodeBatch checks that the batch decoder never panics, never
// returns more or larger envelopes than its limits, and round-trips what
// it accepts.
func FuzzDecodeBatch(f *testing.F) {
	f.Add(encodeBatch([][]byte{[]byte("LENV-1"), []byte("two")}))
	f.Add([]byte("LBAT\x01\x00\x00\x00\x01\x00\x00\x00\x00"))
	f.Add([]byte("LBAT\x01\xff\xff\xff\xff"))
	f.Add([]byte("LBAT\x02\x00\x00\x00\x01\x00\x00\x00\x01x"))
	f.Add([]byte{})
	const maxCount, maxEnv, maxTotal = 16, 64, 512
	f.Fuzz(func(t *testing.T, data []byte) {
		envs, err := decodeBatch(bytes.NewReader(data), maxCount, maxEnv, maxTotal)
		if err != nil {
			return
		}
		if len(envs) == 0 || len(envs) > maxCount {
			t.Fatalf("%d envelopes", len(envs))
		}
		total := 9
		for _, e := range envs {
			if len(e) == 0 || len(e) > maxEnv {
				t.Fatalf("envelope of %d bytes", len(e))
			}
			total += 4 + len(e)
		}
		if total > maxTotal {
			t.Fatalf("batch of %d bytes accepted", total)
		}
		if !bytes.Equal(encodeBatch(envs), data) {
			t.Fatal("accepted batch does not re-encode to its input")
		}
	})
}

// FuzzDecodeDeliveryResponse checks the sender's parser of partner answers.
func FuzzDecodeDeliveryResponse(f *testing.F) {
	good, _ := json.Marshal(deliveryResponse{Results: []deliveryResult{{Receipt: []byte("r")}, {Reason: "stale", Detail: "stale: old"}}})
	f.Add(good, 2)
	f.Add([]byte(`{"results":[{"receipt":"","reason":""}]}`), 1)
	f.Add([]byte(`{"results":[]} trailing`), 0)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		if n < 0 || n > 64 {
			return
		}
		res, err := decodeDeliveryResponse(data, n)
		if err != nil {
			return
		}
		if len(res) != n {
			t.Fatalf("%d results for %d envelopes", len(res), n)
		}
		for _, r := range res {
			if (len(r.Receipt) > 0) == (r.Reason != "") {
				t.Fatalf("result with both or neither: %+v", r)
			}
		}
	})
}

// FuzzDecodeMessagePayload checks the decoder of received message
// payloads: no panics, and whatever it accepts is within the limits and
// survives a round trip.
func FuzzDecodeMessagePayload(f *testing.F) {
	good, _ := encodeMessagePayload(messagePayload{Subject: "Subject", Body: "Body\nline", Attachments: []attachmentRef{{
		ID: "01890a5d-ac96-774b-bcce-b302099a8057", Name: "a.pdf", MediaType: "application/pdf", Size: 100,
		SHA256: make([]byte, 32), ChunkSize: 64 << 10, ChunkHashes: make([]byte, 32)}}})
	f.Add(good)
	f.Add([]byte(`{"v":1,"subject":"s","body":""}`))
	f.Add([]byte(`{"v":1,"subject":"s","body":"","extra":1}`))
	f.Add([]byte(`{"v":2}`))
	const maxBody, maxAttachment = 1 << 10, 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := decodeMessagePayload(data, maxBody, maxAttachment)
		if err != nil {
			return
		}
		if len(p.Body) > maxBody || len(p.Subject) > MaxSubjectLen || len(p.Attachments) > MaxAttachments {
			t.Fatalf("limits exceeded: %d %d %d", len(p.Body), len(p.Subject), len(p.Attachments))
		}
		for _, a := range p.Attachments {
			if a.Size > maxAttachment || int64(len(a.ChunkHashes)) != 32*chunkCount(a.Size, a.ChunkSize) {
				t.Fatalf("attachment accepted out of limits: %+v", a)
			}
		}
		again, err := encodeMessagePayload(p)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := decodeMessagePayload(again, maxBody, maxAttachment)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if p2.Subject != p.Subject || p2.Body != p.Body || len(p2.Attachments) != len(p.Attachments) {
			t.Fatal("round trip changed the payload")
		}
	})
}
