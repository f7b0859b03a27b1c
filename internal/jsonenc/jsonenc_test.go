package jsonenc

import (
	"bytes"
	"encoding/json"
	"testing"

	"pgregory.net/rapid"
)

// encodingJSON is what encoding/json writes for s with HTML escaping off.
func encodingJSON(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "\x00\x01\b\f\n\r\t\x1f", "Сергей Иванов", "محمد", "\u2028\u2029", "bad \xff utf8", "<html>&"} {
		if got, want := AppendString(nil, s), encodingJSON(s); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "text")
		if rapid.Bool().Draw(t, "raw bytes") {
			s = string(rapid.SliceOf(rapid.Byte()).Draw(t, "bytes"))
		}
		if got, want := AppendString(nil, s), encodingJSON(s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}
