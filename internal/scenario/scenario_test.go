package scenario

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/liaison-project/liaison/internal/errs"
)

var trio = []string{"NL", "DE", "FR"}

// readDir reads every file of a written scenario, by name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func writeTemp(t *testing.T, opts Options) (string, *Manifest) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	m, err := WriteDir(opts, dir)
	if err != nil {
		t.Fatalf("WriteDir(%+v): %v", opts, err)
	}
	return dir, m
}

func TestDeterministic(t *testing.T) {
	opts := Options{Seed: 42, Countries: trio, Size: Medium, DocumentAlerts: 2000}
	dirA, _ := writeTemp(t, opts)
	dirB, _ := writeTemp(t, opts)
	a, b := readDir(t, dirA), readDir(t, dirB)
	if len(a) != len(b) {
		t.Fatalf("file sets differ: %d vs %d files", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two runs with the same options", name)
		}
	}

	opts.Seed = 43
	dirC, _ := writeTemp(t, opts)
	c := readDir(t, dirC)
	for _, name := range []string{"NL-NCB/records.jsonl", GroundTruthFile, DocumentAlertFile, TimelineFile} {
		if bytes.Equal(a[name], c[name]) {
			t.Errorf("%s is identical for seeds 42 and 43", name)
		}
	}
}

func TestGenerateMatchesWrite(t *testing.T) {
	opts := Options{Seed: 7, Countries: []string{"NL", "DE", "FR", "BG"}, Size: Small}
	sc, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	dir, m := writeTemp(t, opts)
	files := readDir(t, dir)
	for _, ag := range m.Agencies {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for _, r := range sc.RecordsOf(ag.ID) {
			if err := enc.Encode(r); err != nil {
				t.Fatal(err)
			}
		}
		if got := files[ag.ID+"/"+RecordsFile]; !bytes.Equal(got, buf.Bytes()) {
			t.Errorf("%s: file differs from Generate's records", ag.ID)
		}
	}
	var gt struct{ Clusters []Cluster }
	if err := json.Unmarshal(files[GroundTruthFile], &gt); err != nil {
		t.Fatalf("ground truth is not JSON: %v", err)
	}
	if !slices.EqualFunc(gt.Clusters, sc.GroundTruth, func(x, y Cluster) bool { return x.ID == y.ID && slices.Equal(x.Members, y.Members) }) {
		t.Error("ground_truth.json differs from Generate's clusters")
	}
	var mf Manifest
	if err := json.Unmarshal(files[ManifestFile], &mf); err != nil {
		t.Fatalf("scenario.json: %v", err)
	}
	if mf.Counts.Entities != sc.Counts.Entities || mf.Story.MainSuspect.Cluster != sc.Story.MainSuspect.Cluster {
		t.Error("scenario.json differs from Generate's manifest")
	}
	for _, f := range mf.Files {
		if _, ok := files[f]; !ok {
			t.Errorf("manifest lists %s, which was not written", f)
		}
	}
}

// problems collects what checkScenario finds.
type problems []string

func (p *problems) errorf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// checkScenario runs the structural checks every scenario must pass.
func checkScenario(m *ftmModel, sc *Scenario) []string {
	var p problems
	entities := map[string]*Entity{}
	recordOf := map[string]string{}
	records := map[string]*Record{}
	for i := range sc.Records {
		r := &sc.Records[i]
		records[r.ID] = r
		if !r.Synthetic {
			p.errorf("record %s is not marked synthetic", r.ID)
		}
		if r.Title == "" || r.Narrative == "" || r.CaseRef == "" || r.Created == "" {
			p.errorf("record %s lacks title, narrative, case reference or date", r.ID)
		}
		if !slices.Contains([]string{"H0", "H1", "H2", "H3"}, r.Envelope.Handling) ||
			!slices.Contains([]string{"TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"}, r.Envelope.TLP) ||
			!strings.Contains("ABCX", r.Envelope.SourceReliability) || !strings.Contains("1234", r.Envelope.InformationAssessment) ||
			len(r.Envelope.SourceReliability) != 1 || len(r.Envelope.InformationAssessment) != 1 {
			p.errorf("record %s: bad envelope %+v", r.ID, r.Envelope)
		}
		if r.Envelope.Handling == "H3" && r.Envelope.HandlingRestriction == "" {
			p.errorf("record %s: H3 without restriction", r.ID)
		}
		if r.Envelope.TLP == "TLP:RED" && len(r.Envelope.Recipients) == 0 {
			p.errorf("record %s: TLP:RED without named recipients", r.ID)
		}
		persons := 0
		for j := range r.Entities {
			e := &r.Entities[j]
			if _, dup := entities[e.ID]; dup {
				p.errorf("entity %s appears twice", e.ID)
			}
			entities[e.ID] = e
			recordOf[e.ID] = r.ID
			if !strings.HasPrefix(e.ID, strings.ToLower(r.Agency)+"-") {
				p.errorf("entity %s in a record of %s", e.ID, r.Agency)
			}
			if e.Schema == "Person" {
				persons++
			}
		}
		if len(r.Envelope.Subjects) != persons {
			p.errorf("record %s: %d persons but %d data subjects", r.ID, persons, len(r.Envelope.Subjects))
		}
		for _, s := range r.Envelope.Subjects {
			if !slices.Contains([]string{catSuspect, catConvicted, catVictim, catWitness, catContact, catOther}, s.Category) {
				p.errorf("record %s: bad category %q", r.ID, s.Category)
			}
		}
		for _, err := range m.checkRecord(r) {
			p.errorf("%v", err)
		}
	}

	// Ground truth: every member exists, every entity is in exactly one
	// cluster, no cluster has two members of one agency.
	inCluster := map[string]string{}
	for _, c := range sc.GroundTruth {
		agencies := map[string]bool{}
		for _, id := range c.Members {
			e, ok := entities[id]
			if !ok {
				p.errorf("cluster %s: member %s does not exist", c.ID, id)
				continue
			}
			if e.Schema != c.Schema {
				p.errorf("cluster %s (%s): member %s is a %s", c.ID, c.Schema, id, e.Schema)
			}
			if prev, dup := inCluster[id]; dup {
				p.errorf("entity %s in clusters %s and %s", id, prev, c.ID)
			}
			inCluster[id] = c.ID
			ag := id[:strings.LastIndex(id, "-")]
			if agencies[ag] {
				p.errorf("cluster %s has two members of %s", c.ID, ag)
			}
			agencies[ag] = true
		}
	}
	for id := range entities {
		if _, ok := inCluster[id]; !ok {
			p.errorf("entity %s is in no cluster", id)
		}
	}

	// The timeline refers to records and entities that exist.
	for _, e := range sc.Timeline {
		if e.RecordID != "" && records[e.RecordID] == nil {
			p.errorf("timeline event %d: record %s does not exist", e.Seq, e.RecordID)
		}
		for _, id := range e.EntityIDs {
			if entities[id] == nil {
				p.errorf("timeline event %d: entity %s does not exist", e.Seq, id)
			}
		}
	}
	for i := 1; i < len(sc.Timeline); i++ {
		if sc.Timeline[i].OffsetSeconds < sc.Timeline[i-1].OffsetSeconds {
			p.errorf("timeline not in time order at event %d", sc.Timeline[i].Seq)
		}
	}
	checkStory(&p, sc, entities, recordOf)
	return p
}

// checkStory checks that the demo's hooks are present and consistent.
func checkStory(p *problems, sc *Scenario, entities map[string]*Entity, recordOf map[string]string) {
	st := sc.Story
	holding := func(what string, h Holding) *Entity {
		e := entities[h.EntityID]
		if e == nil {
			p.errorf("%s: entity %s of %s does not exist", what, h.EntityID, h.Agency)
			return nil
		}
		if recordOf[h.EntityID] != h.RecordID {
			p.errorf("%s: entity %s is in record %s, story says %s", what, h.EntityID, recordOf[h.EntityID], h.RecordID)
		}
		return e
	}

	// Main suspect: held by every agency, names differ, ≥ 2 share the passport number.
	ms := st.MainSuspect
	if len(ms.Holdings) != len(sc.Agencies) {
		p.errorf("main suspect held by %d agencies, want all %d", len(ms.Holdings), len(sc.Agencies))
	}
	names := map[string]bool{}
	for _, h := range ms.Holdings {
		if e := holding("main suspect", h); e != nil {
			names[strings.ToLower(e.Properties["name"][0])] = true
		}
	}
	if len(names) < 2 {
		p.errorf("main suspect's name is spelled the same by every agency: %v", names)
	}
	if len(ms.Identifiers) == 0 || len(ms.SharedBy) < 2 {
		p.errorf("main suspect has no identifier shared by two agencies: %+v", ms)
		return
	}
	num := ms.Identifiers[0].Value
	for _, ag := range ms.SharedBy {
		found := false
		for _, r := range sc.RecordsOf(ag) {
			for _, e := range r.Entities {
				if e.Schema == "Passport" && slices.Contains(e.Properties["number"], num) &&
					slices.ContainsFunc(ms.Holdings, func(h Holding) bool { return slices.Contains(e.Properties["holder"], h.EntityID) }) {
					found = true
				}
			}
		}
		if !found {
			p.errorf("%s does not hold the main suspect's passport %s", ag, num)
		}
	}

	// Namesake: same name as the main suspect somewhere, another cluster.
	if st.Namesake.Cluster == ms.Cluster || len(st.Namesake.Holdings) == 0 || st.Namesake.BirthDate == ms.BirthDate {
		p.errorf("namesake is not a distinct person: %+v", st.Namesake)
	}
	givenAndFamily := func(e *Entity) string {
		return strings.ToLower(strings.Join(e.Properties["firstName"], " ") + "|" + strings.Join(e.Properties["lastName"], " "))
	}
	for _, h := range st.Namesake.Holdings {
		ns := holding("namesake", h)
		if ns != nil && !slices.ContainsFunc(ms.Holdings, func(m Holding) bool {
			me := entities[m.EntityID]
			return me != nil && givenAndFamily(me) == givenAndFamily(ns)
		}) {
			p.errorf("namesake %q is not named like any holding of the main suspect", h.Name)
		}
	}

	// Stolen passport: in alerts.csv, held by the reporter and by another agency.
	sp := st.StolenPassport
	alerted := slices.ContainsFunc(sc.DocumentAlerts, func(a DocumentAlert) bool {
		return a.DocumentNumber == sp.Document.Value && a.Country == sp.Document.Country && a.Status == "stolen" && a.AlertID == sp.AlertID
	})
	if !alerted {
		p.errorf("stolen passport %s has no alert", sp.Document.Value)
	}
	agencies := map[string]bool{}
	for _, h := range sp.Holdings {
		if e := holding("stolen passport", h); e != nil && !slices.Contains(e.Properties["number"], sp.Document.Value) {
			p.errorf("stolen passport entity %s has another number", e.ID)
		}
		agencies[h.Agency] = true
	}
	if len(agencies) < 2 || sp.LookupAgency == "" {
		p.errorf("stolen passport is not seen by two agencies or has no lookup agency: %+v", sp)
	}

	sv := st.StolenVehicle
	if !slices.ContainsFunc(sc.VehicleAlerts, func(a VehicleAlert) bool { return a.Plate == sv.Plate.Value && a.VIN == sv.VIN && a.Status == "stolen" }) {
		p.errorf("stolen vehicle %s has no alert", sv.Plate.Value)
	}
	if len(sv.Holdings) == 0 {
		p.errorf("stolen vehicle is held by no agency")
	}

	for _, nc := range []NoticeCandidate{st.RedNotice, st.FlawedNotice} {
		if len(nc.Holdings) == 0 || nc.Forename == "" || nc.Name == "" || nc.Charge == "" || nc.Statute == "" || nc.MaxPenaltyYears < 2 {
			p.errorf("incomplete notice candidate %+v", nc)
		}
		for _, h := range nc.Holdings {
			holding("notice candidate", h)
		}
	}
	if st.RedNotice.Expected != "publishable" || st.RedNotice.RequestingAgency != st.LeadAgency {
		p.errorf("red notice candidate: %+v", st.RedNotice)
	}
	if !strings.HasPrefix(st.FlawedNotice.Expected, "refuse") {
		p.errorf("flawed notice is not expected to be refused: %+v", st.FlawedNotice)
	}

	w := st.Withdrawal
	if !slices.ContainsFunc(sc.RecordsOf(w.Agency), func(r Record) bool { return r.ID == w.RecordID }) || len(w.SharedWith) == 0 {
		p.errorf("withdrawal of a record that %s does not hold: %+v", w.Agency, w)
	}
}

func TestScenarios(t *testing.T) {
	m := loadModel(t)
	cases := []Options{
		{Seed: 1, Countries: trio, Size: Small},
		{Seed: 2, Countries: trio, Size: Small, Kind: HumanTrafficking},
		{Seed: 3, Countries: trio, Size: Small, Kind: CyberFraud},
		{Seed: 4, Countries: []string{"NL", "DE"}, Size: Small},
		{Seed: 5, Countries: []string{"GR", "RU", "MA", "US"}, Size: Small, Kind: CyberFraud},
		{Seed: 6, Countries: []string{"BE", "ES", "IT", "PL", "RO", "BG", "UA", "RS", "TR", "DZ", "AL", "GB"}, Size: Small, Kind: HumanTrafficking},
		{Seed: 8, Countries: trio, Size: Medium, DocumentAlerts: 1000},
	}
	for _, opts := range cases {
		t.Run(strings.Join(opts.Countries, ",")+"/"+string(opts.Size)+"/"+string(opts.Kind), func(t *testing.T) {
			sc, err := Generate(opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, problem := range checkScenario(m, sc) {
				t.Error(problem)
			}
			if sc.Counts.Entities != countEntities(sc) || sc.Counts.Records != len(sc.Records) ||
				sc.Counts.Clusters != len(sc.GroundTruth) || sc.Counts.DocumentAlerts != len(sc.DocumentAlerts) {
				t.Errorf("counts do not match content: %+v", sc.Counts)
			}
		})
	}
}

func countEntities(sc *Scenario) int {
	n := 0
	for _, r := range sc.Records {
		n += len(r.Entities)
	}
	return n
}

func TestSizes(t *testing.T) {
	small, err := Generate(Options{Seed: 11, Countries: trio, Size: Small})
	if err != nil {
		t.Fatal(err)
	}
	if p := small.Counts.Persons; p < 20 || p > 99 {
		t.Errorf("small scenario has %d persons, want tens", p)
	}
	medium, err := Generate(Options{Seed: 11, Countries: trio, Size: Medium})
	if err != nil {
		t.Fatal(err)
	}
	if e := medium.Counts.Entities; e < 2000 || e > 20000 {
		t.Errorf("medium scenario has %d entities, want thousands", e)
	}
	if medium.Counts.DocumentAlerts != sizes[Medium].documentAlerts || medium.Counts.VehicleAlerts != sizes[Medium].vehicleAlerts {
		t.Errorf("medium alerts %d/%d, want %d/%d", medium.Counts.DocumentAlerts, medium.Counts.VehicleAlerts, sizes[Medium].documentAlerts, sizes[Medium].vehicleAlerts)
	}
	// The story network does not depend on the size.
	if small.Story.MainSuspect.Holdings[0].EntityID != medium.Story.MainSuspect.Holdings[0].EntityID {
		t.Error("the story network changes with the size")
	}
	// Large is streamed only; its size follows from the background
	// networks' average, measured here on the medium scenario (the
	// benchmark counts the real thing).
	perCell := float64(medium.Counts.Entities-small.Counts.Entities) / float64(sizes[Medium].backgroundCells)
	if est := perCell * float64(sizes[Large].backgroundCells); est < 1_000_000 {
		t.Errorf("large scenario would have about %.0f entities, want more than a million", est)
	}
	if _, err := Generate(Options{Seed: 1, Countries: trio, Size: Large}); !errs.Is(err, errs.TooLarge) {
		t.Errorf("Generate(large) = %v, want a TooLarge error", err)
	}
}

// TestScripts checks that a person is held in Cyrillic by one agency and
// in Latin by another whenever a participating agency writes Cyrillic or
// the main suspect's name is Cyrillic.
func TestScripts(t *testing.T) {
	cases := []Options{
		{Seed: 1, Countries: []string{"NL", "DE", "BG"}, Size: Small},
		{Seed: 2, Countries: []string{"UA", "FR"}, Size: Small, Kind: HumanTrafficking},
		{Seed: 3, Countries: []string{"RS", "DE", "FR"}, Size: Small},
	}
	// and trio scenarios whose main suspect comes from a Cyrillic country
	for seed := int64(1); len(cases) < 6 && seed < 200; seed++ {
		sc, err := Generate(Options{Seed: seed, Countries: trio, Size: Small, Kind: CyberFraud})
		if err != nil {
			t.Fatal(err)
		}
		if countries[sc.Story.MainSuspect.Origin].script == Cyrillic {
			cases = append(cases, sc.Options)
		}
	}
	if len(cases) < 6 {
		t.Fatal("no seed gives a main suspect from a Cyrillic-script country")
	}
	for _, opts := range cases {
		sc, err := Generate(opts)
		if err != nil {
			t.Fatal(err)
		}
		entities := map[string]*Entity{}
		for i := range sc.Records {
			for j := range sc.Records[i].Entities {
				e := &sc.Records[i].Entities[j]
				entities[e.ID] = e
			}
		}
		found := false
		for _, c := range sc.GroundTruth {
			if c.Schema != "Person" {
				continue
			}
			var cyr, lat bool
			for _, id := range c.Members {
				switch scriptOf(entities[id].Properties["name"][0]) {
				case Cyrillic:
					cyr = true
				case Latin:
					lat = true
				}
			}
			if cyr && lat {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%v seed %d: no person is held in both Cyrillic and Latin script", opts.Countries, opts.Seed)
		}
	}
}

func scriptOf(s string) Script {
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			return Cyrillic
		case unicode.Is(unicode.Greek, r):
			return Greek
		case unicode.Is(unicode.Arabic, r):
			return Arabic
		}
	}
	return Latin
}

func TestAlertFiles(t *testing.T) {
	dir, m := writeTemp(t, Options{Seed: 5, Countries: trio, Size: Small, DocumentAlerts: 777})
	for _, f := range []struct {
		name   string
		header []string
		rows   int
	}{{DocumentAlertFile, DocumentAlertHeader, 777}, {VehicleAlertFile, VehicleAlertHeader, m.Counts.VehicleAlerts}} {
		fh, err := os.Open(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if !slices.Equal(rows[0], f.header) {
			t.Errorf("%s header %v", f.name, rows[0])
		}
		if len(rows)-1 != f.rows {
			t.Errorf("%s has %d rows, want %d", f.name, len(rows)-1, f.rows)
		}
		ids := map[string]bool{}
		for _, row := range rows[1:] {
			if ids[row[len(row)-1]] {
				t.Errorf("%s: duplicate alert id %s", f.name, row[len(row)-1])
			}
			ids[row[len(row)-1]] = true
			if f.name == VehicleAlertFile {
				if err := checkVIN(row[0]); err != nil {
					t.Errorf("VIN %s: %v", row[0], err)
				}
			}
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want errs.Kind
	}{
		{"one country", Options{Countries: []string{"NL"}}, errs.Invalid},
		{"no countries", Options{}, errs.Invalid},
		{"duplicate", Options{Countries: []string{"NL", "nl"}}, errs.Invalid},
		{"unknown country", Options{Countries: []string{"NL", "XX"}}, errs.Invalid},
		{"bad size", Options{Countries: trio, Size: "huge"}, errs.Invalid},
		{"bad kind", Options{Countries: trio, Kind: "piracy"}, errs.Invalid},
		{"negative alerts", Options{Countries: trio, DocumentAlerts: -1}, errs.Invalid},
		{"too many alerts", Options{Countries: trio, DocumentAlerts: MaxDocumentAlerts + 1}, errs.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Generate(tc.opts); !errs.Is(err, tc.want) {
				t.Errorf("Generate(%+v) = %v, want kind %v", tc.opts, err, tc.want)
			}
		})
	}
	sc, err := Generate(Options{Countries: []string{"nl", " de "}})
	if err != nil {
		t.Fatalf("lower-case countries: %v", err)
	}
	if !slices.Equal(sc.Options.Countries, []string{"NL", "DE"}) || sc.Options.Size != Small || sc.Options.Kind != DefaultKind {
		t.Errorf("defaults not applied: %+v", sc.Options)
	}
}

func TestWriteDirRefusesNonEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "old.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(Options{Countries: trio}, dir); !errs.Is(err, errs.Conflict) {
		t.Errorf("WriteDir into a non-empty directory = %v, want Conflict", err)
	}
}

func TestWriteReportsErrors(t *testing.T) {
	failing := func(name string) (io.WriteCloser, error) {
		if name == GroundTruthFile {
			return nil, os.ErrPermission
		}
		return nopCloser{io.Discard}, nil
	}
	if _, err := Write(Options{Countries: trio}, failing); err == nil || !strings.Contains(err.Error(), GroundTruthFile) {
		t.Errorf("Write with a failing file = %v, want an error naming it", err)
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func TestAgencyFor(t *testing.T) {
	for _, tc := range []struct{ country, id string }{{"NL", "NL-NCB"}, {"de", "DE-BKA"}, {"FR", "FR-OCRTIS"}} {
		a, err := AgencyFor(tc.country)
		if err != nil || a.ID != tc.id || a.Country != strings.ToUpper(tc.country) || a.LegalBasis == "" {
			t.Errorf("AgencyFor(%s) = %+v, %v", tc.country, a, err)
		}
	}
	if _, err := AgencyFor("XX"); !errs.Is(err, errs.NotExist) {
		t.Errorf("AgencyFor(XX) = %v, want NotExist", err)
	}
	seen := map[string]bool{}
	for _, c := range SupportedCountries() {
		a, _ := AgencyFor(c)
		if seen[a.ID] || !strings.HasPrefix(a.ID, c+"-") {
			t.Errorf("agency id %s of %s is duplicate or not prefixed by the country", a.ID, c)
		}
		seen[a.ID] = true
		if _, ok := pools[c]; !ok {
			t.Errorf("no name pool for %s", c)
		}
		if _, ok := places[c]; !ok {
			t.Errorf("no places for %s", c)
		}
		if _, ok := banks[c]; !ok {
			t.Errorf("no banks for %s", c)
		}
	}
}
