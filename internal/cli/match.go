package cli

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/matchsvc"
)

func newMatchCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "match",
		Short: "Hit/no-hit matching with partners: query, follow up, bulk runs",
		Long: `Ask partner agencies whether they hold something on an identifier or a person, without
sending them the identifier and without them exposing their files. Each value is
blinded on this node, evaluated by every partner in one round trip (with a proof that
it used the key it announced), and looked up in the partner's published table here.
A hit gives an opaque reference; personal data follows only through a follow-up
request, which the partner's SPOC answers within 48 hours.

Queries need a justification and a case reference (--justification, --case): partners
meter their budgets per case, and this node audits each query with a keyed hash of the
values. Series of near values (sequential numbers, one name with many dates) are
refused as sweeps: submit them as a bulk run, which a second person approves.`,
	}
	cmd.AddCommand(newMatchQueryCmd(env), newMatchPersonCmd(env), newMatchFollowUpCmd(env), newMatchFollowUpsCmd(env),
		newMatchAnswerCmd(env), newMatchBulkCmd(env), newMatchAlertsCmd(env), newMatchStatusCmd(env))
	return cmd
}

// queryFlags are the flags query and person share.
type queryFlags struct {
	partners string
	purpose  string
}

func (f *queryFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.partners, "partners", "", "comma-separated partner agencies to ask (default: every active partner)")
	cmd.Flags().StringVar(&f.purpose, "purpose", "", "purpose declared to the partners (default criminal-investigation)")
}

func (f *queryFlags) apply(req *matchsvc.QueryRequest) {
	req.Purpose = f.purpose
	for _, p := range strings.Split(f.partners, ",") {
		if p = strings.TrimSpace(p); p != "" {
			req.Partners = append(req.Partners, p)
		}
	}
}

func newMatchQueryCmd(env *Env) *cobra.Command {
	var (
		qf      queryFlags
		typ     string
		values  []string
		country string
	)
	cmd := &cobra.Command{
		Use:   "query --type TYPE --value VALUE [--value VALUE…] --justification TEXT --case REF",
		Short: "Ask partners whether they hold identifiers",
		Long: `Ask partners whether they hold identifiers of one type: passport, id, phone, email,
iban, wallet, plate or vin. Values are normalised as the partners' indexes hold them
(spaces and dashes do not matter; phone numbers in international form, or national
with --country). At most 16 values per query.

The answer per partner is hit, no-hit or unavailable (with the reason: unreachable,
budget exceeded, invalid proof, …). Each hit has an id: follow it up with
"liaison match follow-up HIT".`,
		Example: `  liaison match query --type passport --value "NX 123 4567" --justification "port seizure" --case DE-2026-17
  liaison match query --type phone --value 0612345678 --country NL --partners NL-NCB,FR-DCPJ --case DE-2026-17`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req := matchsvc.QueryRequest{Type: typ, Values: values, Country: country}
			qf.apply(&req)
			return runMatchQuery(cmd.Context(), env, req)
		},
	}
	cmd.Flags().StringVar(&typ, "type", "", "identifier type: passport, id, phone, email, iban, wallet, plate, vin (required)")
	cmd.Flags().StringArrayVar(&values, "value", nil, "an identifier (repeat for several)")
	cmd.Flags().StringVar(&country, "country", "", "ISO country that reads national phone numbers")
	qf.add(cmd)
	cmd.MarkFlagRequired("type")
	cmd.MarkFlagRequired("value")
	return cmd
}

func newMatchPersonCmd(env *Env) *cobra.Command {
	var (
		qf              queryFlags
		name, birthDate string
	)
	cmd := &cobra.Command{
		Use:   "person --name NAME --birth-date DATE --justification TEXT --case REF",
		Short: "Ask partners whether they hold a person (name and birth date, any script)",
		Long: `Ask partners whether they hold a person. The name (in any script: Cyrillic, Greek,
Arabic and Latin spellings meet) and the birth date make three match keys:
name-dob and tokens-dob (strong, with the full date) and phonetic-year (weak, with the
birth year). The answer says which keys hit; a hit on the weak key alone is only a
candidate, to be confirmed in the follow-up. With only a birth year, only the weak
key is made.`,
		Example: `  liaison match person --name "Sergei IVANOV" --birth-date 1970-01-02 --justification "identify the driver" --case DE-2026-17`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req := matchsvc.QueryRequest{Type: matchsvc.TypePerson, Name: name, BirthDate: birthDate}
			qf.apply(&req)
			return runMatchQuery(cmd.Context(), env, req)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "full name (required)")
	cmd.Flags().StringVar(&birthDate, "birth-date", "", "birth date YYYY-MM-DD, or YYYY (required)")
	qf.add(cmd)
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("birth-date")
	return cmd
}

func runMatchQuery(ctx context.Context, env *Env, req matchsvc.QueryRequest) error {
	c, err := env.Client()
	if err != nil {
		return err
	}
	var res matchsvc.QueryResult
	if err := c.Post(ctx, "/api/v1/match/queries", req, &res); err != nil {
		return err
	}
	if env.JSON {
		return env.printJSON(res)
	}
	var rows [][]string
	for _, pr := range res.Partners {
		if len(pr.Results) == 0 {
			rows = append(rows, []string{pr.Partner, "", strings.ToUpper(pr.Status), "", "", pr.Reason})
			continue
		}
		for _, v := range pr.Results {
			what := "#" + strconv.Itoa(v.Index+1)
			if v.Key != "" {
				what = v.Key
			}
			status := v.Status
			if v.Candidate {
				status += " (candidate)"
			}
			note := v.Reason
			if v.Status == matchsvc.StatusHit {
				note = "reference " + v.Reference
			}
			rows = append(rows, []string{pr.Partner, what, status, v.Strength, v.HitID, note})
		}
	}
	if err := env.table([]string{"PARTNER", "VALUE", "RESULT", "STRENGTH", "HIT", "NOTE"}, rows); err != nil {
		return err
	}
	hits := 0
	for _, pr := range res.Partners {
		if pr.Status == matchsvc.StatusHit {
			hits++
		}
	}
	fmt.Fprintf(env.Stdout, "Query %s: %d of %d partners hit.\n", res.ID, hits, len(res.Partners))
	return nil
}

func newMatchFollowUpCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "follow-up HIT --justification TEXT --case REF",
		Short: "Ask the holder of a hit for the information behind it",
		Long: `Send the partner that holds a hit a follow-up request (message type hit-follow-up) with
the hit's reference and your justification. The partner's SPOC sees it with a 48-hour
deadline and answers by sharing the records through messaging. Only the officer who
got the hit, or a SPOC, follows it up, once.`,
		Example: `  liaison match follow-up 0192… --justification "identify the holder of the seized passport" --case DE-2026-17`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var sent matchsvc.FollowUpSent
			if err := c.Post(cmd.Context(), "/api/v1/match/hits/"+url.PathEscape(args[0])+"/follow-up", matchsvc.FollowUpRequest{}, &sent); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(sent)
			}
			fmt.Fprintf(env.Stdout, "Follow-up sent to %s (message %s) for reference %s.\n", sent.Partner, sent.MessageID, sent.Reference)
			return nil
		},
	}
}

func newMatchFollowUpsCmd(env *Env) *cobra.Command {
	var sent bool
	var limit int
	cmd := &cobra.Command{
		Use:   "follow-ups [--sent]",
		Short: "Follow-ups partners sent this node (SPOC), or those this node sent",
		Long: `List the follow-ups partners sent this node, newest first, with their 48-hour deadline
(due, overdue or done) and the records each reference resolved to; answer them with
"liaison match answer". With --sent, list the hits this node followed up.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			if sent {
				var page httpx.Page[matchsvc.FollowUpSent]
				if err := c.Get(cmd.Context(), "/api/v1/match/follow-ups/sent", q, &page); err != nil {
					return err
				}
				return env.printList(page, len(page.Items), []string{"SENT", "PARTNER", "TYPE", "STRENGTH", "CASE", "HIT"}, func(i int) []string {
					f := page.Items[i]
					return []string{f.SentAt.Format(time.DateTime), f.Partner, f.Type, f.Strength, f.CaseRef, f.HitID}
				})
			}
			var page httpx.Page[matchsvc.FollowUp]
			if err := c.Get(cmd.Context(), "/api/v1/match/follow-ups", q, &page); err != nil {
				return err
			}
			return env.printList(page, len(page.Items), []string{"ID", "PARTNER", "TYPE", "CASE", "DEADLINE", "STATE", "RECORDS", "JUSTIFICATION"}, func(i int) []string {
				f := page.Items[i]
				due := f.Due
				if f.Due != "done" {
					due += " " + f.DueAt.Format(time.DateTime)
				}
				return []string{f.ID, f.Partner, f.Type, f.CaseRef, due, f.State, strings.Join(f.Records, ","), truncateText(f.Justification, 40)}
			})
		},
	}
	cmd.Flags().BoolVar(&sent, "sent", false, "list the follow-ups this node sent")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many (1-500)")
	return cmd
}

func newMatchAnswerCmd(env *Env) *cobra.Command {
	var outcome, note string
	cmd := &cobra.Command{
		Use:     "answer ID --outcome shared|declined|no-record [--note TEXT]",
		Short:   "Record the answer to a partner's follow-up (SPOC)",
		Example: `  liaison match answer 0192… --outcome shared --note "record sent in thread 17" --justification "follow-up review"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			body := matchsvc.AnswerRequest{Outcome: outcome, Note: note}
			if err := c.Post(cmd.Context(), "/api/v1/match/follow-ups/"+url.PathEscape(args[0])+"/answer", body, nil); err != nil {
				return err
			}
			if !env.JSON {
				fmt.Fprintf(env.Stdout, "Follow-up %s answered: %s.\n", args[0], outcome)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&outcome, "outcome", "", "shared, declined or no-record (required)")
	cmd.Flags().StringVar(&note, "note", "", "a note, e.g. the message the records went in")
	cmd.MarkFlagRequired("outcome")
	return cmd
}

func newMatchBulkCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bulk",
		Short: "Bulk runs: intersect a list with one partner's index (two-person rule)",
		Long: `A bulk run matches a list (CSV or FtM JSON lines) against one partner's index in
batches, within the partner's daily budget, resuming where it stopped. A SPOC submits
it; another SPOC or an administrator approves it before it runs.`,
	}
	cmd.AddCommand(newMatchBulkSubmitCmd(env), newMatchBulkApproveCmd(env), newMatchBulkStatusCmd(env))
	return cmd
}

func newMatchBulkSubmitCmd(env *Env) *cobra.Command {
	var req matchsvc.BulkRequest
	cmd := &cobra.Command{
		Use:   "submit FILE|- --partner AGENCY --type TYPE [--format csv|ftm] --justification TEXT --case REF",
		Short: "Submit a bulk run for approval (SPOC)",
		Long: `Submit the list in FILE (or standard input) for a bulk run against one partner. CSV has
one value per line in the first column (for person keys name-dob, tokens-dob and
phonetic-year: name and birth date in the first two); FtM JSON lines contribute every
identifier of the type, or every person's key. Entries that do not normalise are
skipped and counted. The run waits for a second person's approval.`,
		Example: `  liaison match bulk submit passports.csv --partner NL-NCB --type passport \
      --justification "seized ledger, list approved by the prosecutor" --case DE-2026-17`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readBulkList(env, args[0])
			if err != nil {
				return err
			}
			req.Data = string(data)
			c, err := env.Client()
			if err != nil {
				return err
			}
			var run matchsvc.BulkRun
			if err := c.Post(cmd.Context(), "/api/v1/match/bulk", req, &run); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(run)
			}
			fmt.Fprintf(env.Stdout, "Bulk run %s: %d %s values against %s (%d entries skipped), waiting for approval by another SPOC or an administrator.\n",
				run.ID, run.Total, run.Type, run.Partner, run.Skipped)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Partner, "partner", "", "the partner agency (required)")
	f.StringVar(&req.Type, "type", "", "identifier type, or name-dob, tokens-dob, phonetic-year (required)")
	f.StringVar(&req.Format, "format", matchsvc.FormatCSV, "csv or ftm")
	f.StringVar(&req.Country, "country", "", "ISO country that reads national phone numbers")
	f.StringVar(&req.Purpose, "purpose", "", "purpose declared to the partner (default criminal-investigation)")
	cmd.MarkFlagRequired("partner")
	cmd.MarkFlagRequired("type")
	return cmd
}

// maxBulkFile bounds a bulk list file (the node accepts 8 MiB by default).
const maxBulkFile = 8 << 20

func readBulkList(env *Env, path string) ([]byte, error) {
	var r io.Reader = env.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBulkFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxBulkFile {
		return nil, fmt.Errorf("the list is larger than %d bytes: split it into several runs", maxBulkFile)
	}
	return data, nil
}

func newMatchBulkApproveCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "approve ID --justification TEXT",
		Short:   "Approve a bulk run another SPOC submitted (SPOC, admin)",
		Example: `  liaison match bulk approve 0192… --justification "checked list and legal basis"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var run matchsvc.BulkRun
			if err := c.Post(cmd.Context(), "/api/v1/match/bulk/"+url.PathEscape(args[0])+"/approve", nil, &run); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(run)
			}
			fmt.Fprintf(env.Stdout, "Bulk run %s approved: %d values against %s; it runs now.\n", run.ID, run.Total, run.Partner)
			return nil
		},
	}
}

func newMatchBulkStatusCmd(env *Env) *cobra.Command {
	var wait, hits bool
	cmd := &cobra.Command{
		Use:   "status ID [--wait] [--hits]",
		Short: "A bulk run's progress; --wait follows it with a progress bar until it ends",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			path := "/api/v1/match/bulk/" + url.PathEscape(args[0])
			get := func(withHits bool) (*matchsvc.BulkRun, error) {
				var run matchsvc.BulkRun
				q := url.Values{"hits": {strconv.FormatBool(withHits)}}
				return &run, c.Get(cmd.Context(), path, q, &run)
			}
			run, err := get(hits && !wait)
			if err != nil {
				return err
			}
			if wait {
				if run, err = waitBulk(cmd.Context(), env, get, run); err != nil {
					return err
				}
				if hits {
					if run, err = get(true); err != nil {
						return err
					}
				}
			}
			if env.JSON {
				return env.printJSON(run)
			}
			printBulkRun(env, run)
			return nil
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the run until it is done or failed")
	cmd.Flags().BoolVar(&hits, "hits", false, "list the hits")
	return cmd
}

// bulkPoll is how often status --wait asks for progress.
const bulkPoll = time.Second

func waitBulk(ctx context.Context, env *Env, get func(bool) (*matchsvc.BulkRun, error), run *matchsvc.BulkRun) (*matchsvc.BulkRun, error) {
	bar := newBulkBar(env.Stderr, run.Total)
	for run.State != matchsvc.BulkDone && run.State != matchsvc.BulkFailed {
		bar.update(run)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(bulkPoll):
		}
		next, err := get(false)
		if err != nil {
			return nil, err
		}
		run = next
	}
	bar.done(run)
	return run, nil
}

func printBulkRun(env *Env, r *matchsvc.BulkRun) {
	w := env.Stdout
	fmt.Fprintf(w, "Bulk run %s: %s\n", r.ID, r.State)
	fmt.Fprintf(w, "  %s against %s, case %s, purpose %s\n", r.Type, r.Partner, r.CaseRef, r.Purpose)
	fmt.Fprintf(w, "  requested by %s at %s", r.RequestedBy, r.RequestedAt.Format(time.DateTime))
	if r.ApprovedBy != "" {
		fmt.Fprintf(w, ", approved by %s at %s", r.ApprovedBy, r.ApprovedAt.Format(time.DateTime))
	}
	fmt.Fprintf(w, "\n  %d of %d values done, %d hits, %d entries skipped\n", r.Done, r.Total, r.Hits, r.Skipped)
	if r.Detail != "" {
		fmt.Fprintf(w, "  %s\n", r.Detail)
	}
	if !r.NextAttemptAt.IsZero() {
		fmt.Fprintf(w, "  resumes at %s\n", r.NextAttemptAt.Format(time.DateTime))
	}
	for _, h := range r.HitList {
		cand := ""
		if h.Candidate {
			cand = " (candidate)"
		}
		fmt.Fprintf(w, "  hit: list entry %d, %s%s, hit %s\n", h.Index+1, h.Strength, cand, h.HitID)
	}
}

// bulkBar is the progress bar of a bulk run on a terminal; elsewhere it
// prints only the final line.
type bulkBar struct {
	w     io.Writer
	tty   bool
	total int
	start time.Time
	drawn bool
}

func newBulkBar(w io.Writer, total int) *bulkBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &bulkBar{w: w, tty: tty, total: total, start: time.Now()}
}

func (b *bulkBar) update(r *matchsvc.BulkRun) {
	if b.tty {
		fmt.Fprintf(b.w, "\r%s\x1b[K", b.line(r))
		b.drawn = true
	}
}

func (b *bulkBar) done(r *matchsvc.BulkRun) {
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
	fmt.Fprintln(b.w, b.line(r))
}

// line renders "[######------]  45%  270 of 600 values  3 hits  running  0:12".
func (b *bulkBar) line(r *matchsvc.BulkRun) string {
	frac := 0.0
	if b.total > 0 {
		frac = min(float64(r.Done)/float64(b.total), 1)
	}
	const width = 24
	n := int(frac * width)
	s := fmt.Sprintf("[%s%s] %3.0f%%  %d of %d values  %d hits  %s", strings.Repeat("#", n), strings.Repeat("-", width-n), frac*100,
		r.Done, b.total, r.Hits, r.State)
	if r.State == matchsvc.BulkPaused && r.Detail != "" {
		s += " (" + truncateText(r.Detail, 60) + ")"
	}
	return s + "  " + minutes(time.Since(b.start))
}

func newMatchAlertsCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "alerts",
		Short: "Abuse alerts about partners' use of this node's index (SPOC, admin, DPO)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var page httpx.Page[matchsvc.Alert]
			if err := c.Get(cmd.Context(), "/api/v1/match/alerts", nil, &page); err != nil {
				return err
			}
			return env.printList(page, len(page.Items), []string{"AT", "KIND", "PARTNER", "TYPE", "DETAIL"}, func(i int) []string {
				a := page.Items[i]
				return []string{a.At.Format(time.DateTime), a.Kind, a.Partner, a.Type, a.Detail}
			})
		},
	}
}

func newMatchStatusCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Matching status: this node's epochs and partner views, and the partner tables it holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var st matchsvc.Status
			if err := c.Get(cmd.Context(), "/api/v1/match/status", nil, &st); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(st)
			}
			fmt.Fprintf(env.Stdout, "Holder ready: %v, %d records with matchable identifiers or persons\n", st.Ready, st.Records)
			for _, e := range st.Epochs {
				fmt.Fprintf(env.Stdout, "Epoch %d (%s to %s)\n", e.Epoch, e.NotBefore.Format(time.DateTime), e.NotAfter.Format(time.DateTime))
				for _, v := range e.Views {
					fmt.Fprintf(env.Stdout, "  view for %s: %d values, %d entries published, version %d\n", v.Partner, v.Values, v.Published, v.Version)
				}
			}
			rows := make([][]string, len(st.Partners))
			for i, p := range st.Partners {
				rows[i] = []string{p.Partner, strconv.Itoa(int(p.Epoch)), strconv.Itoa(p.Entries), p.FetchedAt.Format(time.DateTime)}
			}
			return env.table([]string{"PARTNER TABLE", "EPOCH", "ENTRIES", "FETCHED"}, rows)
		},
	}
}
