package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice/lookup"
)

type borderData struct {
	Kind    string // document, vehicle or person
	Country string // kept between lookups: a border post checks many of the same country
	Checked bool
	Hit     *lookup.Hit
	Persons []lookup.PersonHit
	Took    time.Duration
}

func (p *Portal) borderPage(w http.ResponseWriter, r *http.Request, s *session) error {
	p.render(w, r, http.StatusOK, "border", s.page("Border check", "border", &borderData{Kind: "document"}), "")
	return nil
}

// borderLookup checks one document, vehicle or person. The answer is
// meant to be read at a glance: a plain "no hit", or the hit with what to
// do and whom to call. The looked-up value is not echoed into the page.
func (p *Portal) borderLookup(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	d := &borderData{Kind: r.PostFormValue("kind"), Country: strings.ToUpper(strings.TrimSpace(r.PostFormValue("country")))}
	start := time.Now()
	var (
		hit lookup.Hit
		ok  bool
		err error
	)
	switch d.Kind {
	case "document":
		hit, ok, err = p.cfg.Border.LookupDocument(ctx, r.PostFormValue("number"), d.Country)
	case "vehicle":
		if vin := strings.TrimSpace(r.PostFormValue("vin")); vin != "" {
			hit, ok, err = p.cfg.Border.LookupVIN(ctx, vin)
		} else {
			hit, ok, err = p.cfg.Border.LookupPlate(ctx, r.PostFormValue("plate"), d.Country)
		}
	case "person":
		d.Persons, err = p.cfg.Border.LookupPerson(ctx, r.PostFormValue("name"), r.PostFormValue("dob"))
	default:
		err = errs.E(errs.Invalid, "kind", "choose document, vehicle or person")
	}
	d.Took = time.Since(start)
	pg := s.page("Border check", "border", d)
	if err != nil {
		if !userError(err) {
			return err
		}
		pg.Error, pg.Field = errs.PublicMessage(err), errs.FieldOf(err)
		p.render(w, r, formStatus, "border", pg, "")
		return nil
	}
	d.Checked = true
	if ok {
		d.Hit = &hit
	}
	p.render(w, r, http.StatusOK, "border", pg, "")
	return nil
}
