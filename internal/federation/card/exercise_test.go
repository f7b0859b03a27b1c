package card

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
)

// legacySignedBytes is the version-1 encoding as it was before cards had
// an exercise flag, written out independently of signedBytes.
func legacySignedBytes(c *Card) []byte {
	str := func(b []byte, s []byte) []byte {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		return append(b, s...)
	}
	b := str(nil, []byte(domainSelf))
	b = binary.BigEndian.AppendUint16(b, uint16(c.Version))
	b = str(b, []byte(c.Agency))
	b = str(b, []byte(c.Name))
	b = str(b, []byte(c.Country))
	b = append(b, byte(len(c.URLs)))
	for _, u := range c.URLs {
		b = str(b, []byte(u))
	}
	b = str(b, c.SigningKey)
	b = binary.BigEndian.AppendUint16(b, c.HPKE.KEM)
	b = str(b, c.HPKE.Key)
	b = str(b, []byte(c.TLSPin))
	b = str(b, []byte(c.AuditOrigin))
	b = binary.BigEndian.AppendUint64(b, uint64(c.NotBefore.Unix()))
	b = binary.BigEndian.AppendUint64(b, uint64(c.NotAfter.Unix()))
	return str(b, []byte(c.Supersedes))
}

// TestExerciseFlag: an exercise node's card says so under its signature;
// a card signed before the flag existed still verifies, as a real node's.
func TestExerciseFlag(t *testing.T) {
	id := newIdentity(t, "NL-NCB", "NL")
	p := params()
	p.Exercise = true
	ex, err := New(id, p, t0)
	if err != nil {
		t.Fatal(err)
	}
	raw := marshal(t, ex)
	if !bytes.Contains(raw, []byte(`"exercise": true`)) {
		t.Fatalf("exercise card JSON lacks the flag:\n%s", raw)
	}
	parsed, err := Parse(raw)
	if err != nil || !parsed.Exercise {
		t.Fatalf("parsed %+v, %v", parsed, err)
	}
	if err := parsed.Verify(t0); err != nil {
		t.Fatal(err)
	}
	// Dropping the flag breaks the signature: a real node's card cannot be
	// made from an exercise node's, nor the converse.
	stripped, err := Parse(bytes.Replace(raw, []byte(`"exercise": true,`), nil, 1))
	if err != nil || stripped.Exercise {
		t.Fatalf("stripped card %+v, %v", stripped, err)
	}
	wantKind(t, stripped.Verify(t0), errs.Permission)
	_, real := newCard(t)
	realRaw := marshal(t, real)
	if bytes.Contains(realRaw, []byte("exercise")) {
		t.Fatalf("a real node's card mentions exercise:\n%s", realRaw)
	}
	forged, err := Parse(bytes.Replace(realRaw, []byte(`"signatures"`), []byte(`"exercise": true, "signatures"`), 1))
	if err != nil || !forged.Exercise {
		t.Fatalf("forged card %+v, %v", forged, err)
	}
	wantKind(t, forged.Verify(t0), errs.Permission)

	// A card signed over the encoding without the flag verifies, as a
	// real node's card.
	old := *real
	old.SigningKey = id.SigningKey.Public().(ed25519.PublicKey)
	old.Signatures.Self = ed25519.Sign(id.SigningKey, legacySignedBytes(&old))
	oldParsed, err := Parse(marshal(t, &old))
	if err != nil {
		t.Fatal(err)
	}
	if err := oldParsed.Verify(t0); err != nil || oldParsed.Exercise {
		t.Fatalf("a card without the flag: exercise %v, %v", oldParsed.Exercise, err)
	}

	// A rotation keeps the flag.
	t1 := t0.Add(24 * time.Hour)
	if _, err := Rotate(ex, id.SigningKey, id, params(), t1); err == nil {
		t.Fatal("an exercise card rotated into a real one")
	}
	next, err := Rotate(ex, id.SigningKey, id, p, t1)
	if err != nil || !next.Exercise {
		t.Fatalf("rotation %+v, %v", next, err)
	}
}
