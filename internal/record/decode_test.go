package record

import (
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/ids"
)

const validEnvelope = `{"handling":["H0"],"tlp":"TLP:AMBER","sourceReliability":"B","informationReliability":2,
	"purpose":"criminal-investigation","legalBasis":"act","reviewDate":"2026-01-01T00:00:00Z","restrictions":{},"exercise":false,
	"originator":"NL-NCB","originatorCountry":"NL"}`

func TestDecodeDraftErrors(t *testing.T) {
	person := `{"id":"p1","schema":"Person","properties":{"name":["Jan"]}}`
	tests := []struct {
		name, body string
		kind       errs.Kind
		field      string
	}{
		{"unknown schema", `{"title":"t","entities":[{"id":"x1","schema":"Unicorn","properties":{}}],"envelope":` + validEnvelope + `}`,
			errs.Invalid, "entities[0]: entity x1: schema"},
		{"malformed date", `{"title":"t","entities":[` + person + `,{"id":"p2","schema":"Person","properties":{"birthDate":["1980-13-45"]}}],"dataSubjects":{"p1":"suspect","p2":"suspect"},"envelope":` + validEnvelope + `}`,
			errs.Invalid, "entities[1]: entity p2: property birthDate"},
		{"bad iban", `{"title":"t","entities":[{"id":"a1","schema":"BankAccount","properties":{"iban":["DE00123"]}}],"envelope":` + validEnvelope + `}`,
			errs.Invalid, "entities[0]: entity a1: property iban"},
		{"duplicate id", `{"title":"t","entities":[` + person + `,` + person + `],"dataSubjects":{"p1":"suspect"},"envelope":` + validEnvelope + `}`,
			errs.Invalid, "entities[1]: entity p1"},
		{"person without category", `{"title":"t","entities":[` + person + `],"envelope":` + validEnvelope + `}`,
			errs.Invalid, "entities[0]: entity p1: dataSubjects"},
		{"category for a vehicle", `{"title":"t","entities":[{"id":"v1","schema":"Vehicle","properties":{}}],"dataSubjects":{"v1":"suspect"},"envelope":` + validEnvelope + `}`,
			errs.Invalid, "dataSubjects.v1"},
		{"unknown category", `{"title":"t","entities":[` + person + `],"dataSubjects":{"p1":"villain"},"envelope":` + validEnvelope + `}`,
			errs.Invalid, "dataSubjects.p1"},
		{"assessment of unknown entity", `{"title":"t","entities":[],"assessments":["zz"],"envelope":` + validEnvelope + `}`,
			errs.Invalid, "assessments[0]"},
		{"unknown field", `{"title":"t","entities":[],"colour":"red","envelope":` + validEnvelope + `}`, errs.Invalid, "record"},
		{"unknown envelope field", `{"title":"t","entities":[],"envelope":{"tlp":"TLP:RED","secret":1}}`, errs.Invalid, "envelope"},
		{"no title", `{"title":" ","entities":[],"envelope":` + validEnvelope + `}`, errs.Invalid, "title"},
		{"control character", `{"title":"a\u202eb","entities":[],"envelope":` + validEnvelope + `}`, errs.Invalid, "title"},
		{"trailing data", `{"title":"t","entities":[],"envelope":` + validEnvelope + `} {}`, errs.Invalid, "record"},
		{"not an object entity", `{"title":"t","entities":[42],"envelope":` + validEnvelope + `}`, errs.Invalid, "entities[0]"},
		{"bad attachment hash", `{"title":"t","entities":[],"attachments":[{"id":"f1","size":1,"sha256":"xyz"}],"envelope":` + validEnvelope + `}`,
			errs.Invalid, "attachments[0].sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := DecodeDraft([]byte(tt.body), Limits{}, false)
			if err == nil {
				t.Fatal("accepted")
			}
			if k := errs.KindOf(err); k != tt.kind {
				t.Errorf("kind %v, want %v (%v)", k, tt.kind, err)
			}
			if f := errs.FieldOf(err); !strings.HasPrefix(f, tt.field) {
				t.Errorf("field %q, want prefix %q (%v)", f, tt.field, err)
			}
		})
	}
}

func TestDecodeDraftLimitsAndStrict(t *testing.T) {
	many := `{"title":"t","entities":[` + strings.Repeat(`{"id":"v1","schema":"Vehicle"},`, 3) + `{"id":"v9","schema":"Vehicle"}],"envelope":` + validEnvelope + `}`
	if _, _, err := DecodeDraft([]byte(many), Limits{MaxEntities: 3}, false); !errs.Is(err, errs.TooLarge) {
		t.Errorf("too many entities: %v", err)
	}
	if _, _, err := DecodeDraft([]byte(many), Limits{MaxRecordBytes: 100}, false); !errs.Is(err, errs.TooLarge) {
		t.Errorf("too large: %v", err)
	}
	long := `{"title":"t","narrative":"` + strings.Repeat("x", 200) + `","entities":[],"envelope":` + validEnvelope + `}`
	if _, _, err := DecodeDraft([]byte(long), Limits{MaxTextLen: 100}, false); !errs.Is(err, errs.TooLarge) || errs.FieldOf(err) != "narrative" {
		t.Errorf("long narrative: %v", err)
	}
	extra := `{"title":"t","entities":[{"id":"c1","schema":"Company","properties":{"name":["ACME"],"customField":["ACM"]}}],"envelope":` + validEnvelope + `}`
	d, warns, err := DecodeDraft([]byte(extra), Limits{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || warns[0].Field != "entities[0]: entity c1: property customField" || d.Entities[0].Extra["customField"][0] != "ACM" {
		t.Errorf("lenient: %+v %+v", warns, d.Entities[0])
	}
	if _, _, err := DecodeDraft([]byte(extra), Limits{}, true); errs.FieldOf(err) != "entities[0]: entity c1: property customField" {
		t.Errorf("strict: %v", err)
	}
}

// FuzzDecodeDraft checks that the record decoder never panics, that what
// it accepts satisfies the record invariants, and that errors name fields
// without echoing input.
func FuzzDecodeDraft(f *testing.F) {
	f.Add([]byte(`{"title":"t","entities":[{"id":"p1","schema":"Person","properties":{"name":["Jan"],"birthDate":["1980"]}}],"dataSubjects":{"p1":"suspect"},"envelope":` + validEnvelope + `}`))
	f.Add([]byte(`{"title":"t","entities":[{"id":"a","schema":"BankAccount","properties":{"iban":["DE44500105175407324931"]}}],"assessments":["a"],"envelope":{}}`))
	f.Add([]byte(`{"title":"t","entities":[{"id":"a","schema":"Company","properties":{"x":["y"]}},{"id":"a","schema":"Company"}]}`))
	f.Add([]byte(`{"title":"t","attachments":[{"id":"f","size":-1,"sha256":"00"}],"entities":null}`))
	f.Add([]byte(`{"entities":[[],{},"x",null,1]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, strict := range []bool{false, true} {
			d, warns, err := DecodeDraft(data, Limits{MaxEntities: 50}, strict)
			if err != nil {
				if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
					t.Fatalf("error of kind %v: %v", k, err)
				}
				continue
			}
			if strict && len(warns) > 0 {
				t.Fatalf("strict decoding warned: %v", warns)
			}
			if len(d.Entities) > 50 || strings.TrimSpace(d.Title) == "" {
				t.Fatalf("accepted a draft over the limits")
			}
			var seen = map[string]bool{}
			for _, e := range d.Entities {
				if seen[e.ID] {
					t.Fatalf("duplicate id %s accepted", e.ID)
				}
				seen[e.ID] = true
				if isPerson(e.Schema) && d.DataSubjects[e.ID] == "" {
					t.Fatalf("person %s without category accepted", e.ID)
				}
			}
			for id := range d.DataSubjects {
				if !seen[id] {
					t.Fatalf("category for unknown entity accepted")
				}
			}
		}
	})
}

// FuzzImportGroups checks that the import reader never panics, accounts
// for every non-blank line (an entity of a group or an error), never puts
// an entity with errors into a group without errors, and keeps groups
// within the entity limit.
func FuzzImportGroups(f *testing.F) {
	f.Add([]byte("{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"A\"],\"sourceUrl\":[\"http://x\"]}}\n\n{\"id\":\"b\",\"schema\":\"Vehicle\",\"properties\":{\"sourceUrl\":[\"http://x\"]}}\n"), "sourceUrl", false)
	f.Add([]byte("{\"id\":\"a\",\"schema\":\"Company\",\"properties\":{\"ticker\":[\"A\"]}}\r\nnot json\n{\"id\":\"a\",\"schema\":\"Company\"}"), "", false)
	f.Add([]byte("{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"publisher\":[\"k1\"]}}\n{\"id\":\"b\",\"schema\":\"Person\",\"properties\":{\"publisher\":[\"k2\"]}}\n{\"id\":\"c\",\"schema\":\"Person\",\"properties\":{\"publisher\":[\"k1\"]}}\n"), "publisher", true)
	f.Add([]byte("{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"birthDate\":[\"x\"],\"publisher\":[\"k\"]}}\n"), "publisher", false)
	f.Fuzz(func(t *testing.T, data []byte, groupBy string, strict bool) {
		if groupBy != "" && !validPropertyName(groupBy) {
			return
		}
		lim := Limits{MaxEntities: 3, Decode: ftm.DecodeOptions{MaxLineBytes: 200}}
		gr := newGroupReader(strings.NewReader(string(data)), ImportOptions{GroupBy: groupBy, Strict: strict}, lim)
		lines := 0
		for _, l := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
			if strings.TrimSpace(l) != "" || len(l) > 200 {
				lines++
			}
		}
		accounted := 0
		for {
			g, err := gr.next()
			if err != nil {
				break
			}
			if len(g.entities) > 3 {
				t.Fatalf("group of %d entities over the limit", len(g.entities))
			}
			if g.firstLine > g.lastLine || len(g.lines) != len(g.entities) {
				t.Fatalf("inconsistent group %+v", g)
			}
			accounted += len(g.entities) + len(g.errs)
			if g.tooMany {
				accounted = lines // dropped lines are not listed one by one
			}
		}
		if accounted < lines && !strings.ContainsRune(string(data), '\r') {
			t.Fatalf("%d non-blank lines, %d accounted for", lines, accounted)
		}
	})
}

// FuzzDecodeCopy checks the decoder of copies received from partners:
// no panic, errors of input kinds only, and what it accepts has a record
// id, a positive version and no duplicate entity.
func FuzzDecodeCopy(f *testing.F) {
	s := &Service{cfg: Config{Agency: testAgency, Country: testCountry, Limits: Limits{MaxEntities: 20}}.withDefaults()}
	f.Add([]byte(`{"id":"01890000-0000-7000-8000-000000000000","version":2,"state":"active","title":"t","entities":[{"id":"v1","schema":"Vehicle","properties":{"registrationNumber":["AB1"]}}],"envelope":` + validEnvelope + `,"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"id":"x","version":0}`))
	f.Add([]byte(`{"id":"01890000-0000-7000-8000-000000000000","version":1,"title":"t","entities":[{"id":"p","schema":"Person"}],"dataSubjects":{"p":"victim"},"provenance":{"from":"DE-BKA"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := s.decodeCopy(data)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %v: %v", k, err)
			}
			return
		}
		if !ids.Valid(r.ID) || r.Version <= 0 || len(r.Entities) > 20 {
			t.Fatalf("accepted %+v", r)
		}
		seen := map[string]bool{}
		for _, e := range r.Entities {
			if seen[e.ID] {
				t.Fatalf("duplicate entity %s", e.ID)
			}
			seen[e.ID] = true
		}
	})
}

// FuzzImportOptions checks the decoder of the options line of an import
// request.
func FuzzImportOptions(f *testing.F) {
	f.Add([]byte(`{"envelope":` + validEnvelope + `,"groupBy":"publisher","strict":true,"category":"suspect","title":"t","caseRef":"C-1","firstLine":3}`))
	f.Add([]byte(`{"groupBy":1}`))
	f.Add([]byte(`{"envelope":{"tlp":"TLP:RED","tlp":"TLP:CLEAR"}}`))
	s := &Service{cfg: Config{Agency: testAgency, Country: testCountry}.withDefaults()}
	f.Fuzz(func(t *testing.T, data []byte) {
		var o ImportOptions
		if err := decodeStrict(data, &o); err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %v: %v", k, err)
			}
			return
		}
		if err := s.checkImportOptions(&o); err == nil && (o.FirstLine < 1 || o.Title == "" || o.GroupBy != "" && !validPropertyName(o.GroupBy)) {
			t.Fatalf("options accepted: %+v", o)
		}
	})
}
