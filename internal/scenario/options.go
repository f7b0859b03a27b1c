package scenario

import (
	"fmt"
	"slices"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
)

// Size selects how big a scenario is.
type Size string

const (
	// Small is the story network alone: a few dozen persons, a few hundred
	// entities. It is what the three-node demo loads.
	Small Size = "small"
	// Medium adds background networks: several thousand entities.
	Medium Size = "medium"
	// Large adds enough background networks for more than a million
	// entities. Only [Write] and [WriteDir] produce it; [Generate] refuses it.
	Large Size = "large"
)

// Kind is the kind of crime the story network commits.
type Kind string

const (
	DrugsMoneyLaundering Kind = "drugs-money-laundering"
	HumanTrafficking     Kind = "human-trafficking"
	CyberFraud           Kind = "cyber-fraud"
)

// Kinds lists every kind in a stable order.
var Kinds = []Kind{DrugsMoneyLaundering, HumanTrafficking, CyberFraud}

// DefaultKind is used when Options.Kind is empty: the demo story (a red
// notice for drug trafficking) is written around it.
const DefaultKind = DrugsMoneyLaundering

// Bounds on the inputs.
const (
	// MinCountries is the smallest number of agencies a cross-border case needs.
	MinCountries = 2
	// MaxDocumentAlerts bounds Options.DocumentAlerts (the alert-lookup
	// benchmarks need ten million).
	MaxDocumentAlerts = 20_000_000
)

// Options selects a scenario. The same Options always give byte-identical
// output.
type Options struct {
	// Seed drives every random choice.
	Seed int64 `json:"seed"`
	// Countries are the ISO 3166-1 alpha-2 codes of the participating
	// agencies, one agency each (see [AgencyFor]); at least two, no
	// duplicates, each one of [SupportedCountries]. The order is kept: the
	// first country's agency leads the story investigation.
	Countries []string `json:"countries"`
	// Size is Small, Medium or Large.
	Size Size `json:"size"`
	// Kind of the story network; empty means [DefaultKind]. Background
	// networks mix all kinds.
	Kind Kind `json:"kind"`
	// DocumentAlerts is the number of rows in alerts.csv; 0 means the
	// default for the size. At most [MaxDocumentAlerts].
	DocumentAlerts int `json:"document_alerts"`
}

// sizeParams are the knobs a Size turns.
type sizeParams struct {
	backgroundCells int // networks besides the story network
	documentAlerts  int // default rows in alerts.csv
	vehicleAlerts   int // rows in vehicle_alerts.csv
}

var sizes = map[Size]sizeParams{
	Small:  {backgroundCells: 0, documentAlerts: 500, vehicleAlerts: 100},
	Medium: {backgroundCells: 40, documentAlerts: 50_000, vehicleAlerts: 5_000},
	Large:  {backgroundCells: 9_000, documentAlerts: 1_000_000, vehicleAlerts: 100_000},
}

// normalize checks o and returns a copy with defaults filled in and country
// codes in upper case.
func (o Options) normalize() (Options, error) {
	n := o
	n.Countries = make([]string, len(o.Countries))
	for i, c := range o.Countries {
		c = strings.ToUpper(strings.TrimSpace(c))
		if _, ok := countries[c]; !ok {
			return Options{}, errs.E(errs.Invalid, fmt.Sprintf("countries[%d]", i),
				fmt.Sprintf("unsupported country %q (supported: %s)", c, strings.Join(SupportedCountries(), ",")))
		}
		if slices.Contains(n.Countries[:i], c) {
			return Options{}, errs.E(errs.Invalid, fmt.Sprintf("countries[%d]", i), fmt.Sprintf("duplicate country %q", c))
		}
		n.Countries[i] = c
	}
	if len(n.Countries) < MinCountries {
		return Options{}, errs.E(errs.Invalid, "countries", fmt.Sprintf("need at least %d countries", MinCountries))
	}
	if n.Size == "" {
		n.Size = Small
	}
	p, ok := sizes[n.Size]
	if !ok {
		return Options{}, errs.E(errs.Invalid, "size", fmt.Sprintf("unknown size %q (want small, medium or large)", o.Size))
	}
	if n.Kind == "" {
		n.Kind = DefaultKind
	}
	if !slices.Contains(Kinds, n.Kind) {
		return Options{}, errs.E(errs.Invalid, "kind", fmt.Sprintf("unknown kind %q (want one of %v)", o.Kind, Kinds))
	}
	switch {
	case n.DocumentAlerts < 0 || n.DocumentAlerts > MaxDocumentAlerts:
		return Options{}, errs.E(errs.Invalid, "document_alerts", fmt.Sprintf("must be between 0 and %d", MaxDocumentAlerts))
	case n.DocumentAlerts == 0:
		n.DocumentAlerts = p.documentAlerts
	}
	return n, nil
}

// ParseCountries parses a comma-separated list of country codes as given on
// the command line ("NL,DE,FR"). It checks the codes but not their number.
func ParseCountries(s string) ([]string, error) {
	if len(s) > 3*len(countries)+8 {
		return nil, errs.E(errs.TooLarge, "countries", "list too long")
	}
	var out []string
	for i, part := range strings.Split(s, ",") {
		c := strings.ToUpper(strings.TrimSpace(part))
		if _, ok := countries[c]; !ok {
			return nil, errs.E(errs.Invalid, fmt.Sprintf("countries[%d]", i),
				fmt.Sprintf("unsupported country %q (supported: %s)", c, strings.Join(SupportedCountries(), ",")))
		}
		out = append(out, c)
	}
	return out, nil
}

// ParseSize parses "small", "medium" or "large".
func ParseSize(s string) (Size, error) {
	if _, ok := sizes[Size(s)]; !ok {
		return "", errs.E(errs.Invalid, "size", fmt.Sprintf("unknown size %q (want small, medium or large)", s))
	}
	return Size(s), nil
}

// ParseKind parses a kind name; "" gives [DefaultKind].
func ParseKind(s string) (Kind, error) {
	if s == "" {
		return DefaultKind, nil
	}
	if !slices.Contains(Kinds, Kind(s)) {
		return "", errs.E(errs.Invalid, "kind", fmt.Sprintf("unknown kind %q (want one of %v)", s, Kinds))
	}
	return Kind(s), nil
}
