package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/exercise"
	"github.com/liaison-project/liaison/internal/policy"
)

// maxTokensFile bounds an exercise tokens file.
const maxTokensFile = 64 << 10

// journalFile is the exercise journal's default name in the scenario
// directory.
const journalFile = "exercise-journal.jsonl"

func newExerciseCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exercise",
		Short: "Training exercises: play a synthetic scenario into running nodes, then clean up",
		Long: `Agencies train together on a synthetic scenario ("liaison scenario generate") played into
their running nodes over time: records are created, shared, messaged and withdrawn on the
scenario's timeline, as an exercise; on exercise nodes, alerts are loaded and border checks,
notices and hit/no-hit queries are played too.

Exercise data never mixes with real data. The exercise acts with exercise tokens ("liaison
exercise token"): their principals read and create exercise data only, records are marked
exercise with purpose training, every audit event they cause carries the exercise flag, and
messages carry "EXERCISE" in the subject, the body and the case reference.

Notices, alerts and border checks have no exercise marker of their own, so they are played
only on exercise nodes ("liaison init --exercise"): training instances that hold exercise data
only, whose signed partner cards say so, and that federate only with each other. There every
officer acts inside the exercise, notices and alerts are exercise data sent to exercise
partners only, and hit/no-hit queries are answered from exercise records. Played into real
nodes, an exercise reports those events as skipped, saying why. "liaison exercise clean"
erases the exercise's records, and on exercise nodes cancels their notices and alerts, each
erasure and cancellation audited.`,
	}
	cmd.AddCommand(newExerciseTokenCmd(env), newExerciseRunCmd(env), newExerciseCleanCmd(env))
	return cmd
}

func newExerciseTokenCmd(env *Env) *cobra.Command {
	var user, expires string
	cmd := &cobra.Command{
		Use:   "token --user NAME [--expires 24h]",
		Short: "Create an exercise token for a SPOC (admin; printed once)",
		Long: `Create an API token that acts inside a training exercise, for the user NAME (a SPOC, who may
create, share, withdraw and erase records). Put it in the tokens file of "liaison exercise
run" and "clean" as a line AGENCY=TOKEN.`,
		Example: `  liaison exercise token --user trainer --expires 48h --dir ./nl`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if user == "" {
				return errors.New("--user is required")
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			var res struct {
				Token struct {
					ID        string    `json:"id"`
					ExpiresAt time.Time `json:"expiresAt"`
				} `json:"token"`
				Secret string `json:"secret"`
			}
			body := map[string]any{"username": user, "expiresIn": expires, "name": "exercise", "exercise": true}
			if err := c.Post(cmd.Context(), "/api/v1/tokens", body, &res); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(res)
			}
			fmt.Fprintf(env.Stdout, "Exercise token %s for %s, expires %s. Store it now; it is not shown again:\n  %s\n",
				res.Token.ID, user, res.Token.ExpiresAt.Format(time.RFC3339), res.Secret)
			return nil
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "the SPOC who runs the exercise on this node (required)")
	cmd.Flags().StringVar(&expires, "expires", "24h", "lifetime, e.g. 24h")
	return cmd
}

// exerciseFlags are the node flags run and clean share.
type exerciseFlags struct {
	nodes   string
	tokens  string
	caFiles []string
}

func (f *exerciseFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.nodes, "nodes", "", "the nodes, as AGENCY=URL,… (agency ids of the scenario) (required)")
	fl.StringVar(&f.tokens, "tokens", "", "file of exercise tokens, one AGENCY=TOKEN per line (required)")
	fl.StringSliceVar(&f.caFiles, "ca-file", nil, "PEM certificates to trust for the nodes (repeatable; default LIAISON_CA_FILE)")
	cmd.MarkFlagRequired("nodes")
	cmd.MarkFlagRequired("tokens")
}

// exerciseNodes builds the nodes from the flags.
func (f *exerciseFlags) exerciseNodes(env *Env) ([]*exercise.Node, error) {
	urls, err := parseNodes(f.nodes)
	if err != nil {
		return nil, err
	}
	data, err := readLimited(f.tokens, maxTokensFile)
	if err != nil {
		return nil, fmt.Errorf("tokens file: %w", err)
	}
	tokens, err := parseTokens(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.tokens, err)
	}
	files := f.caFiles
	if len(files) == 0 && env.Getenv("LIAISON_CA_FILE") != "" {
		files = []string{env.Getenv("LIAISON_CA_FILE")}
	}
	var roots *x509.CertPool
	for _, file := range files {
		pem, err := readLimited(file, 1<<20)
		if err != nil {
			return nil, fmt.Errorf("CA file: %w", err)
		}
		if roots == nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", file)
		}
	}
	var nodes []*exercise.Node
	for _, a := range sortedKeys(urls) {
		tok, ok := tokens[a]
		if !ok {
			return nil, fmt.Errorf("no token for %s in %s", a, f.tokens)
		}
		nodes = append(nodes, &exercise.Node{Agency: a, Client: client.New(urls[a], tok, roots)})
	}
	return nodes, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// maxNodes bounds the nodes of an exercise.
const maxNodes = 64

// parseNodes parses "NL-NCB=https://nl.example:8443,DE-BKA=https://…".
// URLs are https, or http on a loopback address.
func parseNodes(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		agency, raw, ok := strings.Cut(part, "=")
		if !ok || !policy.ValidAgencyID(agency) {
			return nil, fmt.Errorf("--nodes: %q is not AGENCY=URL", part)
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("--nodes: %s: %q is not a node URL such as https://host:8443", agency, raw)
		}
		if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
			return nil, fmt.Errorf("--nodes: %s: use https (plain http only on loopback)", agency)
		}
		if _, dup := out[agency]; dup {
			return nil, fmt.Errorf("--nodes: %s given twice", agency)
		}
		if len(out) == maxNodes {
			return nil, fmt.Errorf("--nodes: more than %d nodes", maxNodes)
		}
		out[agency] = u.Scheme + "://" + u.Host
	}
	if len(out) == 0 {
		return nil, errors.New("--nodes: no node given")
	}
	return out, nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// parseTokens parses a tokens file: one AGENCY=TOKEN per line; blank lines
// and lines starting with # are ignored.
func parseTokens(data []byte) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		agency, tok, ok := strings.Cut(l, "=")
		agency, tok = strings.TrimSpace(agency), strings.TrimSpace(tok)
		if !ok || !policy.ValidAgencyID(agency) || tok == "" || strings.ContainsAny(tok, " \t") {
			return nil, fmt.Errorf("line %d is not AGENCY=TOKEN", line) // never echo a token
		}
		if _, dup := out[agency]; dup {
			return nil, fmt.Errorf("line %d: %s given twice", line, agency)
		}
		out[agency] = tok
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func newExerciseRunCmd(env *Env) *cobra.Command {
	var (
		flags        exerciseFlags
		dir, journal string
		speed        float64
		noBackground bool
	)
	cmd := &cobra.Command{
		Use:   "run --scenario DIR --nodes AGENCY=URL,… --tokens FILE [--speed 60]",
		Short: "Play a scenario's timeline into running nodes",
		Long: `Play the timeline of the scenario in DIR into the running nodes, one per agency of the
scenario: records of the background networks are loaded first, then each timeline event is
played at its offset divided by --speed (60: a minute of the timeline per second; 0: all at
once). Each event prints one line with its outcome (ok, skipped or failed) and what the nodes
answered; a summary line ends the run. The command exits 1 when an event failed.

Every token must be an exercise token of a SPOC ("liaison exercise token"; on an exercise
node every token is one): the exercise refuses to start with any other, and refuses a mix of
exercise and real nodes. Records the exercise creates are journalled to
DIR/` + journalFile + ` (or --journal), which "liaison exercise clean" reads.`,
		Example: `  liaison exercise run --scenario ./harbour --speed 60 --tokens exercise.tokens \
      --nodes NL-NCB=https://nl.example:8443,DE-BKA=https://de.example:8443,FR-OCRTIS=https://fr.example:8443`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return errors.New("--scenario is required")
			}
			sc, err := exercise.Open(dir)
			if err != nil {
				return err
			}
			nodes, err := flags.exerciseNodes(env)
			if err != nil {
				return err
			}
			if journal == "" {
				journal = filepath.Join(dir, journalFile)
			}
			jf, err := os.OpenFile(journal, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
			if err != nil {
				return fmt.Errorf("journal: %w", err)
			}
			defer jf.Close()
			fmt.Fprintf(env.Stdout, "Exercise %s: %d timeline events, speed %g; journal %s\n",
				sc.Manifest.Story.Operation, len(sc.Timeline), speed, journal)
			p := &exercise.Player{Scenario: sc, Nodes: nodes, Speed: speed, Background: !noBackground, Out: env.Stdout, Journal: jf}
			sum, err := p.Run(cmd.Context())
			if err != nil {
				return err
			}
			if err := jf.Sync(); err != nil {
				return fmt.Errorf("journal: %w", err)
			}
			if sum.Failed > 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("%d timeline events failed", sum.Failed)}
			}
			return nil
		},
	}
	flags.add(cmd)
	f := cmd.Flags()
	f.StringVar(&dir, "scenario", "", "scenario directory written by \"liaison scenario generate\" (required)")
	f.Float64Var(&speed, "speed", 1, fmt.Sprintf("timeline seconds per second (0: no waiting; at most %d)", exercise.MaxSpeed))
	f.StringVar(&journal, "journal", "", "journal of created records (default DIR/"+journalFile+")")
	f.BoolVar(&noBackground, "no-background", false, "do not load the background networks' records")
	return cmd
}

func newExerciseCleanCmd(env *Env) *cobra.Command {
	var (
		flags   exerciseFlags
		journal string
	)
	cmd := &cobra.Command{
		Use:   "clean --nodes AGENCY=URL,… --tokens FILE [--journal FILE]",
		Short: "Erase every exercise record from the nodes, and cancel exercise nodes' notices and alerts (audited)",
		Long: `Erase, on every node, each exercise record the node's exercise token can read, and each
record the journal of "liaison exercise run" names (withdrawn records, which search no longer
lists). Every erasure is the record service's own: personal data goes from every table and
index, a tombstone stays, and the audit log records the erasure as the exercise's. Exercise
tokens cannot read real data, so the clean-up cannot erase it. On exercise nodes, every notice
and alert of the node still in circulation is cancelled too, each cancellation audited and
sent to the partners holding it.`,
		Example: `  liaison exercise clean --tokens exercise.tokens --journal ./harbour/exercise-journal.jsonl \
      --nodes NL-NCB=https://nl.example:8443,DE-BKA=https://de.example:8443,FR-OCRTIS=https://fr.example:8443`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			nodes, err := flags.exerciseNodes(env)
			if err != nil {
				return err
			}
			var entries []exercise.JournalEntry
			if journal != "" {
				f, err := os.Open(journal)
				if err != nil {
					return fmt.Errorf("journal: %w", err)
				}
				entries, err = exercise.ReadJournal(f)
				f.Close()
				if err != nil {
					return err
				}
			}
			return cleanNodes(cmd.Context(), env, nodes, entries)
		},
	}
	flags.add(cmd)
	cmd.Flags().StringVar(&journal, "journal", "", "journal written by \"liaison exercise run\"")
	return cmd
}

func cleanNodes(ctx context.Context, env *Env, nodes []*exercise.Node, entries []exercise.JournalEntry) error {
	var failed []error
	for _, n := range nodes {
		res, err := exercise.Clean(ctx, n, entries)
		if err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", n.Agency, err))
			if res == nil {
				continue
			}
		}
		fmt.Fprintf(env.Stdout, "%s (%s): %d exercise records erased, %d already gone", n.Agency, res.Agency, res.Erased, res.Gone)
		if n.ExerciseNode() {
			fmt.Fprintf(env.Stdout, "; %d notices and %d alerts cancelled", res.Notices, res.Alerts)
		}
		fmt.Fprintln(env.Stdout)
	}
	if len(failed) > 0 {
		return &ExitError{Code: 1, Err: errors.Join(failed...)}
	}
	return nil
}
