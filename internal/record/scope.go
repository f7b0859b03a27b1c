package record

import (
	"strings"

	"github.com/liaison-project/liaison/internal/policy"
)

// scopeSQL translates a read scope into a SQL condition on the records
// table aliased r, following the conditions documented on
// [policy.ReadScope] one by one:
//
//  1. the principal may read records at all: checked by the caller, which
//     runs no query otherwise;
//  2. the envelope is valid: stored envelopes are (validated on the way
//     in); erased records, which have none, are excluded by state;
//  3. r.exercise = scope.Exercise;
//  4. r.originator = holder, or all of: (a) r.received_from is set and is
//     not the holder; (b) not TLP:RED, or the holder is a named recipient;
//     (c, d) no not-to-country rule for the holder's country and no
//     not-to-agency rule for the holder; (e) the scope reads any case, or
//     the record has no case-only rule, or it has the rule for the
//     scope's case;
//  5. r.review_at > now, unless the scope includes expired records.
//
// Review dates are stored in whole microseconds, so "review_at > now in
// microseconds, rounded down" is exactly policy's "now before the review
// date". A rapid property test (scope_test.go) checks that this filter and
// [policy.ReadScope.Decide] agree on random records and principals.
func scopeSQL(s policy.ReadScope) (string, []any) {
	var b strings.Builder
	args := []any{}
	b.WriteString(`r.state <> 'erased' AND r.exercise = ?`)
	args = append(args, s.Exercise())
	b.WriteString(` AND (r.originator = ? OR (r.received_from <> '' AND r.received_from <> ?`)
	args = append(args, s.Holder(), s.Holder())
	b.WriteString(` AND (r.tlp <> 'TLP:RED' OR EXISTS (SELECT 1 FROM record_recipients x WHERE x.rid = r.rid AND x.agency = ?))`)
	args = append(args, s.Holder())
	b.WriteString(` AND NOT EXISTS (SELECT 1 FROM record_rules x WHERE x.rid = r.rid AND x.rule IN (?, ?))`)
	args = append(args,
		policy.Restriction{Kind: policy.RestrictNotToCountry, Value: s.Country()}.String(),
		policy.Restriction{Kind: policy.RestrictNotToAgency, Value: s.Holder()}.String())
	if !s.AnyCase() {
		if s.CaseRef() == "" {
			b.WriteString(` AND r.case_only = ?`)
			args = append(args, false)
		} else {
			b.WriteString(` AND (r.case_only = ? OR EXISTS (SELECT 1 FROM record_rules x WHERE x.rid = r.rid AND x.rule = ?))`)
			args = append(args, false, policy.Restriction{Kind: policy.RestrictCaseOnly, Value: s.CaseRef()}.String())
		}
	}
	b.WriteString(`))`)
	if !s.IncludeExpired() {
		b.WriteString(` AND r.review_at > ?`)
		args = append(args, s.Now().UnixMicro())
	}
	return b.String(), args
}
