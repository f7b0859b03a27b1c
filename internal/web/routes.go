package web

import (
	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/noticesvc"
	"github.com/liaison-project/liaison/internal/policy"
)

// Who may use which views. The services check again; these sets keep
// officers from pages that would only refuse them, and shape the
// navigation.
var (
	messageRoles      = []access.Role{access.SPOC, access.Investigator, access.Analyst, access.Prosecutor}
	recordReadRoles   = policy.ReadRoles()
	recordWriteRoles  = []access.Role{access.SPOC, access.Investigator, access.Analyst}
	recordReviewRoles = []access.Role{access.SPOC} // extend the review date (Directive 2016/680 Art. 5)
	matchRoles        = []access.Role{access.SPOC, access.Investigator, access.Analyst}
	// The holder's SPOC sees and answers the follow-ups partners send
	// after a hit.
	followUpAnswerRoles = []access.Role{access.SPOC}
	// The SPOC answers holders' requests to pass H2 records onward; the
	// DPO may see them.
	shareRequestRoles   = []access.Role{access.SPOC, access.DPO}
	shareAnswerRoles    = []access.Role{access.SPOC}
	witnessRoles        = []access.Role{access.Admin, access.DPO}
	matchOversightRoles = []access.Role{access.SPOC, access.Admin}
	noticeReadRoles     = noticesvc.NoticeReaders // border officers see lookup hits only
	noticeDraftRoles    = noticesvc.NoticeDrafters
	noticeSubmitRoles   = noticesvc.NoticeWriters
	reviewerRoles       = noticesvc.NoticeReviewers
	borderRoles         = noticesvc.LookupRoles
	alertReadRoles      = noticesvc.AlertReaders
	alertWriteRoles     = noticesvc.AlertWriters
	partnerRoles        = []access.Role{access.Admin, access.SPOC}
	auditRoles          = []access.Role{access.DPO, access.Admin}
	adminRoles          = []access.Role{access.Admin}
)

// routeTable lists every page. Routes of a capability the node does not
// run are disabled: they are neither served nor shown.
func (p *Portal) routeTable() []route {
	c := p.cfg
	msgs, recs, notices, matching, sharing := c.Messages != nil, c.Records != nil, c.Notices != nil, c.Matching != nil, c.Sharing != nil
	return []route{
		{pattern: "GET /login", public: true, enabled: true, handler: p.loginPage},
		{pattern: "POST /login", public: true, enabled: true, handler: p.login},
		{pattern: "POST /logout", enabled: true, handler: p.logout},
		{pattern: "GET /password", enabled: true, handler: p.passwordPage},
		{pattern: "POST /password", enabled: true, handler: p.changePassword},
		{pattern: "GET /case", enabled: true, handler: p.casePage},
		{pattern: "POST /case", enabled: true, handler: p.setCase},
		{pattern: "POST /case/clear", enabled: true, handler: p.clearCase},

		{pattern: "GET /dashboard", nav: "Dashboard", section: "dashboard", enabled: true, handler: p.dashboard},

		{pattern: "GET /messages", roles: messageRoles, nav: "Messages", section: "messages", enabled: msgs, handler: p.inbox},
		{pattern: "GET /messages/threads", roles: messageRoles, section: "messages", enabled: msgs, handler: p.threads},
		{pattern: "GET /messages/new", roles: messageRoles, personal: true, section: "messages", enabled: msgs, handler: p.composePage},
		{pattern: "POST /messages/new", roles: messageRoles, personal: true, upload: true, enabled: msgs, handler: p.send},
		{pattern: "GET /messages/{id}", roles: messageRoles, personal: true, section: "messages", enabled: msgs, handler: p.message},
		{pattern: "GET /threads/{id}", roles: messageRoles, section: "messages", enabled: msgs, handler: p.thread},
		{pattern: "GET /attachments/{id}", roles: messageRoles, personal: true, enabled: msgs, handler: p.attachment},

		{pattern: "GET /records", roles: recordReadRoles, personal: true, nav: "Records", section: "records", enabled: recs, handler: p.recordsPage},
		{pattern: "POST /records/search", roles: recordReadRoles, personal: true, section: "records", enabled: recs, handler: p.recordSearch},
		{pattern: "GET /records/new", roles: recordWriteRoles, personal: true, section: "records", enabled: recs, handler: p.recordNewPage},
		{pattern: "POST /records/new", roles: recordWriteRoles, personal: true, enabled: recs, handler: p.recordCreate},
		{pattern: "GET /records/import", roles: recordWriteRoles, personal: true, section: "records", enabled: recs, handler: p.importPage},
		{pattern: "POST /records/import", roles: recordWriteRoles, personal: true, upload: true, enabled: recs, handler: p.recordImport},
		{pattern: "GET /records/{id}", roles: recordReadRoles, personal: true, section: "records", enabled: recs, handler: p.recordPage},
		{pattern: "POST /records/{id}/withdraw", roles: recordWriteRoles, personal: true, enabled: recs, handler: p.recordWithdraw},
		{pattern: "POST /records/{id}/review", roles: recordReviewRoles, personal: true, enabled: recs, handler: p.recordReview},
		{pattern: "POST /records/{id}/share", roles: recordWriteRoles, personal: true, enabled: recs && sharing, handler: p.recordShare},
		{pattern: "GET /share-requests", roles: shareRequestRoles, nav: "Permission requests", section: "share-requests", enabled: sharing, handler: p.requestsPage},
		{pattern: "POST /share-requests/{id}/answer", roles: shareAnswerRoles, personal: true, section: "share-requests", enabled: sharing, handler: p.requestAnswer},
		{pattern: "GET /network", roles: recordReadRoles, personal: true, nav: "Case network", section: "network", enabled: recs, handler: p.networkPage},
		{pattern: "GET /network/data", roles: recordReadRoles, personal: true, enabled: recs, handler: p.networkData},

		{pattern: "GET /match", roles: matchRoles, personal: true, nav: "Hit/no-hit", section: "match", enabled: matching, handler: p.matchPage},
		{pattern: "POST /match", roles: matchRoles, personal: true, section: "match", enabled: matching, handler: p.matchQuery},
		{pattern: "POST /match/hits/{id}/follow-up", roles: matchRoles, personal: true, section: "match", enabled: matching, handler: p.followUpSend},
		{pattern: "GET /follow-ups", roles: matchRoles, personal: true, nav: "Follow-ups", section: "follow-ups", enabled: matching, handler: p.followUpsPage},
		{pattern: "POST /follow-ups/{id}/answer", roles: followUpAnswerRoles, personal: true, section: "follow-ups", enabled: matching, handler: p.followUpAnswer},

		{pattern: "GET /notices", roles: noticeReadRoles, personal: true, nav: "Notices", section: "notices", enabled: notices, handler: p.noticesPage},
		{pattern: "GET /notices/review", roles: reviewerRoles, personal: true, nav: "Review queue", section: "review", enabled: notices, handler: p.reviewQueue},
		{pattern: "GET /notices/new", roles: noticeDraftRoles, personal: true, section: "notices", enabled: notices, handler: p.noticeNewPage},
		{pattern: "POST /notices/new", roles: noticeDraftRoles, personal: true, enabled: notices, handler: p.noticeCreate},
		{pattern: "GET /notices/{id}", roles: noticeReadRoles, personal: true, section: "notices", enabled: notices, handler: p.noticePage},
		{pattern: "POST /notices/{id}/submit", roles: noticeSubmitRoles, personal: true, enabled: notices, handler: p.noticeSubmit},
		{pattern: "POST /notices/{id}/decide", roles: reviewerRoles, personal: true, enabled: notices, handler: p.noticeDecide},

		{pattern: "GET /alerts", roles: alertReadRoles, personal: true, nav: "Alerts", section: "alerts", enabled: c.Alerts != nil, handler: p.alertsPage},
		{pattern: "POST /alerts", roles: alertWriteRoles, personal: true, section: "alerts", enabled: c.Alerts != nil, handler: p.alertCreate},
		{pattern: "POST /alerts/{id}/cancel", roles: alertWriteRoles, personal: true, section: "alerts", enabled: c.Alerts != nil, handler: p.alertCancel},
		{pattern: "GET /border", roles: borderRoles, personal: true, nav: "Border check", section: "border", enabled: c.Border != nil, handler: p.borderPage},
		{pattern: "POST /border", roles: borderRoles, personal: true, section: "border", enabled: c.Border != nil, handler: p.borderLookup},

		{pattern: "GET /partners", roles: partnerRoles, nav: "Partners", section: "partners", enabled: c.Partners != nil, handler: p.partnersPage},
		{pattern: "POST /partners", roles: adminRoles, section: "partners", enabled: c.Partners != nil, handler: p.partnerAdd},
		{pattern: "POST /partners/{agency}/state", roles: adminRoles, section: "partners", enabled: c.Partners != nil, handler: p.partnerState},

		{pattern: "GET /audit", roles: auditRoles, personal: true, nav: "Audit", section: "audit", enabled: c.Audit != nil, handler: p.auditPage},
		{pattern: "POST /audit/search", roles: auditRoles, personal: true, section: "audit", enabled: c.Audit != nil, handler: p.auditSearch},
		{pattern: "POST /audit/verify", roles: auditRoles, section: "audit", enabled: c.Audit != nil, handler: p.auditVerify},
		{pattern: "POST /audit/export", roles: auditRoles, personal: true, enabled: c.Audit != nil, handler: p.auditExport},

		{pattern: "GET /admin/users", roles: adminRoles, nav: "Users", section: "users", enabled: c.Accounts != nil, handler: p.usersPage},
		{pattern: "POST /admin/users", roles: adminRoles, section: "users", enabled: c.Accounts != nil, handler: p.userCreate},
		{pattern: "POST /admin/users/{username}", roles: adminRoles, section: "users", enabled: c.Accounts != nil, handler: p.userChange},
		{pattern: "GET /admin/tokens", roles: adminRoles, nav: "Tokens", section: "tokens", enabled: c.Accounts != nil, handler: p.tokensPage},
		{pattern: "POST /admin/tokens", roles: adminRoles, section: "tokens", enabled: c.Accounts != nil, handler: p.tokenCreate},
		{pattern: "POST /admin/tokens/{id}/revoke", roles: adminRoles, section: "tokens", enabled: c.Accounts != nil, handler: p.tokenRevoke},
	}
}

// nav is the navigation for a principal: the enabled routes with a label
// that the principal's role may use.
func (p *Portal) nav(pr access.Principal) []navItem {
	var out []navItem
	for _, rt := range p.routes {
		if rt.nav == "" || !rt.enabled || !rt.allows(pr) {
			continue
		}
		out = append(out, navItem{Label: rt.nav, Path: rt.pattern[len("GET "):], Section: rt.section})
	}
	return out
}

// can reports whether the principal may use the enabled route pattern.
func (p *Portal) can(pr access.Principal, pattern string) bool {
	for _, rt := range p.routes {
		if rt.pattern == pattern {
			return rt.enabled && rt.allows(pr)
		}
	}
	return false
}
