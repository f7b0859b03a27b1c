package ftm

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/errs"
)

// checkNormalizer asserts the contract every normaliser has: no panic, an
// Invalid error or a valid UTF-8 result that normalises to itself.
func checkNormalizer(t *testing.T, name string, f func(string) (string, error), in string) {
	out, err := f(in)
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("%s(%q): error of kind other than Invalid: %v", name, in, err)
		}
		return
	}
	if !utf8.ValidString(out) {
		t.Fatalf("%s(%q) = %q: invalid UTF-8", name, in, out)
	}
	again, err := f(out)
	if err != nil || again != out {
		t.Fatalf("%s not idempotent: %q → %q → %q, %v", name, in, out, again, err)
	}
}

func addSeeds(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
}

func FuzzNormalizeDate(f *testing.F) {
	addSeeds(f, "1958", "1958/11/05", "2021-02-16T21:48:52.123+01:00", "1958-11-00", "2023-02-29")
	f.Fuzz(func(t *testing.T, s string) { checkNormalizer(t, "NormalizeDate", NormalizeDate, s) })
}

func FuzzNormalizeCountry(f *testing.F) {
	addSeeds(f, "DE", "deu", "ua-cri", "Germany", "uk")
	f.Fuzz(func(t *testing.T, s string) { checkNormalizer(t, "NormalizeCountry", NormalizeCountry, s) })
}

func FuzzNormalizeIBAN(f *testing.F) {
	addSeeds(f, "DE89 3704 0044 0532 0130 00", "IBAN GB29NWBK60161331926819", "MT84MALT011000012345MTLCAST001S")
	f.Fuzz(func(t *testing.T, s string) { checkNormalizer(t, "NormalizeIBAN", NormalizeIBAN, s) })
}

func FuzzNormalizePhone(f *testing.F) {
	f.Add("+49 30 1234567", "")
	f.Add("030 1234567", "de")
	f.Add("8 (495) 123-45-67", "ru")
	f.Add("011 44 20 7946 0958", "us")
	f.Fuzz(func(t *testing.T, s, country string) {
		checkNormalizer(t, "NormalizePhone", func(v string) (string, error) { return NormalizePhone(v, country) }, s)
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	addSeeds(f, "Max@Example.DE", "mailto:a@b.c", "jürgen@MÜLLER.de")
	f.Fuzz(func(t *testing.T, s string) { checkNormalizer(t, "NormalizeEmail", NormalizeEmail, s) })
}

func FuzzNormalizeIdentifier(f *testing.F) {
	addSeeds(f, "AB 12-345.6", "ǰß", "2023/1234")
	f.Fuzz(func(t *testing.T, s string) {
		checkNormalizer(t, "NormalizeIdentifier", NormalizeIdentifier, s)
		checkNormalizer(t, "NormalizeWallet", NormalizeWallet, s)
	})
}

func FuzzNormalizeName(f *testing.F) {
	addSeeds(f, "  Jean-Pierre   Dupont ", "Mu\u0308ller", "e\x00\u0301", "Ivan\u200b Petrov")
	f.Fuzz(func(t *testing.T, s string) { checkNormalizer(t, "NormalizeName", NormalizeName, s) })
}

func FuzzNormalizeURL(f *testing.F) {
	addSeeds(f, "https://Example.ORG/Path?q=1", "example.org/x", "http://[::1]:80/%zz", "ftp://a@b/c#d")
	f.Fuzz(func(t *testing.T, s string) { checkNormalizer(t, "NormalizeURL", NormalizeURL, s) })
}

// FuzzNormalizeValue covers every property type through the dispatcher.
func FuzzNormalizeValue(f *testing.F) {
	types := []PropertyType{TypeAddress, TypeChecksum, TypeCountry, TypeDate, TypeEmail, TypeEntity,
		TypeGender, TypeHTML, TypeIBAN, TypeIdentifier, TypeIP, TypeJSON, TypeLanguage, TypeMIMEType,
		TypeName, TypeNumber, TypePhone, TypeString, TypeText, TypeTopic, TypeURL}
	for i, s := range []string{"Main St 1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "de", "1958-11",
		"a@b.cd", "NK-1", "m", "<b>x</b>", "NO9386011117947", "AB-1", "::1", `{"a":1}`, "de", "text/html",
		"Ivan", "1,000", "+4930123456", "x", "long\ntext", "crime.fin", "example.org"} {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, ti uint8, s string) {
		typ := types[int(ti)%len(types)]
		checkNormalizer(t, "NormalizeValue("+string(typ)+")", func(v string) (string, error) { return NormalizeValue(typ, v) }, s)
	})
}

// FuzzDecoder feeds arbitrary lines to the decoder: it must end, return
// only line-level errors, and every entity it yields must survive a
// marshal/decode round trip unchanged.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte(person+"\n"+`{"id":"a","schema":"Ownership","properties":{"owner":["p1"],"asset":["c1"]}}`), false, false)
	f.Add([]byte(`{"id":"x","schema":"Person","datasets":[],"properties":{"fooBar":["1"],"phone":["030 1"],"country":["de"]}}`), false, true)
	f.Add([]byte(`{"id":"x","schema":"Thing"}`+"\n\n{"), true, false)
	f.Add([]byte(`{"id":"x","schema":"BankAccount","properties":{"iban":["DE89 3704 0044 0532 0130 00"]}}`), true, true)
	f.Fuzz(func(t *testing.T, data []byte, strict, normalize bool) {
		opts := DecodeOptions{Strict: strict, Normalize: normalize, MaxLineBytes: 4096, MaxValuesPerProperty: 8, MaxValueLen: 512, MaxProperties: 16}
		d := NewDecoder(bytes.NewReader(data), opts)
		for range bytes.Count(data, []byte("\n")) + 2 {
			e, _, err := d.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var ee *errs.Error
				if !errors.As(err, &ee) || (ee.Kind != errs.Invalid && ee.Kind != errs.TooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				continue
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatalf("marshal %+v: %v", e, err)
			}
			again, _, err := NewDecoder(bytes.NewReader(b), opts).Next()
			if err != nil {
				t.Fatalf("re-decoding %s: %v", b, err)
			}
			if !reflect.DeepEqual(e, again) {
				t.Fatalf("round trip changed entity:\n%+v\n%+v", e, again)
			}
		}
		if _, _, err := d.Next(); err != io.EOF {
			t.Fatalf("decoder yielded more records than lines: %v", err)
		}
	})
}
