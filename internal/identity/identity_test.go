package identity

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hpke"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateSaveLoad(t *testing.T) {
	dir := t.TempDir()
	id, err := Generate("NL-NCB", "NL", "Netherlands NCB", []string{"node.example", "10.1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	if err := id.Save(dir); err != nil {
		t.Fatal(err)
	}
	if err := id.Save(dir); err == nil {
		t.Fatal("second Save overwrote existing keys")
	}
	for _, f := range []string{SigningKeyFile, HPKEKeyFile, TLSKeyFile} {
		fi, err := os.Stat(filepath.Join(dir, KeysDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	got, err := Load(dir, "NL-NCB", "NL", "Netherlands NCB", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !got.SigningKey.Equal(id.SigningKey) {
		t.Error("signing key changed across save/load")
	}
	if got.Public().TLSPin != id.Public().TLSPin {
		t.Error("tls pin changed across save/load")
	}
	if !bytes.Equal(got.Public().HPKEKey, id.Public().HPKEKey) {
		t.Error("hpke public key changed across save/load")
	}
	if !strings.Contains(strings.Join(got.TLS.Leaf.DNSNames, ","), "node.example") {
		t.Errorf("certificate DNS names %v lack node.example", got.TLS.Leaf.DNSNames)
	}

	// The loaded keys work: sign/verify and HPKE seal/open round trip.
	msg := []byte("hello")
	sig := ed25519.Sign(got.SigningKey, msg)
	if !ed25519.Verify(id.Public().SigningKey, msg, sig) {
		t.Error("signature by loaded key does not verify with original public key")
	}
	pub, err := KEM().NewPublicKey(id.Public().HPKEKey)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := hpke.Seal(pub, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), []byte("info"), msg)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := hpke.Open(got.HPKEKey, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), []byte("info"), ct)
	if err != nil || !bytes.Equal(pt, msg) {
		t.Fatalf("hpke open: %q, %v", pt, err)
	}
}

func TestLogValueRedacts(t *testing.T) {
	id, err := Generate("DE-BKA", "DE", "BKA", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := id.LogValue().String()
	if strings.Contains(s, string(id.SigningKey)) || !strings.Contains(s, "DE-BKA") {
		t.Errorf("LogValue = %q", s)
	}
}
