package policy

import (
	"slices"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
)

// NotWider reports, as an errs.Invalid error naming the first field at
// fault, whether the envelope of a copy, cp, is less restrictive than the
// envelope of the original in any respect; nil means cp is at least as
// restrictive. A copy must
// never widen what its originator allowed. A node applies this when a
// holder other than the originator sends an envelope update for a record
// it already has: the update may only narrow.
//
// "At least as restrictive" means:
//
//   - same originator and originator country, evaluation, purpose, purpose
//     detail, legal basis and exercise flag (these are the originator's
//     statements, not anyone else's to change);
//   - every handling code of the original, perhaps more;
//   - every non-case-only H3 rule of the original, perhaps more; if the
//     original names cases (case-only), the copy names some of them and no
//     others, since each case-only rule permits a case; the original's free
//     text appears in the copy's;
//   - a TLP label at least as high; under TLP:RED in both, a subset of the
//     named recipients;
//   - a review date no later;
//   - under H2 in the original, a subset of its onward grants.
//
// Both envelopes must be valid (ValidateStored).
func NotWider(cp, original Envelope) error {
	if err := original.check(); err != nil {
		return err
	}
	if err := cp.check(); err != nil {
		return err
	}
	switch {
	case cp.Originator != original.Originator:
		return widened("envelope.originator", "the originator cannot change")
	case cp.OriginatorCountry != original.OriginatorCountry:
		return widened("envelope.originatorCountry", "the originator's country cannot change")
	case cp.Exercise != original.Exercise:
		return widened("envelope.exercise", "the exercise flag cannot change")
	case cp.SourceReliability != original.SourceReliability:
		return widened("envelope.sourceReliability", "the evaluation cannot change")
	case cp.InformationReliability != original.InformationReliability:
		return widened("envelope.informationReliability", "the evaluation cannot change")
	case cp.Purpose != original.Purpose || cp.PurposeDetail != original.PurposeDetail:
		return widened("envelope.purpose", "the purpose cannot change")
	case cp.LegalBasis != original.LegalBasis:
		return widened("envelope.legalBasis", "the legal basis cannot change")
	case !cp.Handling.Has(original.Handling):
		return widened("envelope.handling", "a copy keeps every handling code of the original")
	case !strings.Contains(cp.Restrictions.Text, original.Restrictions.Text):
		return widened("envelope.restrictions.text", "a copy keeps the original's restriction text")
	case cp.TLP.Rank() < original.TLP.Rank():
		return widened("envelope.tlp", "a copy's TLP label is at least as high as the original's")
	case cp.ReviewDate.After(original.ReviewDate):
		return widened("envelope.reviewDate", "a copy's review date is no later than the original's")
	}
	for _, r := range original.Restrictions.Rules {
		if r.Kind != RestrictCaseOnly && !slices.Contains(cp.Restrictions.Rules, r) {
			return widened("envelope.restrictions.rules", "a copy keeps every rule of the original")
		}
	}
	if original.Restrictions.hasKind(RestrictCaseOnly) {
		if !cp.Restrictions.hasKind(RestrictCaseOnly) {
			return widened("envelope.restrictions.rules", "a copy keeps the original's case-only limit")
		}
		for _, r := range cp.Restrictions.Rules {
			if r.Kind == RestrictCaseOnly && !original.Restrictions.has(RestrictCaseOnly, r.Value) {
				return widened("envelope.restrictions.rules", "a copy may not permit cases the original does not")
			}
		}
	}
	if original.TLP == TLPRed && cp.TLP == TLPRed && !subset(cp.TLPRecipients, original.TLPRecipients) {
		return widened("envelope.tlpRecipients", "a copy may not name recipients the original does not")
	}
	if original.Handling.Has(H2) && !subset(cp.OnwardGrants, original.OnwardGrants) {
		return widened("envelope.onwardGrants", "only the originator grants onward dissemination")
	}
	return nil
}

func widened(field, msg string) error { return errs.E(errs.Invalid, field, msg) }

// subset reports whether every element of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
