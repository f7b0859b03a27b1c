package ftm

import (
	"fmt"
	"slices"
	"sort"
)

// PropertyType is the FtM type of a property's values. It decides how a
// value is validated and normalised (see [NormalizeValue]).
type PropertyType string

// The FtM 3.8 property types.
const (
	TypeAddress    PropertyType = "address"
	TypeChecksum   PropertyType = "checksum"
	TypeCountry    PropertyType = "country"
	TypeDate       PropertyType = "date"
	TypeEmail      PropertyType = "email"
	TypeEntity     PropertyType = "entity"
	TypeGender     PropertyType = "gender"
	TypeHTML       PropertyType = "html"
	TypeIBAN       PropertyType = "iban"
	TypeIdentifier PropertyType = "identifier"
	TypeIP         PropertyType = "ip"
	TypeJSON       PropertyType = "json"
	TypeLanguage   PropertyType = "language"
	TypeMIMEType   PropertyType = "mimetype"
	TypeName       PropertyType = "name"
	TypeNumber     PropertyType = "number"
	TypePhone      PropertyType = "phone"
	TypeString     PropertyType = "string"
	TypeText       PropertyType = "text"
	TypeTopic      PropertyType = "topic"
	TypeURL        PropertyType = "url"
)

// Property describes one property of a schema as FtM defines it.
type Property struct {
	Name  string
	Label string
	Type  PropertyType
	// Range is the schema an entity-typed property points to ("" otherwise).
	Range string
	// Reverse is the name of the inverse property on the Range schema.
	Reverse string
	// Format refines an identifier ("iban", "imo", "lei", "bic", …).
	Format string
	// MaxLength is FtM's advisory maximum length of one value, in characters.
	MaxLength  int
	Matchable  bool
	Deprecated bool
	// Schema is the name of the schema that declares the property (which
	// may be an ancestor of the schema it was looked up on).
	Schema string
}

// Edge marks an interval schema (Ownership, Directorship, …) that FtM
// draws as a link between two entities: Source and Target name its
// entity-typed properties.
type Edge struct {
	Source   string
	Target   string
	Directed bool
	Label    string
}

// schemaDef is one schema as transcribed in schemata.go: only what the
// schema itself declares.
type schemaDef struct {
	name, label, plural string
	extends             []string
	abstract, matchable bool
	required, caption   []string
	edge                *Edge
	properties          []Property
}

// Schema is a resolved FtM schema: its properties include every inherited
// one. Schemas are immutable and shared; accessors return copies.
type Schema struct {
	def       schemaDef
	props     map[string]Property
	names     []string            // sorted property names
	ancestors map[string]struct{} // names of the schema and all it extends
}

// Name returns the schema name, e.g. "Person".
func (s *Schema) Name() string { return s.def.name }

// Label returns the human label, e.g. "Person".
func (s *Schema) Label() string { return s.def.label }

// Plural returns the plural label, e.g. "People".
func (s *Schema) Plural() string { return s.def.plural }

// Extends returns the names of the direct parent schemata.
func (s *Schema) Extends() []string { return slices.Clone(s.def.extends) }

// Abstract reports whether entities may not have this schema directly.
func (s *Schema) Abstract() bool { return s.def.abstract }

// Matchable reports whether FtM considers entities of this schema for
// cross-dataset matching.
func (s *Schema) Matchable() bool { return s.def.matchable }

// Required returns the properties FtM requires (enforced by the decoder in
// strict mode only, as FtM itself treats them as advisory).
func (s *Schema) Required() []string { return slices.Clone(s.def.required) }

// Caption returns the properties, in order of preference, whose first value
// names an entity of this schema for display.
func (s *Schema) Caption() []string { return slices.Clone(s.def.caption) }

// Edge returns the source/target description of an edge schema.
func (s *Schema) Edge() (Edge, bool) {
	if s.def.edge == nil {
		return Edge{}, false
	}
	return *s.def.edge, true
}

// Property looks a property up, including inherited ones.
func (s *Schema) Property(name string) (Property, bool) {
	p, ok := s.props[name]
	return p, ok
}

// Properties returns every property of the schema, inherited ones included,
// sorted by name.
func (s *Schema) Properties() []Property {
	out := make([]Property, 0, len(s.names))
	for _, n := range s.names {
		out = append(out, s.props[n])
	}
	return out
}

// IsA reports whether the schema is name or extends it, directly or not.
func (s *Schema) IsA(name string) bool {
	_, ok := s.ancestors[name]
	return ok
}

// registry holds every schema, resolved once at package initialisation.
var registry = mustResolve(schemaDefs)

// LookupSchema returns the named schema.
func LookupSchema(name string) (*Schema, bool) {
	s, ok := registry[name]
	return s, ok
}

// SchemaNames returns the names of all known schemata, sorted.
func SchemaNames() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// mustResolve builds the registry. The definitions are static data checked
// by tests, so an inconsistency is a programming error and panics.
func mustResolve(defs []schemaDef) map[string]*Schema {
	r, err := resolve(defs)
	if err != nil {
		panic("ftm: " + err.Error())
	}
	return r
}

// resolve computes inherited properties the way FtM does: a schema's own
// properties win, then its parents' in the order they are listed.
func resolve(defs []schemaDef) (map[string]*Schema, error) {
	byName := make(map[string]*schemaDef, len(defs))
	for i := range defs {
		if _, dup := byName[defs[i].name]; dup {
			return nil, fmt.Errorf("schema %s defined twice", defs[i].name)
		}
		byName[defs[i].name] = &defs[i]
	}
	out := make(map[string]*Schema, len(defs))
	var build func(name string, depth int) (*Schema, error)
	build = func(name string, depth int) (*Schema, error) {
		if s, ok := out[name]; ok {
			return s, nil
		}
		if depth > len(defs) {
			return nil, fmt.Errorf("schema %s: inheritance cycle", name)
		}
		d, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("schema %s: not defined", name)
		}
		s := &Schema{
			def:       *d,
			props:     make(map[string]Property),
			ancestors: map[string]struct{}{name: {}},
		}
		for _, p := range d.properties {
			p.Schema = name
			s.props[p.Name] = p
		}
		for _, parentName := range d.extends {
			parent, err := build(parentName, depth+1)
			if err != nil {
				return nil, fmt.Errorf("schema %s: %w", name, err)
			}
			for a := range parent.ancestors {
				s.ancestors[a] = struct{}{}
			}
			for pn, p := range parent.props {
				if _, ok := s.props[pn]; !ok {
					s.props[pn] = p
				}
			}
		}
		for pn := range s.props {
			s.names = append(s.names, pn)
		}
		sort.Strings(s.names)
		out[name] = s
		return s, nil
	}
	for _, d := range defs {
		if _, err := build(d.name, 0); err != nil {
			return nil, err
		}
	}
	for _, s := range out {
		for _, p := range s.props {
			if p.Type == TypeEntity {
				if _, ok := out[p.Range]; !ok {
					return nil, fmt.Errorf("schema %s: property %s: range %q not defined", s.def.name, p.Name, p.Range)
				}
			}
		}
		if e := s.def.edge; e != nil {
			for _, pn := range []string{e.Source, e.Target} {
				if p, ok := s.props[pn]; !ok || p.Type != TypeEntity {
					return nil, fmt.Errorf("schema %s: edge property %q is not an entity property", s.def.name, pn)
				}
			}
		}
	}
	return out, nil
}
