// Package web is the officer portal: server-rendered pages that every node
// serves on its officer API address, for the SPOC operator, investigator,
// analyst, border officer, prosecutor, notice reviewer, data protection
// officer and administrator.
//
// # Shape
//
// One route table (routes.go) maps each path to a handler file and the
// roles that may use it; the navigation is drawn from the same table.
// Templates (templates/) and static assets (static/, including the
// front-end packages from the npm registry under static/vendor with their
// licences) are embedded in the binary; every template is parsed when the
// portal is built, and asset URLs carry a content hash so that browsers
// cache them for good. Pages work without JavaScript; htmx enhances forms
// that update part of a page.
//
// # Security
//
// The portal has its own middleware, separate from the JSON API's: a strict
// Content-Security-Policy without inline scripts or styles, clickjacking
// protection, Cache-Control: no-store on pages, cross-origin request
// refusal, and CSRF tokens (a hidden form field, or the X-CSRF-Token header
// that static/app.js adds to htmx requests from a meta tag). Sessions are
// internal/auth's: the HttpOnly, Secure, SameSite=Strict
// __Host-liaison_session cookie with its idle and absolute timeouts. The
// portal keeps the session's CSRF token and the officer's current case and
// justification in a second cookie, sealed with AES-GCM and bound to the
// session (state.go).
//
// # Justification and personal data
//
// An officer states a case reference and a justification once per case
// (or session); every request that touches personal data carries them in
// its context (access.WithJustification), so the capability services
// record them in their audit events. Names, identifiers and other personal
// data never appear in URLs: searches and lookups are POST forms whose
// results are rendered in the response.
//
// Handlers call capability services through the small interfaces in
// services.go with the officer's principal in the context; the services
// enforce roles and policy and write the audit events, as for the API.
package web

import (
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// NodeInfo names the node in the portal's header.
type NodeInfo struct {
	Agency  string // e.g. "NL-NCB"
	Country string
	Name    string // e.g. "Netherlands NCB"
	// Exercise: an exercise node (training only, no real data); every
	// page says so in a banner that cannot be dismissed.
	Exercise bool
}

// Config holds the portal's collaborators. Sessions and StateKey are
// required; a nil capability hides its views.
type Config struct {
	Node     NodeInfo
	Log      *slog.Logger
	StateKey []byte // 32 bytes: seals the portal state cookie; stable across restarts

	Sessions Sessions
	Accounts Accounts
	Audit    AuditLog
	Messages Messaging
	Partners Partners
	Records  Records
	Sharing  RecordSharing
	Notices  Notices
	Alerts   Alerts
	Border   Border
	Matching Matching
	Witness  Witnessing

	// MaxUpload bounds a form upload (message attachments, record
	// imports); default 32 MiB. Larger files go through the API or CLI,
	// which upload in resumable chunks.
	MaxUpload int64

	Now func() time.Time // default time.Now
}

// DefaultMaxUpload is the default of Config.MaxUpload.
const DefaultMaxUpload = 32 << 20

// Portal is the portal's http.Handler.
type Portal struct {
	cfg    Config
	log    *slog.Logger
	sealer *sealer
	assets assets
	tmpl   *templates
	mux    *http.ServeMux
	routes []route
	cop    *http.CrossOriginProtection
}

// New builds the portal: it parses every template and hashes every asset,
// so that a broken template fails here rather than on a request.
func New(cfg Config) (*Portal, error) {
	if cfg.Sessions == nil {
		return nil, errors.New("web: Sessions is required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	s, err := newSealer(cfg.StateKey)
	if err != nil {
		return nil, err
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	t, err := parseTemplates(a)
	if err != nil {
		return nil, err
	}
	p := &Portal{cfg: cfg, log: cfg.Log, sealer: s, assets: a, tmpl: t, mux: http.NewServeMux(),
		cop: http.NewCrossOriginProtection()}
	p.routes = p.routeTable()
	for _, rt := range p.routes {
		if rt.enabled {
			p.mux.Handle(rt.pattern, p.wrap(rt))
		}
	}
	p.mux.HandleFunc("GET /static/{hash}/{name...}", p.assets.serve)
	p.mux.Handle("/", p.wrap(route{public: true, handler: p.notFound}))
	return p, nil
}

// ServeHTTP serves the portal.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }
