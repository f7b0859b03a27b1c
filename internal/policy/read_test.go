package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
)

func officer(agency, country string, role access.Role) access.Principal {
	return access.Principal{UserID: "u1", Username: "officer", Role: role, Agency: agency, Country: country}
}

func TestCanRead(t *testing.T) {
	d, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	nl := func(role access.Role) access.Principal { return officer("NL-NCB", "NL", role) }
	de := func(role access.Role) access.Principal { return officer("DE-BKA", "DE", role) }
	expired := func(e Envelope) Envelope { e.ReviewDate = now.Add(-time.Hour); return e }
	h3 := func(e Envelope, rules ...string) Envelope {
		e.Handling |= H3
		for _, r := range rules {
			rr, err := ParseRestriction(r)
			if err != nil {
				t.Fatal(err)
			}
			e.Restrictions.Rules = append(e.Restrictions.Rules, rr)
		}
		return e
	}
	red := func(e Envelope, names ...string) Envelope { e.TLP, e.TLPRecipients = TLPRed, names; return e }
	exercise := func(e Envelope) Envelope { e.Exercise, e.Purpose = true, PurposeTraining; return e }
	inExercise := func(p access.Principal) access.Principal { p.Exercise = true; return p }

	tests := []struct {
		name    string
		p       access.Principal
		holder  string
		env     Envelope
		caseRef string
		want    string
	}{
		{"investigator reads own", nl(access.Investigator), "NL-NCB", original(), "", RuleAllowOriginator},
		{"spoc reads own", nl(access.SPOC), "NL-NCB", original(), "", RuleAllowOriginator},
		{"analyst reads own", nl(access.Analyst), "NL-NCB", original(), "", RuleAllowOriginator},
		{"prosecutor reads own", nl(access.Prosecutor), "NL-NCB", original(), "", RuleAllowOriginator},
		{"dpo reads for lawfulness", nl(access.DPO), "NL-NCB", original(), "", RuleAllowDPO},
		{"admin may not", nl(access.Admin), "NL-NCB", original(), "", RuleRoleNoRecordAccess},
		{"border may not", nl(access.Border), "NL-NCB", original(), "", RuleRoleNoRecordAccess},
		{"reviewer may not", nl(access.Reviewer), "NL-NCB", original(), "", RuleRoleNoRecordAccess},
		{"unknown role may not", nl("superuser"), "NL-NCB", original(), "", RuleRoleNoRecordAccess},
		{"partner node never", access.Principal{Role: access.SPOC, Agency: "NL-NCB", Country: "NL", Partner: true}, "NL-NCB", original(), "", RulePartnerPrincipal},
		{"other agency never", de(access.SPOC), "NL-NCB", original(), "", RuleOtherAgency},
		{"bad holder", nl(access.SPOC), "nl", original(), "", RuleHolderInvalid},
		{"principal without country", officer("NL-NCB", "", access.SPOC), "NL-NCB", original(), "", RulePrincipalInvalid},
		{"bad case ref", nl(access.SPOC), "NL-NCB", original(), "a b", RuleCaseRefInvalid},
		{"invalid envelope", nl(access.SPOC), "NL-NCB", Envelope{}, "", RuleEnvelopeInvalid},
		{"recipient reads copy", de(access.Investigator), "DE-BKA", received(), "", RuleAllowRecipient},
		{"copy without provenance", de(access.Investigator), "DE-BKA", original(), "", RuleProvenanceInconsistent},
		{"copy received from itself", de(access.Investigator), "DE-BKA", func() Envelope { e := original(); e.ReceivedFrom = "DE-BKA"; return e }(), "", RuleProvenanceInconsistent},
		{"returned copy at originator", nl(access.Investigator), "NL-NCB", func() Envelope { e := original(); e.ReceivedFrom = "DE-BKA"; return e }(), "", RuleAllowOriginator},
		{"expired: investigator denied", nl(access.Investigator), "NL-NCB", expired(original()), "", RuleExpired},
		{"expired: analyst denied", de(access.Analyst), "DE-BKA", expired(received()), "", RuleExpired},
		{"expired: spoc reviews", nl(access.SPOC), "NL-NCB", expired(original()), "", RuleAllowReview},
		{"expired: dpo", nl(access.DPO), "NL-NCB", expired(original()), "", RuleAllowDPO},
		{"review date is exclusive", nl(access.Investigator), "NL-NCB", func() Envelope { e := original(); e.ReviewDate = now; return e }(), "", RuleExpired},
		{"red: named recipient", de(access.Analyst), "DE-BKA", red(received(), "DE-BKA"), "", RuleAllowRecipient},
		{"red: copy at unnamed agency", de(access.Analyst), "DE-BKA", red(received(), "FR-DCPJ"), "", RuleTLPRedNotNamed},
		{"red: originator", nl(access.Analyst), "NL-NCB", red(original(), "FR-DCPJ"), "", RuleAllowOriginator},
		{"h3 not-to-country: copy", de(access.Analyst), "DE-BKA", h3(received(), "not-to-country:DE"), "", RuleH3NotToCountry},
		{"h3 not-to-agency: copy", de(access.Analyst), "DE-BKA", h3(received(), "not-to-agency:DE-BKA"), "", RuleH3NotToAgency},
		{"h3 not-to-agency other", de(access.Analyst), "DE-BKA", h3(received(), "not-to-agency:DE-LKA-BY"), "", RuleAllowRecipient},
		{"h3 rules do not bind the originator's reads", nl(access.Analyst), "NL-NCB", h3(original(), "not-to-country:NL", "case-only:A"), "", RuleAllowOriginator},
		{"case-only: no case", de(access.Analyst), "DE-BKA", h3(received(), "case-only:EU/JIT/1"), "", RuleH3CaseOnly},
		{"case-only: other case", de(access.Analyst), "DE-BKA", h3(received(), "case-only:EU/JIT/1"), "EU/JIT/2", RuleH3CaseOnly},
		{"case-only: the case", de(access.Analyst), "DE-BKA", h3(received(), "case-only:EU/JIT/1"), "EU/JIT/1", RuleAllowRecipient},
		{"case-only: one of two cases", de(access.Analyst), "DE-BKA", h3(received(), "case-only:EU/JIT/1", "case-only:DE-7"), "DE-7", RuleAllowRecipient},
		{"case-only: spoc needs the case too", de(access.SPOC), "DE-BKA", h3(received(), "case-only:EU/JIT/1"), "", RuleH3CaseOnly},
		{"case-only: dpo exempt", de(access.DPO), "DE-BKA", h3(received(), "case-only:EU/JIT/1"), "", RuleAllowDPO},
		{"no-matching does not limit reads", de(access.Analyst), "DE-BKA", h3(received(), "no-matching"), "", RuleAllowRecipient},
		{"exercise data outside exercise", nl(access.Analyst), "NL-NCB", exercise(original()), "", RuleExerciseDataOutside},
		{"exercise data outside exercise: dpo", nl(access.DPO), "NL-NCB", exercise(original()), "", RuleExerciseDataOutside},
		{"real data in exercise", inExercise(nl(access.Analyst)), "NL-NCB", original(), "", RuleRealDataInExercise},
		{"exercise data in exercise", inExercise(nl(access.Analyst)), "NL-NCB", exercise(original()), "", RuleAllowOriginator},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Decision
			if tt.caseRef == "" {
				got = d.CanRead(tt.p, tt.holder, tt.env, now)
			} else {
				got = d.CanReadInCase(tt.p, tt.holder, tt.env, tt.caseRef, now)
			}
			if got.Rule != tt.want {
				t.Errorf("rule = %q (%s), want %q", got.Rule, got.Reason, tt.want)
			}
			if got.Allowed != isAllowRule(tt.want) || got.Reason == "" {
				t.Errorf("decision %+v inconsistent", got)
			}
			scope := d.ReadScope(tt.p, tt.holder, tt.caseRef, now)
			if scope.Allows(tt.env) != got.Allowed {
				t.Errorf("ReadScope.Allows = %v, CanRead = %v", scope.Allows(tt.env), got.Allowed)
			}
		})
	}
}

func TestZeroReadScopeReadsNothing(t *testing.T) {
	var s ReadScope
	got := s.Decide(received())
	if got.Allowed || got.Rule != RuleNoScope {
		t.Errorf("zero scope: %+v", got)
	}
	if _, denied := s.Denied(); !denied {
		t.Error("zero scope not denied")
	}
}

func TestReadScopeFields(t *testing.T) {
	var d Decider
	s := d.ReadScope(officer("NL-NCB", "NL", access.DPO), "NL-NCB", "X-1", now)
	if _, denied := s.Denied(); denied || !s.IncludeExpired() || !s.AnyCase() || s.CaseRef() != "X-1" ||
		s.Country() != "NL" || s.Holder() != "NL-NCB" || s.Exercise() || !s.Now().Equal(now) {
		t.Errorf("dpo scope = %+v", s)
	}
	s = d.ReadScope(officer("NL-NCB", "NL", access.Investigator), "NL-NCB", "", now)
	if s.IncludeExpired() || s.AnyCase() {
		t.Errorf("investigator scope = %+v", s)
	}
	s = d.ReadScope(officer("NL-NCB", "NL", access.Border), "NL-NCB", "", now)
	if dec, denied := s.Denied(); !denied || dec.Rule != RuleRoleNoRecordAccess {
		t.Errorf("border scope denial = %+v, %v", dec, denied)
	}
}

func TestRoleLists(t *testing.T) {
	want := map[access.Role]bool{access.SPOC: true, access.Investigator: true, access.Analyst: true, access.Prosecutor: true, access.DPO: true}
	got := ReadRoles()
	if len(got) != len(want) {
		t.Fatalf("ReadRoles = %v", got)
	}
	for _, r := range got {
		if !want[r] {
			t.Errorf("ReadRoles contains %s", r)
		}
	}
	got[0] = access.Admin // the caller's copy
	if ReadRoles()[0] == access.Admin {
		t.Error("ReadRoles returned shared storage")
	}
	if rr := ReviewRoles(); len(rr) != 2 || rr[0] != access.SPOC || rr[1] != access.DPO {
		t.Errorf("ReviewRoles = %v", rr)
	}
}

func isAllowRule(rule string) bool { return strings.HasPrefix(rule, "allow.") }
