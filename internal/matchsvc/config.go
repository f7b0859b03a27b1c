package matchsvc

import (
	"fmt"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/match/budget"
	"github.com/liaison-project/liaison/internal/match/sweep"
)

// Defaults of [Config].
const (
	DefaultEpochLength      = 24 * time.Hour
	DefaultEpochGrace       = 2 * time.Hour
	DefaultPollInterval     = 2 * time.Second
	DefaultQueryTimeout     = 5 * time.Second
	DefaultTableMaxAge      = 30 * time.Second
	DefaultMaxCachedEntries = 20_000_000 // about 0.9 GB of partner tables
	DefaultMaxOnlineValues  = 16
	DefaultMaxBulkValues    = 100_000
	DefaultMaxBulkBytes     = 8 << 20
	DefaultFollowUpDeadline = 48 * time.Hour
	DefaultHitRetention     = 30 * 24 * time.Hour
	DefaultDeltaHistory     = 64
)

// DefaultEpochOrigin is the start of epoch 1 unless configured.
var DefaultEpochOrigin = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Config configures a [Service]. The zero value of every field but Agency
// and Country selects its default.
type Config struct {
	// Agency and Country are this node's agency id and country.
	Agency  string
	Country string
	// Exercise says the node is an exercise node: bulk runs, which act
	// for their requester after the request, act inside the exercise.
	Exercise bool

	// Epochs is the holder's key schedule: each epoch has its own OPRF
	// key, published tables die with it. Default: epochs of a day from
	// DefaultEpochOrigin, answered two hours into the next.
	Epochs match.Schedule

	// Budget holds the daily budgets partners get, per identifier type;
	// nil selects [DefaultBudget]. Monitor sets the anomaly thresholds;
	// nil selects budget.DefaultMonitorConfig.
	Budget  *budget.Config
	Monitor *budget.MonitorConfig
	// Sweep is the guard against officers of this node enumerating a
	// partner's index through online queries; nil selects
	// sweep.DefaultConfig.
	Sweep *sweep.Config

	// PollInterval is how often the index follows the records' change
	// feed, publishes changes, looks for new partners and epochs and
	// resolves follow-ups.
	PollInterval time.Duration
	// QueryTimeout bounds one partner's answer to an online query.
	QueryTimeout time.Duration
	// TableMaxAge is how old a cached partner table may be when a query
	// uses it; an older one is brought up to date first (one more round
	// trip). Tables are refreshed in the background at half this age.
	TableMaxAge time.Duration
	// MaxCachedEntries bounds the entries of all cached partner tables.
	MaxCachedEntries int
	// DeltaHistory is how many published deltas a view keeps for partners
	// that refresh; a partner further behind downloads a snapshot.
	DeltaHistory int

	// MaxOnlineValues bounds the values of one online query.
	MaxOnlineValues int
	// MaxBulkValues and MaxBulkBytes bound the list of one bulk run.
	MaxBulkValues int
	MaxBulkBytes  int

	// FollowUpDeadline is how long the holder's SPOC has to answer a hit
	// follow-up (Prüm II: 48 hours).
	FollowUpDeadline time.Duration
	// HitRetention is how long hits that were not followed up are kept.
	HitRetention time.Duration
}

// DefaultBudget returns daily budgets for a mid-sized partner. Low-entropy
// identifiers (phone numbers, plates), which an oracle can enumerate, get
// less than document numbers; person keys get three times an exact
// identifier because one person query spends up to three of them.
func DefaultBudget() budget.Config {
	exact := budget.Limits{PerCase: 200, PerPartner: 5_000}
	lowEntropy := budget.Limits{PerCase: 100, PerPartner: 2_000}
	person := budget.Limits{PerCase: 300, PerPartner: 6_000}
	return budget.Config{
		Default: map[match.Type]budget.Limits{
			match.Passport: exact, match.NationalID: exact, match.Email: exact, match.IBAN: exact,
			match.Wallet: exact, match.VIN: exact, match.Phone: lowEntropy, match.Plate: lowEntropy,
			match.NameDOB: person, match.TokensDOB: person, match.PhoneticYear: person,
		},
		MaxCasesPerDay: budget.DefaultMaxCasesPerDay,
	}
}

func (c Config) withDefaults() Config {
	if c.Epochs.Origin.IsZero() {
		c.Epochs.Origin = DefaultEpochOrigin
	}
	if c.Epochs.Length == 0 {
		c.Epochs.Length = DefaultEpochLength
	}
	if c.Epochs.Grace == 0 {
		c.Epochs.Grace = DefaultEpochGrace
	}
	if c.Budget == nil {
		b := DefaultBudget()
		c.Budget = &b
	}
	if c.Monitor == nil {
		m := budget.DefaultMonitorConfig()
		c.Monitor = &m
	}
	if c.Sweep == nil {
		s := sweep.DefaultConfig()
		c.Sweep = &s
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PollInterval, DefaultPollInterval)
	def(&c.QueryTimeout, DefaultQueryTimeout)
	def(&c.TableMaxAge, DefaultTableMaxAge)
	def(&c.FollowUpDeadline, DefaultFollowUpDeadline)
	def(&c.HitRetention, DefaultHitRetention)
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	defInt(&c.MaxCachedEntries, DefaultMaxCachedEntries)
	defInt(&c.DeltaHistory, DefaultDeltaHistory)
	defInt(&c.MaxOnlineValues, DefaultMaxOnlineValues)
	defInt(&c.MaxBulkValues, DefaultMaxBulkValues)
	defInt(&c.MaxBulkBytes, DefaultMaxBulkBytes)
	return c
}

func (c Config) validate() error {
	if !match.ValidAgency(c.Agency) || len(c.Country) != 2 {
		return errs.E(errs.Invalid, "match.agency", "the matching service needs this node's agency id and country")
	}
	if err := c.Epochs.Validate(); err != nil {
		return err
	}
	if err := c.Budget.Validate(); err != nil {
		return err
	}
	if err := c.Monitor.Validate(); err != nil {
		return err
	}
	if err := c.Sweep.Validate(); err != nil {
		return err
	}
	switch {
	case c.MaxOnlineValues > 64:
		// One audit event names every queried value by its hash, and an
		// event holds at most audit.MaxHashes (64) of them.
		return errs.E(errs.Invalid, "match.maxOnlineValues", "at most 64 values per online query")
	case c.MaxBulkValues > match.MaxBulkValues:
		return errs.E(errs.Invalid, "match.maxBulkValues", fmt.Sprintf("at most %d", match.MaxBulkValues))
	case c.DeltaHistory > 4096:
		return errs.E(errs.Invalid, "match.deltaHistory", "at most 4096")
	}
	return nil
}
