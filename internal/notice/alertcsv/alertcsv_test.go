package alertcsv

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
)

func readAll(t testing.TB, data string, opts Options) ([]notice.Alert, []int, Summary, error) {
	t.Helper()
	var alerts []notice.Alert
	var lines []int
	sum, err := Read(strings.NewReader(data), opts, func(line int, a notice.Alert) error {
		alerts = append(alerts, a)
		lines = append(lines, line)
		return nil
	})
	return alerts, lines, sum, err
}

func TestDocuments(t *testing.T) {
	data := "\ufeffDocument_Number, country ,type,status,contact,reference\n" +
		"x12-345 678,fr,passport,stolen,NCB Lyon,FR-2026-1\n" +
		"\n" +
		"\"D 0001 2345\",DE,,Lost,,\n" +
		"AB123456,XK,id-card,revoked,,\n"
	alerts, lines, sum, err := readAll(t, data, Options{Originator: "FR-NCB"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Kind != notice.TravelDocument || sum.Records != 3 || len(alerts) != 3 {
		t.Fatalf("summary %+v", sum)
	}
	want := notice.Alert{Kind: notice.TravelDocument, Status: notice.Stolen, DocumentNumber: "X12345678", DocumentType: notice.Passport,
		Country: "FR", Contact: "NCB Lyon", Reference: "FR-2026-1", Originator: "FR-NCB"}
	if alerts[0] != want {
		t.Errorf("alert 0 = %+v\nwant %+v", alerts[0], want)
	}
	if alerts[1].DocumentNumber != "D00012345" || alerts[1].Status != notice.Lost || alerts[1].DocumentType != "" {
		t.Errorf("alert 1 = %+v", alerts[1])
	}
	if lines[0] != 2 || lines[1] != 4 || lines[2] != 5 {
		t.Errorf("lines = %v", lines)
	}
}

func TestVehicles(t *testing.T) {
	data := "plate,country,vin,description\n" +
		"ab-123-cd,FR,,Renault Clio grey\n" +
		"А123ВС77,RU,1M8GDM9AXKP042788,\n" +
		",,1M8GDM9A1KP042788,\n" // check digit wrong: warning only
	alerts, _, sum, err := readAll(t, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Kind != notice.Vehicle || len(alerts) != 3 {
		t.Fatalf("summary %+v", sum)
	}
	if alerts[0].Plate != "AB123CD" || alerts[0].Status != notice.Stolen || alerts[0].Description != "Renault Clio grey" {
		t.Errorf("alert 0 = %+v", alerts[0])
	}
	if alerts[1].Plate != "A123BC77" || alerts[1].VIN != "1M8GDM9AXKP042788" {
		t.Errorf("alert 1 = %+v", alerts[1])
	}
	if sum.WarningCount != 1 || sum.Warnings[0].Line != 4 || sum.Warnings[0].Field != "vin" {
		t.Errorf("warnings = %+v", sum.Warnings)
	}
	// VIN-only files need no country.
	if _, _, _, err := readAll(t, "vin\nWVWZZZ1JZ3W386752\n", Options{}); err != nil {
		t.Errorf("vin-only file: %v", err)
	}
}

func TestErrorsNameLineAndField(t *testing.T) {
	tests := []struct {
		name, data   string
		line         int
		field        string
		kind         errs.Kind
		opts         Options
		emittedFirst int
	}{
		{"empty", "", 1, "", errs.Invalid, Options{}, 0},
		{"no key column", "country,status\nFR,stolen\n", 1, "", errs.Invalid, Options{}, 0},
		{"unknown column", "document_number,country,status,colour\n", 1, "colour", errs.Invalid, Options{}, 0},
		{"duplicate column", "document_number,country,status,Country\n", 1, "country", errs.Invalid, Options{}, 0},
		{"missing required", "document_number,country\n", 1, "status", errs.Invalid, Options{}, 0},
		{"plate without country", "plate,status\n", 1, "country", errs.Invalid, Options{}, 0},
		{"bad number", "document_number,country,status\nX1234567,FR,stolen\nX12/4567,FR,stolen\n", 3, "document_number", errs.Invalid, Options{}, 1},
		{"bad country", "document_number,country,status\nX1234567,France,stolen\n", 2, "country", errs.Invalid, Options{}, 0},
		{"bad status", "document_number,country,status\nX1234567,FR,found\n", 2, "status", errs.Invalid, Options{}, 0},
		{"bad type", "document_number,country,status,type\nX1234567,FR,lost,card\n", 2, "type", errs.Invalid, Options{}, 0},
		{"bad vin", "vin\nWVWZZZ1JZ3W38675O\n", 2, "vin", errs.Invalid, Options{}, 0},
		{"field count", "document_number,country,status\nX1234567,FR\n", 2, "", errs.Invalid, Options{}, 0},
		{"bare quote", "document_number,country,status\nX12\"34567,FR,lost\n", 2, "column 4", errs.Invalid, Options{}, 0},
		{"long line", "document_number,country,status\nX1234567,FR,lost\n" + strings.Repeat("A", 100) + ",FR,lost\n", 3, "", errs.TooLarge, Options{MaxLineBytes: 64}, 1},
		{"too many", "document_number,country,status\nX1234567,FR,lost\nX1234568,FR,lost\n", 3, "", errs.TooLarge, Options{MaxRecords: 1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alerts, _, _, err := readAll(t, tt.data, tt.opts)
			var le *LineError
			if !errors.As(err, &le) || le.Line != tt.line || le.Field != tt.field || !errs.Is(err, tt.kind) {
				t.Fatalf("err = %v (%#v), want line %d field %q kind %s", err, le, tt.line, tt.field, tt.kind)
			}
			if want := fmt.Sprintf("line %d", tt.line); !strings.HasPrefix(errs.FieldOf(err), want) {
				t.Errorf("errs field %q does not start with %q", errs.FieldOf(err), want)
			}
			if len(alerts) != tt.emittedFirst {
				t.Errorf("emitted %d alerts before the error, want %d", len(alerts), tt.emittedFirst)
			}
		})
	}
}

func TestEmitErrorStops(t *testing.T) {
	stop := errors.New("store full")
	calls := 0
	_, err := Read(strings.NewReader("vin\nWVWZZZ1JZ3W386752\nWVWZZZ1JZ3W386753\n"), Options{}, func(int, notice.Alert) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v after %d calls", err, calls)
	}
}

// A long file streams: the reader is consumed incrementally and the
// limiter counts lines right across buffer boundaries.
func TestStreamingLineNumbers(t *testing.T) {
	const rows = 50_000
	pr, pw := io.Pipe()
	go func() {
		fmt.Fprintln(pw, "document_number,country,status")
		for i := range rows {
			fmt.Fprintf(pw, "P%08d,FR,stolen\n", i)
		}
		fmt.Fprintln(pw, "bad,FR,stolen")
		pw.Close()
	}()
	n := 0
	_, err := Read(pr, Options{}, func(line int, a notice.Alert) error {
		n++
		if line != n+1 {
			return fmt.Errorf("row %d reported on line %d", n, line)
		}
		return nil
	})
	var le *LineError
	if !errors.As(err, &le) || le.Line != rows+2 || le.Field != "document_number" || n != rows {
		t.Fatalf("err = %v after %d rows", err, n)
	}
}

func FuzzRead(f *testing.F) {
	f.Add("document_number,country,status,type\nX1234567,FR,stolen,passport\n")
	f.Add("plate,country,vin\nAB-123,DE,1M8GDM9AXKP042788\n")
	f.Add("description,status\n\"Painting, \"\"oil\"\"\",lost\n")
	f.Add("\ufeffvin\n\"1M8GDM9A\nXKP042788\"\n")
	f.Fuzz(func(t *testing.T, data string) {
		_, err := Read(strings.NewReader(data), Options{MaxLineBytes: 256, MaxRecords: 100}, func(line int, a notice.Alert) error {
			again := a
			if err := again.Normalize(); err != nil || again != a {
				t.Fatalf("emitted alert is not normalised: %+v (%v)", a, err)
			}
			if line < 2 {
				t.Fatalf("row on line %d", line)
			}
			return nil
		})
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) || le.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
		}
	})
}
