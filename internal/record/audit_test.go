package record

import (
	"bytes"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
)

// TestEmptyExportIsAudited checks that an export page with nothing in it
// still records the consultation: one consult event, without objects,
// carrying the officer's justification; and that a page with records
// names them.
func TestEmptyExportIsAudited(t *testing.T) {
	e := newEnv(t)
	ctx := officerCtx(access.Investigator)
	export := func(q Query) (string, []audit.Event) {
		t.Helper()
		x, err := e.svc.Export(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := x.WriteTo(ctx, &buf); err != nil {
			t.Fatal(err)
		}
		return buf.String(), e.events.take()
	}
	check := func(name string, evs []audit.Event, objects int) {
		t.Helper()
		if len(evs) != 1 || evs[0].Kind != audit.Consult || evs[0].Reason != "export" || len(evs[0].Objects) != objects ||
			evs[0].Justification != "test of the records capability" {
			t.Fatalf("%s: events %+v, want one export consult event with %d objects and the justification", name, evs, objects)
		}
	}

	out, evs := export(Query{})
	if out != "" {
		t.Fatalf("export of an empty node wrote %q", out)
	}
	check("empty node", evs, 0)

	r := e.mustCreate(t, ctx, draft("Port", ent("p1", "Person", "name", "Jan de Vries")))
	e.events.take()
	out, evs = export(Query{Text: "nobody by that name"})
	if out != "" {
		t.Fatalf("export matching nothing wrote %q", out)
	}
	check("no match", evs, 0)

	out, evs = export(Query{})
	if out == "" {
		t.Fatal("export of one record wrote nothing")
	}
	check("one record", evs, 1)
	if evs[0].Objects[0] != (audit.Ref{Type: "record", ID: r.ID}) {
		t.Errorf("export event names %+v, want record %s", evs[0].Objects, r.ID)
	}
}

// An import that stores nothing — an empty input, or one whose every
// record is rejected — still records the call: one collect event without
// objects, with the officer's justification.
func TestImportOfNothingIsAudited(t *testing.T) {
	e := newEnv(t)
	ctx := officerCtx(access.Investigator)
	for name, in := range map[string]string{
		"empty input":   "",
		"all rejected":  line("p1", "Person", "name", "Anna", "birthDate", "1990-13-01"),
		"blank entries": "\n\n",
	} {
		sum, err := e.svc.Import(ctx, strings.NewReader(in), importOpts(), nil)
		if err != nil || sum.Records != 0 {
			t.Fatalf("%s: %+v %v", name, sum, err)
		}
		evs := e.events.take()
		if len(evs) != 1 || evs[0].Kind != audit.Collect || evs[0].Reason != "import" || len(evs[0].Objects) != 0 ||
			evs[0].Justification != "test of the records capability" {
			t.Errorf("%s: events %+v, want one import collect event without objects", name, evs)
		}
	}
	sum, err := e.svc.Import(ctx, strings.NewReader(line("v1", "Vehicle", "registrationNumber", "AA111")), importOpts(), nil)
	if err != nil || sum.Records != 1 {
		t.Fatalf("one record: %+v %v", sum, err)
	}
	if evs := e.events.take(); len(evs) != 1 || len(evs[0].Objects) != 1 || evs[0].Objects[0].ID != sum.RecordIDs[0] {
		t.Errorf("import of one record audited as %+v", evs)
	}
}
