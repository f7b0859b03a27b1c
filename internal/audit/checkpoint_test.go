package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

func testKeys(t testing.TB) *Keys {
	t.Helper()
	k, err := NewKeys(Origin(testAgency), testKey(7))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func signCheckpoint(t testing.TB, k *Keys, c Checkpoint) []byte {
	t.Helper()
	msg, err := note.Sign(&note.Note{Text: string(c.Body())}, k.signer)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestCheckpointFormat(t *testing.T) {
	k := testKeys(t)
	root := sha256.Sum256([]byte("root"))
	c := Checkpoint{Origin: k.Origin(), Size: 1234, Root: root[:]}
	msg := signCheckpoint(t, k, c)
	lines := strings.Split(string(msg), "\n")
	if lines[0] != "liaison.NL-NCB/audit" || lines[1] != "1234" || lines[3] != "" || !strings.HasPrefix(lines[4], "— liaison.NL-NCB/audit ") {
		t.Fatalf("not a C2SP checkpoint note:\n%s", msg)
	}
	got, n, err := OpenCheckpoint(msg, k.Verifier())
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != 1234 || !bytes.Equal(got.Root, root[:]) || len(n.Sigs) != 1 {
		t.Fatalf("opened %+v", got)
	}
	// The verifier key is a standard signed-note vkey.
	v, err := note.NewVerifier(k.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
		t.Fatalf("x/mod note rejects the checkpoint: %v", err)
	}
}

func TestOpenCheckpointRejects(t *testing.T) {
	k := testKeys(t)
	other, err := NewKeys(k.Origin(), testKey(9))
	if err != nil {
		t.Fatal(err)
	}
	root := sha256.Sum256([]byte("root"))
	good := signCheckpoint(t, k, Checkpoint{Origin: k.Origin(), Size: 10, Root: root[:]})
	rootLine := base64.StdEncoding.EncodeToString(root[:]) + "\n"
	cases := map[string][]byte{
		"other key":      signCheckpoint(t, other, Checkpoint{Origin: k.Origin(), Size: 10, Root: root[:]}),
		"size changed":   bytes.Replace(good, []byte("\n10\n"), []byte("\n11\n"), 1),
		"root changed":   bytes.Replace(good, []byte(rootLine), []byte(strings.Repeat("A", 43)+"=\n"), 1),
		"truncated":      good[:len(good)-10],
		"no signature":   []byte(Checkpoint{Origin: k.Origin(), Size: 10, Root: root[:]}.Body()),
		"oversized":      bytes.Repeat([]byte("a"), MaxNoteSize+1),
		"control chars":  append([]byte("liaison.NL-NCB/audit\x01\n"), good[len("liaison.NL-NCB/audit\n"):]...),
		"foreign origin": signCheckpoint(t, mustKeys(t, "liaison.evil/audit", 7), Checkpoint{Origin: "liaison.evil/audit", Size: 10, Root: root[:]}),
	}
	// A checkpoint signed over a non-canonical size is refused even with a
	// valid signature.
	cases["leading zero"] = signText(t, k, k.Origin()+"\n010\n"+rootLine)
	cases["short root"] = signText(t, k, k.Origin()+"\n10\nAAAA\n")
	cases["empty extension"] = signText(t, k, string(Checkpoint{Origin: k.Origin(), Size: 10, Root: root[:]}.Body())+"\n")
	for name, msg := range cases {
		_, _, err := OpenCheckpoint(msg, k.Verifier())
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !errors.Is(err, ErrCheckpoint) {
			t.Errorf("%s: error %v is not ErrCheckpoint", name, err)
		}
	}
}

func mustKeys(t testing.TB, origin string, seed byte) *Keys {
	k, err := NewKeys(origin, testKey(seed))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signText signs arbitrary text with the log key (what a buggy or hostile
// signer could produce).
func signText(t testing.TB, k *Keys, text string) []byte {
	t.Helper()
	msg, err := note.Sign(&note.Note{Text: text}, k.signer)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestCosignature(t *testing.T) {
	k := testKeys(t)
	root := sha256.Sum256([]byte("root"))
	msg := signCheckpoint(t, k, Checkpoint{Origin: k.Origin(), Size: 10, Root: root[:]})
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	w, err := NewCosigner("liaison.BE-FPP/witness", testKey(3), func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	_, n, err := OpenCheckpoint(msg, k.Verifier())
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(n, w)
	if err != nil {
		t.Fatal(err)
	}
	wv, err := ParseWitnessVerifierKey(WitnessVerifierKey(w.Name(), testKey(3).Public().(ed25519.PublicKey)))
	if err != nil {
		t.Fatal(err)
	}
	_, n2, err := OpenCheckpoint(cosigned, k.Verifier(), wv)
	if err != nil {
		t.Fatalf("cosigned checkpoint: %v", err)
	}
	if len(n2.Sigs) != 2 {
		t.Fatalf("%d verified signatures, want log + witness", len(n2.Sigs))
	}
	cs, err := cosignatureFrom(n2.Sigs[1])
	if err != nil {
		t.Fatal(err)
	}
	if cs.Witness != w.Name() || !cs.Time.Equal(at) {
		t.Fatalf("cosignature %+v", cs)
	}
	// The cosigned message is the C2SP one.
	if want := "cosignature/v1\ntime 1748779200\nliaison.NL-NCB/audit\n10\n"; !strings.HasPrefix(string(cosignedMessage(uint64(at.Unix()), []byte(n.Text))), want) {
		t.Fatal("cosigned message does not follow C2SP tlog-cosignature")
	}
	// A cosignature by another key under the witness's name fails.
	impostor, _ := NewCosigner(w.Name(), testKey(4), func() time.Time { return at })
	forged, err := note.Sign(n, impostor)
	if err != nil {
		t.Fatal(err)
	}
	if _, n3, err := OpenCheckpoint(forged, k.Verifier(), wv); err == nil && len(n3.Sigs) > 1 {
		t.Fatal("impostor cosignature verified")
	}
	// A valid cosignature on a different checkpoint fails.
	other := signCheckpoint(t, k, Checkpoint{Origin: k.Origin(), Size: 11, Root: root[:]})
	sigLine := cosigned[bytes.LastIndex(cosigned[:len(cosigned)-1], []byte("\n"))+1:]
	if _, _, err := OpenCheckpoint(append(bytes.Clone(other), sigLine...), k.Verifier(), wv); err == nil {
		t.Fatal("cosignature moved to another checkpoint verified")
	}
}

func TestParseWitnessVerifierKeyRejects(t *testing.T) {
	good := WitnessVerifierKey("liaison.BE-FPP/witness", testKey(3).Public().(ed25519.PublicKey))
	k := testKeys(t)
	for name, vkey := range map[string]string{
		"empty":          "",
		"log key (0x01)": k.VerifierKey(),
		"bad hash":       strings.Replace(good, "+", "+0", 1)[:len(good)],
		"no key":         "liaison.BE-FPP/witness+01234567+",
		"space in name":  "a b" + good[len("liaison.BE-FPP/witness"):],
	} {
		if _, err := ParseWitnessVerifierKey(vkey); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	root := sha256.Sum256(nil)
	f.Add(Checkpoint{Origin: "liaison.NL-NCB/audit", Size: 5, Root: root[:]}.Body())
	f.Add([]byte("o\n0\n" + strings.Repeat("A", 43) + "=\next\n"))
	f.Add([]byte("o\n01\nAAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCheckpoint(b)
		if err != nil {
			return
		}
		if !bytes.Equal(c.Body(), b) {
			t.Fatalf("parsed checkpoint does not print back to its input:\n%q\n%q", b, c.Body())
		}
	})
}

func FuzzOpenCheckpoint(f *testing.F) {
	k := testKeys(f)
	root := sha256.Sum256(nil)
	good := signCheckpoint(f, k, Checkpoint{Origin: k.Origin(), Size: 5, Root: root[:]})
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Fuzz(func(t *testing.T, b []byte) {
		c, _, err := OpenCheckpoint(b, k.Verifier())
		if err != nil {
			return
		}
		// Only the one checkpoint the key signed can open.
		if c.Size != 5 || !bytes.Equal(c.Root, root[:]) {
			t.Fatalf("forged checkpoint opened: %+v", c)
		}
	})
}
