package scenario

// Entity is a FollowTheMoney entity in its JSON form:
// {"id":…,"schema":…,"properties":{"name":["…"],…}}. encoding/json writes
// property names sorted, so the bytes are deterministic.
type Entity struct {
	ID         string              `json:"id"`
	Schema     string              `json:"schema"`
	Properties map[string][]string `json:"properties"`
}

// Record is one report an agency holds: related entities with the
// metadata the agency attached. Every entity a record's entities reference
// is in the same record, and each entity is in exactly one record.
type Record struct {
	ID        string `json:"id"`
	Agency    string `json:"agency"`
	CaseRef   string `json:"case_ref"`
	Title     string `json:"title"`
	Narrative string `json:"narrative"` // a few sentences in English
	Created   string `json:"created"`   // date the agency created the record
	// Synthetic is always true: scenario data must only ever be loaded for
	// exercises, demos and tests.
	Synthetic bool     `json:"synthetic"`
	Envelope  Envelope `json:"envelope"`
	Entities  []Entity `json:"entities"`
}

// Envelope is the handling metadata an agency suggests for a record.
type Envelope struct {
	// Handling is the Europol handling code H0–H3.
	Handling string `json:"handling"`
	// HandlingRestriction is the restriction of an H3 code, free text.
	HandlingRestriction string `json:"handling_restriction,omitempty"`
	// TLP is a FIRST TLP 2.0 label, e.g. "TLP:AMBER+STRICT".
	TLP string `json:"tlp"`
	// Recipients names the agencies a TLP:RED record may go to.
	Recipients []string `json:"recipients,omitempty"`
	// SourceReliability (A, B, C, X) and InformationAssessment (1–4) are
	// the Europol 4×4 evaluation.
	SourceReliability     string    `json:"source_reliability"`
	InformationAssessment string    `json:"information_assessment"`
	Purpose               string    `json:"purpose"`
	LegalBasis            string    `json:"legal_basis"`
	ReviewDate            string    `json:"review_date"`
	Subjects              []Subject `json:"subjects"`
}

// Subject gives the data-subject category (Directive 2016/680 Art. 6) of
// a person in a record: suspect, convicted, victim, witness, contact or
// other.
type Subject struct {
	EntityID string `json:"entity_id"`
	Category string `json:"category"`
}

// Cluster is one real-world person, object or relation and the entities,
// across agencies, that describe it: the ground truth for matching.
type Cluster struct {
	ID      string   `json:"id"`
	Schema  string   `json:"schema"`
	Role    string   `json:"role,omitempty"` // for persons: role in the network
	Members []string `json:"members"`        // entity ids, at most one per agency
}

// DocumentAlert is a row of alerts.csv: a lost, stolen or revoked travel
// or identity document.
type DocumentAlert struct {
	DocumentNumber  string `json:"document_number"`
	Country         string `json:"country"` // issuing country, ISO alpha-2
	Type            string `json:"type"`    // passport, id_card, residence_permit
	Status          string `json:"status"`  // stolen, lost, revoked, stolen_blank
	ReportedOn      string `json:"reported_on"`
	ReportingAgency string `json:"reporting_agency"`
	AlertID         string `json:"alert_id"`
}

// VehicleAlert is a row of vehicle_alerts.csv.
type VehicleAlert struct {
	VIN             string `json:"vin"`
	Plate           string `json:"plate"`
	Country         string `json:"country"` // registration country
	Make            string `json:"make"`
	Model           string `json:"model"`
	Colour          string `json:"colour"`
	Status          string `json:"status"` // stolen, wanted
	ReportedOn      string `json:"reported_on"`
	ReportingAgency string `json:"reporting_agency"`
	AlertID         string `json:"alert_id"`
}

// Event types in the timeline.
const (
	EventRecordCreated   = "record.created"   // Actor creates RecordID (inject it)
	EventRecordShared    = "record.shared"    // Actor shares RecordID with Recipients
	EventQuery           = "query.hit-no-hit" // Actor queries Identifier or Name+BirthDate at Recipients
	EventMessage         = "message.sent"     // Actor sends Text to Recipients about RecordID
	EventAlertLookup     = "alert.lookup"     // Actor's border check looks up Identifier
	EventNoticeDrafted   = "notice.drafted"   // Actor drafts a notice for EntityIDs[0]
	EventNoticeRequested = "notice.requested" // a country outside the scenario asks Actor to circulate a notice
	EventRecordWithdrawn = "record.withdrawn" // Actor withdraws RecordID; Recipients must see it go
)

// TimelineEvent is one step of the exercise timeline. Offsets count
// seconds from the start of the exercise. Expect says what the system
// under test should produce: "hit", "no-hit", "candidate", "publishable",
// "refuse", "delivered", "withdrawn".
type TimelineEvent struct {
	Seq           int         `json:"seq"`
	OffsetSeconds int64       `json:"offset_s"`
	Type          string      `json:"type"`
	Actor         string      `json:"actor"`
	Recipients    []string    `json:"recipients,omitempty"`
	RecordID      string      `json:"record_id,omitempty"`
	EntityIDs     []string    `json:"entity_ids,omitempty"`
	Identifier    *Identifier `json:"identifier,omitempty"`
	Name          string      `json:"name,omitempty"`
	BirthDate     string      `json:"birth_date,omitempty"`
	Handling      string      `json:"handling,omitempty"`
	Text          string      `json:"text,omitempty"`
	Expect        string      `json:"expect,omitempty"`
	ExpectAt      []string    `json:"expect_at,omitempty"` // agencies where the expected hit lies
}

// Counts summarises a scenario.
type Counts struct {
	Records        int            `json:"records"`
	Entities       int            `json:"entities"`
	Persons        int            `json:"persons"` // real-world persons held by at least one agency
	Clusters       int            `json:"clusters"`
	Networks       int            `json:"networks"`
	DocumentAlerts int            `json:"document_alerts"`
	VehicleAlerts  int            `json:"vehicle_alerts"`
	TimelineEvents int            `json:"timeline_events"`
	BySchema       map[string]int `json:"by_schema"`
	ByAgency       map[string]int `json:"by_agency"` // entities per agency
}

// Manifest is the content of scenario.json.
type Manifest struct {
	Format        string   `json:"format"` // "liaison-scenario/1"
	Options       Options  `json:"options"`
	ReferenceDate string   `json:"reference_date"`
	Agencies      []Agency `json:"agencies"`
	Story         Story    `json:"story"`
	Counts        Counts   `json:"counts"`
	Files         []string `json:"files"`
}

// Scenario is a whole scenario in memory (small and medium sizes).
type Scenario struct {
	Manifest
	Records        []Record // grouped by agency in Agencies order, each group in emission order
	GroundTruth    []Cluster
	Timeline       []TimelineEvent
	DocumentAlerts []DocumentAlert
	VehicleAlerts  []VehicleAlert
}

// RecordsOf returns the records of one agency.
func (s *Scenario) RecordsOf(agency string) []Record {
	var out []Record
	for _, r := range s.Records {
		if r.Agency == agency {
			out = append(out, r)
		}
	}
	return out
}
