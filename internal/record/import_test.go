package record

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/policy"
)

// line renders one FtM JSON line.
func line(id, schema string, props ...string) string {
	b, err := json.Marshal(ent(id, schema, props...))
	if err != nil {
		panic(err)
	}
	return string(b) + "\n"
}

func importOpts() ImportOptions {
	return ImportOptions{Envelope: testEnvelope(), Category: policy.CategorySuspect, Title: "Seizure list"}
}

func TestImportGroupsAndRejectsOnlyBadGroups(t *testing.T) {
	e := newEnv(t)
	ctx := officerCtx(access.Investigator)
	in := line("p1", "Person", "name", "Anna", "publisher", "case-1") +
		line("v1", "Vehicle", "registrationNumber", "AA111", "publisher", "case-1") +
		"\n" +
		line("p2", "Person", "name", "Boris", "publisher", "case-2") +
		line("p3", "Person", "name", "Chen", "birthDate", "1999-02-30", "publisher", "case-2") + // impossible date
		line("p4", "Person", "name", "Dana", "publisher", "case-3") +
		line("a4", "BankAccount", "iban", "NL91ABNA0417164300", "publisher", "case-3")
	opts := importOpts()
	opts.GroupBy, opts.FirstLine = "publisher", 10
	var progress []ImportProgress
	sum, err := e.svc.Import(ctx, strings.NewReader(in), opts, func(p ImportProgress) { progress = append(progress, p) })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Records != 2 || sum.Entities != 4 || sum.Rejected != 1 || sum.Lines != 7 || len(sum.RecordIDs) != 2 {
		t.Errorf("summary %+v", sum)
	}
	if len(sum.Errors) != 1 || sum.Errors[0].Field != "line 14: entity p3: property birthDate" {
		t.Errorf("errors %+v", sum.Errors)
	}
	if len(progress) == 0 || progress[len(progress)-1].Records != 2 {
		t.Errorf("progress %+v", progress)
	}
	// One collect event per batch, naming every record.
	evs := e.events.take()
	if len(evs) != 1 || evs[0].Kind != "collect" || len(evs[0].Objects) != 2 || evs[0].Reason != "import" {
		t.Errorf("import events %+v", evs)
	}
	titles := map[string]int{}
	for _, id := range sum.RecordIDs {
		r, _, err := e.svc.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		titles[r.Title] = len(r.Entities)
		for _, en := range r.Entities {
			if isPerson(en.Schema) && r.DataSubjects[en.ID] != policy.CategorySuspect {
				t.Errorf("person %s without category", en.ID)
			}
		}
	}
	if titles["Seizure list: case-1"] != 2 || titles["Seizure list: case-3"] != 2 || len(titles) != 2 {
		t.Errorf("records %v", titles)
	}
	// Nothing of the rejected group is stored anywhere.
	if n := e.count(t, `SELECT COUNT(*) FROM records`); n != 2 {
		t.Errorf("%d records stored", n)
	}
	if res, _ := e.svc.Search(ctx, Query{Text: "Boris"}); res.Total != 0 {
		t.Errorf("rejected group searchable")
	}
}

func TestImportOneRecordIsAllOrNothing(t *testing.T) {
	e := newEnv(t)
	ctx := officerCtx(access.Investigator)
	good := line("p1", "Person", "name", "Anna") + line("v1", "Vehicle", "registrationNumber", "AA111")
	sum, err := e.svc.Import(ctx, strings.NewReader(good), importOpts(), nil)
	if err != nil || sum.Records != 1 || sum.Entities != 2 {
		t.Fatalf("%+v %v", sum, err)
	}
	bad := good + line("v1", "Vehicle", "registrationNumber", "BB222")
	sum, err = e.svc.Import(ctx, strings.NewReader(bad), importOpts(), nil)
	if err != nil || sum.Records != 0 || sum.Rejected != 1 || sum.Errors[0].Field != "line 3: entity v1" {
		t.Fatalf("duplicate id: %+v %v", sum, err)
	}
	noCat := importOpts()
	noCat.Category = ""
	sum, err = e.svc.Import(ctx, strings.NewReader(good), noCat, nil)
	if err != nil || sum.Rejected != 1 || sum.Errors[0].Field != "line 1: entity p1" {
		t.Fatalf("person without category: %+v %v", sum, err)
	}
	if _, err := e.svc.Import(ctx, strings.NewReader(good), ImportOptions{Envelope: testEnvelope(), GroupBy: "no such!"}, nil); !errs.Is(err, errs.Invalid) {
		t.Errorf("bad group-by: %v", err)
	}
	over := importOpts()
	sum, err = newEnv(t, func(c *Config) { c.Limits.MaxEntities = 1 }).svc.Import(ctx, strings.NewReader(good), over, nil)
	if err != nil || sum.Rejected != 1 || !strings.Contains(sum.Errors[0].Message, "more than 1 entities") {
		t.Fatalf("oversized record: %+v %v", sum, err)
	}
	long := `{"id":"x","schema":"Note","properties":{"description":["` + strings.Repeat("y", 300) + `"]}}` + "\n"
	sum, err = newEnv(t, func(c *Config) { c.Limits.Decode.MaxLineBytes = 200 }).svc.Import(ctx, strings.NewReader(good+long), importOpts(), nil)
	if err != nil || sum.Rejected != 1 || sum.Errors[0].Field != "line 3" {
		t.Fatalf("long line: %+v %v", sum, err)
	}
}

func TestImportInterruptedGroup(t *testing.T) {
	e := newEnv(t)
	in := line("a", "Vehicle", "registrationNumber", "A1", "publisher", "k1") +
		line("b", "Vehicle", "registrationNumber", "B1", "publisher", "k2") +
		line("c", "Vehicle", "registrationNumber", "C1", "publisher", "k1")
	opts := importOpts()
	opts.GroupBy = "publisher"
	sum, err := e.svc.Import(officerCtx(access.Analyst), strings.NewReader(in), opts, nil)
	if err != nil || sum.Records != 2 || sum.Rejected != 1 || !strings.Contains(sum.Errors[0].Message, "began on line 1") {
		t.Fatalf("%+v %v", sum, err)
	}
}

// TestImportOpenSanctions imports entities published in FtM 4 form: the
// default keeps unknown properties aside with a warning and exports them
// unchanged; strict mode rejects them.
func TestImportOpenSanctions(t *testing.T) {
	data, err := os.ReadFile("testdata/opensanctions.ftm.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	ctx := officerCtx(access.Analyst)
	opts := importOpts()
	opts.Strict = true
	sum, err := e.svc.Import(ctx, bytes.NewReader(data), opts, nil)
	if err != nil || sum.Records != 0 || sum.Rejected != 1 || len(sum.Errors) != 4 {
		t.Fatalf("strict: %+v %v", sum, err)
	}
	if !strings.Contains(sum.Errors[0].Message, "strict") || sum.Errors[0].Field != "line 1: entity NK-2xQmZp8oV4rT" {
		t.Errorf("strict error %+v", sum.Errors[0])
	}

	opts.Strict = false
	sum, err = e.svc.Import(ctx, bytes.NewReader(data), opts, nil)
	if err != nil || sum.Records != 1 || sum.Entities != 4 {
		t.Fatalf("lenient: %+v %v", sum, err)
	}
	want := map[string]int{"Company.uscCode": 1, "Company.sayariId": 1, "Ownership.brightQueryOrgId": 1}
	if fmt.Sprint(sum.UnknownProperties) != fmt.Sprint(want) || len(sum.Warnings) != 3 {
		t.Errorf("warnings %+v %+v", sum.UnknownProperties, sum.Warnings)
	}
	out := exportAll(t, e, ctx, Query{})
	byID := map[string]ftm.Entity{}
	for _, en := range out {
		byID[en.ID] = en
	}
	co := byID["NK-7kLm3Nq9Rs2T"]
	if !slices.Equal(co.Extra["uscCode"], []string{"91310000MA1FL8TQ2X"}) || !slices.Equal(co.Extra["sayariId"], []string{"Xk3mPq9vTr"}) {
		t.Errorf("extras not exported unchanged: %+v", co)
	}
	if !slices.Equal(byID["NK-3aBc5De7Fg9H"].Extra["brightQueryOrgId"], []string{"BQ-77102"}) {
		t.Errorf("ownership extras: %+v", byID["NK-3aBc5De7Fg9H"])
	}
	// Cross-script names from the import are searchable.
	if res, err := e.svc.Search(ctx, Query{Text: "Сидоров"}); err != nil || res.Total != 1 {
		t.Errorf("search imported name: %+v %v", res, err)
	}
}

// exportAll exports every page and decodes the lines.
func exportAll(t testing.TB, e *env, ctx context.Context, q Query) []ftm.Entity {
	t.Helper()
	var buf bytes.Buffer
	for {
		x, err := e.svc.Export(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.WriteTo(ctx, &buf); err != nil {
			t.Fatal(err)
		}
		if x.Next == 0 {
			break
		}
		q.After = x.Next
	}
	var out []ftm.Entity
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var en ftm.Entity
		if err := dec.Decode(&en); err != nil {
			t.Fatal(err)
		}
		out = append(out, en)
	}
	return out
}

func TestExportPagesAndSkipsUnreadable(t *testing.T) {
	e := newEnv(t)
	ctx := officerCtx(access.Investigator)
	var in strings.Builder
	for i := range 25 {
		in.WriteString(line(fmt.Sprintf("v%d", i), "Vehicle", "registrationNumber", fmt.Sprintf("EXP%03d", i), "publisher", fmt.Sprintf("g%02d", i/2)))
	}
	opts := importOpts()
	opts.GroupBy = "publisher"
	sum, err := e.svc.Import(ctx, strings.NewReader(in.String()), opts, nil)
	if err != nil || sum.Records != 13 {
		t.Fatalf("%+v %v", sum, err)
	}
	w, err := e.svc.Withdraw(ctx, sum.RecordIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	_ = w
	env := testEnvelope()
	env.Originator, env.OriginatorCountry, env.ReceivedFrom, env.ReviewDate = "DE-BKA", "DE", "DE-BKA", testNow.AddDate(1, 0, 0)
	env.TLP, env.TLPRecipients = policy.TLPRed, []string{"FR-DCPJ"}
	insertRaw(t, e, "Not for us", env, ent("v99", "Vehicle", "registrationNumber", "SECRET1"))
	e.events.take()

	out := exportAll(t, e, ctx, Query{Limit: 5})
	if len(out) != 23 {
		t.Errorf("exported %d entities, want 23 (25 minus the withdrawn record's 2)", len(out))
	}
	for _, en := range out {
		if en.ID == "v99" || en.ID == "v0" || en.ID == "v1" {
			t.Errorf("exported %s", en.ID)
		}
	}
	evs := e.events.take()
	n := 0
	for _, ev := range evs {
		if ev.Reason != "export" {
			t.Errorf("event %+v", ev)
		}
		n += len(ev.Objects)
	}
	if n != 12 {
		t.Errorf("export events name %d records, want 12", n)
	}
}
