package interpol

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
)

const samplesDir = "../../../../shared/samples/interpol"

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(samplesDir, name))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared sample %s missing: %v", name, err)
		}
		t.Skipf("shared sample shared/samples/interpol/%s missing: %v", name, err)
	}
	return data
}

func TestSyntheticDetailSample(t *testing.T) {
	n, err := DecodeDetail(readSample(t, "SYNTHETIC_red_notice_detail.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	if n.Type != notice.Red || n.EntityID != "2099-12345" || n.State != notice.Draft {
		t.Errorf("type %s id %s state %s", n.Type, n.EntityID, n.State)
	}
	if n.Name != "DOE" || n.Forename != "JOHN" || n.DateOfBirth != (notice.PartialDate{Year: 1980}) || n.Sex != notice.Male {
		t.Errorf("subject %+v", n)
	}
	if n.WeightKg != 0 || n.HeightMetres != 1.8 {
		t.Errorf("weight %v height %v", n.WeightKg, n.HeightMetres)
	}
	if strings.Join(n.Nationalities, ",") != "XX,YY" || strings.Join(n.Languages, ",") != "ENG,FRE" || n.HairColours != nil || n.DistinguishingMarks != "" {
		t.Errorf("lists %+v", n)
	}
	if len(n.Charges) != 1 || n.Charges[0].Text != "Synthetic test charge\nsecond line" || n.Charges[0].IssuingCountry != "XX" || n.Charges[0].Translation != "" {
		t.Errorf("charges %+v", n.Charges)
	}
}

func TestSyntheticListSample(t *testing.T) {
	p, err := DecodeList(readSample(t, "SYNTHETIC_red_notice_list.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 1 || len(p.Notices) != 1 || p.Next != "" {
		t.Fatalf("page %+v", p)
	}
	n := p.Notices[0]
	if n.Type != notice.Red || n.EntityID != "2099-12345" || n.DateOfBirth != (notice.PartialDate{Year: 1980, Month: 1, Day: 2}) {
		t.Errorf("notice %+v", n)
	}
	// Decode tells the shapes apart.
	for _, name := range []string{"SYNTHETIC_red_notice_list.json", "SYNTHETIC_red_notice_detail.json"} {
		ns, err := Decode(readSample(t, name), "")
		if err != nil || len(ns) != 1 || ns[0].EntityID != "2099-12345" {
			t.Errorf("Decode(%s) = %+v, %v", name, ns, err)
		}
	}
}

func TestQuirks(t *testing.T) {
	doc := `{"total": 3, "_embedded": {"notices": [
		{"entity_id": "1958-00001", "name": "A", "date_of_birth": "1958/11", "weight": null, "height": 0,
		 "nationalities": null, "arrest_warrants": null, "_links": {"self": {"href": "https://ws-public.interpol.int/notices/v1/yellow/1958-00001"}}},
		{"entity_id": "1958/00002", "forename": "B", "date_of_birth": null, "weight": "72", "sex_id": "f",
		 "nationalities": ["xx", null, ""], "arrest_warrants": [null, {"issuing_country_id": "xx", "charge": " Fraud ", "charge_translation": null}]},
		{"entity_id": "1958/00003", "name": "C", "date_of_birth": "1958", "_links": {"self": {"href": "https://ws-public.interpol.int/notices/v1/un/persons/1958-00003"}}}
	]}, "_links": {"self": {"href": "https://ws-public.interpol.int/notices/v1/red?page=1"}, "next": {"href": "https://ws-public.interpol.int/notices/v1/red?page=2"}}}`
	p, err := DecodeList([]byte(doc), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Notices) != 3 || p.Next == "" {
		t.Fatalf("page %+v", p)
	}
	a, b, c := p.Notices[0], p.Notices[1], p.Notices[2]
	if a.Type != notice.Yellow || a.DateOfBirth.String() != "1958-11" || a.WeightKg != 0 || a.Nationalities != nil || a.Charges != nil {
		t.Errorf("a = %+v", a)
	}
	if b.Type != notice.Red || b.EntityID != "1958-00002" || !b.DateOfBirth.IsZero() || b.WeightKg != 72 || b.Sex != notice.Female {
		t.Errorf("b = %+v", b)
	}
	if len(b.Nationalities) != 1 || b.Nationalities[0] != "XX" || len(b.Charges) != 1 || b.Charges[0] != (notice.Charge{IssuingCountry: "XX", Text: "Fraud"}) {
		t.Errorf("b lists = %+v %+v", b.Nationalities, b.Charges)
	}
	if c.Type != notice.UNSpecial {
		t.Errorf("c type %s", c.Type)
	}
}

func TestErrorsNamePathAndNotice(t *testing.T) {
	tests := []struct {
		name, doc, field, inMsg string
		kind                    errs.Kind
	}{
		{"syntax", `{"_embedded": {"notices": [`, "", "malformed JSON", errs.Invalid},
		{"trailing", `{"entity_id": "2000/1", "name": "A"} {}`, "", "trailing", errs.Invalid},
		{"type error in list", `{"_embedded": {"notices": [{"entity_id": "2000/1", "name": "A"}, {"entity_id": "2000/2", "name": 5}]}, "_links": {"self": {"href": "/notices/v1/red"}}}`, "_embedded.notices[1].name", "expected string", errs.Invalid},
		{"bad weight", `{"entity_id": "2000/1", "name": "A", "weight": "heavy"}`, "weight", "", errs.Invalid},
		{"missing id", `{"_embedded": {"notices": [{"name": "A"}]}}`, "_embedded.notices[0].entity_id", "", errs.Invalid},
		{"bad id", `{"entity_id": "20001", "name": "A"}`, "entity_id", "20001", errs.Invalid},
		{"bad date", `{"entity_id": "2000/1", "name": "A", "date_of_birth": "1958/13/01", "_links": {"self": {"href": "/notices/v1/red/2000-1"}}}`, "date_of_birth", "notice 2000-1", errs.Invalid},
		{"no type", `{"entity_id": "2000/1", "name": "A"}`, "_links.self.href", "notice 2000-1", errs.Invalid},
		{"bad country", `{"entity_id": "2000/1", "name": "A", "arrest_warrants": [{}, {"issuing_country_id": "France"}], "_links": {"self": {"href": "/notices/v1/red/2000-1"}}}`, "arrest_warrants[0].issuing_country_id", "notice 2000-1", errs.Invalid},
		{"bad sex", `{"entity_id": "2000/1", "name": "A", "sex_id": "Q", "_links": {"self": {"href": "/notices/v1/red/2000-1"}}}`, "sex_id", "", errs.Invalid},
		{"not a list", `{"total": 1}`, "_embedded.notices", "", errs.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if strings.Contains(tt.doc, "_embedded") || strings.Contains(tt.doc, "total") {
				_, err = DecodeList([]byte(tt.doc), "")
			} else {
				_, err = DecodeDetail([]byte(tt.doc), "")
			}
			if !errs.Is(err, tt.kind) || errs.FieldOf(err) != tt.field || !strings.Contains(err.Error(), tt.inMsg) {
				t.Errorf("err = %v (field %q, kind %s); want field %q containing %q", err, errs.FieldOf(err), errs.KindOf(err), tt.field, tt.inMsg)
			}
		})
	}
	big := make([]byte, MaxInputBytes+1)
	if _, err := Decode(big, notice.Red); !errs.Is(err, errs.TooLarge) {
		t.Errorf("oversized input: %v", err)
	}
}

func TestExplicitTypeIsFallback(t *testing.T) {
	n, err := DecodeDetail([]byte(`{"entity_id": "2000/1", "name": "A"}`), notice.Yellow)
	if err != nil || n.Type != notice.Yellow {
		t.Fatalf("%+v %v", n, err)
	}
	n, err = DecodeDetail([]byte(`{"entity_id": "2000/1", "name": "A", "_links": {"self": {"href": "https://x/notices/v1/red/2000-1"}}}`), notice.Yellow)
	if err != nil || n.Type != notice.Red {
		t.Fatalf("links must win: %+v %v", n, err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"SYNTHETIC_red_notice_detail.json", "SYNTHETIC_red_notice_list.json"} {
		if data, err := os.ReadFile(filepath.Join(samplesDir, name)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"entity_id": "1958/1", "name": "A", "date_of_birth": "1958/11", "weight": 0, "nationalities": null}`))
	f.Add([]byte(`{"_embedded": {"notices": [{"entity_id": "1958-1", "arrest_warrants": [null]}]}}`))
	f.Add([]byte(`{"_embedded": {"notices": null}, "total": "7"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ns, err := Decode(data, notice.Red)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
			return
		}
		for _, n := range ns {
			if err := n.Validate(); err != nil {
				t.Fatalf("decoded notice does not validate: %v", err)
			}
		}
	})
}
