package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/matchsvc"
	"github.com/liaison-project/liaison/internal/policy"
)

// typeOption is a query type as the form offers it.
type typeOption struct{ Value, Label string }

// typeLabels name the query types for officers; a type without a label is
// shown by its name.
var typeLabels = map[string]string{
	"passport": "Passport number", "id": "Identity document number", "phone": "Phone number", "email": "E-mail address",
	"iban": "Bank account (IBAN)", "wallet": "Crypto wallet address", "plate": "Vehicle plate", "vin": "Vehicle identification number (VIN)",
	matchsvc.TypePerson: "Person (name and birth date)",
}

// keyLabels say what each person match key compares.
var keyLabels = map[string]string{
	"name-dob":      "name (any script) + birth date",
	"tokens-dob":    "name words in any order + birth date",
	"phonetic-year": "name as it sounds + birth year",
}

func label(labels map[string]string, name string) string {
	if l, ok := labels[name]; ok {
		return l
	}
	return name
}

type matchForm struct {
	Type, Purpose, Country string
	To                     []string
}

// matchRow is one line of the results: a value (or person match key) at
// one partner, or a partner that could not answer at all.
type matchRow struct {
	Partner string
	First   bool // the partner's first row: it names the partner
	Span    int  // rows of the partner
	What    string
	matchsvc.ValueResult
}

type matchData struct {
	Types    []typeOption
	Partners []federation.Partner
	Purposes []policy.Purpose
	Form     matchForm
	Ran      bool
	Result   *matchsvc.QueryResult
	Rows     []matchRow
	Hits     int // partners with a hit
	// FollowUpReady is set when the officer's case has both a reference
	// and a justification text, which a follow-up sends to the holder.
	FollowUpReady bool
	Deadline      time.Duration
}

func (p *Portal) matchPage(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := p.matchData(r, s)
	if err != nil {
		return err
	}
	d.Form.Purpose = string(policy.PurposeCriminalInvestigation)
	p.render(w, r, http.StatusOK, "match", s.page("Hit/no-hit query", "match", d), "")
	return nil
}

func (p *Portal) matchData(r *http.Request, s *session) (*matchData, error) {
	d := &matchData{Deadline: matchsvc.DefaultFollowUpDeadline}
	for _, pu := range policy.Purposes {
		if pu != policy.PurposeTraining { // exercises never query real partners
			d.Purposes = append(d.Purposes, pu)
		}
	}
	for _, t := range p.cfg.Matching.Types() {
		d.Types = append(d.Types, typeOption{Value: t, Label: label(typeLabels, t)})
	}
	j := s.state.justification()
	d.FollowUpReady = j.CaseRef != "" && strings.TrimSpace(j.Text) != ""
	if p.cfg.Partners != nil {
		ps, err := p.cfg.Partners.ListPartners(r.Context(), false)
		if err != nil {
			return nil, err
		}
		d.Partners = ps
	}
	return d, nil
}

// matchQuery runs one query. The identifier, name and birth date are
// posted, never put in a URL, and are not echoed back into the page: the
// form comes back empty.
func (p *Portal) matchQuery(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := p.matchData(r, s)
	if err != nil {
		return err
	}
	d.Form = matchForm{Type: r.PostFormValue("type"), Purpose: r.PostFormValue("purpose"),
		Country: strings.ToUpper(strings.TrimSpace(r.PostFormValue("country"))), To: r.PostForm["to"]}
	pg := s.page("Hit/no-hit query", "match", d)
	req := matchsvc.QueryRequest{Type: d.Form.Type, Partners: d.Form.To, Purpose: d.Form.Purpose}
	if d.Form.Type == matchsvc.TypePerson {
		req.Name, req.BirthDate = strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("birthDate"))
		if req.Name == "" {
			err = errs.E(errs.Invalid, "name", "enter the person's name, in any script")
		}
	} else {
		value := strings.TrimSpace(r.PostFormValue("value"))
		req.Values, req.Country = []string{value}, d.Form.Country
		if value == "" {
			err = errs.E(errs.Invalid, "value", "enter the identifier to check")
		}
	}
	if err == nil {
		d.Result, err = p.cfg.Matching.Query(r.Context(), req)
	}
	if err != nil {
		if !userError(err) && errs.KindOf(err) != errs.RateLimited {
			return err
		}
		pg.Error, pg.Field = errs.PublicMessage(err), formField(errs.FieldOf(err))
		p.render(w, r, formStatus, "match", pg, "")
		return nil
	}
	d.Ran = true
	d.Rows, d.Hits = matchRows(d.Result)
	p.render(w, r, http.StatusOK, "match", pg, "")
	return nil
}

// formField maps a service's field path to the input of the query form.
func formField(f string) string {
	switch {
	case strings.HasPrefix(f, "values"):
		return "value"
	case f == "person":
		return "name"
	}
	return f
}

// matchRows flattens a result into table rows, partner by partner, and
// counts the partners with a hit.
func matchRows(res *matchsvc.QueryResult) ([]matchRow, int) {
	var rows []matchRow
	hits := 0
	for _, pr := range res.Partners {
		if pr.Status == matchsvc.StatusHit {
			hits++
		}
		if len(pr.Results) == 0 {
			rows = append(rows, matchRow{Partner: pr.Partner, First: true, Span: 1,
				ValueResult: matchsvc.ValueResult{Status: pr.Status, Reason: pr.Reason}})
			continue
		}
		for i, v := range pr.Results {
			what := label(typeLabels, res.Type)
			if v.Key != "" {
				what = label(keyLabels, v.Key)
			}
			rows = append(rows, matchRow{Partner: pr.Partner, First: i == 0, Span: len(pr.Results), What: what, ValueResult: v})
		}
	}
	return rows, hits
}

// followUpSend sends the holder of a hit the structured follow-up, with
// the case and justification of the officer's session, and shows it among
// the follow-ups sent.
func (p *Portal) followUpSend(w http.ResponseWriter, r *http.Request, s *session) error {
	sent, err := p.cfg.Matching.FollowUp(r.Context(), r.PathValue("id"), matchsvc.FollowUpRequest{})
	if err != nil {
		if !userError(err) {
			return err
		}
		d, derr := p.matchData(r, s)
		if derr != nil {
			return derr
		}
		d.Form.Purpose = string(policy.PurposeCriminalInvestigation)
		pg := s.page("Hit/no-hit query", "match", d)
		pg.Error = "The follow-up was not sent: " + errs.PublicMessage(err)
		p.render(w, r, formStatus, "match", pg, "")
		return nil
	}
	http.Redirect(w, r, "/follow-ups?sent="+url.QueryEscape(sent.HitID), http.StatusSeeOther)
	return nil
}

// followUpListLimit bounds the follow-ups a page lists.
const followUpListLimit = 200

// sentFollowUp is a follow-up this node sent, with the delivery of its
// message when messaging is available.
type sentFollowUp struct {
	matchsvc.FollowUpSent
	Delivery   *federation.Delivery
	ExpectedBy time.Time
}

type followUpsData struct {
	ShowReceived bool
	CanAnswer    bool
	CanMessage   bool
	Open         []matchsvc.FollowUp // received, waiting for an answer, soonest due first
	Answered     []matchsvc.FollowUp
	Sent         []sentFollowUp
	Outcomes     []string
	Deadline     time.Duration
}

// followUpOutcomes are the answers a SPOC gives, as matchsvc takes them.
var followUpOutcomes = []string{"shared", "declined", "no-record"}

func (p *Portal) followUpsPage(w http.ResponseWriter, r *http.Request, s *session) error {
	flash := ""
	q := r.URL.Query()
	if id := q.Get("sent"); id != "" {
		flash = "Follow-up sent. The holder's SPOC has " + hours(matchsvc.DefaultFollowUpDeadline) + " to answer; records come through the normal channels."
	} else if id := q.Get("answered"); id != "" {
		flash = "Answer recorded."
	}
	return p.renderFollowUps(w, r, s, flash, nil)
}

func (p *Portal) renderFollowUps(w http.ResponseWriter, r *http.Request, s *session, flash string, failure error) error {
	ctx := r.Context()
	d := &followUpsData{Outcomes: followUpOutcomes, Deadline: matchsvc.DefaultFollowUpDeadline,
		ShowReceived: s.principal.Is(followUpAnswerRoles...), CanAnswer: p.can(s.principal, "POST /follow-ups/{id}/answer"),
		CanMessage: p.can(s.principal, "GET /messages/new")}
	if d.ShowReceived {
		all, err := p.cfg.Matching.ReceivedFollowUps(ctx, followUpListLimit)
		if err != nil {
			return err
		}
		d.Open, d.Answered = splitFollowUps(all)
	}
	sent, err := p.cfg.Matching.SentFollowUps(ctx, followUpListLimit)
	if err != nil {
		return err
	}
	for _, f := range sent {
		v := sentFollowUp{FollowUpSent: f, ExpectedBy: f.SentAt.Add(matchsvc.DefaultFollowUpDeadline)}
		if p.cfg.Messages != nil && f.MessageID != "" {
			ds, err := p.cfg.Messages.Deliveries(ctx, f.MessageID)
			if err != nil && !errs.Is(err, errs.NotExist) {
				return err
			}
			for i := range ds {
				if ds[i].Partner == f.Partner {
					v.Delivery = &ds[i]
				}
			}
		}
		d.Sent = append(d.Sent, v)
	}
	pg := s.page("Hit follow-ups", "follow-ups", d)
	pg.Flash = flash
	status := http.StatusOK
	if failure != nil {
		pg.Error, pg.Field, status = errs.PublicMessage(failure), errs.FieldOf(failure), formStatus
	}
	p.render(w, r, status, "follow_ups", pg, "")
	return nil
}

// splitFollowUps separates the received follow-ups still to answer, the
// soonest due first, from the answered ones, newest first.
func splitFollowUps(all []matchsvc.FollowUp) (open, answered []matchsvc.FollowUp) {
	for _, f := range all {
		if f.State == "answered" {
			answered = append(answered, f)
		} else {
			open = append(open, f)
		}
	}
	slices.SortStableFunc(open, func(a, b matchsvc.FollowUp) int { return a.DueAt.Compare(b.DueAt) })
	return open, answered
}

// followUpAnswer records the SPOC's answer to a received follow-up.
func (p *Portal) followUpAnswer(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("id")
	err := p.cfg.Matching.Answer(r.Context(), id, matchsvc.AnswerRequest{Outcome: r.PostFormValue("outcome"),
		Note: strings.TrimSpace(r.PostFormValue("note"))})
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderFollowUps(w, r, s, "", err)
	}
	http.Redirect(w, r, "/follow-ups?answered="+url.QueryEscape(id), http.StatusSeeOther)
	return nil
}

// hours writes a deadline such as "48 hours".
func hours(d time.Duration) string {
	return strconv.Itoa(int(d.Hours())) + " hours"
}

// dueFollowUps are the received follow-ups still to answer, as dashboard
// deadlines.
func dueFollowUps(all []matchsvc.FollowUp) []deadline {
	open, _ := splitFollowUps(all)
	out := make([]deadline, 0, len(open))
	for _, f := range open {
		out = append(out, deadline{What: "Answer " + f.Partner + "'s hit follow-up (" + label(typeLabels, f.Type) + ", case " + f.CaseRef + ")",
			Link: "/follow-ups#fu-" + f.ID, Due: f.DueAt, Verb: "due", Overdue: f.Due == "overdue"})
	}
	return out
}
