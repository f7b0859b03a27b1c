package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/noticesvc"
)

type noticesData struct {
	Heading  string
	Notices  []noticesvc.Summary
	CanDraft bool
	Review   bool
}

func (p *Portal) noticesPage(w http.ResponseWriter, r *http.Request, s *session) error {
	ns, _, err := p.cfg.Notices.ListNotices(r.Context(), noticesvc.NoticeFilter{Limit: listLimit})
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "notices", s.page("Notices", "notices",
		noticesData{Heading: "Notices and diffusions", Notices: ns, CanDraft: p.can(s.principal, "GET /notices/new")}), "")
	return nil
}

// reviewQueue lists the notices waiting for review, and diffusions
// circulated before theirs.
func (p *Portal) reviewQueue(w http.ResponseWriter, r *http.Request, s *session) error {
	ns, _, err := p.cfg.Notices.ListNotices(r.Context(), noticesvc.NoticeFilter{AwaitingReview: true, Limit: listLimit})
	if err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "notices", s.page("Review queue", "review",
		noticesData{Heading: "Review queue", Notices: ns, Review: true}), "")
	return nil
}

type noticeData struct {
	Notice    *noticesvc.Notice
	CanSubmit bool
	CanDecide bool
	Blocking  []noticesvc.Flag
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
		CanSubmit: p.can(s.principal, "POST /notices/{id}/submit") && n.Originator == s.principal.Agency && n.State == notice.Draft,
		CanDecide: p.can(s.principal, "POST /notices/{id}/decide") && n.AwaitingReview}
	for _, f := range n.Flags {
		if f.Severity == notice.Block {
			d.Blocking = append(d.Blocking, f)
		}
	}
	title := strings.TrimSpace(n.Subject.Forename + " " + n.Subject.Name)
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
	req := noticesvc.DecisionRequest{Outcome: notice.Outcome(r.PostFormValue("outcome")), Reasons: strings.TrimSpace(r.PostFormValue("reasons")),
		Acknowledged: r.PostForm["ack"], ExtraditionWillBeSought: r.PostFormValue("extradition") == "on"}
	n, err := p.cfg.Notices.DecideNotice(r.Context(), id, req)
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
	d, err := draftOfNotice(f)
	if err == nil {
		var created *noticesvc.Notice
		if created, err = p.cfg.Notices.CreateNotice(r.Context(), d); err == nil {
			http.Redirect(w, r, "/notices/"+created.ID, http.StatusSeeOther)
			return nil
		}
	}
	if !userError(err) {
		return err
	}
	return p.renderNoticeForm(w, r, s, formStatus, f, err)
}

// draftOfNotice turns the form into a draft; the service validates it.
func draftOfNotice(f noticeForm) (noticesvc.Draft, error) {
	d := noticesvc.Draft{Type: notice.Type(f.Type), Diffusion: f.Diffusion,
		Subject: noticesvc.Subject{Name: f.Name, Forename: f.Forename, DateOfBirth: f.DateOfBirth, Sex: f.Sex,
			PlaceOfBirth: f.PlaceOfBirth, CountryOfBirth: strings.ToUpper(f.CountryOfBirth), DistinguishingMarks: f.Marks, RefugeeStatus: f.Refugee},
		Category: notice.Category(f.Category), Facts: f.Facts, ExtraditionWillBeSought: f.Extradition, Contact: f.Contact,
		Distribution: noticesvc.Distribution{Scope: notice.Scope(f.Scope)}}
	for _, c := range splitList(f.Nationalities) {
		d.Subject.Nationalities = append(d.Subject.Nationalities, strings.ToUpper(c))
	}
	if d.Distribution.Scope == notice.ScopeAgencies {
		d.Distribution.Agencies = splitList(f.Agencies)
	}
	if f.ChargeText != "" {
		c := noticesvc.Charge{IssuingCountry: strings.ToUpper(f.ChargeCountry), Text: f.ChargeText, Translation: f.ChargeTranslation}
		if f.MaxPenalty != "" {
			months, err := strconv.Atoi(f.MaxPenalty)
			if err != nil || months < 0 {
				return d, errs.E(errs.Invalid, "charges[0].maxPenaltyMonths", "the maximum penalty is a number of months")
			}
			c.MaxPenaltyMonths = months
		}
		d.Charges = []noticesvc.Charge{c}
	}
	return d, nil
}
