package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// ContentSecurityPolicy is sent with every portal response: scripts and
// styles only from the portal's own files, no framing, forms posting only
// to the portal.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// csrfField is the hidden form field carrying the CSRF token.
const csrfField = "csrf_token"

// formStatus is the status of a form shown again with what to correct. It
// is a normal page: a 4xx status would keep htmx from swapping it in and
// make browsers log a failed resource load.
const formStatus = http.StatusOK

// maxFormBytes bounds a URL-encoded form.
const maxFormBytes = 1 << 20

// session is the authenticated officer behind a request.
type session struct {
	principal access.Principal
	cookie    string // the session cookie value
	state     *state
}

// handler serves one page for an authenticated officer.
type handler func(w http.ResponseWriter, r *http.Request, s *session) error

// route is one row of the route table.
type route struct {
	pattern string
	roles   []access.Role // empty: every officer
	public  bool          // no session needed (login, error pages)
	// personal pages read or change personal data: they need the
	// officer's current case and justification.
	personal bool
	// upload routes accept multipart bodies up to Config.MaxUpload.
	upload bool
	// nav, when set, lists the route in the navigation.
	nav     string
	section string
	enabled bool
	handler handler
}

func (rt route) allows(p access.Principal) bool {
	return len(rt.roles) == 0 || slices.Contains(rt.roles, p.Role)
}

// securityHeaders are set on every portal response.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	h.Set("Cache-Control", "no-store")
}

// wrap applies the portal's middleware to a route: security headers,
// cross-origin refusal, form parsing within limits, authentication with
// the CSRF check, roles, the forced password change and the case.
func (p *Portal) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		if err := p.cop.Check(r); err != nil {
			p.fail(w, r, nil, errs.E(errs.Permission, "cross-origin request refused"))
			return
		}
		if err := p.parseForm(w, r, rt.upload); err != nil {
			p.fail(w, r, nil, err)
			return
		}
		if rt.public {
			if err := rt.handler(w, r, nil); err != nil {
				p.fail(w, r, nil, err)
			}
			return
		}
		s, err := p.authenticate(r)
		if err != nil {
			p.toLogin(w, r, err)
			return
		}
		r = r.WithContext(access.With(r.Context(), s.principal))
		if s.principal.MustChangePassword && r.URL.Path != "/password" && r.URL.Path != "/logout" {
			p.redirect(w, r, "/password")
			return
		}
		if !rt.allows(s.principal) {
			p.fail(w, r, s, errs.E(errs.Permission, "your role ("+roleName(s.principal.Role)+") does not give access to this page"))
			return
		}
		if rt.personal {
			j := s.state.justification()
			if j.Empty() {
				p.askCase(w, r, s)
				return
			}
			r = r.WithContext(access.WithJustification(r.Context(), j))
		}
		if err := rt.handler(w, r, s); err != nil {
			p.fail(w, r, s, err)
		}
	})
}

// parseForm reads a POST body within limits: URL-encoded forms up to
// maxFormBytes, multipart forms only on upload routes.
func (p *Portal) parseForm(w http.ResponseWriter, r *http.Request, upload bool) error {
	if r.Method != http.MethodPost {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			return formError(err)
		}
	case "multipart/form-data":
		if !upload {
			return errs.E(errs.Unsupported, "this form takes no files")
		}
		r.Body = http.MaxBytesReader(w, r.Body, p.cfg.MaxUpload+maxFormBytes)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return formError(err)
		}
	default:
		return errs.E(errs.Unsupported, "forms must be sent as application/x-www-form-urlencoded or multipart/form-data")
	}
	return nil
}

func formError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errs.E(errs.TooLarge, "the form is too large: send large files with the liaison command, which uploads in resumable parts")
	}
	return errs.E(errs.Invalid, "the form could not be read")
}

// authenticate finds the session and its portal state. On unsafe methods
// the CSRF token of the form (or of the htmx header) goes to auth, which
// compares it with the session's.
func (p *Portal) authenticate(r *http.Request) (*session, error) {
	c, err := r.Cookie(auth.SessionCookie)
	if err != nil {
		return nil, errs.E(errs.Unauthorized, "log in to continue")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get(auth.CSRFHeader) == "" {
		r.Header.Set(auth.CSRFHeader, r.PostFormValue(csrfField))
	}
	principal, err := p.cfg.Sessions.Authenticate(r)
	if err != nil {
		return nil, err
	}
	if principal.Partner || principal.UserID == "" {
		return nil, errs.E(errs.Unauthorized, "log in to continue")
	}
	sc, err := r.Cookie(StateCookie)
	if err != nil {
		return nil, errs.E(errs.Unauthorized, "your portal session is incomplete: log in again")
	}
	st, err := p.sealer.open(sc.Value, c.Value)
	if err != nil {
		return nil, errs.E(errs.Unauthorized, "your portal session is incomplete: log in again")
	}
	return &session{principal: principal, cookie: c.Value, state: st}, nil
}

// toLogin sends an unauthenticated visitor to the login page (htmx
// requests are told to load it in place of the page).
func (p *Portal) toLogin(w http.ResponseWriter, r *http.Request, err error) {
	if errs.KindOf(err) == errs.Permission { // a wrong CSRF token on a valid session
		p.fail(w, r, nil, err)
		return
	}
	target := "/login"
	if _, cerr := r.Cookie(auth.SessionCookie); cerr == nil {
		target = "/login?expired=1"
		setCookie(w, auth.SessionCookie, "")
		setCookie(w, StateCookie, "")
	}
	p.redirect(w, r, target)
}

// redirect answers with 303 See Other, or for htmx with HX-Redirect.
func (p *Portal) redirect(w http.ResponseWriter, r *http.Request, target string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// askCase shows the case form in place of a personal page; once it is
// filled in, the officer returns to the page (a path, never a query). An
// htmx request is sent to the form as a whole page.
func (p *Portal) askCase(w http.ResponseWriter, r *http.Request, s *session) {
	next := r.URL.Path
	if cur := r.Header.Get("HX-Current-URL"); cur != "" {
		if u, err := url.Parse(cur); err == nil {
			next = u.Path
		}
	} else if r.Method != http.MethodGet {
		next = p.pageOf(next)
	}
	next = safeNext(next)
	if r.Header.Get("HX-Request") == "true" {
		p.redirect(w, r, "/case?next="+url.QueryEscape(next))
		return
	}
	p.render(w, r, http.StatusOK, "case", &page{Title: "State your case", Principal: s.principal, LoggedIn: true,
		CSRF: s.state.CSRF, Data: caseForm{Next: next, Asked: true}}, "")
}

// pageOf returns the page a form posted to path was on: the path itself
// or its nearest parent that is a page (GET route).
func (p *Portal) pageOf(path string) string {
	for path != "" && path != "/" {
		if _, pattern := p.mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: path}}); pattern != "" && pattern != "/" {
			return path
		}
		path = path[:strings.LastIndex(path, "/")]
	}
	return "/dashboard"
}

// fail renders an error page with the status of the error's kind.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	prob := httpx.ProblemFor(r, err)
	if prob.Status >= 500 {
		p.log.ErrorContext(r.Context(), "portal request failed", "request_id", prob.RequestID, "route", r.Pattern, "error", err.Error())
	}
	pg := &page{Title: http.StatusText(prob.Status), Error: prob.Detail}
	if s != nil {
		pg.Principal, pg.LoggedIn, pg.CSRF, pg.Case = s.principal, true, s.state.CSRF, s.state.justification()
	}
	p.render(w, r, prob.Status, "error", pg, "")
}

// fill completes the fields every page shows.
func (p *Portal) fill(r *http.Request, pg *page) {
	pg.Node = p.cfg.Node
	pg.RequestID = httpx.RequestID(r.Context())
	if pg.LoggedIn && pg.Nav == nil {
		pg.Nav = p.nav(pg.Principal)
	}
}

// page returns a page with the session's fields filled in.
func (s *session) page(title, active string, data any) *page {
	return &page{Title: title, Active: active, Principal: s.principal, LoggedIn: true, CSRF: s.state.CSRF,
		Case: s.state.justification(), Data: data}
}

// ctxWithCase is the request context with the officer's case, for handlers
// of pages that are not personal as a whole but call a personal service.
func ctxWithCase(ctx context.Context, s *session) context.Context {
	return access.WithJustification(ctx, s.state.justification())
}

func (p *Portal) notFound(w http.ResponseWriter, r *http.Request, _ *session) error {
	if r.URL.Path == "/" {
		p.redirect(w, r, "/dashboard")
		return nil
	}
	return errs.E(errs.NotExist, "there is no such page")
}
