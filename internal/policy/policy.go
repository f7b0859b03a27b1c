// Package policy holds the policy envelope every intelligence record
// carries and all policy decisions about records, in one place. It is pure:
// no database, no network, no clock (callers pass now).
//
// # Envelope
//
// An [Envelope] records the originator, Europol handling codes H0–H3 with
// machine-checkable H3 [Restrictions], the TLP 2.0 label and its named
// recipients, the Europol 4×4 evaluation, the [Purpose] and legal basis,
// the review date, and for copies their provenance: the agency a copy came
// from and the agencies the originator permits to receive it onward under
// H2. Exercise (training) data is marked and never mixes with real data.
//
// # Decisions
//
// Every decision is a method of [Decider] and returns a [Decision]: allowed
// or not, a stable rule id (the Rule* constants, also listed by [AllRules])
// and a sentence for people. Audit records the rule; the portal shows the
// reason. Decisions deny by default: an invalid envelope, holder, principal
// or partner is always denied.
//
//   - [Decider.CanRead] and [Decider.CanReadInCase]: may an officer of the
//     holding node read a record? [Decider.ReadScope] gives the same
//     decision as a filter for result lists, counts and facets, with its
//     conditions spelt out for translation to SQL.
//   - [Decider.CanDisclose] and [Decider.CanDiscloseInCase]: may the
//     holding node send a record to a partner agency for a purpose?
//   - [Decider.CanMatch]: may a record answer a partner's hit/no-hit query?
//   - [Decider.CanUseAsEvidence]: may it be used as evidence (H1)?
//   - [Decider.RecipientEnvelope]: the envelope the partner's copy carries;
//     [NotWider] checks that a copy is never less restrictive than its
//     original.
//
// # Provider restrictions bind recipients
//
// Handling codes, H3 rules and TLP are the provider's conditions. They bind
// every disclosure, the originator's own included (an originator that
// wants to share more changes its envelope first). For reads on the
// holding node they bind copies only: the originator's officers read their
// own agency's records without a case context. Returning a record to its
// originator, for example to correct it, is always allowed, even past its
// review date, except across the exercise boundary.
//
// # Exercise data
//
// Exercise data ([Envelope.Exercise]) has purpose training and only it
// has. It is read only by principals acting inside an exercise, disclosed
// and matched only to partners reached through an exercise, for purpose
// training, and never used as evidence. Real data is never read, disclosed
// or matched inside an exercise.
package policy

import (
	"slices"

	"github.com/liaison-project/liaison/internal/errs"
)

// Decision is the outcome of a policy decision. Rule is a stable id, one of
// the Rule* constants: ids starting with "allow." allow, all others deny.
// Reason is a sentence for people; it names no person and no record, so it
// may be shown to the officer and written to the audit log.
type Decision struct {
	Allowed bool   `json:"allowed"`
	Rule    string `json:"rule"`
	Reason  string `json:"reason"`
}

// Err returns nil when d allows, and otherwise an errs.Permission error
// carrying the reason. A read path should answer errs.Withheld or
// errs.NotExist to the client instead, so as not to reveal that the record
// exists.
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return errs.E(errs.Permission, d.Reason)
}

func allow(rule, reason string) Decision { return Decision{Allowed: true, Rule: rule, Reason: reason} }
func deny(rule, reason string) Decision  { return Decision{Rule: rule, Reason: reason} }

// Rules that deny. The prefix names the family: the input checked, the
// principal, the exercise boundary, the review date, the purpose, the
// handling code or the TLP label.
const (
	RuleHolderInvalid          = "holder.invalid"          // the holding node's agency id is malformed
	RulePartnerInvalid         = "partner.invalid"         // the partner's agency id or country is malformed
	RulePartnerIsHolder        = "partner.is-holder"       // a node does not disclose to or match for itself
	RuleCaseRefInvalid         = "case-ref.invalid"        // the case context is malformed
	RuleEnvelopeInvalid        = "envelope.invalid"        // the envelope fails validation
	RuleProvenanceInconsistent = "provenance.inconsistent" // a record not from the holder carries no (or a self-referencing) receivedFrom
	RuleNoScope                = "scope.none"              // a ReadScope not made by Decider.ReadScope

	RulePartnerPrincipal    = "principal.partner-node"         // partner nodes never read through the local read path
	RuleOtherAgency         = "principal.other-agency"         // the principal belongs to another agency than the holder
	RulePrincipalInvalid    = "principal.invalid"              // the principal has no valid country
	RuleRoleNoRecordAccess  = "role.no-record-access"          // the role may not read records
	RuleExerciseDataOutside = "exercise.data-outside-exercise" // exercise data outside an exercise
	RuleRealDataInExercise  = "exercise.real-data-in-exercise" // real data inside an exercise
	RuleExerciseNotEvidence = "exercise.not-evidence"          // exercise data is never evidence
	RuleExpired             = "expired.review-date"            // the review date has passed

	RulePurposeUnknown       = "purpose.unknown"                // the requested purpose is not in the vocabulary
	RulePurposeIncompatible  = "purpose.incompatible"           // the requested purpose is incompatible with the record's
	RuleH0PurposeNotCrime    = "h0.purpose-not-crime"           // H0: only to prevent and combat crime
	RuleH1Evidence           = "h1.evidence-without-permission" // H1: not evidence without the provider's permission
	RuleH2OnwardWithoutGrant = "h2.onward-without-grant"        // H2: no onward dissemination without the originator's grant
	RuleH3NotToCountry       = "h3.not-to-country"              // H3 not-to-country
	RuleH3NotToAgency        = "h3.not-to-agency"               // H3 not-to-agency
	RuleH3CaseOnly           = "h3.case-only"                   // H3 case-only, and the case context is not one of the named cases
	RuleH3NoMatching         = "h3.no-matching"                 // H3 no-matching
	RuleTLPRedNotNamed       = "tlp.red.not-named"              // TLP:RED and the agency is not a named recipient
	RuleTLPAmberStrictOnward = "tlp.amber-strict.onward"        // TLP:AMBER+STRICT stays inside the recipient organisation
)

// Rules that allow.
const (
	RuleAllowOriginator         = "allow.originator"           // the holder is the originator
	RuleAllowRecipient          = "allow.recipient"            // an officer reads a copy the node received
	RuleAllowDPO                = "allow.dpo-lawfulness"       // the data protection officer reads for a lawfulness check
	RuleAllowReview             = "allow.review"               // a SPOC reads a record past its review date to review it
	RuleAllowReturnToOriginator = "allow.return-to-originator" // the record goes back to its originator
	RuleAllowOnward             = "allow.onward"               // a copy goes onward, no H2 or TLP limit applying
	RuleAllowOnwardGranted      = "allow.onward-granted"       // an H2 copy goes onward to an agency the originator granted
	RuleAllowEvidence           = "allow.evidence"             // the record carries no H1
)

var allRules = []string{
	RuleHolderInvalid, RulePartnerInvalid, RulePartnerIsHolder, RuleCaseRefInvalid,
	RuleEnvelopeInvalid, RuleProvenanceInconsistent, RuleNoScope,
	RulePartnerPrincipal, RuleOtherAgency, RulePrincipalInvalid, RuleRoleNoRecordAccess,
	RuleExerciseDataOutside, RuleRealDataInExercise, RuleExerciseNotEvidence, RuleExpired,
	RulePurposeUnknown, RulePurposeIncompatible, RuleH0PurposeNotCrime, RuleH1Evidence,
	RuleH2OnwardWithoutGrant, RuleH3NotToCountry, RuleH3NotToAgency, RuleH3CaseOnly,
	RuleH3NoMatching, RuleTLPRedNotNamed, RuleTLPAmberStrictOnward,
	RuleAllowOriginator, RuleAllowRecipient, RuleAllowDPO, RuleAllowReview,
	RuleAllowReturnToOriginator, RuleAllowOnward, RuleAllowOnwardGranted, RuleAllowEvidence,
}

// AllRules returns every rule id, deny rules first.
func AllRules() []string { return slices.Clone(allRules) }
