package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// searchForm is the record search; it is posted, never put in a URL.
type searchForm struct {
	Text, Kind, Value, Schema, Country, Originator, Case, From, To string
	After                                                          int64
}

type searchData struct {
	Form     searchForm
	Kinds    []string
	Searched bool
	Result   *record.Result
}

// identifierKinds offered in the search form: the kinds the record
// service's exact lookups accept.
var identifierKinds = record.IdentifierKinds()

func (p *Portal) recordsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	p.render(w, r, http.StatusOK, "records", s.page("Records", "records", searchData{Kinds: identifierKinds}), "")
	return nil
}

func (p *Portal) recordSearch(w http.ResponseWriter, r *http.Request, s *session) error {
	f := searchForm{Text: strings.TrimSpace(r.PostFormValue("q")), Kind: r.PostFormValue("kind"), Value: strings.TrimSpace(r.PostFormValue("value")),
		Schema: r.PostFormValue("schema"), Country: strings.TrimSpace(r.PostFormValue("country")), Originator: strings.TrimSpace(r.PostFormValue("originator")),
		Case: strings.TrimSpace(r.PostFormValue("case")), From: r.PostFormValue("from"), To: r.PostFormValue("to")}
	f.After, _ = strconv.ParseInt(r.PostFormValue("after"), 10, 64)
	d := searchData{Form: f, Kinds: identifierKinds, Searched: true}
	q := record.Query{Text: f.Text, Schema: f.Schema, Country: f.Country, Originator: f.Originator, CaseRef: f.Case,
		Limit: 50, After: f.After, Facets: f.After == 0}
	if f.Value != "" {
		q.IdentifierKind, q.IdentifierValue = f.Kind, f.Value
	}
	var err error
	if q.From, err = formDate(f.From, "from"); err == nil {
		if q.To, err = formDate(f.To, "to"); err == nil && !q.To.IsZero() {
			q.To = q.To.Add(24 * time.Hour) // the whole "to" day
		}
	}
	if err == nil {
		d.Result, err = p.cfg.Records.Search(r.Context(), q)
	}
	pg := s.page("Records", "records", d)
	if err != nil {
		if !userError(err) {
			return err
		}
		pg.Error, pg.Field = errs.PublicMessage(err), errs.FieldOf(err)
	}
	fragment := ""
	if r.Header.Get("HX-Request") == "true" && err == nil {
		fragment = "results"
	}
	p.render(w, r, http.StatusOK, "records", pg, fragment)
	return nil
}

// entityView is an entity as the record page lists it.
type entityView struct {
	ID, Schema, Caption string
	Category            policy.DataSubjectCategory
	Assessment          bool
	Props               []propView
}

type propView struct {
	Name   string
	Values []string
}

type recordData struct {
	Record       *record.Record
	Decision     policy.Decision
	Entities     []entityView
	Versions     []record.VersionInfo
	Correlations *record.Correlations
	// Copies are the holders the disclosure capability tracks (version
	// acknowledged, delivery, pending changes); without it, Holders are
	// the versions the records capability knows holders have.
	Tracked   bool
	Copies    []disclosure.Holder
	Holders   []record.Holder
	CanWrite  bool
	CanReview bool
	CanShare  bool
	Partners  []federation.Partner
	Purposes  []policy.Purpose
	Flash     string
}

// recordPage shows a record: its envelope plainly, entities, correlations,
// versions and who holds copies. Each read is a consultation the record
// service records with the officer's case.
func (p *Portal) recordPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.renderRecord(w, r, s, r.PathValue("id"), "", nil)
}

func (p *Portal) renderRecord(w http.ResponseWriter, r *http.Request, s *session, id, flash string, failure error) error {
	ctx := r.Context()
	rec, dec, err := p.cfg.Records.Get(ctx, id)
	if err != nil {
		return err
	}
	d := recordData{Record: rec, Decision: dec, Entities: entityViews(rec), Purposes: policy.Purposes,
		CanWrite: p.can(s.principal, "POST /records/{id}/withdraw") && !rec.Envelope.IsCopy() && rec.State == record.StateActive,
		CanReview: p.can(s.principal, "POST /records/{id}/review") && !rec.Envelope.IsCopy() &&
			(rec.State == record.StateActive || rec.State == record.StateFlagged),
		CanShare: p.can(s.principal, "POST /records/{id}/share") && rec.State == record.StateActive}
	if d.Versions, err = p.cfg.Records.Versions(ctx, id); err != nil {
		return err
	}
	if d.Correlations, err = p.cfg.Records.Correlations(ctx, id); err != nil {
		return err
	}
	if p.cfg.Sharing != nil {
		d.Tracked = true
		if d.Copies, err = p.cfg.Sharing.Holders(ctx, id); err != nil {
			return err
		}
	} else if d.Holders, err = p.cfg.Records.Holders(ctx, id); err != nil {
		return err
	}
	if d.CanShare && p.cfg.Partners != nil {
		if d.Partners, err = p.cfg.Partners.ListPartners(ctx, false); err != nil {
			return err
		}
	}
	pg := s.page(rec.Title, "records", d)
	pg.Flash = flash
	if failure != nil {
		pg.Error, pg.Field = errs.PublicMessage(failure), errs.FieldOf(failure)
	}
	p.render(w, r, http.StatusOK, "record", pg, "")
	return nil
}

// entityViews lists a record's entities with a caption and their
// properties in a stable order.
func entityViews(rec *record.Record) []entityView {
	out := make([]entityView, 0, len(rec.Entities))
	for _, e := range rec.Entities {
		v := entityView{ID: e.ID, Schema: e.Schema, Caption: caption(e), Category: rec.DataSubjects[e.ID],
			Assessment: slices.Contains(rec.Assessments, e.ID)}
		names := make([]string, 0, len(e.Properties))
		for n := range e.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			v.Props = append(v.Props, propView{Name: n, Values: e.Properties[n]})
		}
		out = append(out, v)
	}
	return out
}

// caption names an entity by its schema's caption properties.
func caption(e ftm.Entity) string {
	if s, ok := ftm.LookupSchema(e.Schema); ok {
		for _, prop := range s.Caption() {
			if vs := e.Properties[prop]; len(vs) > 0 {
				return vs[0]
			}
		}
	}
	for _, prop := range []string{"name", "number", "registrationNumber"} {
		if vs := e.Properties[prop]; len(vs) > 0 {
			return vs[0]
		}
	}
	return e.ID
}

func (p *Portal) recordWithdraw(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	if _, err := p.cfg.Records.Withdraw(r.Context(), id); err != nil {
		if !userError(err) {
			return err
		}
		return p.renderRecord(w, r, s, id, "", err)
	}
	return p.renderRecord(w, r, s, id, "Record withdrawn. Holders of copies receive the withdrawal.", nil)
}

// recordReview extends a record's review date: the officer states why the
// record is still needed (the case's justification text is recorded).
func (p *Portal) recordReview(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	until, err := formDate(r.PostFormValue("until"), "until")
	if err == nil {
		_, err = p.cfg.Records.Review(r.Context(), id, until)
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderRecord(w, r, s, id, "", err)
	}
	return p.renderRecord(w, r, s, id, "Reviewed: the record is kept until its new review date.", nil)
}

func (p *Portal) recordShare(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	purpose, err := policy.ParsePurpose(r.PostFormValue("purpose"))
	if err == nil {
		err = p.cfg.Sharing.Share(r.Context(), id, r.PostFormValue("partner"), purpose)
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderRecord(w, r, s, id, "", err)
	}
	return p.renderRecord(w, r, s, id, "A copy is on its way to "+r.PostFormValue("partner")+"; the holder shows acknowledged once its node has stored it.", nil)
}

// recordForm is the create form: the record, its envelope, and either a
// person entered in fields or entities as FtM JSON lines.
type recordForm struct {
	Title, Narrative, Assessment, CaseRef                      string
	Handling                                                   []string
	Restrictions, TLP, TLPRecipients, Source, Info, Purpose    string
	PurposeDetail, LegalBasis, ReviewDate                      string
	PersonName, PersonBirth, PersonNationality, PersonPassport string
	Category, Entities                                         string
	Purposes                                                   []policy.Purpose
}

func (p *Portal) recordNewPage(w http.ResponseWriter, r *http.Request, s *session) error {
	f := recordForm{CaseRef: s.state.CaseRef, Handling: []string{"H0"}, TLP: "TLP:AMBER", Source: "B", Info: "2",
		Purpose: string(policy.PurposeCriminalInvestigation), Category: string(policy.CategorySuspect)}
	return p.renderRecordForm(w, r, s, http.StatusOK, f, nil)
}

func (p *Portal) renderRecordForm(w http.ResponseWriter, r *http.Request, s *session, status int, f recordForm, failure error) error {
	f.Purposes = policy.Purposes
	pg := s.page("Create a record", "records", f)
	if failure != nil {
		pg.Error, pg.Field = errs.PublicMessage(failure), errs.FieldOf(failure)
	}
	p.render(w, r, status, "record_new", pg, "")
	return nil
}

func (p *Portal) recordCreate(w http.ResponseWriter, r *http.Request, s *session) error {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := recordForm{Title: v("title"), Narrative: v("narrative"), Assessment: v("assessment"), CaseRef: v("case"),
		Handling: r.PostForm["handling"], Restrictions: v("restrictions"), TLP: v("tlp"), TLPRecipients: v("tlpRecipients"),
		Source: v("source"), Info: v("info"), Purpose: v("purpose"), PurposeDetail: v("purposeDetail"), LegalBasis: v("legalBasis"),
		ReviewDate: v("reviewDate"), PersonName: v("personName"), PersonBirth: v("personBirth"), PersonNationality: v("personNationality"),
		PersonPassport: v("personPassport"), Category: v("category"), Entities: r.PostFormValue("entities")}
	d, err := draftOf(f)
	if err == nil {
		var rec *record.Record
		if rec, err = p.cfg.Records.Create(r.Context(), d); err == nil {
			http.Redirect(w, r, "/records/"+rec.ID, http.StatusSeeOther)
			return nil
		}
	}
	if !userError(err) {
		return err
	}
	return p.renderRecordForm(w, r, s, formStatus, f, err)
}

// draftOf builds the record draft as JSON and decodes it with the record
// package's own decoder, so that the portal validates exactly like the API.
func draftOf(f recordForm) (record.Draft, error) {
	env := map[string]any{"handling": f.Handling, "tlp": f.TLP, "sourceReliability": f.Source, "purpose": f.Purpose,
		"purposeDetail": f.PurposeDetail, "legalBasis": f.LegalBasis}
	if n, err := strconv.Atoi(f.Info); err == nil {
		env["informationReliability"] = n
	} else {
		return record.Draft{}, errs.E(errs.Invalid, "envelope.informationReliability", "choose the information evaluation, 1 to 4")
	}
	if f.Restrictions != "" {
		env["restrictions"] = map[string]any{"text": f.Restrictions}
	}
	if f.TLPRecipients != "" {
		env["tlpRecipients"] = splitList(f.TLPRecipients)
	}
	if f.ReviewDate != "" {
		t, err := formDate(f.ReviewDate, "envelope.reviewDate")
		if err != nil {
			return record.Draft{}, err
		}
		env["reviewDate"] = t
	}
	var entities []json.RawMessage
	subjects := map[string]string{}
	if f.PersonName != "" {
		props := map[string][]string{"name": {f.PersonName}}
		if f.PersonBirth != "" {
			props["birthDate"] = []string{f.PersonBirth}
		}
		if f.PersonNationality != "" {
			props["nationality"] = []string{f.PersonNationality}
		}
		if f.PersonPassport != "" {
			props["passportNumber"] = []string{f.PersonPassport}
		}
		b, _ := json.Marshal(map[string]any{"id": "person-1", "schema": "Person", "properties": props})
		entities = append(entities, b)
		subjects["person-1"] = f.Category
	}
	for i, line := range strings.Split(f.Entities, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !json.Valid([]byte(line)) {
			return record.Draft{}, errs.E(errs.Invalid, "entities", "line "+strconv.Itoa(i+1)+" of the entities is not JSON: one FtM entity per line")
		}
		var head struct {
			ID     string `json:"id"`
			Schema string `json:"schema"`
		}
		json.Unmarshal([]byte(line), &head)
		if s, ok := ftm.LookupSchema(head.Schema); ok && s.IsA("Person") && head.ID != "" {
			subjects[head.ID] = f.Category
		}
		entities = append(entities, json.RawMessage(line))
	}
	doc := map[string]any{"title": f.Title, "narrative": f.Narrative, "assessment": f.Assessment, "caseRef": f.CaseRef,
		"entities": entities, "envelope": env}
	if len(subjects) > 0 {
		doc["dataSubjects"] = subjects
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return record.Draft{}, err
	}
	d, _, err := record.DecodeDraft(raw, record.Limits{}, false)
	return d, err
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		out = append(out, strings.TrimSpace(v))
	}
	return out
}

type importData struct {
	Form    recordForm
	GroupBy string
	Summary *record.ImportSummary
}

func (p *Portal) importPage(w http.ResponseWriter, r *http.Request, s *session) error {
	f := recordForm{CaseRef: s.state.CaseRef, Handling: []string{"H0"}, TLP: "TLP:AMBER", Source: "B", Info: "2",
		Purpose: string(policy.PurposeCriminalInvestigation), Category: string(policy.CategorySuspect), Purposes: policy.Purposes}
	p.render(w, r, http.StatusOK, "record_import", s.page("Import records", "records", importData{Form: f}), "")
	return nil
}

// recordImport imports an uploaded FtM JSON lines file under one envelope.
func (p *Portal) recordImport(w http.ResponseWriter, r *http.Request, s *session) error {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := recordForm{Title: v("title"), CaseRef: v("case"), Handling: r.PostForm["handling"], Restrictions: v("restrictions"),
		TLP: v("tlp"), TLPRecipients: v("tlpRecipients"), Source: v("source"), Info: v("info"), Purpose: v("purpose"),
		LegalBasis: v("legalBasis"), ReviewDate: v("reviewDate"), Category: v("category"), Purposes: policy.Purposes}
	d := importData{Form: f, GroupBy: v("groupBy")}
	pg := s.page("Import records", "records", &d)
	fail := func(err error) error {
		if !userError(err) {
			return err
		}
		pg.Error, pg.Field = errs.PublicMessage(err), errs.FieldOf(err)
		p.render(w, r, formStatus, "record_import", pg, "")
		return nil
	}
	draft, err := draftOf(f) // validates the envelope fields the same way
	if err != nil {
		return fail(err)
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		return fail(errs.E(errs.Invalid, "file", "choose a file of FtM JSON lines"))
	}
	defer file.Close()
	opts := record.ImportOptions{Envelope: draft.Envelope, GroupBy: d.GroupBy, Category: policy.DataSubjectCategory(f.Category),
		Title: f.Title, CaseRef: f.CaseRef}
	sum, err := p.cfg.Records.Import(r.Context(), file, opts, nil)
	if err != nil {
		return fail(err)
	}
	d.Summary = sum
	pg.Flash = "Import finished: " + strconv.Itoa(sum.Records) + " record(s), " + strconv.Itoa(sum.Entities) + " entities, " + strconv.Itoa(sum.Rejected) + " rejected."
	p.render(w, r, http.StatusOK, "record_import", pg, "")
	return nil
}
