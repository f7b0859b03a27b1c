package scenario

import (
	"fmt"
	"strings"
	"time"
)

// Story names the parts of the story network (cell 0) that the demo and
// exercises use. Every entity and record id in it exists in the output.
type Story struct {
	Kind      Kind   `json:"kind"`
	Operation string `json:"operation"` // code name of the lead agency's investigation
	// LeadAgency runs the investigation and holds every hook except
	// where noted.
	LeadAgency string `json:"lead_agency"`
	// MainSuspect is held by every agency, under different spellings or
	// scripts, and by at least two with the same passport number.
	MainSuspect Suspect `json:"main_suspect"`
	// Namesake has the main suspect's name but is another person; one
	// agency's record about him is the one later withdrawn.
	Namesake Suspect `json:"namesake"`
	// StolenPassport is reported stolen (alerts.csv) and used by an
	// impostor, whom a border lookup should flag.
	StolenPassport DocumentHook `json:"stolen_passport"`
	// StolenVehicle is reported stolen (vehicle_alerts.csv) and driven by
	// a member of the network.
	StolenVehicle VehicleHook `json:"stolen_vehicle"`
	// RedNotice is a second suspect for whom the lead agency drafts a red
	// notice: a serious ordinary-law offence, maximum penalty ≥ 2 years.
	RedNotice NoticeCandidate `json:"red_notice"`
	// FlawedNotice is a notice request with a political charge that
	// compliance screening (INTERPOL Constitution Art. 3) must flag.
	FlawedNotice NoticeCandidate `json:"flawed_notice"`
	// Withdrawal is the record its holder withdraws after sharing it.
	Withdrawal Withdrawal `json:"withdrawal"`
}

// Holding is one agency's view of a real-world person or object.
type Holding struct {
	Agency    string `json:"agency"`
	RecordID  string `json:"record_id"`
	EntityID  string `json:"entity_id"`
	Name      string `json:"name,omitempty"`       // as the agency writes it
	Script    Script `json:"script,omitempty"`     // of Name
	BirthDate string `json:"birth_date,omitempty"` // as the agency holds it (may be partial or wrong)
}

// Identifier is a document or other identifying number.
type Identifier struct {
	Type    string `json:"type"` // passport, id_card, vin, plate, phone, iban
	Value   string `json:"value"`
	Country string `json:"country,omitempty"` // issuing country, upper case
}

// Suspect is a person hook.
type Suspect struct {
	Cluster     string       `json:"cluster"` // ground-truth cluster id
	Role        string       `json:"role"`
	Origin      string       `json:"origin"`     // country of the name and script
	BirthDate   string       `json:"birth_date"` // the true date
	Holdings    []Holding    `json:"holdings"`
	Identifiers []Identifier `json:"identifiers,omitempty"`
	// SharedBy lists the agencies that hold Identifiers[0] exactly.
	SharedBy []string `json:"shared_by,omitempty"`
}

// DocumentHook is a travel document with an alert on it.
type DocumentHook struct {
	Document        Identifier `json:"document"`
	AlertID         string     `json:"alert_id"`
	ReportedBy      string     `json:"reported_by"`
	ReportedOn      string     `json:"reported_on"`
	Cluster         string     `json:"cluster"`          // the document
	OwnerCluster    string     `json:"owner_cluster"`    // its lawful holder, who reported the theft
	ImpostorCluster string     `json:"impostor_cluster"` // who travels on it
	Holdings        []Holding  `json:"holdings"`         // the document as each agency records it
	// LookupAgency is the agency whose border check in the demo hits the alert.
	LookupAgency string `json:"lookup_agency"`
}

// VehicleHook is a vehicle with an alert on it.
type VehicleHook struct {
	Plate         Identifier `json:"plate"`
	VIN           string     `json:"vin"`
	AlertID       string     `json:"alert_id"`
	ReportedBy    string     `json:"reported_by"`
	Cluster       string     `json:"cluster"`
	DriverCluster string     `json:"driver_cluster"`
	Holdings      []Holding  `json:"holdings"`
	LookupAgency  string     `json:"lookup_agency"`
}

// NoticeCandidate is the material for an INTERPOL notice, in the shape of
// the public notice API (names upper case as on the passport, date of birth
// "YYYY/MM/DD", countries as ISO alpha-2).
type NoticeCandidate struct {
	Cluster  string    `json:"cluster"`
	Holdings []Holding `json:"holdings"`
	// RequestingAgency drafts the notice; empty when the request comes from
	// a country outside the scenario (see RequestingCountry), in which case
	// LeadAgency received it.
	RequestingAgency  string   `json:"requesting_agency,omitempty"`
	RequestingCountry string   `json:"requesting_country"`
	Forename          string   `json:"forename"`
	Name              string   `json:"name"`
	DateOfBirth       string   `json:"date_of_birth"`
	SexID             string   `json:"sex_id"`
	Nationalities     []string `json:"nationalities"`
	PlaceOfBirth      string   `json:"place_of_birth"`
	Charge            string   `json:"charge"`          // in English
	ChargeOriginal    string   `json:"charge_original"` // in the requesting country's language
	Statute           string   `json:"statute"`
	MaxPenaltyYears   int      `json:"max_penalty_years"`
	WarrantReference  string   `json:"warrant_reference"`
	WarrantDate       string   `json:"warrant_date"`
	// Expected is what compliance screening should conclude:
	// "publishable" or "refuse: Art. 3 (political)".
	Expected string `json:"expected"`
}

// Withdrawal is a record its holder withdraws after sharing it.
type Withdrawal struct {
	Agency     string   `json:"agency"`
	RecordID   string   `json:"record_id"`
	SharedWith []string `json:"shared_with"`
	Reason     string   `json:"reason"`
}

// charge is an offence as a country's law defines it.
type charge struct {
	english, original, statute string
	maxYears                   int
}

// redCharges are the offences for the red-notice candidate, by kind and
// requesting country; fallbackCharges apply where a country's statute is
// not modelled and cite the EU instrument that sets the minimum maximum
// penalty member states must provide.
var redCharges = map[Kind]map[string]charge{
	DrugsMoneyLaundering: {
		"NL": {"Importation of hard drugs (cocaine)", "Opzettelijk binnen het grondgebied van Nederland brengen van harddrugs", "Opiumwet, art. 10(5)", 12},
		"DE": {"Importation of narcotics in not insignificant quantities as a member of a gang", "Bandenmäßige Einfuhr von Betäubungsmitteln in nicht geringer Menge", "BtMG § 30a Abs. 1", 15},
		"FR": {"Importation of narcotics by an organised gang", "Importation de stupéfiants en bande organisée", "Code pénal, art. 222-36 al. 2", 30},
	},
	HumanTrafficking: {
		"NL": {"Trafficking in human beings", "Mensenhandel", "Wetboek van Strafrecht, art. 273f", 12},
		"DE": {"Trafficking in human beings as a member of a gang", "Bandenmäßiger Menschenhandel", "StGB § 232 Abs. 3", 10},
		"FR": {"Aggravated trafficking in human beings", "Traite des êtres humains aggravée", "Code pénal, art. 225-4-2", 10},
	},
	CyberFraud: {
		"NL": {"Fraud", "Oplichting", "Wetboek van Strafrecht, art. 326", 4},
		"DE": {"Commercial computer fraud as a member of a gang", "Gewerbs- und bandenmäßiger Computerbetrug", "StGB § 263a Abs. 2 i.V.m. § 263 Abs. 5", 10},
		"FR": {"Fraud by an organised gang", "Escroquerie en bande organisée", "Code pénal, art. 313-2", 10},
	},
}

var fallbackCharges = map[Kind]charge{
	DrugsMoneyLaundering: {"Drug trafficking within a criminal organisation", "", "national law implementing Framework Decision 2004/757/JHA, art. 4(3)", 10},
	HumanTrafficking:     {"Trafficking in human beings, aggravated", "", "national law implementing Directive 2011/36/EU, art. 4(2)", 10},
	CyberFraud:           {"Fraud related to non-cash means of payment within a criminal organisation", "", "national law implementing Directive (EU) 2019/713, art. 9(4)", 5},
}

// politicalCharges are offences of insulting the head of state, still on
// the books in these countries; a notice for one of them alone is
// political in character. Order is preference when several participate.
var politicalCharges = []struct {
	country string
	charge
}{
	{"DE", charge{"Disparaging the Federal President", "Verunglimpfung des Bundespräsidenten", "StGB § 90", 5}},
	{"TR", charge{"Insulting the President of the Republic", "Cumhurbaşkanına hakaret", "Türk Ceza Kanunu, md. 299", 4}},
	{"PL", charge{"Insulting the President of the Republic", "Znieważenie Prezydenta Rzeczypospolitej Polskiej", "Kodeks karny, art. 135 § 2", 3}},
	{"IT", charge{"Offence against the honour of the President of the Republic", "Offesa all'onore o al prestigio del Presidente della Repubblica", "Codice penale, art. 278", 5}},
	{"ES", charge{"Serious insult to the King", "Injurias graves al Rey", "Código Penal, art. 490.3", 2}},
}

// storyCast is what cell 0 sets aside for the story.
type storyCast struct {
	lead, second, third int // agency indexes
	main, redNotice     *wobj
	namesake, flawed    *wobj
	theftVictim         *wobj
	impostor, driver    *wobj
	mainPassport        *wobj
	stolenPassport      *wobj
	usedPassport        *wobj
	borderTrip          *wobj
	stolenVehicle       *wobj
	vehicleModel        vehicleModel
	vehicleVIN          string
	theftDate           time.Time
	vehicleTheftDate    time.Time
	redCountry          string
	redCharge           charge
	flawedCountry       string
	flawedAgency        int // -1 when the request comes from outside the scenario
	flawedCharge        charge
}

// castStory picks and adds the story's persons, before personal objects
// are created so that they get documents like everybody else.
func (c *cell) castStory() {
	n := len(c.g.agencies)
	s := &storyCast{lead: 0, second: 1, third: min(2, n-1), flawedAgency: -1}
	c.story = s

	s.main = c.first("organiser")
	for a := range n {
		s.main.hold(a)
	}

	redRole := map[Kind]string{DrugsMoneyLaundering: "broker", HumanTrafficking: "recruiter", CyberFraud: "cash-out operator"}[c.kind]
	s.redNotice = c.first(redRole)
	s.redNotice.hold(s.lead)
	s.redNotice.hold(s.second)
	s.redCountry = c.countryOf(s.lead)
	var ok bool
	if s.redCharge, ok = redCharges[c.kind][s.redCountry]; !ok {
		s.redCharge = fallbackCharges[c.kind]
	}

	memberRole := map[Kind]string{DrugsMoneyLaundering: "courier", HumanTrafficking: "transporter", CyberFraud: "money mule"}[c.kind]
	s.impostor = c.byRole[memberRole][0]
	s.impostor.hold(s.second)
	s.driver = c.byRole[memberRole][len(c.byRole[memberRole])-1]
	s.driver.hold(s.lead)

	// An agency that writes names in Cyrillic, Greek or Arabic script holds
	// a national of its own who another agency holds in Latin script.
	for a, ag := range c.g.agencies {
		if countries[ag.Country].script == Latin {
			continue
		}
		other := s.lead
		if a == s.lead {
			other = s.second
		}
		o := c.newPerson(personSpec{role: memberRole, category: catSuspect, origin: ag.Country, residence: ag.Country, minAge: 20, maxAge: 45})
		o.hold(a)
		o.hold(other)
	}

	c.forceMainRenderings()

	// The namesake: same name, another man, held only by the second agency,
	// which wrongly linked him to the network.
	mp := s.main.person
	s.namesake = c.newPerson(personSpec{role: "namesake", category: catSuspect, origin: mp.origin, residence: c.countryOf(s.second), minAge: 20, maxAge: 60})
	np := s.namesake.person
	np.female, np.given, np.family, np.family2, np.patronymic = mp.female, mp.given, mp.family, mp.family2, mp.patronymic
	np.birth = mp.birth.AddDate(7+c.r.IntN(9), c.r.IntN(12), c.r.IntN(28))
	np.forced = map[int]nameRendering{s.second: mp.forced[s.lead]}
	s.namesake.hold(s.second)

	// The flawed notice: a journalist wanted for insulting a head of state.
	s.flawedCountry = "TR"
	s.flawedCharge = politicalCharges[1].charge
	for _, pc := range politicalCharges {
		if a := c.agencyOf(pc.country); a >= 0 {
			s.flawedCountry, s.flawedCharge, s.flawedAgency = pc.country, pc.charge, a
			break
		}
	}
	holder := s.flawedAgency
	if holder < 0 {
		holder = s.lead // the lead agency received the request from abroad
	}
	s.flawed = c.newPerson(personSpec{role: "journalist", category: catSuspect, origin: s.flawedCountry,
		residence: c.otherAgencyCountry(c.countryOf(holder)), female: c.r.IntN(2) == 0, minAge: 28, maxAge: 60})
	s.flawed.hold(holder)

	// The lawful holder of the passport that will be stolen.
	s.theftVictim = c.newPerson(personSpec{role: "theft victim", category: catVictim, origin: c.countryOf(s.lead),
		residence: c.countryOf(s.lead), female: c.r.IntN(2) == 0, minAge: 25, maxAge: 60})
	s.theftVictim.hold(s.lead)
}

// forceMainRenderings fixes how each agency writes the main suspect's name
// so that the demo has different spellings and, where a script other than
// Latin is involved, both scripts.
func (c *cell) forceMainRenderings() {
	s := c.story
	p := s.main.person
	originScript := countries[p.origin].script
	convs := make([]convention, len(c.g.agencies))
	for a, ag := range c.g.agencies {
		switch {
		case countries[ag.Country].script == originScript:
			convs[a] = convNative
		case a == s.lead:
			convs[a] = convPassport
		case a == s.second:
			convs[a] = conventionOf(ag.Country)
		case a == s.third && originScript != Latin:
			convs[a] = convNative // from documents seized in a search
		default:
			convs[a] = conventionOf(ag.Country)
		}
	}
	hasNative, hasLatin := false, false
	for _, cv := range convs {
		if cv == convNative && originScript != Latin {
			hasNative = true
		} else {
			hasLatin = true
		}
	}
	if originScript != Latin && !hasNative {
		convs[s.second] = convNative
	}
	if !hasLatin {
		convs[s.lead] = convPassport
	}
	p.forced = make(map[int]nameRendering, len(convs))
	for a, cv := range convs {
		p.forced[a] = p.render(cv)
	}
	// Spellings must differ between agencies that share a script.
	for a := range convs {
		if a == s.lead {
			continue
		}
		if sameName(p.forced[a], p.forced[s.lead]) {
			n := p.forced[a]
			n.last = forceVariant(c, n.last)
			p.forced[a] = n
		}
	}
}

// sameName compares lower-cased spellings, as a reader does: "İsmail" and
// "Ismail" lower-case alike (strings.EqualFold keeps them apart).
func sameName(x, y nameRendering) bool {
	return strings.ToLower(x.first) == strings.ToLower(y.first) && strings.ToLower(x.last) == strings.ToLower(y.last)
}

// forceVariant returns a spelling variant that differs from s.
func forceVariant(c *cell, s string) string {
	for range 8 {
		if v := randomSpellingVariant(c.r, s); v != s {
			return v
		}
	}
	return s + "e"
}

// storyObjects adds the hooks that need the members' objects: the shared
// passport, the stolen passport and its border crossing, the stolen
// vehicle.
func (c *cell) storyObjects() {
	s := c.story
	r := c.r

	for _, o := range c.objs {
		if o.schema == "Passport" && o.target("holder") == s.main {
			s.mainPassport = o
			break
		}
	}
	if s.mainPassport == nil {
		s.mainPassport = c.passport(s.main, s.main.person.nationality[0])
	}
	s.mainPassport.hold(s.lead)
	s.mainPassport.hold(s.second)

	// The stolen passport, as its lawful holder reported it and as the
	// impostor presents it at a border check.
	leadCountry := c.countryOf(s.lead)
	number := passportNumber(r, leadCountry)
	issued := c.dateBetween(referenceDate.AddDate(-7, 0, 0), referenceDate.AddDate(-2, 0, 0))
	s.theftDate = c.dateBetween(c.start.AddDate(0, -8, 0), c.start.AddDate(0, -1, 0))
	s.stolenPassport = c.newPassport(s.theftVictim, s.theftVictim, leadCountry, number, issued).
		set("summary", 0, "Reported stolen on "+formatDate(s.theftDate)+".")
	s.stolenPassport.hold(s.lead)
	s.usedPassport = c.newPassport(s.theftVictim, s.impostor, leadCountry, number, issued)
	s.usedPassport.cluster = s.stolenPassport.id
	s.usedPassport.hold(s.second)
	from := s.impostor.person.origin
	if from == c.countryOf(s.second) {
		from = leadCountry
	}
	s.borderTrip = c.trip(from, c.countryOf(s.second), nil, s.impostor)
	for a := range s.borderTrip.holders {
		s.borderTrip.holders[a] = false
	}
	s.borderTrip.hold(s.second)
	s.borderTrip.props = append(s.borderTrip.props, wprop{name: "summary",
		values: []string{"Subject presented " + countries[leadCountry].name + " passport " + number + " at the border check; photograph does not match."}})

	// A stolen vehicle, reported by the second agency, driven by a member
	// and seen by the lead agency's number-plate cameras.
	secondCountry := c.countryOf(s.second)
	m := pick(r, vehicleModels)
	s.vehicleModel = m
	year := referenceDate.Year() - 1 - r.IntN(4)
	s.vehicleVIN = vin(r, m.wmi, year)
	s.vehicleTheftDate = c.dateBetween(c.start.AddDate(0, -6, 0), c.start)
	s.stolenVehicle = c.add("Vehicle", m.kind, c.agencyOf(secondCountry)).
		set("registrationNumber", 0, plate(r, secondCountry)).set("name", 0.8, m.make+" "+m.model).
		set("model", 0.8, m.model).set("type", 0.8, m.kind).set("country", 0, lower(secondCountry)).
		set("buildDate", 0.3, fmt.Sprint(year)).set("description", 0, "VIN "+s.vehicleVIN)
	s.stolenVehicle.hold(s.second)
	t := c.trip(leadCountry, c.otherAgencyCountry(leadCountry), s.stolenVehicle, s.driver)
	t.hold(s.lead)
}

// storyAlerts are the alerts the story needs.
func (c *cell) storyAlerts() ([]DocumentAlert, []VehicleAlert) {
	s := c.story
	lead, second := c.g.agencies[s.lead], c.g.agencies[s.second]
	doc := DocumentAlert{
		DocumentNumber: s.stolenPassport.prop("number")[0], Country: lead.Country, Type: "passport",
		Status: "stolen", ReportedOn: formatDate(s.theftDate), ReportingAgency: lead.ID,
		AlertID: c.g.alertID(lead.ID, "D", 0, s.stolenPassport.id),
	}
	veh := VehicleAlert{
		VIN: s.vehicleVIN, Plate: s.stolenVehicle.prop("registrationNumber")[0], Country: second.Country,
		Make: s.vehicleModel.make, Model: s.vehicleModel.model,
		Colour: pick(c.r, vehicleColours), Status: "stolen", ReportedOn: formatDate(s.vehicleTheftDate),
		ReportingAgency: second.ID, AlertID: c.g.alertID(second.ID, "V", 0, s.stolenVehicle.id),
	}
	return []DocumentAlert{doc}, []VehicleAlert{veh}
}
