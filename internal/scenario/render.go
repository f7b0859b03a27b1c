package scenario

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// generator holds what every cell shares.
type generator struct {
	opts     Options
	params   sizeParams
	agencies []Agency
	salts    []uint64 // per agency, for opaque ids
	prefixes []string // per agency, entity id prefix: lower-case agency id and "-"
}

func newGenerator(opts Options) (*generator, error) {
	n, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	g := &generator{opts: n, params: sizes[n.Size]}
	for _, code := range n.Countries {
		a, err := AgencyFor(code)
		if err != nil {
			return nil, err
		}
		h := fnv.New64a()
		h.Write([]byte(a.ID))
		g.agencies = append(g.agencies, a)
		g.prefixes = append(g.prefixes, strings.ToLower(a.ID)+"-")
		g.salts = append(g.salts, fmix64(uint64(n.Seed)^h.Sum64()))
	}
	return g, nil
}

// cells is the number of networks in the scenario.
func (g *generator) cells() int { return 1 + g.params.backgroundCells }

// fmix64 is the MurmurHash3 finaliser: a bijection on 64-bit words that
// scatters neighbouring inputs.
func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

func hex64(x uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], x)
	return hex.EncodeToString(b[:])
}

// Entity and record ids are opaque: "<agency id in lower case>-<16 hex>".
// The hex is a bijection of (cell, object), keyed per agency, so ids are
// unique by construction, stable for a seed, and say nothing about which
// entities of different agencies describe the same thing.
const maxObjectsPerCell = 1 << 24

func (g *generator) entityID(a, cellIndex, wid int) string {
	return g.prefixes[a] + hex64(fmix64(g.salts[a]^(uint64(cellIndex)<<24|uint64(wid))))
}

func (g *generator) recordID(a, cellIndex, comp int) string {
	const recordSpace = 0x5245434f52440000 // keeps record ids apart from entity ids
	return g.agencies[a].ID + "-R" + hex64(fmix64(g.salts[a]^recordSpace^(uint64(cellIndex)<<24|uint64(comp))))
}

// caseRef is the agency's case reference for a network.
func (g *generator) caseRef(a int, c *cell) string {
	n := fmix64(g.salts[a]^uint64(c.index)) % 1_000_000
	return fmt.Sprintf("%s/%d/%06d", g.agencies[a].Country, c.start.Year(), n)
}

// holdingInfo is how one agency holds one object.
type holdingInfo struct {
	entityID, recordID string
	name               string
	script             Script
	birth              string
}

// cellView is a rendered cell: each agency's records, the ground truth and
// the alerts the cell contributes.
type cellView struct {
	records   [][]Record // by agency
	clusters  []Cluster
	docAlerts []DocumentAlert
	vehAlerts []VehicleAlert
	held      [][]*holdingInfo // [agency][object id], nil where not held
}

// render turns the cell's world into agency records.
func (c *cell) render() *cellView {
	g := c.g
	n := len(g.agencies)
	v := &cellView{records: make([][]Record, n), held: make([][]*holdingInfo, n)}
	for a := range n {
		v.held[a] = make([]*holdingInfo, len(c.objs))
		ents := make([]*Entity, len(c.objs))
		for _, o := range c.objs {
			if !o.holders[a] {
				continue
			}
			id := g.entityID(a, c.index, o.id)
			h := &holdingInfo{entityID: id}
			v.held[a][o.id] = h
			var e Entity
			if o.person != nil {
				e = c.personEntity(o, a, id, h)
			} else {
				e = c.objectEntity(o, a, id, h)
			}
			ents[o.id] = &e
		}
		for ci, comp := range c.components(a) {
			rec := c.record(a, ci, comp, ents)
			for _, o := range comp {
				v.held[a][o.id].recordID = rec.ID
			}
			v.records[a] = append(v.records[a], rec)
		}
	}
	v.clusters = c.clusters(v)
	v.docAlerts, v.vehAlerts = c.alerts()
	return v
}

// components splits agency a's holding into connected groups (through
// references between held objects), each ordered by object id, groups
// ordered by their first object.
func (c *cell) components(a int) [][]*wobj {
	parent := make([]int, len(c.objs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, o := range c.objs {
		if !o.holders[a] {
			continue
		}
		for _, rf := range o.refs {
			if rf.to.holders[a] {
				x, y := find(o.id), find(rf.to.id)
				if x != y {
					parent[max(x, y)] = min(x, y)
				}
			}
		}
	}
	index := make(map[int]int) // root → component position
	var out [][]*wobj
	for _, o := range c.objs {
		if !o.holders[a] {
			continue
		}
		root := find(o.id)
		i, ok := index[root]
		if !ok {
			i = len(out)
			index[root] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], o)
	}
	return out
}

// chooseConvention decides how agency country writes person p's name.
func (c *cell) chooseConvention(p *wperson, agencyCountry string, peripheral bool) convention {
	origin := countries[p.origin].script
	if countries[agencyCountry].script == origin {
		return convNative
	}
	x := c.r.IntN(100)
	switch {
	case peripheral: // copied from bank or travel records
		return convPassport
	case origin == Latin && x < 30:
		return convPassport
	case origin == Latin:
		return convNative
	case x < 46:
		return convPassport
	case x < 54:
		return convNative // transcribed from seized documents or intercepted messages
	default:
		return conventionOf(agencyCountry)
	}
}

// formatName writes a full name in the agency's house style.
func formatName(n nameRendering, agencyCountry string) string {
	switch {
	case n.script == Cyrillic && (agencyCountry == "RU" || agencyCountry == "UA" || agencyCountry == "BG"):
		return strings.TrimSpace(n.last + " " + n.first + " " + n.father) // Иванов Сергей Петрович
	case n.script != Latin:
		return n.first + " " + n.last
	case agencyCountry == "DE":
		return strings.ToUpper(n.last) + ", " + n.first
	case agencyCountry == "FR":
		return strings.ToUpper(n.last) + " " + n.first
	default:
		return n.first + " " + n.last
	}
}

// personEntity renders person o as agency a holds it.
func (c *cell) personEntity(o *wobj, a int, id string, h *holdingInfo) Entity {
	r := c.r
	p := o.person
	ag := c.g.agencies[a]
	peripheral := o.peripheral[a]
	n, forced := p.forced[a]
	if !forced {
		n = p.render(c.chooseConvention(p, ag.Country, peripheral))
		if n.script == Latin && r.IntN(100) < 18 {
			if r.IntN(3) == 0 {
				n.first = randomSpellingVariant(r, n.first)
			} else {
				n.last = randomSpellingVariant(r, n.last)
			}
		}
	}
	full := formatName(n, ag.Country)
	props := map[string][]string{"name": {full}, "firstName": {n.first}, "lastName": {n.last}}
	h.name, h.script = full, n.script
	if !forced && !peripheral && r.IntN(10) == 0 {
		// a second spelling, e.g. from an earlier document
		if alias := formatName(p.render(convPassport), ag.Country); alias != full {
			props["alias"] = []string{alias}
		}
	}
	if peripheral {
		if r.IntN(10) < 4 {
			props["nationality"] = lowerAll(p.nationality[:1])
		}
		return Entity{ID: id, Schema: "Person", Properties: props}
	}
	home := a == o.home
	story := c.story
	exact := story != nil && (o == story.main && (a == story.lead || a == story.second) ||
		o == story.redNotice || o == story.flawed || o == story.namesake || o == story.theftVictim)
	if n.father != "" && (home || r.IntN(2) == 0) {
		props["fatherName"] = []string{n.father}
	}
	birth := c.birthAsKnown(p.birth, exact || home)
	if story != nil && o == story.main && a == story.third && a != story.second {
		birth = p.birth.Format("2006-01") // only the month is known
	}
	if birth != "" {
		props["birthDate"] = []string{birth}
		h.birth = birth
	}
	if home || exact || r.IntN(100) < 85 {
		props["nationality"] = lowerAll(p.nationality)
	}
	if r.IntN(10) < 9 {
		props["gender"] = []string{"male"}
		if p.female {
			props["gender"] = []string{"female"}
		}
	}
	if home || r.IntN(10) < 4 {
		props["birthPlace"] = []string{p.birthPlace}
		props["birthCountry"] = []string{lower(p.origin)}
	}
	var phones []string
	for _, ph := range p.phones {
		if home || r.IntN(2) == 0 {
			phones = append(phones, ph)
		}
	}
	if len(phones) > 0 {
		props["phone"] = phones
	}
	if p.email != "" && (home || r.IntN(10) < 4) {
		props["email"] = []string{p.email}
	}
	if p.nationalID != "" && (ag.Country == p.nationality[0] || r.IntN(10) == 0) {
		props["idNumber"] = []string{p.nationalID}
	}
	if story != nil && o == story.main && a == story.third && a != story.second {
		// the third agency noted the passport number by hand, with spaces
		num := story.mainPassport.prop("number")[0]
		props["passportNumber"] = []string{num[:3] + " " + num[3:6] + " " + num[6:]}
	}
	if topics := c.topicsOf(o, a); len(topics) > 0 {
		props["topics"] = topics
	}
	for _, rf := range o.refs {
		if rf.to.holders[a] {
			props[rf.prop] = append(props[rf.prop], c.g.entityID(a, c.index, rf.to.id))
		}
	}
	return Entity{ID: id, Schema: "Person", Properties: props}
}

// topicsOf returns the FtM topics agency a attaches to person o.
func (c *cell) topicsOf(o *wobj, a int) []string {
	var t []string
	switch {
	case o.label == "journalist":
		t = append(t, "role.journo")
	case o.person.category == catSuspect:
		t = append(t, kindSpecs[c.kind].topic)
		if o.label == "organiser" {
			t = append(t, "crime.boss")
		}
		if o.label == "launderer" || o.label == "money mule" {
			t = append(t, "crime.fin")
		}
	}
	if s := c.story; s != nil && (o == s.redNotice && a == s.lead || o == s.flawed && a == s.flawedAgency) {
		t = append(t, "wanted")
	}
	return t
}

func lowerAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = lower(x)
	}
	return out
}

// objectEntity renders a non-person object as agency a holds it.
func (c *cell) objectEntity(o *wobj, a int, id string, h *holdingInfo) Entity {
	props := make(map[string][]string, len(o.props)+len(o.refs))
	home := a == o.home
	peripheral := o.peripheral[a]
	for _, p := range o.props {
		known := p.know == 0 || !peripheral && (home || c.r.Float64() < p.know)
		if !known {
			continue
		}
		values := p.values
		if p.name == "registrationNumber" && o.schema == "Vehicle" && !home && c.r.IntN(100) < 15 {
			// written without separators, as number-plate cameras report it
			values = []string{strings.NewReplacer("-", "", " ", "").Replace(values[0])}
		}
		props[p.name] = values
	}
	for _, rf := range o.refs {
		if rf.to.holders[a] {
			props[rf.prop] = append(props[rf.prop], c.g.entityID(a, c.index, rf.to.id))
		}
	}
	for _, key := range []string{"number", "registrationNumber", "iban", "accountNumber", "publicKey", "username", "name", "full"} {
		if vs := props[key]; len(vs) > 0 {
			h.name = vs[0]
			break
		}
	}
	return Entity{ID: id, Schema: o.schema, Properties: props}
}

// clusters is the cell's ground truth: one cluster per real-world thing
// held by at least one agency.
func (c *cell) clusters(v *cellView) []Cluster {
	var out []Cluster
	index := make(map[int]int) // cluster number → position in out
	for _, o := range c.objs {
		var members []string
		for a := range c.g.agencies {
			if h := v.held[a][o.id]; h != nil {
				members = append(members, h.entityID)
			}
		}
		if len(members) == 0 {
			continue
		}
		i, ok := index[o.cluster]
		if !ok {
			i = len(out)
			index[o.cluster] = i
			cl := Cluster{ID: c.clusterID(o.cluster), Schema: o.schema}
			if o.person != nil {
				cl.Role = o.label
			}
			out = append(out, cl)
		}
		out[i].Members = append(out[i].Members, members...)
	}
	return out
}

func (c *cell) clusterID(n int) string { return fmt.Sprintf("w%d-%d", c.index, n) }

// latest returns the latest dated object among objs, or zero.
func latest(objs []*wobj) time.Time {
	var t time.Time
	for _, o := range objs {
		if o.date.After(t) {
			t = o.date
		}
	}
	return t
}
