package scenario

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// recordKind classifies a record by what it holds; it decides the title,
// narrative and envelope.
type recordKind int

const (
	kindNetwork recordKind = iota
	kindSubject
	kindVictim
	kindWitness
	kindFinancial
	kindMovement
	kindEnforcement
	kindRegister
	kindTheft
	kindBorder
	kindNamesake
	kindFlawed
)

func (c *cell) classify(comp []*wobj) (recordKind, []*wobj) {
	var persons []*wobj
	schemas := map[string]int{}
	for _, o := range comp {
		schemas[o.schema]++
		if o.person != nil {
			persons = append(persons, o)
		}
	}
	if s := c.story; s != nil {
		for _, o := range comp {
			switch o {
			case s.stolenPassport:
				return kindTheft, persons
			case s.borderTrip:
				if len(persons) <= 1 {
					return kindBorder, persons
				}
			case s.namesake:
				return kindNamesake, persons
			case s.flawed:
				return kindFlawed, persons
			}
		}
	}
	switch {
	case len(persons) >= 2 && schemas["Payment"] > 0 && schemas["Associate"]+schemas["Family"] == 0:
		return kindFinancial, persons
	case len(persons) >= 2:
		return kindNetwork, persons
	case schemas["Payment"] > 0:
		return kindFinancial, persons
	case schemas["Trip"] > 0:
		return kindMovement, persons
	case schemas["Event"] > 0:
		return kindEnforcement, persons
	case len(persons) == 1 && persons[0].person.category == catVictim:
		return kindVictim, persons
	case len(persons) == 1 && persons[0].person.category == catWitness:
		return kindWitness, persons
	case len(persons) == 1:
		return kindSubject, persons
	default:
		return kindRegister, persons
	}
}

// record builds agency a's record from one component of its holding.
func (c *cell) record(a, ci int, comp []*wobj, ents []*Entity) Record {
	g := c.g
	ag := g.agencies[a]
	kind, persons := c.classify(comp)
	rec := Record{
		ID:        g.recordID(a, c.index, ci),
		Agency:    ag.ID,
		CaseRef:   g.caseRef(a, c),
		Synthetic: true,
	}
	for _, o := range comp {
		rec.Entities = append(rec.Entities, *ents[o.id])
	}
	created := latest(comp)
	if created.IsZero() || created.Before(c.start) {
		created = c.start
	}
	created = created.AddDate(0, 0, 1+c.r.IntN(20))
	if !created.Before(referenceDate) {
		created = referenceDate.AddDate(0, 0, -1)
	}
	rec.Created = formatDate(created)

	name := func(o *wobj) string { return ents[o.id].Properties["name"][0] }
	rec.Title, rec.Narrative = c.describe(a, kind, comp, persons, ents, name)
	rec.Envelope = c.envelope(a, kind, rec.CaseRef, created, persons, ents)
	return rec
}

// operationOf is agency a's code name for the cell's investigation: the
// lead agency uses the cell's; the others have their own.
func (c *cell) operationOf(a int) string {
	if a == 0 {
		return c.operation
	}
	i := 0
	for j, n := range codeNames {
		if strings.HasPrefix(c.operation, n) {
			i = j
		}
	}
	return codeNames[(i+7*a)%len(codeNames)]
}

func (c *cell) describe(a int, kind recordKind, comp, persons []*wobj, ents []*Entity, name func(*wobj) string) (string, string) {
	ks := kindSpecs[c.kind]
	ag := c.g.agencies[a]
	op := "Operation " + c.operationOf(a)
	count := func(schema string) int {
		n := 0
		for _, o := range comp {
			if o.schema == schema {
				n++
			}
		}
		return n
	}
	var sb strings.Builder
	sentence := func(format string, args ...any) {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, format, args...)
	}
	switch kind {
	case kindNetwork:
		var leader *wobj
		for _, p := range persons {
			if leader == nil || p.label == "organiser" {
				leader = p
			}
		}
		sentence("%s investigation into %s.", op, ks.offence)
		sentence("This report covers %s, %s, %s and %s.", plural(len(persons), "person"), plural(count("Company"), "company"),
			plural(count("BankAccount"), "bank account"), plural(count("Trip"), "recorded movement"))
		if leader.label == "organiser" {
			sentence("%s is assessed to direct the group.", name(leader))
		} else {
			sentence("%s is the best-known member to this agency.", name(leader))
		}
		sentence("%s", c.modusOperandi())
		if st := c.story; st != nil && slices.Contains(comp, st.borderTrip) {
			sentence("On %s %s presented %s passport %s, reported stolen, at a border check and was identified by fingerprints.",
				st.borderTrip.prop("startDate")[0], name(st.impostor), countries[c.countryOf(st.lead)].name, st.usedPassport.prop("number")[0])
		}
		return fmt.Sprintf("%s: network report (%d subjects)", op, len(persons)), sb.String()
	case kindFinancial:
		total, first, last := 0.0, time.Time{}, time.Time{}
		n := 0
		for _, o := range comp {
			if o.schema != "Payment" {
				continue
			}
			n++
			var amt float64
			fmt.Sscanf(o.prop("amount")[0], "%f", &amt)
			total += amt
			if first.IsZero() || o.date.Before(first) {
				first = o.date
			}
			if o.date.After(last) {
				last = o.date
			}
		}
		if n == 1 {
			sentence("A bank reported a transfer of EUR %.2f on %s as suspicious.", total, formatDate(first))
			sentence("The parties are linked to an investigation into %s.", ks.offence)
		} else {
			sentence("Suspicious transaction reports show %s totalling EUR %.2f between %s and %s.", plural(n, "transfer"), total, formatDate(first), formatDate(last))
			sentence("Amounts just below reporting thresholds and rapid onward transfers are consistent with layering of proceeds of %s.", ks.offence)
		}
		return fmt.Sprintf("%s: financial intelligence (%s)", op, plural(n, "transfer")), sb.String()
	case kindMovement:
		for _, o := range comp {
			if o.schema == "Trip" {
				sentence("%s on %s.", o.prop("name")[0], o.prop("startDate")[0])
				if d := o.prop("description"); len(d) > 0 {
					sentence("%s", d[0])
				}
				return "Movement report: " + o.prop("name")[0], sb.String()
			}
		}
	case kindEnforcement:
		for _, o := range comp {
			if o.schema == "Event" {
				sentence("%s on %s.", o.prop("name")[0], o.prop("date")[0])
				if s := o.prop("summary"); len(s) > 0 {
					sentence("%s", s[0])
				}
				return o.prop("name")[0], sb.String()
			}
		}
	case kindVictim:
		p := persons[0]
		if p.label == "theft victim" {
			sentence("%s reported a crime to this agency.", name(p))
		} else {
			sentence("%s was identified as a victim in %s (%s).", name(p), op, ks.offence)
			sentence("The person is cooperating and has been referred to victim support.")
		}
		return "Victim statement: " + name(p), sb.String()
	case kindWitness:
		p := persons[0]
		sentence("%s made a statement as a witness in %s.", name(p), op)
		sentence("The witness described repeated visits by vehicles with foreign plates to an address under observation.")
		return "Witness statement: " + name(p), sb.String()
	case kindSubject:
		p := persons[0]
		sentence("%s is known to this agency in connection with %s.", name(p), ks.offence)
		var ids []string
		for _, o := range comp {
			if w, ok := identifierWords[o.schema]; ok && !slices.Contains(ids, w) {
				ids = append(ids, w)
			}
		}
		if len(ids) > 0 {
			sentence("Identifiers held: %s.", strings.Join(ids, ", "))
		}
		return "Subject report: " + name(p), sb.String()
	case kindTheft:
		s := c.story
		sentence("%s reported the theft of %s passport %s on %s.", name(s.theftVictim), countries[c.countryOf(s.lead)].name,
			s.stolenPassport.prop("number")[0], formatDate(s.theftDate))
		sentence("An alert for the document was entered in the national and international systems for stolen and lost travel documents.")
		return "Theft of passport " + s.stolenPassport.prop("number")[0], sb.String()
	case kindBorder:
		s := c.story
		sentence("On %s a traveller presented %s passport %s at a border check.", s.borderTrip.prop("startDate")[0],
			countries[c.countryOf(s.lead)].name, s.usedPassport.prop("number")[0])
		sentence("The photograph did not match the traveller; fingerprints identified %s.", name(s.impostor))
		sentence("The document was seized.")
		return "Border check: passport used by impostor", sb.String()
	case kindNamesake:
		s := c.story
		sentence("%s came to notice as a possible contact of the network investigated in %s, on the strength of his name.", name(s.namesake), op)
		sentence("Identity and involvement are not confirmed.")
		return "Subject report: " + name(s.namesake), sb.String()
	case kindFlawed:
		s := c.story
		fc := s.flawedCharge
		if s.flawedAgency == a {
			sentence("Criminal complaint against %s, a journalist, for %s (%s), over articles critical of the head of state published online.", name(s.flawed), strings.ToLower(fc.english), fc.statute)
			return "Criminal complaint: " + fc.original, sb.String()
		}
		sentence("%s asks for the arrest of %s, a journalist living in %s, for %s (%s), over articles critical of the head of state published online.",
			countries[s.flawedCountry].name, name(s.flawed), countries[s.flawed.person.residence].name, strings.ToLower(fc.english), fc.statute)
		return fmt.Sprintf("Request from %s: arrest of %s", countries[s.flawedCountry].name, name(s.flawed)), sb.String()
	}
	// kindRegister and anything unmatched: name the most telling object
	var what string
	for _, schema := range []string{"Company", "Vehicle", "BankAccount", "CryptoWallet", "UserAccount", "Passport", "Identification", "Address"} {
		for _, o := range comp {
			if o.schema != schema || what != "" {
				continue
			}
			props := ents[o.id].Properties
			for _, key := range []string{"name", "registrationNumber", "iban", "accountNumber", "number", "publicKey", "username", "full"} {
				if vs := props[key]; len(vs) > 0 {
					what = vs[0]
					break
				}
			}
		}
	}
	if what == "" {
		what = strings.ToLower(comp[0].schema)
	}
	sentence("Extract from %s records on %s, linked to %s.", ag.Name, what, op)
	return fmt.Sprintf("Register extract: %s", what), sb.String()
}

var identifierWords = map[string]string{
	"Passport": "passport", "Identification": "identity document", "Vehicle": "vehicle",
	"BankAccount": "bank account", "CryptoWallet": "crypto-asset wallet", "UserAccount": "online account",
}

// plural writes a count with its noun ("1 company", "3 companies").
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, noun[:len(noun)-1])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// modusOperandi is a sentence on how the network operates.
func (c *cell) modusOperandi() string {
	country := c.randomAgencyCountry()
	switch c.kind {
	case DrugsMoneyLaundering:
		return fmt.Sprintf("Cocaine is imported through the port of %s in containers of fruit and moved by road to the other participating countries; proceeds are laundered through cash businesses and crypto-asset traders.", places[country].port)
	case HumanTrafficking:
		return fmt.Sprintf("Victims are recruited with offers of work, transported by minibus and exploited in %s; their passports are withheld and wages collected as debts.", countries[country].name)
	default:
		return "Victims are called by call centres promoting fake trading platforms and pay into accounts controlled by money mules; funds are cashed out through crypto-asset wallets."
	}
}

// envelope suggests handling metadata for a record.
func (c *cell) envelope(a int, kind recordKind, caseRef string, created time.Time, persons []*wobj, ents []*Entity) Envelope {
	r := c.r
	ag := c.g.agencies[a]
	ks := kindSpecs[c.kind]
	e := Envelope{
		Purpose:    fmt.Sprintf("Criminal investigation into %s (%s)", ks.offence, caseRef),
		LegalBasis: ag.LegalBasis,
		Subjects:   []Subject{},
	}
	set := func(h, tlp, src, info string) {
		e.Handling, e.TLP, e.SourceReliability, e.InformationAssessment = h, tlp, src, info
	}
	switch kind {
	case kindNetwork:
		set("H2", "TLP:AMBER", "B", "2")
		if c.story != nil && a == c.story.lead {
			break // the demo shares the lead agency's records as they are
		}
		switch x := r.IntN(10); {
		case x < 2:
			e.Handling = "H3"
			e.HandlingRestriction = "Use only in case " + caseRef + "; no dissemination to third countries without consent."
		case x < 3:
			set("H2", "TLP:RED", "C", "3") // informant reporting
			for i, other := range c.g.agencies {
				if i != a && len(e.Recipients) < 2 {
					e.Recipients = append(e.Recipients, other.ID)
				}
			}
		case x < 6:
			e.TLP = "TLP:AMBER+STRICT"
		}
	case kindFinancial:
		set("H2", "TLP:AMBER+STRICT", "A", "1")
	case kindMovement, kindBorder:
		set("H0", "TLP:AMBER", "A", "1")
	case kindEnforcement:
		set("H1", "TLP:AMBER", "A", "1")
	case kindVictim, kindWitness:
		set("H1", "TLP:AMBER+STRICT", "B", "2")
	case kindSubject:
		set("H1", "TLP:AMBER", "B", "3")
	case kindTheft:
		set("H0", "TLP:GREEN", "A", "2")
		e.Purpose = "Prevention and detection of document fraud"
	case kindNamesake:
		set("H1", "TLP:AMBER", "C", "3")
	case kindFlawed:
		set("H0", "TLP:AMBER", "X", "4")
		e.Purpose = "Request for provisional arrest received through INTERPOL channels"
		if c.story.flawedAgency == a {
			set("H1", "TLP:AMBER", "B", "2")
			e.Purpose = "Criminal investigation (" + caseRef + ")"
		}
	default: // registers
		set("H0", "TLP:GREEN", "A", "1")
	}
	years := 3
	for _, p := range persons {
		cat := p.person.category
		switch {
		case p.peripheral[a] && cat != catVictim:
			cat = catContact
		case cat == catSuspect && a == p.home && leaderRoles[p.label] && r.IntN(4) == 0:
			cat = catConvicted // known from an earlier conviction in this country
		}
		if cat == catSuspect {
			years = 5
		}
		e.Subjects = append(e.Subjects, Subject{EntityID: ents[p.id].ID, Category: cat})
	}
	e.ReviewDate = formatDate(created.AddDate(years, 0, 0))
	return e
}

// alerts returns the document and vehicle alerts a cell contributes: the
// story's, and passports that members reported lost (to obtain a clean
// one) or that traffickers took from their victims.
func (c *cell) alerts() ([]DocumentAlert, []VehicleAlert) {
	var docs []DocumentAlert
	var vehs []VehicleAlert
	if c.story != nil {
		docs, vehs = c.storyAlerts()
	}
	for _, o := range c.objs {
		if o.schema != "Passport" || (c.story != nil && (o == c.story.stolenPassport || o == c.story.usedPassport)) {
			continue
		}
		holder := o.target("holder")
		status := ""
		switch {
		case holder.person.category == catVictim && c.kind == HumanTrafficking && c.r.IntN(2) == 0:
			status = "stolen"
		case holder.person.category == catSuspect && c.r.IntN(12) == 0:
			status = "lost"
		}
		if status == "" {
			continue
		}
		country := strings.ToUpper(o.prop("country")[0])
		ag, _ := AgencyFor(country)
		docs = append(docs, DocumentAlert{
			DocumentNumber: o.prop("number")[0], Country: country, Type: "passport", Status: status,
			ReportedOn:      formatDate(c.dateBetween(c.start.AddDate(-1, 0, 0), referenceDate)),
			ReportingAgency: ag.ID, AlertID: c.g.alertID(ag.ID, "D", c.index, o.id),
		})
	}
	return docs, vehs
}

// alertID is the reference of an alert the scenario's networks cause:
// "<reporting agency>-<kind><16 hex>", unique by construction like entity
// ids and, like them, free of ground truth.
func (g *generator) alertID(agency, kind string, cellIndex, n int) string {
	const alertSpace = 0x414c455254000000
	return agency + "-" + kind + hex64(fmix64(uint64(g.opts.Seed)^alertSpace^(uint64(cellIndex)<<24|uint64(n))))
}
