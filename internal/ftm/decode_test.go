package ftm

import (
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/liaison-project/liaison/internal/errs"
)

// decodeAll reads every entity, collecting per-line errors.
func decodeAll(t *testing.T, in string, opts DecodeOptions) ([]Entity, []error) {
	t.Helper()
	d := NewDecoder(strings.NewReader(in), opts)
	var out []Entity
	var errList []error
	for i := 0; i < 10000; i++ {
		e, _, err := d.Next()
		if err == io.EOF {
			return out, errList
		}
		if err != nil {
			if !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.TooLarge) {
				t.Fatalf("non-line error: %v", err)
			}
			errList = append(errList, err)
			continue
		}
		out = append(out, e)
	}
	t.Fatal("decoder does not end")
	return nil, nil
}

const person = `{"id":"p1","schema":"Person","properties":{"name":["Ivan Petrov"],"birthDate":["1970-05-01"],"nationality":["ru"],"passportNumber":["7512 345678"]}}`

func TestDecoderValid(t *testing.T) {
	in := person + "\n\n" +
		`{"id":"pp1","schema":"Passport","properties":{"holder":["p1"],"number":["C01X00T47"],"country":["de"]}}` + "\r\n" +
		`{"id":"own1","schema":"Ownership","properties":{"owner":["p1"],"asset":["c1"],"percentage":["51"]}}`
	got, errList := decodeAll(t, in, DecodeOptions{Strict: true})
	if len(errList) > 0 {
		t.Fatalf("errors: %v", errList)
	}
	if len(got) != 3 || got[0].ID != "p1" || got[1].Schema != "Passport" || got[2].Properties["owner"][0] != "p1" {
		t.Fatalf("decoded %+v", got)
	}
	if got[0].Properties["passportNumber"][0] != "7512 345678" {
		t.Errorf("values must be kept as written without Normalize: %q", got[0].Properties["passportNumber"])
	}
}

func TestDecoderLineNumbers(t *testing.T) {
	in := person + "\n\n" + `{"id":"p2","schema":"Person","properties":{"birthDate":["1970-02-30"]}}` + "\n" + person
	d := NewDecoder(strings.NewReader(in), DecodeOptions{})
	var lines []int
	var firstErr error
	for {
		_, line, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		lines = append(lines, line)
	}
	if !reflect.DeepEqual(lines, []int{1, 3, 4}) {
		t.Errorf("lines %v, want [1 3 4]", lines)
	}
	want := "line 3: entity p2: property birthDate: value 1: not a date"
	if firstErr == nil || !strings.HasPrefix(firstErr.Error(), want) {
		t.Errorf("error %v, want prefix %q", firstErr, want)
	}
}

func TestDecoderErrors(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name    string
		line    string
		opts    DecodeOptions
		kind    errs.Kind
		field   string // expected Field of the *errs.Error
		message string // substring of the message
	}{
		{"not json", `{"id":`, DecodeOptions{}, errs.Invalid, "line 1", "not a JSON object"},
		{"array", `["a"]`, DecodeOptions{}, errs.Invalid, "line 1", "not a JSON object"},
		{"bad utf8", "{\"id\":\"a\xff\"}", DecodeOptions{}, errs.Invalid, "line 1", "UTF-8"},
		{"no id", `{"schema":"Person"}`, DecodeOptions{}, errs.Invalid, "line 1: id", "missing"},
		{"numeric id", `{"id":5,"schema":"Person"}`, DecodeOptions{}, errs.Invalid, "line 1: id", "missing"},
		{"bad id", `{"id":"a b","schema":"Person"}`, DecodeOptions{}, errs.Invalid, "line 1: id", "letters"},
		{"long id", `{"id":"` + long + `","schema":"Person"}`, DecodeOptions{}, errs.Invalid, "line 1: id", "1–200"},
		{"no schema", `{"id":"a"}`, DecodeOptions{}, errs.Invalid, "line 1: entity a: schema", "missing"},
		{"unknown schema", `{"id":"a","schema":"Starship"}`, DecodeOptions{}, errs.Invalid, "line 1: entity a: schema", "unknown schema"},
		{"abstract", `{"id":"a","schema":"Thing"}`, DecodeOptions{}, errs.Invalid, "line 1: entity a: schema", "abstract"},
		{"bad date", `{"id":"a","schema":"Person","properties":{"birthDate":["1970-13-01"]}}`, DecodeOptions{}, errs.Invalid, "line 1: entity a: property birthDate", "value 1: not a date"},
		{"bad country", `{"id":"a","schema":"Person","properties":{"nationality":["de","narnia"]}}`, DecodeOptions{}, errs.Invalid, "line 1: entity a: property nationality", "value 2"},
		{"bad iban", `{"id":"a","schema":"BankAccount","properties":{"iban":["DE89370400440532013001"]}}`, DecodeOptions{}, errs.Invalid, "line 1: entity a: property iban", "checksum"},
		{"bad ref", `{"id":"a","schema":"Ownership","properties":{"owner":["not an id"]}}`, DecodeOptions{}, errs.Invalid, "line 1: entity a: property owner", "entity id"},
		{"number value", `{"id":"a","schema":"Person","properties":{"height":[180]}}`, DecodeOptions{}, errs.Invalid, "line 1: entity a: property height", "list of strings"},
		{"string not list", `{"id":"a","schema":"Person","properties":{"name":"Ivan"}}`, DecodeOptions{}, errs.Invalid, "line 1: entity a: property name", "list of strings"},
		{"properties not object", `{"id":"a","schema":"Person","properties":[]}`, DecodeOptions{}, errs.Invalid, "line 1: entity a: properties", "object"},
		{"phone without country", `{"id":"a","schema":"Person","properties":{"phone":["030 1234567"]}}`, DecodeOptions{}, errs.Invalid, "line 1: entity a: property phone", "international prefix"},
		{"too many values", `{"id":"a","schema":"Person","properties":{"name":["a","b","c"]}}`, DecodeOptions{MaxValuesPerProperty: 2}, errs.TooLarge, "line 1: entity a: property name", "more than 2 values"},
		{"value too long", `{"id":"a","schema":"Person","properties":{"name":["` + long + `"]}}`, DecodeOptions{MaxValueLen: 100}, errs.TooLarge, "line 1: entity a: property name", "longer than 100 bytes"},
		{"too many properties", `{"id":"a","schema":"Person","properties":{"name":["a"],"alias":["b"]}}`, DecodeOptions{MaxProperties: 1}, errs.TooLarge, "line 1: entity a", "more than 1 properties"},
		{"extra value too long", `{"id":"a","schema":"Person","properties":{"fooBar":["` + long + `"]}}`, DecodeOptions{MaxValueLen: 100}, errs.TooLarge, "line 1: entity a: property fooBar", "longer"},
		{"extra bad name", `{"id":"a","schema":"Person","properties":{"foo bar":["x"]}}`, DecodeOptions{}, errs.Invalid, "line 1: entity a", "property name"},
		{"strict unknown property", `{"id":"a","schema":"Person","properties":{"fooBar":["x"]}}`, DecodeOptions{Strict: true}, errs.Invalid, "line 1: entity a: property fooBar", "unknown to Person"},
		{"field names are exact", `{"ID":"a","schema":"Person","properties":{"name":["x"]}}`, DecodeOptions{}, errs.Invalid, "line 1: id", "missing"},
		{"null value", `{"id":"a","schema":"Person","properties":{"name":["x",null]}}`, DecodeOptions{}, errs.Invalid, "line 1: entity a: property name", "list of strings"},
		{"strict top-level field", `{"id":"a","schema":"Person","datasets":["x"],"properties":{"name":["x"]}}`, DecodeOptions{Strict: true}, errs.Invalid, "line 1: entity a", "top-level"},
		{"strict empty value", `{"id":"a","schema":"Person","properties":{"name":["x",""]}}`, DecodeOptions{Strict: true}, errs.Invalid, "line 1: entity a: property name", "value 2 is empty"},
		{"strict required", `{"id":"a","schema":"Ownership","properties":{"owner":["b"]}}`, DecodeOptions{Strict: true}, errs.Invalid, "line 1: entity a: property asset", "required"},
		{"strict maxLength", `{"id":"a","schema":"Person","properties":{"name":["` + strings.Repeat("n", 385) + `"]}}`, DecodeOptions{Strict: true}, errs.TooLarge, "line 1: entity a: property name", "384"},
		{"line too long", person, DecodeOptions{MaxLineBytes: 50}, errs.TooLarge, "line 1", "longer than 50 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := NewDecoder(strings.NewReader(tt.line), tt.opts).Next()
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *errs.Error", err, err)
			}
			if e.Kind != tt.kind || e.Field != tt.field || !strings.Contains(e.Message, tt.message) {
				t.Errorf("got kind %v field %q message %q; want %v %q ~%q", e.Kind, e.Field, e.Message, tt.kind, tt.field, tt.message)
			}
		})
	}
}

func TestDecoderLenient(t *testing.T) {
	// An OpenSanctions-style line: FtM 4 property, metadata fields, empty value.
	in := `{"id":"NK-abc","schema":"Person","caption":"Ivan","datasets":["x"],"first_seen":"2024-01-01","properties":{"name":["Ivan",""],"citizenship":["ru"],"programId":["RU-1"],"addressEntity":["addr-1"],"fooBar":["kept"]}}`
	got, errList := decodeAll(t, in, DecodeOptions{})
	if len(errList) > 0 || len(got) != 1 {
		t.Fatalf("got %v, errors %v", got, errList)
	}
	e := got[0]
	if !reflect.DeepEqual(e.Properties["name"], []string{"Ivan"}) {
		t.Errorf("name %q: empty value must be dropped", e.Properties["name"])
	}
	if !reflect.DeepEqual(e.Extra, map[string][]string{"fooBar": {"kept"}}) {
		t.Errorf("extra %v", e.Extra)
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"NK-abc","schema":"Person","properties":{"addressEntity":["addr-1"],"citizenship":["ru"],"fooBar":["kept"],"name":["Ivan"],"programId":["RU-1"]}}`
	if string(b) != want {
		t.Errorf("marshal:\n got %s\nwant %s", b, want)
	}
}

func TestDecoderNormalize(t *testing.T) {
	in := `{"id":"a","schema":"Person","properties":{"birthDate":["1970/05/01","1970-05-01"],"nationality":["DEU"],"phone":["030 1234567"],"name":["  Ivan   Petrov "],"country":["de"]}}`
	got, errList := decodeAll(t, in, DecodeOptions{Normalize: true})
	if len(errList) > 0 || len(got) != 1 {
		t.Fatalf("got %v, errors %v", got, errList)
	}
	want := map[string][]string{
		"birthDate":   {"1970-05-01"},
		"nationality": {"de"},
		"phone":       {"+49301234567"}, // national number read with the entity's country
		"name":        {"Ivan Petrov"},
		"country":     {"de"},
	}
	if !reflect.DeepEqual(got[0].Properties, want) {
		t.Errorf("properties %v, want %v", got[0].Properties, want)
	}
}

func TestDecoderContinuesAfterLongLine(t *testing.T) {
	in := `{"id":"big","schema":"Person","properties":{"name":["` + strings.Repeat("x", 200<<10) + `"]}}` + "\n" + person + "\n"
	// A one-byte reader forces many short reads through the bounded buffer.
	d := NewDecoder(iotest.HalfReader(strings.NewReader(in)), DecodeOptions{MaxLineBytes: 1024})
	if _, line, err := d.Next(); !errs.Is(err, errs.TooLarge) || line != 1 {
		t.Fatalf("line %d: %v, want TooLarge", line, err)
	}
	if e, line, err := d.Next(); err != nil || line != 2 || e.ID != "p1" {
		t.Fatalf("line %d: %v %v", line, e.ID, err)
	}
	if _, _, err := d.Next(); err != io.EOF {
		t.Fatalf("got %v, want EOF", err)
	}
	if _, _, err := d.Next(); err != io.EOF {
		t.Fatalf("EOF must be sticky, got %v", err)
	}
}

func TestDecoderReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	d := NewDecoder(io.MultiReader(strings.NewReader(person+"\n"), iotest.ErrReader(boom)), DecodeOptions{})
	if _, _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, _, err := d.Next(); !errors.Is(err, boom) {
			t.Fatalf("got %v, want the read error (sticky)", err)
		}
	}
}

func TestDecoderErrorsDoNotEchoValues(t *testing.T) {
	secret := "Sergei Secretovich"
	lines := []string{
		`{"id":"a","schema":"Person","properties":{"birthDate":["` + secret + `"]}}`,
		`{"id":"` + secret + `","schema":"Person"}`,
		`{"id":"a","schema":"` + secret + `"}`,
		`{"id":"a","schema":"Person","properties":{"` + secret + `":["x"]}}`,
		`{"id":"a","schema":"Person","properties":{"email":["` + secret + `"]}}`,
	}
	for _, l := range lines {
		_, _, err := NewDecoder(strings.NewReader(l), DecodeOptions{}).Next()
		if err == nil || strings.Contains(err.Error(), "Secret") {
			t.Errorf("error %v for %s", err, l)
		}
	}
}

func TestIDSet(t *testing.T) {
	var s IDSet
	if err := s.Add("a", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("b", 2); err != nil {
		t.Fatal(err)
	}
	err := s.Add("a", 5)
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Conflict || e.Field != "line 5: entity a" || !strings.Contains(e.Message, "line 1") {
		t.Errorf("duplicate: %v", err)
	}
	if s.Len() != 2 {
		t.Errorf("Len = %d", s.Len())
	}
}

func TestEntityJSONRoundTrip(t *testing.T) {
	in := `{"id":"a","schema":"Person","properties":{"name":["Ivan"],"newFtm4Prop":["x"]}}`
	var e Entity
	if err := json.Unmarshal([]byte(in), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Properties) != 1 || len(e.Extra) != 1 {
		t.Fatalf("split %+v", e)
	}
	out, err := json.Marshal(e)
	if err != nil || string(out) != in {
		t.Errorf("round trip %s, %v", out, err)
	}
	if e.Caption() != "Ivan" {
		t.Errorf("caption %q", e.Caption())
	}
	bad := Entity{ID: "a", Schema: "Person", Properties: map[string][]string{"name": {"x"}}, Extra: map[string][]string{"name": {"y"}}}
	if _, err := json.Marshal(bad); err == nil {
		t.Error("marshalling a property that is both known and extra must fail")
	}
	empty, err := json.Marshal(Entity{ID: "b", Schema: "Company"})
	if err != nil || string(empty) != `{"id":"b","schema":"Company","properties":{}}` {
		t.Errorf("empty entity %s, %v", empty, err)
	}
}
