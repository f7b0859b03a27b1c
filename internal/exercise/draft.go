package exercise

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/scenario"
)

// RecordDraft is the body of POST /api/v1/records (record.Draft with the
// entities in their FtM JSON form).
type RecordDraft struct {
	Title        string                                `json:"title"`
	Narrative    string                                `json:"narrative,omitempty"`
	CaseRef      string                                `json:"caseRef,omitempty"`
	Entities     []scenario.Entity                     `json:"entities"`
	DataSubjects map[string]policy.DataSubjectCategory `json:"dataSubjects,omitempty"`
	Envelope     policy.Envelope                       `json:"envelope"`
}

// DraftOptions adapt a scenario record to the nodes it goes to.
type DraftOptions struct {
	// Exercise marks the record as exercise data (purpose training).
	Exercise bool
	// Agencies maps scenario agency ids to the ids of the nodes playing
	// them (TLP:RED recipients are renamed); unmapped ids are kept.
	Agencies map[string]string
	// Shift moves review dates: the scenario's dates lie before its
	// reference date, so a demo run later shifts them by the time elapsed
	// since (see [ReviewShift]).
	Shift time.Duration
	// Now is the current time (review dates must lie after it).
	Now time.Time
}

// ReviewShift is how far a scenario's dates must move so that its
// reference date falls on now, in whole days.
func ReviewShift(m *scenario.Manifest, now time.Time) (time.Duration, error) {
	ref, err := time.Parse(time.DateOnly, m.ReferenceDate)
	if err != nil {
		return 0, errs.E(errs.Invalid, "reference_date", "not a date YYYY-MM-DD")
	}
	days := int(now.Sub(ref).Hours() / 24)
	return time.Duration(max(days, 0)) * 24 * time.Hour, nil
}

// Draft converts a scenario record to the record API's draft: its
// handling code, TLP, evaluation, purpose, legal basis, review date and
// data-subject categories become the policy envelope. The originator is
// left empty: the node fills in its own agency.
func Draft(r *scenario.Record, o DraftOptions) (*RecordDraft, error) {
	env, err := Envelope(&r.Envelope, r.CaseRef, o)
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", r.ID, err)
	}
	d := &RecordDraft{Title: r.Title, Narrative: r.Narrative, Entities: r.Entities, Envelope: env}
	if policy.ValidCaseRef(r.CaseRef) {
		d.CaseRef = r.CaseRef
	}
	if len(r.Envelope.Subjects) > 0 {
		d.DataSubjects = make(map[string]policy.DataSubjectCategory, len(r.Envelope.Subjects))
		for _, s := range r.Envelope.Subjects {
			d.DataSubjects[s.EntityID] = policy.DataSubjectCategory(s.Category)
		}
	}
	return d, nil
}

// Envelope converts a scenario envelope. caseRef is the record's case
// reference: an H3 restriction "only in case X" becomes the rule
// case-only:X besides the provider's words.
func Envelope(e *scenario.Envelope, caseRef string, o DraftOptions) (policy.Envelope, error) {
	var env policy.Envelope
	h, err := policy.ParseHandlingCode(e.Handling)
	if err != nil {
		return env, err
	}
	env.Handling = h
	if h.Has(policy.H3) {
		env.Restrictions.Text = e.HandlingRestriction
		if env.Restrictions.Text == "" {
			env.Restrictions.Text = "Restrictions stated by the provider on request."
		}
		if policy.ValidCaseRef(caseRef) && strings.Contains(e.HandlingRestriction, caseRef) {
			env.Restrictions.Rules = []policy.Restriction{{Kind: policy.RestrictCaseOnly, Value: caseRef}}
		}
	}
	if env.TLP, err = policy.ParseTLP(e.TLP); err != nil {
		return env, err
	}
	if env.TLP == policy.TLPRed {
		for _, a := range e.Recipients {
			if n, ok := o.Agencies[a]; ok {
				a = n
			}
			env.TLPRecipients = append(env.TLPRecipients, a)
		}
	}
	env.SourceReliability = policy.SourceReliability(e.SourceReliability)
	n, err := strconv.Atoi(e.InformationAssessment)
	if err != nil || n < 1 || n > 4 {
		return env, errs.E(errs.Invalid, "envelope.information_assessment", "must be 1 to 4")
	}
	env.InformationReliability = policy.InformationReliability(n)
	env.Purpose, env.PurposeDetail = purposeOf(e.Purpose), truncate(e.Purpose, policy.MaxPurposeDetailLen)
	if o.Exercise {
		env.Purpose, env.Exercise = policy.PurposeTraining, true
		env.PurposeDetail = truncate("Exercise. "+e.Purpose, policy.MaxPurposeDetailLen)
	}
	env.LegalBasis = e.LegalBasis
	if policy.ValidCaseRef(caseRef) {
		env.CaseRef = caseRef
	}
	if e.ReviewDate != "" {
		d, err := time.Parse(time.DateOnly, e.ReviewDate)
		if err != nil {
			return env, errs.E(errs.Invalid, "envelope.review_date", "not a date YYYY-MM-DD")
		}
		d = d.Add(o.Shift)
		// A date the node would refuse (past, or beyond the longest
		// review period) is left to the node's default for the subjects.
		if d.After(o.Now) && !d.After(o.Now.AddDate(policy.MaxReviewYears, 0, 0)) {
			env.ReviewDate = d
		}
	}
	return env, nil
}

// purposeOf maps the scenario's purpose text to the purpose vocabulary.
func purposeOf(text string) policy.Purpose {
	t := strings.ToLower(text)
	switch {
	case strings.Contains(t, "provisional arrest"), strings.Contains(t, "extradition"):
		return policy.PurposeJudicialCooperation
	case strings.HasPrefix(t, "prevention"):
		return policy.PurposeCrimePrevention
	default:
		return policy.PurposeCriminalInvestigation
	}
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
