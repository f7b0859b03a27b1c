package scenario

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// wperson is the truth about a person: the name as the civil register of
// the country of origin writes it, and the identifying facts agencies may
// know in part.
type wperson struct {
	origin  string // country whose name pool and script the name comes from
	female  bool
	given   givenName
	family  familyName
	family2 *familyName // Spanish second family name
	// patronymic (Russian, Ukrainian) in native script, already in the
	// person's gender.
	patronymic  string
	birth       time.Time
	birthPlace  string
	nationality []string // upper-case ISO codes, the origin first
	residence   string
	phones      []string
	email       string
	nationalID  string // personal number of the first nationality, if modelled
	category    string // data-subject category (Directive 2016/680 Art. 6)
	// forced fixes how particular agencies render the name (story hooks).
	forced map[int]nameRendering
}

// nameRendering is a person's name as one agency writes it.
type nameRendering struct {
	first, last, father string
	script              Script
}

// roleSpec describes one role in a network.
type roleSpec struct {
	name     string
	category string // data-subject category
	min, max int    // persons in a background network; the story network takes max
	origin   originRule
	female   float64 // probability the person is a woman
	spread   float64 // probability that each agency besides the home one holds the person
	minAge   int
	maxAge   int
}

type originRule int

const (
	fromBoss   originRule = iota // the organiser's country (or its diaspora)
	fromLocal                    // a participating country
	fromVictim                   // the kind's victim origins
	fromMixed                    // boss, local or the kind's pool
	fromTech                     // countries with crypto-asset and IT brokers
)

// Data-subject categories (Directive 2016/680 Art. 6).
const (
	catSuspect   = "suspect"
	catConvicted = "convicted"
	catVictim    = "victim"
	catWitness   = "witness"
	catContact   = "contact"
	catOther     = "other"
)

type kindSpec struct {
	bossOrigins   []string
	pool          []string
	victimOrigins []string
	techOrigins   []string
	roles         []roleSpec
	topic         string // FtM topic of suspects
	offence       string // short description for narratives
}

var kindSpecs = map[Kind]kindSpec{
	DrugsMoneyLaundering: {
		bossOrigins: []string{"MA", "AL", "RS", "TR"},
		pool:        []string{"MA", "AL", "RS", "TR", "DZ", "NL", "BE", "ES", "GB"},
		techOrigins: []string{"RU", "UA", "TR"},
		topic:       "crime.traffick.drug",
		offence:     "cocaine importation and money laundering",
		roles: []roleSpec{
			{"organiser", catSuspect, 1, 1, fromBoss, 0.05, 0.5, 32, 58},
			{"lieutenant", catSuspect, 2, 3, fromMixed, 0.1, 0.5, 25, 50},
			{"broker", catSuspect, 1, 1, fromBoss, 0, 0.6, 28, 55},
			{"port insider", catSuspect, 1, 2, fromLocal, 0.1, 0.15, 25, 60},
			{"courier", catSuspect, 2, 5, fromMixed, 0.1, 0.5, 19, 40},
			{"stash keeper", catSuspect, 1, 2, fromLocal, 0.2, 0.1, 20, 45},
			{"launderer", catSuspect, 1, 2, fromLocal, 0.25, 0.4, 30, 60},
			{"money mule", catSuspect, 1, 4, fromLocal, 0.35, 0.1, 18, 30},
			{"crypto trader", catSuspect, 0, 1, fromTech, 0.1, 0.3, 22, 45},
			{"spouse", catContact, 1, 1, fromBoss, 1, 0.25, 28, 55},
			{"brother", catSuspect, 0, 1, fromBoss, 0, 0.3, 25, 55},
			{"witness", catWitness, 0, 1, fromLocal, 0.5, 0.05, 20, 70},
		},
	},
	HumanTrafficking: {
		bossOrigins:   []string{"RO", "BG", "UA", "AL"},
		pool:          []string{"RO", "BG", "AL", "UA"},
		victimOrigins: []string{"RO", "BG", "UA", "MA"},
		techOrigins:   []string{"RO", "BG"},
		topic:         "crime.traffick.human",
		offence:       "trafficking in human beings for sexual and labour exploitation",
		roles: []roleSpec{
			{"organiser", catSuspect, 1, 1, fromBoss, 0.15, 0.5, 30, 55},
			{"recruiter", catSuspect, 1, 3, fromBoss, 0.5, 0.3, 22, 45},
			{"transporter", catSuspect, 1, 3, fromBoss, 0.1, 0.5, 22, 50},
			{"document forger", catSuspect, 0, 1, fromMixed, 0.1, 0.3, 30, 60},
			{"enforcer", catSuspect, 1, 2, fromBoss, 0, 0.2, 20, 40},
			{"money collector", catSuspect, 1, 2, fromBoss, 0.4, 0.3, 25, 50},
			{"launderer", catSuspect, 0, 1, fromLocal, 0.3, 0.3, 30, 60},
			{"victim", catVictim, 3, 8, fromVictim, 0.85, 0.3, 18, 32},
			{"witness", catWitness, 1, 2, fromLocal, 0.5, 0.05, 20, 70},
			{"spouse", catContact, 0, 1, fromBoss, 1, 0.2, 25, 50},
		},
	},
	CyberFraud: {
		bossOrigins: []string{"RU", "UA", "RO"},
		pool:        []string{"RU", "UA", "RO", "BG", "TR", "GB", "US"},
		techOrigins: []string{"RU", "UA", "TR"},
		topic:       "crime.cyber",
		offence:     "investment fraud through fake trading platforms and call centres",
		roles: []roleSpec{
			{"organiser", catSuspect, 1, 1, fromBoss, 0.1, 0.5, 28, 50},
			{"developer", catSuspect, 1, 2, fromBoss, 0.1, 0.2, 20, 40},
			{"call-centre manager", catSuspect, 1, 2, fromMixed, 0.3, 0.3, 25, 45},
			{"caller", catSuspect, 2, 4, fromMixed, 0.4, 0.1, 19, 35},
			{"mule herder", catSuspect, 1, 1, fromLocal, 0.2, 0.4, 22, 40},
			{"money mule", catSuspect, 2, 5, fromLocal, 0.4, 0.1, 18, 28},
			{"cash-out operator", catSuspect, 1, 1, fromTech, 0.1, 0.4, 25, 45},
			{"victim", catVictim, 2, 6, fromLocal, 0.5, 0.2, 35, 80},
			{"witness", catWitness, 0, 1, fromLocal, 0.5, 0.05, 20, 70},
		},
	},
}

// personSpec is what newPerson needs to know.
type personSpec struct {
	role      string
	category  string
	origin    string
	residence string
	female    bool
	minAge    int
	maxAge    int
}

// newPerson creates a person and decides nothing about holders.
func (c *cell) newPerson(s personSpec) *wobj {
	r := c.r
	pool := pools[s.origin]
	p := &wperson{origin: s.origin, female: s.female, residence: s.residence, category: s.category}
	if s.female {
		p.given = pick(r, pool.female)
	} else {
		p.given = pick(r, pool.male)
	}
	p.family = pick(r, pool.family)
	if s.origin == "ES" {
		f2 := pick(r, pool.family)
		p.family2 = &f2
	}
	if father := pick(r, pool.male); father.patronymic[0] != "" {
		p.patronymic = father.patronymic[0]
		if s.female {
			p.patronymic = father.patronymic[1]
		}
	}
	age := s.minAge + r.IntN(s.maxAge-s.minAge+1)
	p.birth = referenceDate.AddDate(-age-1, 0, 1+r.IntN(364))
	p.birthPlace = pick(r, places[s.origin].cities).name
	p.nationality = []string{s.origin}
	if s.residence != s.origin && r.IntN(3) == 0 {
		p.nationality = append(p.nationality, s.residence) // naturalised, dual nationality
	}
	for range 1 + r.IntN(2) {
		p.phones = append(p.phones, mobileNumber(r, s.residence))
	}
	if s.residence != s.origin && r.IntN(4) == 0 {
		p.phones = append(p.phones, mobileNumber(r, s.origin))
	}
	if r.IntN(3) == 0 {
		p.email = c.email(p)
	}
	p.nationalID = nationalNumber(r, s.origin, p.birth, s.female)

	o := c.add("Person", s.role, c.agencyOf(s.residence))
	o.person = p
	c.byRole[s.role] = append(c.byRole[s.role], o)
	return o
}

// email makes an address from the person's passport-form name. Domains are
// under the reserved .example top-level domain (RFC 2606), so no address
// can reach a real mailbox.
func (c *cell) email(p *wperson) string {
	first := strings.ToLower(asciiLetters(p.romanGiven(convPassport)))
	last := strings.ToLower(asciiLetters(p.romanFamily(convPassport)))
	providers := []string{"gmail", "outlook", "proton", "gmx", "yahoo", "mail", "icloud"}
	var local string
	switch c.r.IntN(4) {
	case 0:
		local = first + "." + last
	case 1:
		local = first[:1] + last + fmt.Sprint(p.birth.Year()%100)
	case 2:
		local = last + "." + first + fmt.Sprint(c.r.IntN(100))
	default:
		local = first + fmt.Sprint(p.birth.Year())
	}
	return local + "@" + pick(c.r, providers) + ".example"
}

// asciiLetters keeps the ASCII letters of s.
func asciiLetters(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

func (p *wperson) familyNative() string {
	f := p.family.male
	if p.female {
		f = p.family.female
	}
	if p.family2 != nil {
		f2 := p.family2.male
		if p.female {
			f2 = p.family2.female
		}
		f += " " + f2
	}
	return f
}

// romanGiven writes the given name in convention c.
func (p *wperson) romanGiven(c convention) string {
	if p.given.latin != nil && c != convNative {
		return romanizeArabic(p.given.latin, c)
	}
	return romanize(p.given.native, p.origin, c)
}

// romanFamily writes the family name in convention c.
func (p *wperson) romanFamily(c convention) string {
	if p.family.latin != nil && c != convNative {
		return romanizeArabic(p.family.latin, c)
	}
	return romanize(p.familyNative(), p.origin, c)
}

// render writes the name as agency a writes it, with convention c.
func (p *wperson) render(c convention) nameRendering {
	n := nameRendering{first: p.romanGiven(c), last: p.romanFamily(c), script: Latin}
	if p.patronymic != "" {
		n.father = romanize(p.patronymic, p.origin, c)
	}
	if c == convNative {
		n.script = countries[p.origin].script
	}
	return n
}

// birthAsKnown is the date of birth as an agency knows it: usually exact,
// sometimes only year and month or year, swapped day and month, a year off,
// or unknown (""). exact forces the true date.
func (c *cell) birthAsKnown(birth time.Time, exact bool) string {
	if exact {
		return formatDate(birth)
	}
	switch x := c.r.IntN(100); {
	case x < 72:
		return formatDate(birth)
	case x < 80:
		return birth.Format("2006-01")
	case x < 88:
		return birth.Format("2006")
	case x < 94 && birth.Day() <= 12 && birth.Day() != int(birth.Month()):
		// day and month swapped, as happens between DD/MM and MM/DD forms
		return fmt.Sprintf("%04d-%02d-%02d", birth.Year(), birth.Day(), int(birth.Month()))
	case x < 97:
		return birth.AddDate(c.r.IntN(3)-1, 0, 0).Format("2006") // year off by one or as given
	default:
		return ""
	}
}

// chooseOrigin applies an origin rule.
func (c *cell) chooseOrigin(rule originRule, boss string, ks kindSpec) string {
	r := c.r
	switch rule {
	case fromBoss:
		return boss
	case fromLocal:
		return c.randomAgencyCountry()
	case fromVictim:
		return pick(r, ks.victimOrigins)
	case fromTech:
		return pick(r, ks.techOrigins)
	default: // fromMixed
		switch x := r.IntN(10); {
		case x < 4:
			return boss
		case x < 8:
			return c.randomAgencyCountry()
		default:
			return pick(r, ks.pool)
		}
	}
}

// chooseResidence: most members live in a participating country (the
// diaspora of their country of origin); some live at home.
func (c *cell) chooseResidence(origin, role string) string {
	if c.agencyOf(origin) >= 0 {
		return origin
	}
	if role == "victim" || c.r.IntN(10) < 8 {
		return c.randomAgencyCountry()
	}
	return origin
}

// spreadHolders makes the home agency hold person o and each other agency
// with probability spread. A person living outside every participating
// country is held by one random agency at least.
func (c *cell) spreadHolders(o *wobj, spread float64) {
	o.hold(o.home)
	for a := range c.g.agencies {
		if a != o.home && c.r.Float64() < spread {
			o.hold(a)
		}
	}
	if len(o.held()) == 0 {
		o.hold(c.r.IntN(len(c.g.agencies)))
	}
}

// randomSpellingVariant returns a plausible misspelling of a Latin-script
// name part: a transliteration habit, a dropped diacritic, a doubled or
// swapped letter. It returns s unchanged when nothing applies.
func randomSpellingVariant(r *rand.Rand, s string) string {
	var cands []string
	addIf := func(v string) {
		if v != s && v != "" {
			cands = append(cands, v)
		}
	}
	lower := strings.ToLower(s)
	for _, sw := range [][2]string{{"ov", "off"}, {"ev", "eff"}, {"ow", "off"}, {"ić", "ich"}, {"ic", "itch"}, {"ski", "sky"}, {"iy", "y"}, {"ii", "y"}, {"ei", "ey"}} {
		if strings.HasSuffix(lower, sw[0]) {
			addIf(s[:len(s)-len(sw[0])] + sw[1])
		}
	}
	for _, sw := range [][2]string{{"ph", "f"}, {"ou", "u"}, {"y", "i"}, {"k", "c"}, {"dj", "d"}, {"ss", "s"}, {"tt", "t"}, {"ll", "l"}, {"mm", "m"}, {"ch", "sh"}, {"oe", "u"}, {"ij", "y"}} {
		if i := strings.Index(s, sw[0]); i > 0 {
			addIf(s[:i] + sw[1] + s[i+len(sw[0]):])
		}
	}
	addIf(icaoFold(s, ""))
	for _, joined := range []string{"El ", "Ben ", "Bou ", "Van ", "van ", "De ", "de "} {
		if strings.HasPrefix(s, joined) {
			addIf(joined[:len(joined)-1] + strings.ToLower(s[len(joined):len(joined)+1]) + s[len(joined)+1:])
		}
	}
	if strings.Contains(s, "-") {
		addIf(strings.ReplaceAll(s, "-", " "))
	}
	if rs := []rune(s); len(rs) >= 5 {
		i := 1 + r.IntN(len(rs)-3)
		if rs[i] != rs[i+1] {
			rs[i], rs[i+1] = rs[i+1], rs[i]
			addIf(string(rs))
		}
	}
	if len(cands) == 0 {
		return s
	}
	return pick(r, cands)
}
