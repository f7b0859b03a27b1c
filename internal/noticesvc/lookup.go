package noticesvc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/notice/lookup"
)

// LookupQuery is one border check, in exactly one of four forms:
// document and country, plate and country, VIN, or name and birth date.
type LookupQuery struct {
	Document  string
	Country   string
	Plate     string
	VIN       string
	Name      string
	BirthDate string
}

// LookupResult answers a border check.
type LookupResult struct {
	Hit  bool        `json:"hit"`
	Hits []LookupHit `json:"hits"`
}

// LookupHit is what a border officer sees on a hit: what to do, whom to
// contact, what to quote and what matched — nothing more of the alert or
// notice.
type LookupHit struct {
	Kind         string      `json:"kind" doc:"travel-document, vehicle or person"`
	Matched      string      `json:"matched" doc:"what matched, e.g. passport FR 12AB34567"`
	Instruction  string      `json:"instruction" doc:"e.g. seize document — contact NCB Lyon"`
	Contact      string      `json:"contact,omitempty"`
	Reference    string      `json:"reference,omitempty" doc:"to quote when calling the contact"`
	Status       string      `json:"status,omitempty" doc:"documents and vehicles: stolen, lost or revoked"`
	DocumentType string      `json:"documentType,omitempty"`
	NoticeType   notice.Type `json:"noticeType,omitempty" doc:"persons: the colour of the notice"`
	Strength     string      `json:"strength,omitempty" doc:"persons: strong (name and full date of birth agree) or weak (a candidate to verify)"`
}

// Reasons of lookup audit events.
const (
	reasonLookupHit  = "lookup-hit"
	reasonLookupMiss = "lookup-miss"
)

// Lookup runs a border check against the local index of own and received
// alerts and notices in circulation. Malformed numbers, countries, names
// or dates are Invalid. Every lookup, hit or miss, is audited as a
// consultation for purpose border-control, with a keyed hash of what was
// looked up and, on a hit, the alert or notice that matched.
func (s *Service) Lookup(ctx context.Context, q LookupQuery) (*LookupResult, error) {
	f, err := s.find(ctx, q)
	if err != nil {
		return nil, err
	}
	res := &LookupResult{Hits: []LookupHit{}}
	if f.alert != nil {
		h := f.alert
		res.Hits = append(res.Hits, LookupHit{Kind: string(h.Kind), Matched: f.matched, Instruction: h.Instruction(),
			Contact: h.Contact, Reference: h.Reference, Status: string(h.Status), DocumentType: string(h.DocumentType)})
	}
	for i, h := range f.persons {
		res.Hits = append(res.Hits, LookupHit{Kind: "person", Matched: "subject of a " + string(h.Type) + " notice",
			Instruction: h.Instruction, Reference: f.refs[i], NoticeType: h.Type, Strength: h.Strength.String()})
	}
	res.Hit = len(res.Hits) > 0
	return res, nil
}

// LookupDocument looks up a travel document, as Lookup does.
func (s *Service) LookupDocument(ctx context.Context, number, country string) (lookup.Hit, bool, error) {
	return s.alertLookup(ctx, LookupQuery{Document: number, Country: country})
}

// LookupPlate looks up a licence plate, as Lookup does.
func (s *Service) LookupPlate(ctx context.Context, plate, country string) (lookup.Hit, bool, error) {
	return s.alertLookup(ctx, LookupQuery{Plate: plate, Country: country})
}

// LookupVIN looks up a vehicle identification number, as Lookup does.
func (s *Service) LookupVIN(ctx context.Context, vin string) (lookup.Hit, bool, error) {
	return s.alertLookup(ctx, LookupQuery{VIN: vin})
}

// LookupPerson looks up a person by name and date of birth, as Lookup does.
func (s *Service) LookupPerson(ctx context.Context, fullName, birthDate string) ([]lookup.PersonHit, error) {
	f, err := s.find(ctx, LookupQuery{Name: fullName, BirthDate: birthDate})
	if err != nil {
		return nil, err
	}
	return f.persons, nil
}

func (s *Service) alertLookup(ctx context.Context, q LookupQuery) (lookup.Hit, bool, error) {
	f, err := s.find(ctx, q)
	if err != nil || f.alert == nil {
		return lookup.Hit{}, false, err
	}
	return *f.alert, true, nil
}

// found is the answer to one lookup and what its audit event records.
type found struct {
	alert   *lookup.Hit
	matched string             // the alert's matched item
	persons []lookup.PersonHit // person hits, strongest first
	refs    []string           // per person hit, the reference to quote
	hashes  []string
	objects []audit.Ref
}

// find answers q and audits it; it is every lookup's single path.
func (s *Service) find(ctx context.Context, q LookupQuery) (*found, error) {
	if _, err := s.officer(ctx, LookupRoles); err != nil {
		return nil, err
	}
	f, err := s.search(ctx, q)
	if err != nil {
		return nil, err
	}
	e := audit.New(ctx, audit.Consult, f.objects...)
	e.Purpose, e.Hashes, e.Reason = "border-control", f.hashes, reasonLookupMiss
	if f.alert != nil || len(f.persons) > 0 {
		e.Reason = reasonLookupHit
	}
	if err := s.audit.Record(ctx, e); err != nil {
		return nil, err
	}
	return f, nil
}

// search answers q from the index.
func (s *Service) search(ctx context.Context, q LookupQuery) (*found, error) {
	forms := 0
	for _, set := range []bool{q.Document != "", q.Plate != "", q.VIN != "", q.Name != "" || q.BirthDate != ""} {
		if set {
			forms++
		}
	}
	if forms != 1 {
		return nil, errs.E(errs.Invalid, "query", "look up one of: document and country, plate and country, vin, or name and birthDate")
	}
	switch {
	case q.Document != "":
		h, ok, err := s.index.Document(q.Document, q.Country)
		if err != nil {
			return nil, err
		}
		// Both are valid: the index accepted them.
		num, _ := notice.NormalizeDocumentNumber(q.Document)
		country, _ := notice.NormalizeCountry(q.Country)
		f := &found{hashes: []string{s.hasher.HashPersonal("travel-document", country+num)}}
		if !ok {
			return f, nil
		}
		what := string(h.DocumentType)
		if what == "" {
			what = "travel document"
		}
		return s.alertHit(ctx, f, h, what+" "+country+" "+num, "D"+country+num)
	case q.Plate != "":
		h, ok, err := s.index.Plate(q.Plate, q.Country)
		if err != nil {
			return nil, err
		}
		plate, _ := notice.NormalizePlate(q.Plate)
		country, _ := notice.NormalizeCountry(q.Country)
		f := &found{hashes: []string{s.hasher.HashPersonal("plate", country+plate)}}
		if !ok {
			return f, nil
		}
		return s.alertHit(ctx, f, h, "plate "+country+" "+plate, "P"+country+plate)
	case q.VIN != "":
		if q.Country != "" {
			return nil, errs.E(errs.Invalid, "country", "a VIN is looked up without a country")
		}
		h, ok, err := s.index.VIN(q.VIN)
		if err != nil {
			return nil, err
		}
		vin, _ := notice.NormalizeVIN(q.VIN)
		f := &found{hashes: []string{s.hasher.HashPersonal("vin", vin)}}
		if !ok {
			return f, nil
		}
		return s.alertHit(ctx, f, h, "VIN "+vin, "V"+vin)
	}
	if q.Country != "" {
		return nil, errs.E(errs.Invalid, "country", "a person is looked up by name and birthDate only")
	}
	hits, err := s.index.Person(q.Name, q.BirthDate)
	if err != nil {
		return nil, err
	}
	dob, _ := notice.ParsePartialDate(q.BirthDate) // valid: the index accepted it
	f := &found{persons: hits,
		hashes: []string{s.hasher.HashPersonal("person", strings.ToLower(strings.Join(strings.Fields(q.Name), " "))+"|"+dob.String())}}
	for _, h := range hits {
		ref, err := s.noticeReference(ctx, h.NoticeID)
		if err != nil {
			return nil, err
		}
		f.refs = append(f.refs, ref)
		f.objects = append(f.objects, audit.Ref{Type: "notice", ID: h.NoticeID})
	}
	return f, nil
}

// alertHit completes f with an alert hit; the stored alert behind the key
// is named in the audit event.
func (s *Service) alertHit(ctx context.Context, f *found, h lookup.Hit, matched, key string) (*found, error) {
	f.alert, f.matched = &h, matched
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM alerts WHERE state = ? AND (key_a = ? OR key_b = ?) ORDER BY updated_at DESC LIMIT 1`,
		AlertActive, key, key).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Cancelled since the index answered: the audit event has no object.
		return f, nil
	case err != nil:
		return nil, fmt.Errorf("find the alert of a hit: %w", err)
	}
	f.objects = []audit.Ref{{Type: "alert", ID: id}}
	return f, nil
}

// noticeReference is what a border officer quotes for a notice hit: the
// INTERPOL entity id, or the originator and its id of the notice.
func (s *Service) noticeReference(ctx context.Context, id string) (string, error) {
	var entity, originator, source string
	err := s.db.QueryRowContext(ctx, `SELECT entity_id, originator, source_id FROM notices WHERE id = ?`, id).Scan(&entity, &originator, &source)
	if err != nil {
		return "", fmt.Errorf("find the notice of a hit: %w", err)
	}
	if entity != "" {
		return "INTERPOL " + entity, nil
	}
	return originator + " notice " + source, nil
}
