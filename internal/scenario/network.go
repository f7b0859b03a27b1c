package scenario

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// build creates the cell's world: members, their documents, addresses,
// phones, vehicles, accounts, wallets and online accounts, front
// companies, relations, payments, movements and one enforcement event;
// then (for cell 0) the story hooks; then the holders' closure.
func (c *cell) build() {
	ks := kindSpecs[c.kind]
	story := c.index == 0
	boss := pick(c.r, ks.bossOrigins)

	for _, rs := range ks.roles {
		n := rs.max
		if !story {
			n = rs.min + c.r.IntN(rs.max-rs.min+1)
		}
		for range n {
			origin := c.chooseOrigin(rs.origin, boss, ks)
			o := c.newPerson(personSpec{
				role: rs.name, category: rs.category, origin: origin,
				residence: c.chooseResidence(origin, rs.name),
				female:    c.r.Float64() < rs.female, minAge: rs.minAge, maxAge: rs.maxAge,
			})
			spread := rs.spread
			if story {
				spread = min(1, spread*1.5)
			}
			c.spreadHolders(o, spread)
		}
	}
	if story {
		c.castStory()
	}

	persons := c.persons()
	for _, p := range persons {
		c.personalObjects(p)
	}
	companies := c.companies(ks)
	c.relations()
	c.payments(companies)
	c.trips()
	c.enforcementEvent()
	if story {
		c.storyObjects()
	}
	c.close()
}

// persons returns the cell's Person objects in creation order.
func (c *cell) persons() []*wobj {
	var out []*wobj
	for _, o := range c.objs {
		if o.person != nil {
			out = append(out, o)
		}
	}
	return out
}

func (c *cell) first(role string) *wobj {
	if xs := c.byRole[role]; len(xs) > 0 {
		return xs[0]
	}
	return nil
}

func lower(country string) string { return strings.ToLower(country) }

// address creates a street address in country.
func (c *cell) address(country string) *wobj {
	a := randomAddress(c.r, country)
	return c.add("Address", "address", c.agencyOf(country)).
		set("full", 0, a.full()).set("street", 0.8, a.street).set("postalCode", 0.8, a.postalCode).
		set("city", 0, a.city).set("country", 0, lower(country))
}

// personalObjects gives a person a home address, travel and identity
// documents, vehicles, bank accounts, crypto-asset wallets and messaging
// accounts, each known to some of the person's holders.
func (c *cell) personalObjects(p *wobj) {
	r := c.r
	wp := p.person
	suspect := wp.category == catSuspect

	home := c.address(wp.residence)
	c.attach(home, p, 0.45, 0.95)
	p.ref("addressEntity", home, false)

	if suspect || wp.category == catVictim || r.IntN(2) == 0 {
		c.passport(p, wp.nationality[0])
	}
	if num, ok := idCardNumber(r, wp.residence); ok && r.IntN(10) < 6 {
		kind := "identity card"
		if !containsStr(wp.nationality, wp.residence) {
			kind = "residence permit"
		}
		issued := c.dateBetween(referenceDate.AddDate(-9, 0, 0), referenceDate.AddDate(0, -1, 0))
		id := c.add("Identification", kind, c.agencyOf(wp.residence)).
			set("number", 0, num).set("type", 0, kind).set("country", 0, lower(wp.residence)).
			set("startDate", 0.5, formatDate(issued)).set("endDate", 0.5, formatDate(issued.AddDate(10, 0, -1))).
			ref("holder", p, true)
		c.attach(id, p, 0.15, 0.85)
	}

	switch p.label {
	case "organiser", "lieutenant", "courier", "transporter", "broker", "enforcer", "cash-out operator":
		if r.IntN(10) < 7 {
			c.vehicle(p, wp.residence)
		}
	}

	accounts := 0
	switch {
	case p.label == "money mule":
		accounts = 1 + r.IntN(2)
	case suspect || wp.category == catVictim:
		if r.IntN(10) < 7 {
			accounts = 1
		}
	}
	for range accounts {
		c.bankAccountFor(p, wp.residence, false)
	}

	switch p.label {
	case "launderer", "crypto trader", "cash-out operator", "organiser", "money collector":
		if p.label != "organiser" || c.kind == CyberFraud || r.IntN(3) == 0 {
			for range 1 + r.IntN(2) {
				c.wallet(p)
			}
		}
	}

	if suspect && r.IntN(10) < 6 {
		c.userAccount(p)
	}
	if p.label == "developer" || p.label == "organiser" && c.kind == CyberFraud {
		c.userAccount(p)
	}
}

func containsStr(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// passport issues a passport of country to person p.
func (c *cell) passport(p *wobj, country string) *wobj {
	issued := c.dateBetween(referenceDate.AddDate(-9, -6, 0), referenceDate.AddDate(0, -2, 0))
	pass := c.newPassport(p, p, country, passportNumber(c.r, country), issued)
	c.attach(pass, p, 0.5, 0.9)
	return pass
}

// newPassport makes a Passport object carrying the data of owner as printed
// in its machine-readable zone, presented by holder (the owner, unless the
// document is used by an impostor).
func (c *cell) newPassport(owner, holder *wobj, country, number string, issued time.Time) *wobj {
	wp := owner.person
	gender := "male"
	if wp.female {
		gender = "female"
	}
	return c.add("Passport", "passport", c.agencyOf(country)).
		set("number", 0, number).set("passportNumber", 0, number).set("type", 0, "passport").
		set("country", 0, lower(country)).set("authority", 0.4, passportAuthority(country, wp.birthPlace)).
		set("startDate", 0.5, formatDate(issued)).set("endDate", 0.5, formatDate(issued.AddDate(10, 0, -1))).
		set("surname", 0.6, strings.ToUpper(wp.romanFamily(convPassport))).
		set("givenName", 0.6, strings.ToUpper(wp.romanGiven(convPassport))).
		set("birthDate", 0.6, formatDate(wp.birth)).set("gender", 0.6, gender).
		ref("holder", holder, true)
}

func passportAuthority(country, city string) string {
	switch country {
	case "NL":
		return "Burgemeester van " + city
	case "DE":
		return "Stadt " + city
	case "FR":
		return "Préfecture"
	case "IT":
		return "Questura di " + city
	case "ES":
		return "Dirección General de la Policía"
	case "GB":
		return "HM Passport Office"
	case "US":
		return "United States Department of State"
	default:
		return "Ministry of Interior"
	}
}

// vehicle registers a vehicle in country, owned by owner (a person or a
// company) through an Ownership.
func (c *cell) vehicle(owner *wobj, country string) *wobj {
	r := c.r
	m := pick(r, vehicleModels)
	year := referenceDate.Year() - r.IntN(10)
	v := c.add("Vehicle", m.kind, c.agencyOf(country)).
		set("registrationNumber", 0, plate(r, country)).set("name", 0.8, m.make+" "+m.model).
		set("model", 0.8, m.model).set("type", 0.8, m.kind).set("country", 0, lower(country)).
		set("buildDate", 0.3, fmt.Sprint(year)).
		set("description", 0.4, "VIN "+vin(r, m.wmi, year)).
		set("registrationDate", 0.3, formatDate(c.dateBetween(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), referenceDate)))
	c.attach(v, owner, 0.4, 0.9)
	own := c.add("Ownership", "vehicle ownership", v.home).
		set("role", 0, "registered keeper").ref("owner", owner, true).ref("asset", v, true)
	c.relate(own, owner, v, 1) // the vehicle is known through its keeper
	return v
}

// bankAccountFor opens an account for owner (person or company) in country.
func (c *cell) bankAccountFor(owner *wobj, country string, business bool) *wobj {
	acct := bankAccount(c.r, country, business)
	kind := "current account"
	if business {
		kind = "business account"
	}
	b := c.add("BankAccount", kind, c.agencyOf(country)).
		set("iban", 0, acct.iban).set("accountNumber", 0.7, acct.number).
		set("bankName", 0.8, acct.bank.name).set("bic", 0.6, acct.bank.bic).
		set("accountType", 0.5, kind).set("country", 0, lower(country)).
		set("openingDate", 0.3, formatDate(c.dateBetween(referenceDate.AddDate(-8, 0, 0), c.start)))
	c.attach(b, owner, 0.3, 0.9)
	own := c.add("Ownership", "account holder", b.home).
		set("role", 0, "account holder").ref("owner", owner, true).ref("asset", b, true)
	c.relate(own, owner, b, 1) // the account is known through its holder
	return b
}

// wallet creates a crypto-asset wallet held by p.
func (c *cell) wallet(p *wobj) *wobj {
	r := c.r
	addr, sym := bitcoinAddress(r), "BTC"
	if r.IntN(2) == 0 {
		addr, sym = tronAddress(r), "USDT"
	}
	w := c.add("CryptoWallet", "wallet", -1).
		set("publicKey", 0, addr).set("currencySymbol", 0, sym).
		set("mangingExchange", 0.5, pick(r, []string{"Binance", "Kraken", "OKX", "Bybit", "self-custody"})).
		ref("holder", p, false)
	c.attach(w, p, 0.4, 0.4)
	return w
}

// userAccount creates a messaging or online account of p. IP addresses
// come from the documentation ranges (RFC 5737), never a real host.
func (c *cell) userAccount(p *wobj) *wobj {
	r := c.r
	wp := p.person
	services := []string{"Telegram", "Signal", "Threema", "WhatsApp", "Session"}
	if p.label == "developer" {
		services = []string{"GitHub", "XMPP (jabber)", "Tox"}
	}
	u := c.add("UserAccount", "online account", -1).
		set("username", 0, handle(r)).set("service", 0, pick(r, services)).
		ref("owner", p, false)
	if len(wp.phones) > 0 && r.IntN(2) == 0 {
		u.set("number", 0.6, pick(r, wp.phones))
	}
	if wp.email != "" && r.IntN(2) == 0 {
		u.set("email", 0.6, wp.email)
	}
	if p.label == "developer" || r.IntN(5) == 0 {
		u.set("ipAddress", 0.7, fmt.Sprintf("%s.%d", pick(r, []string{"192.0.2", "198.51.100", "203.0.113"}), 1+r.IntN(254)))
	}
	c.attach(u, p, 0.45, 0.45)
	return u
}

var handleWords = []string{"ghost", "tiger", "shadow", "king", "wolf", "snow", "white", "falcon", "money", "boss", "dragon", "lucky", "silent", "night", "storm", "cobra", "eagle", "prince", "baron", "rider"}

func handle(r *rand.Rand) string {
	a, b := pick(r, handleWords), pick(r, handleWords)
	switch r.IntN(3) {
	case 0:
		return a + "_" + b
	case 1:
		return a + fmt.Sprint(r.IntN(100))
	default:
		return a + b + fmt.Sprint(70+r.IntN(30))
	}
}
