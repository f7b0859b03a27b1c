package cli

import (
	"bufio"
	"bytes"
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
)

// noticeSummary is a notice as lists show it.
type noticeSummary struct {
	ID              string    `json:"id"`
	Version         int64     `json:"version"`
	Type            string    `json:"type"`
	Diffusion       bool      `json:"diffusion"`
	State           string    `json:"state"`
	EntityID        string    `json:"entityId"`
	Name            string    `json:"name"`
	Forename        string    `json:"forename"`
	DateOfBirth     string    `json:"dateOfBirth"`
	Originator      string    `json:"originator"`
	ReceivedFrom    string    `json:"receivedFrom"`
	BlockingFlags   int       `json:"blockingFlags"`
	AwaitingReview  bool      `json:"awaitingReview"`
	ReassessmentDue bool      `json:"reassessmentDue"`
	ExpiresAt       time.Time `json:"expiresAt"`
}

type noticeFlag struct {
	ID          string `json:"id"`
	Severity    string `json:"severity"`
	Explanation string `json:"explanation"`
	Field       string `json:"field"`
}

// noticeView is the part of a notice the text output shows; --json
// prints the API's answer as it came.
type noticeView struct {
	noticeSummary
	Subject struct {
		Name          string   `json:"name"`
		Forename      string   `json:"forename"`
		DateOfBirth   string   `json:"dateOfBirth"`
		Nationalities []string `json:"nationalities"`
	} `json:"subject"`
	Category string `json:"category"`
	Charges  []struct {
		IssuingCountry   string `json:"issuingCountry"`
		Text             string `json:"text"`
		MaxPenaltyMonths int    `json:"maxPenaltyMonths"`
	} `json:"charges"`
	Contact      string `json:"contact"`
	Distribution struct {
		Scope    string   `json:"scope"`
		Agencies []string `json:"agencies"`
		Region   string   `json:"region"`
	} `json:"distribution"`
	PublishedAt time.Time    `json:"publishedAt"`
	Flags       []noticeFlag `json:"flags"`
	Decisions   []struct {
		Outcome  string    `json:"outcome"`
		Reviewer string    `json:"reviewer"`
		Reasons  string    `json:"reasons"`
		At       time.Time `json:"at"`
	} `json:"decisions"`
}

func newNoticeCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notice",
		Short: "INTERPOL-style notices and diffusions: draft, review, publish, cancel",
		Long: `Notices ask partners to act on a person: red (arrest with a view to extradition), yellow
(missing person), blue (information), black (unidentified body), green (warning), orange
(imminent threat), purple (modus operandi), un-special (UN sanctions). A diffusion goes
directly to chosen partners and is reviewed afterwards.

A notice is drafted, submitted (automated screening runs and flags, for instance, charges of
a political, military, religious or racial character), and published only when a user with
the reviewer role approves it with reasons, acknowledging every blocking flag. Published
notices go to the partners of their distribution, whose border lookups then hit; updates and
cancellations follow. Reading notices needs a justification (--justification or --case).`,
	}
	cmd.AddCommand(newNoticeListCmd(env), newNoticeShowCmd(env), newNoticeCreateCmd(env),
		newNoticeActionCmd(env, "submit", "Submit a draft for review (screening runs now)", "/submit"),
		newNoticeActionCmd(env, "circulate", "Circulate a diffusion directly (refused when screening raises a blocking flag)", "/circulate"),
		newNoticeActionCmd(env, "revise", "Take a refused notice back to draft", "/revise"),
		newNoticeActionCmd(env, "reassess", "Reassess a notice due for it, renewing its validity for five years", "/reassess"),
		newNoticeFlagsCmd(env), newNoticeReviewCmd(env), newNoticeCancelCmd(env), newNoticeImportCmd(env),
		newNoticeDistributionCmd(env))
	return cmd
}

func newNoticeListCmd(env *Env) *cobra.Command {
	var state, typ, origin string
	var review, due bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List notices (--review for the review queue)",
		Example: `  liaison notice list --review --justification "compliance review"
  liaison notice list --state published --origin received --case FR-2026-17`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			q := url.Values{"limit": {"500"}}
			for k, v := range map[string]string{"state": state, "type": typ, "origin": origin} {
				if v != "" {
					q.Set(k, v)
				}
			}
			if review {
				q.Set("awaitingReview", "true")
			}
			if due {
				q.Set("reassessmentDue", "true")
			}
			var all []noticeSummary
			for {
				var page struct {
					Items      []noticeSummary `json:"items"`
					NextCursor string          `json:"nextCursor"`
				}
				if err := c.Get(cmd.Context(), "/api/v1/notices", q, &page); err != nil {
					return err
				}
				all = append(all, page.Items...)
				if page.NextCursor == "" {
					break
				}
				q.Set("cursor", page.NextCursor)
			}
			return env.printList(all, len(all), []string{"ID", "TYPE", "STATE", "NAME", "BORN", "ORIGINATOR", "FLAGS"}, func(i int) []string {
				n := all[i]
				kind := n.Type
				if n.Diffusion {
					kind += " diffusion"
				}
				flags := ""
				if n.BlockingFlags > 0 {
					flags = strconv.Itoa(n.BlockingFlags) + " blocking"
				}
				from := n.Originator
				if n.ReceivedFrom != "" {
					from += " (received)"
				}
				return []string{n.ID, kind, n.State, strings.TrimSpace(n.Name + ", " + n.Forename), n.DateOfBirth, from, flags}
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&state, "state", "", "draft, review, refused, published, updated, cancelled or expired")
	f.StringVar(&typ, "type", "", "red, yellow, blue, black, green, orange, purple or un-special")
	f.StringVar(&origin, "origin", "", "own or received")
	f.BoolVar(&review, "review", false, "only notices awaiting a reviewer's decision")
	f.BoolVar(&due, "reassessment-due", false, "only own notices due for reassessment")
	return cmd
}

// getNotice fetches a notice, raw and decoded.
func getNotice(cmd *cobra.Command, c *client.Client, id string) (json.RawMessage, *noticeView, error) {
	var raw json.RawMessage
	if err := c.Get(cmd.Context(), "/api/v1/notices/"+url.PathEscape(id), nil, &raw); err != nil {
		return nil, nil, err
	}
	var v noticeView
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, nil, fmt.Errorf("decode notice: %w", err)
	}
	return raw, &v, nil
}

func (env *Env) printNotice(raw json.RawMessage, n *noticeView) error {
	if env.JSON {
		return env.printJSON(raw)
	}
	w := env.Stdout
	kind := n.Type + " notice"
	if n.Diffusion {
		kind = n.Type + " diffusion"
	}
	fmt.Fprintf(w, "%s  %s  %s (version %d)\n", n.ID, kind, strings.ToUpper(n.State), n.Version)
	if n.EntityID != "" {
		fmt.Fprintf(w, "INTERPOL:     %s\n", n.EntityID)
	}
	fmt.Fprintf(w, "Subject:      %s, %s  born %s  %s\n", n.Subject.Name, n.Subject.Forename, n.Subject.DateOfBirth,
		strings.Join(n.Subject.Nationalities, " "))
	if n.Category != "" {
		fmt.Fprintf(w, "Category:     %s\n", n.Category)
	}
	for _, ch := range n.Charges {
		fmt.Fprintf(w, "Charge:       %s (%s; max %d months)\n", ch.Text, ch.IssuingCountry, ch.MaxPenaltyMonths)
	}
	fmt.Fprintf(w, "Originator:   %s", n.Originator)
	if n.ReceivedFrom != "" {
		fmt.Fprintf(w, " (received)")
	}
	fmt.Fprintln(w)
	if n.Contact != "" {
		fmt.Fprintf(w, "Contact:      %s\n", n.Contact)
	}
	d := n.Distribution
	if d.Scope != "" {
		fmt.Fprintf(w, "Distribution: %s %s%s\n", d.Scope, strings.Join(d.Agencies, ","), d.Region)
	}
	if !n.PublishedAt.IsZero() {
		fmt.Fprintf(w, "Published:    %s, expires %s\n", n.PublishedAt.Format(time.DateOnly), n.ExpiresAt.Format(time.DateOnly))
	}
	if n.ReassessmentDue {
		fmt.Fprintln(w, "Reassessment is due: liaison notice reassess "+n.ID)
	}
	env.printFlags(n.Flags)
	for _, dec := range n.Decisions {
		fmt.Fprintf(w, "Decision:     %s by %s on %s: %s\n", dec.Outcome, dec.Reviewer, dec.At.Format(time.DateOnly), dec.Reasons)
	}
	return nil
}

func (env *Env) printFlags(flags []noticeFlag) {
	for _, f := range flags {
		fmt.Fprintf(env.Stdout, "Flag [%s] %s\n    %s\n", f.Severity, f.ID, f.Explanation)
	}
}

func newNoticeShowCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "show ID",
		Short:   "Show a notice in full",
		Example: `  liaison notice show 01a2… --justification "review of case FR-2026-17"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			raw, n, err := getNotice(cmd, c, args[0])
			if err != nil {
				return err
			}
			return env.printNotice(raw, n)
		},
	}
}

// maxNoticeFile bounds a notice or INTERPOL file read by the CLI; the
// node bounds what it accepts more tightly.
const maxNoticeFile = 16 << 20

func readInput(env *Env, name string) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = env.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxNoticeFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxNoticeFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxNoticeFile)
	}
	return data, nil
}

func newNoticeCreateCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "create FILE.json",
		Short: "Create a draft notice from a JSON file (- for standard input)",
		Long: `Create a draft notice or diffusion. The file holds the notice as the API takes it, for example:

  {"type": "red", "category": "suspect",
   "subject": {"name": "DOE", "forename": "JOHN", "dateOfBirth": "1980-01-02", "nationalities": ["XA"]},
   "charges": [{"issuingCountry": "FR", "text": "Armed robbery", "maxPenaltyMonths": 240}],
   "extraditionWillBeSought": true, "contact": "NCB Lyon",
   "distribution": {"scope": "region", "region": "schengen"}}

Without an "envelope" the node's default applies (handling H2, TLP:AMBER, the purpose of the
notice type); its review date is the notice's validity.`,
		Example: `  liaison notice create doe.json --case FR-2026-17`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readInput(env, args[0])
			if err != nil {
				return err
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			var raw json.RawMessage
			if err := c.Post(cmd.Context(), "/api/v1/notices", json.RawMessage(data), &raw); err != nil {
				return err
			}
			var n noticeView
			if err := json.Unmarshal(raw, &n); err != nil {
				return err
			}
			if !env.JSON {
				fmt.Fprintf(env.Stdout, "Created draft %s. Check it with \"liaison notice flags %s\", then submit it.\n", n.ID, n.ID)
				return nil
			}
			return env.printJSON(raw)
		},
	}
}

func newNoticeActionCmd(env *Env, name, short, suffix string) *cobra.Command {
	return &cobra.Command{
		Use:     name + " ID",
		Short:   short,
		Example: "  liaison notice " + name + " 01a2… --case FR-2026-17",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var raw json.RawMessage
			if err := c.Post(cmd.Context(), "/api/v1/notices/"+url.PathEscape(args[0])+suffix, nil, &raw); err != nil {
				return err
			}
			var n noticeView
			if err := json.Unmarshal(raw, &n); err != nil {
				return err
			}
			return env.printNotice(raw, &n)
		},
	}
}

func newNoticeFlagsCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "flags ID",
		Short: "Show the screening flags with their explanations (a preview for drafts)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var flags []noticeFlag
			if err := c.Get(cmd.Context(), "/api/v1/notices/"+url.PathEscape(args[0])+"/flags", nil, &flags); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(flags)
			}
			if len(flags) == 0 {
				fmt.Fprintln(env.Stdout, "No flags.")
			}
			env.printFlags(flags)
			return nil
		},
	}
}

func newNoticeReviewCmd(env *Env) *cobra.Command {
	var reason string
	var ack []string
	var extradition bool
	cmd := &cobra.Command{
		Use:   "review ID approve|refuse --reason TEXT",
		Short: "Approve or refuse a notice with reasons (reviewer role)",
		Long: `Record a reviewer's decision. Reasons are required. Approval must acknowledge every blocking
flag by its id (see "liaison notice flags ID"), weighing it against the whole case (INTERPOL's
predominance test); approving a red notice also records that extradition will be sought.
A reviewer cannot decide on a notice they submitted.`,
		Example: `  liaison notice review 01a2… approve --acknowledge art3.political:en:insult*|offend*… \
      --extradition-will-be-sought --reason "Ordinary-law fraud predominates" --case FR-2026-17
  liaison notice review 01a2… refuse --reason "Private debt dispute" --case FR-2026-17`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			outcome := args[1]
			if outcome != "approve" && outcome != "refuse" {
				return fmt.Errorf("the decision is approve or refuse, not %q", outcome)
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			body := map[string]any{"outcome": outcome, "reasons": reason, "acknowledged": ack, "extraditionWillBeSought": extradition}
			var raw json.RawMessage
			if err := c.Post(cmd.Context(), "/api/v1/notices/"+url.PathEscape(args[0])+"/decision", body, &raw); err != nil {
				return err
			}
			var n noticeView
			if err := json.Unmarshal(raw, &n); err != nil {
				return err
			}
			return env.printNotice(raw, &n)
		},
	}
	f := cmd.Flags()
	f.StringVar(&reason, "reason", "", "the reasons for the decision (required)")
	f.StringArrayVar(&ack, "acknowledge", nil, "id of a blocking flag weighed (repeat for each)")
	f.BoolVar(&extradition, "extradition-will-be-sought", false, "red notices: the assurance that extradition will be sought was checked")
	cmd.MarkFlagRequired("reason")
	return cmd
}

func newNoticeCancelCmd(env *Env) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:     "cancel ID --reason TEXT",
		Short:   "Cancel a notice; partners remove it from their border checks",
		Example: `  liaison notice cancel 01a2… --reason "subject arrested" --case FR-2026-17`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var raw json.RawMessage
			if err := c.Post(cmd.Context(), "/api/v1/notices/"+url.PathEscape(args[0])+"/cancel", map[string]string{"reason": reason}, &raw); err != nil {
				return err
			}
			var n noticeView
			if err := json.Unmarshal(raw, &n); err != nil {
				return err
			}
			return env.printNotice(raw, &n)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the notice is cancelled (required)")
	cmd.MarkFlagRequired("reason")
	return cmd
}

func newNoticeImportCmd(env *Env) *cobra.Command {
	var typ string
	cmd := &cobra.Command{
		Use:   "import-interpol FILE.json",
		Short: "Import INTERPOL public notice JSON (a list page or a detail) as drafts",
		Long: `Import notices in the shape of INTERPOL's public notice API (ws-public.interpol.int), either a
list page (_embedded.notices) or one notice's detail. They become drafts of this node, screened
and reviewed like any other before they reach border checks. Entity ids this node holds already
are reported and not imported again.`,
		Example: `  liaison notice import-interpol red-page-1.json --case FR-2026-17`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readInput(env, args[0])
			if err != nil {
				return err
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			var q url.Values
			if typ != "" {
				q = url.Values{"type": {typ}}
			}
			var res struct {
				Created  []noticeSummary `json:"created"`
				Existing []struct {
					EntityID string `json:"entityId"`
					ID       string `json:"id"`
				} `json:"existing"`
			}
			err = c.Do(cmd.Context(), client.Request{Method: http.MethodPost, Path: "/api/v1/notices/import/interpol", Query: q,
				Body: bytes.NewReader(data), IdempotencyKey: client.NewIdempotencyKey()}, &res)
			if err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(res)
			}
			for _, n := range res.Created {
				fmt.Fprintf(env.Stdout, "created %s  %s %s, %s\n", n.ID, n.EntityID, n.Name, n.Forename)
			}
			for _, e := range res.Existing {
				fmt.Fprintf(env.Stdout, "exists  %s  %s\n", e.ID, e.EntityID)
			}
			fmt.Fprintf(env.Stdout, "%d imported as drafts, %d already present\n", len(res.Created), len(res.Existing))
			return nil
		},
	}
	cmd.Flags().StringVar(&typ, "type", "", "notice type when the file's links do not name it")
	return cmd
}

type partnerState struct {
	Partner        string    `json:"partner"`
	Event          string    `json:"event"`
	Version        int64     `json:"version"`
	State          string    `json:"state"`
	Reason         string    `json:"reason"`
	AcknowledgedAt time.Time `json:"acknowledgedAt"`
}

func newNoticeDistributionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "distribution ID",
		Short: "Show where a notice went and whether each partner acknowledged it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return env.printDistribution(cmd, "/api/v1/notices/"+url.PathEscape(args[0])+"/distribution")
		},
	}
}

func (env *Env) printDistribution(cmd *cobra.Command, path string) error {
	c, err := env.Client()
	if err != nil {
		return err
	}
	var st []partnerState
	if err := c.Get(cmd.Context(), path, nil, &st); err != nil {
		return err
	}
	return env.printList(st, len(st), []string{"PARTNER", "EVENT", "VERSION", "STATE", "ACKNOWLEDGED", "REASON"}, func(i int) []string {
		s := st[i]
		ack := ""
		if !s.AcknowledgedAt.IsZero() {
			ack = s.AcknowledgedAt.Format(time.RFC3339)
		}
		return []string{s.Partner, s.Event, strconv.FormatInt(s.Version, 10), s.State, ack, s.Reason}
	})
}

func newAlertCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alert",
		Short: "Alerts for stolen, lost or revoked travel documents, stolen vehicles and objects",
		Long: `Alerts are published at once to their distribution (all partners, a list of agencies or a
region) and answer border lookups on every node that holds them.`,
	}
	cmd.AddCommand(newAlertImportCmd(env), newAlertCancelCmd(env), newAlertDistributionCmd(env))
	return cmd
}

// Defaults of alert import batching: one request per batch, well under the
// node's body limit and short enough not to hold the database for long.
const (
	defaultImportRows  = 10_000
	maxImportBatchSize = 4 << 20
	maxCSVRecordBytes  = 1 << 20
)

func newAlertImportCmd(env *Env) *cobra.Command {
	var scope, agencies, region string
	var rows int
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import document, vehicle or object alerts from CSV, with a progress bar",
		Long: `Import alerts from a CSV file whose header names the columns:

  document_number,country,status[,type]   travel documents (status stolen, lost or revoked)
  plate,country[,vin][,status]             vehicles by plate (status defaults to stolen)
  vin[,status]                             vehicles by VIN
  description,status                       other objects

and optionally action, contact and reference. The file is sent in batches of --rows rows;
each batch is stored entirely or not at all. An error names the line of the file and the
column; the batches before it are stored, and since an alert for the same document or
vehicle is updated rather than duplicated, the import can simply be run again once the file
is fixed. Progress goes to standard error, the summary to standard output.`,
		Example: `  liaison alert import sltd-2026-03.csv --scope all --case FR-2026-SLTD
  liaison alert import plates.csv --scope region --region schengen --justification "stolen vehicles"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if rows < 1 {
				return errors.New("--rows must be at least 1")
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			q := url.Values{}
			for k, v := range map[string]string{"scope": scope, "agencies": agencies, "region": region} {
				if v != "" {
					q.Set(k, v)
				}
			}
			bar := &progress{w: env.Stderr, label: "importing " + filepath.Base(args[0]), total: fi.Size()}
			sum, err := importAlerts(cmd, c, f, q, rows, bar)
			if err != nil {
				fmt.Fprintln(env.Stderr) // end the progress line where it stopped
				if sum.Records > 0 {
					fmt.Fprintf(env.Stderr, "%d alerts up to line %d were stored before the error; fix the file and run the import again.\n",
						sum.Records, sum.LastLine)
				}
				return err
			}
			bar.done()
			if env.JSON {
				return env.printJSON(sum)
			}
			fmt.Fprintf(env.Stdout, "%d %s alerts read: %d created, %d updated, %d unchanged", sum.Records, sum.Kind, sum.Created, sum.Updated, sum.Unchanged)
			if len(sum.SentTo) > 0 {
				fmt.Fprintf(env.Stdout, "; queued for %s", strings.Join(sum.SentTo, ", "))
			}
			fmt.Fprintln(env.Stdout)
			for _, w := range sum.Warnings {
				fmt.Fprintf(env.Stdout, "warning: line %d: %s: %s\n", w.Line, w.Field, w.Message)
			}
			if sum.WarningCount > len(sum.Warnings) {
				fmt.Fprintf(env.Stdout, "… and %d more warnings\n", sum.WarningCount-len(sum.Warnings))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&scope, "scope", "", "distribution: all, agencies or region (default: this node only)")
	fl.StringVar(&agencies, "agencies", "", "comma-separated agency ids, for --scope agencies")
	fl.StringVar(&region, "region", "", "region name (eu, schengen, europe, africa, americas, asia, oceania, mena), for --scope region")
	fl.IntVar(&rows, "rows", defaultImportRows, "rows per request")
	return cmd
}

// importSummary totals the batches of an alert import.
type importSummary struct {
	Kind      string   `json:"kind"`
	Records   int      `json:"records"`
	Created   int      `json:"created"`
	Updated   int      `json:"updated"`
	Unchanged int      `json:"unchanged"`
	ImportIDs []string `json:"importIds"`
	SentTo    []string `json:"sentTo,omitempty"`
	Warnings  []struct {
		Line    int    `json:"line"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"warnings,omitempty"`
	WarningCount int `json:"warningCount"`
	LastLine     int `json:"-"` // the last line of the stored batches
}

// importAlerts sends the CSV in r to the node in batches of at most rows
// records (and maxImportBatchSize bytes), each with the header, and adds
// up the answers. Records are split on newlines outside quotes, so quoted
// fields may span lines; each batch tells the node the file line of its
// header (firstLine), so errors name lines of the file.
func importAlerts(cmd *cobra.Command, c *client.Client, r io.Reader, q url.Values, rows int, bar *progress) (importSummary, error) {
	var sum importSummary
	br := bufio.NewReaderSize(r, 64<<10)
	header, headerLines, err := readCSVRecord(br)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return sum, errors.New("line 1: empty file: the first line is the header")
		}
		return sum, fmt.Errorf("line 1: %w", err)
	}
	bar.add(int64(len(header)))
	line := 1 + headerLines // the file line of the next record
	var batch bytes.Buffer
	send := func(first, n, bytesRead int) error {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("firstLine", strconv.Itoa(first-1))
		body := append(append([]byte{}, header...), batch.Bytes()...)
		var res struct {
			ImportID  string   `json:"importId"`
			Kind      string   `json:"kind"`
			Records   int      `json:"records"`
			Created   int      `json:"created"`
			Updated   int      `json:"updated"`
			Unchanged int      `json:"unchanged"`
			SentTo    []string `json:"sentTo"`
			Warnings  []struct {
				Line    int    `json:"line"`
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"warnings"`
			WarningCount int `json:"warningCount"`
		}
		err := c.Do(cmd.Context(), client.Request{Method: http.MethodPost, Path: "/api/v1/alerts/import", Query: qq,
			Body: bytes.NewReader(body), Header: http.Header{"Content-Type": {"text/csv"}},
			IdempotencyKey: client.NewIdempotencyKey()}, &res)
		if err != nil {
			return err
		}
		sum.Kind = res.Kind
		sum.Records += res.Records
		sum.Created += res.Created
		sum.Updated += res.Updated
		sum.Unchanged += res.Unchanged
		sum.ImportIDs = append(sum.ImportIDs, res.ImportID)
		for _, p := range res.SentTo {
			if !containsString(sum.SentTo, p) {
				sum.SentTo = append(sum.SentTo, p)
			}
		}
		if len(sum.Warnings) < 100 {
			sum.Warnings = append(sum.Warnings, res.Warnings...)
		}
		sum.WarningCount += res.WarningCount
		sum.LastLine = first + n - 1
		bar.add(int64(bytesRead))
		batch.Reset()
		return nil
	}
	first, n, pending := line, 0, 0
	for {
		rec, lines, err := readCSVRecord(br)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, fmt.Errorf("line %d: %w", line, err)
		}
		if batch.Len() > 0 && (n >= rows || batch.Len()+len(rec) > maxImportBatchSize) {
			if err := send(first, line-first, pending); err != nil {
				return sum, err
			}
			first, n, pending = line, 0, 0
		}
		batch.Write(rec)
		n++
		pending += len(rec)
		line += lines
	}
	if n > 0 || sum.ImportIDs == nil {
		if err := send(first, line-first, pending); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// readCSVRecord reads one CSV record: up to a newline that is not inside
// quotes. It returns the record's bytes (with its newline; one is added
// at the end of the file) and how many lines it spans.
func readCSVRecord(br *bufio.Reader) ([]byte, int, error) {
	var rec []byte
	lines := 0
	quoted := false
	for {
		part, err := br.ReadSlice('\n')
		rec = append(rec, part...)
		if len(rec) > maxCSVRecordBytes {
			return nil, 0, fmt.Errorf("a record longer than %d bytes", maxCSVRecordBytes)
		}
		// An escaped quote ("") toggles twice, so counting quotes tells
		// whether the line ends inside a quoted field.
		quoted = quoted != (bytes.Count(part, []byte{'"'})%2 == 1)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			if len(rec) == 0 {
				return nil, 0, io.EOF
			}
			return append(rec, '\n'), lines + 1, nil
		}
		if err != nil {
			return nil, 0, err
		}
		lines++
		if !quoted {
			return rec, lines, nil
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func newAlertCancelCmd(env *Env) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:     "cancel ID --reason TEXT",
		Short:   "Cancel an alert; partners remove it from their border checks",
		Example: `  liaison alert cancel 01a2… --reason "passport recovered" --case FR-2026-SLTD`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var raw json.RawMessage
			if err := c.Post(cmd.Context(), "/api/v1/alerts/"+url.PathEscape(args[0])+"/cancel", map[string]string{"reason": reason}, &raw); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(raw)
			}
			fmt.Fprintf(env.Stdout, "Cancelled alert %s.\n", args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the alert is cancelled (required)")
	cmd.MarkFlagRequired("reason")
	return cmd
}

func newAlertDistributionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "distribution ID",
		Short: "Show where an alert went and whether each partner acknowledged it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return env.printDistribution(cmd, "/api/v1/alerts/"+url.PathEscape(args[0])+"/distribution")
		},
	}
}

func newLookupCmd(env *Env) *cobra.Command {
	var document, country, plate, vin, name, birthDate string
	cmd := &cobra.Command{
		Use:   "lookup (--document N --country CC | --plate P --country CC | --vin V | --name N --birth-date D)",
		Short: "Border check of a travel document, vehicle or person against alerts and notices",
		Long: `Check a travel document, a licence plate, a VIN or a person (name and date of birth) against
the alerts and notices this node holds, its own and its partners'. A hit says what to do and
whom to contact. Every lookup is recorded in the audit log (as a keyed hash, never the number
itself) with your justification (--justification or --case).`,
		Example: `  liaison lookup --document 12AB34567 --country FR --justification "border check A1 Kehl"
  liaison lookup --plate "AB-123-CD" --country FR --justification "roadside check"
  liaison lookup --name "Sergei Ivanov" --birth-date 1980-01-02 --justification "border check"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			q := url.Values{}
			for k, v := range map[string]string{"document": document, "country": country, "plate": plate, "vin": vin,
				"name": name, "birthDate": birthDate} {
				if v != "" {
					q.Set(k, v)
				}
			}
			var res struct {
				Hit  bool `json:"hit"`
				Hits []struct {
					Kind        string `json:"kind"`
					Matched     string `json:"matched"`
					Instruction string `json:"instruction"`
					Reference   string `json:"reference"`
					Status      string `json:"status"`
					Strength    string `json:"strength"`
				} `json:"hits"`
			}
			if err := c.Get(cmd.Context(), "/api/v1/lookup", q, &res); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(res)
			}
			if !res.Hit {
				fmt.Fprintln(env.Stdout, "NO HIT")
				return nil
			}
			for _, h := range res.Hits {
				what := h.Matched
				if h.Status != "" {
					what += " (" + h.Status + ")"
				}
				if h.Strength == "weak" {
					what += " — weak candidate: verify identity"
				}
				fmt.Fprintf(env.Stdout, "HIT: %s\n  %s\n", what, h.Instruction)
				if h.Reference != "" {
					fmt.Fprintf(env.Stdout, "  reference: %s\n", h.Reference)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&document, "document", "", "travel document number")
	f.StringVar(&country, "country", "", "issuing country of the document, or registration country of the plate (ISO alpha-2)")
	f.StringVar(&plate, "plate", "", "licence plate")
	f.StringVar(&vin, "vin", "", "vehicle identification number")
	f.StringVar(&name, "name", "", "full name of a person")
	f.StringVar(&birthDate, "birth-date", "", "date of birth: 1980-01-02, or 1980-01 or 1980")
	return cmd
}
