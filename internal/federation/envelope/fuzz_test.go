package envelope

import (
	"bytes"
	"testing"
)

// FuzzUnmarshalOpen feeds arbitrary bytes to the receiving path. Nothing
// may panic; whatever decodes must re-encode to the same bytes (one
// encoding per envelope); and nothing but a genuine sealed envelope opens.
func FuzzUnmarshalOpen(f *testing.F) {
	network(f)
	genuine := map[string]bool{}
	for i, m := range []Message{msg("seed"), {Type: TypeHello}, msg("")} {
		ws := sealTo(f, m, uint64(1+i), de, be)
		for _, w := range ws {
			genuine[string(w.Marshal())] = true
			f.Add(w.Marshal())
		}
	}
	f.Add([]byte(wireMagic))
	f.Add([]byte("LENV\x00\x00\x00\x01\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Unmarshal(data, 0)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("Unmarshal error is not a refusal: %v", err)
			}
			return
		}
		if !bytes.Equal(w.Marshal(), data) {
			t.Fatalf("re-encoding differs")
		}
		if !bytes.Equal(encodeHeader(w.h), w.header) {
			t.Fatalf("header re-encoding differs")
		}
		o := OpenOptions{Keys: allKeys(), Guard: NewMemoryGuard()}
		for _, n := range []node{de, be} {
			_, err := Open(w, n.id, now, o)
			if err == nil && !genuine[string(data)] {
				t.Fatalf("a non-genuine envelope opened")
			}
			if err != nil && ReasonOf(err) == "" {
				t.Fatalf("Open error is not a refusal: %v", err)
			}
		}
	})
}

// FuzzParseEvidence checks that evidence decoding never panics, is
// canonical, and that only genuine evidence verifies.
func FuzzParseEvidence(f *testing.F) {
	network(f)
	o := accept(f, sealTo(f, msg("evidence seed"), 1, de)[0], de, NewMemoryGuard())
	good := o.Evidence.Marshal()
	f.Add(good)
	f.Add([]byte(evidenceMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEvidence(data, 0)
		if err != nil {
			return
		}
		if !bytes.Equal(e.Marshal(), data) {
			t.Fatalf("re-encoding differs")
		}
		if _, err := e.Verify(nl.card.PublicKey()); err == nil && !bytes.Equal(data, good) {
			t.Fatalf("non-genuine evidence verified")
		}
	})
}

// FuzzParseReceipt checks that receipt decoding never panics, is canonical,
// and that only the genuine receipt verifies.
func FuzzParseReceipt(f *testing.F) {
	network(f)
	w := sealTo(f, msg("receipt seed"), 1, de)[0]
	o := accept(f, w, de, NewMemoryGuard())
	r, err := NewReceipt(de.id, Read, &o.Evidence, "u-7", now)
	if err != nil {
		f.Fatal(err)
	}
	good := r.Marshal()
	f.Add(good)
	f.Add([]byte(receiptMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReceipt(data)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Marshal(), data) {
			t.Fatalf("re-encoding differs")
		}
		if err := r.Verify(de.card.PublicKey(), w); err == nil && !bytes.Equal(data, good) {
			t.Fatalf("non-genuine receipt verified")
		}
	})
}

// FuzzDecodeHeader reaches the header decoder and validator directly, which
// FuzzUnmarshalOpen rarely passes through intact: every accepted header
// re-encodes to the same bytes.
func FuzzDecodeHeader(f *testing.F) {
	network(f)
	for _, w := range sealTo(f, msg("header seed"), 9, de, be, fr) {
		f.Add(w.header)
	}
	f.Add([]byte{Version})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := decodeHeader(data)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("not a refusal: %v", err)
			}
			return
		}
		if !bytes.Equal(encodeHeader(h), data) {
			t.Fatalf("re-encoding differs")
		}
	})
}
