package card

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, and that whatever it accepts
// survives a marshal/parse round trip with the same signed bytes, so the
// signature means the same thing to every node that re-serialises a card.
func FuzzParse(f *testing.F) {
	oldID, old := newCard(f)
	next, err := Rotate(old, oldID.SigningKey, newIdentity(f, "NL-NCB", "NL"), params(), t0.Add(time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(marshal(f, old))
	f.Add(marshal(f, next))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version":1,"urls":[{"a":[]}]}`))
	f.Add([]byte(`{"name":"a","name":"b"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		_ = c.Verify(t0)
		_ = VerifyRotation(old, c, t0.Add(time.Hour))
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal accepted card: %v", err)
		}
		c2, err := Parse(again)
		if err != nil {
			t.Fatalf("re-parse of accepted card: %v\n%s", err, again)
		}
		if !bytes.Equal(c.signedBytes(domainSelf), c2.signedBytes(domainSelf)) {
			t.Fatalf("signed bytes changed across round trip:\n%s\n%s", data, again)
		}
	})
}
