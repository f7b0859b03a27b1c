package card

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/identity"
	"github.com/liaison-project/liaison/internal/policy"
)

var t0 = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func newIdentity(t testing.TB, agency, country string) *identity.Identity {
	t.Helper()
	id, err := identity.Generate(agency, country, agency+" liaison office", []string{"node.example"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func params() Params {
	return Params{URLs: []string{"https://liaison.nl.example:8443", "https://backup.nl.example/fed"}, AuditOrigin: "liaison.NL-NCB/audit"}
}

func newCard(t testing.TB) (*identity.Identity, *Card) {
	t.Helper()
	id := newIdentity(t, "NL-NCB", "NL")
	c, err := New(id, params(), t0)
	if err != nil {
		t.Fatal(err)
	}
	return id, c
}

func marshal(t testing.TB, c *Card) []byte {
	t.Helper()
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want %v", k)
	}
	if !errs.Is(err, k) {
		t.Fatalf("got %v (kind %v), want kind %v", err, errs.KindOf(err), k)
	}
}

func TestNewParseVerify(t *testing.T) {
	id, c := newCard(t)
	data := marshal(t, c)
	got, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, data)
	}
	if err := got.Verify(t0.Add(time.Hour)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	pub := id.Public()
	if got.Agency != "NL-NCB" || got.Country != "NL" || got.Name != pub.Name || got.AuditOrigin != "liaison.NL-NCB/audit" {
		t.Errorf("identity fields: %+v", got)
	}
	if !bytes.Equal(got.SigningKey, pub.SigningKey) || !bytes.Equal(got.HPKE.Key, pub.HPKEKey) || got.TLSPin != pub.TLSPin {
		t.Error("keys or pin differ from the identity")
	}
	if got.HPKE.KEM != identity.KEM().ID() {
		t.Errorf("KEM id %#x", got.HPKE.KEM)
	}
	if !got.NotBefore.Equal(t0) || !got.NotAfter.Equal(t0.Add(DefaultValidity)) {
		t.Errorf("validity %v – %v", got.NotBefore, got.NotAfter)
	}
	if Fingerprint(got) != Fingerprint(c) {
		t.Error("fingerprint changed across JSON round trip")
	}
	// The JSON shows times as whole-second UTC and keys under their documented names.
	for _, want := range []string{`"notBefore": "2026-03-01T09:30:00Z"`, `"signingKey": "`, `"hpke": {`, `"self": "`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("card JSON lacks %s:\n%s", want, data)
		}
	}
}

func TestNewRejectsBadParams(t *testing.T) {
	id := newIdentity(t, "NL-NCB", "NL")
	tests := []struct {
		name string
		p    Params
	}{
		{"no urls", Params{}},
		{"http url", Params{URLs: []string{"http://node.example"}}},
		{"validity too short", Params{URLs: []string{"https://node.example"}, Validity: time.Minute}},
		{"validity too long", Params{URLs: []string{"https://node.example"}, Validity: 6 * 365 * 24 * time.Hour}},
		{"origin with space", Params{URLs: []string{"https://node.example"}, AuditOrigin: "my log"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(id, tt.p, t0)
			wantKind(t, err, errs.Invalid)
		})
	}
	bad := newIdentity(t, "nl-ncb", "NL")
	_, err := New(bad, params(), t0)
	wantKind(t, err, errs.Invalid)
}

func TestFingerprint(t *testing.T) {
	_, c := newCard(t)
	fp := Fingerprint(c)
	if !regexp.MustCompile(`^([0-9A-F]{4}-){7}[0-9A-F]{4}$`).MatchString(fp) {
		t.Fatalf("fingerprint %q not in groups of 4 hex digits", fp)
	}
	for _, spoken := range []string{fp, strings.ToLower(fp), strings.ReplaceAll(fp, "-", ""), strings.ReplaceAll(fp, "-", " "), strings.ReplaceAll(fp, "-", ":")} {
		if err := VerifyFingerprint(c, spoken); err != nil {
			t.Errorf("VerifyFingerprint(%q): %v", spoken, err)
		}
	}
	// One digit wrong.
	wrong := []byte(fp)
	if wrong[0] == 'A' {
		wrong[0] = 'B'
	} else {
		wrong[0] = 'A'
	}
	wantKind(t, VerifyFingerprint(c, string(wrong)), errs.Permission)
	wantKind(t, VerifyFingerprint(c, fp[:len(fp)-1]), errs.Invalid)
	wantKind(t, VerifyFingerprint(c, strings.Replace(fp, fp[:1], "G", 1)), errs.Invalid)
	wantKind(t, VerifyFingerprint(c, strings.Repeat("-", 1000)), errs.Invalid)

	// The same key under another agency id has another fingerprint, so a
	// card cannot borrow a partner's verified key under a different name.
	if KeyIDOf("DE-BKA", c.SigningKey) == c.KeyID() {
		t.Error("fingerprint does not depend on the agency id")
	}
}

func TestVerifyRejectsTampering(t *testing.T) {
	_, c := newCard(t)
	other := newIdentity(t, "NL-NCB", "NL").Public()
	tests := []struct {
		name   string
		mutate func(*Card)
	}{
		{"name", func(c *Card) { c.Name = "Someone else" }},
		{"agency", func(c *Card) { c.Agency = "NL-KLPD" }},
		{"country", func(c *Card) { c.Country = "BE" }},
		{"url", func(c *Card) { c.URLs[0] = "https://evil.example" }},
		{"url order", func(c *Card) { c.URLs[0], c.URLs[1] = c.URLs[1], c.URLs[0] }},
		{"hpke key", func(c *Card) { c.HPKE.Key = other.HPKEKey }},
		{"tls pin", func(c *Card) { c.TLSPin = other.TLSPin }},
		{"audit origin", func(c *Card) { c.AuditOrigin = "liaison.evil/audit" }},
		{"not after", func(c *Card) { c.NotAfter = c.NotAfter.Add(time.Hour) }},
		{"signing key", func(c *Card) { c.SigningKey = other.SigningKey }},
		{"signature", func(c *Card) { c.Signatures.Self[0] ^= 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newCard(t)
			tt.mutate(c)
			wantKind(t, c.Verify(t0), errs.Permission)
		})
	}
	if err := c.Verify(t0); err != nil {
		t.Fatalf("untouched card: %v", err)
	}
}

func TestVerifyValidity(t *testing.T) {
	_, c := newCard(t)
	if err := c.Verify(t0.Add(-ClockSkew / 2)); err != nil {
		t.Errorf("within clock skew before notBefore: %v", err)
	}
	wantKind(t, c.Verify(t0.Add(-2*ClockSkew)), errs.Permission)
	if err := c.Verify(c.NotAfter); err != nil {
		t.Errorf("at notAfter: %v", err)
	}
	wantKind(t, c.Verify(c.NotAfter.Add(2*ClockSkew)), errs.Permission)
}

func TestParseStrict(t *testing.T) {
	_, c := newCard(t)
	good := string(marshal(t, c))
	if _, err := Parse([]byte(good)); err != nil {
		t.Fatal(err)
	}
	// edit rewrites one JSON field of the valid card.
	edit := func(key string, value any) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(good), &m); err != nil {
			t.Fatal(err)
		}
		if value == nil {
			delete(m, key)
		} else {
			m[key] = value
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name  string
		input string
		field string // expected errs field, "" to skip the check
	}{
		{"empty", "", "card"},
		{"not an object", "[]", "card"},
		{"unknown field", edit("comment", "hi"), "card.comment"},
		{"unknown nested field", strings.Replace(good, `"kem":`, `"extra": 1, "kem":`, 1), "card.hpke.extra"},
		{"duplicate field", strings.Replace(good, `"name":`, `"name": "X", "name":`, 1), "card.name"},
		{"case variant", strings.Replace(good, `"name":`, `"Name":`, 1), "card.Name"},
		{"trailing data", good + "{}", "card"},
		{"object in array", edit("urls", []any{map[string]any{"a": 1}}), "card.urls[]"},
		{"version 2", edit("version", 2), "card.version"},
		{"missing agency", edit("agency", nil), "card.agency"},
		{"lower-case agency", edit("agency", "nl-ncb"), "card.agency"},
		{"lower-case country", edit("country", "nl"), "card.country"},
		{"unassigned country", edit("country", "ZZ"), "card.country"},
		{"name with newline", edit("name", "a\nb"), "card.name"},
		{"null urls", edit("urls", nil), "card.urls"},
		{"http url", edit("urls", []string{"http://node.example"}), "card.urls[0]"},
		{"url with query", edit("urls", []string{"https://node.example/?a=b"}), "card.urls[0]"},
		{"url with user", edit("urls", []string{"https://u:p@node.example"}), "card.urls[0]"},
		{"duplicate url", edit("urls", []string{"https://node.example", "https://node.example"}), "card.urls[1]"},
		{"short signing key", edit("signingKey", "AAAA"), "card.signingKey"},
		{"signing key not base64", edit("signingKey", "!!"), "card"},
		{"wrong kem", strings.Replace(good, `"kem": 25722`, `"kem": 32`, 1), "card.hpke.kem"},
		{"hpke key garbage", edit("hpke", map[string]any{"kem": 25722, "key": "AAAA"}), "card.hpke.key"},
		{"upper-case pin", edit("tlsPin", strings.ToUpper(c.TLSPin)), "card.tlsPin"},
		{"short pin", edit("tlsPin", "abcd"), "card.tlsPin"},
		{"fractional time", edit("notBefore", "2026-03-01T09:30:00.5Z"), "card.notBefore"},
		{"not after before not before", edit("notAfter", "2026-02-01T09:30:00Z"), "card.notAfter"},
		{"validity too long", edit("notAfter", "2036-03-01T09:30:00Z"), "card.notAfter"},
		{"supersedes without signature", edit("supersedes", c.KeyID().String()), "card.signatures.previous"},
		{"supersedes lower case", edit("supersedes", strings.ToLower(c.KeyID().String())), "card.supersedes"},
		{"previous signature without supersedes", edit("signatures", map[string]any{"self": c.Signatures.Self, "previous": c.Signatures.Self}), "card.signatures.previous"},
		{"short signature", edit("signatures", map[string]any{"self": "AAAA"}), "card.signatures.self"},
		{"deep nesting", edit("name", []any{[]any{[]any{"x"}}}), "card.name[][]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			wantKind(t, err, errs.Invalid)
			if tt.field != "" && errs.FieldOf(err) != tt.field {
				t.Errorf("field %q, want %q (%v)", errs.FieldOf(err), tt.field, err)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	_, c := newCard(t)
	data := append(marshal(t, c), bytes.Repeat([]byte(" "), MaxSize)...)
	_, err := Parse(data)
	wantKind(t, err, errs.TooLarge)
}

func TestCheckCountry(t *testing.T) {
	for _, ok := range []string{"NL", "DE", "FR", "US", "GB", "EU"} {
		if err := CheckCountry(ok); err != nil {
			t.Errorf("CheckCountry(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "N", "NLD", "nl", "ZZ", "AA", "UK", "001", "N1"} {
		if CheckCountry(bad) == nil {
			t.Errorf("CheckCountry(%q) accepted", bad)
		}
	}
}

func TestCheckAgencyID(t *testing.T) {
	for _, ok := range []string{"NL-NCB", "DE-BKA", "EUROPOL", "FR-OCRGDF", "X1"} {
		if err := CheckAgencyID(ok); err != nil {
			t.Errorf("CheckAgencyID(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "N", "nl-ncb", "-NL", "NL NCB", "NL/NCB", "FR.OCRGDF", strings.Repeat("A", policy.MaxAgencyIDLen+1), "NL\u00c9"} {
		if CheckAgencyID(bad) == nil {
			t.Errorf("CheckAgencyID(%q) accepted", bad)
		}
	}
}

func TestRotation(t *testing.T) {
	oldID, old := newCard(t)
	t1 := t0.Add(24 * time.Hour)
	newID := newIdentity(t, "NL-NCB", "NL")

	next, err := Rotate(old, oldID.SigningKey, newID, params(), t1)
	if err != nil {
		t.Fatal(err)
	}
	if next.Supersedes != Fingerprint(old) || Fingerprint(next) == Fingerprint(old) {
		t.Fatalf("supersedes %q, old %q, new %q", next.Supersedes, Fingerprint(old), Fingerprint(next))
	}
	// Through JSON, as a partner receives it.
	parsed, err := Parse(marshal(t, next))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyRotation(old, parsed, t1); err != nil {
		t.Fatalf("VerifyRotation: %v", err)
	}

	// A chain: renew the new key (same signing key, new endpoints).
	t2 := t1.Add(24 * time.Hour)
	renewed, err := Rotate(next, newID.SigningKey, newID, Params{URLs: []string{"https://new.nl.example"}}, t2)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyRotation(next, renewed, t2); err != nil {
		t.Errorf("renewal: %v", err)
	}
	if Fingerprint(renewed) != Fingerprint(next) {
		t.Error("renewal with the same key changed the fingerprint")
	}
	// Skipping a link of the chain fails: renewed supersedes next, not old.
	wantKind(t, VerifyRotation(old, renewed, t2), errs.Permission)
	// Going back: the old card presented as a replacement of the new one.
	wantKind(t, VerifyRotation(next, old, t1), errs.Permission)

	t.Run("not signed by the old key", func(t *testing.T) {
		stranger := newIdentity(t, "NL-NCB", "NL")
		forged, err := build(newID, params(), t1)
		if err != nil {
			t.Fatal(err)
		}
		forged.Supersedes = Fingerprint(old)
		forged.Signatures.Self = ed25519.Sign(newID.SigningKey, forged.signedBytes(domainSelf))
		forged.Signatures.Previous = ed25519.Sign(stranger.SigningKey, forged.signedBytes(domainPrevious))
		wantKind(t, VerifyRotation(old, forged, t1), errs.Permission)
		// Nor can the self-signature stand in for the previous-key signature.
		forged.Signatures.Previous = ed25519.Sign(oldID.SigningKey, forged.signedBytes(domainSelf))
		wantKind(t, VerifyRotation(old, forged, t1), errs.Permission)
	})
	t.Run("tampered after rotation", func(t *testing.T) {
		c, err := Parse(marshal(t, next))
		if err != nil {
			t.Fatal(err)
		}
		c.URLs = []string{"https://evil.example"}
		wantKind(t, VerifyRotation(old, c, t1), errs.Permission)
	})
	t.Run("other agency", func(t *testing.T) {
		be := newIdentity(t, "BE-FPJ", "BE")
		_, err := Rotate(old, oldID.SigningKey, be, params(), t1)
		wantKind(t, err, errs.Permission)
	})
	t.Run("wrong old private key", func(t *testing.T) {
		_, err := Rotate(old, newID.SigningKey, newID, params(), t1)
		wantKind(t, err, errs.Invalid)
	})
	t.Run("issued in the same second", func(t *testing.T) {
		_, err := Rotate(old, oldID.SigningKey, newID, params(), t0)
		wantKind(t, err, errs.Permission)
	})
	t.Run("issued after the old card expired", func(t *testing.T) {
		late := old.NotAfter.Add(time.Hour)
		_, err := Rotate(old, oldID.SigningKey, newID, params(), late)
		wantKind(t, err, errs.Permission)
	})
	t.Run("not yet valid", func(t *testing.T) {
		wantKind(t, VerifyRotation(old, next, t0), errs.Permission)
	})
}

func TestHPKEPublicKey(t *testing.T) {
	id, c := newCard(t)
	pk, err := c.HPKEPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pk.Bytes(), id.Public().HPKEKey) {
		t.Error("parsed key differs from the identity's")
	}
	c.HPKE.KEM = 0x20
	_, err = c.HPKEPublicKey()
	wantKind(t, err, errs.Invalid)
	c.HPKE.KEM, c.HPKE.Key = identity.KEM().ID(), []byte("short")
	_, err = c.HPKEPublicKey()
	wantKind(t, err, errs.Invalid)
}
