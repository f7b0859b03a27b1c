package ftm

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/errs"
)

// Default bounds of a [Decoder]; a zero or negative option selects them.
const (
	DefaultMaxLineBytes         = 1 << 20 // one entity per line, 1 MiB
	DefaultMaxValuesPerProperty = 1000
	DefaultMaxValueLen          = 65000 // bytes: FtM's limit for text
	DefaultMaxProperties        = 256   // distinct property names per entity
)

// DecodeOptions bound and configure a [Decoder].
type DecodeOptions struct {
	// Strict rejects what lenient mode tolerates: properties the model does
	// not know, top-level fields other than id, schema and properties,
	// empty values, values longer than the property's FtM maxLength and
	// missing required properties. Lenient mode keeps unknown properties
	// in [Entity.Extra], ignores other top-level fields (OpenSanctions adds
	// caption, datasets, referents, first_seen, …) and drops empty values.
	// Field names are matched exactly in both modes; a name repeated within
	// one JSON object keeps its last value, as encoding/json does.
	Strict bool
	// MaxLineBytes bounds one JSON line, newline excluded.
	MaxLineBytes int
	// MaxValuesPerProperty bounds the values of one property.
	MaxValuesPerProperty int
	// MaxValueLen bounds one value, in bytes.
	MaxValueLen int
	// MaxProperties bounds the distinct properties of one entity, known
	// and extra together.
	MaxProperties int
	// Normalize replaces each known property's values by their normalised
	// form (see [Normalize]) and removes the duplicates this creates. Off,
	// values are validated but kept as written.
	Normalize bool
}

func (o DecodeOptions) withDefaults() DecodeOptions {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxLineBytes, DefaultMaxLineBytes)
	def(&o.MaxValuesPerProperty, DefaultMaxValuesPerProperty)
	def(&o.MaxValueLen, DefaultMaxValueLen)
	def(&o.MaxProperties, DefaultMaxProperties)
	return o
}

// Decoder reads FtM entities from JSON lines, one entity per line, and
// validates each against the model: known, non-abstract schema; a
// well-formed id; every value valid for its property's type; entity-typed
// properties holding ids. Blank lines are skipped.
//
// Errors are *errs.Error values whose Field names the line, and where known
// the entity id and property ("line 12: entity abc: property birthDate");
// their messages never contain property values. A Decoder is not safe for
// concurrent use.
type Decoder struct {
	r    *bufio.Reader
	opts DecodeOptions
	line int
	buf  []byte
	err  error // sticky read error
}

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader, opts DecodeOptions) *Decoder {
	return &Decoder{r: bufio.NewReaderSize(r, 64<<10), opts: opts.withDefaults()}
}

// Next returns the next entity and its line number (from 1). At the end of
// input it returns io.EOF. An error of kind Invalid or TooLarge concerns
// one line only: the caller may call Next again to continue with the next
// line. Any other error comes from the reader and is returned again by
// every later call.
func (d *Decoder) Next() (Entity, int, error) {
	for {
		line, err := d.readLine()
		if err != nil {
			return Entity{}, d.line, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		e, err := d.decodeLine(line)
		return e, d.line, err
	}
}

// readLine returns the next line without its line ending. A line longer
// than MaxLineBytes is consumed and reported as TooLarge.
func (d *Decoder) readLine() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	d.buf = d.buf[:0]
	tooLong, sawData := false, false
	for {
		chunk, err := d.r.ReadSlice('\n')
		sawData = sawData || len(chunk) > 0
		if !tooLong {
			if len(d.buf)+len(chunk) > d.opts.MaxLineBytes+2 { // room for "\r\n"
				tooLong = true
				d.buf = d.buf[:0]
			} else {
				d.buf = append(d.buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			if !sawData {
				d.err = io.EOF
				return nil, io.EOF
			}
			break
		}
		if err != nil {
			d.err = fmt.Errorf("ftm: reading line %d: %w", d.line+1, err)
			return nil, d.err
		}
		break
	}
	d.line++
	line := bytes.TrimSuffix(bytes.TrimSuffix(d.buf, []byte("\n")), []byte("\r"))
	if tooLong || len(line) > d.opts.MaxLineBytes {
		return nil, errs.E(errs.TooLarge, d.field("", ""), fmt.Sprintf("line longer than %d bytes", d.opts.MaxLineBytes))
	}
	return line, nil
}

// field names where an error is: line, entity id and property, each only
// if well-formed, so that arbitrary input is never echoed.
func (d *Decoder) field(id, prop string) string {
	f := fmt.Sprintf("line %d", d.line)
	if id != "" && ValidID(id) {
		f += ": entity " + id
	}
	if validPropertyName(prop) {
		f += ": property " + prop
	}
	return f
}

func (d *Decoder) decodeLine(line []byte) (Entity, error) {
	if !utf8.Valid(line) {
		return Entity{}, errs.E(errs.Invalid, d.field("", ""), "line is not valid UTF-8")
	}
	// Decoding into map[string]any takes encoding/json's fastest path
	// (no reflection) and keeps field names exact; the types are checked
	// below.
	var top map[string]any
	if err := json.Unmarshal(line, &top); err != nil || top == nil {
		return Entity{}, errs.E(errs.Invalid, d.field("", ""), "line is not a JSON object")
	}
	id, _ := top["id"].(string)
	if id == "" {
		return Entity{}, errs.E(errs.Invalid, d.field("", "")+": id", "entity id is missing or not a string")
	}
	if !ValidID(id) {
		return Entity{}, errs.E(errs.Invalid, d.field("", "")+": id", "entity id must be 1–200 letters, digits, dots or dashes")
	}
	e := Entity{ID: id}
	e.Schema, _ = top["schema"].(string)
	if e.Schema == "" {
		return Entity{}, errs.E(errs.Invalid, d.field(e.ID, "")+": schema", "schema is missing or not a string")
	}
	schema, ok := LookupSchema(e.Schema)
	if !ok {
		return Entity{}, errs.E(errs.Invalid, d.field(e.ID, "")+": schema", "unknown schema")
	}
	if schema.Abstract() {
		return Entity{}, errs.E(errs.Invalid, d.field(e.ID, "")+": schema", "schema "+schema.Name()+" is abstract")
	}
	if d.opts.Strict {
		for k := range top {
			if k != "id" && k != "schema" && k != "properties" {
				return Entity{}, errs.E(errs.Invalid, d.field(e.ID, ""), "unknown top-level field (strict mode)")
			}
		}
	}
	props, err := d.properties(e.ID, top["properties"])
	if err != nil {
		return Entity{}, err
	}
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names) // report the first error deterministically
	var hints []string
	for _, k := range names {
		vs := props[k]
		if len(vs) > d.opts.MaxValuesPerProperty {
			return Entity{}, errs.E(errs.TooLarge, d.field(e.ID, k), fmt.Sprintf("more than %d values", d.opts.MaxValuesPerProperty))
		}
		p, known := schema.Property(k)
		if !known {
			if err := d.checkExtra(e.ID, e.Schema, k, vs); err != nil {
				return Entity{}, err
			}
			delete(props, k)
			e.add(&e.Extra, k, vs)
			continue
		}
		if p.Type == TypePhone && hints == nil {
			hints = entityCountries(schema, props)
		}
		out, err := d.checkValues(e.ID, p, vs, hints)
		if err != nil {
			return Entity{}, err
		}
		if len(out) == 0 {
			delete(props, k)
		} else {
			props[k] = out
		}
	}
	if len(props) > 0 {
		e.Properties = props
	}
	if d.opts.Strict {
		for _, r := range schema.def.required {
			if len(e.Properties[r]) == 0 {
				return Entity{}, errs.E(errs.Invalid, d.field(e.ID, r), "required property is missing (strict mode)")
			}
		}
	}
	return e, nil
}

// properties converts the decoded "properties" object (absent or null
// means none) into string lists. The MaxProperties bound is checked before
// any conversion.
func (d *Decoder) properties(id string, raw any) (map[string][]string, error) {
	if raw == nil {
		return nil, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, errs.E(errs.Invalid, d.field(id, "")+": properties", "properties must be an object of string lists")
	}
	if len(obj) > d.opts.MaxProperties {
		return nil, errs.E(errs.TooLarge, d.field(id, ""), fmt.Sprintf("more than %d properties", d.opts.MaxProperties))
	}
	props := make(map[string][]string, len(obj))
	for k, v := range obj {
		if v == nil {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return nil, errs.E(errs.Invalid, d.field(id, k), "values must be a list of strings")
		}
		vs := make([]string, len(list))
		for i, x := range list {
			if vs[i], ok = x.(string); !ok {
				return nil, errs.E(errs.Invalid, d.field(id, k), "values must be a list of strings")
			}
		}
		props[k] = vs
	}
	return props, nil
}

// checkValues validates (and, with Normalize, rewrites) the values of a
// known property. It filters vs in place: the slice is the decoder's own.
func (d *Decoder) checkValues(id string, p Property, vs []string, hints []string) ([]string, error) {
	out := vs[:0]
	for i, v := range vs {
		if len(v) > d.opts.MaxValueLen {
			return nil, errs.E(errs.TooLarge, d.field(id, p.Name), fmt.Sprintf("value %d longer than %d bytes", i+1, d.opts.MaxValueLen))
		}
		if strings.TrimSpace(v) == "" {
			if d.opts.Strict {
				return nil, errs.E(errs.Invalid, d.field(id, p.Name), fmt.Sprintf("value %d is empty (strict mode)", i+1))
			}
			continue
		}
		if d.opts.Strict && utf8.RuneCountInString(v) > p.MaxLength {
			return nil, errs.E(errs.TooLarge, d.field(id, p.Name), fmt.Sprintf("value %d longer than FtM's %d characters (strict mode)", i+1, p.MaxLength))
		}
		n, err := normalizeProperty(p, v, hints)
		if err != nil {
			return nil, errs.E(errs.Invalid, d.field(id, p.Name), fmt.Sprintf("value %d: %s", i+1, reason(err)))
		}
		switch {
		case !d.opts.Normalize:
			out = append(out, v)
		case !slices.Contains(out, n):
			out = append(out, n)
		}
	}
	return out, nil
}

// checkExtra accepts a property the model does not know, in lenient mode
// only, bounding its name and values.
func (d *Decoder) checkExtra(id, schema, name string, vs []string) error {
	if d.opts.Strict {
		return errs.E(errs.Invalid, d.field(id, name), "property unknown to "+schema+" (strict mode)")
	}
	if !validPropertyName(name) {
		return errs.E(errs.Invalid, d.field(id, ""), "property name must be 1–64 ASCII letters, digits or underscores")
	}
	for i, v := range vs {
		if len(v) > d.opts.MaxValueLen {
			return errs.E(errs.TooLarge, d.field(id, name), fmt.Sprintf("value %d longer than %d bytes", i+1, d.opts.MaxValueLen))
		}
	}
	return nil
}

func validPropertyName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// reason returns the client-safe message of a normaliser error.
func reason(err error) string {
	var e *errs.Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "invalid value"
}

// entityCountries collects the valid country-typed values of an entity,
// which serve as hints for phone numbers without an international prefix.
// It returns a non-nil slice so that callers compute it once.
func entityCountries(s *Schema, props map[string][]string) []string {
	out := []string{}
	for k, vs := range props {
		if p, ok := s.Property(k); ok && p.Type == TypeCountry {
			for _, v := range vs {
				if c, err := NormalizeCountry(v); err == nil && IsCountry(c) && !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// IDSet detects entity ids that occur twice in one stream or record (a
// record groups entities, and a repeated id in one record is an error).
// It remembers every id added, so use one per record or bounded stream.
// The zero value is ready to use; it is not safe for concurrent use.
type IDSet struct {
	lines map[string]int
}

// Add records id, seen on line, and returns an error of kind Conflict
// naming both lines if it was seen before.
func (s *IDSet) Add(id string, line int) error {
	if s.lines == nil {
		s.lines = make(map[string]int)
	}
	if first, dup := s.lines[id]; dup {
		f := fmt.Sprintf("line %d", line)
		if ValidID(id) {
			f += ": entity " + id
		}
		return errs.E(errs.Conflict, f, fmt.Sprintf("duplicate entity id, first on line %d", first))
	}
	s.lines[id] = line
	return nil
}

// Len returns the number of distinct ids added.
func (s *IDSet) Len() int { return len(s.lines) }
