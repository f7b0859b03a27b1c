package scenario

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// referenceDate is "today" in every scenario: births, documents, payments
// and trips lie before it. It is fixed so that output never depends on the
// clock.
var referenceDate = time.Date(2025, time.June, 2, 0, 0, 0, 0, time.UTC)

const dateLayout = "2006-01-02"

// formatDate writes t as YYYY-MM-DD (what t.Format(dateLayout) gives for
// years 0–9999, without the layout parsing, which shows in profiles).
func formatDate(t time.Time) string {
	y, m, d := t.Date()
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(m)/10), byte('0' + int(m)%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}

// A cell is one criminal network: the real-world persons, objects and
// relations it consists of (the "world"), and which agencies know what.
// Cell 0 is the story network; the others are background. Each cell draws
// from its own random stream, so cells can be built one at a time and the
// story network is the same at every size.
type cell struct {
	g         *generator
	index     int
	kind      Kind
	r         *rand.Rand
	objs      []*wobj
	start     time.Time // when the investigation started
	operation string    // code name
	byRole    map[string][]*wobj
	story     *storyCast // cell 0 only
}

// wobj is one real-world thing: a person, an object or a relation.
type wobj struct {
	id     int
	schema string
	// cluster is the ground-truth id of what the object describes; usually
	// the object itself, but two objects may describe one real document
	// (a stolen passport as its owner reports it and as the impostor uses it).
	cluster int
	home    int // index of the agency of the object's country, or -1
	props   []wprop
	refs    []wref
	person  *wperson // set for Person
	label   string   // role of a person, kind of an object; for narratives and ground truth
	// holders[a]: agency a holds the object; peripheral[a]: it learnt of it
	// only through another object it holds, and knows little.
	holders    []bool
	peripheral []bool
	// date the object was recorded (payments, trips, events), for record dates
	date time.Time
}

// wprop is a fact about an object.
type wprop struct {
	name   string
	values []string
	// know is the probability that an agency other than the home agency
	// knows the fact; 0 means every holder knows it.
	know float64
}

// wref is an entity-typed property.
type wref struct {
	prop string
	to   *wobj
	// pull: a holder of this object must hold the target too, and learns
	// of it if it did not: FtM requires the property, or the holder could
	// not know the object without it (a payment's accounts, a trip's
	// vehicle seen by number-plate cameras).
	pull bool
}

func (c *cell) add(schema, label string, home int) *wobj {
	n := len(c.g.agencies)
	o := &wobj{id: len(c.objs), schema: schema, label: label, home: home,
		holders: make([]bool, n), peripheral: make([]bool, n)}
	o.cluster = o.id
	c.objs = append(c.objs, o)
	return o
}

func (o *wobj) set(name string, know float64, values ...string) *wobj {
	var vs []string
	for _, v := range values {
		if v != "" {
			vs = append(vs, v)
		}
	}
	if len(vs) > 0 {
		o.props = append(o.props, wprop{name: name, values: vs, know: know})
	}
	return o
}

func (o *wobj) ref(prop string, to *wobj, pull bool) *wobj {
	if to != nil {
		o.refs = append(o.refs, wref{prop: prop, to: to, pull: pull})
	}
	return o
}

func (o *wobj) prop(name string) []string {
	for _, p := range o.props {
		if p.name == name {
			return p.values
		}
	}
	return nil
}

// target returns the object a reference property points to, or nil.
func (o *wobj) target(prop string) *wobj {
	for _, rf := range o.refs {
		if rf.prop == prop {
			return rf.to
		}
	}
	return nil
}

func (o *wobj) held() []int {
	var out []int
	for a, h := range o.holders {
		if h {
			out = append(out, a)
		}
	}
	return out
}

// hold makes agency a a full holder of o.
func (o *wobj) hold(a int) {
	if a >= 0 {
		o.holders[a] = true
		o.peripheral[a] = false
	}
}

// attach gives o to each holder of owner with probability p, and to o's
// home agency (if it holds owner) with probability pHome.
func (c *cell) attach(o, owner *wobj, p, pHome float64) {
	for a, h := range owner.holders {
		if !h || owner.peripheral[a] {
			continue
		}
		q := p
		if a == o.home {
			q = pHome
		}
		if c.r.Float64() < q {
			o.hold(a)
		}
	}
}

// relate gives a relation to each agency holding both ends, with probability p.
func (c *cell) relate(rel, x, y *wobj, p float64) {
	for a := range rel.holders {
		if x.holders[a] && y.holders[a] && !x.peripheral[a] && !y.peripheral[a] && c.r.Float64() < p {
			rel.hold(a)
		}
	}
}

// close makes every holder's view consistent: whoever holds an object
// holds the targets of its pulling references, as a peripheral holder if
// it did not hold them already. The worklist runs until no holder is added.
func (c *cell) close() {
	work := slices.Clone(c.objs)
	for len(work) > 0 {
		o := work[len(work)-1]
		work = work[:len(work)-1]
		for _, rf := range o.refs {
			if !rf.pull {
				continue
			}
			for a, h := range o.holders {
				if h && !rf.to.holders[a] {
					rf.to.holders[a] = true
					rf.to.peripheral[a] = true
					work = append(work, rf.to)
				}
			}
		}
	}
}

// newCell builds network i of the scenario.
func (g *generator) newCell(i int) *cell {
	c := &cell{
		g:      g,
		index:  i,
		r:      rand.New(rand.NewPCG(uint64(g.opts.Seed), uint64(i)+1)),
		byRole: make(map[string][]*wobj),
	}
	c.kind = g.opts.Kind
	if i > 0 {
		c.kind = pick(c.r, Kinds)
	}
	c.start = referenceDate.AddDate(0, 0, -60-c.r.IntN(700))
	c.operation = pick(c.r, codeNames)
	if i > 0 {
		c.operation = fmt.Sprintf("%s-%d", c.operation, 1+c.r.IntN(99))
	}
	c.build()
	return c
}

// agencyOf returns the index of the agency of a country, or -1.
func (c *cell) agencyOf(country string) int {
	for i, a := range c.g.agencies {
		if a.Country == country {
			return i
		}
	}
	return -1
}

// countryOf returns a participating country, by agency index.
func (c *cell) countryOf(a int) string { return c.g.agencies[a].Country }

// randomAgencyCountry returns the country of a random participating agency.
func (c *cell) randomAgencyCountry() string { return pick(c.r, c.g.agencies).Country }

// dateBetween returns a random date in [from, to).
func (c *cell) dateBetween(from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours() / 24)
	if days < 1 {
		return from
	}
	return from.AddDate(0, 0, c.r.IntN(days))
}

var codeNames = []string{
	"KESTREL", "LANTERN", "GRANITE", "TULIP", "HARBOUR", "MERIDIAN", "COBALT", "NORTHWIND", "BASALT",
	"FALCON", "ORCHID", "SANDPIPER", "TIDEWATER", "JUNIPER", "QUARTZ", "HERON", "SILVERLINE", "DUNE",
	"BRAMBLE", "CORMORANT", "EMBER", "FJORD", "GALLEON", "HALYARD", "IBIS", "JETTY", "KELP", "LODESTAR",
	"MISTRAL", "NIGHTJAR", "OSPREY", "PELICAN", "RAVEN", "SIROCCO", "TRIDENT", "UMBER", "VORTEX",
	"WILLOW", "ZEPHYR", "ANCHOR", "BEACON", "CAPSTAN", "DELTA", "ESTUARY", "FOXGLOVE", "GANNET",
}
