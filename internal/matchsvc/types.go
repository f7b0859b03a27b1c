package matchsvc

import "time"

// QueryRequest is an online hit/no-hit query: identifiers of one type, or
// a person by name and birth date.
type QueryRequest struct {
	Type      string   `json:"type" doc:"passport, id, phone, email, iban, wallet, plate, vin, or person"`
	Values    []string `json:"values,omitempty" doc:"the identifiers, in any form the type's normaliser accepts"`
	Country   string   `json:"country,omitempty" doc:"ISO country that reads national phone numbers (0612… in NL)"`
	Name      string   `json:"name,omitempty" doc:"type person: the full name, in any script"`
	BirthDate string   `json:"birthDate,omitempty" doc:"type person: YYYY-MM-DD, or YYYY-MM or YYYY for the weak key only"`
	Partners  []string `json:"partners,omitempty" doc:"partner agencies to ask; empty asks every active partner"`
	Purpose   string   `json:"purpose,omitempty" doc:"purpose declared to the partners; default criminal-investigation"`
	// Justification and CaseRef may also come as the Liaison-Justification
	// and Liaison-Case headers. A case reference is required: partners
	// meter budgets per case.
	Justification string `json:"justification,omitempty"`
	CaseRef       string `json:"caseRef,omitempty"`
}

// Result statuses.
const (
	StatusHit         = "hit"
	StatusNoHit       = "no-hit"
	StatusUnavailable = "unavailable"
)

// QueryResult is the answer to an online query.
type QueryResult struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Values   int             `json:"values" doc:"number of values (person: match keys) queried"`
	Partners []PartnerResult `json:"partners"`
}

// PartnerResult is one partner's answer: hit when any value hit, and per
// value the outcome.
type PartnerResult struct {
	Partner string        `json:"partner"`
	Status  string        `json:"status" doc:"hit, no-hit or unavailable"`
	Reason  string        `json:"reason,omitempty" doc:"why the partner is unavailable: unreachable, budget exceeded, invalid proof, …"`
	Epoch   uint32        `json:"epoch,omitempty"`
	Results []ValueResult `json:"results,omitempty"`
}

// ValueResult is the outcome of one value (or person match key) at one
// partner.
type ValueResult struct {
	Index     int    `json:"index" doc:"position of the value in the request (person: of the key in keys order)"`
	Key       string `json:"key,omitempty" doc:"person queries: the match key kind (name-dob, tokens-dob, phonetic-year)"`
	Status    string `json:"status" doc:"hit, no-hit or unavailable"`
	Strength  string `json:"strength" doc:"exact, strong or weak"`
	Candidate bool   `json:"candidate,omitempty" doc:"a weak-key hit: only a candidate, to be confirmed in the follow-up"`
	HitID     string `json:"hitId,omitempty" doc:"quote it to follow the hit up"`
	Reference string `json:"reference,omitempty" doc:"the holder's opaque follow-up reference"`
	Reason    string `json:"reason,omitempty"`
}

// FollowUpRequest asks the holder of a hit for the information behind it.
type FollowUpRequest struct {
	Justification string `json:"justification,omitempty" doc:"why the information is needed; sent to the holder"`
	CaseRef       string `json:"caseRef,omitempty"`
}

// FollowUpSent is a follow-up this node sent.
type FollowUpSent struct {
	HitID     string    `json:"hitId"`
	Partner   string    `json:"partner"`
	Type      string    `json:"type"`
	Strength  string    `json:"strength"`
	Reference string    `json:"reference"`
	CaseRef   string    `json:"caseRef"`
	MessageID string    `json:"messageId"`
	SentAt    time.Time `json:"sentAt"`
}

// FollowUp is a follow-up a partner sent this node: its SPOC answers it
// within the deadline by sharing the records through the normal channels.
type FollowUp struct {
	ID            string    `json:"id"`
	Partner       string    `json:"partner"`
	Officer       string    `json:"officer"`
	Type          string    `json:"type"`
	Epoch         uint32    `json:"epoch"`
	Reference     string    `json:"reference"`
	CaseRef       string    `json:"caseRef"`
	Purpose       string    `json:"purpose"`
	Justification string    `json:"justification"`
	ReceivedAt    time.Time `json:"receivedAt"`
	DueAt         time.Time `json:"dueAt"`
	State         string    `json:"state" doc:"resolving, open, answered"`
	Due           string    `json:"due" doc:"due, overdue or done"`
	Records       []string  `json:"records" doc:"the records the reference resolved to"`
	Resolution    string    `json:"resolution,omitempty"`
	Outcome       string    `json:"outcome,omitempty" doc:"shared, declined or no-record"`
	Note          string    `json:"note,omitempty"`
	AnsweredBy    string    `json:"answeredBy,omitempty"`
	AnsweredAt    time.Time `json:"answeredAt,omitzero"`
}

// AnswerRequest closes a follow-up.
type AnswerRequest struct {
	Outcome string `json:"outcome" doc:"shared (the records went to the partner through messaging), declined or no-record"`
	Note    string `json:"note,omitempty"`
}

// BulkRequest submits a bulk run for approval.
type BulkRequest struct {
	Partner       string `json:"partner"`
	Type          string `json:"type" doc:"an identifier type, or name-dob, tokens-dob, phonetic-year"`
	Format        string `json:"format" doc:"csv (one value per line, or name,birthDate for person keys) or ftm (FtM JSON lines)"`
	Data          string `json:"data" doc:"the list"`
	Country       string `json:"country,omitempty" doc:"reads national phone numbers"`
	Purpose       string `json:"purpose,omitempty"`
	Justification string `json:"justification,omitempty"`
	CaseRef       string `json:"caseRef,omitempty"`
}

// Bulk run states.
const (
	BulkPending  = "pending"  // waits for a second person's approval
	BulkApproved = "approved" // approved; the worker picks it up
	BulkRunning  = "running"
	BulkPaused   = "paused" // budget exhausted or partner unavailable: resumes by itself
	BulkDone     = "done"
	BulkFailed   = "failed"
)

// BulkRun is a bulk run's state and progress.
type BulkRun struct {
	ID            string    `json:"id"`
	Partner       string    `json:"partner"`
	Type          string    `json:"type"`
	Purpose       string    `json:"purpose"`
	CaseRef       string    `json:"caseRef"`
	RequestedBy   string    `json:"requestedBy"`
	RequestedAt   time.Time `json:"requestedAt"`
	ApprovedBy    string    `json:"approvedBy,omitempty"`
	ApprovedAt    time.Time `json:"approvedAt,omitzero"`
	State         string    `json:"state"`
	Detail        string    `json:"detail,omitempty"`
	Total         int       `json:"total"`
	Done          int       `json:"done"`
	Hits          int       `json:"hits"`
	Skipped       int       `json:"skipped" doc:"list entries that did not normalise"`
	NextAttemptAt time.Time `json:"nextAttemptAt,omitzero"`
	HitList       []BulkHit `json:"hitList,omitempty"`
}

// BulkHit is one hit of a bulk run.
type BulkHit struct {
	Index     int    `json:"index" doc:"position in the normalised list"`
	HitID     string `json:"hitId"`
	Strength  string `json:"strength"`
	Candidate bool   `json:"candidate,omitempty"`
	Reference string `json:"reference"`
}

// Alert is an anomaly the holder's monitor raised about a partner.
type Alert struct {
	At        time.Time `json:"at"`
	Kind      string    `json:"kind" doc:"burst, hit-rate or case-fanout"`
	Partner   string    `json:"partner"`
	Type      string    `json:"type,omitempty"`
	Observed  float64   `json:"observed"`
	Threshold float64   `json:"threshold"`
	Detail    string    `json:"detail"`
}

// Status describes both sides of matching on this node.
type Status struct {
	Ready    bool           `json:"ready" doc:"the holder answers partners"`
	Epochs   []EpochStatus  `json:"epochs"`
	Records  int            `json:"records" doc:"records with matchable identifiers or persons"`
	Partners []RemoteStatus `json:"partners" doc:"partner tables this node holds"`
}

// EpochStatus is one of the holder's epochs.
type EpochStatus struct {
	Epoch     uint32       `json:"epoch"`
	NotBefore time.Time    `json:"notBefore"`
	NotAfter  time.Time    `json:"notAfter"`
	Views     []ViewStatus `json:"views"`
}

// ViewStatus is one partner's view.
type ViewStatus struct {
	Partner   string `json:"partner"`
	Values    int    `json:"values" doc:"distinct values the partner can hit"`
	Published int    `json:"published" doc:"entries published, padding included"`
	Version   uint64 `json:"version"`
}

// RemoteStatus is a partner table this node holds.
type RemoteStatus struct {
	Partner   string    `json:"partner"`
	Epoch     uint32    `json:"epoch"`
	NotAfter  time.Time `json:"notAfter"`
	Entries   int       `json:"entries"`
	Version   uint64    `json:"version"`
	FetchedAt time.Time `json:"fetchedAt"`
}
