package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/client"
)

// maxCardFile bounds a partner card file (cards are a few KiB).
const maxCardFile = 64 << 10

type partnerView struct {
	Agency       string    `json:"agency"`
	Name         string    `json:"name"`
	Country      string    `json:"country"`
	State        string    `json:"state"`
	Fingerprint  string    `json:"fingerprint"`
	URLs         []string  `json:"urls"`
	CardNotAfter time.Time `json:"cardNotAfter"`
}

func newPartnerCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "partner",
		Short: "Manage partner agencies: cards, trust, status",
		Long: `Partner agencies are other Liaison nodes this node exchanges messages with. Trust is
established by exchanging signed partner cards and checking each card's fingerprint out of
band: the two administrators read the fingerprints to each other over the phone (or another
channel they already trust). Only partners with an active card can connect: the federation
listener refuses every other TLS certificate before a request is read.`,
	}
	cmd.AddCommand(newPartnerCardCmd(env), newPartnerAddCmd(env), newPartnerListCmd(env),
		newPartnerStateCmd(env, "suspend", "Suspend a partner: its connections are refused and nothing is delivered to it", "/suspend", http.MethodPost),
		newPartnerStateCmd(env, "resume", "Resume a suspended partner; its queued messages are delivered", "/resume", http.MethodPost),
		newPartnerStateCmd(env, "remove", "Remove a partner (its cards are kept to verify old evidence)", "", http.MethodDelete),
		newPartnerStatusCmd(env))
	return cmd
}

func newPartnerCardCmd(env *Env) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "card [--out FILE]",
		Short: "Print this node's signed partner card and its fingerprint",
		Long: `Print this node's partner card: agency id, name, country, federation URLs, Ed25519 signing
key, HPKE X-Wing encryption key, TLS certificate pin and validity, self-signed. Send the card
to the partner's administrator by any channel, then read the fingerprint to them out of band;
they import it with "liaison partner add CARD.json --fingerprint FP".

The card goes to standard output (or --out), the fingerprint to standard error.`,
		Example: `  liaison partner card --out nl-ncb.card.json --dir ./nl`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var own struct {
				Card        json.RawMessage `json:"card"`
				Fingerprint string          `json:"fingerprint"`
			}
			if err := c.Get(cmd.Context(), "/api/v1/federation/card", nil, &own); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(own)
			}
			var pretty any
			if err := json.Unmarshal(own.Card, &pretty); err != nil {
				return fmt.Errorf("card: %w", err)
			}
			b, err := json.MarshalIndent(pretty, "", "  ")
			if err != nil {
				return err
			}
			b = append(b, '\n')
			if out != "" {
				if err := os.WriteFile(out, b, 0o644); err != nil {
					return fmt.Errorf("write card: %w", err)
				}
				fmt.Fprintf(env.Stdout, "Wrote the partner card to %s\n", out)
			} else if _, err := env.Stdout.Write(b); err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "Fingerprint (read it to the partner's administrator): %s\n", own.Fingerprint)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the card to FILE instead of standard output")
	return cmd
}

func newPartnerAddCmd(env *Env) *cobra.Command {
	var fingerprint string
	cmd := &cobra.Command{
		Use:   "add CARD.json [--fingerprint FP]",
		Short: "Trust a partner's card (fingerprint checked out of band), or accept a rotated card",
		Long: `Import a partner's card. A new partner's card is accepted only if its self-signature holds
and --fingerprint, as the partner's administrator read it to you out of band, matches it.

A new card of an existing partner (key rotation, new endpoints, renewal) is accepted without
a fingerprint when it is signed by the partner's current key; otherwise its fingerprint is
needed, as for a new partner. The superseded card is kept to verify older evidence.`,
		Example: `  liaison partner add de-bka.card.json --fingerprint 3F2A-09C4-77D1-0B5E-8C21-D4F0-19AA-6E03 --dir ./nl
  liaison partner add de-bka.rotated.card.json --dir ./nl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readLimited(args[0], maxCardFile)
			if err != nil {
				return err
			}
			if !json.Valid(raw) {
				return fmt.Errorf("%s is not a JSON partner card", args[0])
			}
			c, err := env.Client()
			if err != nil {
				return err
			}
			var res struct {
				Partner partnerView `json:"partner"`
				Result  string      `json:"result"`
			}
			body := map[string]any{"card": json.RawMessage(raw), "fingerprint": fingerprint}
			if err := c.Post(cmd.Context(), "/api/v1/partners", body, &res); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(res)
			}
			p := res.Partner
			fmt.Fprintf(env.Stdout, "%s %s (%s, %s): %s, fingerprint %s, card valid until %s\n",
				map[string]string{"added": "Added", "rotated": "Rotated the card of", "replaced": "Replaced the card of", "unchanged": "Unchanged:"}[res.Result],
				p.Agency, p.Name, p.Country, p.State, p.Fingerprint, p.CardNotAfter.Format(time.DateOnly))
			return nil
		},
	}
	cmd.Flags().StringVar(&fingerprint, "fingerprint", "", "the card's fingerprint, read to you out of band")
	return cmd
}

func newPartnerListCmd(env *Env) *cobra.Command {
	var removed bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List partner agencies",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var page struct {
				Items []partnerView `json:"items"`
			}
			if err := c.Get(cmd.Context(), "/api/v1/partners", url.Values{"removed": {strconv.FormatBool(removed)}}, &page); err != nil {
				return err
			}
			return env.printList(page.Items, len(page.Items), []string{"AGENCY", "COUNTRY", "STATE", "FINGERPRINT", "CARD UNTIL", "NAME"}, func(i int) []string {
				p := page.Items[i]
				return []string{p.Agency, p.Country, p.State, p.Fingerprint, p.CardNotAfter.Format(time.DateOnly), p.Name}
			})
		},
	}
	cmd.Flags().BoolVar(&removed, "removed", false, "include removed partners")
	return cmd
}

func newPartnerStateCmd(env *Env, verb, short, suffix, method string) *cobra.Command {
	return &cobra.Command{
		Use:     verb + " AGENCY",
		Short:   short,
		Example: "  liaison partner " + verb + " DE-BKA --dir ./nl",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var p partnerView
			req := client.Request{Method: method, Path: "/api/v1/partners/" + url.PathEscape(args[0]) + suffix}
			if method == http.MethodPost {
				req.IdempotencyKey = client.NewIdempotencyKey()
			}
			if err := c.Do(cmd.Context(), req, &p); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(p)
			}
			fmt.Fprintf(env.Stdout, "%s is now %s\n", p.Agency, p.State)
			return nil
		},
	}
}

func newPartnerStatusCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Per partner: last contact, queue depth, oldest undelivered message, failures",
		Long: `Show the state of the link to each partner: when it last answered, how many envelopes wait
for it and since when, how many it rejected for good, how many delivery attempts failed in a
row and why the last one failed. Nothing fails silently: a partner that is down shows a
growing queue and its last error here (and in the Prometheus metrics).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var page struct {
				Items []struct {
					Agency              string    `json:"agency"`
					State               string    `json:"state"`
					LastContact         time.Time `json:"lastContact"`
					QueueDepth          int64     `json:"queueDepth"`
					OldestUndelivered   time.Time `json:"oldestUndelivered"`
					Failed              int64     `json:"failed"`
					ConsecutiveFailures int64     `json:"consecutiveFailures"`
					LastError           string    `json:"lastError"`
					AttachmentsPending  int64     `json:"attachmentsPending"`
				} `json:"items"`
			}
			if err := c.Get(cmd.Context(), "/api/v1/partners/status", nil, &page); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(page.Items)
			}
			now := time.Now()
			rows := make([][]string, len(page.Items))
			for i, s := range page.Items {
				oldest := "-"
				if !s.OldestUndelivered.IsZero() {
					oldest = ago(now, s.OldestUndelivered)
				}
				contact := "never"
				if !s.LastContact.IsZero() {
					contact = ago(now, s.LastContact)
				}
				lastErr := s.LastError
				if s.ConsecutiveFailures == 0 && lastErr != "" {
					lastErr = "(recovered) " + lastErr
				}
				rows[i] = []string{s.Agency, s.State, contact, strconv.FormatInt(s.QueueDepth, 10), oldest,
					strconv.FormatInt(s.Failed, 10), strconv.FormatInt(s.ConsecutiveFailures, 10),
					strconv.FormatInt(s.AttachmentsPending, 10), truncateText(lastErr, 80)}
			}
			return env.table([]string{"AGENCY", "STATE", "LAST CONTACT", "QUEUED", "OLDEST", "FAILED", "FAILURES", "FETCHING", "LAST ERROR"}, rows)
		},
	}
}

// ago renders how long before now t was, e.g. "3m ago".
func ago(now, t time.Time) string {
	d := now.Sub(t).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return d.String() + " ago"
}

// truncateText shortens s to at most n runes for a table cell.
func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// readLimited reads a file of at most max bytes.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return b, nil
}
