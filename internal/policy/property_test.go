package policy

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"pgregory.net/rapid"
)

// The generators draw from small pools so that agencies, countries and
// cases collide often: the interesting decisions are about equality.
var (
	poolAgencies = []string{"NL-NCB", "DE-BKA", "FR-DCPJ", "BE-FP", "RU-MVD", "ES-CNP"}
	poolCountry  = map[string]string{"NL-NCB": "NL", "DE-BKA": "DE", "FR-DCPJ": "FR", "BE-FP": "BE", "RU-MVD": "RU", "ES-CNP": "ES"}
	poolCases    = []string{"A-1", "B-2", "C-3"}
	poolRoles    = append(slices.Clone(access.Roles), "ghost")
	poolTLP      = []TLP{TLPRed, TLPAmberStrict, TLPAmber, TLPGreen, TLPClear}
	poolSources  = []SourceReliability{SourceA, SourceB, SourceC, SourceX}
	realPurposes = Purposes[:len(Purposes)-1] // all but training
)

func genRule() *rapid.Generator[Restriction] {
	return rapid.Custom(func(t *rapid.T) Restriction {
		switch pick(t, []int{0, 1, 2, 3}, "kind") {
		case 0:
			return Restriction{RestrictNotToCountry, poolCountry[pick(t, poolAgencies, "country")]}
		case 1:
			return Restriction{RestrictNotToAgency, pick(t, poolAgencies, "agency")}
		case 2:
			return Restriction{RestrictCaseOnly, pick(t, poolCases, "case")}
		}
		return Restriction{RestrictNoMatching, ""}
	})
}

// pick draws an element of pool close to uniformly. (rapid.SampledFrom
// favours the first elements, which would make some agencies appear in
// almost every draw and others in almost none.)
func pick[E any](t *rapid.T, pool []E, label string) E {
	i := 0
	for bit := 1; bit < len(pool); bit <<= 1 {
		if rapid.Bool().Draw(t, label) {
			i |= bit
		}
	}
	return pool[i%len(pool)]
}

// distinctAgencies draws between min and max distinct agencies.
func distinctAgencies(t *rapid.T, min, max int, label string) []string {
	var ids []string
	for _, a := range poolAgencies {
		if len(ids) < max && rapid.Bool().Draw(t, label) {
			ids = append(ids, a)
		}
	}
	for len(ids) < min {
		if a := pick(t, poolAgencies, label); !slices.Contains(ids, a) {
			ids = append(ids, a)
		}
	}
	return ids
}

// genValidEnvelope draws a valid envelope whose review date lies between
// reviewFrom and reviewTo days after now.
func genValidEnvelope(reviewFrom, reviewTo int) *rapid.Generator[Envelope] {
	return rapid.Custom(func(t *rapid.T) Envelope {
		orig := pick(t, poolAgencies, "originator")
		e := Envelope{
			Originator:             orig,
			OriginatorCountry:      poolCountry[orig],
			TLP:                    pick(t, poolTLP, "tlp"),
			SourceReliability:      pick(t, poolSources, "source"),
			InformationReliability: InformationReliability(rapid.IntRange(1, 4).Draw(t, "info")),
			LegalBasis:             "national police act",
			ReviewDate:             now.Add(time.Duration(rapid.IntRange(reviewFrom*24, reviewTo*24).Draw(t, "reviewHours")) * time.Hour),
			Exercise:               rapid.Bool().Draw(t, "exercise"),
		}
		for _, code := range []Handling{H0, H1, H2, H3} {
			if rapid.Bool().Draw(t, code.String()) {
				e.Handling |= code
			}
		}
		if e.Handling == 0 {
			e.Handling = H1
		}
		if e.Exercise {
			e.Purpose = PurposeTraining
		} else {
			e.Purpose = pick(t, realPurposes, "purpose")
		}
		if e.Handling.Has(H3) {
			e.Restrictions.Rules = rapid.SliceOfNDistinct(genRule(), 0, 4, rapid.ID[Restriction]).Draw(t, "rules")
			if len(e.Restrictions.Rules) == 0 || rapid.Bool().Draw(t, "text") {
				e.Restrictions.Text = "ask the originator first"
			}
		}
		if e.TLP == TLPRed {
			e.TLPRecipients = distinctAgencies(t, 1, 3, "recipients")
		}
		if rapid.Bool().Draw(t, "copy") {
			e.ReceivedFrom = pick(t, poolAgencies, "receivedFrom")
		}
		if e.Handling.Has(H2) {
			e.OnwardGrants = distinctAgencies(t, 0, 3, "grants")
		}
		return e
	})
}

// genEnvelope draws an envelope that is usually valid and current,
// sometimes past its review date, and sometimes broken in one field (a
// decision must deny it).
func genEnvelope() *rapid.Generator[Envelope] {
	return rapid.Custom(func(t *rapid.T) Envelope {
		e := genValidEnvelope(1, 3*365).Draw(t, "envelope")
		if rarely(t, "expired") {
			e.ReviewDate = now.AddDate(0, 0, -rapid.IntRange(0, 30).Draw(t, "daysAgo"))
		}
		if rarely(t, "corrupt") {
			switch rapid.IntRange(1, 5).Draw(t, "field") {
			case 1:
				e.TLP = TLP(strings.ToLower(string(e.TLP))) // not canonical: must not pass for a weaker label
			case 2:
				e.Handling = 0
			case 3:
				e.Restrictions.Rules = append(e.Restrictions.Rules, Restriction{Kind: "only-on-tuesdays"})
			case 4:
				e.Restrictions = Restrictions{} // H3 set or not, rules gone
			case 5:
				e.Exercise = !e.Exercise
			}
		}
		return e
	})
}

// rarely is true one time in eight. (rapid biases integers towards small
// values, so IntRange(0, 7) == 0 would be far likelier than that.)
func rarely(t *rapid.T, label string) bool {
	return rapid.Bool().Draw(t, label+"1") && rapid.Bool().Draw(t, label+"2") && rapid.Bool().Draw(t, label+"3")
}

func genPrincipal() *rapid.Generator[access.Principal] {
	return rapid.Custom(func(t *rapid.T) access.Principal {
		agency := pick(t, poolAgencies, "agency")
		return access.Principal{
			UserID:   "u",
			Role:     pick(t, poolRoles, "role"),
			Agency:   agency,
			Country:  poolCountry[agency],
			Partner:  rarely(t, "partner"),
			Exercise: rapid.Bool().Draw(t, "exercise"),
		}
	})
}

func genPartner() *rapid.Generator[Partner] {
	return rapid.Custom(func(t *rapid.T) Partner {
		agency := pick(t, poolAgencies, "agency")
		return Partner{Agency: agency, Country: poolCountry[agency], Exercise: rapid.Bool().Draw(t, "exercise")}
	})
}

var (
	casesOrNone       = append([]string{""}, poolCases...)
	purposesOrUnknown = append(slices.Clone(Purposes), "curiosity")
)

// drawHolder draws the node holding env: mostly one whose provenance is
// consistent (the originator for an original, another agency than the
// sender for a copy), since inconsistent ones are denied outright.
func drawHolder(t *rapid.T, env Envelope) string {
	if rarely(t, "anyHolder") {
		return pick(t, poolAgencies, "holder")
	}
	if !env.IsCopy() {
		return env.Originator
	}
	others := slices.DeleteFunc(slices.Clone(poolAgencies), func(a string) bool {
		return a == env.ReceivedFrom || a == env.Originator
	})
	return pick(t, others, "holder")
}

// drawPartner draws a partner, mostly on the same side of the exercise
// boundary as env.
func drawPartner(t *rapid.T, env Envelope) Partner {
	to := genPartner().Draw(t, "to")
	if !rarely(t, "crossExercise") {
		to.Exercise = env.Exercise
	}
	return to
}

// drawPurpose draws a disclosure purpose, often the record's own.
func drawPurpose(t *rapid.T, env Envelope) Purpose {
	if rapid.Bool().Draw(t, "ownPurpose") {
		return env.Purpose
	}
	return pick(t, purposesOrUnknown, "purpose")
}

// rounds is how many decisions each property makes per generated envelope.
const rounds = 40

func decider(t interface{ Fatal(...any) }) *Decider {
	d, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// wellFormed fails t unless dec names a known rule, gives a reason, and
// allows exactly when its rule is an allow rule.
func wellFormed(t *rapid.T, what string, dec Decision) {
	if !slices.Contains(allRules, dec.Rule) || dec.Reason == "" || dec.Allowed != strings.HasPrefix(dec.Rule, "allow.") {
		t.Fatalf("%s: malformed decision %+v", what, dec)
	}
}

func TestPropReadForbidsWhatTheRulesForbid(t *testing.T) {
	d := decider(t)
	rapid.Check(t, func(t *rapid.T) {
		env := genEnvelope().Draw(t, "env")
		holder := drawHolder(t, env)
		for range rounds {
			checkRead(t, d, env, holder)
		}
	})
}

func checkRead(t *rapid.T, d *Decider, env Envelope, holder string) {
	p := genPrincipal().Draw(t, "principal")
	if !rarely(t, "otherAgency") {
		p.Agency, p.Country = holder, poolCountry[holder]
	}
	if !rarely(t, "crossExercise") {
		p.Exercise = env.Exercise
	}
	caseRef := pick(t, casesOrNone, "case")

	dec := d.CanReadInCase(p, holder, env, caseRef, now)
	wellFormed(t, "CanReadInCase", dec)
	if again := d.CanReadInCase(p, holder, env, caseRef, now); again != dec {
		t.Fatalf("not deterministic: %+v then %+v", dec, again)
	}
	if d.ReadScope(p, holder, caseRef, now).Allows(env) != dec.Allowed {
		t.Fatalf("ReadScope.Allows disagrees with CanReadInCase %+v", dec)
	}
	if caseRef == "" && d.CanRead(p, holder, env, now) != dec {
		t.Fatal("CanRead differs from CanReadInCase without a case")
	}
	if !dec.Allowed {
		return
	}
	rs := env.Restrictions
	switch {
	case env.check() != nil:
		t.Fatalf("read of an invalid envelope allowed: %+v", dec)
	case p.Partner:
		t.Fatalf("partner node reads: %+v", dec)
	case p.Agency != holder:
		t.Fatalf("other agency reads: %+v", dec)
	case !slices.Contains([]access.Role{access.SPOC, access.Investigator, access.Analyst, access.Prosecutor, access.DPO}, p.Role):
		t.Fatalf("role %s reads: %+v", p.Role, dec)
	case env.Exercise != p.Exercise:
		t.Fatalf("exercise/real mixing: %+v", dec)
	case env.Expired(now) && p.Role != access.SPOC && p.Role != access.DPO:
		t.Fatalf("expired record read by %s: %+v", p.Role, dec)
	}
	if env.Originator == holder {
		return
	}
	switch {
	case env.ReceivedFrom == "" || env.ReceivedFrom == holder:
		t.Fatalf("copy without provenance read: %+v", dec)
	case env.TLP == TLPRed && !slices.Contains(env.TLPRecipients, holder):
		t.Fatalf("TLP:RED copy read at an unnamed agency: %+v", dec)
	case rs.has(RestrictNotToCountry, p.Country) || rs.has(RestrictNotToAgency, holder):
		t.Fatalf("copy read where H3 forbids it: %+v", dec)
	case p.Role != access.DPO && rs.hasKind(RestrictCaseOnly) && !rs.has(RestrictCaseOnly, caseRef):
		t.Fatalf("case-only copy read outside its cases: %+v", dec)
	}
}

// forbiddenOnward reports why a record may not go from holder to partner to
// under the destination rules, or "" if they allow it. to is not the
// originator.
func forbiddenOnward(holder string, env Envelope, to Partner, caseRef string) string {
	rs := env.Restrictions
	switch {
	case rs.has(RestrictNotToCountry, to.Country):
		return "not-to-country"
	case rs.has(RestrictNotToAgency, to.Agency):
		return "not-to-agency"
	case rs.hasKind(RestrictCaseOnly) && (caseRef == "" || !rs.has(RestrictCaseOnly, caseRef)):
		return "case-only"
	case env.TLP == TLPRed && !slices.Contains(env.TLPRecipients, to.Agency):
		return "TLP:RED beyond named recipients"
	case holder != env.Originator && env.TLP == TLPAmberStrict:
		return "TLP:AMBER+STRICT onward"
	case holder != env.Originator && env.Handling.Has(H2) && !slices.Contains(env.OnwardGrants, to.Agency):
		return "H2 onward without grant"
	}
	return ""
}

func TestPropDiscloseForbidsWhatTheRulesForbid(t *testing.T) {
	d := decider(t)
	rapid.Check(t, func(t *rapid.T) {
		env := genEnvelope().Draw(t, "env")
		holder := drawHolder(t, env)
		for range rounds {
			checkDisclose(t, d, env, holder)
		}
	})
}

func checkDisclose(t *rapid.T, d *Decider, env Envelope, holder string) {
	to := drawPartner(t, env)
	purpose := drawPurpose(t, env)
	caseRef := pick(t, casesOrNone, "case")

	dec := d.CanDiscloseInCase(holder, env, to, purpose, caseRef, now)
	wellFormed(t, "CanDiscloseInCase", dec)
	if again := d.CanDiscloseInCase(holder, env, to, purpose, caseRef, now); again != dec {
		t.Fatalf("not deterministic: %+v then %+v", dec, again)
	}
	if caseRef == "" && d.CanDisclose(holder, env, to, purpose, now) != dec {
		t.Fatal("CanDisclose differs from CanDiscloseInCase without a case")
	}
	if !dec.Allowed {
		return
	}
	switch {
	case env.check() != nil:
		t.Fatalf("disclosure of an invalid envelope allowed: %+v", dec)
	case to.Agency == holder:
		t.Fatalf("disclosure to itself: %+v", dec)
	case holder != env.Originator && (env.ReceivedFrom == "" || env.ReceivedFrom == holder):
		t.Fatalf("copy without provenance disclosed: %+v", dec)
	case env.Exercise != to.Exercise || env.Exercise != (purpose == PurposeTraining):
		t.Fatalf("exercise/real mixing: %+v", dec)
	case !purpose.Valid():
		t.Fatalf("unknown purpose: %+v", dec)
	}
	if to.Agency == env.Originator {
		return // back to the originator: always allowed within the exercise boundary
	}
	if env.Expired(now) {
		t.Fatalf("expired record disclosed: %+v", dec)
	}
	if !env.Exercise && env.Handling.Has(H0) && !purpose.CombatsCrime() {
		t.Fatalf("H0 record disclosed for %s: %+v", purpose, dec)
	}
	if !d.Compatible(env.Purpose, purpose) {
		t.Fatalf("incompatible purpose %s → %s: %+v", env.Purpose, purpose, dec)
	}
	if why := forbiddenOnward(holder, env, to, caseRef); why != "" {
		t.Fatalf("%s allowed: %+v", why, dec)
	}
}

func TestPropPlainRecordsAreShared(t *testing.T) {
	// The converse, for the simplest case: an originator's real record with
	// no H2/H3, below TLP:RED and before its review date goes to any partner
	// for its own purpose. (Guards against a policy that denies everything.)
	d := decider(t)
	rapid.Check(t, func(t *rapid.T) {
		env := genValidEnvelope(1, 365).Draw(t, "env")
		env.Handling &= H0 | H1
		if env.Handling == 0 {
			env.Handling = H1
		}
		env.Restrictions, env.OnwardGrants, env.ReceivedFrom = Restrictions{}, nil, ""
		if env.TLP == TLPRed {
			env.TLP, env.TLPRecipients = TLPAmber, nil
		}
		if env.Exercise {
			env.Exercise, env.Purpose = false, PurposeCrimePrevention
		}
		others := slices.DeleteFunc(slices.Clone(poolAgencies), func(a string) bool { return a == env.Originator })
		agency := pick(t, others, "to")
		to := Partner{Agency: agency, Country: poolCountry[agency]}
		if dec := d.CanDisclose(env.Originator, env, to, env.Purpose, now); !dec.Allowed && dec.Rule != RuleH0PurposeNotCrime {
			t.Fatalf("plain record not shared: %+v", dec)
		}
		if dec := d.CanMatch(env, to, now); !dec.Allowed {
			t.Fatalf("plain record not matched: %+v", dec)
		}
	})
}

func TestPropMatchForbidsWhatTheRulesForbid(t *testing.T) {
	d := decider(t)
	rapid.Check(t, func(t *rapid.T) {
		env := genEnvelope().Draw(t, "env")
		for range rounds {
			checkMatch(t, d, env)
		}
	})
}

func checkMatch(t *rapid.T, d *Decider, env Envelope) {
	to := drawPartner(t, env)
	dec := d.CanMatch(env, to, now)
	wellFormed(t, "CanMatch", dec)
	if again := d.CanMatch(env, to, now); again != dec {
		t.Fatalf("not deterministic: %+v then %+v", dec, again)
	}
	if !dec.Allowed {
		return
	}
	switch {
	case env.check() != nil:
		t.Fatalf("match on an invalid envelope allowed: %+v", dec)
	case env.Exercise != to.Exercise:
		t.Fatalf("exercise/real mixing: %+v", dec)
	case env.Expired(now):
		t.Fatalf("expired record matched: %+v", dec)
	case env.Restrictions.hasKind(RestrictNoMatching):
		t.Fatalf("no-matching record matched: %+v", dec)
	}
	if to.Agency == env.Originator {
		return
	}
	// Without a holder, a record with ReceivedFrom set is a copy: a
	// holder other than the originator.
	holder := env.Originator
	if env.IsCopy() {
		holder = "XX-HOLDER"
	}
	if why := forbiddenOnward(holder, env, to, ""); why != "" {
		t.Fatalf("%s allowed in matching: %+v", why, dec)
	}
}

func TestPropEvidence(t *testing.T) {
	var d Decider
	rapid.Check(t, func(t *rapid.T) {
		env := genEnvelope().Draw(t, "env")
		dec := d.CanUseAsEvidence(env)
		wellFormed(t, "CanUseAsEvidence", dec)
		if dec.Allowed && (env.check() != nil || env.Exercise || env.IsCopy() && env.Handling.Has(H1)) {
			t.Fatalf("evidence use allowed: %+v", dec)
		}
	})
}

func TestPropRecipientEnvelopeNeverWidens(t *testing.T) {
	d := decider(t)
	rapid.Check(t, func(t *rapid.T) {
		env := genEnvelope().Draw(t, "env")
		holder := drawHolder(t, env)
		for range rounds {
			checkRecipientEnvelope(t, d, env, holder)
		}
	})
}

func checkRecipientEnvelope(t *rapid.T, d *Decider, env Envelope, holder string) {
	to := drawPartner(t, env)
	cp, err := d.RecipientEnvelope(env, holder, to, now)
	if err != nil {
		return
	}
	if env.check() != nil {
		t.Fatalf("recipient envelope made from an invalid envelope")
	}
	if err := NotWider(cp, env); err != nil {
		t.Fatalf("NotWider: %v", err)
	}
	if err := cp.ValidateStored(); err != nil {
		t.Fatalf("recipient envelope invalid: %v", err)
	}
	// The same, spelt out field by field.
	switch {
	case cp.ReceivedFrom != holder:
		t.Fatalf("ReceivedFrom = %q, want %q", cp.ReceivedFrom, holder)
	case cp.Handling != env.Handling || cp.TLP != env.TLP || !slices.Equal(cp.TLPRecipients, env.TLPRecipients):
		t.Fatal("handling or TLP changed")
	case cp.Restrictions.Text != env.Restrictions.Text || !slices.Equal(cp.Restrictions.Rules, env.Restrictions.Rules):
		t.Fatal("restrictions changed")
	case !cp.ReviewDate.Equal(env.ReviewDate) || cp.Exercise != env.Exercise || cp.Purpose != env.Purpose ||
		cp.LegalBasis != env.LegalBasis || cp.SourceReliability != env.SourceReliability ||
		cp.InformationReliability != env.InformationReliability:
		t.Fatal("statement of the originator changed")
	case slices.Contains(cp.OnwardGrants, to.Agency) || !subset(cp.OnwardGrants, env.OnwardGrants):
		t.Fatalf("grants %v from %v", cp.OnwardGrants, env.OnwardGrants)
	}
}

func TestPropValidEnvelopesValidateAndRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		env := genValidEnvelope(1, 3*365).Draw(t, "env")
		if err := env.Validate(now); err != nil {
			t.Fatalf("Validate: %v", err)
		}
		if err := NotWider(env, env); err != nil {
			t.Fatalf("NotWider(e, e): %v", err)
		}
		b, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeEnvelope(b)
		if err != nil {
			t.Fatalf("DecodeEnvelope(%s): %v", b, err)
		}
		if err := back.Validate(now); err != nil {
			t.Fatalf("decoded envelope invalid: %v", err)
		}
		b2, _ := json.Marshal(back)
		if !bytes.Equal(b, b2) {
			t.Fatalf("round trip differs:\n%s\n%s", b, b2)
		}
	})
}
