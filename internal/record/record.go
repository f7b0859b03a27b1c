// Package record stores intelligence records: what an agency knows about
// persons, documents, vehicles, accounts and organisations, as FollowTheMoney
// entities, under the policy envelope that decides who may see them, for
// what and for how long.
//
// # Model
//
// A [Record] is a report: title, narrative, the holder's case reference,
// FtM entities (validated and normalised by internal/ftm), attachment
// references, and a [policy.Envelope] (originator, handling codes H0–H3 with
// machine-checkable H3 rules, TLP 2.0, the Europol 4×4 evaluation, purpose,
// legal basis and review date). Records are identified by UUIDv7 and keep
// every version: an update, a review or a withdrawal writes a new version
// and moves the previous one to the history.
//
// Facts and assessments (Directive 2016/680 Art. 7) are told apart per
// statement: [Record.Narrative] holds the reported facts and
// [Record.Assessment] the author's assessment; [Record.Assessments] lists
// the entities whose content is an assessment (a suspected alias, an
// assumed relation) rather than a fact. Everything not marked is fact.
// Every Person entity carries a data-subject category (Art. 6) in
// [Record.DataSubjects]; the categories set the default review date (see
// [policy.Defaults]) when the envelope does not state one.
//
// # Storage and search
//
// The current version of each record is indexed for search: folded and
// skeleton name tokens and the folded narrative in a full-text index
// (SQLite FTS5 or PostgreSQL tsvector, see fts.go), normalised identifiers
// (passport, IBAN, plate, VIN, phone, e-mail, wallet, …) in an inverted
// index, and schema and country terms for filters and facets. Every query
// carries the caller's read scope ([policy.ReadScope]) translated to SQL,
// so records a user may not read never appear in results, counts or facets;
// each record returned is checked again with the policy decision.
//
// Correlations are computed on the fly from the inverted index: storage
// grows with identifier occurrences, never with pairs of records. Values on
// the exclusion list, or held by more than [Config.MaxCorrelation] records,
// are over-correlating and not expanded.
//
// # Retention and federation
//
// [Service.RunRetention] acts on records past their review date (flag for
// review, or erase). Erasure removes the record's personal data from every
// table and index and keeps a tombstone. Every create, update, withdrawal,
// review and erasure appends to a change feed ([Service.ChangesSince]) in
// the same transaction, so that federation can bring every copy up to date;
// [Service.ApplyReceived] applies a copy, update or tombstone from a
// partner.
//
// # Audit
//
// Every read and write of a record appends an audit event in the same
// transaction (collect, alter, consult, combine, erase, disclose), naming
// record ids and keyed hashes of searched values, never personal data, and
// requires a justification from officers.
package record

import (
	"time"

	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/policy"
)

// State is where a record is in its life.
type State string

const (
	// StateActive records are current and searchable.
	StateActive State = "active"
	// StateFlagged records are past their review date and wait for a
	// review (retention mode "flag"); only the SPOC and the DPO read them.
	StateFlagged State = "flagged"
	// StateWithdrawn records were withdrawn by their originator: kept for
	// the history and the originator's corrections, never listed, searched,
	// correlated or exported.
	StateWithdrawn State = "withdrawn"
	// StateErased records are tombstones: id, originator and time of
	// erasure; their content is gone.
	StateErased State = "erased"
)

// Record is an intelligence record. Its JSON form is the API's and the
// federation wire's representation.
type Record struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	State   State  `json:"state"`

	Title string `json:"title"`
	// Narrative holds the reported facts.
	Narrative string `json:"narrative,omitempty"`
	// Assessment holds the author's assessment, kept apart from the facts.
	Assessment string `json:"assessment,omitempty"`
	// CaseRef is the holding agency's case reference.
	CaseRef string `json:"caseRef,omitempty"`

	Entities []ftm.Entity `json:"entities"`
	// DataSubjects maps the id of every Person entity to its data-subject
	// category.
	DataSubjects map[string]policy.DataSubjectCategory `json:"dataSubjects,omitempty"`
	// Assessments lists the entities whose content is an assessment.
	Assessments []string `json:"assessments,omitempty"`
	// Attachments reference files by id and hash; the files themselves
	// travel with federation messaging.
	Attachments []Attachment `json:"attachments,omitempty"`

	Envelope policy.Envelope `json:"envelope"`
	// Provenance is set on copies received from a partner.
	Provenance *Provenance `json:"provenance,omitempty"`

	// CreatedBy and UpdatedBy are user ids of this node's officers; empty
	// on received copies and for changes made by the retention job.
	CreatedBy string    `json:"createdBy,omitempty"`
	UpdatedBy string    `json:"updatedBy,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Attachment references a file that belongs to a record.
type Attachment struct {
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	MediaType string `json:"mediaType,omitempty"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"` // lower-case hex
}

// Provenance says where a received copy came from.
type Provenance struct {
	// From is the agency the copy was received from (the envelope's
	// ReceivedFrom).
	From string `json:"from"`
	// OriginVersion is the originator's version this copy reflects.
	OriginVersion int       `json:"originVersion"`
	ReceivedAt    time.Time `json:"receivedAt"`
}

// Summary is a record as result lists show it.
type Summary struct {
	ID          string          `json:"id"`
	Version     int             `json:"version"`
	State       State           `json:"state"`
	Title       string          `json:"title"`
	CaseRef     string          `json:"caseRef,omitempty"`
	Originator  string          `json:"originator"`
	TLP         policy.TLP      `json:"tlp"`
	Handling    policy.Handling `json:"handling"`
	ReviewDate  time.Time       `json:"reviewDate"`
	EntityCount int             `json:"entityCount"`
	Copy        bool            `json:"copy"`
	CreatedAt   time.Time       `json:"createdAt"`
	UpdatedAt   time.Time       `json:"updatedAt"`
	// Rule is the policy rule that allowed the caller to read the record.
	Rule string `json:"rule"`
}

// VersionInfo describes one version in a record's history.
type VersionInfo struct {
	Version int       `json:"version"`
	Change  Change    `json:"change"`
	Actor   string    `json:"actor,omitempty"`
	At      time.Time `json:"at"`
	// Record is the version's content; nil once the record is erased.
	Record *Record `json:"record,omitempty"`
}

// Change is what a version or a change-feed entry did to a record.
type Change string

const (
	ChangeCreate   Change = "create"
	ChangeUpdate   Change = "update"
	ChangeReview   Change = "review"
	ChangeWithdraw Change = "withdraw"
	ChangeFlag     Change = "flag"
	ChangeErase    Change = "erase"
	ChangeReceive  Change = "receive" // a copy or an update of a copy arrived from a partner
)

// isPerson reports whether schema describes a natural person, whose entity
// needs a data-subject category.
func isPerson(schema string) bool {
	s, ok := ftm.LookupSchema(schema)
	return ok && s.IsA("Person")
}
