package ftm

import (
	"encoding/json"
	"fmt"
)

// Entity is one FtM entity. Properties holds the values of properties the
// model defines for Schema; Extra holds properties it does not know (for
// instance FtM 4 properties in OpenSanctions exports), which the lenient
// [Decoder] keeps aside so that they survive a round trip unchanged.
type Entity struct {
	ID         string
	Schema     string
	Properties map[string][]string
	Extra      map[string][]string
}

// wireEntity is the canonical FtM JSON form.
type wireEntity struct {
	ID         string              `json:"id"`
	Schema     string              `json:"schema"`
	Properties map[string][]string `json:"properties"`
}

// MarshalJSON writes the canonical FtM form
// {"id":…,"schema":…,"properties":{…}} with property names sorted and Extra
// merged back into "properties". Properties without values are omitted. A
// name present in both Properties and Extra is an error, because one of the
// two sets of values would be lost.
func (e Entity) MarshalJSON() ([]byte, error) {
	props := make(map[string][]string, len(e.Properties)+len(e.Extra))
	for _, m := range []map[string][]string{e.Properties, e.Extra} {
		for k, vs := range m {
			if len(vs) == 0 {
				continue
			}
			if _, dup := props[k]; dup {
				return nil, fmt.Errorf("ftm: entity %s: property %s is both known and extra", e.ID, k)
			}
			props[k] = vs
		}
	}
	return json.Marshal(wireEntity{ID: e.ID, Schema: e.Schema, Properties: props})
}

// UnmarshalJSON reads the canonical FtM form. It checks structure only:
// properties the schema does not define (or all of them, if the schema is
// unknown) go to Extra; values are not validated. Use a [Decoder] to
// validate untrusted input.
func (e *Entity) UnmarshalJSON(b []byte) error {
	var w wireEntity
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Entity{ID: w.ID, Schema: w.Schema}
	s, _ := LookupSchema(w.Schema)
	for k, vs := range w.Properties {
		if s != nil {
			if _, ok := s.Property(k); ok {
				e.add(&e.Properties, k, vs)
				continue
			}
		}
		e.add(&e.Extra, k, vs)
	}
	return nil
}

func (e *Entity) add(m *map[string][]string, k string, vs []string) {
	if len(vs) == 0 {
		return
	}
	if *m == nil {
		*m = make(map[string][]string)
	}
	(*m)[k] = vs
}

// First returns the first value of a known property, or "".
func (e Entity) First(prop string) string {
	if vs := e.Properties[prop]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Caption returns the display name of the entity: the first value of the
// first of its schema's caption properties that has one, else its id.
func (e Entity) Caption() string {
	if s, ok := LookupSchema(e.Schema); ok {
		for _, p := range s.def.caption {
			if v := e.First(p); v != "" {
				return v
			}
		}
	}
	return e.ID
}

// JSONSchema describes an entity's JSON form for the API document.
func (Entity) JSONSchema() map[string]any {
	return map[string]any{
		"type":     "object",
		"required": []string{"id", "schema", "properties"},
		"properties": map[string]any{
			"id":     map[string]any{"type": "string"},
			"schema": map[string]any{"type": "string", "description": "FollowTheMoney schema, e.g. Person"},
			"properties": map[string]any{"type": "object", "description": "FtM properties: lists of strings",
				"additionalProperties": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}},
		},
		"description": "a FollowTheMoney entity",
	}
}
