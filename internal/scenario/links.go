package scenario

import (
	"fmt"
	"strings"
)

// companyPlan is a kind of company a network uses.
type companyPlan struct {
	activity  string
	sector    string
	directors []string // roles that may direct it, first present wins
	owners    []string // roles that may own it
	employees []string // roles employed by it
	jobTitle  string
	legit     bool // an honest company that happens to employ a member
	abroad    bool // registered in the organiser's country rather than a participating one
}

var companyPlans = map[Kind][]companyPlan{
	DrugsMoneyLaundering: {
		{activity: "Fresh Fruit Import", sector: "Wholesale of fruit and vegetables", directors: []string{"lieutenant", "launderer"}, owners: []string{"brother", "lieutenant"}},
		{activity: "Logistics", sector: "Freight transport by road", directors: []string{"lieutenant"}, employees: []string{"courier"}, jobTitle: "driver"},
		{activity: "Car Wash", sector: "Washing and cleaning of motor vehicles", directors: []string{"launderer"}, owners: []string{"spouse"}},
		{activity: "Container Terminal", sector: "Cargo handling", employees: []string{"port insider"}, jobTitle: "planner", legit: true},
	},
	HumanTrafficking: {
		{activity: "Staffing", sector: "Temporary employment agency", directors: []string{"money collector", "launderer"}, employees: []string{"victim"}, jobTitle: "production worker"},
		{activity: "Wellness", sector: "Massage salon", directors: []string{"recruiter"}, owners: []string{"spouse", "organiser"}, employees: []string{"victim"}, jobTitle: "masseuse"},
	},
	CyberFraud: {
		{activity: "Capital Markets", sector: "Online investment services", directors: []string{"organiser"}, owners: []string{"organiser"}},
		{activity: "IT Solutions", sector: "Software development", directors: []string{"developer"}, employees: []string{"caller", "call-centre manager"}, jobTitle: "sales agent", abroad: true},
		{activity: "Payments", sector: "Payment services", directors: []string{"mule herder"}, owners: []string{"mule herder"}},
	},
}

var legalForms = map[string]string{
	"NL": "B.V.", "DE": "GmbH", "FR": "SAS", "BE": "BV", "ES": "S.L.", "IT": "S.r.l.", "PL": "sp. z o.o.",
	"RO": "S.R.L.", "BG": "EOOD", "GR": "I.K.E.", "RU": "OOO", "UA": "TOV", "RS": "d.o.o.", "TR": "Ltd. Şti.",
	"MA": "SARL", "DZ": "SARL", "AL": "sh.p.k.", "GB": "Ltd", "US": "LLC",
}

var companyBases = map[string][]string{
	"NL": {"Maas", "Delta", "Noordzee", "Rijnmond", "Oranje", "Polder"},
	"DE": {"Rhein", "Elbe", "Nord", "Hansa", "Alpen", "Spree"},
	"FR": {"Provence", "Atlantique", "Azur", "Rhône", "Lumière", "Méditerranée"},
	"BE": {"Schelde", "Brabant", "Flandria", "Meuse"},
	"GB": {"Thames", "Albion", "Northgate", "Crown"},
}

// companies creates the network's companies with their addresses,
// accounts, directors, owners and employees.
func (c *cell) companies(ks kindSpec) []*wobj {
	var out []*wobj
	for _, plan := range companyPlans[c.kind] {
		director := c.firstOf(plan.directors)
		country := c.randomAgencyCountry()
		if plan.abroad && director != nil {
			country = director.person.origin
		} else if director != nil && c.agencyOf(director.person.residence) >= 0 {
			country = director.person.residence
		}
		co := c.company(country, plan)
		out = append(out, co)
		if plan.legit {
			co.hold(co.home)
		} else if c.r.IntN(10) < 9 {
			co.hold(co.home) // from the business register
		}
		if director != nil {
			c.attach(co, director, 0.6, 0.9)
		}
		c.attach(co.target("addressEntity"), co, 0.4, 0.9)
		if director != nil {
			d := c.add("Directorship", "directorship", co.home).
				set("role", 0, "managing director").ref("director", director, true).ref("organization", co, true).
				set("startDate", 0.5, co.prop("incorporationDate")...)
			c.relate(d, director, co, 0.85)
		}
		if owner := c.firstOf(plan.owners); owner != nil {
			c.attach(co, owner, 0.4, 0.8)
			pct := "100"
			if owner == director {
				pct = "50"
			}
			own := c.add("Ownership", "shareholding", co.home).
				set("role", 0, "shareholder").set("percentage", 0.7, pct).
				ref("owner", owner, true).ref("asset", co, true)
			c.relate(own, owner, co, 0.7)
		}
		for _, role := range plan.employees {
			for _, e := range c.byRole[role] {
				if c.r.IntN(3) == 0 {
					continue
				}
				emp := c.add("Employment", "employment", co.home).
					set("role", 0, plan.jobTitle).ref("employee", e, true).ref("employer", co, true).
					set("startDate", 0.4, formatDate(c.dateBetween(c.start.AddDate(-3, 0, 0), c.start)))
				if plan.legit {
					c.attach(co, e, 0.5, 0.9)
				}
				c.relate(emp, e, co, 0.75)
			}
		}
		if !plan.legit {
			c.bankAccountFor(co, country, true)
		}
	}
	return out
}

func (c *cell) firstOf(roles []string) *wobj {
	for _, role := range roles {
		if o := c.first(role); o != nil {
			return o
		}
	}
	return nil
}

// company creates a company registered in country.
func (c *cell) company(country string, plan companyPlan) *wobj {
	r := c.r
	p := places[country]
	ct := pick(r, p.cities)
	base := ct.name
	if bs, ok := companyBases[country]; ok && r.IntN(2) == 0 {
		base = pick(r, bs)
	}
	name := base + " " + plan.activity + " " + legalForms[country]
	addr := c.address(country)
	inc := c.dateBetween(c.start.AddDate(-6, 0, 0), c.start.AddDate(0, -3, 0))
	co := c.add("Company", plan.sector, c.agencyOf(country)).
		set("name", 0, name).set("jurisdiction", 0, lower(country)).
		set("registrationNumber", 0.6, companyNumber(r, country, ct.name)).
		set("incorporationDate", 0.5, formatDate(inc)).
		set("legalForm", 0.5, legalForms[country]).set("sector", 0.5, plan.sector).
		set("status", 0.5, "active").
		ref("addressEntity", addr, false)
	addr.label = "business address"
	if !plan.legit {
		co.set("topics", 0.3, "corp.shell")
	}
	return co
}

// leaders and subordinates of a network, for the associate graph.
var (
	leaderRoles = map[string]bool{"lieutenant": true, "broker": true, "launderer": true, "crypto trader": true,
		"recruiter": true, "money collector": true, "document forger": true, "call-centre manager": true,
		"developer": true, "mule herder": true, "cash-out operator": true}
	subordinateRoles = map[string]bool{"courier": true, "stash keeper": true, "money mule": true,
		"port insider": true, "transporter": true, "enforcer": true, "caller": true}
)

// relations links the members: the organiser to the leaders, each
// subordinate to a leader, family ties, and victims to their recruiters.
func (c *cell) relations() {
	boss := c.first("organiser")
	if boss == nil {
		return
	}
	p := 0.7
	if c.index == 0 {
		p = 0.85
	}
	var leaders []*wobj
	for _, o := range c.persons() {
		if leaderRoles[o.label] {
			leaders = append(leaders, o)
		}
	}
	since := func() string { return formatDate(c.dateBetween(c.start.AddDate(-4, 0, 0), c.start)) }
	for _, l := range leaders {
		rel := c.add("Associate", "associate", -1).set("relationship", 0, "associate").
			set("startDate", 0.3, since()).ref("person", boss, true).ref("associate", l, true)
		c.relate(rel, boss, l, p)
	}
	for _, o := range c.persons() {
		switch {
		case subordinateRoles[o.label]:
			up := boss
			if len(leaders) > 0 && c.r.IntN(3) > 0 {
				up = pick(c.r, leaders)
			}
			rel := c.add("Associate", "associate", -1).set("relationship", 0, "works for").
				ref("person", o, true).ref("associate", up, true)
			c.relate(rel, o, up, p)
		case o.label == "spouse" || o.label == "brother":
			rel := c.add("Family", "family", -1).set("relationship", 0, o.label).
				ref("person", boss, true).ref("relative", o, true)
			c.relate(rel, boss, o, p)
		case o.label == "victim":
			if rec := c.first("recruiter"); rec != nil {
				rec = pick(c.r, c.byRole["recruiter"])
				rel := c.add("Associate", "associate", -1).set("relationship", 0, "recruited by").
					set("startDate", 0.5, since()).ref("person", o, true).ref("associate", rec, true)
				c.relate(rel, o, rec, p)
			}
		}
	}
}

// accountsOf returns the bank accounts an owner holds, in creation order.
func (c *cell) accountsOf(owner *wobj) []*wobj {
	var out []*wobj
	for _, o := range c.objs {
		if o.schema == "Ownership" && o.label == "account holder" && o.refs[0].to == owner {
			out = append(out, o.refs[1].to)
		}
	}
	return out
}

func (c *cell) companyBySector(sector string) *wobj {
	for _, o := range c.objs {
		if o.schema == "Company" && o.label == sector {
			return o
		}
	}
	return nil
}

// payments creates the money flows of the network.
func (c *cell) payments(companies []*wobj) {
	r := c.r
	amount := func(lo, hi int) float64 { return float64(lo+r.IntN(hi-lo+1)) + float64(r.IntN(100))/100 }
	roundAmount := func(lo, hi int) float64 { return float64((lo + r.IntN(hi-lo+1)) / 100 * 100) }
	pay := func(from, to *wobj, amt float64, purpose string) {
		if from == nil || to == nil || from == to {
			return
		}
		fa, ta := c.accountsOf(from), c.accountsOf(to)
		if len(fa) == 0 || len(ta) == 0 {
			return
		}
		c.payment(from, to, pick(r, fa), pick(r, ta), amt, purpose)
	}
	boss := c.first("organiser")
	switch c.kind {
	case DrugsMoneyLaundering:
		fruit, wash := c.companyBySector("Wholesale of fruit and vegetables"), c.companyBySector("Washing and cleaning of motor vehicles")
		for range 2 + r.IntN(2) {
			pay(fruit, boss, roundAmount(15_000, 45_000), "Management fee")
		}
		launderer := c.first("launderer")
		for _, m := range c.byRole["money mule"] {
			for range 2 + r.IntN(2) {
				pay(m, launderer, amount(9_000, 9_900), pick(r, []string{"Loan repayment", "Gift", "Car purchase"}))
			}
		}
		pay(wash, c.first("spouse"), roundAmount(20_000, 60_000), "Dividend")
		pay(launderer, c.first("crypto trader"), roundAmount(50_000, 150_000), "Purchase of USDT (OTC)")
		pay(boss, c.first("broker"), roundAmount(30_000, 90_000), "Consultancy services")
	case HumanTrafficking:
		staffing := c.companyBySector("Temporary employment agency")
		collector := c.first("money collector")
		for _, v := range c.byRole["victim"] {
			pay(staffing, v, amount(1_200, 1_900), "Salary")
			pay(v, collector, roundAmount(800, 1_500), "Rent and travel debt")
		}
		for range 2 {
			pay(collector, boss, roundAmount(5_000, 20_000), "Family support")
		}
	case CyberFraud:
		mules := c.byRole["money mule"]
		payco := c.companyBySector("Payment services")
		if len(mules) == 0 {
			return
		}
		for _, v := range c.byRole["victim"] {
			for range 1 + r.IntN(2) {
				pay(v, pick(r, mules), roundAmount(2_500, 50_000), "Deposit trading account")
			}
		}
		for _, m := range mules {
			pay(m, payco, amount(2_000, 40_000), "Invoice settlement")
		}
		pay(payco, c.first("cash-out operator"), roundAmount(20_000, 80_000), "Software licence")
	}
}

// payment records a transfer. The financial intelligence units of the two
// banks' countries see it; so, sometimes, does an agency that holds both
// parties.
func (c *cell) payment(payer, beneficiary, from, to *wobj, amt float64, purpose string) {
	d := c.dateBetween(c.start.AddDate(-1, 0, 0), referenceDate.AddDate(0, 0, -7))
	p := c.add("Payment", "payment", from.home).
		set("amount", 0, fmt.Sprintf("%.2f", amt)).set("currency", 0, "EUR").
		set("date", 0, formatDate(d)).set("purpose", 0.7, purpose).
		set("transactionNumber", 0.5, fmt.Sprintf("%s%08d", d.Format("20060102"), c.r.IntN(100_000_000))).
		ref("payer", payer, true).ref("beneficiary", beneficiary, true).
		ref("payerAccount", from, true).ref("beneficiaryAccount", to, true)
	p.date = d
	for _, a := range []int{from.home, to.home} {
		if a >= 0 && c.r.IntN(10) < 8 {
			p.hold(a)
		}
	}
	c.relate(p, payer, beneficiary, 0.4)
}

// place returns the city-level Address of a city, one per city and cell.
func (c *cell) place(country, city string) *wobj {
	for _, o := range c.objs {
		if o.schema == "Address" && o.label == "place" && o.prop("city")[0] == city {
			return o
		}
	}
	return c.add("Address", "place", c.agencyOf(country)).
		set("full", 0, city+", "+countries[country].name).set("city", 0, city).set("country", 0, lower(country))
}

// trip records a movement between two cities, seen by the agencies of the
// countries at either end (border checks, number-plate cameras).
func (c *cell) trip(from, to string, vehicle *wobj, involved ...*wobj) *wobj {
	fromCity, toCity := pick(c.r, places[from].cities).name, pick(c.r, places[to].cities).name
	start := c.dateBetween(c.start.AddDate(0, -6, 0), referenceDate.AddDate(0, 0, -3))
	t := c.add("Trip", "trip", c.agencyOf(from)).
		set("name", 0, "Trip "+fromCity+" – "+toCity).
		set("startDate", 0, formatDate(start)).set("endDate", 0.6, formatDate(start.AddDate(0, 0, c.r.IntN(3)))).
		set("description", 0.5, pick(c.r, []string{"Vehicle recorded by number-plate cameras on the route.", "Border check on entry.", "Observed by surveillance team.", "Toll and fuel-card records."})).
		ref("startLocation", c.place(from, fromCity), true).ref("endLocation", c.place(to, toCity), true).
		ref("vehicle", vehicle, true)
	t.date = start
	for _, p := range involved {
		t.ref("involved", p, false)
	}
	for _, a := range []int{c.agencyOf(from), c.agencyOf(to)} {
		if a >= 0 && c.r.IntN(10) < 8 {
			t.hold(a)
		}
	}
	if len(t.held()) == 0 && len(involved) > 0 {
		if hs := involved[0].held(); len(hs) > 0 {
			t.hold(hs[0])
		}
	}
	return t
}

// vehicleOf returns the first vehicle owned by owner.
func (c *cell) vehicleOf(owner *wobj) *wobj {
	for _, o := range c.objs {
		if o.schema == "Ownership" && o.label == "vehicle ownership" && o.refs[0].to == owner {
			return o.refs[1].to
		}
	}
	return nil
}

// otherAgencyCountry returns a participating country other than country.
func (c *cell) otherAgencyCountry(country string) string {
	for range 8 {
		if x := c.randomAgencyCountry(); x != country {
			return x
		}
	}
	for _, a := range c.g.agencies {
		if a.Country != country {
			return a.Country
		}
	}
	return country
}

// trips creates the network's movements.
func (c *cell) trips() {
	r := c.r
	switch c.kind {
	case DrugsMoneyLaundering:
		couriers := c.byRole["courier"]
		if len(couriers) == 0 {
			return
		}
		for range 2 + r.IntN(3) {
			cr := pick(r, couriers)
			from := cr.person.residence
			if c.agencyOf(from) < 0 {
				from = c.randomAgencyCountry()
			}
			involved := []*wobj{cr}
			if l := c.first("lieutenant"); l != nil && r.IntN(10) < 3 {
				involved = append(involved, l)
			}
			c.trip(from, c.otherAgencyCountry(from), c.vehicleOf(cr), involved...)
		}
	case HumanTrafficking:
		victims := c.byRole["victim"]
		transporters := c.byRole["transporter"]
		if len(victims) == 0 || len(transporters) == 0 {
			return
		}
		for range 1 + r.IntN(3) {
			tr := pick(r, transporters)
			v := pick(r, victims)
			involved := []*wobj{tr}
			for _, o := range victims {
				if o.person.residence == v.person.residence && len(involved) < 4 {
					involved = append(involved, o)
				}
			}
			c.trip(v.person.origin, v.person.residence, c.vehicleOf(tr), involved...)
		}
	case CyberFraud:
		if op := c.first("cash-out operator"); op != nil && r.IntN(2) == 0 {
			from := op.person.residence
			c.trip(from, c.otherAgencyCountry(from), c.vehicleOf(op), op)
		}
	}
}

// enforcementEvent records the seizure, raid or search that put the
// network on the radar.
func (c *cell) enforcementEvent() {
	r := c.r
	var name, summary, country string
	var involved []*wobj
	switch c.kind {
	case DrugsMoneyLaundering:
		country = c.randomAgencyCountry()
		kg := 50 + r.IntN(1500)
		name = fmt.Sprintf("Seizure of %d kg of cocaine", kg)
		summary = fmt.Sprintf("%d kg of cocaine found in a container of bananas from Guayaquil (Ecuador) at the port of %s.", kg, places[country].port)
		involved = append(involved, c.byRole["port insider"]...)
	case HumanTrafficking:
		salon := c.companyBySector("Massage salon")
		country = c.randomAgencyCountry()
		if salon != nil {
			country = strings.ToUpper(salon.prop("jurisdiction")[0])
		}
		name = "Raid on massage salon"
		summary = "Labour inspectorate and police raid; women found without access to their passports."
		involved = append(append(involved, c.byRole["enforcer"]...), c.byRole["victim"]...)
	case CyberFraud:
		country = c.randomAgencyCountry()
		name = "Search of call centre"
		summary = "Search of a call centre running fake investment platforms; servers and phones seized."
		involved = append(involved, c.byRole["caller"]...)
	}
	d := c.dateBetween(c.start.AddDate(0, -2, 0), c.start.AddDate(0, 1, 0))
	e := c.add("Event", "enforcement", c.agencyOf(country)).
		set("name", 0, name).set("summary", 0.8, summary).set("date", 0, formatDate(d)).
		set("country", 0, lower(country)).set("location", 0.8, pick(r, places[country].cities).name+", "+countries[country].name)
	e.date = d
	for _, p := range involved {
		e.ref("involved", p, false)
	}
	e.hold(e.home)
	for _, p := range involved {
		for _, a := range p.held() {
			if c.r.IntN(10) < 3 {
				e.hold(a)
			}
		}
	}
}
