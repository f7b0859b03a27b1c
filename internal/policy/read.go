package policy

import (
	"slices"
	"time"

	"github.com/liaison-project/liaison/internal/access"
)

// readRoles may read intelligence records. Admin, border and reviewer may
// not: administrators run the node, border officers see alert hits only,
// and notice reviewers see the notice under review, not the record store.
var readRoles = []access.Role{access.SPOC, access.Investigator, access.Analyst, access.Prosecutor, access.DPO}

// reviewRoles may also read records past their review date: the SPOC
// reviews them (extend, correct or erase), the DPO checks that it happens.
var reviewRoles = []access.Role{access.SPOC, access.DPO}

// ReadRoles returns the roles that may read intelligence records.
func ReadRoles() []access.Role { return slices.Clone(readRoles) }

// ReviewRoles returns the roles that may also read records past their
// review date.
func ReviewRoles() []access.Role { return slices.Clone(reviewRoles) }

// CanRead decides whether principal p, an officer of the node of agency
// holder, may read a record with envelope env at now, outside any case
// context. It is CanReadInCase with an empty case.
//
// The rules, in order (the first that fails decides):
//
//  1. the holder's agency id and the principal's country are valid; the
//     principal is an officer of the holder (not a partner node, not another
//     agency) with a role in [ReadRoles] — admin, border and reviewer may
//     not read records;
//  2. the envelope is valid; exercise data only inside an exercise
//     (p.Exercise), real data never inside one;
//  3. for a copy (the holder is not the originator): it names the agency it
//     came from; under TLP:RED the holder is a named recipient; no H3
//     not-to-country for the principal's country or not-to-agency for the
//     holder; under H3 case-only the case context is one of the named cases
//     — except for the DPO, whose lawfulness checks span cases;
//  4. past the review date only the roles in [ReviewRoles] (SPOC, DPO) read
//     the record, to review it.
//
// The DPO's reads are allowed under rule allow.dpo-lawfulness, so audit
// can tell them apart.
func (d *Decider) CanRead(p access.Principal, holder string, env Envelope, now time.Time) Decision {
	return d.ReadScope(p, holder, "", now).Decide(env)
}

// CanReadInCase is CanRead for an officer working case caseRef (as stated in
// the request and recorded in the audit log), which satisfies an H3
// case-only rule naming that case.
func (d *Decider) CanReadInCase(p access.Principal, holder string, env Envelope, caseRef string, now time.Time) Decision {
	return d.ReadScope(p, holder, caseRef, now).Decide(env)
}

// ReadScope is what one principal may read on one node at one instant, in a
// form that filters many records cheaply and translates to SQL. Make one
// with [Decider.ReadScope]; a zero ReadScope reads nothing. It is immutable.
//
// A record with envelope env is readable under s exactly when all hold:
//
//  1. s.Denied() reports false (the principal may read records at all);
//  2. env is valid (ValidateStored; stored envelopes always are);
//  3. env.Exercise = s.Exercise();
//  4. env.Originator = s.Holder(), or all of:
//     a. env.ReceivedFrom ≠ "" and env.ReceivedFrom ≠ s.Holder();
//     b. env.TLP ≠ "TLP:RED" or s.Holder() ∈ env.TLPRecipients;
//     c. the rule "not-to-country:"+s.Country() is not in env.Restrictions.Rules;
//     d. the rule "not-to-agency:"+s.Holder() is not in env.Restrictions.Rules;
//     e. s.AnyCase(), or no rule has kind "case-only", or (s.CaseRef() ≠ ""
//     and the rule "case-only:"+s.CaseRef() is in env.Restrictions.Rules);
//  5. env.ReviewDate > s.Now(), or s.IncludeExpired().
//
// In SQL, with the rules stored as text in their String form and the
// scope's values as parameters, that is a conjunction of equality,
// membership and NOT EXISTS conditions. Confirm each record fetched with
// [ReadScope.Decide], which also names the rule for the audit log.
type ReadScope struct {
	holder         string
	country        string
	caseRef        string
	exercise       bool
	includeExpired bool
	anyCase        bool
	now            time.Time
	role           access.Role
	granted        bool     // made by Decider.ReadScope and not denied
	denial         Decision // why nothing is readable, when not granted
}

// Holder is the agency id of the node.
func (s ReadScope) Holder() string { return s.holder }

// Country is the holder's country, taken from the principal.
func (s ReadScope) Country() string { return s.country }

// CaseRef is the case the principal works in, or "".
func (s ReadScope) CaseRef() string { return s.caseRef }

// Exercise reports whether the principal acts inside an exercise.
func (s ReadScope) Exercise() bool { return s.exercise }

// IncludeExpired reports whether the role may read records past their
// review date.
func (s ReadScope) IncludeExpired() bool { return s.includeExpired }

// AnyCase reports whether case-only rules do not limit the role (the DPO).
func (s ReadScope) AnyCase() bool { return s.anyCase }

// Now is the instant of the decisions.
func (s ReadScope) Now() time.Time { return s.now }

// ReadScope returns the scope of principal p on the node of agency holder,
// working case caseRef ("" for none), at now.
func (d *Decider) ReadScope(p access.Principal, holder, caseRef string, now time.Time) ReadScope {
	s := ReadScope{
		holder:         holder,
		country:        p.Country,
		caseRef:        caseRef,
		exercise:       p.Exercise,
		includeExpired: slices.Contains(reviewRoles, p.Role),
		anyCase:        p.Role == access.DPO,
		now:            now,
		role:           p.Role,
	}
	switch {
	case !ValidAgencyID(holder):
		s.denial = deny(RuleHolderInvalid, "The holding node's agency id is not valid.")
	case p.Partner:
		s.denial = deny(RulePartnerPrincipal, "Partner nodes never read records through the local read path; disclosure decides what they receive.")
	case p.Agency != holder:
		s.denial = deny(RuleOtherAgency, "Only officers of the holding agency read its records.")
	case !ValidCountry(p.Country):
		s.denial = deny(RulePrincipalInvalid, "The principal has no valid country.")
	case caseRef != "" && !ValidCaseRef(caseRef):
		s.denial = deny(RuleCaseRefInvalid, "The case reference is not valid.")
	case !slices.Contains(readRoles, p.Role):
		s.denial = deny(RuleRoleNoRecordAccess, "This role may not read intelligence records.")
	default:
		s.granted = true
	}
	return s
}

// Denied reports whether the principal may read no record at all, and why.
func (s ReadScope) Denied() (Decision, bool) {
	if s.granted {
		return Decision{}, false
	}
	if s.denial.Rule == "" {
		return deny(RuleNoScope, "No read scope was established for this request."), true
	}
	return s.denial, true
}

// Allows reports whether a record with envelope env is readable under s. It
// can be used as a filter predicate: s.Allows.
func (s ReadScope) Allows(env Envelope) bool { return s.Decide(env).Allowed }

// Decide decides the read of a record with envelope env under s.
func (s ReadScope) Decide(env Envelope) Decision {
	if d, denied := s.Denied(); denied {
		return d
	}
	if env.check() != nil {
		return deny(RuleEnvelopeInvalid, "The record's policy envelope is not valid.")
	}
	if env.Exercise && !s.exercise {
		return deny(RuleExerciseDataOutside, "Exercise data is readable only inside an exercise.")
	}
	if !env.Exercise && s.exercise {
		return deny(RuleRealDataInExercise, "Real data is not readable inside an exercise.")
	}
	own := env.Originator == s.holder
	if !own {
		if env.ReceivedFrom == "" || env.ReceivedFrom == s.holder {
			return deny(RuleProvenanceInconsistent, "The record names another originator but no agency it was received from.")
		}
		if env.TLP == TLPRed && !slices.Contains(env.TLPRecipients, s.holder) {
			return deny(RuleTLPRedNotNamed, "The record is TLP:RED and this agency is not a named recipient.")
		}
		if env.Restrictions.has(RestrictNotToCountry, s.country) {
			return deny(RuleH3NotToCountry, "The originator does not allow this record in this country.")
		}
		if env.Restrictions.has(RestrictNotToAgency, s.holder) {
			return deny(RuleH3NotToAgency, "The originator does not allow this record at this agency.")
		}
		if !s.anyCase && !env.Restrictions.allowsCase(s.caseRef) {
			return deny(RuleH3CaseOnly, "The originator allows this record only in named cases; state one of them.")
		}
	}
	expired := env.Expired(s.now)
	if expired && !s.includeExpired {
		return deny(RuleExpired, "The record is past its review date; only the SPOC and the DPO may read it until it is reviewed.")
	}
	switch {
	case s.role == access.DPO:
		return allow(RuleAllowDPO, "The data protection officer may read records to check the lawfulness of processing.")
	case expired:
		return allow(RuleAllowReview, "The record is past its review date and is read to review it.")
	case own:
		return allow(RuleAllowOriginator, "The record belongs to this agency.")
	default:
		return allow(RuleAllowRecipient, "The record was received by this agency and its restrictions allow this read.")
	}
}
