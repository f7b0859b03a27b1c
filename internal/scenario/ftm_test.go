package scenario

import (
	"encoding/json"
	"fmt"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// sharedFile returns the path of a file under the shared directory next to
// the repository (../../../shared from this package). When it is missing
// the test skips, naming the file, unless CI=true, where it fails.
func sharedFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared file %s is missing: %v", rel, err)
		}
		t.Skipf("shared file %s is missing (%v); skipping", rel, err)
	}
	return p
}

// ftmModel is the part of the FollowTheMoney model.json the checks use.
type ftmModel struct {
	Schemata map[string]struct {
		Abstract   bool     `json:"abstract"`
		Schemata   []string `json:"schemata"` // the schema and all its ancestors
		Required   []string `json:"required"`
		Properties map[string]struct {
			Type       string `json:"type"`
			Range      string `json:"range"`
			Stub       bool   `json:"stub"`
			Deprecated bool   `json:"deprecated"`
		} `json:"properties"`
	} `json:"schemata"`
	Types map[string]struct {
		MaxLength int               `json:"maxLength"`
		Values    map[string]string `json:"values"`
	} `json:"types"`
}

var (
	modelOnce sync.Once
	model     *ftmModel
	modelErr  error
)

func loadModel(t testing.TB) *ftmModel {
	t.Helper()
	p := sharedFile(t, "standards/ftm/model.json")
	modelOnce.Do(func() {
		b, err := os.ReadFile(p)
		if err != nil {
			modelErr = err
			return
		}
		var m ftmModel
		modelErr = json.Unmarshal(b, &m)
		model = &m
	})
	if modelErr != nil {
		t.Fatalf("load FtM model: %v", modelErr)
	}
	return model
}

type propInfo struct {
	typ, rng         string
	stub, deprecated bool
}

// property finds a property of schema, inherited ones included.
func (m *ftmModel) property(schema, name string) (propInfo, bool) {
	for _, s := range m.Schemata[schema].Schemata {
		if p, ok := m.Schemata[s].Properties[name]; ok {
			return propInfo{p.Type, p.Range, p.Stub, p.Deprecated}, true
		}
	}
	return propInfo{}, false
}

func (m *ftmModel) isA(schema, ancestor string) bool {
	return slices.Contains(m.Schemata[schema].Schemata, ancestor)
}

// ibanLengths are the IBAN lengths of the SWIFT IBAN registry for the
// countries the generator issues IBANs in.
var ibanLengths = map[string]int{
	"NL": 18, "DE": 22, "FR": 27, "BE": 16, "ES": 24, "IT": 27, "PL": 28, "RO": 24,
	"BG": 22, "GR": 27, "UA": 29, "RS": 22, "TR": 26, "AL": 28, "GB": 22,
}

var (
	datePattern  = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)
	phonePattern = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)
)

// validIBAN checks an IBAN independently of the generator: registry
// length, and the whole number mod 97 equal to 1.
func validIBAN(s string) error {
	if len(s) < 4 {
		return fmt.Errorf("too short")
	}
	want, ok := ibanLengths[s[:2]]
	if !ok {
		return fmt.Errorf("country %s not in registry table", s[:2])
	}
	if len(s) != want {
		return fmt.Errorf("length %d, registry says %d", len(s), want)
	}
	rearranged := s[4:] + s[:4]
	var digits strings.Builder
	for _, c := range rearranged {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			digits.WriteString(strconv.Itoa(int(c-'A') + 10))
		default:
			return fmt.Errorf("bad character %q", c)
		}
	}
	rem := 0
	for _, c := range digits.String() {
		rem = (rem*10 + int(c-'0')) % 97
	}
	if rem != 1 {
		return fmt.Errorf("checksum remainder %d", rem)
	}
	return nil
}

// checkValue checks one property value against its FtM type.
func (m *ftmModel) checkValue(typ, v string) error {
	if v == "" {
		return fmt.Errorf("empty value")
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("invalid UTF-8")
	}
	if max := m.Types[typ].MaxLength; max > 0 && len(v) > max {
		return fmt.Errorf("longer than %d", max)
	}
	switch typ {
	case "country", "gender", "topic", "language":
		if _, ok := m.Types[typ].Values[v]; !ok {
			return fmt.Errorf("not a %s value", typ)
		}
	case "date":
		if !datePattern.MatchString(v) {
			return fmt.Errorf("not an ISO date prefix")
		}
		layout := map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}[len(v)]
		if _, err := time.Parse(layout, v); err != nil {
			return err
		}
	case "iban":
		return validIBAN(v)
	case "phone":
		if !phonePattern.MatchString(v) {
			return fmt.Errorf("not E.164")
		}
	case "email":
		if _, err := mail.ParseAddress(v); err != nil {
			return err
		}
	case "ip":
		if net.ParseIP(v) == nil {
			return fmt.Errorf("not an IP address")
		}
	case "number":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return err
		}
	}
	return nil
}

// checkRecord checks every entity of a record against the model: schema
// known and concrete, properties defined for it (inherited included),
// neither stub nor deprecated, values valid for their type, required
// properties present, and entity references resolving inside the record
// to an entity of the property's range.
func (m *ftmModel) checkRecord(r *Record) []error {
	var errs []error
	fail := func(e *Entity, format string, args ...any) {
		errs = append(errs, fmt.Errorf("record %s entity %s (%s): %s", r.ID, e.ID, e.Schema, fmt.Sprintf(format, args...)))
	}
	schemaOf := make(map[string]string, len(r.Entities))
	for _, e := range r.Entities {
		schemaOf[e.ID] = e.Schema
	}
	for i := range r.Entities {
		e := &r.Entities[i]
		s, ok := m.Schemata[e.Schema]
		if !ok || s.Abstract {
			fail(e, "unknown or abstract schema")
			continue
		}
		for _, req := range s.Required {
			if len(e.Properties[req]) == 0 {
				fail(e, "required property %s missing", req)
			}
		}
		for name, values := range e.Properties {
			p, ok := m.property(e.Schema, name)
			switch {
			case !ok:
				fail(e, "property %s not defined for the schema", name)
				continue
			case p.stub || p.deprecated:
				fail(e, "property %s is a stub or deprecated", name)
			case len(values) == 0:
				fail(e, "property %s has no values", name)
			}
			for _, v := range values {
				if p.typ == "entity" {
					target, ok := schemaOf[v]
					switch {
					case !ok:
						fail(e, "%s references %s, not in the record", name, v)
					case !m.isA(target, p.rng):
						fail(e, "%s references a %s, want a %s", name, target, p.rng)
					}
					continue
				}
				if err := m.checkValue(p.typ, v); err != nil {
					fail(e, "%s=%q: %v", name, v, err)
				}
			}
		}
	}
	return errs
}

// The checker itself must catch what it is meant to catch.
func TestCheckerCatchesErrors(t *testing.T) {
	m := loadModel(t)
	for _, tc := range []struct {
		name string
		e    Entity
	}{
		{"unknown schema", Entity{ID: "x", Schema: "Spaceship", Properties: map[string][]string{"name": {"a"}}}},
		{"abstract schema", Entity{ID: "x", Schema: "Thing", Properties: map[string][]string{"name": {"a"}}}},
		{"unknown property", Entity{ID: "x", Schema: "Person", Properties: map[string][]string{"name": {"a"}, "shoeSize": {"44"}}}},
		{"property of another schema", Entity{ID: "x", Schema: "Person", Properties: map[string][]string{"name": {"a"}, "iban": {"NL91ABNA0417164300"}}}},
		{"deprecated property", Entity{ID: "x", Schema: "Vehicle", Properties: map[string][]string{"owner": {"x"}}}},
		{"missing required", Entity{ID: "x", Schema: "Person", Properties: map[string][]string{"firstName": {"a"}}}},
		{"bad country", Entity{ID: "x", Schema: "Person", Properties: map[string][]string{"name": {"a"}, "nationality": {"NL"}}}},
		{"bad date", Entity{ID: "x", Schema: "Person", Properties: map[string][]string{"name": {"a"}, "birthDate": {"1985-13-01"}}}},
		{"bad IBAN", Entity{ID: "x", Schema: "BankAccount", Properties: map[string][]string{"iban": {"NL92ABNA0417164300"}}}},
		{"bad phone", Entity{ID: "x", Schema: "Person", Properties: map[string][]string{"name": {"a"}, "phone": {"06-12345678"}}}},
		{"dangling reference", Entity{ID: "x", Schema: "Passport", Properties: map[string][]string{"number": {"1"}, "holder": {"nobody"}}}},
		{"reference out of range", Entity{ID: "x", Schema: "Family", Properties: map[string][]string{"person": {"x"}, "relative": {"x"}}}},
		{"empty value", Entity{ID: "x", Schema: "Person", Properties: map[string][]string{"name": {""}}}},
	} {
		r := &Record{ID: "r", Entities: []Entity{tc.e}}
		if errs := m.checkRecord(r); len(errs) == 0 {
			t.Errorf("%s: not detected", tc.name)
		}
	}
	ok := &Record{ID: "r", Entities: []Entity{
		{ID: "p", Schema: "Person", Properties: map[string][]string{"name": {"Jan de Vries"}, "nationality": {"nl"}, "birthDate": {"1980-02"}}},
		{ID: "d", Schema: "Passport", Properties: map[string][]string{"number": {"NXC3F5K81"}, "holder": {"p"}}},
	}}
	if errs := m.checkRecord(ok); len(errs) > 0 {
		t.Errorf("valid record rejected: %v", errs)
	}
}
