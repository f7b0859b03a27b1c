package policy

import (
	"slices"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
)

// Partner is an agency a record may be disclosed to or matched for. It must
// come from the partner registry (signed partner cards), never from request
// input: the country decides not-to-country rules.
type Partner struct {
	Agency  string // agency id, e.g. "DE-BKA"
	Country string // ISO 3166-1 alpha-2
	// Exercise is true when the partner is reached through an exercise
	// (training) channel; only exercise data goes there.
	Exercise bool
}

func (p Partner) valid() bool { return ValidAgencyID(p.Agency) && ValidCountry(p.Country) }

// CanDisclose decides whether the node of agency holder may send a record
// with envelope env to partner to, for purpose, at now, outside any case
// context (so H3 case-only records are not disclosed, except back to their
// originator). It is CanDiscloseInCase with an empty case.
//
// The checks, in order (the first that fails decides):
//
//  1. holder, partner, envelope, purpose and case are valid, the partner is
//     not the holder, and a record not from the holder names the agency it
//     was received from;
//  2. exercise data goes only to an exercise partner for purpose training;
//     real data never does;
//  3. back to the originator: allowed (corrections), even past the review
//     date;
//  4. the review date has not passed;
//  5. H0: the purpose combats crime (exercise data exempt, its markings being
//     simulated); the purpose is compatible with the record's;
//  6. H3: the partner's country and agency are not excluded; a case-only
//     record needs the case context to be one of its cases;
//  7. TLP:RED: the partner is a named recipient; TLP:AMBER+STRICT: only the
//     originator discloses;
//  8. H2: a copy goes onward only to an agency in OnwardGrants; the
//     originator may always share its own.
func (d *Decider) CanDisclose(holder string, env Envelope, to Partner, purpose Purpose, now time.Time) Decision {
	return d.CanDiscloseInCase(holder, env, to, purpose, "", now)
}

// CanDiscloseInCase is CanDisclose within case caseRef, which satisfies an
// H3 case-only rule naming that case; the recipient's copy keeps the rule.
func (d *Decider) CanDiscloseInCase(holder string, env Envelope, to Partner, purpose Purpose, caseRef string, now time.Time) Decision {
	if dec, ok := checkParties(holder, &env, to); !ok {
		return dec
	}
	if !purpose.Valid() {
		return deny(RulePurposeUnknown, "The purpose of the disclosure is not in the vocabulary.")
	}
	if caseRef != "" && !ValidCaseRef(caseRef) {
		return deny(RuleCaseRefInvalid, "The case reference is not valid.")
	}
	if env.Exercise && !(to.Exercise && purpose == PurposeTraining) {
		return deny(RuleExerciseDataOutside, "Exercise data goes only to exercise partners, for training.")
	}
	if !env.Exercise && (to.Exercise || purpose == PurposeTraining) {
		return deny(RuleRealDataInExercise, "Real data never goes into an exercise.")
	}
	if to.Agency == env.Originator {
		return allow(RuleAllowReturnToOriginator, "The record goes back to its originator.")
	}
	if env.Expired(now) {
		return deny(RuleExpired, "The record is past its review date; review it before disclosing it.")
	}
	if !env.Exercise && env.Handling.Has(H0) && !purpose.CombatsCrime() {
		return deny(RuleH0PurposeNotCrime, "The record is H0: it may be used only to prevent and combat crime.")
	}
	if !d.Compatible(env.Purpose, purpose) {
		return deny(RulePurposeIncompatible, "The purpose of the disclosure is not compatible with the purpose the record was provided for.")
	}
	return destination(holder == env.Originator, &env, to, caseRef)
}

// CanMatch decides whether a record with envelope env may answer a
// hit/no-hit query from partner to at now. A hit discloses that the
// information exists, so the destination rules of disclosure apply
// (H3 country, agency and case-only — there is no case context here —,
// TLP:RED, TLP:AMBER+STRICT and H2 onward limits), and in addition H3
// no-matching. Past its review date a record answers no one, its
// originator included. A record whose ReceivedFrom is set counts as a copy.
func (d *Decider) CanMatch(env Envelope, to Partner, now time.Time) Decision {
	if !to.valid() {
		return deny(RulePartnerInvalid, "The partner's agency id or country is not valid.")
	}
	if env.check() != nil {
		return deny(RuleEnvelopeInvalid, "The record's policy envelope is not valid.")
	}
	if env.Exercise && !to.Exercise {
		return deny(RuleExerciseDataOutside, "Exercise data is matched only for exercise partners.")
	}
	if !env.Exercise && to.Exercise {
		return deny(RuleRealDataInExercise, "Real data is never matched inside an exercise.")
	}
	if env.Expired(now) {
		return deny(RuleExpired, "The record is past its review date.")
	}
	if env.Restrictions.hasKind(RestrictNoMatching) {
		return deny(RuleH3NoMatching, "The originator keeps this record out of matching.")
	}
	if to.Agency == env.Originator {
		return allow(RuleAllowReturnToOriginator, "The query comes from the record's originator.")
	}
	return destination(!env.IsCopy(), &env, to, "")
}

// checkParties runs the validity checks shared by disclosure decisions.
func checkParties(holder string, env *Envelope, to Partner) (Decision, bool) {
	switch {
	case !ValidAgencyID(holder):
		return deny(RuleHolderInvalid, "The holding node's agency id is not valid."), false
	case !to.valid():
		return deny(RulePartnerInvalid, "The partner's agency id or country is not valid."), false
	case to.Agency == holder:
		return deny(RulePartnerIsHolder, "A node does not disclose to itself."), false
	case env.check() != nil:
		return deny(RuleEnvelopeInvalid, "The record's policy envelope is not valid."), false
	case holder != env.Originator && (env.ReceivedFrom == "" || env.ReceivedFrom == holder):
		return deny(RuleProvenanceInconsistent, "The record names another originator but no agency it was received from."), false
	}
	return Decision{}, true
}

// destination applies the rules about where a record may go: H3 country,
// agency and case-only, TLP, and H2. own says whether the sender is the
// originator. The partner is not the originator.
func destination(own bool, env *Envelope, to Partner, caseRef string) Decision {
	rs := &env.Restrictions
	if rs.has(RestrictNotToCountry, to.Country) {
		return deny(RuleH3NotToCountry, "The originator does not allow this record to go to the partner's country.")
	}
	if rs.has(RestrictNotToAgency, to.Agency) {
		return deny(RuleH3NotToAgency, "The originator does not allow this record to go to the partner agency.")
	}
	if !rs.allowsCase(caseRef) {
		return deny(RuleH3CaseOnly, "The originator allows this record only in named cases, and this is not one of them.")
	}
	if env.TLP == TLPRed && !slices.Contains(env.TLPRecipients, to.Agency) {
		return deny(RuleTLPRedNotNamed, "The record is TLP:RED and the partner is not a named recipient.")
	}
	if own {
		return allow(RuleAllowOriginator, "The originator shares its own record within its restrictions.")
	}
	if env.TLP == TLPAmberStrict {
		return deny(RuleTLPAmberStrictOnward, "The record is TLP:AMBER+STRICT: it stays inside the organisation that received it.")
	}
	if env.Handling.Has(H2) {
		if slices.Contains(env.OnwardGrants, to.Agency) {
			return allow(RuleAllowOnwardGranted, "The record is H2 and the originator permitted this partner to receive it.")
		}
		return deny(RuleH2OnwardWithoutGrant, "The record is H2: it goes no further without the originator's permission.")
	}
	return allow(RuleAllowOnward, "The record's restrictions allow it to go onward to this partner.")
}

// CanUseAsEvidence decides whether a record with envelope env may be used as
// evidence in judicial proceedings by its holder. The originator's own
// record always may; a copy marked H1 may not until the originator permits
// it, which it does by sending an envelope without H1. Exercise data never
// may.
func (d *Decider) CanUseAsEvidence(env Envelope) Decision {
	switch {
	case env.check() != nil:
		return deny(RuleEnvelopeInvalid, "The record's policy envelope is not valid.")
	case env.Exercise:
		return deny(RuleExerciseNotEvidence, "Exercise data is never evidence.")
	case !env.IsCopy():
		return allow(RuleAllowOriginator, "The record belongs to this agency.")
	case env.Handling.Has(H1):
		return deny(RuleH1Evidence, "The record is H1: it may not be used as evidence without the originator's permission.")
	}
	return allow(RuleAllowEvidence, "The record carries no H1 restriction.")
}

// RecipientEnvelope returns the envelope that the copy sent by holder to
// partner to must carry: env unchanged in every restriction (handling,
// rules and text, TLP and its recipients, evaluation, purpose, legal basis,
// review date, exercise flag), with ReceivedFrom set to holder.
//
// OnwardGrants keeps the originator's grants except the recipient itself,
// the holder and the originator: those name the further agencies the
// originator has permitted, so a granted agency stays reachable along any
// path, and no holder can add one (see [NotWider]).
//
// It does not decide whether the disclosure is allowed — call
// [Decider.CanDisclose] first. It fails with errs.Invalid for invalid
// input, and for a record past its review date at now unless the copy goes
// back to its originator: the recipient could not accept it anyway.
func (d *Decider) RecipientEnvelope(env Envelope, holder string, to Partner, now time.Time) (Envelope, error) {
	if dec, ok := checkParties(holder, &env, to); !ok {
		if dec.Rule == RuleEnvelopeInvalid {
			return Envelope{}, env.check()
		}
		return Envelope{}, errs.E(errs.Invalid, "recipient", dec.Reason)
	}
	if env.Expired(now) && to.Agency != env.Originator {
		return Envelope{}, errs.E(errs.Invalid, "envelope.reviewDate", "the record is past its review date; review it before sharing it")
	}
	c := env
	c.TLPRecipients = slices.Clone(env.TLPRecipients)
	c.Restrictions.Rules = slices.Clone(env.Restrictions.Rules)
	c.ReceivedFrom = holder
	c.OnwardGrants = nil
	for _, g := range env.OnwardGrants {
		if g != to.Agency && g != holder && g != env.Originator {
			c.OnwardGrants = append(c.OnwardGrants, g)
		}
	}
	return c, nil
}
