package audit

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
)

func fullEvent() Event {
	return Event{
		Time: time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC), Kind: Disclose,
		ActorID: "u-42", ActorName: "j.devries", Agency: "NL-NCB", Role: access.SPOC, TokenID: "tok-1",
		Partner: false, Exercise: true,
		Objects:       []Ref{{Type: "record", ID: "rec-1"}, {Type: "message", ID: "msg-9"}},
		Justification: "request from BE FPP, MLA 2025/17", CaseRef: "NL-2025-0042",
		Purpose: "prevention of serious crime", LegalBasis: "Art. 8 Directive 2016/680",
		Recipients: []string{"BE-FPP", "DE-BKA"}, RequestID: "req-1", Outcome: OK, Reason: "policy.disclose.ok",
		Hashes: []string{"h1:abc"},
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for name, e := range map[string]Event{
		"full":    fullEvent(),
		"minimal": {Time: time.UnixMicro(0).UTC(), Kind: LoginFailed, Outcome: Denied},
		"partner": {Time: time.UnixMicro(1).UTC(), Kind: Consult, Outcome: OK, Partner: true, Agency: "BE-FPP"},
	} {
		enc, err := EncodeEvent(77, e)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		idx, got, err := DecodeEvent(enc)
		if err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		if idx != 77 || !reflect.DeepEqual(got, e) {
			t.Fatalf("%s: round trip:\n got %d %+v\nwant 77 %+v", name, idx, got, e)
		}
	}
}

// TestEncodingIsStable pins the version-1 encoding: leaves already in logs
// must keep their hashes, so this vector never changes.
func TestEncodingIsStable(t *testing.T) {
	e := Event{Time: time.UnixMicro(1700000000123456).UTC(), Kind: Consult, ActorID: "u1", Agency: "NL-NCB",
		Role: access.Investigator, Objects: []Ref{{Type: "record", ID: "r1"}}, CaseRef: "C-1", Outcome: OK}
	enc, err := EncodeEvent(5, e)
	if err != nil {
		t.Fatal(err)
	}
	const want = "01" + "0000000000000005" + "00060a2418202240" + "00" +
		"0007636f6e73756c74" + "00026f6b" + "00027531" + "0000" + "00064e4c2d4e4342" + "000c696e76657374696761746f72" + "0000" +
		"0001" + "00067265636f7264" + "00027231" +
		"0000" + "0003432d31" + "0000" + "0000" +
		"0000" + "0000" + "0000" + "0000"
	if got := hex.EncodeToString(enc); got != want {
		t.Fatalf("encoding changed:\n got %s\nwant %s", got, want)
	}
	leaf := LeafHash(enc)
	if got := hex.EncodeToString(leaf[:]); got != "dc092aff3f3fb212ef9b7b60ae9f4c3b2df1917169523add0e0722b4da5ed0d4" {
		t.Fatalf("leaf hash changed: %s", got)
	}
}

func TestDecodeRejects(t *testing.T) {
	good, err := EncodeEvent(3, fullEvent())
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":            {},
		"unknown version":  append([]byte{2}, good[1:]...),
		"truncated":        good[:len(good)-1],
		"trailing byte":    append(bytes.Clone(good), 0),
		"unknown flag":     func() []byte { b := bytes.Clone(good); b[17] |= 0x80; return b }(),
		"negative time":    func() []byte { b := bytes.Clone(good); b[9] = 0x80; return b }(),
		"huge index":       func() []byte { b := bytes.Clone(good); b[1] = 0x80; return b }(),
		"bad kind":         mutateKind(good, "CONSULT"),
		"too many objects": tooMany(),
		"oversized":        make([]byte, MaxEncodedSize+1),
	}
	for name, b := range cases {
		if _, _, err := DecodeEvent(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// mutateKind replaces the kind string of an encoding (same length).
func mutateKind(enc []byte, kind string) []byte {
	b := bytes.Clone(enc)
	copy(b[20:], kind) // version(1) index(8) time(8) flags(1) len(2)
	return b
}

// tooMany is an encoding claiming MaxObjects+1 objects.
func tooMany() []byte {
	e := Event{Time: time.UnixMicro(0).UTC(), Kind: Consult, Outcome: OK}
	enc := encodeEvent(0, e)
	// The object count follows version, index, time, flags and seven strings.
	off := 1 + 8 + 8 + 1 + 2 + len("consult") + 2 + len("ok") + 5*2
	n := MaxObjects + 1
	enc[off], enc[off+1] = byte(n>>8), byte(n)
	return enc
}

func FuzzDecodeEvent(f *testing.F) {
	for i, e := range []Event{fullEvent(), {Time: time.UnixMicro(0).UTC(), Kind: Login, Outcome: OK}} {
		enc, err := EncodeEvent(uint64(i), e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Add([]byte{1})
	f.Add(tooMany())
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, e, err := DecodeEvent(b)
		if err != nil {
			return
		}
		// Whatever decodes is canonical: it encodes back to the same bytes.
		again, err := EncodeEvent(idx, e)
		if err != nil {
			t.Fatalf("decoded event does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("non-canonical encoding accepted:\n in  %x\n out %x", b, again)
		}
	})
}
