package web

import (
	"encoding/json"
	"net/http"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/record"
)

// Bounds of the case network: a chart is for looking at, not for bulk
// export.
const (
	maxNetworkRecords = 100
	maxNetworkNodes   = 2000
)

type networkData struct {
	CaseRef string
}

// networkPage draws the entities and links of the officer's current case
// (cytoscape, static/network.js). The case comes from the session, never
// from the URL.
func (p *Portal) networkPage(w http.ResponseWriter, r *http.Request, s *session) error {
	if s.state.CaseRef == "" {
		pg := s.page("Case network", "network", networkData{})
		pg.Error = "the network view shows a case: set a case reference (not only a justification)"
		p.render(w, r, http.StatusOK, "network", pg, "")
		return nil
	}
	p.render(w, r, http.StatusOK, "network", s.page("Case network", "network", networkData{CaseRef: s.state.CaseRef}), "")
	return nil
}

// graph is the cytoscape elements document.
type graph struct {
	Nodes     []graphElement `json:"nodes"`
	Edges     []graphElement `json:"edges"`
	Truncated bool           `json:"truncated"`
}

type graphElement struct {
	Data map[string]string `json:"data"`
}

// networkData answers the chart's data: the case's records (each record a
// node), their entities, the links FtM draws between entities, and shared
// identifiers between records.
func (p *Portal) networkData(w http.ResponseWriter, r *http.Request, s *session) error {
	if s.state.CaseRef == "" {
		return errs.E(errs.Precondition, "case", "set a case reference first")
	}
	ctx := r.Context()
	res, err := p.cfg.Records.Search(ctx, record.Query{CaseRef: s.state.CaseRef, Limit: maxNetworkRecords})
	if err != nil {
		return err
	}
	g := graph{Nodes: []graphElement{}, Edges: []graphElement{}, Truncated: res.Next != 0}
	seen := map[string]bool{}
	node := func(id string, data map[string]string) {
		if seen[id] || len(g.Nodes) >= maxNetworkNodes {
			g.Truncated = g.Truncated || !seen[id]
			return
		}
		seen[id] = true
		data["id"] = id
		g.Nodes = append(g.Nodes, graphElement{Data: data})
	}
	edge := func(src, dst, label string) {
		if seen[src] && seen[dst] {
			g.Edges = append(g.Edges, graphElement{Data: map[string]string{"id": "e" + src + ">" + dst + ":" + label, "source": src, "target": dst, "label": label}})
		}
	}
	for _, sum := range res.Items {
		rec, _, err := p.cfg.Records.Get(ctx, sum.ID)
		if err != nil {
			if userError(err) {
				continue
			}
			return err
		}
		rid := "r:" + rec.ID
		node(rid, map[string]string{"label": rec.Title, "kind": "record", "href": "/records/" + rec.ID})
		for _, e := range rec.Entities {
			sch, ok := ftm.LookupSchema(e.Schema)
			if ok {
				if _, isEdge := sch.Edge(); isEdge {
					continue
				}
			}
			eid := rid + "/" + e.ID
			node(eid, map[string]string{"label": caption(e), "kind": e.Schema, "category": string(rec.DataSubjects[e.ID])})
			edge(rid, eid, "holds")
		}
		for _, e := range rec.Entities {
			sch, ok := ftm.LookupSchema(e.Schema)
			if !ok {
				continue
			}
			if ed, isEdge := sch.Edge(); isEdge {
				for _, src := range e.Properties[ed.Source] {
					for _, dst := range e.Properties[ed.Target] {
						edge(rid+"/"+src, rid+"/"+dst, sch.Label())
					}
				}
				continue
			}
			for _, prop := range sch.Properties() {
				if prop.Type != ftm.TypeEntity {
					continue
				}
				for _, target := range e.Properties[prop.Name] {
					edge(rid+"/"+e.ID, rid+"/"+target, prop.Label)
				}
			}
		}
		corr, err := p.cfg.Records.Correlations(ctx, rec.ID)
		if err != nil {
			return err
		}
		for _, c := range corr.Identifiers {
			for _, other := range c.Records {
				if other.ID > rec.ID { // each pair once
					node("r:"+other.ID, map[string]string{"label": other.Title, "kind": "record", "href": "/records/" + other.ID})
					edge(rid, "r:"+other.ID, "shares "+c.Kind)
				}
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(g)
}
