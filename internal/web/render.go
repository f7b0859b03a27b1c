package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/httpx"
)

//go:embed templates
var templateFS embed.FS

// page is what every template receives.
type page struct {
	Title     string
	Node      NodeInfo
	Principal access.Principal
	LoggedIn  bool
	CSRF      string
	Case      access.Justification // the officer's current case; empty when none is set
	Nav       []navItem
	Active    string // the nav section of this page
	Flash     string // a confirmation to show once
	Error     string // an error to show above the content
	Field     string // the input the error is about, if any
	RequestID string
	Data      any // the page's own data
}

type navItem struct {
	Label, Path, Section string
}

// templates holds one parsed template set per page: the layout, the shared
// components and the page's own file.
type templates struct {
	pages map[string]*template.Template
}

func parseTemplates(a assets) (*templates, error) {
	funcs := template.FuncMap{
		"asset":    a.url,
		"when":     when,
		"date":     func(t time.Time) string { return dateOnly(t) },
		"tlpClass": tlpClass,
		"join":     strings.Join,
		"lower":    strings.ToLower,
		"roleName": roleName,
		"add":      func(a, b int) int { return a + b },
		"hours":    hours,
		"list":     func(s ...string) []string { return s },
		"contains": func(list []string, s string) bool {
			for _, v := range list {
				if v == s {
					return true
				}
			}
			return false
		},
	}
	shared := []string{"templates/layout.html", "templates/components.html"}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" || name == "components" {
			continue
		}
		tmpl, err := template.New(name).Funcs(funcs).ParseFS(templateFS, append(shared, f)...)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		if tmpl.Lookup("content") == nil {
			return nil, fmt.Errorf("template %s defines no content", name)
		}
		t.pages[name] = tmpl
	}
	return t, nil
}

// render writes a full page, or with fragment only that block of it (an
// htmx request swapping part of a page).
func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, name string, pg *page, fragment string) {
	tmpl, ok := p.tmpl.pages[name]
	if !ok {
		panic("web: no template " + name) // every name is a constant in this package
	}
	p.fill(r, pg)
	target := "layout"
	if fragment != "" {
		target = fragment
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, target, pg); err != nil {
		p.log.ErrorContext(r.Context(), "render page", "template", name, "request_id", httpx.RequestID(r.Context()), "error", err.Error())
		http.Error(w, "internal error rendering the page; request id "+httpx.RequestID(r.Context()), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// when renders a time for the reader: UTC in the markup (and in the
// tooltip), turned into the browser's time zone by app.js.
func when(t time.Time) template.HTML {
	if t.IsZero() {
		return template.HTML(`<span class="muted">—</span>`)
	}
	u := t.UTC()
	iso := u.Format(time.RFC3339)
	text := u.Format("2006-01-02 15:04") + " UTC"
	return template.HTML(`<time datetime="` + template.HTMLEscapeString(iso) + `" title="` + template.HTMLEscapeString(text) + `">` +
		template.HTMLEscapeString(text) + `</time>`)
}

func dateOnly(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02")
}

// tlpClass is the CSS class of a TLP label's badge.
func tlpClass(label string) string {
	switch strings.ToUpper(label) {
	case "TLP:RED":
		return "tlp-red"
	case "TLP:AMBER+STRICT":
		return "tlp-amber-strict"
	case "TLP:AMBER":
		return "tlp-amber"
	case "TLP:GREEN":
		return "tlp-green"
	case "TLP:CLEAR":
		return "tlp-clear"
	}
	return "tlp-unknown"
}

var roleNames = map[access.Role]string{
	access.Admin: "Administrator", access.SPOC: "SPOC operator", access.Investigator: "Investigator",
	access.Analyst: "Analyst", access.Border: "Border officer", access.Prosecutor: "Prosecutor",
	access.Reviewer: "Notice reviewer", access.DPO: "Data protection officer",
}

func roleName(r access.Role) string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return string(r)
}
