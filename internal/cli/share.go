package cli

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/policy"
)

// newRecordShareCmds are the record subcommands of disclosure: share and
// holders. The record command attaches them.
func newRecordShareCmds(env *Env) []*cobra.Command {
	return []*cobra.Command{newRecordShareCmd(env), newRecordHoldersCmd(env)}
}

func newRecordShareCmd(env *Env) *cobra.Command {
	var (
		to, purpose, reason string
		ask                 bool
	)
	cmd := &cobra.Command{
		Use:   "share ID --to AGENCY[,AGENCY…] --purpose PURPOSE --justification TEXT",
		Short: "Send a copy of a record to partner agencies",
		Long: `Send a copy of record ID to each partner in --to. For each partner the node decides
first: the record's handling codes (H0–H3), TLP, purpose and the case in --case. A copy
that is allowed is queued for delivery and keeps the originator's envelope; the partner's
node stores it as a received copy. A refusal names the policy rule. Every decision is in
the audit log, with the message that carries the copy.

A copy of an H2 record that this agency received may go onward only with the
originator's permission: --request-permission asks the originator when that is the only
obstacle (see "liaison share requests"); share again once it is granted.

Later corrections, withdrawals and erasures of the record reach every holder by
themselves; "liaison record holders ID" shows who holds which version.`,
		Example: `  liaison record share 0190f1c2-… --to DE-BKA,BE-FP --purpose criminal-investigation \
      --case NL-2025-17 --justification "joint investigation TIDE" --dir ./nl
  liaison record share 0190f1c2-… --to FR-DCPJ --purpose criminal-investigation \
      --request-permission --reason "JIT member" --justification "JIT TIDE"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := policy.ParsePurpose(purpose)
			if err != nil {
				return err
			}
			req := disclosure.ShareRequest{To: splitAgencies(to), Purpose: p, Justification: env.Justification,
				RequestPermission: ask, Reason: reason}
			if len(req.To) == 0 {
				return errors.New("--to names at least one partner agency")
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			var res disclosure.ShareResult
			if err := c.Post(cmd.Context(), "/api/v1/records/"+url.PathEscape(args[0])+"/share", req, &res); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(res)
			}
			rows := make([][]string, len(res.Outcomes))
			refused := 0
			for i, o := range res.Outcomes {
				detail := o.Reason
				switch o.Outcome {
				case disclosure.OutcomeQueued:
					detail = fmt.Sprintf("version %d, message %s", o.Version, o.MessageID)
				case disclosure.OutcomeRequested:
					detail = "request " + o.RequestID + ": " + o.Reason
				default:
					refused++
				}
				rows[i] = []string{o.Partner, o.Outcome, o.Rule, detail}
			}
			if err := env.table([]string{"PARTNER", "OUTCOME", "RULE", "DETAIL"}, rows); err != nil {
				return err
			}
			if refused > 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d partners refused", refused, len(res.Outcomes))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&to, "to", "", "partner agency ids, comma-separated")
	f.StringVar(&purpose, "purpose", "", "purpose of the disclosure, e.g. criminal-investigation")
	f.BoolVar(&ask, "request-permission", false, "ask the originator when an H2 copy may not go onward")
	f.StringVar(&reason, "reason", "", "with --request-permission: why the partner needs the record (no personal data)")
	return cmd
}

func newRecordHoldersCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "holders ID",
		Short: "List the partners holding a copy of a record, and which version each acknowledged",
		Long: `List the partners this node sent a copy of record ID: the version each acknowledged
(with a signed delivery receipt) and whether it holds a copy, a withdrawn copy or none
(erased), the last message sent and its delivery state, and whether a change of the
record is still on its way. Reading it is a consultation of the record: give a
justification.`,
		Example: `  liaison record holders 0190f1c2-… --case NL-2025-17 --dir ./nl`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var hs []disclosure.Holder
			if err := c.Get(cmd.Context(), "/api/v1/records/"+url.PathEscape(args[0])+"/holders", nil, &hs); err != nil {
				return err
			}
			return env.printList(hs, len(hs), []string{"PARTNER", "HOLDS", "LAST SENT", "PURPOSE", "ACKNOWLEDGED"}, func(i int) []string {
				h := hs[i]
				holds := "-"
				if h.Version > 0 {
					holds = h.Kind + " v" + strconv.Itoa(h.Version)
				}
				sent := h.SentKind + " v" + strconv.Itoa(h.SentVersion) + " " + h.Delivery
				if h.Outdated {
					sent += ", change pending"
				}
				if h.LastError != "" {
					sent += ": " + h.LastError
				}
				return []string{h.Agency, holds, sent, string(h.Purpose), shareTime(h.AckedAt)}
			})
		},
	}
}

// newShareCmd is the share command: permission requests for onward
// sharing of H2 records.
func newShareCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "share",
		Short: "Permission requests for passing H2 records onward",
		Long: `A record marked H2 may be passed on by a holder only with the originator's permission.
Holders ask with "liaison record share ID --to AGENCY --request-permission"; the
originator's SPOC lists the requests and grants or denies them here. A grant adds the
agency to the record's onward grants (a new version, sent to the holder with the answer).`,
	}
	cmd.AddCommand(newShareRequestsCmd(env), newShareAnswerCmd(env))
	return cmd
}

func newShareRequestsCmd(env *Env) *cobra.Command {
	var (
		direction, state string
		limit            int
	)
	cmd := &cobra.Command{
		Use:   "requests [--in|--out] [--state pending|granted|denied|failed]",
		Short: "List permission requests, newest first",
		Long: `List requests for permission to pass H2 records onward: --direction in lists those
holders sent this agency (the originator answers them), out those this agency sent.`,
		Example: `  liaison share requests --direction in --state pending --dir ./de`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			if direction != "" {
				q.Set("direction", direction)
			}
			if state != "" {
				q.Set("state", state)
			}
			var page httpx.Page[disclosure.Request]
			if err := c.Get(cmd.Context(), "/api/v1/share-requests", q, &page); err != nil {
				return err
			}
			return env.printList(page, len(page.Items), []string{"ID", "DIR", "RECORD", "HOLDER → RECIPIENT", "PURPOSE", "STATE", "REASON", "ANSWER", "ASKED"}, func(i int) []string {
				r := page.Items[i]
				answer := r.Answer
				if r.LastError != "" {
					answer = r.LastError
				}
				return []string{r.ID, r.Direction, r.RecordID, r.Holder + " → " + r.Recipient, string(r.Purpose), r.State,
					strings.TrimSpace(r.Reason), answer, shareTime(r.CreatedAt)}
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&direction, "direction", "", "in (asked of this agency) or out (asked by it)")
	f.StringVar(&state, "state", "", "pending, granted, denied or failed")
	f.IntVar(&limit, "limit", 50, "at most this many (1-500)")
	return cmd
}

func newShareAnswerCmd(env *Env) *cobra.Command {
	var (
		grant, deny bool
		reason      string
	)
	cmd := &cobra.Command{
		Use:   "answer ID --grant|--deny [--reason TEXT] --justification TEXT",
		Short: "Grant or deny a holder's request to pass a record onward (SPOC)",
		Long: `Answer permission request ID, which a holder of one of this agency's H2 records sent.
--grant adds the requested agency to the record's onward grants: the record gets a new
version, which goes to the holder with the answer (and to every other holder). --deny
refuses; --reason is told to the holder either way (no personal data).`,
		Example: `  liaison share answer 0190f1c3-… --grant --reason "for the JIT" --justification "JIT TIDE" --dir ./de
  liaison share answer 0190f1c3-… --deny --reason "source protection" --justification "review"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if grant == deny {
				return errors.New("give exactly one of --grant and --deny")
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			var r disclosure.Request
			body := disclosure.AnswerRequest{Grant: grant, Reason: reason, Justification: env.Justification}
			if err := c.Post(cmd.Context(), "/api/v1/share-requests/"+url.PathEscape(args[0])+"/answer", body, &r); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(r)
			}
			fmt.Fprintf(env.Stdout, "Request %s %s: %s asked to pass record %s to %s. The answer is on its way (message %s).\n",
				r.ID, r.State, r.Holder, r.RecordID, r.Recipient, r.MessageID)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&grant, "grant", false, "grant the request")
	f.BoolVar(&deny, "deny", false, "deny the request")
	f.StringVar(&reason, "reason", "", "why, told to the holder")
	return cmd
}

// splitAgencies splits a comma-separated flag value, dropping blanks.
func splitAgencies(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// shareTime renders a time for a table, "-" when unset.
func shareTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
