package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/matchsvc"
	"github.com/liaison-project/liaison/internal/witness"
)

type partnerCard struct {
	federation.Partner
	Status  *federation.PartnerStatus
	Witness *witness.Partner       // the partner as a witness of this node's audit log, and its log as this node saw it
	Table   *matchsvc.RemoteStatus // the partner's matching table this node holds
}

type partnersData struct {
	Cards         []partnerCard
	Own           *federation.OwnCard
	OwnJSON       string
	CanAdmin      bool
	ShowWitness   bool
	WitnessAlerts []witness.Alert
	ShowMatching  bool
	MatchAlerts   []matchsvc.Alert // partners' queries the holder's monitor found abnormal
	Form          struct{ Card, Fingerprint string }
}

// matchAlertLimit bounds the matching abuse alerts the partners page lists.
const matchAlertLimit = 20

// maxCardBytes bounds a pasted partner card.
const maxCardBytes = 64 << 10

func (p *Portal) partnersPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.renderPartners(w, r, s, &partnersData{}, "", nil)
}

func (p *Portal) renderPartners(w http.ResponseWriter, r *http.Request, s *session, d *partnersData, flash string, failure error) error {
	ctx := r.Context()
	ps, err := p.cfg.Partners.ListPartners(ctx, false)
	if err != nil {
		return err
	}
	st, err := p.cfg.Partners.Status(ctx)
	if err != nil {
		return err
	}
	byAgency := map[string]*federation.PartnerStatus{}
	for i := range st {
		byAgency[st[i].Agency] = &st[i]
	}
	witnesses := map[string]*witness.Partner{}
	if p.cfg.Witness != nil && s.principal.Is(witnessRoles...) {
		d.ShowWitness = true
		wps, err := p.cfg.Witness.Partners(ctx)
		if err != nil {
			return err
		}
		for i := range wps {
			witnesses[wps[i].Agency] = &wps[i]
		}
		if d.WitnessAlerts, err = p.cfg.Witness.Alerts(ctx); err != nil {
			return err
		}
	}
	tables := map[string]*matchsvc.RemoteStatus{}
	if p.cfg.Matching != nil && s.principal.Is(matchOversightRoles...) {
		d.ShowMatching = true
		ms, err := p.cfg.Matching.Status(ctx)
		if err != nil {
			return err
		}
		for i := range ms.Partners {
			tables[ms.Partners[i].Partner] = &ms.Partners[i]
		}
		if d.MatchAlerts, err = p.cfg.Matching.Alerts(ctx, matchAlertLimit); err != nil {
			return err
		}
	}
	for _, pa := range ps {
		d.Cards = append(d.Cards, partnerCard{Partner: pa, Status: byAgency[pa.Agency], Witness: witnesses[pa.Agency], Table: tables[pa.Agency]})
	}
	if own, err := p.cfg.Partners.OwnCard(ctx); err == nil {
		d.Own = &own
		if own.Card != nil {
			b, err := json.MarshalIndent(own.Card, "", "  ")
			if err != nil {
				return err
			}
			d.OwnJSON = string(b)
		}
	} else if !errs.Is(err, errs.NotExist) {
		return err
	}
	d.CanAdmin = p.can(s.principal, "POST /partners")
	pg := s.page("Partner agencies", "partners", d)
	pg.Flash = flash
	if failure != nil {
		pg.Error, pg.Field = errs.PublicMessage(failure), errs.FieldOf(failure)
	}
	p.render(w, r, http.StatusOK, "partners", pg, "")
	return nil
}

// partnerAdd accepts a partner's card after the administrator has read its
// fingerprint out of band (by telephone, in person).
func (p *Portal) partnerAdd(w http.ResponseWriter, r *http.Request, s *session) error {
	d := &partnersData{}
	d.Form.Card, d.Form.Fingerprint = strings.TrimSpace(r.PostFormValue("card")), strings.TrimSpace(r.PostFormValue("fingerprint"))
	var err error
	switch {
	case len(d.Form.Card) > maxCardBytes:
		err = errs.E(errs.TooLarge, "card", "a partner card is at most 64 KiB")
	case d.Form.Fingerprint == "":
		err = errs.E(errs.Invalid, "fingerprint", "read the fingerprint with the partner out of band and enter it")
	}
	var pa federation.Partner
	var what string
	if err == nil {
		pa, what, err = p.cfg.Partners.AddPartner(r.Context(), []byte(d.Form.Card), d.Form.Fingerprint)
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderPartners(w, r, s, d, "", err)
	}
	return p.renderPartners(w, r, s, &partnersData{}, "Partner "+pa.Agency+" "+what+".", nil)
}

func (p *Portal) partnerState(w http.ResponseWriter, r *http.Request, s *session) error {
	state := r.PostFormValue("state")
	if state != federation.StateActive && state != federation.StateSuspended {
		return errs.E(errs.Invalid, "state", "suspend or resume")
	}
	pa, err := p.cfg.Partners.SetPartnerState(r.Context(), r.PathValue("agency"), state)
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderPartners(w, r, s, &partnersData{}, "", err)
	}
	return p.renderPartners(w, r, s, &partnersData{}, "Partner "+pa.Agency+" is now "+pa.State+".", nil)
}
