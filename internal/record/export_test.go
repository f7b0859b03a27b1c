package record

import (
	"bytes"
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
