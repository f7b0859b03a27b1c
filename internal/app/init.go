package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/liaison-project/liaison/internal/config"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/identity"
)

// AdminTokenFile holds the first administrator's API token.
const AdminTokenFile = "admin.token"

// InitOptions are the inputs of `liaison init`.
type InitOptions struct {
	Dir              string
	Agency           string
	Country          string
	Name             string
	APIListen        string
	FederationListen string
	Database         string
	AdminUser        string
	PlainHTTP        bool
	// Exercise creates an exercise node (config.Agency.Exercise).
	Exercise bool
}

// InitResult is what `liaison init` reports. It holds the admin token and
// one-time password, which are printed once and never logged.
type InitResult struct {
	Dir            string   `json:"dir"`
	Agency         string   `json:"agency"`
	Country        string   `json:"country"`
	Name           string   `json:"name"`
	Database       string   `json:"database"`
	APIURL         string   `json:"apiUrl"`
	FederationURLs []string `json:"federationUrls"`
	TLSPin         string   `json:"tlsPin"`
	AdminUser      string   `json:"adminUser"`
	AdminToken     string   `json:"adminToken"`
	AdminPassword  string   `json:"adminPassword"`
	Exercise       bool     `json:"exercise,omitempty"`
}

// Init creates a node directory. On any failure it removes what it created,
// so a failed init leaves nothing half-made behind.
func Init(ctx context.Context, o InitOptions) (res *InitResult, err error) {
	cfg := &config.Config{
		Agency:     config.Agency{ID: o.Agency, Country: strings.ToUpper(o.Country), Name: o.Name, Exercise: o.Exercise},
		API:        config.API{Listen: o.APIListen, PlainHTTP: o.PlainHTTP},
		Federation: config.Federation{Listen: o.FederationListen},
		Database:   config.Database{DSN: o.Database},
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.AdminUser == "" {
		o.AdminUser = "admin"
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	if err := makeNodeDir(dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()

	id, err := identity.Generate(cfg.Agency.ID, cfg.Agency.Country, cfg.Agency.Name, listenHosts(cfg))
	if err != nil {
		return nil, err
	}
	if err := id.Save(dir); err != nil {
		return nil, err
	}
	if err := cfg.Save(dir); err != nil {
		return nil, err
	}

	d, err := db.Open(ctx, cfg.DatabaseDSN(dir), db.Options{})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if err := d.Migrate(ctx, Schemas()...); err != nil {
		return nil, err
	}
	svc, err := newServices(ctx, dir, cfg, id, d, discardLogger(), nil)
	if err != nil {
		return nil, err
	}
	user, tok, err := svc.auth.Bootstrap(ctx, o.AdminUser)
	if err != nil {
		return nil, fmt.Errorf("create administrator: %w", err)
	}
	if err := writeSecret(filepath.Join(dir, AdminTokenFile), tok.Secret+"\n"); err != nil {
		return nil, err
	}
	// Sign the first checkpoint now, covering the bootstrap events.
	if _, err := svc.audit.Checkpoint(ctx); err != nil {
		return nil, fmt.Errorf("sign first audit checkpoint: %w", err)
	}
	dbDesc := "SQLite " + cfg.DatabaseDSN(dir)
	if db.IsPostgres(cfg.Database.DSN) {
		dbDesc = "PostgreSQL"
	}
	return &InitResult{
		Dir: dir, Agency: cfg.Agency.ID, Country: cfg.Agency.Country, Name: cfg.Agency.Name,
		Database: dbDesc, APIURL: APIURL(cfg), FederationURLs: cfg.Federation.URLs,
		TLSPin: id.Public().TLSPin, AdminUser: user.User.Username,
		AdminToken: tok.Secret, AdminPassword: user.Password, Exercise: cfg.Agency.Exercise,
	}, nil
}

// makeNodeDir creates dir with mode 0700, or accepts an existing empty
// directory; anything else is refused, so init never touches an existing node.
func makeNodeDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create node directory: %w", err)
	}
	entries, rerr := os.ReadDir(dir)
	if rerr != nil {
		return fmt.Errorf("node directory: %w", rerr)
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s already exists and is not empty: refusing to touch it", dir)
	}
	return os.Chmod(dir, 0o700)
}

func writeSecret(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// listenHosts are the host names the node certificate must cover.
func listenHosts(cfg *config.Config) []string {
	var hosts []string
	for _, addr := range []string{cfg.API.Listen, cfg.Federation.Listen} {
		if h, _, err := net.SplitHostPort(addr); err == nil && h != "" && h != "0.0.0.0" && h != "::" {
			hosts = append(hosts, h)
		}
	}
	if h, err := os.Hostname(); err == nil {
		hosts = append(hosts, h)
	}
	return hosts
}

// APIURL is the officer API URL of a node as its configuration describes it.
func APIURL(cfg *config.Config) string {
	scheme := "https"
	if cfg.API.PlainHTTP {
		scheme = "http"
	}
	host, port, _ := net.SplitHostPort(cfg.API.Listen)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
