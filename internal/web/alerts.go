package web

import (
	"net/http"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/noticesvc"
)

type alertsData struct {
	Alerts   []*noticesvc.Alert
	More     bool
	CanWrite bool
	Form     noticesvc.AlertInput
	Share    bool // distribute to every partner
	DocTypes []notice.DocumentType
}

func (p *Portal) alertsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.renderAlerts(w, r, s, &alertsData{Form: noticesvc.AlertInput{Kind: notice.TravelDocument, Status: notice.Stolen, DocumentType: notice.Passport}, Share: true}, "", nil)
}

func (p *Portal) renderAlerts(w http.ResponseWriter, r *http.Request, s *session, d *alertsData, flash string, failure error) error {
	as, next, err := p.cfg.Alerts.ListAlerts(r.Context(), noticesvc.AlertFilter{State: noticesvc.AlertActive, Limit: listLimit})
	if err != nil {
		return err
	}
	d.Alerts, d.More, d.DocTypes = as, next != "", notice.DocumentTypes
	d.CanWrite = p.can(s.principal, "POST /alerts")
	pg := s.page("Alerts", "alerts", d)
	pg.Flash = flash
	if failure != nil {
		pg.Error, pg.Field = errs.PublicMessage(failure), errs.FieldOf(failure)
	}
	p.render(w, r, http.StatusOK, "alerts", pg, "")
	return nil
}

// alertCreate stores an alert; with "all partners" it goes to every
// partner at once (alerts need no compliance review).
func (p *Portal) alertCreate(w http.ResponseWriter, r *http.Request, s *session) error {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	in := noticesvc.AlertInput{Kind: notice.AlertKind(v("kind")), Status: notice.AlertStatus(v("status")),
		DocumentNumber: v("documentNumber"), DocumentType: notice.DocumentType(v("documentType")), Country: strings.ToUpper(v("country")),
		Plate: v("plate"), VIN: v("vin"), Description: v("description"), Contact: v("contact"), Reference: v("reference")}
	d := &alertsData{Form: in, Share: v("share") == "on"}
	if in.Kind != notice.TravelDocument {
		in.DocumentType = ""
	}
	if d.Share {
		in.Distribution = noticesvc.Distribution{Scope: notice.ScopeAll}
	}
	a, err := p.cfg.Alerts.CreateAlert(r.Context(), in)
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderAlerts(w, r, s, d, "", err)
	}
	return p.renderAlerts(w, r, s, &alertsData{Form: noticesvc.AlertInput{Kind: a.Kind, Status: a.Status, DocumentType: notice.Passport}, Share: d.Share},
		"Alert "+a.Reference+" is in force: border checks on this node hit it now.", nil)
}

func (p *Portal) alertCancel(w http.ResponseWriter, r *http.Request, s *session) error {
	a, err := p.cfg.Alerts.CancelAlert(r.Context(), r.PathValue("id"), strings.TrimSpace(r.PostFormValue("reason")))
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderAlerts(w, r, s, &alertsData{}, "", err)
	}
	return p.renderAlerts(w, r, s, &alertsData{Form: noticesvc.AlertInput{Kind: notice.TravelDocument, Status: notice.Stolen, DocumentType: notice.Passport}, Share: true},
		"Alert "+a.Reference+" cancelled.", nil)
}
