package policy

import (
	"slices"

	"github.com/liaison-project/liaison/internal/errs"
)

// Config configures a [Decider].
type Config struct {
	// Compatible maps the purpose a record was provided for to the further
	// purposes it may be disclosed for (Directive 2016/680 Art. 4(2):
	// processing for another purpose must be authorised by law, necessary
	// and proportionate). A purpose is always compatible with itself and
	// needs no entry. Training is compatible only with training, whatever
	// the configuration says: New rejects a Config that links it to
	// anything else.
	Compatible map[Purpose][]Purpose
}

// DefaultConfig returns the configuration used unless national law asks
// for another. Its compatibility matrix (record purpose → also disclosable
// for):
//
//   - criminal-investigation → crime-prevention, counter-terrorism,
//     cybercrime, asset-recovery, judicial-cooperation
//   - crime-prevention → criminal-investigation, counter-terrorism, cybercrime
//   - counter-terrorism → criminal-investigation, crime-prevention
//   - cybercrime → criminal-investigation, crime-prevention
//   - asset-recovery → criminal-investigation, judicial-cooperation
//   - judicial-cooperation → criminal-investigation
//   - border-control → criminal-investigation, crime-prevention, counter-terrorism
//   - missing-person → criminal-investigation
//   - training → nothing else
//
// The idea: intelligence flows towards investigation and prosecution of the
// same kind of crime, never from crime to border or missing-person work
// (which would turn criminal intelligence into an administrative control
// tool).
func DefaultConfig() Config {
	return Config{Compatible: map[Purpose][]Purpose{
		PurposeCriminalInvestigation: {PurposeCrimePrevention, PurposeCounterTerrorism, PurposeCybercrime,
			PurposeAssetRecovery, PurposeJudicialCooperation},
		PurposeCrimePrevention:     {PurposeCriminalInvestigation, PurposeCounterTerrorism, PurposeCybercrime},
		PurposeCounterTerrorism:    {PurposeCriminalInvestigation, PurposeCrimePrevention},
		PurposeCybercrime:          {PurposeCriminalInvestigation, PurposeCrimePrevention},
		PurposeAssetRecovery:       {PurposeCriminalInvestigation, PurposeJudicialCooperation},
		PurposeJudicialCooperation: {PurposeCriminalInvestigation},
		PurposeBorderControl:       {PurposeCriminalInvestigation, PurposeCrimePrevention, PurposeCounterTerrorism},
		PurposeMissingPerson:       {PurposeCriminalInvestigation},
	}}
}

// Decider makes every policy decision. It holds no mutable state: one
// Decider may be shared by all goroutines.
//
// The zero Decider is usable and the strictest: it treats every purpose as
// compatible only with itself. Use [New] with [DefaultConfig] otherwise.
type Decider struct {
	// compatible[record][requested] is true when a record provided for
	// purpose record may be disclosed for purpose requested, besides
	// record == requested.
	compatible [numPurposes][numPurposes]bool
}

// New returns a Decider for cfg, or an errs.Invalid error if cfg names an
// unknown purpose or links training to another purpose.
func New(cfg Config) (*Decider, error) {
	d := &Decider{}
	// Sorted so that the first error reported does not depend on map order.
	keys := make([]Purpose, 0, len(cfg.Compatible))
	for k := range cfg.Compatible {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, from := range keys {
		field := "policy.compatible." + string(from)
		if !from.Valid() {
			return nil, errs.E(errs.Invalid, "policy.compatible", "unknown purpose "+quoteShort(string(from)))
		}
		for _, to := range cfg.Compatible[from] {
			if !to.Valid() {
				return nil, errs.E(errs.Invalid, field, "unknown purpose "+quoteShort(string(to)))
			}
			if (from == PurposeTraining) != (to == PurposeTraining) {
				return nil, errs.E(errs.Invalid, field, "training is compatible only with training")
			}
			d.compatible[from.index()][to.index()] = true
		}
	}
	return d, nil
}

// Compatible reports whether a record provided for purpose record may be
// disclosed for purpose requested. Both must be in the vocabulary.
func (d *Decider) Compatible(record, requested Purpose) bool {
	i, j := record.index(), requested.index()
	if i < 0 || j < 0 {
		return false
	}
	return i == j || d.compatible[i][j]
}
