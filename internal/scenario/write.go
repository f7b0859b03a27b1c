package scenario

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strconv"

	"github.com/liaison-project/liaison/internal/errs"
)

// FormatVersion identifies the on-disk layout; scenario.json carries it.
const FormatVersion = "liaison-scenario/1"

// File names of the on-disk layout (see the package documentation).
const (
	ManifestFile      = "scenario.json"
	GroundTruthFile   = "ground_truth.json"
	TimelineFile      = "timeline.jsonl"
	DocumentAlertFile = "alerts.csv"
	VehicleAlertFile  = "vehicle_alerts.csv"
	RecordsFile       = "records.jsonl" // under a directory named after the agency id
)

// Column headers of the alert files.
var (
	DocumentAlertHeader = []string{"document_number", "country", "type", "status", "reported_on", "reporting_agency", "alert_id"}
	VehicleAlertHeader  = []string{"vin", "plate", "country", "make", "model", "colour", "status", "reported_on", "reporting_agency", "alert_id"}
)

// sink receives a scenario as it is generated, network by network.
type sink interface {
	records(agency int, recs []Record) error
	clusters(cs []Cluster) error
	documentAlerts(as []DocumentAlert) error
	vehicleAlerts(as []VehicleAlert) error
	timeline(es []TimelineEvent) error
}

// run generates the scenario into s and returns its manifest. Memory use
// is bounded by one network at a time.
func (g *generator) run(s sink) (*Manifest, error) {
	m := &Manifest{
		Format:        FormatVersion,
		Options:       g.opts,
		ReferenceDate: formatDate(referenceDate),
		Agencies:      g.agencies,
		Counts:        Counts{BySchema: map[string]int{}, ByAgency: map[string]int{}},
	}
	noise := newNoise(g)
	cells := g.cells()
	for i := range cells {
		c := g.newCell(i)
		v := c.render()
		if i == 0 {
			st, tl := c.storyAndTimeline(v)
			m.Story = st
			if err := s.timeline(tl); err != nil {
				return nil, err
			}
			m.Counts.TimelineEvents = len(tl)
		}
		for a, recs := range v.records {
			if err := s.records(a, recs); err != nil {
				return nil, err
			}
			m.Counts.Records += len(recs)
			for _, r := range recs {
				m.Counts.Entities += len(r.Entities)
				m.Counts.ByAgency[r.Agency] += len(r.Entities)
				for _, e := range r.Entities {
					m.Counts.BySchema[e.Schema]++
				}
			}
		}
		if err := s.clusters(v.clusters); err != nil {
			return nil, err
		}
		m.Counts.Clusters += len(v.clusters)
		for _, cl := range v.clusters {
			if cl.Schema == "Person" {
				m.Counts.Persons++
			}
		}
		m.Counts.Networks++

		// Background alerts are spread over the networks so that rows the
		// story needs are not all at the top of the file; they are made in
		// batches so that ten million rows never sit in memory at once.
		if err := s.documentAlerts(v.docAlerts); err != nil {
			return nil, err
		}
		m.Counts.DocumentAlerts += len(v.docAlerts)
		for want := g.opts.DocumentAlerts * (i + 1) / cells; m.Counts.DocumentAlerts < want; {
			batch := noise.documents(min(want-m.Counts.DocumentAlerts, noiseBatch))
			if err := s.documentAlerts(batch); err != nil {
				return nil, err
			}
			m.Counts.DocumentAlerts += len(batch)
		}
		if err := s.vehicleAlerts(v.vehAlerts); err != nil {
			return nil, err
		}
		m.Counts.VehicleAlerts += len(v.vehAlerts)
		for want := g.params.vehicleAlerts * (i + 1) / cells; m.Counts.VehicleAlerts < want; {
			batch := noise.vehicles(min(want-m.Counts.VehicleAlerts, noiseBatch))
			if err := s.vehicleAlerts(batch); err != nil {
				return nil, err
			}
			m.Counts.VehicleAlerts += len(batch)
		}
	}
	m.Files = []string{ManifestFile, GroundTruthFile, TimelineFile, DocumentAlertFile, VehicleAlertFile}
	for _, a := range g.agencies {
		m.Files = append(m.Files, path.Join(a.ID, RecordsFile))
	}
	return m, nil
}

// noiseBatch is how many background alerts are made and written at a time.
const noiseBatch = 8192

// noise generates background alerts: documents and vehicles reported in
// the participating and other countries that have nothing to do with any
// network, as most of a real alert database.
type noise struct {
	r          *rand.Rand
	countries  []string
	agencies   []string // agency id of each country
	docSeq     int
	vehicleSeq int
}

func newNoise(g *generator) *noise {
	n := &noise{r: rand.New(rand.NewPCG(uint64(g.opts.Seed), 0xa1e275)), countries: SupportedCountries()}
	for _, c := range n.countries {
		n.agencies = append(n.agencies, mustCountry(c).agency.ID)
	}
	return n
}

func (n *noise) reportedOn() string {
	return formatDate(referenceDate.AddDate(0, 0, -1-n.r.IntN(3650)))
}

func (n *noise) documents(count int) []DocumentAlert {
	if count <= 0 {
		return nil
	}
	out := make([]DocumentAlert, 0, count)
	for range count {
		ci := n.r.IntN(len(n.countries))
		country, agency := n.countries[ci], n.agencies[ci]
		a := DocumentAlert{Country: country, Type: "passport", ReportedOn: n.reportedOn(), ReportingAgency: agency}
		if n.r.IntN(100) < 40 {
			if num, ok := idCardNumber(n.r, country); ok {
				a.Type, a.DocumentNumber = "id_card", num
			}
		}
		if a.DocumentNumber == "" {
			a.DocumentNumber = passportNumber(n.r, country)
		}
		switch x := n.r.IntN(100); {
		case x < 55:
			a.Status = "lost"
		case x < 93:
			a.Status = "stolen"
		case x < 98:
			a.Status = "revoked"
		default:
			a.Status = "stolen_blank"
		}
		n.docSeq++
		a.AlertID = agency + "-N" + strconv.Itoa(n.docSeq)
		out = append(out, a)
	}
	return out
}

func (n *noise) vehicles(count int) []VehicleAlert {
	if count <= 0 {
		return nil
	}
	out := make([]VehicleAlert, 0, count)
	for range count {
		ci := n.r.IntN(len(n.countries))
		country, agency := n.countries[ci], n.agencies[ci]
		m := pick(n.r, vehicleModels)
		status := "stolen"
		if n.r.IntN(10) == 0 {
			status = "wanted"
		}
		n.vehicleSeq++
		out = append(out, VehicleAlert{
			VIN: vin(n.r, m.wmi, referenceDate.Year()-n.r.IntN(12)), Plate: plate(n.r, country), Country: country,
			Make: m.make, Model: m.model, Colour: pick(n.r, vehicleColours), Status: status,
			ReportedOn: n.reportedOn(), ReportingAgency: agency, AlertID: agency + "-M" + strconv.Itoa(n.vehicleSeq),
		})
	}
	return out
}

// Generate builds a Small or Medium scenario in memory. Large scenarios
// hold more than a million entities: stream them with [Write] or
// [WriteDir] instead (Generate returns an errs.TooLarge error).
func Generate(opts Options) (*Scenario, error) {
	g, err := newGenerator(opts)
	if err != nil {
		return nil, err
	}
	if g.opts.Size == Large {
		return nil, errs.E(errs.TooLarge, "size", "large scenarios are streamed: use WriteDir")
	}
	ms := &memSink{byAgency: make([][]Record, len(g.agencies))}
	m, err := g.run(ms)
	if err != nil {
		return nil, err
	}
	sc := &Scenario{Manifest: *m, GroundTruth: ms.clusterList, Timeline: ms.events, DocumentAlerts: ms.docs, VehicleAlerts: ms.vehs}
	for _, recs := range ms.byAgency {
		sc.Records = append(sc.Records, recs...)
	}
	return sc, nil
}

type memSink struct {
	byAgency    [][]Record
	clusterList []Cluster
	events      []TimelineEvent
	docs        []DocumentAlert
	vehs        []VehicleAlert
}

func (s *memSink) records(a int, recs []Record) error {
	s.byAgency[a] = append(s.byAgency[a], recs...)
	return nil
}
func (s *memSink) clusters(cs []Cluster) error {
	s.clusterList = append(s.clusterList, cs...)
	return nil
}
func (s *memSink) documentAlerts(as []DocumentAlert) error {
	s.docs = append(s.docs, as...)
	return nil
}
func (s *memSink) vehicleAlerts(as []VehicleAlert) error { s.vehs = append(s.vehs, as...); return nil }
func (s *memSink) timeline(es []TimelineEvent) error     { s.events = append(s.events, es...); return nil }

// CreateFunc opens a file of the layout for writing; name is slash-separated
// and relative to the scenario root (e.g. "NL-NCB/records.jsonl").
type CreateFunc func(name string) (io.WriteCloser, error)

// Write streams the scenario as the files of the on-disk layout, each
// opened through create, and returns the manifest it wrote to
// scenario.json (written last). Memory use does not grow with the size.
// On error, files already written are incomplete.
func Write(opts Options, create CreateFunc) (m *Manifest, err error) {
	g, err := newGenerator(opts)
	if err != nil {
		return nil, err
	}
	fs := &fileSink{create: create}
	defer func() {
		if cerr := fs.close(); err == nil && cerr != nil {
			m, err = nil, cerr
		}
	}()
	if err := fs.open(g); err != nil {
		return nil, err
	}
	m, err = g.run(fs)
	if err != nil {
		return nil, err
	}
	if err := fs.finish(); err != nil {
		return nil, err
	}
	w, err := create(ManifestFile)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", ManifestFile, err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		w.Close()
		return nil, fmt.Errorf("write %s: %w", ManifestFile, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("close %s: %w", ManifestFile, err)
	}
	return m, nil
}

// WriteDir writes the scenario under dir, which must not exist or be
// empty (so that files of an earlier scenario never mix with this one).
func WriteDir(opts Options, dir string) (*Manifest, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0:
		return nil, errs.E(errs.Conflict, "dir", "output directory is not empty")
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("scenario: read output directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("scenario: create output directory: %w", err)
	}
	return Write(opts, func(name string) (io.WriteCloser, error) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		return os.Create(p)
	})
}

// output is one buffered file of the layout.
type output struct {
	name string
	wc   io.WriteCloser
	buf  *bufio.Writer
}

type fileSink struct {
	create    CreateFunc
	outs      []*output
	agencies  []*output
	line      []byte // reused buffer for one record
	gtFile    *output
	gtFirst   bool
	timelineE *json.Encoder
	docCSV    *csv.Writer
	vehCSV    *csv.Writer
}

func (s *fileSink) openFile(name string) (*output, error) {
	wc, err := s.create(name)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	o := &output{name: name, wc: wc, buf: bufio.NewWriterSize(wc, 256<<10)}
	s.outs = append(s.outs, o)
	return o, nil
}

func encoder(w io.Writer) *json.Encoder {
	e := json.NewEncoder(w)
	e.SetEscapeHTML(false)
	return e
}

func (s *fileSink) open(g *generator) error {
	for _, a := range g.agencies {
		o, err := s.openFile(path.Join(a.ID, RecordsFile))
		if err != nil {
			return err
		}
		s.agencies = append(s.agencies, o)
	}
	var err error
	if s.gtFile, err = s.openFile(GroundTruthFile); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(s.gtFile.buf, "{\"format\":%q,\"seed\":%d,\"clusters\":[", "liaison-ground-truth/1", g.opts.Seed); err != nil {
		return err
	}
	s.gtFirst = true
	tl, err := s.openFile(TimelineFile)
	if err != nil {
		return err
	}
	s.timelineE = encoder(tl.buf)
	doc, err := s.openFile(DocumentAlertFile)
	if err != nil {
		return err
	}
	s.docCSV = csv.NewWriter(doc.buf)
	veh, err := s.openFile(VehicleAlertFile)
	if err != nil {
		return err
	}
	s.vehCSV = csv.NewWriter(veh.buf)
	if err := s.docCSV.Write(DocumentAlertHeader); err != nil {
		return err
	}
	return s.vehCSV.Write(VehicleAlertHeader)
}

func (s *fileSink) records(a int, recs []Record) error {
	o := s.agencies[a]
	for i := range recs {
		s.line = append(appendRecord(s.line[:0], &recs[i]), '\n')
		if _, err := o.buf.Write(s.line); err != nil {
			return fmt.Errorf("write %s: %w", o.name, err)
		}
	}
	return nil
}

func (s *fileSink) clusters(cs []Cluster) error {
	w := s.gtFile.buf
	for i := range cs {
		b, err := json.Marshal(&cs[i])
		if err != nil {
			return fmt.Errorf("encode cluster %s: %w", cs[i].ID, err)
		}
		sep := ",\n"
		if s.gtFirst {
			sep, s.gtFirst = "\n", false
		}
		w.WriteString(sep)
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("write %s: %w", GroundTruthFile, err)
		}
	}
	return nil
}

func (s *fileSink) documentAlerts(as []DocumentAlert) error {
	for _, a := range as {
		if err := s.docCSV.Write([]string{a.DocumentNumber, a.Country, a.Type, a.Status, a.ReportedOn, a.ReportingAgency, a.AlertID}); err != nil {
			return fmt.Errorf("write %s: %w", DocumentAlertFile, err)
		}
	}
	return nil
}

func (s *fileSink) vehicleAlerts(as []VehicleAlert) error {
	for _, a := range as {
		if err := s.vehCSV.Write([]string{a.VIN, a.Plate, a.Country, a.Make, a.Model, a.Colour, a.Status, a.ReportedOn, a.ReportingAgency, a.AlertID}); err != nil {
			return fmt.Errorf("write %s: %w", VehicleAlertFile, err)
		}
	}
	return nil
}

func (s *fileSink) timeline(es []TimelineEvent) error {
	for i := range es {
		if err := s.timelineE.Encode(&es[i]); err != nil {
			return fmt.Errorf("write %s: %w", TimelineFile, err)
		}
	}
	return nil
}

// finish completes the ground truth document and flushes every file.
func (s *fileSink) finish() error {
	if _, err := s.gtFile.buf.WriteString("\n]}\n"); err != nil {
		return fmt.Errorf("write %s: %w", GroundTruthFile, err)
	}
	for _, w := range []*csv.Writer{s.docCSV, s.vehCSV} {
		w.Flush()
		if err := w.Error(); err != nil {
			return fmt.Errorf("write alerts: %w", err)
		}
	}
	for _, o := range s.outs {
		if err := o.buf.Flush(); err != nil {
			return fmt.Errorf("write %s: %w", o.name, err)
		}
	}
	return nil
}

// close closes every file, returning the first error.
func (s *fileSink) close() error {
	var first error
	for _, o := range s.outs {
		if err := o.wc.Close(); err != nil && first == nil {
			first = fmt.Errorf("close %s: %w", o.name, err)
		}
	}
	s.outs = nil
	return first
}
