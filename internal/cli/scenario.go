package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/scenario"
)

func newScenarioCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenario",
		Short: "Synthetic cross-border cases for demos, exercises and benchmarks",
		Long: `Scenarios are synthetic but realistic cross-border cases: criminal networks whose members,
documents, vehicles, accounts, companies and movements are held in part, and differently,
by the agencies of several countries, with the ground truth of which records describe the
same real-world thing, alerts on stolen documents and vehicles, and an exercise timeline.

Every record carries "synthetic": true. Identifiers have valid formats and check digits
and may coincide with real ones, so load scenario data only for demos, exercises and tests.`,
	}
	cmd.AddCommand(newScenarioGenerateCmd(env))
	return cmd
}

func newScenarioGenerateCmd(env *Env) *cobra.Command {
	var (
		opts      scenario.Options
		countries string
		size      string
		kind      string
		out       string
	)
	cmd := &cobra.Command{
		Use:   "generate --out DIR [--seed N] [--countries NL,DE,FR] [--size small|medium|large]",
		Short: "Write a scenario to a directory (deterministic for a seed)",
		Long: `Write a scenario under DIR, which must not exist or be empty:

  scenario.json              manifest: options, agencies, story hooks, counts
  <AGENCY>/records.jsonl     one record per line: envelope and FtM entities
  ground_truth.json          which entities describe the same person or object
  timeline.jsonl             the exercise timeline
  alerts.csv                 stolen, lost and revoked travel documents
  vehicle_alerts.csv         stolen and wanted vehicles

The same seed, countries, size and kind always give byte-identical files. Sizes:
small is the story network alone (a few hundred entities, what "liaison demo" loads),
medium adds 40 background networks (several thousand entities), large adds 9,000
(more than a million entities, for benchmarks). The first country's agency leads the
story investigation.

Progress goes to standard error, the summary to standard output (--json: the manifest).`,
		Example: `  liaison scenario generate --seed 7 --countries NL,DE,FR --size small --out ./scenario
  liaison scenario generate --seed 1 --countries NL,DE,FR,BE,PL --size large --out /data/bench`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Countries, err = scenario.ParseCountries(countries); err != nil {
				return err
			}
			if opts.Size, err = scenario.ParseSize(size); err != nil {
				return err
			}
			if opts.Kind, err = scenario.ParseKind(kind); err != nil {
				return err
			}
			if out == "" {
				return fmt.Errorf("--out is required")
			}
			start := time.Now()
			prog := newGenerateProgress(env.Stderr)
			m, err := writeScenario(opts, out, prog)
			prog.finish()
			if err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(m)
			}
			printScenarioSummary(env, m, out, time.Since(start))
			return nil
		},
	}
	f := cmd.Flags()
	f.Int64Var(&opts.Seed, "seed", 1, "random seed: the same seed gives the same scenario")
	f.StringVar(&countries, "countries", "NL,DE,FR", "participating countries (ISO codes), at least two; the first leads ("+strings.Join(scenario.SupportedCountries(), ",")+")")
	f.StringVar(&size, "size", "small", "small, medium or large")
	f.StringVar(&kind, "kind", "", "story network: drugs-money-laundering (default), human-trafficking or cyber-fraud")
	f.IntVar(&opts.DocumentAlerts, "document-alerts", 0, fmt.Sprintf("rows in alerts.csv (default by size; at most %d)", scenario.MaxDocumentAlerts))
	f.StringVar(&out, "out", "", "output directory; must not exist or be empty (required)")
	return cmd
}

// writeScenario is scenario.WriteDir with every file counted by prog.
func writeScenario(opts scenario.Options, dir string, prog *generateProgress) (*scenario.Manifest, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0:
		return nil, fmt.Errorf("%s is not empty: refusing to mix two scenarios", dir)
	case err != nil && !os.IsNotExist(err):
		return nil, fmt.Errorf("read output directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	return scenario.Write(opts, func(name string) (io.WriteCloser, error) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		f, err := os.Create(p)
		if err != nil {
			return nil, err
		}
		return prog.wrap(name, f), nil
	})
}

// generateProgress counts what the generator writes: bytes, records and
// entities of the agencies' record files, and alert rows. On a terminal it
// redraws one status line a few times a second.
type generateProgress struct {
	w        io.Writer
	tty      bool
	start    time.Time
	bytes    atomic.Int64
	records  atomic.Int64
	entities atomic.Int64
	alerts   atomic.Int64
	stop     chan struct{}
	done     sync.WaitGroup
}

func newGenerateProgress(w io.Writer) *generateProgress {
	p := &generateProgress{w: w, tty: isTerminal(w), start: time.Now(), stop: make(chan struct{})}
	if p.tty {
		p.done.Add(1)
		go p.draw()
	}
	return p
}

// isTerminal reports whether w is a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *generateProgress) draw() {
	defer p.done.Done()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			fmt.Fprintf(p.w, "\r%s\x1b[K", p.line())
		}
	}
}

// finish stops redrawing and leaves the final counts on one line.
func (p *generateProgress) finish() {
	close(p.stop)
	p.done.Wait()
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintln(p.w, p.line())
}

// line renders "12,345 entities in 890 records, 50,000 alert rows, 14.2 MB, 41,000 entities/s, 0:03".
func (p *generateProgress) line() string {
	el := time.Since(p.start)
	rate := ""
	if s := el.Seconds(); s > 0 {
		rate = fmt.Sprintf(", %s entities/s", thousands(int64(float64(p.entities.Load())/s)))
	}
	return fmt.Sprintf("%s entities in %s records, %s alert rows, %s%s, %s",
		thousands(p.entities.Load()), thousands(p.records.Load()), thousands(p.alerts.Load()),
		byteSize(p.bytes.Load()), rate, minutes(el))
}

// wrap counts what is written to the file name of the layout.
func (p *generateProgress) wrap(name string, wc io.WriteCloser) io.WriteCloser {
	c := &countingFile{WriteCloser: wc, p: p}
	switch {
	case strings.HasSuffix(name, "/"+scenario.RecordsFile):
		c.lines, c.entities = &p.records, &p.entities
	case name == scenario.DocumentAlertFile || name == scenario.VehicleAlertFile:
		c.lines = &p.alerts
		c.skipHeader = true
	}
	return c
}

// entityStart begins every entity of a record line, and the record itself
// (the generator writes "id" first and escapes quotes inside strings, so
// the pattern occurs nowhere else).
var entityStart = []byte(`{"id":`)

// countingFile counts bytes, lines and entity starts written through it.
// Writes arrive in buffer-sized pieces, so the tail of the previous piece
// is kept to find a pattern that straddles two.
type countingFile struct {
	io.WriteCloser
	p          *generateProgress
	lines      *atomic.Int64
	entities   *atomic.Int64
	skipHeader bool
	tail       []byte
}

func (c *countingFile) Write(b []byte) (int, error) {
	n, err := c.WriteCloser.Write(b)
	b = b[:n]
	c.p.bytes.Add(int64(n))
	if c.lines != nil {
		nl := int64(bytes.Count(b, []byte{'\n'}))
		if c.skipHeader && nl > 0 {
			nl--
			c.skipHeader = false
		}
		c.lines.Add(nl)
		if c.entities != nil {
			// Each line holds the record's own id and one per entity.
			joined := append(c.tail, b...)
			c.entities.Add(int64(bytes.Count(joined, entityStart)) - nl)
			keep := min(len(entityStart)-1, len(joined))
			c.tail = slices.Clone(joined[len(joined)-keep:])
		}
	}
	return n, err
}

func printScenarioSummary(env *Env, m *scenario.Manifest, dir string, took time.Duration) {
	w := env.Stdout
	c := m.Counts
	fmt.Fprintf(w, "Wrote scenario to %s (seed %d, %s, %s) in %s: %s entities/s\n", dir, m.Options.Seed, m.Options.Size,
		m.Options.Kind, took.Round(time.Millisecond), thousands(int64(float64(c.Entities)/max(took.Seconds(), 1e-9))))
	fmt.Fprintf(w, "  %s entities in %s records, %s real persons, %s networks\n",
		thousands(int64(c.Entities)), thousands(int64(c.Records)), thousands(int64(c.Persons)), thousands(int64(c.Networks)))
	fmt.Fprintf(w, "  %s document alerts, %s vehicle alerts, %s timeline events, %s ground-truth clusters\n",
		thousands(int64(c.DocumentAlerts)), thousands(int64(c.VehicleAlerts)), thousands(int64(c.TimelineEvents)), thousands(int64(c.Clusters)))
	fmt.Fprintln(w, "  entities per agency:")
	for _, a := range m.Agencies {
		fmt.Fprintf(w, "    %-10s %10s  %s (%s)\n", a.ID, thousands(int64(c.ByAgency[a.ID])), a.Name, a.Country)
	}
	schemas := make([]string, 0, len(c.BySchema))
	for s := range c.BySchema {
		schemas = append(schemas, s)
	}
	slices.Sort(schemas)
	parts := make([]string, len(schemas))
	for i, s := range schemas {
		parts[i] = fmt.Sprintf("%s %s", s, thousands(int64(c.BySchema[s])))
	}
	fmt.Fprintf(w, "  by schema: %s\n", strings.Join(parts, ", "))
	st := m.Story
	fmt.Fprintf(w, "  story: operation %s led by %s; main suspect held by %d agencies; red notice requested by %s\n",
		st.Operation, st.LeadAgency, len(st.MainSuspect.Holdings), st.RedNotice.RequestingCountry)
}

// thousands formats n with comma separators: 1234567 → "1,234,567".
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
