package exercise

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/scenario"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func generate(t testing.TB, countries ...string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Generate(scenario.Options{Seed: 1, Countries: countries, Size: scenario.Small})
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestDraftEnvelopesValidate converts every record of a scenario, as real
// and as exercise data, and checks the envelopes the node will validate.
func TestDraftEnvelopesValidate(t *testing.T) {
	sc := generate(t, "NL", "DE", "FR", "BG")
	shift, err := ReviewShift(&sc.Manifest, now)
	if err != nil {
		t.Fatal(err)
	}
	if shift <= 0 {
		t.Fatalf("shift %s: the reference date lies before now", shift)
	}
	for _, exercise := range []bool{false, true} {
		for i := range sc.Records {
			r := &sc.Records[i]
			d, err := Draft(r, DraftOptions{Exercise: exercise, Shift: shift, Now: now})
			if err != nil {
				t.Fatalf("%s: %v", r.ID, err)
			}
			env := d.Envelope
			env.Originator, env.OriginatorCountry = r.Agency, r.Agency[:2]
			if env.ReviewDate.IsZero() {
				env.ReviewDate = now.AddDate(1, 0, 0) // the node's default
			}
			if err := env.Validate(now); err != nil {
				t.Fatalf("%s (exercise %v): %v", r.ID, exercise, err)
			}
			if env.Exercise != exercise || (env.Purpose == policy.PurposeTraining) != exercise {
				t.Fatalf("%s: exercise %v, purpose %s", r.ID, env.Exercise, env.Purpose)
			}
			if len(d.Entities) != len(r.Entities) || d.Title != r.Title || d.CaseRef != r.CaseRef {
				t.Fatalf("%s: content not carried over", r.ID)
			}
			for _, s := range r.Envelope.Subjects {
				if d.DataSubjects[s.EntityID] != policy.DataSubjectCategory(s.Category) {
					t.Fatalf("%s: subject %s is %q", r.ID, s.EntityID, d.DataSubjects[s.EntityID])
				}
			}
		}
	}
}

func TestEnvelope(t *testing.T) {
	base := scenario.Envelope{Handling: "H2", TLP: "TLP:AMBER", SourceReliability: "B", InformationAssessment: "2",
		Purpose: "Criminal investigation into cocaine importation (NL/2023/1)", LegalBasis: "Wpg, art. 10", ReviewDate: "2027-01-01"}
	tests := []struct {
		name  string
		edit  func(e *scenario.Envelope)
		opts  DraftOptions
		check func(t *testing.T, env policy.Envelope)
		err   errs.Kind
	}{
		{name: "plain", check: func(t *testing.T, env policy.Envelope) {
			if env.Handling != policy.H2 || env.TLP != policy.TLPAmber || env.SourceReliability != policy.SourceB ||
				env.InformationReliability != policy.Info2 || env.Purpose != policy.PurposeCriminalInvestigation ||
				env.CaseRef != "NL/2023/1" || !env.ReviewDate.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("%+v", env)
			}
		}},
		{name: "H3 case-only", edit: func(e *scenario.Envelope) {
			e.Handling, e.HandlingRestriction = "H3", "Use only in case NL/2023/1; no dissemination to third countries without consent."
		}, check: func(t *testing.T, env policy.Envelope) {
			if len(env.Restrictions.Rules) != 1 || env.Restrictions.Rules[0].String() != "case-only:NL/2023/1" || env.Restrictions.Text == "" {
				t.Errorf("%+v", env.Restrictions)
			}
		}},
		{name: "TLP:RED recipients renamed", edit: func(e *scenario.Envelope) {
			e.TLP, e.Recipients = "TLP:RED", []string{"DE-BKA", "FR-OCRTIS"}
		}, opts: DraftOptions{Agencies: map[string]string{"DE-BKA": "DE-BKA-EX"}}, check: func(t *testing.T, env policy.Envelope) {
			if strings.Join(env.TLPRecipients, ",") != "DE-BKA-EX,FR-OCRTIS" {
				t.Errorf("%v", env.TLPRecipients)
			}
		}},
		{name: "recipients only with RED", edit: func(e *scenario.Envelope) { e.Recipients = []string{"DE-BKA"} },
			check: func(t *testing.T, env policy.Envelope) {
				if len(env.TLPRecipients) != 0 {
					t.Errorf("%v", env.TLPRecipients)
				}
			}},
		{name: "document fraud prevention", edit: func(e *scenario.Envelope) { e.Purpose = "Prevention and detection of document fraud" },
			check: func(t *testing.T, env policy.Envelope) {
				if env.Purpose != policy.PurposeCrimePrevention {
					t.Errorf("%s", env.Purpose)
				}
			}},
		{name: "arrest request", edit: func(e *scenario.Envelope) {
			e.Purpose = "Request for provisional arrest received through INTERPOL channels"
		}, check: func(t *testing.T, env policy.Envelope) {
			if env.Purpose != policy.PurposeJudicialCooperation {
				t.Errorf("%s", env.Purpose)
			}
		}},
		{name: "exercise", opts: DraftOptions{Exercise: true}, check: func(t *testing.T, env policy.Envelope) {
			if !env.Exercise || env.Purpose != policy.PurposeTraining || !strings.HasPrefix(env.PurposeDetail, "Exercise. ") {
				t.Errorf("%+v", env)
			}
		}},
		{name: "shifted review date", opts: DraftOptions{Shift: 400 * 24 * time.Hour}, check: func(t *testing.T, env policy.Envelope) {
			if !env.ReviewDate.Equal(time.Date(2028, 2, 5, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("%s", env.ReviewDate)
			}
		}},
		{name: "past review date left to the node", edit: func(e *scenario.Envelope) { e.ReviewDate = "2020-01-01" },
			check: func(t *testing.T, env policy.Envelope) {
				if !env.ReviewDate.IsZero() {
					t.Errorf("%s", env.ReviewDate)
				}
			}},
		{name: "far review date left to the node", edit: func(e *scenario.Envelope) { e.ReviewDate = "2040-01-01" },
			check: func(t *testing.T, env policy.Envelope) {
				if !env.ReviewDate.IsZero() {
					t.Errorf("%s", env.ReviewDate)
				}
			}},
		{name: "bad handling", edit: func(e *scenario.Envelope) { e.Handling = "H9" }, err: errs.Invalid},
		{name: "bad TLP", edit: func(e *scenario.Envelope) { e.TLP = "AMBER" }, err: errs.Invalid},
		{name: "bad assessment", edit: func(e *scenario.Envelope) { e.InformationAssessment = "5" }, err: errs.Invalid},
		{name: "bad review date", edit: func(e *scenario.Envelope) { e.ReviewDate = "01/01/2027" }, err: errs.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base
			if tt.edit != nil {
				tt.edit(&e)
			}
			o := tt.opts
			o.Now = now
			env, err := Envelope(&e, "NL/2023/1", o)
			if tt.err != 0 {
				if !errs.Is(err, tt.err) {
					t.Fatalf("error %v, want kind %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, env)
		})
	}
}

func TestTruncateKeepsRunes(t *testing.T) {
	s := strings.Repeat("é", 10) // 20 bytes
	if got := truncate(s, 7); got != "ééé" {
		t.Errorf("%q", got)
	}
	if got := truncate("abc", 7); got != "abc" {
		t.Errorf("%q", got)
	}
}

func TestConvertDocumentAlerts(t *testing.T) {
	in := strings.Join([]string{
		strings.Join(scenario.DocumentAlertHeader, ","),
		"AB123,NL,passport,stolen,2024-01-01,NL-NCB,NL-NCB-D1",
		"CD456,NL,id_card,stolen_blank,2024-01-02,NL-NCB,NL-NCB-D2",
		"EF789,DE,passport,lost,2024-01-03,DE-BKA,DE-BKA-D3",
		"GH012,NL,residence_permit,revoked,2024-01-04,NL-NCB,NL-NCB-D4",
		"IJ345,NL,passport,destroyed,2024-01-05,NL-NCB,NL-NCB-D5",
	}, "\n") + "\n"
	var batches []AlertBatch
	n, err := ConvertAlerts(strings.NewReader(in), scenario.DocumentAlertHeader, documentImportHeader, "NL-NCB", 2,
		func(b AlertBatch) error { batches = append(batches, b); return nil }, documentRow("NL-NCB desk"))
	if err != nil {
		t.Fatal(err)
	}
	if n.Rows != 3 || n.Skipped != 1 || len(batches) != 2 || batches[0].Rows != 2 || batches[1].Rows != 1 {
		t.Fatalf("count %+v, batches %d", n, len(batches))
	}
	rows, err := csv.NewReader(bytes.NewReader(batches[0].CSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{documentImportHeader,
		{"AB123", "NL", "stolen", "passport", "NL-NCB-D1", "NL-NCB desk"},
		{"CD456", "NL", "stolen", "id-card", "NL-NCB-D2", "NL-NCB desk"}}
	if got, _ := json.Marshal(rows); string(got) != mustJSON(want) {
		t.Errorf("batch 1:\n%s\nwant\n%s", got, mustJSON(want))
	}
	if !bytes.HasPrefix(batches[1].CSV, []byte(strings.Join(documentImportHeader, ",")+"\n")) ||
		!bytes.Contains(batches[1].CSV, []byte("residence-permit")) {
		t.Errorf("batch 2: %s", batches[1].CSV)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestConvertVehicleAlerts(t *testing.T) {
	in := strings.Join(scenario.VehicleAlertHeader, ",") + "\n" +
		"WVWZZZ1JZXW000001,AB123C,DE,Volkswagen,Golf,black,stolen,2024-01-01,DE-BKA,DE-BKA-V1\n" +
		"WVWZZZ1JZXW000002,AB124C,DE,Volkswagen,Golf,black,wanted,2024-01-01,DE-BKA,DE-BKA-V2\n"
	var got []byte
	n, err := ConvertAlerts(strings.NewReader(in), scenario.VehicleAlertHeader, vehicleImportHeader, "DE-BKA", 0,
		func(b AlertBatch) error { got = b.CSV; return nil }, vehicleRow("BKA desk"))
	if err != nil {
		t.Fatal(err)
	}
	if n.Rows != 1 || n.Skipped != 1 {
		t.Fatalf("%+v", n)
	}
	want := strings.Join(vehicleImportHeader, ",") + "\nAB123C,DE,WVWZZZ1JZXW000001,stolen,black Volkswagen Golf,DE-BKA-V1,BKA desk\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestConvertAlertsRefusesBadInput(t *testing.T) {
	header := strings.Join(scenario.DocumentAlertHeader, ",")
	tests := []struct {
		name, in string
		kind     errs.Kind
	}{
		{"empty", "", errs.Invalid},
		{"other header", "document_number,country,status\n", errs.Invalid},
		{"short row", header + "\nAB123,NL,passport\n", errs.Invalid},
		{"long line", header + "\n" + strings.Repeat("A", maxAlertLine+1) + ",NL,passport,stolen,2024-01-01,NL-NCB,X\n", errs.TooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ConvertAlerts(strings.NewReader(tt.in), scenario.DocumentAlertHeader, documentImportHeader, "NL-NCB", 0,
				func(AlertBatch) error { return nil }, documentRow("x"))
			if !errs.Is(err, tt.kind) {
				t.Fatalf("error %v, want %v", err, tt.kind)
			}
		})
	}
}

func TestReadTimelineAndRecords(t *testing.T) {
	sc := generate(t, "NL", "DE", "FR")
	var tl bytes.Buffer
	enc := json.NewEncoder(&tl)
	for _, e := range sc.Timeline {
		enc.Encode(e)
	}
	got, err := ReadTimeline(&tl)
	if err != nil || len(got) != len(sc.Timeline) {
		t.Fatalf("%d events, %v", len(got), err)
	}
	bad := []struct{ name, in string }{
		{"not json", "{\n"},
		{"no actor", `{"seq":1,"offset_s":0,"type":"record.created"}`},
		{"decreasing", `{"seq":1,"offset_s":10,"type":"x","actor":"A"}` + "\n" + `{"seq":2,"offset_s":5,"type":"x","actor":"A"}`},
		{"negative", `{"seq":1,"offset_s":-1,"type":"x","actor":"A"}`},
		{"too long", `{"text":"` + strings.Repeat("x", maxTimelineLine) + `"}`},
	}
	for _, b := range bad {
		if _, err := ReadTimeline(strings.NewReader(b.in)); err == nil {
			t.Errorf("%s: accepted", b.name)
		}
	}

	var recs bytes.Buffer
	for _, r := range sc.RecordsOf("DE-BKA") {
		json.NewEncoder(&recs).Encode(r)
	}
	n := 0
	if err := ReadRecords(&recs, func(line int, r *scenario.Record) error { n++; return nil }); err != nil || n != len(sc.RecordsOf("DE-BKA")) {
		t.Fatalf("%d records, %v", n, err)
	}
	if err := ReadRecords(strings.NewReader(`{"id":"x","agency":"NL-NCB","entities":[]}`), func(int, *scenario.Record) error { return nil }); !errs.Is(err, errs.Invalid) {
		t.Errorf("record without entities: %v", err)
	}
}
