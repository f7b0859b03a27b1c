package exercise

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/scenario"
)

func FuzzReadTimeline(f *testing.F) {
	f.Add(`{"seq":1,"offset_s":30,"type":"record.created","actor":"NL-NCB","record_id":"R1"}`)
	f.Add(`{"seq":1,"offset_s":0,"type":"x","actor":"A"}` + "\n\n" + `{"seq":2,"offset_s":0,"type":"y","actor":"B","identifier":{"type":"passport","value":"X"}}`)
	f.Add("{\"seq\":1}\n")
	f.Fuzz(func(t *testing.T, in string) {
		es, err := ReadTimeline(strings.NewReader(in))
		if err != nil {
			return
		}
		for i, e := range es {
			if e.Type == "" || e.Actor == "" || e.OffsetSeconds < 0 || (i > 0 && e.OffsetSeconds < es[i-1].OffsetSeconds) {
				t.Fatalf("accepted event %d: %+v", i, e)
			}
		}
	})
}

func FuzzReadRecords(f *testing.F) {
	f.Add(`{"id":"R1","agency":"NL-NCB","entities":[{"id":"e1","schema":"Person","properties":{"name":["A"]}}],"envelope":{"handling":"H2"}}`)
	f.Add("\n\n{}\n")
	f.Fuzz(func(t *testing.T, in string) {
		ReadRecords(strings.NewReader(in), func(line int, r *scenario.Record) error {
			if line < 1 || r.ID == "" || r.Agency == "" || len(r.Entities) == 0 {
				t.Fatalf("line %d: accepted %+v", line, r)
			}
			if r.Envelope.Handling != "" {
				Draft(r, DraftOptions{Now: now}) // must not panic on any envelope
			}
			return nil
		})
	})
}

// FuzzConvertAlerts: whatever the input, every batch is well-formed CSV
// with the import header and only the agency's converted rows.
func FuzzConvertAlerts(f *testing.F) {
	h := strings.Join(scenario.DocumentAlertHeader, ",") + "\n"
	f.Add(h + "AB123,NL,passport,stolen,2024-01-01,NL-NCB,NL-NCB-D1\n")
	f.Add(h + "\"A,B\",NL,id_card,stolen_blank,2024-01-01,NL-NCB,\"x\ny\"\n")
	f.Add(h + "AB123,NL,passport\n")
	f.Add("document_number\n")
	f.Fuzz(func(t *testing.T, in string) {
		total := 0
		n, err := ConvertAlerts(strings.NewReader(in), scenario.DocumentAlertHeader, documentImportHeader, "NL-NCB", 3,
			func(b AlertBatch) error {
				rows, err := csv.NewReader(bytes.NewReader(b.CSV)).ReadAll()
				if err != nil {
					t.Fatalf("batch is not CSV: %v\n%q", err, b.CSV)
				}
				if len(rows) != b.Rows+1 || b.Rows < 1 || b.Rows > 3 || strings.Join(rows[0], ",") != strings.Join(documentImportHeader, ",") {
					t.Fatalf("batch of %d rows: %q", b.Rows, b.CSV)
				}
				for _, r := range rows[1:] {
					if r[2] != "stolen" && r[2] != "lost" && r[2] != "revoked" {
						t.Fatalf("status %q", r[2])
					}
				}
				total += b.Rows
				return nil
			}, documentRow("desk"))
		if total != n.Rows {
			t.Fatalf("%d rows in batches, %d counted (err %v)", total, n.Rows, err)
		}
	})
}
