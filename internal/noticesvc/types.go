package noticesvc

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/policy"
)

// Subject is the person a notice is about, in the API's shape.
type Subject struct {
	Name                string   `json:"name,omitempty" doc:"family name(s)"`
	Forename            string   `json:"forename,omitempty" doc:"given name(s)"`
	DateOfBirth         string   `json:"dateOfBirth,omitempty" doc:"1958-11-05, or partial 1958-11 or 1958"`
	Sex                 string   `json:"sex,omitempty" doc:"M, F or U"`
	Nationalities       []string `json:"nationalities,omitempty" doc:"ISO 3166-1 alpha-2 codes"`
	PlaceOfBirth        string   `json:"placeOfBirth,omitempty"`
	CountryOfBirth      string   `json:"countryOfBirth,omitempty"`
	DistinguishingMarks string   `json:"distinguishingMarks,omitempty"`
	HeightMetres        float64  `json:"heightMetres,omitempty"`
	WeightKg            float64  `json:"weightKg,omitempty"`
	EyeColours          []string `json:"eyeColours,omitempty"`
	HairColours         []string `json:"hairColours,omitempty"`
	Languages           []string `json:"languages,omitempty" doc:"ISO 639-2 codes"`
	RefugeeStatus       bool     `json:"refugeeStatus,omitempty" doc:"the subject's refugee status is confirmed"`
}

// Charge is one offence of a notice.
type Charge struct {
	IssuingCountry          string `json:"issuingCountry,omitempty"`
	Text                    string `json:"text"`
	Translation             string `json:"translation,omitempty"`
	MaxPenaltyMonths        int    `json:"maxPenaltyMonths,omitempty" doc:"maximum penalty the law provides, in months; 1200 for life"`
	SentenceRemainingMonths int    `json:"sentenceRemainingMonths,omitempty"`
}

// Distribution is who receives a notice or alert: every active partner
// ("all"), the partner agencies listed ("agencies"), or the partners whose
// country lies in a region ("region", see Regions).
type Distribution struct {
	Scope    notice.Scope `json:"scope,omitempty" doc:"all, agencies or region"`
	Agencies []string     `json:"agencies,omitempty"`
	Region   string       `json:"region,omitempty" doc:"see GET /api/v1/notices/regions"`
}

// Draft is the content of a notice as its originator writes it: what
// POST /notices creates and PUT /notices/{id} replaces.
type Draft struct {
	Type      notice.Type `json:"type"`
	Diffusion bool        `json:"diffusion,omitempty" doc:"a diffusion is circulated directly to chosen partners and reviewed afterwards"`
	EntityID  string      `json:"entityId,omitempty" doc:"INTERPOL entity id, e.g. 2099-12345"`
	Subject   Subject     `json:"subject"`
	// Category is the data-subject category (Directive 2016/680 Art. 6);
	// required before submission for every notice about a person.
	Category                notice.Category  `json:"category,omitempty" doc:"suspect, convicted, victim, witness, contact or other"`
	Charges                 []Charge         `json:"charges,omitempty"`
	Facts                   string           `json:"facts,omitempty"`
	ExtraditionWillBeSought bool             `json:"extraditionWillBeSought,omitempty" doc:"red notices: the originator's assurance that extradition will be requested"`
	Contact                 string           `json:"contact,omitempty" doc:"who a border officer calls on a hit, e.g. NCB Lyon"`
	Distribution            Distribution     `json:"distribution"`
	Envelope                *policy.Envelope `json:"envelope,omitempty" doc:"handling codes, TLP, evaluation, purpose, legal basis; a default from the node's configuration when absent"`
}

// Flag is one finding of the automated screening.
type Flag struct {
	ID          string          `json:"id" doc:"what a reviewer acknowledges"`
	Code        notice.Code     `json:"code"`
	Severity    notice.Severity `json:"severity" doc:"block: a reviewer must weigh it; warn: shown only"`
	Explanation string          `json:"explanation"`
	Field       string          `json:"field,omitempty"`
	Lang        string          `json:"lang,omitempty"`
	Term        string          `json:"term,omitempty"`
	Match       string          `json:"match,omitempty"`
}

// Decision is a reviewer's ruling as the API shows it.
type Decision struct {
	Outcome                 notice.Outcome `json:"outcome"`
	Reviewer                string         `json:"reviewer,omitempty"`
	Reasons                 string         `json:"reasons,omitempty"`
	Acknowledged            []string       `json:"acknowledged,omitempty"`
	ExtraditionWillBeSought bool           `json:"extraditionWillBeSought,omitempty"`
	AfterCirculation        bool           `json:"afterCirculation,omitempty"`
	At                      time.Time      `json:"at"`
}

// Change is one lifecycle transition as the API shows it.
type Change struct {
	Event  notice.Event `json:"event"`
	From   notice.State `json:"from"`
	To     notice.State `json:"to"`
	Actor  string       `json:"actor,omitempty"`
	Agency string       `json:"agency,omitempty"`
	At     time.Time    `json:"at"`
	Note   string       `json:"note,omitempty"`
}

// Notice is a notice or diffusion in full.
type Notice struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	Draft
	State        notice.State `json:"state"`
	Originator   string       `json:"originator"`
	ReceivedFrom string       `json:"receivedFrom,omitempty" doc:"set on copies received from a partner"`
	SourceID     string       `json:"sourceId,omitempty" doc:"copies: the notice's id at its originator"`

	PublishedAt     time.Time `json:"publishedAt,omitzero"`
	ExpiresAt       time.Time `json:"expiresAt,omitzero"`
	ReminderAt      time.Time `json:"reminderAt,omitzero" doc:"when the originator is asked to reassess it"`
	ReassessmentDue bool      `json:"reassessmentDue,omitempty"`
	AwaitingReview  bool      `json:"awaitingReview,omitempty"`

	Flags     []Flag     `json:"flags,omitempty"`
	Decisions []Decision `json:"decisions,omitempty"`
	History   []Change   `json:"history,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	UpdatedAt time.Time  `json:"updatedAt"`
}

// Summary is a notice as lists show it.
type Summary struct {
	ID              string       `json:"id"`
	Version         int64        `json:"version"`
	Type            notice.Type  `json:"type"`
	Diffusion       bool         `json:"diffusion,omitempty"`
	State           notice.State `json:"state"`
	EntityID        string       `json:"entityId,omitempty"`
	Name            string       `json:"name,omitempty"`
	Forename        string       `json:"forename,omitempty"`
	DateOfBirth     string       `json:"dateOfBirth,omitempty"`
	Originator      string       `json:"originator"`
	ReceivedFrom    string       `json:"receivedFrom,omitempty"`
	BlockingFlags   int          `json:"blockingFlags"`
	AwaitingReview  bool         `json:"awaitingReview,omitempty"`
	ReassessmentDue bool         `json:"reassessmentDue,omitempty"`
	ExpiresAt       time.Time    `json:"expiresAt,omitzero"`
	UpdatedAt       time.Time    `json:"updatedAt"`
}

func (n *Notice) summary() Summary {
	blocking := 0
	for _, f := range n.Flags {
		if f.Severity == notice.Block {
			blocking++
		}
	}
	return Summary{ID: n.ID, Version: n.Version, Type: n.Type, Diffusion: n.Diffusion, State: n.State, EntityID: n.EntityID,
		Name: n.Subject.Name, Forename: n.Subject.Forename, DateOfBirth: n.Subject.DateOfBirth,
		Originator: n.Originator, ReceivedFrom: n.ReceivedFrom, BlockingFlags: blocking,
		AwaitingReview: n.AwaitingReview, ReassessmentDue: n.ReassessmentDue, ExpiresAt: n.ExpiresAt, UpdatedAt: n.UpdatedAt}
}

// core turns the draft content into the notice core's type. The error is
// Invalid and names the field.
func (d *Draft) core() (notice.Notice, error) {
	dob, err := notice.ParsePartialDate(d.Subject.DateOfBirth)
	if err != nil {
		return notice.Notice{}, errs.E(errs.Invalid, "subject.dateOfBirth", errs.PublicMessage(err))
	}
	n := notice.Notice{
		EntityID:                d.EntityID,
		Type:                    d.Type,
		Diffusion:               d.Diffusion,
		Name:                    d.Subject.Name,
		Forename:                d.Subject.Forename,
		DateOfBirth:             dob,
		Sex:                     notice.Sex(d.Subject.Sex),
		Nationalities:           slices.Clone(d.Subject.Nationalities),
		PlaceOfBirth:            d.Subject.PlaceOfBirth,
		CountryOfBirth:          d.Subject.CountryOfBirth,
		DistinguishingMarks:     d.Subject.DistinguishingMarks,
		HeightMetres:            d.Subject.HeightMetres,
		WeightKg:                d.Subject.WeightKg,
		EyeColours:              slices.Clone(d.Subject.EyeColours),
		HairColours:             slices.Clone(d.Subject.HairColours),
		Languages:               slices.Clone(d.Subject.Languages),
		RefugeeStatus:           d.Subject.RefugeeStatus,
		Category:                d.Category,
		Facts:                   d.Facts,
		ExtraditionWillBeSought: d.ExtraditionWillBeSought,
		Contact:                 d.Contact,
		Distribution: notice.Distribution{Scope: d.Distribution.Scope, Agencies: slices.Clone(d.Distribution.Agencies),
			Region: d.Distribution.Region},
	}
	for _, c := range d.Charges {
		n.Charges = append(n.Charges, notice.Charge{IssuingCountry: c.IssuingCountry, Text: c.Text, Translation: c.Translation,
			MaxPenaltyMonths: c.MaxPenaltyMonths, SentenceRemainingMonths: c.SentenceRemainingMonths})
	}
	return n, nil
}

// draftOf is the inverse of Draft.core for the content fields.
func draftOf(n *notice.Notice, env *policy.Envelope) Draft {
	d := Draft{
		Type:      n.Type,
		Diffusion: n.Diffusion,
		EntityID:  n.EntityID,
		Subject: Subject{
			Name: n.Name, Forename: n.Forename, DateOfBirth: n.DateOfBirth.String(), Sex: string(n.Sex),
			Nationalities: slices.Clone(n.Nationalities), PlaceOfBirth: n.PlaceOfBirth, CountryOfBirth: n.CountryOfBirth,
			DistinguishingMarks: n.DistinguishingMarks, HeightMetres: n.HeightMetres, WeightKg: n.WeightKg,
			EyeColours: slices.Clone(n.EyeColours), HairColours: slices.Clone(n.HairColours), Languages: slices.Clone(n.Languages),
			RefugeeStatus: n.RefugeeStatus,
		},
		Category:                n.Category,
		Facts:                   n.Facts,
		ExtraditionWillBeSought: n.ExtraditionWillBeSought,
		Contact:                 n.Contact,
		Distribution: Distribution{Scope: n.Distribution.Scope, Agencies: slices.Clone(n.Distribution.Agencies),
			Region: n.Distribution.Region},
		Envelope: env,
	}
	for _, c := range n.Charges {
		d.Charges = append(d.Charges, Charge{IssuingCountry: c.IssuingCountry, Text: c.Text, Translation: c.Translation,
			MaxPenaltyMonths: c.MaxPenaltyMonths, SentenceRemainingMonths: c.SentenceRemainingMonths})
	}
	return d
}

func flagsOf(fs []notice.Flag) []Flag {
	var out []Flag
	for _, f := range fs {
		out = append(out, Flag{ID: f.ID(), Code: f.Code, Severity: f.Severity, Explanation: f.Explanation,
			Field: f.Evidence.Field, Lang: f.Evidence.Lang, Term: f.Evidence.Term, Match: f.Evidence.Match})
	}
	return out
}

func coreFlags(fs []Flag) []notice.Flag {
	var out []notice.Flag
	for _, f := range fs {
		out = append(out, notice.Flag{Code: f.Code, Severity: f.Severity, Explanation: f.Explanation,
			Evidence: notice.Evidence{Field: f.Field, Lang: f.Lang, Term: f.Term, Match: f.Match}})
	}
	return out
}

// record is a notice as the service keeps it: the core notice (with its
// history and decisions) plus what the core does not know about.
type record struct {
	n            notice.Notice
	env          *policy.Envelope
	version      int64
	sourceID     string // the id at the originator
	receivedFrom string // "" for own notices
	createdBy    string
	createdAt    time.Time
	updatedAt    time.Time
	remindedAt   time.Time
	stored       int // history entries already stored
	storedDec    int // decisions already stored
}

func (r *record) own() bool { return r.receivedFrom == "" }

// view renders the record for the API at now. full includes reviewer
// identities and reasons, which only this node's officers see.
func (r *record) view(now time.Time) *Notice {
	n := &r.n
	v := &Notice{
		ID:              n.ID,
		Version:         r.version,
		Draft:           draftOf(n, r.env),
		State:           n.State,
		Originator:      n.Originator,
		ReceivedFrom:    r.receivedFrom,
		PublishedAt:     n.PublishedAt,
		ExpiresAt:       n.ExpiresAt,
		ReminderAt:      n.ReminderAt,
		ReassessmentDue: r.own() && n.ReminderDue(now),
		AwaitingReview:  r.own() && n.AwaitingReview(),
		Flags:           flagsOf(n.Flags),
		CreatedAt:       r.createdAt,
		UpdatedAt:       r.updatedAt,
	}
	if !r.own() {
		v.SourceID = r.sourceID
	}
	for _, d := range n.Decisions {
		v.Decisions = append(v.Decisions, Decision{Outcome: d.Outcome, Reviewer: d.Reviewer, Reasons: d.Reasons,
			Acknowledged: slices.Clone(d.Acknowledged), ExtraditionWillBeSought: d.ExtraditionWillBeSought,
			AfterCirculation: d.AfterCirculation, At: d.At})
	}
	for _, c := range n.History {
		v.History = append(v.History, Change{Event: c.Event, From: c.From, To: c.To, Actor: c.Actor, Agency: c.Agency, At: c.At, Note: c.Note})
	}
	return v
}

// Alert is a travel-document, vehicle or object alert.
type Alert struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	AlertInput
	State        string    `json:"state" doc:"active or cancelled"`
	Originator   string    `json:"originator"`
	ReceivedFrom string    `json:"receivedFrom,omitempty"`
	SourceID     string    `json:"sourceId,omitempty" doc:"copies: the alert's id at its originator"`
	ImportID     string    `json:"importId,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// AlertInput is what an officer gives to create or change an alert.
type AlertInput struct {
	Kind           notice.AlertKind    `json:"kind" doc:"travel-document, vehicle or object"`
	Status         notice.AlertStatus  `json:"status" doc:"stolen, lost or revoked"`
	DocumentNumber string              `json:"documentNumber,omitempty"`
	DocumentType   notice.DocumentType `json:"documentType,omitempty"`
	Country        string              `json:"country,omitempty" doc:"issuing country of a document, registration country of a plate"`
	Plate          string              `json:"plate,omitempty"`
	VIN            string              `json:"vin,omitempty"`
	Description    string              `json:"description,omitempty"`
	Action         string              `json:"action,omitempty" doc:"what to do on a hit; default by kind, e.g. seize document"`
	Contact        string              `json:"contact,omitempty"`
	Reference      string              `json:"reference,omitempty" doc:"the originator's case reference"`
	Distribution   Distribution        `json:"distribution"`
}

// Alert states.
const (
	AlertActive    = "active"
	AlertCancelled = "cancelled"
)

func (in *AlertInput) core(originator string) notice.Alert {
	return notice.Alert{Kind: in.Kind, Status: in.Status, DocumentNumber: in.DocumentNumber, DocumentType: in.DocumentType,
		Country: in.Country, Plate: in.Plate, VIN: in.VIN, Description: in.Description, Action: in.Action,
		Contact: in.Contact, Reference: in.Reference, Originator: originator}
}

func alertInputOf(a *notice.Alert, d Distribution) AlertInput {
	return AlertInput{Kind: a.Kind, Status: a.Status, DocumentNumber: a.DocumentNumber, DocumentType: a.DocumentType,
		Country: a.Country, Plate: a.Plate, VIN: a.VIN, Description: a.Description, Action: a.Action,
		Contact: a.Contact, Reference: a.Reference, Distribution: d}
}

// alertKeys returns the stored lookup keys of a normalised alert: key a
// is the document or plate key, key b the VIN key. They use the same
// prefixes as the border index but are only compared with each other.
func alertKeys(a *notice.Alert) (keyA, keyB string) {
	switch a.Kind {
	case notice.TravelDocument:
		keyA = "D" + a.Country + a.DocumentNumber
	case notice.Vehicle:
		if a.Plate != "" {
			keyA = "P" + a.Country + a.Plate
		}
		if a.VIN != "" {
			keyB = "V" + a.VIN
		}
	}
	return keyA, keyB
}

// identOf is an own alert's identity: its keys, or "" for an object alert.
func identOf(keyA, keyB string) string {
	if keyA == "" && keyB == "" {
		return ""
	}
	return keyA + "|" + keyB
}

// checkDistribution validates a distribution's shape (partners are checked
// when it is resolved).
func checkDistribution(d Distribution, required bool) error {
	switch d.Scope {
	case "":
		if required {
			return errs.E(errs.Invalid, "distribution.scope", "choose who receives it: all, agencies or region")
		}
	case notice.ScopeAll:
		if len(d.Agencies) > 0 || d.Region != "" {
			return errs.E(errs.Invalid, "distribution", "scope all takes no agencies or region")
		}
	case notice.ScopeAgencies:
		if len(d.Agencies) == 0 {
			return errs.E(errs.Invalid, "distribution.agencies", "name at least one agency")
		}
		if len(d.Agencies) > notice.MaxListLen {
			return errs.E(errs.TooLarge, "distribution.agencies", fmt.Sprintf("at most %d agencies", notice.MaxListLen))
		}
		for i, a := range d.Agencies {
			if !policy.ValidAgencyID(a) {
				return errs.E(errs.Invalid, fmt.Sprintf("distribution.agencies[%d]", i), "not an agency id such as FR-NCB")
			}
		}
	case notice.ScopeRegion:
		if _, ok := Regions[strings.ToLower(d.Region)]; !ok {
			return errs.E(errs.Invalid, "distribution.region", "unknown region (want one of "+strings.Join(RegionNames(), ", ")+")")
		}
	default:
		return errs.E(errs.Invalid, "distribution.scope", "scope must be all, agencies or region")
	}
	return nil
}

// Core returns the notice as the core's type, with its history and
// decisions, for callers built on internal/notice (the officer portal).
func (v *Notice) Core() (notice.Notice, error) {
	n, err := fromView(v)
	if err != nil {
		return n, err
	}
	for _, c := range v.History {
		n.History = append(n.History, notice.Change{From: c.From, To: c.To, Event: c.Event, Actor: c.Actor, Agency: c.Agency, At: c.At, Note: c.Note})
	}
	for _, d := range v.Decisions {
		n.Decisions = append(n.Decisions, notice.Decision{Outcome: d.Outcome, Reviewer: d.Reviewer, Reasons: d.Reasons,
			Acknowledged: slices.Clone(d.Acknowledged), ExtraditionWillBeSought: d.ExtraditionWillBeSought,
			AfterCirculation: d.AfterCirculation, At: d.At})
	}
	return n, nil
}

// DraftOf returns the content of a core notice as a Draft (identity,
// lifecycle and originator are the service's to set).
func DraftOf(n notice.Notice) Draft { return draftOf(&n, nil) }
