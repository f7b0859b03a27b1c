package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/errs"
)

type loginForm struct {
	Username  string
	Expired   bool
	LoggedOut bool
	Locked    bool // throttled: the error says how long to wait
}

func (p *Portal) loginPage(w http.ResponseWriter, r *http.Request, _ *session) error {
	q := r.URL.Query()
	p.render(w, r, http.StatusOK, "login", &page{Title: "Log in",
		Data: loginForm{Expired: q.Get("expired") == "1", LoggedOut: q.Get("bye") == "1"}}, "")
	return nil
}

// login checks the password with auth (which throttles guessing), opens
// the session and seals the portal state with the session's CSRF token.
func (p *Portal) login(w http.ResponseWriter, r *http.Request, _ *session) error {
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	form := loginForm{Username: username}
	if len(username) > 64 || len(password) > 1024 {
		return errs.E(errs.Invalid, "username or password too long")
	}
	sess, err := p.cfg.Sessions.Login(r.Context(), username, password, r.RemoteAddr)
	if err != nil {
		k := errs.KindOf(err)
		if k != errs.Unauthorized && k != errs.RateLimited {
			return err
		}
		form.Locked = k == errs.RateLimited
		p.render(w, r, formStatus, "login", &page{Title: "Log in", Error: errs.PublicMessage(err), Data: form}, "")
		return nil
	}
	sealed, err := p.sealer.seal(&state{Binding: sessionBinding(sess.Value), CSRF: sess.CSRF})
	if err != nil {
		return err
	}
	setCookie(w, auth.SessionCookie, sess.Value, sess.ExpiresAt)
	setCookie(w, StateCookie, sealed, sess.ExpiresAt)
	next := "/dashboard"
	if sess.User != nil && sess.User.MustChangePassword {
		next = "/password"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (p *Portal) logout(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := p.cfg.Sessions.Logout(r.Context(), s.cookie); err != nil {
		return err
	}
	setCookie(w, auth.SessionCookie, "")
	setCookie(w, StateCookie, "")
	p.redirect(w, r, "/login?bye=1")
	return nil
}

func (p *Portal) passwordPage(w http.ResponseWriter, r *http.Request, s *session) error {
	p.render(w, r, http.StatusOK, "password", s.page("Change your password", "", nil), "")
	return nil
}

func (p *Portal) changePassword(w http.ResponseWriter, r *http.Request, s *session) error {
	old, next, again := r.PostFormValue("old"), r.PostFormValue("new"), r.PostFormValue("again")
	pg := s.page("Change your password", "", nil)
	if next != again {
		pg.Error, pg.Field = "the new passwords differ", "new"
		p.render(w, r, formStatus, "password", pg, "")
		return nil
	}
	if err := p.cfg.Sessions.ChangePassword(r.Context(), s.principal.UserID, old, next); err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Permission {
			return err
		}
		pg.Error, pg.Field = errs.PublicMessage(err), errs.FieldOf(err)
		p.render(w, r, formStatus, "password", pg, "")
		return nil
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
	return nil
}

// caseForm asks for the case reference and justification.
type caseForm struct {
	Next          string
	Asked         bool // shown because a page needs it
	CaseRef       string
	Justification string
}

// Bounds of the case fields, as the API's justification headers.
const (
	maxCaseRef       = 100
	maxJustification = 1000
)

func (p *Portal) casePage(w http.ResponseWriter, r *http.Request, s *session) error {
	next := r.URL.Query().Get("next")
	p.render(w, r, http.StatusOK, "case", s.page("Current case", "", caseForm{Next: safeNext(next), Asked: next != "",
		CaseRef: s.state.CaseRef, Justification: s.state.Justification}), "")
	return nil
}

// setCase stores the officer's current case in the sealed state cookie; it
// is then attached to every request about personal data until changed.
func (p *Portal) setCase(w http.ResponseWriter, r *http.Request, s *session) error {
	f := caseForm{Next: safeNext(r.PostFormValue("next")),
		CaseRef:       strings.TrimSpace(r.PostFormValue("case")),
		Justification: strings.TrimSpace(r.PostFormValue("justification"))}
	var problem, field string
	switch {
	case f.CaseRef == "" && f.Justification == "":
		problem, field = "state a case reference or a justification (or both)", "case"
	case len(f.CaseRef) > maxCaseRef || !printable(f.CaseRef):
		problem, field = "the case reference must be at most 100 characters, without control characters", "case"
	case len(f.Justification) > maxJustification || !utf8.ValidString(f.Justification):
		problem, field = "the justification must be at most 1000 characters", "justification"
	}
	if problem != "" {
		pg := s.page("Current case", "", f)
		pg.Error, pg.Field = problem, field
		p.render(w, r, formStatus, "case", pg, "")
		return nil
	}
	st := *s.state
	st.CaseRef, st.Justification, st.CaseSet = f.CaseRef, f.Justification, p.cfg.Now().UTC()
	sealed, err := p.sealer.seal(&st)
	if err != nil {
		return err
	}
	setCookie(w, StateCookie, sealed)
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
	return nil
}

func (p *Portal) clearCase(w http.ResponseWriter, r *http.Request, s *session) error {
	st := *s.state
	st.CaseRef, st.Justification = "", ""
	sealed, err := p.sealer.seal(&st)
	if err != nil {
		return err
	}
	setCookie(w, StateCookie, sealed)
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
	return nil
}

// safeNext accepts only a local path: never another site, never a query
// (which could carry personal data into the history).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "?#\\") || len(next) > 200 {
		return "/dashboard"
	}
	return next
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
