package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
)

type noticesData struct {
	Heading  string
	Notices  []notice.Notice
	CanDraft bool
	Review   bool
}

func (p *Portal) noticesPage(w http.ResponseWriter, r *http.Request, s *session) error {
	ns, err := p.cfg.Notices.ListNotices(r.Context(), NoticeFilter{Limit: listLimit})
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "notices", s.page("Notices", "notices",
		noticesData{Heading: "Notices and diffusions", Notices: ns, CanDraft: p.can(s.principal, "GET /notices/new")}), "")
	return nil
}

func (p *Portal) reviewQueue(w http.ResponseWriter, r *http.Request, s *session) error {
	ns, err := p.cfg.Notices.ListNotices(r.Context(), NoticeFilter{States: []notice.State{notice.InReview, notice.Published, notice.Updated}, Limit: listLimit})
	if err != nil {
		return err
	}
	// Notices waiting for review, and diffusions circulated without one.
	queue := slices.DeleteFunc(ns, func(n notice.Notice) bool { return !n.AwaitingReview() })
	p.render(w, r, http.StatusOK, "notices", s.page("Review queue", "review",
		noticesData{Heading: "Review queue", Notices: queue, Review: true}), "")
	return nil
}

type noticeData struct {
	Notice    *notice.Notice
	CanSubmit bool
	CanDecide bool
	Blocking  []notice.Flag
	Warnings  []notice.Flag
}

func (p *Portal) noticePage(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.renderNotice(w, r, s, r.PathValue("id"), "", nil)
}

func (p *Portal) renderNotice(w http.ResponseWriter, r *http.Request, s *session, id, flash string, failure error) error {
	n, err := p.cfg.Notices.GetNotice(r.Context(), id)
	if err != nil {
		return err
	}
	d := noticeData{Notice: n,
		CanSubmit: p.can(s.principal, "POST /notices/{id}/submit") && n.Originator == s.principal.Agency && (n.State == notice.Draft || n.State == ""),
		CanDecide: p.can(s.principal, "POST /notices/{id}/decide") && n.AwaitingReview()}
	for _, f := range n.Flags {
		if f.Severity == notice.Block {
			d.Blocking = append(d.Blocking, f)
		} else {
			d.Warnings = append(d.Warnings, f)
		}
	}
	title := strings.TrimSpace(n.Forename + " " + n.Name)
	if title == "" {
		title = "Notice " + n.ID
	}
	pg := s.page(title, "notices", d)
	pg.Flash = flash
	if failure != nil {
		pg.Error, pg.Field = errs.PublicMessage(failure), errs.FieldOf(failure)
	}
	p.render(w, r, http.StatusOK, "notice", pg, "")
	return nil
}

func (p *Portal) noticeSubmit(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	n, err := p.cfg.Notices.SubmitNotice(r.Context(), id)
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderNotice(w, r, s, id, "", err)
	}
	flash := "Submitted for review."
	if len(n.Flags) > 0 {
		flash += " Screening raised " + strconv.Itoa(len(n.Flags)) + " flag(s); the reviewer sees them with their explanations."
	}
	return p.renderNotice(w, r, s, id, flash, nil)
}

// noticeDecide records a reviewer's decision: approval must acknowledge
// every blocking flag and give reasons, which the notice service enforces.
func (p *Portal) noticeDecide(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	d := notice.Decision{Outcome: notice.Outcome(r.PostFormValue("outcome")), Reasons: strings.TrimSpace(r.PostFormValue("reasons")),
		Acknowledged: r.PostForm["ack"], ExtraditionWillBeSought: r.PostFormValue("extradition") == "on"}
	n, err := p.cfg.Notices.DecideNotice(r.Context(), id, d)
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderNotice(w, r, s, id, "", err)
	}
	return p.renderNotice(w, r, s, id, "Decision recorded: the notice is now "+string(n.State)+".", nil)
}

// noticeForm is the drafting form.
type noticeForm struct {
	Type, Name, Forename, DateOfBirth, Sex, Nationalities, PlaceOfBirth, CountryOfBirth string
	Marks, Category, ChargeCountry, ChargeText, ChargeTranslation, MaxPenalty           string
	Facts, Contact, Scope, Agencies                                                     string
	Diffusion, Extradition, Refugee                                                     bool
	Types                                                                               []notice.Type
}

func (p *Portal) noticeNewPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.renderNoticeForm(w, r, s, http.StatusOK, noticeForm{Type: string(notice.Red), Category: string(notice.Suspect), Scope: string(notice.ScopeAll)}, nil)
}

func (p *Portal) renderNoticeForm(w http.ResponseWriter, r *http.Request, s *session, status int, f noticeForm, failure error) error {
	f.Types = notice.Types
	pg := s.page("Draft a notice", "notices", f)
	if failure != nil {
		pg.Error, pg.Field = errs.PublicMessage(failure), errs.FieldOf(failure)
	}
	p.render(w, r, status, "notice_new", pg, "")
	return nil
}

func (p *Portal) noticeCreate(w http.ResponseWriter, r *http.Request, s *session) error {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := noticeForm{Type: v("type"), Name: v("name"), Forename: v("forename"), DateOfBirth: v("dob"), Sex: v("sex"),
		Nationalities: v("nationalities"), PlaceOfBirth: v("placeOfBirth"), CountryOfBirth: v("countryOfBirth"), Marks: v("marks"),
		Category: v("category"), ChargeCountry: v("chargeCountry"), ChargeText: v("chargeText"), ChargeTranslation: v("chargeTranslation"),
		MaxPenalty: v("maxPenalty"), Facts: v("facts"), Contact: v("contact"), Scope: v("scope"), Agencies: v("agencies"),
		Diffusion: v("diffusion") == "on", Extradition: v("extradition") == "on", Refugee: v("refugee") == "on"}
	n, err := noticeOf(f, s.principal.Agency)
	if err == nil {
		var created *notice.Notice
		if created, err = p.cfg.Notices.CreateNotice(r.Context(), n); err == nil {
			http.Redirect(w, r, "/notices/"+created.ID, http.StatusSeeOther)
			return nil
		}
	}
	if !userError(err) {
		return err
	}
	return p.renderNoticeForm(w, r, s, formStatus, f, err)
}

// noticeOf turns the form into a notice; the service validates it.
func noticeOf(f noticeForm, agency string) (notice.Notice, error) {
	n := notice.Notice{Type: notice.Type(f.Type), Diffusion: f.Diffusion, Name: f.Name, Forename: f.Forename, Sex: notice.Sex(f.Sex),
		PlaceOfBirth: f.PlaceOfBirth, CountryOfBirth: strings.ToUpper(f.CountryOfBirth), DistinguishingMarks: f.Marks,
		Category: notice.Category(f.Category), RefugeeStatus: f.Refugee, Facts: f.Facts, ExtraditionWillBeSought: f.Extradition,
		Originator: agency, Contact: f.Contact,
		Distribution: notice.Distribution{Scope: notice.Scope(f.Scope)}}
	if f.DateOfBirth != "" {
		d, err := notice.ParsePartialDate(f.DateOfBirth)
		if err != nil {
			return n, err
		}
		n.DateOfBirth = d
	}
	for _, c := range splitList(f.Nationalities) {
		n.Nationalities = append(n.Nationalities, strings.ToUpper(c))
	}
	if n.Distribution.Scope == notice.ScopeAgencies {
		n.Distribution.Agencies = splitList(f.Agencies)
	}
	if f.ChargeText != "" {
		c := notice.Charge{IssuingCountry: strings.ToUpper(f.ChargeCountry), Text: f.ChargeText, Translation: f.ChargeTranslation}
		if f.MaxPenalty != "" {
			months, err := strconv.Atoi(f.MaxPenalty)
			if err != nil || months < 0 {
				return n, errs.E(errs.Invalid, "charges[0].maxPenaltyMonths", "the maximum penalty is a number of months")
			}
			c.MaxPenaltyMonths = months
		}
		n.Charges = []notice.Charge{c}
	}
	return n, nil
}
