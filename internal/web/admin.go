package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/errs"
)

type usersData struct {
	Users   []*auth.User
	Roles   []access.Role
	Created *auth.CreateUserResult // shown once, with the one-time password
	Reset   *resetResult
	Form    struct{ Username, DisplayName, Role string }
}

type resetResult struct{ Username, Password string }

func (p *Portal) usersPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.renderUsers(w, r, s, http.StatusOK, &usersData{}, "", nil)
}

func (p *Portal) renderUsers(w http.ResponseWriter, r *http.Request, s *session, status int, d *usersData, flash string, failure error) error {
	users, err := p.cfg.Accounts.ListUsers(r.Context())
	if err != nil {
		return err
	}
	d.Users, d.Roles = users, access.Roles
	pg := s.page("Users", "users", d)
	pg.Flash = flash
	if failure != nil {
		pg.Error, pg.Field = errs.PublicMessage(failure), errs.FieldOf(failure)
	}
	p.render(w, r, status, "users", pg, "")
	return nil
}

func (p *Portal) userCreate(w http.ResponseWriter, r *http.Request, s *session) error {
	d := &usersData{}
	d.Form.Username = strings.TrimSpace(r.PostFormValue("username"))
	d.Form.DisplayName = strings.TrimSpace(r.PostFormValue("displayName"))
	d.Form.Role = r.PostFormValue("role")
	res, err := p.cfg.Accounts.CreateUser(r.Context(), d.Form.Username, d.Form.DisplayName, access.Role(d.Form.Role))
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderUsers(w, r, s, formStatus, d, "", err)
	}
	d = &usersData{Created: res}
	return p.renderUsers(w, r, s, http.StatusOK, d, "User "+res.User.Username+" created. Hand over the one-time password below in person or by another channel; it is shown only now.", nil)
}

// userChange applies one of the account actions: role, disable, enable or
// password reset.
func (p *Portal) userChange(w http.ResponseWriter, r *http.Request, s *session) error {
	username := r.PathValue("username")
	d := &usersData{}
	var flash string
	var err error
	switch r.PostFormValue("action") {
	case "role":
		role := access.Role(r.PostFormValue("role"))
		_, err = p.cfg.Accounts.UpdateUser(r.Context(), username, auth.UserChange{Role: &role})
		flash = "Role of " + username + " changed to " + roleName(role) + "."
	case "disable", "enable":
		disabled := r.PostFormValue("action") == "disable"
		_, err = p.cfg.Accounts.UpdateUser(r.Context(), username, auth.UserChange{Disabled: &disabled})
		flash = "Account " + username + " " + r.PostFormValue("action") + "d."
	case "reset":
		var pw string
		pw, err = p.cfg.Accounts.ResetPassword(r.Context(), username)
		d.Reset = &resetResult{Username: username, Password: pw}
		flash = "New one-time password for " + username + "; their sessions are ended."
	default:
		err = errs.E(errs.Invalid, "action", "unknown action")
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderUsers(w, r, s, formStatus, &usersData{}, "", err)
	}
	return p.renderUsers(w, r, s, http.StatusOK, d, flash, nil)
}

// userError reports whether err is the officer's to correct (shown on the
// form) rather than a failure of the node.
func userError(err error) bool {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.Conflict, errs.NotExist, errs.Permission, errs.Precondition, errs.TooLarge:
		return true
	}
	return false
}

type tokensData struct {
	Tokens  []*auth.Token
	Users   []*auth.User
	Created *auth.CreatedToken
	Now     time.Time
}

func (p *Portal) tokensPage(w http.ResponseWriter, r *http.Request, s *session) error {
	return p.renderTokens(w, r, s, http.StatusOK, &tokensData{}, "", nil)
}

func (p *Portal) renderTokens(w http.ResponseWriter, r *http.Request, s *session, status int, d *tokensData, flash string, failure error) error {
	toks, err := p.cfg.Accounts.ListTokens(r.Context())
	if err != nil {
		return err
	}
	users, err := p.cfg.Accounts.ListUsers(r.Context())
	if err != nil {
		return err
	}
	d.Tokens, d.Users, d.Now = toks, users, p.cfg.Now()
	pg := s.page("API tokens", "tokens", d)
	pg.Flash = flash
	if failure != nil {
		pg.Error, pg.Field = errs.PublicMessage(failure), errs.FieldOf(failure)
	}
	p.render(w, r, status, "tokens", pg, "")
	return nil
}

func (p *Portal) tokenCreate(w http.ResponseWriter, r *http.Request, s *session) error {
	var ttl time.Duration
	if days := r.PostFormValue("days"); days != "" {
		d, err := time.ParseDuration(days + "h")
		if err != nil {
			return p.renderTokens(w, r, s, formStatus, &tokensData{}, "", errs.E(errs.Invalid, "days", "days must be a whole number"))
		}
		ttl = d * 24
	}
	tok, err := p.cfg.Accounts.CreateToken(r.Context(), r.PostFormValue("username"), strings.TrimSpace(r.PostFormValue("name")), ttl)
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderTokens(w, r, s, formStatus, &tokensData{}, "", err)
	}
	return p.renderTokens(w, r, s, http.StatusOK, &tokensData{Created: tok},
		"Token created. Copy it now: it is shown only once and stored only as a hash.", nil)
}

func (p *Portal) tokenRevoke(w http.ResponseWriter, r *http.Request, s *session) error {
	tok, err := p.cfg.Accounts.RevokeToken(r.Context(), r.PathValue("id"))
	if err != nil {
		if !userError(err) {
			return err
		}
		return p.renderTokens(w, r, s, formStatus, &tokensData{}, "", err)
	}
	return p.renderTokens(w, r, s, http.StatusOK, &tokensData{}, "Token "+tok.ID+" of "+tok.Username+" revoked.", nil)
}
