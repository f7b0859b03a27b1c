package policy

import (
	"slices"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
)

var (
	bka  = Partner{Agency: "DE-BKA", Country: "DE"}
	dcpj = Partner{Agency: "FR-DCPJ", Country: "FR"}
	ncb  = Partner{Agency: "NL-NCB", Country: "NL"}
	mvd  = Partner{Agency: "RU-MVD", Country: "RU"}
)

// with applies edits to e.
func with(e Envelope, edits ...func(*Envelope)) Envelope {
	for _, edit := range edits {
		edit(&e)
	}
	return e
}

func handling(h Handling) func(*Envelope) { return func(e *Envelope) { e.Handling = h } }
func tlp(l TLP, names ...string) func(*Envelope) {
	return func(e *Envelope) { e.TLP, e.TLPRecipients = l, names }
}
func rules(rs ...string) func(*Envelope) {
	return func(e *Envelope) {
		e.Handling |= H3
		for _, r := range rs {
			rr, err := ParseRestriction(r)
			if err != nil {
				panic(err)
			}
			e.Restrictions.Rules = append(e.Restrictions.Rules, rr)
		}
	}
}
func grants(ids ...string) func(*Envelope) {
	return func(e *Envelope) { e.Handling |= H2; e.OnwardGrants = ids }
}
func purpose(p Purpose) func(*Envelope) { return func(e *Envelope) { e.Purpose = p } }
func asExercise(e *Envelope)            { e.Exercise, e.Purpose = true, PurposeTraining }
func expiredAt(e *Envelope)             { e.ReviewDate = now }

func TestCanDisclose(t *testing.T) {
	d, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	exercisePartner := func(p Partner) Partner { p.Exercise = true; return p }
	inv := PurposeCriminalInvestigation
	tests := []struct {
		name    string
		holder  string
		env     Envelope
		to      Partner
		purpose Purpose
		caseRef string
		want    string
	}{
		{"originator shares", "NL-NCB", original(), bka, inv, "", RuleAllowOriginator},
		{"copy onward, no H2", "DE-BKA", received(), dcpj, inv, "", RuleAllowOnward},
		{"bad holder", "", original(), bka, inv, "", RuleHolderInvalid},
		{"bad partner agency", "NL-NCB", original(), Partner{Agency: "de", Country: "DE"}, inv, "", RulePartnerInvalid},
		{"bad partner country", "NL-NCB", original(), Partner{Agency: "DE-BKA", Country: "UK"}, inv, "", RulePartnerInvalid},
		{"to itself", "NL-NCB", original(), ncb, inv, "", RulePartnerIsHolder},
		{"invalid envelope", "NL-NCB", Envelope{}, bka, inv, "", RuleEnvelopeInvalid},
		{"copy without provenance", "DE-BKA", original(), dcpj, inv, "", RuleProvenanceInconsistent},
		{"unknown purpose", "NL-NCB", original(), bka, "curiosity", "", RulePurposeUnknown},
		{"bad case ref", "NL-NCB", original(), bka, inv, "a b", RuleCaseRefInvalid},

		// H2
		{"h2 copy without grant", "DE-BKA", with(received(), grants()), dcpj, inv, "", RuleH2OnwardWithoutGrant},
		{"h2 copy, grant for another", "DE-BKA", with(received(), grants("BE-FP")), dcpj, inv, "", RuleH2OnwardWithoutGrant},
		{"h2 copy with grant", "DE-BKA", with(received(), grants("FR-DCPJ")), dcpj, inv, "", RuleAllowOnwardGranted},
		{"h2 originator shares its own", "NL-NCB", with(original(), grants()), bka, inv, "", RuleAllowOriginator},
		{"h2 copy back to originator", "DE-BKA", with(received(), grants()), ncb, inv, "", RuleAllowReturnToOriginator},

		// TLP
		{"red to named", "NL-NCB", with(original(), tlp(TLPRed, "DE-BKA")), bka, inv, "", RuleAllowOriginator},
		{"red to unnamed", "NL-NCB", with(original(), tlp(TLPRed, "DE-BKA")), dcpj, inv, "", RuleTLPRedNotNamed},
		{"red copy to another named", "DE-BKA", with(received(), tlp(TLPRed, "DE-BKA", "FR-DCPJ")), dcpj, inv, "", RuleAllowOnward},
		{"red copy to unnamed", "DE-BKA", with(received(), tlp(TLPRed, "DE-BKA")), dcpj, inv, "", RuleTLPRedNotNamed},
		{"red copy back to originator", "DE-BKA", with(received(), tlp(TLPRed, "DE-BKA")), ncb, inv, "", RuleAllowReturnToOriginator},
		{"amber+strict from originator", "NL-NCB", with(original(), tlp(TLPAmberStrict)), bka, inv, "", RuleAllowOriginator},
		{"amber+strict copy onward", "DE-BKA", with(received(), tlp(TLPAmberStrict)), dcpj, inv, "", RuleTLPAmberStrictOnward},
		{"amber+strict copy onward even granted", "DE-BKA", with(received(), tlp(TLPAmberStrict), grants("FR-DCPJ")), dcpj, inv, "", RuleTLPAmberStrictOnward},
		{"amber copy onward", "DE-BKA", with(received(), tlp(TLPAmber)), dcpj, inv, "", RuleAllowOnward},
		{"green copy onward", "DE-BKA", with(received(), tlp(TLPGreen)), dcpj, inv, "", RuleAllowOnward},
		{"clear copy onward", "DE-BKA", with(received(), tlp(TLPClear)), dcpj, inv, "", RuleAllowOnward},

		// H3
		{"not-to-country", "NL-NCB", with(original(), rules("not-to-country:RU")), mvd, inv, "", RuleH3NotToCountry},
		{"not-to-country binds copies", "DE-BKA", with(received(), rules("not-to-country:FR")), dcpj, inv, "", RuleH3NotToCountry},
		{"not-to-country other", "NL-NCB", with(original(), rules("not-to-country:RU")), bka, inv, "", RuleAllowOriginator},
		{"not-to-agency", "NL-NCB", with(original(), rules("not-to-agency:DE-BKA")), bka, inv, "", RuleH3NotToAgency},
		{"case-only without case", "NL-NCB", with(original(), rules("case-only:EU/JIT/1")), bka, inv, "", RuleH3CaseOnly},
		{"case-only other case", "NL-NCB", with(original(), rules("case-only:EU/JIT/1")), bka, inv, "EU/JIT/2", RuleH3CaseOnly},
		{"case-only in case", "NL-NCB", with(original(), rules("case-only:EU/JIT/1")), bka, inv, "EU/JIT/1", RuleAllowOriginator},
		{"case-only copy back to originator", "DE-BKA", with(received(), rules("case-only:EU/JIT/1")), ncb, inv, "", RuleAllowReturnToOriginator},
		{"no-matching does not limit disclosure", "NL-NCB", with(original(), rules("no-matching")), bka, inv, "", RuleAllowOriginator},

		// Review date
		{"expired", "NL-NCB", with(original(), expiredAt), bka, inv, "", RuleExpired},
		{"expired copy back to originator", "DE-BKA", with(received(), expiredAt), ncb, inv, "", RuleAllowReturnToOriginator},

		// Purpose
		{"h0 for border control", "NL-NCB", with(original(), purpose(PurposeBorderControl)), bka, PurposeBorderControl, "", RuleH0PurposeNotCrime},
		{"h0 for missing person", "NL-NCB", with(original(), purpose(PurposeMissingPerson)), bka, PurposeMissingPerson, "", RuleH0PurposeNotCrime},
		{"no h0: border to border", "NL-NCB", with(original(), handling(H1), purpose(PurposeBorderControl)), bka, PurposeBorderControl, "", RuleAllowOriginator},
		{"investigation to prosecution", "NL-NCB", original(), bka, PurposeJudicialCooperation, "", RuleAllowOriginator},
		{"investigation to border control", "NL-NCB", with(original(), handling(H1)), bka, PurposeBorderControl, "", RulePurposeIncompatible},
		{"missing person to cybercrime", "NL-NCB", with(original(), purpose(PurposeMissingPerson)), bka, PurposeCybercrime, "", RulePurposeIncompatible},
		{"border control to investigation", "NL-NCB", with(original(), purpose(PurposeBorderControl)), bka, inv, "", RuleAllowOriginator},

		// Exercise
		{"training purpose on real data", "NL-NCB", original(), bka, PurposeTraining, "", RuleRealDataInExercise},
		{"real data to exercise partner", "NL-NCB", original(), exercisePartner(bka), inv, "", RuleRealDataInExercise},
		{"real data back to originator via exercise", "DE-BKA", received(), exercisePartner(ncb), inv, "", RuleRealDataInExercise},
		{"exercise data to real partner", "NL-NCB", with(original(), asExercise), bka, PurposeTraining, "", RuleExerciseDataOutside},
		{"exercise data for real purpose", "NL-NCB", with(original(), asExercise), exercisePartner(bka), inv, "", RuleExerciseDataOutside},
		{"exercise data in exercise", "NL-NCB", with(original(), asExercise), exercisePartner(bka), PurposeTraining, "", RuleAllowOriginator},
		{"exercise data exempt from H0", "NL-NCB", with(original(), asExercise, handling(H0)), exercisePartner(bka), PurposeTraining, "", RuleAllowOriginator},
		{"exercise data keeps H2", "DE-BKA", with(received(), asExercise, grants()), exercisePartner(dcpj), PurposeTraining, "", RuleH2OnwardWithoutGrant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Decision
			if tt.caseRef == "" {
				got = d.CanDisclose(tt.holder, tt.env, tt.to, tt.purpose, now)
			} else {
				got = d.CanDiscloseInCase(tt.holder, tt.env, tt.to, tt.purpose, tt.caseRef, now)
			}
			if got.Rule != tt.want {
				t.Errorf("rule = %q (%s), want %q", got.Rule, got.Reason, tt.want)
			}
			if got.Allowed != isAllowRule(tt.want) || got.Reason == "" {
				t.Errorf("decision %+v inconsistent", got)
			}
			if err := got.Err(); (err == nil) != got.Allowed || err != nil && !errs.Is(err, errs.Permission) {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}

func TestCanMatch(t *testing.T) {
	var d Decider
	exercisePartner := func(p Partner) Partner { p.Exercise = true; return p }
	tests := []struct {
		name string
		env  Envelope
		to   Partner
		want string
	}{
		{"original", original(), bka, RuleAllowOriginator},
		{"copy", received(), dcpj, RuleAllowOnward},
		{"bad partner", original(), Partner{Agency: "DE-BKA"}, RulePartnerInvalid},
		{"invalid envelope", Envelope{}, bka, RuleEnvelopeInvalid},
		{"no-matching", with(original(), rules("no-matching")), bka, RuleH3NoMatching},
		{"no-matching binds the originator too", with(received(), rules("no-matching")), ncb, RuleH3NoMatching},
		{"not-to-country", with(original(), rules("not-to-country:RU")), mvd, RuleH3NotToCountry},
		{"not-to-agency", with(original(), rules("not-to-agency:FR-DCPJ")), dcpj, RuleH3NotToAgency},
		{"case-only", with(original(), rules("case-only:EU/JIT/1")), bka, RuleH3CaseOnly},
		{"expired", with(original(), expiredAt), bka, RuleExpired},
		{"expired, even for the originator", with(received(), expiredAt), ncb, RuleExpired},
		{"red named", with(original(), tlp(TLPRed, "DE-BKA")), bka, RuleAllowOriginator},
		{"red unnamed", with(original(), tlp(TLPRed, "DE-BKA")), dcpj, RuleTLPRedNotNamed},
		{"red copy for originator", with(received(), tlp(TLPRed, "DE-BKA")), ncb, RuleAllowReturnToOriginator},
		{"h2 copy without grant", with(received(), grants()), dcpj, RuleH2OnwardWithoutGrant},
		{"h2 copy with grant", with(received(), grants("FR-DCPJ")), dcpj, RuleAllowOnwardGranted},
		{"amber+strict copy", with(received(), tlp(TLPAmberStrict)), dcpj, RuleTLPAmberStrictOnward},
		{"exercise data for real partner", with(original(), asExercise), bka, RuleExerciseDataOutside},
		{"real data for exercise partner", original(), exercisePartner(bka), RuleRealDataInExercise},
		{"exercise data in exercise", with(original(), asExercise), exercisePartner(bka), RuleAllowOriginator},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.CanMatch(tt.env, tt.to, now)
			if got.Rule != tt.want || got.Allowed != isAllowRule(tt.want) || got.Reason == "" {
				t.Errorf("CanMatch = %+v, want rule %q", got, tt.want)
			}
		})
	}
}

func TestCanUseAsEvidence(t *testing.T) {
	var d Decider
	tests := []struct {
		name string
		env  Envelope
		want string
	}{
		{"original", with(original(), handling(H1)), RuleAllowOriginator},
		{"copy without H1", received(), RuleAllowEvidence},
		{"copy with H1", with(received(), handling(H0|H1)), RuleH1Evidence},
		{"exercise", with(original(), asExercise), RuleExerciseNotEvidence},
		{"invalid", Envelope{}, RuleEnvelopeInvalid},
	}
	for _, tt := range tests {
		if got := d.CanUseAsEvidence(tt.env); got.Rule != tt.want || got.Allowed != isAllowRule(tt.want) {
			t.Errorf("%s: CanUseAsEvidence = %+v, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRecipientEnvelope(t *testing.T) {
	var d Decider
	orig := with(original(), tlp(TLPRed, "DE-BKA", "FR-DCPJ"), grants("DE-BKA", "FR-DCPJ", "BE-FP", "NL-NCB"),
		rules("not-to-country:RU", "case-only:EU/JIT/1"), func(e *Envelope) { e.Restrictions.Text = "no court use" })

	got, err := d.RecipientEnvelope(orig, "NL-NCB", bka, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.ReceivedFrom != "NL-NCB" {
		t.Errorf("ReceivedFrom = %q", got.ReceivedFrom)
	}
	if want := []string{"FR-DCPJ", "BE-FP"}; !slices.Equal(got.OnwardGrants, want) {
		t.Errorf("OnwardGrants = %v, want %v", got.OnwardGrants, want)
	}
	if err := NotWider(got, orig); err != nil {
		t.Errorf("NotWider: %v", err)
	}
	if err := got.Validate(now); err != nil {
		t.Errorf("recipient envelope invalid: %v", err)
	}
	// The copy owns its slices.
	got.TLPRecipients[0] = "XX"
	got.Restrictions.Rules[0].Value = "XX"
	if orig.TLPRecipients[0] != "DE-BKA" || orig.Restrictions.Rules[0].Value != "RU" {
		t.Error("RecipientEnvelope shares slices with the original")
	}

	// Second hop: DE-BKA passes its copy to FR-DCPJ, which the originator granted.
	hop1, _ := d.RecipientEnvelope(orig, "NL-NCB", bka, now)
	hop2, err := d.RecipientEnvelope(hop1, "DE-BKA", dcpj, now)
	if err != nil {
		t.Fatal(err)
	}
	if hop2.ReceivedFrom != "DE-BKA" || !slices.Equal(hop2.OnwardGrants, []string{"BE-FP"}) {
		t.Errorf("hop 2 = %+v", hop2)
	}
	if err := NotWider(hop2, orig); err != nil {
		t.Errorf("NotWider: %v", err)
	}

	// A last grant leaves no grants at all.
	last, _ := d.RecipientEnvelope(with(original(), grants("DE-BKA")), "NL-NCB", bka, now)
	if last.OnwardGrants != nil {
		t.Errorf("OnwardGrants = %v, want nil", last.OnwardGrants)
	}

	for _, tt := range []struct {
		name   string
		env    Envelope
		holder string
		to     Partner
		field  string
	}{
		{"invalid envelope", Envelope{}, "NL-NCB", bka, "envelope.originator"},
		{"bad holder", original(), "", bka, "recipient"},
		{"bad partner", original(), "NL-NCB", Partner{}, "recipient"},
		{"to itself", original(), "NL-NCB", ncb, "recipient"},
		{"no provenance", original(), "DE-BKA", dcpj, "recipient"},
		{"expired", with(original(), expiredAt), "NL-NCB", bka, "envelope.reviewDate"},
	} {
		if _, err := d.RecipientEnvelope(tt.env, tt.holder, tt.to, now); !errs.Is(err, errs.Invalid) || errs.FieldOf(err) != tt.field {
			t.Errorf("%s: RecipientEnvelope error = %v, want Invalid on %q", tt.name, err, tt.field)
		}
	}
	if _, err := d.RecipientEnvelope(with(received(), expiredAt), "DE-BKA", ncb, now); err != nil {
		t.Errorf("expired copy back to originator: %v", err)
	}
}

func TestNotWider(t *testing.T) {
	base := with(original(), handling(H0|H2), grants("FR-DCPJ", "BE-FP"), tlp(TLPRed, "DE-BKA", "FR-DCPJ"),
		rules("not-to-country:RU", "case-only:A", "case-only:B"), func(e *Envelope) { e.Restrictions.Text = "no court use" })
	tests := []struct {
		name  string
		edit  func(*Envelope)
		field string // "" when not wider
	}{
		{"same", func(*Envelope) {}, ""},
		{"another holder's provenance", func(e *Envelope) { e.ReceivedFrom = "DE-BKA"; e.CaseRef = "DE-1" }, ""},
		{"more handling", func(e *Envelope) { e.Handling |= H1 }, ""},
		{"fewer handling", func(e *Envelope) { e.Handling = H2 | H3 }, "envelope.handling"},
		{"more text", func(e *Envelope) { e.Restrictions.Text += "; ask first" }, ""},
		{"text dropped", func(e *Envelope) { e.Restrictions.Text = "x" }, "envelope.restrictions.text"},
		{"more rules", func(e *Envelope) { rules("no-matching")(e) }, ""},
		{"rule dropped", func(e *Envelope) { e.Restrictions.Rules = e.Restrictions.Rules[1:] }, "envelope.restrictions.rules"},
		{"fewer cases", func(e *Envelope) { e.Restrictions.Rules = e.Restrictions.Rules[:2] }, ""},
		{"case-only dropped", func(e *Envelope) { e.Restrictions.Rules = e.Restrictions.Rules[:1] }, "envelope.restrictions.rules"},
		{"case added", func(e *Envelope) { rules("case-only:C")(e) }, "envelope.restrictions.rules"},
		{"fewer recipients", func(e *Envelope) { e.TLPRecipients = []string{"DE-BKA"} }, ""},
		{"recipient added", func(e *Envelope) { e.TLPRecipients = append(e.TLPRecipients, "BE-FP") }, "envelope.tlpRecipients"},
		{"lower tlp", func(e *Envelope) { e.TLP, e.TLPRecipients = TLPAmberStrict, nil }, "envelope.tlp"},
		{"earlier review", func(e *Envelope) { e.ReviewDate = e.ReviewDate.Add(-time.Hour) }, ""},
		{"later review", func(e *Envelope) { e.ReviewDate = e.ReviewDate.Add(time.Hour) }, "envelope.reviewDate"},
		{"fewer grants", func(e *Envelope) { e.OnwardGrants = []string{"BE-FP"} }, ""},
		{"grant added", func(e *Envelope) { e.OnwardGrants = append(e.OnwardGrants, "ES-CNP") }, "envelope.onwardGrants"},
		{"originator", func(e *Envelope) { e.Originator = "BE-FP" }, "envelope.originator"},
		{"originator country", func(e *Envelope) { e.OriginatorCountry = "BE" }, "envelope.originatorCountry"},
		{"evaluation", func(e *Envelope) { e.SourceReliability = SourceA }, "envelope.sourceReliability"},
		{"information", func(e *Envelope) { e.InformationReliability = Info1 }, "envelope.informationReliability"},
		{"purpose", func(e *Envelope) { e.Purpose = PurposeCybercrime }, "envelope.purpose"},
		{"purpose detail", func(e *Envelope) { e.PurposeDetail = "x" }, "envelope.purpose"},
		{"legal basis", func(e *Envelope) { e.LegalBasis = "x" }, "envelope.legalBasis"},
		{"exercise", func(e *Envelope) { asExercise(e) }, "envelope.exercise"},
		{"invalid copy", func(e *Envelope) { e.TLP = "" }, "envelope.tlp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cp := base
			cp.TLPRecipients = slices.Clone(base.TLPRecipients)
			cp.OnwardGrants = slices.Clone(base.OnwardGrants)
			cp.Restrictions.Rules = slices.Clone(base.Restrictions.Rules)
			tt.edit(&cp)
			err := NotWider(cp, base)
			if tt.field == "" && err != nil || tt.field != "" && errs.FieldOf(err) != tt.field {
				t.Errorf("NotWider = %v, want field %q", err, tt.field)
			}
		})
	}
	// Narrowing from a lower label to TLP:RED may name anyone.
	amber := original()
	red := with(original(), tlp(TLPRed, "ES-CNP"))
	if err := NotWider(red, amber); err != nil {
		t.Errorf("amber → red: %v", err)
	}
	if err := NotWider(amber, red); errs.FieldOf(err) != "envelope.tlp" {
		t.Errorf("red → amber: %v", err)
	}
}
