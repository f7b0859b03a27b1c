package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// recordChunkBytes bounds one import request: a file is uploaded in parts
// of about this size, cut between records, each part retried safely under
// its own Idempotency-Key. It stays well under the API's default body
// limit (10 MiB) and the client's request timeout.
const recordChunkBytes = 4 << 20

func newRecordCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "record",
		Short: "Intelligence records: import, export, search, show, withdraw, review",
		Long: `Intelligence records hold what this agency knows about persons, documents, vehicles,
accounts and organisations as FollowTheMoney (FtM) entities, under a policy envelope:
originator, handling codes H0–H3, TLP, evaluation, purpose, legal basis and review date.

Every command that reads or changes records needs a justification: --justification TEXT
or --case REF (a case reference). What you read is written to the audit log.`,
	}
	cmd.AddCommand(newRecordImportCmd(env), newRecordExportCmd(env), newRecordSearchCmd(env), newRecordShowCmd(env),
		newRecordLookupCmd(env), newRecordCorrelationsCmd(env), newRecordWithdrawCmd(env), newRecordReviewCmd(env),
		newRecordEraseCmd(env))
	cmd.AddCommand(newRecordShareCmds(env)...)
	return cmd
}

func newRecordImportCmd(env *Env) *cobra.Command {
	var (
		envelopePath string
		opts         record.ImportOptions
		oneRecord    bool
		category     string
	)
	cmd := &cobra.Command{
		Use:   "import FILE|- --envelope ENVELOPE.json [--group-by PROP | --one-record]",
		Short: "Import FtM JSON lines as records",
		Long: `Import FtM entities, one JSON object per line (FILE, or - for standard input), as records
under the policy envelope in ENVELOPE.json (originator and country default to this
node's; without a reviewDate each record gets the default for its data subjects).

Entities are grouped into records by --group-by PROP: consecutive lines with the same
first value of property PROP form one record, so sort the input by it. Without it
(--one-record, the default) the whole file is one record.

A line that is not a valid FtM entity rejects the record its group forms, never part
of one; the other records are imported. Errors name the line, entity and property.
Properties FtM 3.8 does not know (FtM 4 data such as OpenSanctions exports) are kept
aside with a warning and exported unchanged; --strict rejects them instead.
Every Person needs a data-subject category: --category suspect|convicted|victim|
witness|contact|other.

Progress goes to standard error, the summary to standard output. The command exits
with status 1 when any record was rejected.`,
		Example: `  liaison record import seizures.ftm.jsonl --envelope envelope.json --group-by publisher \
      --category suspect --justification "operation TIDE" --dir ./nl
  jq -c '.entities[]' records.jsonl | liaison record import - --envelope env.json --case NL-2025-17`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if oneRecord && opts.GroupBy != "" {
				return errors.New("--one-record and --group-by exclude each other")
			}
			envData, err := readLimited(envelopePath, 64<<10)
			if err != nil {
				return fmt.Errorf("read envelope: %w", err)
			}
			if err := json.Unmarshal(envData, &opts.Envelope); err != nil {
				return fmt.Errorf("envelope %s: %w", envelopePath, err)
			}
			opts.Category = policy.DataSubjectCategory(category)
			if opts.Title == "" {
				opts.Title = "Import of " + filepath.Base(args[0])
				if args[0] == "-" {
					opts.Title = "Import from standard input"
				}
			}
			in, size, err := openInput(env, args[0])
			if err != nil {
				return err
			}
			defer in.Close()
			c, err := env.Client()
			if err != nil {
				return err
			}
			sum, err := importRecords(cmd.Context(), env, c, in, size, opts)
			if err != nil {
				return err
			}
			if env.JSON {
				if err := env.printJSON(sum); err != nil {
					return err
				}
			} else {
				printImportSummary(env, sum)
			}
			if sum.Rejected > 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d records rejected", sum.Rejected, sum.Rejected+sum.Records)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&envelopePath, "envelope", "", "policy envelope JSON file (required)")
	f.StringVar(&opts.GroupBy, "group-by", "", "property whose first value groups consecutive entities into records")
	f.BoolVar(&oneRecord, "one-record", false, "the whole input is one record (the default)")
	f.BoolVar(&opts.Strict, "strict", false, "reject properties FtM 3.8 does not know")
	f.StringVar(&category, "category", "", "data-subject category of every Person (required when there are persons)")
	f.StringVar(&opts.Title, "title", "", "record title (with --group-by, the group's value is appended)")
	f.StringVar(&opts.CaseRef, "case-ref", "", "this agency's case reference for the records")
	cmd.MarkFlagRequired("envelope")
	return cmd
}

// openInput opens FILE or standard input and returns its size when known.
func openInput(env *Env, path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(env.Stdin), 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// importRecords uploads the input in parts cut between records and adds
// up the parts' summaries.
func importRecords(ctx context.Context, env *Env, c *client.Client, in io.Reader, size int64, opts record.ImportOptions) (*record.ImportSummary, error) {
	total := &record.ImportSummary{RecordIDs: []string{}}
	bar := newImportBar(env.Stderr, size)
	br := bufio.NewReaderSize(in, 1<<20)
	run := client.NewIdempotencyKey()
	var (
		chunk   bytes.Buffer
		sent    int64
		line    int // lines read
		first   = 1 // number of the first line of the current part
		part    int
		lastKey []byte
	)
	send := func() error {
		if chunk.Len() == 0 {
			return nil
		}
		if opts.GroupBy == "" && chunk.Len() > 2*recordChunkBytes {
			return fmt.Errorf("the input (%s) is too large for one record: group it into records with --group-by", byteSize(int64(chunk.Len())))
		}
		if err := sendImportPart(ctx, c, chunk.Bytes(), opts, first, run+"-"+strconv.Itoa(part), total); err != nil {
			return err
		}
		sent += int64(chunk.Len())
		part++
		chunk.Reset()
		bar.Update(sent, total.Entities)
		return nil
	}
	for {
		l, err := readImportLine(br)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return total, fmt.Errorf("read line %d: %w", line+1, err)
		}
		line++
		key := groupKeyOf(l, opts.GroupBy)
		// Cut only between groups, so that a record never spans two
		// requests; without --group-by the input is one record and goes
		// in one request.
		if opts.GroupBy != "" && chunk.Len() >= recordChunkBytes && !bytes.Equal(key, lastKey) {
			if err := send(); err != nil {
				return total, err
			}
			first = line
		}
		lastKey = key
		chunk.Write(l)
	}
	if err := send(); err != nil {
		return total, err
	}
	total.Lines = line
	bar.Done(sent, total.Entities)
	return total, nil
}

// maxImportLine bounds a line the CLI holds: longer lines are cut (the
// node refuses lines over 1 MiB, naming them), so that a broken file
// cannot exhaust memory.
const maxImportLine = 2 << 20

// readImportLine reads a line including its newline, cut to maxImportLine.
func readImportLine(br *bufio.Reader) ([]byte, error) {
	var l []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(l) < maxImportLine {
			l = append(l, chunk[:min(len(chunk), maxImportLine-len(l))]...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(l) == 0 {
				return nil, io.EOF
			}
			return append(l, '\n'), nil
		case err != nil:
			return nil, err
		}
		if l[len(l)-1] != '\n' {
			l = append(l, '\n') // cut: keep the line a line
		}
		return l, nil
	}
}

// groupKeyOf returns the raw first value of the group-by property of a
// line, or nil (not an entity, or no grouping).
func groupKeyOf(line []byte, prop string) []byte {
	if prop == "" {
		return nil
	}
	var e struct {
		Properties map[string][]json.RawMessage `json:"properties"`
	}
	if json.Unmarshal(line, &e) != nil || len(e.Properties[prop]) == 0 {
		return nil
	}
	return e.Properties[prop][0]
}

// sendImportPart posts one part: a line of options, then the entities. The
// idempotency key makes a retried part safe.
func sendImportPart(ctx context.Context, c *client.Client, part []byte, opts record.ImportOptions, first int, key string, total *record.ImportSummary) error {
	opts.FirstLine = first
	head, err := json.Marshal(opts)
	if err != nil {
		return err
	}
	body := append(append(head, '\n'), part...)
	req := client.Request{Method: http.MethodPost, Path: "/api/v1/records/import", Body: bytes.NewReader(body),
		Header: http.Header{"Content-Type": {"application/x-ndjson"}}, IdempotencyKey: key}
	var sum record.ImportSummary
	if err := c.Do(ctx, req, &sum); err != nil {
		return fmt.Errorf("import lines %d and after: %w", first, err)
	}
	total.Entities += sum.Entities
	total.Records += sum.Records
	total.Rejected += sum.Rejected
	total.Errors = append(total.Errors, sum.Errors...)
	total.Warnings = append(total.Warnings, sum.Warnings...)
	total.Truncated = total.Truncated || sum.Truncated
	for k, v := range sum.UnknownProperties {
		if total.UnknownProperties == nil {
			total.UnknownProperties = map[string]int{}
		}
		total.UnknownProperties[k] += v
	}
	total.RecordIDs = append(total.RecordIDs, sum.RecordIDs...)
	total.Elapsed += sum.Elapsed
	return nil
}

func printImportSummary(env *Env, sum *record.ImportSummary) {
	fmt.Fprintf(env.Stdout, "Imported %d entities in %d records from %d lines; %d records rejected.\n",
		sum.Entities, sum.Records, sum.Lines, sum.Rejected)
	for _, e := range sum.Errors {
		fmt.Fprintf(env.Stdout, "  error: %s: %s\n", e.Field, e.Message)
	}
	if len(sum.UnknownProperties) > 0 {
		fmt.Fprintln(env.Stdout, "Properties unknown to FtM 3.8, kept aside and exported unchanged:")
		for k, n := range sum.UnknownProperties {
			fmt.Fprintf(env.Stdout, "  %s: %d\n", k, n)
		}
	}
	if sum.Truncated {
		fmt.Fprintln(env.Stdout, "  (more errors or warnings than listed)")
	}
}

func newRecordExportCmd(env *Env) *cobra.Command {
	var q url.Values
	var out string
	flags := searchFlags{}
	cmd := &cobra.Command{
		Use:   "export [--case REF] [-o FILE]",
		Short: "Export the records you may read as FtM JSON lines",
		Long: `Write the entities of every record you may read, one FtM JSON object per line, to
standard output or -o FILE. With --case REF (which also justifies the export) only the
records of that case are exported. Withdrawn and erased records are never exported.
Properties kept aside on import are written back unchanged.`,
		Example: `  liaison record export --case NL-2025-17 --dir ./nl > case.ftm.jsonl
  liaison record export --justification "transfer to the new system" --schema Vehicle -o vehicles.ftm.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			q = flags.values()
			if env.CaseRef != "" {
				q.Set("case", env.CaseRef)
			}
			w := env.Stdout
			if out != "" {
				f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			n, err := exportRecords(cmd.Context(), c, q, w)
			if err != nil {
				return err
			}
			if out != "" && !env.JSON {
				fmt.Fprintf(env.Stderr, "Exported %d entities to %s\n", n, out)
			}
			return nil
		},
	}
	flags.add(cmd, false)
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE (mode 0600) instead of standard output")
	return cmd
}

// exportRecords follows the export pages and copies their lines to w.
func exportRecords(ctx context.Context, c *client.Client, q url.Values, w io.Writer) (int, error) {
	n := 0
	for {
		resp, err := c.Raw(ctx, client.Request{Method: http.MethodGet, Path: "/api/v1/records/export", Query: q})
		if err != nil {
			return n, err
		}
		cw := &countingWriter{w: w}
		_, err = io.Copy(cw, resp.Body)
		resp.Body.Close()
		n += cw.lines
		if err != nil {
			return n, fmt.Errorf("export interrupted after %d entities: %w", n, err)
		}
		next := resp.Header.Get(record.NextCursorHeader)
		if next == "" {
			return n, nil
		}
		q.Set("cursor", next)
	}
}

// countingWriter counts the lines written through it.
type countingWriter struct {
	w     io.Writer
	lines int
}

func (c *countingWriter) Write(b []byte) (int, error) {
	c.lines += bytes.Count(b, []byte("\n"))
	return c.w.Write(b)
}

// searchFlags are the filters of search and export.
type searchFlags struct {
	kind, value, schema, country, originator, caseRef, from, to string
	limit                                                       int
}

func (f *searchFlags) add(cmd *cobra.Command, withCase bool) {
	fs := cmd.Flags()
	fs.StringVar(&f.schema, "schema", "", "only records with an entity of this FtM schema, e.g. Person")
	fs.StringVar(&f.country, "country", "", "only records with an entity of this country")
	fs.StringVar(&f.originator, "originator", "", "only records from this agency, e.g. DE-BKA")
	fs.StringVar(&f.from, "from", "", "created at or after (YYYY-MM-DD)")
	fs.StringVar(&f.to, "to", "", "created before (YYYY-MM-DD)")
	if withCase {
		fs.StringVar(&f.caseRef, "case-ref", "", "only records of this case of yours")
		fs.StringVar(&f.kind, "kind", "", "identifier kind for an exact lookup: passport, id, iban, plate, vin, phone, email, wallet, …")
		fs.StringVar(&f.value, "value", "", "identifier value (with --kind)")
		fs.IntVar(&f.limit, "limit", 50, "at most this many results")
	}
}

func (f *searchFlags) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"kind": f.kind, "value": f.value, "schema": f.schema, "country": f.country,
		"originator": f.originator, "case": f.caseRef, "from": f.from, "to": f.to} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func newRecordSearchCmd(env *Env) *cobra.Command {
	flags := searchFlags{}
	var facets bool
	cmd := &cobra.Command{
		Use:   "search [WORDS…]",
		Short: "Search the records you may read",
		Long: `Search names (across case, diacritics and Cyrillic, Greek and Arabic transliteration),
titles, narratives and assessments; every word must match. Filters narrow the result.
Only records you may read are counted or listed.`,
		Example: `  liaison record search Sergei Ivanov --justification "lead 4711" --dir ./nl
  liaison record search --kind iban --value "DE44 5001 0517 5407 3249 31" --case NL-2025-17
  liaison record search --schema Vehicle --country DE --from 2025-01-01 --case NL-2025-17`,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			q := flags.values()
			if len(args) > 0 {
				q.Set("q", strings.Join(args, " "))
			}
			q.Set("limit", strconv.Itoa(min(max(flags.limit, 1), 500)))
			if facets {
				q.Set("facets", "true")
			}
			var page record.SearchPage
			if err := c.Get(cmd.Context(), "/api/v1/records", q, &page); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(page)
			}
			rows := make([][]string, len(page.Items))
			for i, it := range page.Items {
				rows[i] = []string{it.ID, it.Originator, string(it.TLP), strconv.Itoa(it.EntityCount), it.CreatedAt.Format(time.DateOnly), truncateText(it.Title, 60)}
			}
			if err := env.table([]string{"ID", "ORIGINATOR", "TLP", "ENTITIES", "CREATED", "TITLE"}, rows); err != nil {
				return err
			}
			more := ""
			if page.TotalCapped {
				more = "+"
			}
			fmt.Fprintf(env.Stdout, "%d%s records match.\n", page.Total, more)
			if page.Facets != nil {
				for _, fc := range []struct {
					name string
					vs   []record.FacetValue
				}{{"schema", page.Facets.Schema}, {"country", page.Facets.Country}, {"originator", page.Facets.Originator}} {
					parts := make([]string, len(fc.vs))
					for i, v := range fc.vs {
						parts[i] = fmt.Sprintf("%s %d", v.Value, v.Count)
					}
					fmt.Fprintf(env.Stdout, "  %s: %s\n", fc.name, strings.Join(parts, ", "))
				}
			}
			return nil
		},
	}
	flags.add(cmd, true)
	cmd.Flags().BoolVar(&facets, "facets", false, "count the matches by schema, country and originator")
	return cmd
}

func newRecordShowCmd(env *Env) *cobra.Command {
	var versions bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a record (or its version history)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			path := "/api/v1/records/" + url.PathEscape(args[0])
			if versions {
				var vs []record.VersionInfo
				if err := c.Get(cmd.Context(), path+"/versions", nil, &vs); err != nil {
					return err
				}
				return env.printList(vs, len(vs), []string{"VERSION", "CHANGE", "AT", "BY"}, func(i int) []string {
					v := vs[i]
					return []string{strconv.Itoa(v.Version), string(v.Change), v.At.Format(time.RFC3339), v.Actor}
				})
			}
			var r record.Record
			if err := c.Get(cmd.Context(), path, nil, &r); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(r)
			}
			printRecord(env, &r)
			return nil
		},
	}
	cmd.Flags().BoolVar(&versions, "versions", false, "list the versions instead")
	return cmd
}

func printRecord(env *Env, r *record.Record) {
	e := &r.Envelope
	w := env.Stdout
	fmt.Fprintf(w, "%s  (version %d, %s)\n", r.Title, r.Version, r.State)
	fmt.Fprintf(w, "  id:          %s\n", r.ID)
	fmt.Fprintf(w, "  originator:  %s (%s)", e.Originator, e.OriginatorCountry)
	if e.ReceivedFrom != "" {
		fmt.Fprintf(w, ", received from %s", e.ReceivedFrom)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  handling:    %s   %s   evaluation %s%d\n", e.Handling, e.TLP, e.SourceReliability, e.InformationReliability)
	if e.Restrictions.Text != "" || len(e.Restrictions.Rules) > 0 {
		rules := make([]string, len(e.Restrictions.Rules))
		for i, rl := range e.Restrictions.Rules {
			rules[i] = rl.String()
		}
		fmt.Fprintf(w, "  H3:          %s %s\n", strings.Join(rules, " "), e.Restrictions.Text)
	}
	fmt.Fprintf(w, "  purpose:     %s; legal basis: %s\n", e.Purpose, e.LegalBasis)
	fmt.Fprintf(w, "  review date: %s\n", e.ReviewDate.Format(time.DateOnly))
	if r.CaseRef != "" {
		fmt.Fprintf(w, "  case:        %s\n", r.CaseRef)
	}
	if r.Narrative != "" {
		fmt.Fprintf(w, "\nFacts:\n  %s\n", strings.ReplaceAll(r.Narrative, "\n", "\n  "))
	}
	if r.Assessment != "" {
		fmt.Fprintf(w, "\nAssessment:\n  %s\n", strings.ReplaceAll(r.Assessment, "\n", "\n  "))
	}
	fmt.Fprintf(w, "\nEntities (%d):\n", len(r.Entities))
	for _, en := range r.Entities {
		mark := ""
		if c, ok := r.DataSubjects[en.ID]; ok {
			mark = " [" + string(c) + "]"
		}
		for _, a := range r.Assessments {
			if a == en.ID {
				mark += " [assessment]"
			}
		}
		fmt.Fprintf(w, "  %-10s %s  %s%s\n", en.Schema, en.ID, en.Caption(), mark)
	}
}

func newRecordLookupCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "lookup KIND VALUE",
		Short:   "Exact identifier lookup (passport, id, iban, plate, vin, phone, email, wallet, …)",
		Example: `  liaison record lookup passport "X 1234 567" --case NL-2025-17`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var res record.LookupResult
			if err := c.Get(cmd.Context(), "/api/v1/identifiers", url.Values{"kind": {args[0]}, "value": {args[1]}}, &res); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(res)
			}
			rows := make([][]string, len(res.Items))
			for i, h := range res.Items {
				rows[i] = []string{h.Record.ID, h.EntityID, h.Country, h.Record.Originator, truncateText(h.Record.Title, 50)}
			}
			if err := env.table([]string{"RECORD", "ENTITY", "COUNTRY", "ORIGINATOR", "TITLE"}, rows); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%d records hold %s %s.\n", len(res.Items), res.Kind, res.Value)
			return nil
		},
	}
}

func newRecordCorrelationsCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "correlations ID",
		Short: "Other records you may read that share identifiers with a record",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var res record.Correlations
			if err := c.Get(cmd.Context(), "/api/v1/records/"+url.PathEscape(args[0])+"/correlations", nil, &res); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(res)
			}
			for _, id := range res.Identifiers {
				switch {
				case id.OverCorrelating:
					fmt.Fprintf(env.Stdout, "%s %s: not expanded (%s)\n", id.Kind, id.Value, id.Reason)
				case len(id.Records) == 0:
					fmt.Fprintf(env.Stdout, "%s %s: no other record\n", id.Kind, id.Value)
				default:
					fmt.Fprintf(env.Stdout, "%s %s:\n", id.Kind, id.Value)
					for _, r := range id.Records {
						fmt.Fprintf(env.Stdout, "  %s  %s  %s\n", r.ID, r.Originator, truncateText(r.Title, 60))
					}
				}
			}
			if res.Truncated {
				fmt.Fprintln(env.Stdout, "(more links than listed)")
			}
			return nil
		},
	}
}

func newRecordWithdrawCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "withdraw ID",
		Short: "Withdraw a record this agency originated (partners holding copies are told)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var r record.Record
			if err := c.Post(cmd.Context(), "/api/v1/records/"+url.PathEscape(args[0])+"/withdraw", nil, &r); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(r)
			}
			fmt.Fprintf(env.Stdout, "Withdrew %s (now version %d).\n", r.ID, r.Version)
			return nil
		},
	}
}

func newRecordReviewCmd(env *Env) *cobra.Command {
	var until string
	cmd := &cobra.Command{
		Use:   "review ID --until DATE --justification TEXT",
		Short: "Review a record: extend its review date (SPOC)",
		Long: `Extend the review date of a record this agency originated to DATE (YYYY-MM-DD), at most
the default review period for the record's data subjects from today; without --until,
by that full period. A review needs a justification text saying why the record is
still needed. A record flagged by the retention job becomes active again.`,
		Example: `  liaison record review 0190f1c2-… --until 2026-06-30 --justification "trial pending" --dir ./nl`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var r record.Record
			body := record.ReviewRequest{Until: until, Justification: env.Justification}
			if err := c.Post(cmd.Context(), "/api/v1/records/"+url.PathEscape(args[0])+"/review", body, &r); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(r)
			}
			fmt.Fprintf(env.Stdout, "Reviewed %s: next review %s.\n", r.ID, r.Envelope.ReviewDate.Format(time.DateOnly))
			return nil
		},
	}
	cmd.Flags().StringVar(&until, "until", "", "new review date, YYYY-MM-DD")
	return cmd
}

func newRecordEraseCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "erase ID",
		Short: "Erase a record: its personal data goes from every table and index (SPOC, DPO)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			if err := c.Do(cmd.Context(), client.Request{Method: http.MethodDelete, Path: "/api/v1/records/" + url.PathEscape(args[0])}, nil); err != nil {
				return err
			}
			if !env.JSON {
				fmt.Fprintf(env.Stdout, "Erased %s.\n", args[0])
			}
			return nil
		},
	}
}

// importBar is the progress bar of an import on a terminal: bytes sent of
// the file's size (when known), entities imported, rate and time left.
// On anything but a terminal it prints only the final line.
type importBar struct {
	w     io.Writer
	tty   bool
	total int64
	start time.Time
	drawn bool
}

func newImportBar(w io.Writer, total int64) *importBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &importBar{w: w, tty: tty, total: total, start: time.Now()}
}

// Update redraws the bar.
func (b *importBar) Update(done int64, entities int) {
	if b.tty {
		fmt.Fprintf(b.w, "\r%s\x1b[K", b.line(done, entities))
		b.drawn = true
	}
}

// Done replaces the bar by a final line.
func (b *importBar) Done(done int64, entities int) {
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
	fmt.Fprintln(b.w, b.line(done, entities))
}

// line renders "[######------]  45%  12.0 of 26.7 MB  230000 entities  41000/s  ETA 0:12".
func (b *importBar) line(done int64, entities int) string {
	elapsed := time.Since(b.start)
	var s strings.Builder
	if b.total > 0 {
		frac := min(float64(done)/float64(b.total), 1)
		const width = 24
		n := int(frac * width)
		fmt.Fprintf(&s, "[%s%s] %3.0f%%  %s of %s", strings.Repeat("#", n), strings.Repeat("-", width-n), frac*100,
			byteSize(done), byteSize(b.total))
	} else {
		s.WriteString(byteSize(done))
	}
	fmt.Fprintf(&s, "  %d entities", entities)
	if sec := elapsed.Seconds(); sec > 0 {
		fmt.Fprintf(&s, "  %.0f/s", float64(entities)/sec)
	}
	if b.total > 0 && done > 0 && done < b.total {
		fmt.Fprintf(&s, "  ETA %s", minutes(time.Duration(float64(elapsed)*float64(b.total-done)/float64(done))))
	} else {
		fmt.Fprintf(&s, "  in %s", minutes(elapsed))
	}
	return s.String()
}

// minutes formats d as h:mm:ss or m:ss.
func minutes(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
