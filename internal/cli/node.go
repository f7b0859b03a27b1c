package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/app"
)

func newInitCmd(env *Env) *cobra.Command {
	var opts app.InitOptions
	cmd := &cobra.Command{
		Use:   "init --dir DIR --agency ID --country CC --name NAME",
		Short: "Create a new agency node in a directory",
		Long: `Create a new agency node in DIR (mode 0700): a configuration file, the agency's keys
(Ed25519 signing key, HPKE X-Wing encryption key, TLS key and self-signed certificate),
the database with every migration applied, and a first administrator whose API token
is written to DIR/admin.token (mode 0600) and printed once.

The database is embedded SQLite in DIR unless --database names PostgreSQL
(postgres://user@host:5432/db). init refuses to touch an existing directory that is
not empty. Private keys are never printed.

--exercise creates an exercise node: a separate training instance that holds exercise
data only. Every officer on it acts inside an exercise, its partner card says so, and it
federates only with other exercise nodes, so that exercises can inject notices, alerts
and hit/no-hit queries without ever reaching a real node.`,
		Example: `  liaison init --dir ./nl --agency NL-NCB --country NL --name "Netherlands NCB"
  liaison init --dir ./nl-training --agency NL-NCB --country NL --name "Netherlands NCB (training)" --exercise
  liaison init --dir /srv/liaison --agency DE-BKA --country DE --name "Bundeskriminalamt" \
      --api-listen 0.0.0.0:8443 --federation-listen 0.0.0.0:9443 \
      --database postgres://liaison@db.internal:5432/liaison`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = env.Dir
			if opts.Dir == "" {
				return fmt.Errorf("--dir is required")
			}
			res, err := app.Init(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if env.JSON {
				return env.printJSON(res)
			}
			fmt.Fprintf(env.Stdout, "Created node %s (%s, %s) in %s\n", res.Agency, res.Name, res.Country, res.Dir)
			if res.Exercise {
				fmt.Fprintf(env.Stdout, "  EXERCISE node: training only, no real data; it federates only with exercise nodes\n")
			}
			fmt.Fprintf(env.Stdout, "  database:      %s\n", res.Database)
			fmt.Fprintf(env.Stdout, "  officer API:   %s\n", res.APIURL)
			fmt.Fprintf(env.Stdout, "  federation:    %s\n", strings.Join(res.FederationURLs, ", "))
			fmt.Fprintf(env.Stdout, "  TLS pin:       %s\n", res.TLSPin)
			fmt.Fprintf(env.Stdout, "\nAdministrator %q. API token (shown once; also in %s):\n  %s\n",
				res.AdminUser, filepath.Join(res.Dir, AdminTokenFile), res.AdminToken)
			fmt.Fprintf(env.Stdout, "Administrator password (one-time, for the portal): %s\n", res.AdminPassword)
			fmt.Fprintf(env.Stdout, "\nNext: liaison serve --dir %s\n", res.Dir)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Agency, "agency", "", "agency id: upper-case letters, digits and dashes, e.g. NL-NCB (required)")
	f.StringVar(&opts.Country, "country", "", "ISO 3166-1 alpha-2 country code, e.g. NL (required)")
	f.StringVar(&opts.Name, "name", "", "agency name, e.g. \"Netherlands NCB\" (required)")
	f.StringVar(&opts.APIListen, "api-listen", "", "officer API address (default 127.0.0.1:8443)")
	f.StringVar(&opts.FederationListen, "federation-listen", "", "federation address (default 127.0.0.1:9443)")
	f.StringVar(&opts.Database, "database", "", "PostgreSQL DSN (default: SQLite file in DIR)")
	f.StringVar(&opts.AdminUser, "admin", "admin", "name of the first administrator")
	f.BoolVar(&opts.Exercise, "exercise", false, "create an exercise node: a training instance holding exercise data only")
	f.BoolVar(&opts.PlainHTTP, "plain-http", false, "serve the officer API without TLS (loopback only; development)")
	for _, n := range []string{"agency", "country", "name"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

func newServeCmd(env *Env) *cobra.Command {
	var opts app.ServeOptions
	cmd := &cobra.Command{
		Use:   "serve --dir DIR",
		Short: "Run the node: officer API, portal and federation listener",
		Long: `Run the node in DIR until SIGINT or SIGTERM. It serves the officer API and portal over
HTTPS (plain HTTP only with --plain-http on a loopback address), the federation listener
over mutual TLS 1.3, /healthz and /readyz without authentication, and Prometheus
metrics at /metrics (admin token, or a separate loopback listener from the
configuration). Logs are JSON lines on standard error. On SIGTERM it stops accepting
requests, lets in-flight requests finish (at most 10 s) and exits.`,
		Example: `  liaison serve --dir ./nl
  liaison serve --dir ./nl --api-listen 127.0.0.1:8080 --plain-http`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if env.Dir == "" {
				return fmt.Errorf("--dir is required")
			}
			opts.Dir = env.Dir
			opts.Stderr = env.Stderr
			return app.Serve(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.APIListen, "api-listen", "", "override the officer API address")
	f.StringVar(&opts.FederationListen, "federation-listen", "", "override the federation address")
	f.BoolVar(&opts.PlainHTTP, "plain-http", false, "serve the officer API without TLS (loopback only)")
	f.StringVar(&opts.LogLevel, "log-level", "", "debug, info, warn or error (default from config, else info)")
	return cmd
}
