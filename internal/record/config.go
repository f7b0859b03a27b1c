package record

import (
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/policy"
)

// RetentionMode is what [Service.RunRetention] does with a record past its
// review date.
type RetentionMode string

const (
	// RetentionFlag marks the record for review; the SPOC reviews it
	// (extends its review date with a justification) or erases it.
	RetentionFlag RetentionMode = "flag"
	// RetentionErase erases the record.
	RetentionErase RetentionMode = "erase"
)

// Defaults of [Config].
const (
	DefaultMaxCorrelation    = 50
	DefaultRetentionInterval = time.Hour
	DefaultMaxEntities       = 10_000
	DefaultMaxRecordBytes    = 8 << 20 // the JSON document of one record
	DefaultMaxTitleLen       = 300     // bytes
	DefaultMaxTextLen        = 100_000 // bytes of narrative, and of assessment
	DefaultMaxAttachments    = 100
	DefaultMaxImportErrors   = 100
)

// Config configures a [Service]. The zero value of every field but Agency
// and Country selects its default.
type Config struct {
	// Agency and Country are the holding node's agency id and its ISO
	// 3166-1 alpha-2 country.
	Agency  string
	Country string

	// ReviewDefaults are the review periods per data-subject category,
	// used when a new record's envelope states no review date; zero
	// selects policy.StandardDefaults.
	ReviewDefaults *policy.Defaults
	// Retention is what happens to records past their review date;
	// default RetentionFlag.
	Retention RetentionMode
	// RetentionInterval is how often [Service.Run] runs the retention job.
	RetentionInterval time.Duration

	// MaxCorrelation: an identifier value held by more records than this
	// is over-correlating and not expanded; default 50.
	MaxCorrelation int
	// Exclusions are values never correlated (dummy numbers, test IBANs,
	// placeholder e-mail addresses); nil selects [DefaultExclusions].
	Exclusions *Exclusions

	Limits Limits
}

// Limits bound one record. An input over a limit is refused as a whole.
type Limits struct {
	MaxEntities    int // entities per record
	MaxRecordBytes int // bytes of a record's JSON document
	MaxTitleLen    int // bytes
	MaxTextLen     int // bytes of the narrative, and of the assessment
	MaxAttachments int
	// Decode bounds each FtM entity (line length, values per property,
	// value length, properties per entity); zero fields take the ftm
	// package's defaults.
	Decode ftm.DecodeOptions
	// MaxImportErrors bounds the errors an import summary lists.
	MaxImportErrors int
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.ReviewDefaults == nil {
		d := policy.StandardDefaults()
		c.ReviewDefaults = &d
	}
	if c.Retention == "" {
		c.Retention = RetentionFlag
	}
	if c.RetentionInterval <= 0 {
		c.RetentionInterval = DefaultRetentionInterval
	}
	def(&c.MaxCorrelation, DefaultMaxCorrelation)
	if c.Exclusions == nil {
		x := DefaultExclusions()
		c.Exclusions = &x
	}
	l := &c.Limits
	def(&l.MaxEntities, DefaultMaxEntities)
	def(&l.MaxRecordBytes, DefaultMaxRecordBytes)
	def(&l.MaxTitleLen, DefaultMaxTitleLen)
	def(&l.MaxTextLen, DefaultMaxTextLen)
	def(&l.MaxAttachments, DefaultMaxAttachments)
	def(&l.MaxImportErrors, DefaultMaxImportErrors)
	def(&l.Decode.MaxLineBytes, ftm.DefaultMaxLineBytes)
	l.Decode.Strict, l.Decode.Normalize = false, true
	return c
}

// validate checks a configuration with defaults applied.
func (c Config) validate() error {
	if !policy.ValidAgencyID(c.Agency) {
		return errs.E(errs.Invalid, "record.agency", "the node's agency id is not valid")
	}
	if !policy.ValidCountry(c.Country) {
		return errs.E(errs.Invalid, "record.country", "the node's country must be an ISO 3166-1 alpha-2 code")
	}
	if err := c.ReviewDefaults.Validate(); err != nil {
		return err
	}
	if c.Retention != RetentionFlag && c.Retention != RetentionErase {
		return errs.E(errs.Invalid, "record.retention", `retention must be "flag" or "erase"`)
	}
	return nil
}
