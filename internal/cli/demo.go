package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/app"
	"github.com/liaison-project/liaison/internal/demo"
	"github.com/liaison-project/liaison/internal/identity"
)

func newDemoCmd(env *Env) *cobra.Command {
	var (
		check bool
		seed  int64
	)
	cmd := &cobra.Command{
		Use:   "demo [--check] [--dir DIR]",
		Short: "Run three agency nodes on this machine and play a cross-border case",
		Long: `Start three agency nodes (NL-NCB, DE-BKA, FR-OCRTIS) on loopback, with SQLite in a temporary
directory (or --dir DIR, kept afterwards), make them partners, load a synthetic case and play
its story step by step with a short narration: a record shared under handling codes (each
holder acknowledges its copy), hit/no-hit checks that find the main suspect in two countries
without revealing the passport number, the hit's follow-up answered by the holder's SPOC, a
secure message with signed delivery and read receipts, a political red notice flagged by
screening and refused, a red notice reviewed and published, border checks that hit a notice, a
stolen passport and a stolen car at another agency, a withdrawal that reaches every holder,
audit logs that verify, and checkpoints cosigned by the partners as witnesses.

Every action goes through a node's officer API, as an officer with the role a real agency
would use. Afterwards the nodes keep running: the demo prints each node's portal and API
URLs and the officers' logins, and stops the nodes on Ctrl-C.

With --check the demo runs headless and asserts every step: one line per step, then
"demo: N steps passed, M failed in T s". It exits 0 only when every step passed.`,
		Example: `  liaison demo
  liaison demo --check
  liaison demo --dir ./demo --seed 7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := demo.Run(cmd.Context(), demo.Options{
				Launcher: appLauncher{}, Dir: env.Dir, Seed: seed, Check: check, Out: env.Stdout,
			})
			if err != nil {
				return err
			}
			if !rep.OK() {
				return &ExitError{Code: 1, Err: fmt.Errorf("demo: %d of %d steps failed", rep.Failed, len(rep.Steps))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "run headless, assert every step, exit 1 if any fails")
	cmd.Flags().Int64Var(&seed, "seed", 1, "scenario seed: the same seed plays the same case")
	return cmd
}

// appLauncher creates and serves demo nodes with internal/app, as
// `liaison init` and `liaison serve` do.
type appLauncher struct{}

func (appLauncher) Init(ctx context.Context, s demo.NodeSpec) (*demo.NodeInit, error) {
	res, err := app.Init(ctx, app.InitOptions{Dir: s.Dir, Agency: s.Agency, Country: s.Country, Name: s.Name,
		APIListen: s.APIListen, FederationListen: s.FederationListen, Exercise: s.Exercise})
	if err != nil {
		return nil, err
	}
	return &demo.NodeInit{AdminUser: res.AdminUser, AdminPassword: res.AdminPassword, AdminToken: res.AdminToken,
		AdminTokenFile: filepath.Join(res.Dir, app.AdminTokenFile),
		CertFile:       filepath.Join(res.Dir, identity.KeysDir, identity.TLSCertFile)}, nil
}

func (appLauncher) Serve(ctx context.Context, dir string, log io.Writer, ready func(string)) error {
	return app.Serve(ctx, app.ServeOptions{Dir: dir, Stderr: log, LogLevel: "warn",
		Ready: func(a app.Addrs) { ready(a.API) }})
}
