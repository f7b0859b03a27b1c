package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/noticesvc"
	"github.com/liaison-project/liaison/internal/witness"
)

// dashboardData holds the widgets of a role's dashboard; a nil or false
// field is a widget the role does not see.
type dashboardData struct {
	Greeting string

	ShowMessages bool
	Counts       federation.Counts
	Unread       []*federation.Message

	ShowReview      bool
	ReviewQueue     []noticesvc.Summary
	ReviewNeedsCase bool

	ShowDeadlines     bool
	DeadlinesNeedCase bool
	Deadlines         []deadline

	ShowRequests bool
	Requests     []disclosure.Request // holders' pending requests to pass H2 records onward

	WitnessAlerts []witness.Alert // split views: shown above everything else

	ShowPartners bool
	Partners     []federation.PartnerStatus

	ShowAudit  bool
	Checkpoint *audit.CheckpointInfo

	Actions  []action
	Problems []string // widgets that could not be loaded, said plainly
}

type deadline struct {
	What, Link string
	Verb       string // "expires", "due"
	Due        time.Time
	Overdue    bool
}

type action struct{ Label, Path string }

func (p *Portal) dashboard(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx := ctxWithCase(r.Context(), s)
	pr := s.principal
	d := dashboardData{Greeting: roleName(pr.Role)}
	problem := func(what string, err error) {
		p.log.WarnContext(ctx, "dashboard widget", "widget", what, "error", err.Error())
		d.Problems = append(d.Problems, what+": "+errs.PublicMessage(err))
	}
	if p.cfg.Messages != nil && pr.Is(messageRoles...) {
		d.ShowMessages = true
		var err error
		if d.Counts, err = p.cfg.Messages.MessageCounts(ctx); err != nil {
			problem("messages", err)
		} else if d.Unread, err = p.cfg.Messages.ListMessages(ctx, federation.MessageFilter{Box: "inbox", Unread: true, Limit: 8}); err != nil {
			problem("unread messages", err)
		}
	}
	if p.cfg.Notices != nil && pr.Is(reviewerRoles...) {
		d.ShowReview = true
		q, _, err := p.cfg.Notices.ListNotices(ctx, noticesvc.NoticeFilter{AwaitingReview: true, Limit: 20})
		switch {
		case errs.KindOf(err) == errs.Precondition:
			d.ReviewNeedsCase = true
		case err != nil:
			problem("review queue", err)
		default:
			d.ReviewQueue = q
		}
	}
	noticeDeadlines := p.cfg.Notices != nil && pr.Is(noticeSubmitRoles...)
	followUpDeadlines := p.cfg.Matching != nil && pr.Is(followUpAnswerRoles...)
	switch {
	case !noticeDeadlines && !followUpDeadlines:
	case s.state.justification().Empty():
		d.ShowDeadlines, d.DeadlinesNeedCase = true, true
	default:
		d.ShowDeadlines = true
		if noticeDeadlines {
			ns, _, err := p.cfg.Notices.ListNotices(ctx, noticesvc.NoticeFilter{ReassessmentDue: true, Limit: 50})
			if err != nil {
				problem("notice deadlines", err)
			}
			for _, n := range ns {
				d.Deadlines = append(d.Deadlines, deadline{What: "Reassess " + string(n.Type) + " notice " + n.ID, Link: "/notices/" + n.ID,
					Verb: "expires", Due: n.ExpiresAt})
			}
		}
		if followUpDeadlines {
			fs, err := p.cfg.Matching.ReceivedFollowUps(ctx, followUpListLimit)
			if err != nil {
				problem("hit follow-ups", err)
			}
			d.Deadlines = append(d.Deadlines, dueFollowUps(fs)...)
		}
		slices.SortFunc(d.Deadlines, func(a, b deadline) int { return a.Due.Compare(b.Due) })
	}
	if p.cfg.Sharing != nil && pr.Is(shareAnswerRoles...) {
		d.ShowRequests = true
		rs, err := p.cfg.Sharing.Requests(ctx, disclosure.RequestFilter{Direction: disclosure.DirectionIn, State: disclosure.StatePending, Limit: 20})
		if err != nil {
			problem("permission requests", err)
		}
		d.Requests = rs
	}
	if p.cfg.Witness != nil && pr.Is(witnessRoles...) {
		as, err := p.cfg.Witness.Alerts(ctx)
		if err != nil {
			problem("witness alerts", err)
		}
		d.WitnessAlerts = as
	}
	if p.cfg.Partners != nil && pr.Is(partnerRoles...) {
		d.ShowPartners = true
		st, err := p.cfg.Partners.Status(ctx)
		if err != nil {
			problem("partner health", err)
		}
		d.Partners = st
	}
	if p.cfg.Audit != nil && pr.Is(auditRoles...) {
		d.ShowAudit = true
		cp, err := p.cfg.Audit.Checkpoint(ctx)
		if err != nil && !errs.Is(err, errs.NotExist) {
			problem("audit checkpoint", err)
		}
		d.Checkpoint = cp
	}
	d.Actions = p.actions(pr)
	p.render(w, r, http.StatusOK, "dashboard", s.page("Dashboard", "dashboard", d), "")
	return nil
}

// actions are the shortcuts of a role's daily work.
func (p *Portal) actions(pr access.Principal) []action {
	all := []struct {
		label, pattern, path string
	}{
		{"Write a message", "GET /messages/new", "/messages/new"},
		{"Search records", "GET /records", "/records"},
		{"Create a record", "GET /records/new", "/records/new"},
		{"Run a hit/no-hit query", "GET /match", "/match"},
		{"Hit follow-ups", "GET /follow-ups", "/follow-ups"},
		{"Draft a notice", "GET /notices/new", "/notices/new"},
		{"Review notices", "GET /notices/review", "/notices/review"},
		{"Border check", "GET /border", "/border"},
		{"Search the audit log", "GET /audit", "/audit"},
		{"Manage users", "GET /admin/users", "/admin/users"},
		{"Partner agencies", "GET /partners", "/partners"},
	}
	var out []action
	for _, a := range all {
		if p.can(pr, a.pattern) {
			out = append(out, action{a.label, a.path})
		}
	}
	return out
}
