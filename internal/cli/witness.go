package cli

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/witness"
)

func newWitnessCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "witness",
		Short: "Partners witnessing each other's audit logs (admin, dpo)",
		Long: `Partner nodes exchange their signed audit-log checkpoints and cosign each other's
after checking consistency with what they saw before. A partner that shows two
different histories to two partners (a split view) is detected and reported here.`,
	}
	partners := &cobra.Command{
		Use:   "partners",
		Short: "Each partner's latest checkpoint seen and its latest cosignature of this node's log",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var ps []witness.Partner
			if err := c.Get(cmd.Context(), "/api/v1/witness/partners", nil, &ps); err != nil {
				return err
			}
			return env.printList(ps, len(ps), []string{"PARTNER", "THEIR LOG SEEN", "OUR LOG COSIGNED", "ALERTS", "LAST ERROR"}, func(i int) []string {
				p := ps[i]
				seen := "-"
				if p.Seen != nil {
					seen = strconv.FormatUint(p.Seen.Size, 10)
				}
				cosigned := "-"
				if !p.CosignedAt.IsZero() {
					cosigned = fmt.Sprintf("%d at %s", p.CosignedSize, p.CosignedAt.Format(time.RFC3339))
				}
				return []string{p.Agency, seen, cosigned, strconv.Itoa(p.Alerts), p.LastError}
			})
		},
	}
	alerts := &cobra.Command{
		Use:   "alerts",
		Short: "Split views and rollbacks detected, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := env.Client()
			if err != nil {
				return err
			}
			var as []witness.Alert
			if err := c.Get(cmd.Context(), "/api/v1/witness/alerts", nil, &as); err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(as)
			}
			if len(as) == 0 {
				fmt.Fprintln(env.Stdout, "No split views detected.")
				return nil
			}
			rows := make([][]string, len(as))
			for i, a := range as {
				rows[i] = []string{a.CreatedAt.Format(time.RFC3339), a.Origin, a.Reason, strconv.FormatUint(a.Size, 10), a.Via, a.Detail}
			}
			return env.table([]string{"DETECTED", "LOG OF", "REASON", "SIZE", "VIA", "DETAIL"}, rows)
		},
	}
	cmd.AddCommand(partners, alerts)
	return cmd
}
