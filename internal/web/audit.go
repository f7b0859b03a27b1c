package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/witness"
)

type auditData struct {
	Kinds      []audit.Kind
	Form       auditForm
	Searched   bool
	Entries    []audit.Entry
	More       bool
	NextBefore uint64
	Report     *audit.Report
	Checkpoint *audit.CheckpointInfo

	// Witnesses are the partners witnessing this node's log (and whose
	// logs it witnesses); WitnessAlerts the split views detected.
	ShowWitness   bool
	Witnesses     []witness.Partner
	WitnessAlerts []witness.Alert
}

// withWitness adds the witness state to the audit page.
func (p *Portal) withWitness(r *http.Request, d *auditData) error {
	if p.cfg.Witness == nil {
		return nil
	}
	var err error
	d.ShowWitness = true
	if d.Witnesses, err = p.cfg.Witness.Partners(r.Context()); err != nil {
		return err
	}
	d.WitnessAlerts, err = p.cfg.Witness.Alerts(r.Context())
	return err
}

// auditForm is the search form; the filters are ids, never personal data,
// but the search is a POST like every other search of the portal.
type auditForm struct {
	Actor, Agency, Kind, Object, Case, From, To string
	Before                                      uint64
}

const auditPageSize = 50

func (p *Portal) auditPage(w http.ResponseWriter, r *http.Request, s *session) error {
	d := &auditData{Kinds: audit.Kinds}
	cp, err := p.cfg.Audit.Checkpoint(r.Context())
	if err != nil && !errs.Is(err, errs.NotExist) {
		return err
	}
	d.Checkpoint = cp
	if err := p.withWitness(r, d); err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "audit", s.page("Audit log", "audit", d), "")
	return nil
}

func (p *Portal) auditSearch(w http.ResponseWriter, r *http.Request, s *session) error {
	d := &auditData{Kinds: audit.Kinds, Searched: true}
	f := auditForm{Actor: strings.TrimSpace(r.PostFormValue("actor")), Agency: strings.TrimSpace(r.PostFormValue("agency")),
		Kind: r.PostFormValue("kind"), Object: strings.TrimSpace(r.PostFormValue("object")), Case: strings.TrimSpace(r.PostFormValue("case")),
		From: r.PostFormValue("from"), To: r.PostFormValue("to")}
	f.Before, _ = strconv.ParseUint(r.PostFormValue("before"), 10, 63)
	d.Form = f
	filter := audit.Filter{ActorID: f.Actor, Agency: f.Agency, Kind: audit.Kind(f.Kind), ObjectID: f.Object, CaseRef: f.Case}
	var err error
	if filter.From, err = formDate(f.From, "from"); err == nil {
		filter.To, err = formDate(f.To, "to")
	}
	if err == nil {
		d.Entries, err = p.cfg.Audit.Search(r.Context(), filter, f.Before, auditPageSize+1)
	}
	pg := s.page("Audit log", "audit", d)
	if err != nil {
		if !userError(err) {
			return err
		}
		pg.Error, pg.Field = errs.PublicMessage(err), errs.FieldOf(err)
	}
	if len(d.Entries) > auditPageSize {
		d.Entries, d.More = d.Entries[:auditPageSize], true
		d.NextBefore = d.Entries[auditPageSize-1].Index
	}
	fragment := ""
	if r.Header.Get("HX-Request") == "true" && err == nil {
		fragment = "results"
	}
	p.render(w, r, http.StatusOK, "audit", pg, fragment)
	return nil
}

func (p *Portal) auditVerify(w http.ResponseWriter, r *http.Request, s *session) error {
	rep, err := p.cfg.Audit.Verify(r.Context())
	if err != nil {
		return err
	}
	d := &auditData{Kinds: audit.Kinds, Report: rep}
	d.Checkpoint, _ = p.cfg.Audit.Checkpoint(r.Context())
	if err := p.withWitness(r, d); err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "audit", s.page("Audit log", "audit", d), "")
	return nil
}

// auditExport streams the events of a date range with the signed
// checkpoint and inclusion proofs, for offline verification
// (liaison audit verify-export).
func (p *Portal) auditExport(w http.ResponseWriter, r *http.Request, s *session) error {
	from, err := formDate(r.PostFormValue("from"), "from")
	if err != nil {
		return err
	}
	to, err := formDate(r.PostFormValue("to"), "to")
	if err != nil {
		return err
	}
	name := fmt.Sprintf("audit-%s-%s.jsonl", p.cfg.Node.Agency, p.cfg.Now().UTC().Format("20060102T150405Z"))
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return p.cfg.Audit.Export(r.Context(), w, audit.ExportRange{From: from, To: to, Proofs: true})
}

// formDate parses a date input (YYYY-MM-DD, UTC midnight); empty is zero.
func formDate(v, field string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}, errs.E(errs.Invalid, field, "dates are YYYY-MM-DD")
	}
	return t, nil
}
