// Package cli is the liaison command line. Commands that act on a node are
// clients of its officer API (see internal/client): they authenticate with
// a token like any other client, so the CLI is never a way around
// authorisation or audit. Only the commands that create or run a node
// (init, serve) and offline verification touch a node directory directly.
package cli

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/config"
	"github.com/liaison-project/liaison/internal/identity"
)

// Version is set at build time with -ldflags "-X …/internal/cli.Version=…".
var Version = "dev"

// Env is what every command shares: output streams, environment and the
// global connection flags.
type Env struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	Getenv         func(string) string

	URL   string // --url / LIAISON_URL
	Token string // --token / LIAISON_TOKEN
	Dir   string // --dir: a local node directory (its URL, certificate and admin token)
	JSON  bool   // --json: machine-readable output
	// Justification and CaseRef are sent with requests that process
	// personal data (--justification / --case).
	Justification string
	CaseRef       string
}

// Run executes the command line args (without the program name).
func Run(ctx context.Context, args []string, env *Env) error {
	root := NewRoot(env)
	root.SetArgs(args)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetIn(env.Stdin)
	return root.ExecuteContext(ctx)
}

// NewRoot builds the command tree.
func NewRoot(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "liaison",
		Short: "Liaison: a federated node for cross-border crime control",
		Long: `Liaison is the node an agency (police, customs, FIU, prosecutor, CERT) runs to share
intelligence with partner agencies in other countries: signed and encrypted messages,
records under Europol handling codes and TLP, privacy-preserving hit/no-hit matching,
notices and alerts, and a tamper-evident audit log of every access.

Start with "liaison init" to create a node, then "liaison serve" to run it. Commands
that act on a running node reach it through its API: pass --dir DIR for a local node
(its URL and admin token are read from DIR), or --url and --token (or LIAISON_URL and
LIAISON_TOKEN).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&env.URL, "url", "", "node API URL, e.g. https://127.0.0.1:8443 (env LIAISON_URL)")
	pf.StringVar(&env.Token, "token", "", "API token (env LIAISON_TOKEN)")
	pf.StringVar(&env.Dir, "dir", "", "local node directory; supplies URL, certificate and admin token")
	pf.BoolVar(&env.JSON, "json", false, "print JSON instead of text")
	pf.StringVar(&env.Justification, "justification", "", "why you process personal data (required by commands that read or disclose it)")
	pf.StringVar(&env.CaseRef, "case", "", "case reference justifying the processing")

	root.AddCommand(
		newVersionCmd(env),
		newInitCmd(env),
		newServeCmd(env),
		newUserCmd(env),
		newTokenCmd(env),
		newBenchCmd(env),
		newAuditCmd(env),
		newPartnerCmd(env),
		newMessageCmd(env),
		newRecordCmd(env),
		newNoticeCmd(env),
		newAlertCmd(env),
		newLookupCmd(env),
		newMatchCmd(env),
		newShareCmd(env),
		newWitnessCmd(env),
		newScenarioCmd(env),
		newDemoCmd(env),
		newExerciseCmd(env),
	)
	return root
}

func newVersionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(env.Stdout, "liaison", Version)
			return nil
		},
	}
}

// AdminTokenFile is the file in a node directory holding the first
// administrator's token.
const AdminTokenFile = "admin.token"

// Client returns an API client from the flags, the environment or --dir.
func (env *Env) Client() (*client.Client, error) {
	url, token := env.URL, env.Token
	if url == "" {
		url = env.Getenv("LIAISON_URL")
	}
	if token == "" {
		token = env.Getenv("LIAISON_TOKEN")
	}
	var roots *x509.CertPool
	if env.Dir != "" {
		cfg, err := config.Load(env.Dir)
		if err != nil {
			return nil, err
		}
		if url == "" {
			url = apiURL(cfg)
		}
		if token == "" {
			b, err := os.ReadFile(filepath.Join(env.Dir, AdminTokenFile))
			if err != nil {
				return nil, fmt.Errorf("read admin token: %w", err)
			}
			token = strings.TrimSpace(string(b))
		}
		if cfg.API.CertFile == "" {
			pem, err := os.ReadFile(filepath.Join(env.Dir, identity.KeysDir, identity.TLSCertFile))
			if err != nil {
				return nil, fmt.Errorf("read node certificate: %w", err)
			}
			roots = x509.NewCertPool()
			roots.AppendCertsFromPEM(pem)
		}
	}
	if url == "" {
		return nil, errors.New("no node given: use --dir DIR, or --url and --token (or LIAISON_URL and LIAISON_TOKEN)")
	}
	if token == "" {
		return nil, errors.New("no API token: use --token or LIAISON_TOKEN (or --dir for a local node's admin token)")
	}
	if roots == nil {
		if ca := env.Getenv("LIAISON_CA_FILE"); ca != "" {
			pem, err := os.ReadFile(ca)
			if err != nil {
				return nil, fmt.Errorf("read LIAISON_CA_FILE: %w", err)
			}
			roots = x509.NewCertPool()
			roots.AppendCertsFromPEM(pem)
		}
	}
	c := client.New(url, token, roots)
	c.Justification, c.CaseRef = env.Justification, env.CaseRef
	return c, nil
}

// apiURL is the URL of a node's officer API as its configuration describes it.
func apiURL(cfg *config.Config) string {
	scheme := "https"
	if cfg.API.PlainHTTP {
		scheme = "http"
	}
	host := cfg.API.Listen
	if strings.HasPrefix(host, "0.0.0.0:") || strings.HasPrefix(host, ":") {
		host = "127.0.0.1:" + host[strings.LastIndexByte(host, ':')+1:]
	}
	return scheme + "://" + host
}

// printJSON writes v as indented JSON.
func (env *Env) printJSON(v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printList writes v as JSON with --json, otherwise a table of n rows
// under header, row i as row(i) makes it: the output of every list command.
func (env *Env) printList(v any, n int, header []string, row func(i int) []string) error {
	if env.JSON {
		return env.printJSON(v)
	}
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = row(i)
	}
	return env.table(header, rows)
}

// table writes rows as aligned columns with a header.
func (env *Env) table(header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
