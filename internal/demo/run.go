package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/exercise"
	"github.com/liaison-project/liaison/internal/scenario"
)

// Options configure a demo run.
type Options struct {
	// Launcher creates and serves the nodes (required).
	Launcher Launcher
	// Dir holds the scenario, the node directories and their logs. It must
	// not exist or be empty. Empty: a temporary directory, removed when
	// Run returns.
	Dir string
	// Seed of the scenario; the same seed plays the same story.
	Seed int64
	// Check runs headless: one line per step and a summary line. Without
	// it, Run narrates each step and, after the story, prints how to reach
	// the nodes and keeps them running until ctx ends.
	Check bool
	// Out receives the narration or the step lines.
	Out io.Writer
	// StepTimeout bounds every wait for asynchronous work, such as a
	// delivery to a partner (default 20 s).
	StepTimeout time.Duration
}

// DefaultStepTimeout bounds each wait for asynchronous work.
const DefaultStepTimeout = 20 * time.Second

// pollInterval is how often a wait looks again.
const pollInterval = 50 * time.Millisecond

// StepResult is the outcome of one step.
type StepResult struct {
	N      int
	Title  string
	Detail string // what was observed
	Err    error  // nil when the step passed
	// Skipped is set when the nodes do not offer what the step needs.
	Skipped bool
	Took    time.Duration
}

// Report is the outcome of a run.
type Report struct {
	Steps                   []StepResult
	Passed, Failed, Skipped int
	Took                    time.Duration
	Dir                     string
}

// OK reports whether every step passed.
func (r *Report) OK() bool { return r.Failed == 0 && len(r.Steps) > 0 }

// step is one scene of the story: a title, a narration told before it
// runs, and the action with its assertions, which returns what it
// observed.
type step struct {
	title string
	say   func() string
	run   func(ctx context.Context) (string, error)
	// essential steps build what every later step needs: when one fails,
	// the rest are not run.
	essential bool
	// needs is an API path the step uses that a node may not offer yet
	// (a capability not in this build): without it the step is skipped.
	needs string
}

// demo is one run.
type demo struct {
	opts        Options
	dir         string
	out         io.Writer
	nodeCtx     context.Context // nodes run until it ends
	stopServing context.CancelFunc
	nodes       []*node
	// paths are the API paths the nodes offer (from the lead node's
	// OpenAPI document), to skip the steps of capabilities not built in.
	paths map[string]bool

	sc    *exercise.Scenario
	story scenario.Story
	// records maps scenario record ids to the ids the nodes gave them;
	// recordCase maps them to their case references.
	records    map[string]string
	recordCase map[string]string
	loadedAt   time.Time // when the last record was loaded
	// state shared between steps
	shareThread string // the thread of the share message at the lead
	// verified is each node's audit log size the DPO verified (step
	// "audit logs verify"): partners must cosign at least that much.
	verified     map[string]uint64
	shareMessage string
	hitID        string // the passport hit at the lead agency
	hitQuerier   *node
}

// Run plays the demo. It returns an error only when the run could not be
// set up at all; failed steps are in the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Launcher == nil {
		return nil, errors.New("demo: no launcher")
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.StepTimeout <= 0 {
		o.StepTimeout = DefaultStepTimeout
	}
	start := time.Now()
	dir, cleanup, err := workDir(o.Dir)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	d := &demo{opts: o, dir: dir, out: o.Out, records: map[string]string{}, recordCase: map[string]string{}}
	d.nodeCtx, d.stopServing = context.WithCancel(context.WithoutCancel(ctx))
	defer d.stopNodes()

	if !o.Check {
		fmt.Fprintf(d.out, "Liaison demo: three agencies work one cross-border case (seed %d, data in %s).\n\n", o.Seed, dir)
	}
	rep := &Report{Dir: dir}
	steps := d.steps()
	abort := ""
	for i, s := range steps {
		res := StepResult{N: i + 1, Title: s.title}
		ran := false
		switch {
		case ctx.Err() != nil:
			res.Err = fmt.Errorf("not run: %w", ctx.Err())
		case abort != "":
			res.Err = errors.New("not run: " + abort)
		case s.needs != "" && !d.offers(s.needs):
			res.Skipped = true
			res.Detail = "the nodes do not offer " + s.needs + " in this build"
		default:
			ran = true
			if !o.Check {
				fmt.Fprintf(d.out, "%2d. %s\n", res.N, capitalize(s.title))
				if s.say != nil {
					fmt.Fprint(d.out, wrap(s.say(), "    ", "    ", lineWidth))
				}
			}
			t0 := time.Now()
			res.Detail, res.Err = s.run(ctx)
			res.Took = time.Since(t0)
			if res.Err != nil && s.essential {
				abort = fmt.Sprintf("step %d (%s) failed", res.N, s.title)
			}
		}
		rep.Steps = append(rep.Steps, res)
		switch {
		case res.Skipped:
			rep.Skipped++
		case res.Err == nil:
			rep.Passed++
		default:
			rep.Failed++
		}
		d.printResult(res, ran)
	}
	rep.Took = time.Since(start)
	if o.Check {
		fmt.Fprintf(d.out, "demo: %d steps passed, %d failed in %.1f s\n", rep.Passed, rep.Failed, rep.Took.Seconds())
		return rep, nil
	}
	skipped := ""
	if rep.Skipped > 0 {
		skipped = fmt.Sprintf(", %d skipped (not in this build)", rep.Skipped)
	}
	fmt.Fprintf(d.out, "\nThe story took %.1f s: %d steps passed, %d failed%s.\n", rep.Took.Seconds(), rep.Passed, rep.Failed, skipped)
	if len(d.nodes) > 0 && abort == "" {
		d.printAccess()
		<-ctx.Done()
		fmt.Fprintln(d.out, "\nStopping the nodes…")
	}
	return rep, nil
}

// offers reports whether the nodes offer the API path.
func (d *demo) offers(path string) bool { return d.paths[path] }

// printResult writes a step's outcome: "ok   3 title: detail (0.4 s)" in
// check mode, an indented result line after the narration otherwise.
func (d *demo) printResult(r StepResult, ran bool) {
	took := ""
	if r.Took > 0 {
		took = fmt.Sprintf(" (%.1f s)", r.Took.Seconds())
		if !d.opts.Check {
			took = fmt.Sprintf(" (%.1f\u00a0s)", r.Took.Seconds()) // wrap keeps it on one line
		}
	}
	if r.Skipped {
		if d.opts.Check {
			fmt.Fprintf(d.out, "skip %2d %s: %s\n", r.N, r.Title, r.Detail)
		} else {
			fmt.Fprintf(d.out, "%2d. %s\n    skipped: %s\n\n", r.N, capitalize(r.Title), r.Detail)
		}
		return
	}
	if d.opts.Check {
		if r.Err != nil {
			// One line per step: joined errors are listed with semicolons.
			fmt.Fprintf(d.out, "FAIL %2d %s: %s%s\n", r.N, r.Title, strings.ReplaceAll(r.Err.Error(), "\n", "; "), took)
			return
		}
		fmt.Fprintf(d.out, "ok   %2d %s: %s%s\n", r.N, r.Title, r.Detail, took)
		return
	}
	if !ran {
		fmt.Fprintf(d.out, "%2d. %s\n", r.N, capitalize(r.Title))
	}
	if r.Err != nil {
		fmt.Fprint(d.out, wrap(fmt.Sprintf("FAIL: %v%s", r.Err, took), "    ", "          ", lineWidth)+"\n")
		return
	}
	fmt.Fprint(d.out, wrap(fmt.Sprintf("ok: %s%s", r.Detail, took), "    ", "        ", lineWidth)+"\n")
}

// printAccess tells how to reach each node: portal, API, logins.
func (d *demo) printAccess() {
	w := d.out
	fmt.Fprintln(w, "\nThe three nodes keep running. Log in to a portal with a login below (the one-time password")
	fmt.Fprintln(w, "must be changed at first login; the certificate is the node's own, so the browser warns),")
	fmt.Fprintln(w, "or use the API with the admin token, e.g.:")
	n0 := d.nodes[0]
	fmt.Fprintf(w, "  LIAISON_CA_FILE=%s liaison --url %s --token \"$(cat %s)\" partner status\n",
		n0.init.CertFile, n0.apiURL, n0.init.AdminTokenFile)
	for _, n := range d.nodes {
		fmt.Fprintf(w, "\n%s  %s\n", n.agency.ID, n.agency.Name)
		fmt.Fprintf(w, "  portal      %s/login\n", n.apiURL)
		fmt.Fprintf(w, "  API         %s/api/v1   admin token in %s\n", n.apiURL, n.init.AdminTokenFile)
		fmt.Fprintf(w, "  node dir    %s   log %s\n", n.spec.Dir, n.logFile)
		fmt.Fprintf(w, "  logins      ")
		var logins []string
		for _, r := range append([]access.Role{access.Admin}, officerRoles...) {
			if o := n.officers[r]; o != nil && o.password != "" {
				logins = append(logins, fmt.Sprintf("%s / %s", o.username, o.password))
			}
		}
		fmt.Fprintln(w, strings.Join(logins, "\n              "))
	}
	fmt.Fprintln(w, "\nPress Ctrl-C to stop the nodes.")
}

// workDir returns the directory of the run: dir (created, must be empty),
// or a new temporary directory that cleanup removes.
func workDir(dir string) (string, func(), error) {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "liaison-demo-")
		if err != nil {
			return "", nil, err
		}
		return tmp, func() { os.RemoveAll(tmp) }, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	entries, err := os.ReadDir(abs)
	switch {
	case err == nil && len(entries) > 0:
		return "", nil, fmt.Errorf("demo: %s is not empty: give a new or empty directory", abs)
	case err != nil && !os.IsNotExist(err):
		return "", nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", nil, err
	}
	return abs, func() {}, nil
}

// eventually calls f every pollInterval until it succeeds, the step timeout
// passes or ctx ends; it returns f's last error.
func (d *demo) eventually(ctx context.Context, what string, f func(ctx context.Context) error) error {
	deadline := time.Now().Add(d.opts.StepTimeout)
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		err := f(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not within %s: %w", what, d.opts.StepTimeout, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last: %v)", what, ctx.Err(), err)
		case <-t.C:
		}
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// lineWidth is the width the narration is wrapped to.
const lineWidth = 100

// wrap breaks s into lines of at most width bytes at ASCII spaces (a
// no-break space holds words together), the first prefixed by first and
// the others by rest; line breaks in s are kept.
func wrap(s, first, rest string, width int) string {
	var b strings.Builder
	prefix := first
	for _, para := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		line := prefix
		empty := true
		for _, w := range strings.FieldsFunc(para, func(r rune) bool { return r == ' ' || r == '\t' }) {
			if !empty && len(line)+1+len(w) > width {
				b.WriteString(line + "\n")
				line, empty = rest, true
			}
			if !empty {
				line += " "
			}
			line += w
			empty = false
		}
		b.WriteString(line + "\n")
		prefix = rest
	}
	return b.String()
}
