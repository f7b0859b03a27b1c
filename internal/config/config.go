// Package config is a node's configuration: a typed struct stored as
// DIR/config.json, with documented defaults and validation. There is no
// global configuration; the wiring package passes the parts each
// capability needs.
package config

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/policy"
)

// FileName is the configuration file inside a node directory.
const FileName = "config.json"

// Defaults.
const (
	DefaultAPIListen        = "127.0.0.1:8443"
	DefaultFederationListen = "127.0.0.1:9443"
	DefaultDatabaseFile     = "liaison.db"
	DefaultMaxBodyBytes     = 10 << 20
	DefaultShutdownTimeout  = 10 * time.Second
	DefaultTokenTTL         = 30 * 24 * time.Hour
	DefaultSessionIdle      = 30 * time.Minute
	DefaultSessionMax       = 12 * time.Hour
)

// Config is a node's configuration.
type Config struct {
	Agency     Agency     `json:"agency"`
	API        API        `json:"api"`
	Federation Federation `json:"federation"`
	Database   Database   `json:"database"`
	Metrics    Metrics    `json:"metrics"`
	Auth       Auth       `json:"auth"`
	Records    Records    `json:"records"`
	Log        Log        `json:"log"`
}

// Records tunes the intelligence records capability.
type Records struct {
	// Retention is what happens to a record past its review date: "flag"
	// (default: the SPOC reviews or erases it) or "erase".
	Retention string `json:"retention,omitempty"`
	// MaxCorrelation: identifier values held by more records than this are
	// over-correlating and not expanded (default 50).
	MaxCorrelation int `json:"maxCorrelation,omitempty"`
	// ReviewDefaults are the review periods per data-subject category
	// ("3y", "6m", "1y6m") for records whose envelope states no review
	// date; omitted: policy.StandardDefaults (suspect 3y, convicted 5y,
	// victim, witness and contact 1y, other 6m).
	ReviewDefaults *policy.Defaults `json:"reviewDefaults,omitempty"`
}

// Agency identifies the agency that runs the node.
type Agency struct {
	ID      string `json:"id"`      // stable id, e.g. "NL-NCB"
	Country string `json:"country"` // ISO 3166-1 alpha-2, e.g. "NL"
	Name    string `json:"name"`    // human-readable name
	// Exercise makes the node an exercise node (`liaison init --exercise`):
	// a training instance that holds exercise data only. Every officer on it
	// acts inside an exercise, its partner card says so, and it federates
	// only with other exercise nodes.
	Exercise bool `json:"exercise,omitempty"`
}

// API is the officer API and portal listener.
type API struct {
	Listen string `json:"listen"`
	// CertFile and KeyFile name an operator-provided certificate; empty
	// means the node's own self-signed certificate in DIR/keys.
	CertFile string `json:"certFile,omitempty"`
	KeyFile  string `json:"keyFile,omitempty"`
	// PlainHTTP serves without TLS; allowed only on a loopback address
	// (behind a local TLS-terminating proxy, or for development).
	PlainHTTP    bool  `json:"plainHTTP,omitempty"`
	MaxBodyBytes int64 `json:"maxBodyBytes,omitempty"`
}

// Federation is the partner-facing mutual-TLS listener.
type Federation struct {
	Listen string `json:"listen"`
	// URLs are the public URLs partners use to reach this node; they go
	// into the partner card. Default: https://<listen>.
	URLs []string `json:"urls,omitempty"`
}

// Database selects the storage engine.
type Database struct {
	// DSN is "postgres://…" for PostgreSQL, otherwise a SQLite file path
	// (relative paths are relative to the node directory).
	DSN string `json:"dsn"`
}

// Metrics configures Prometheus metrics. With Listen empty, metrics are
// served at /metrics on the API listener to admin tokens only; with Listen
// set (loopback only), they are served there without authentication.
type Metrics struct {
	Listen string `json:"listen,omitempty"`
}

// Auth tunes officer authentication.
type Auth struct {
	TokenTTL    Duration `json:"tokenTTL,omitempty"`    // default lifetime of API tokens
	SessionIdle Duration `json:"sessionIdle,omitempty"` // portal idle timeout
	SessionMax  Duration `json:"sessionMax,omitempty"`  // portal absolute timeout
}

// Log configures logging.
type Log struct {
	Level string `json:"level,omitempty"` // debug, info (default), warn, error
}

// Duration is a time.Duration written as "720h" in JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"720h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Or returns d, or def when d is zero.
func (d Duration) Or(def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return time.Duration(d)
}

// ValidateAgencyID checks an agency id (policy.ValidAgencyID: 2–32
// upper-case letters, digits and dashes).
func ValidateAgencyID(id string) error {
	if !policy.ValidAgencyID(id) {
		return errs.E(errs.Invalid, "agency", fmt.Sprintf("agency id %q must be 2-32 upper-case letters, digits and dashes, e.g. NL-NCB", id))
	}
	return nil
}

// ValidateCountry checks an ISO 3166-1 alpha-2 country code (upper case).
func ValidateCountry(cc string) error {
	if !policy.ValidCountry(cc) {
		return errs.E(errs.Invalid, "country", fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code", cc))
	}
	return nil
}

// Validate checks the configuration and fills in defaults.
func (c *Config) Validate() error {
	if err := ValidateAgencyID(c.Agency.ID); err != nil {
		return err
	}
	if err := ValidateCountry(c.Agency.Country); err != nil {
		return err
	}
	c.Agency.Name = strings.TrimSpace(c.Agency.Name)
	if c.Agency.Name == "" || len(c.Agency.Name) > 200 {
		return errs.E(errs.Invalid, "name", "agency name is required (at most 200 characters)")
	}
	if c.API.Listen == "" {
		c.API.Listen = DefaultAPIListen
	}
	if err := checkListen("api.listen", c.API.Listen); err != nil {
		return err
	}
	if c.API.PlainHTTP && !IsLoopback(c.API.Listen) {
		return errs.E(errs.Invalid, "api.plainHTTP", "plain HTTP is allowed only on a loopback address")
	}
	if (c.API.CertFile == "") != (c.API.KeyFile == "") {
		return errs.E(errs.Invalid, "api.certFile", "certFile and keyFile go together")
	}
	if c.API.MaxBodyBytes <= 0 {
		c.API.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Federation.Listen == "" {
		c.Federation.Listen = DefaultFederationListen
	}
	if err := checkListen("federation.listen", c.Federation.Listen); err != nil {
		return err
	}
	if len(c.Federation.URLs) == 0 {
		c.Federation.URLs = []string{"https://" + c.Federation.Listen}
	}
	for _, u := range c.Federation.URLs {
		if !strings.HasPrefix(u, "https://") {
			return errs.E(errs.Invalid, "federation.urls", fmt.Sprintf("%q must be an https URL", u))
		}
	}
	if c.Metrics.Listen != "" {
		if err := checkListen("metrics.listen", c.Metrics.Listen); err != nil {
			return err
		}
		if !IsLoopback(c.Metrics.Listen) {
			return errs.E(errs.Invalid, "metrics.listen", "the unauthenticated metrics listener must be on a loopback address")
		}
	}
	if c.Database.DSN == "" {
		c.Database.DSN = DefaultDatabaseFile
	}
	switch c.Records.Retention {
	case "", "flag", "erase":
	default:
		return errs.E(errs.Invalid, "records.retention", "must be flag or erase")
	}
	if d := c.Records.ReviewDefaults; d != nil {
		if err := d.Validate(); err != nil {
			return errs.E(errs.Invalid, "records.reviewDefaults", err.Error())
		}
	}
	if c.Records.MaxCorrelation < 0 {
		return errs.E(errs.Invalid, "records.maxCorrelation", "must not be negative")
	}
	switch c.Log.Level {
	case "", "debug", "info", "warn", "error":
	default:
		return errs.E(errs.Invalid, "log.level", "must be debug, info, warn or error")
	}
	return nil
}

func checkListen(field, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return errs.E(errs.Invalid, field, fmt.Sprintf("%q must be HOST:PORT", addr))
	}
	if host != "" && host != "localhost" && net.ParseIP(host) == nil {
		if _, err := net.LookupHost(host); err != nil {
			return errs.E(errs.Invalid, field, fmt.Sprintf("%q: unknown host", addr))
		}
	}
	return nil
}

// IsLoopback reports whether a HOST:PORT address is on a loopback interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DatabaseDSN returns the DSN with a relative SQLite path resolved against dir.
func (c *Config) DatabaseDSN(dir string) string {
	dsn := c.Database.DSN
	if db.IsPostgres(dsn) || filepath.IsAbs(dsn) {
		return dsn
	}
	return filepath.Join(dir, dsn)
}

// Load reads and validates DIR/config.json. Unknown fields are errors, so a
// typo in a setting is caught rather than silently ignored.
func Load(dir string) (*Config, error) {
	f, err := os.Open(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	defer f.Close()
	var c Config
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse %s: %w", FileName, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", FileName, err)
	}
	return &c, nil
}

// Save writes the configuration to DIR/config.json (mode 0600), refusing to
// overwrite an existing file.
func (c *Config) Save(dir string) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, FileName), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write configuration: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write configuration: %w", err)
	}
	return f.Close()
}
