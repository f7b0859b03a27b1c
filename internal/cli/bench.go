package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/app"
)

func newBenchCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure throughput against a baseline measured in the same run",
		Long: `Benchmarks start throwaway nodes on loopback and report each figure as a ratio to a
baseline measured in the same run on the same machine, so that results from different
machines can be compared. See docs/benchmarks.md.`,
	}
	var clients int
	var dur time.Duration
	var dsn string
	apiCmd := &cobra.Command{
		Use:   "api",
		Short: "Authenticated GET /api/v1/me over HTTPS vs a bare net/http TLS handler",
		Example: `  liaison bench api
  liaison bench api --clients 64 --duration 20s --database postgres://postgres@127.0.0.1:5432/test`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := app.BenchAPI(cmd.Context(), dsn, clients, dur)
			if err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(res)
			}
			fmt.Fprintf(env.Stdout, "database: %s\n", res.Database)
			fmt.Fprintf(env.Stdout, "node GET /api/v1/me: %s\n", res.Node)
			fmt.Fprintf(env.Stdout, "bare net/http TLS:   %s\n", res.Bare)
			fmt.Fprintf(env.Stdout, "ratio node/bare:     %.2f\n", res.Ratio)
			return nil
		},
	}
	apiCmd.Flags().IntVar(&clients, "clients", 64, "concurrent keep-alive clients")
	apiCmd.Flags().DurationVar(&dur, "duration", 10*time.Second, "measurement time per target")
	apiCmd.Flags().StringVar(&dsn, "database", "", "PostgreSQL DSN (default: SQLite in a temporary directory)")
	cmd.AddCommand(apiCmd)
	return cmd
}
