package web

import (
	"net/http"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
)

type partnerCard struct {
	federation.Partner
	Status *federation.PartnerStatus
}

type partnersData struct {
	Cards []partnerCard
	Own   *federation.OwnCard
}

func (p *Portal) partnersPage(w http.ResponseWriter, r *http.Request, s *session) error {
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
	d := partnersData{}
	for _, pa := range ps {
		d.Cards = append(d.Cards, partnerCard{Partner: pa, Status: byAgency[pa.Agency]})
	}
	if own, err := p.cfg.Partners.OwnCard(ctx); err == nil {
		d.Own = &own
	} else if !errs.Is(err, errs.NotExist) {
		return err
	}
	p.render(w, r, http.StatusOK, "partners", s.page("Partner agencies", "partners", d), "")
	return nil
}
