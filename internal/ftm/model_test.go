package ftm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// sharedFile returns the path of a file under the shared/ folder that sits
// beside the repository root. A missing file skips the test, except in CI.
func sharedFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared file %s missing: %v", rel, err)
		}
		t.Skipf("shared file %s missing (%v); skipping", rel, err)
	}
	return p
}

type jsonModel struct {
	Schemata map[string]jsonSchema `json:"schemata"`
	Types    map[string]struct {
		Values map[string]string `json:"values"`
	} `json:"types"`
}

type jsonSchema struct {
	Label      string                  `json:"label"`
	Plural     string                  `json:"plural"`
	Extends    []string                `json:"extends"`
	Abstract   bool                    `json:"abstract"`
	Matchable  bool                    `json:"matchable"`
	Required   []string                `json:"required"`
	Caption    []string                `json:"caption"`
	Edge       *Edge                   `json:"edge"`
	Properties map[string]jsonProperty `json:"properties"`
}

type jsonProperty struct {
	Name       string `json:"name"`
	Label      string `json:"label"`
	Type       string `json:"type"`
	Range      string `json:"range"`
	Reverse    string `json:"reverse"`
	Format     string `json:"format"`
	MaxLength  int    `json:"maxLength"`
	Matchable  bool   `json:"matchable"`
	Deprecated bool   `json:"deprecated"`
}

func loadModel(t *testing.T) jsonModel {
	t.Helper()
	b, err := os.ReadFile(sharedFile(t, "standards/ftm/model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m jsonModel
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("model.json: %v", err)
	}
	return m
}

// inheritedProps resolves a schema's properties from the JSON model with
// FtM's rule (own first, then parents in order), independently of resolve.
func inheritedProps(m jsonModel, name string) map[string]jsonProperty {
	out := map[string]jsonProperty{}
	s := m.Schemata[name]
	for n, p := range s.Properties {
		out[n] = p
	}
	for _, parent := range s.Extends {
		for n, p := range inheritedProps(m, parent) {
			if _, ok := out[n]; !ok {
				out[n] = p
			}
		}
	}
	return out
}

// TestModelMatchesFtM is the drift guard for schemata.go: every schema we
// define must agree with FtM 3.8's model.json, inherited properties
// included, and the schemata the brief requires must be present.
func TestModelMatchesFtM(t *testing.T) {
	m := loadModel(t)
	required := []string{"Person", "Passport", "Identification", "Vehicle", "Vessel",
		"BankAccount", "CryptoWallet", "Company", "Organization", "LegalEntity", "Address",
		"UserAccount", "Ownership", "Directorship", "Family", "Associate", "Membership",
		"Employment", "Payment", "UnknownLink"}
	for _, n := range required {
		if _, ok := LookupSchema(n); !ok {
			t.Errorf("required schema %s is not defined", n)
		}
	}
	for _, name := range SchemaNames() {
		s, _ := LookupSchema(name)
		js, ok := m.Schemata[name]
		if !ok {
			t.Errorf("%s: not in model.json", name)
			continue
		}
		if s.Label() != js.Label || s.Plural() != js.Plural {
			t.Errorf("%s: label %q/%q, model %q/%q", name, s.Label(), s.Plural(), js.Label, js.Plural)
		}
		if !slices.Equal(s.Extends(), js.Extends) {
			t.Errorf("%s: extends %v, model %v", name, s.Extends(), js.Extends)
		}
		if s.Abstract() != js.Abstract || s.Matchable() != js.Matchable {
			t.Errorf("%s: abstract/matchable %v/%v, model %v/%v", name, s.Abstract(), s.Matchable(), js.Abstract, js.Matchable)
		}
		if !slices.Equal(s.Required(), js.Required) || !slices.Equal(s.Caption(), js.Caption) {
			t.Errorf("%s: required/caption %v/%v, model %v/%v", name, s.Required(), s.Caption(), js.Required, js.Caption)
		}
		e, isEdge := s.Edge()
		switch {
		case isEdge != (js.Edge != nil):
			t.Errorf("%s: edge %v, model %v", name, isEdge, js.Edge != nil)
		case isEdge && e != *js.Edge:
			t.Errorf("%s: edge %+v, model %+v", name, e, *js.Edge)
		}
		want := inheritedProps(m, name)
		got := s.Properties()
		if len(got) != len(want) {
			t.Errorf("%s: %d properties, model %d", name, len(got), len(want))
		}
		for _, p := range got {
			jp, ok := want[p.Name]
			if !ok {
				t.Errorf("%s.%s: not in model", name, p.Name)
				continue
			}
			gotP := jsonProperty{p.Name, p.Label, string(p.Type), p.Range, p.Reverse, p.Format, p.MaxLength, p.Matchable, p.Deprecated}
			if gotP != jp {
				t.Errorf("%s.%s: %+v, model %+v", name, p.Name, gotP, jp)
			}
		}
		for pn := range want {
			if _, ok := s.Property(pn); !ok {
				t.Errorf("%s.%s: missing", name, pn)
			}
		}
	}
}

func TestSchemaInheritance(t *testing.T) {
	tests := []struct {
		schema, prop string
		wantType     PropertyType
		wantFrom     string
		isA          string
	}{
		{"Person", "name", TypeName, "Thing", "LegalEntity"},
		{"Person", "birthDate", TypeDate, "Person", "Thing"},
		{"Passport", "number", TypeIdentifier, "Identification", "Interval"},
		{"Company", "jurisdiction", TypeCountry, "Company", "Asset"},
		{"Vessel", "registrationNumber", TypeIdentifier, "Vehicle", "Asset"},
		{"Ownership", "owner", TypeEntity, "Ownership", "Interest"},
		{"CryptoWallet", "publicKey", TypeIdentifier, "CryptoWallet", "Value"},
	}
	for _, tt := range tests {
		s, ok := LookupSchema(tt.schema)
		if !ok {
			t.Fatalf("%s not defined", tt.schema)
		}
		p, ok := s.Property(tt.prop)
		if !ok || p.Type != tt.wantType || p.Schema != tt.wantFrom {
			t.Errorf("%s.%s = %+v, %v; want type %s from %s", tt.schema, tt.prop, p, ok, tt.wantType, tt.wantFrom)
		}
		if !s.IsA(tt.isA) || s.IsA("Document") {
			t.Errorf("%s: IsA(%s) = %v, IsA(Document) = %v", tt.schema, tt.isA, s.IsA(tt.isA), s.IsA("Document"))
		}
	}
	if e, ok := mustSchema(t, "Ownership").Edge(); !ok || e.Source != "owner" || e.Target != "asset" {
		t.Errorf("Ownership edge = %+v, %v", e, ok)
	}
	if _, ok := mustSchema(t, "Person").Edge(); ok {
		t.Error("Person must not be an edge")
	}
}

func TestResolveRejectsBrokenModels(t *testing.T) {
	tests := []struct {
		name string
		defs []schemaDef
	}{
		{"undefined parent", []schemaDef{{name: "A", extends: []string{"B"}}}},
		{"cycle", []schemaDef{{name: "A", extends: []string{"B"}}, {name: "B", extends: []string{"A"}}}},
		{"duplicate", []schemaDef{{name: "A"}, {name: "A"}}},
		{"bad range", []schemaDef{{name: "A", properties: []Property{{Name: "x", Type: TypeEntity, Range: "Z"}}}}},
		{"bad edge", []schemaDef{{name: "A", edge: &Edge{Source: "s", Target: "t"}}}},
	}
	for _, tt := range tests {
		if _, err := resolve(tt.defs); err == nil {
			t.Errorf("%s: resolve succeeded", tt.name)
		}
	}
}

func mustSchema(t *testing.T, name string) *Schema {
	t.Helper()
	s, ok := LookupSchema(name)
	if !ok {
		t.Fatalf("schema %s not defined", name)
	}
	return s
}

// TestValueListsMatchFtM keeps the enumerated value lists in values.go equal
// to model.json's.
func TestValueListsMatchFtM(t *testing.T) {
	m := loadModel(t)
	for typ, ours := range map[string]map[string]bool{"topic": topics, "language": languages} {
		theirs := m.Types[typ].Values
		if len(theirs) != len(ours) {
			t.Errorf("%s: %d values, model.json has %d", typ, len(ours), len(theirs))
		}
		for v := range theirs {
			if !ours[v] {
				t.Errorf("%s %q missing", typ, v)
			}
		}
	}
}
