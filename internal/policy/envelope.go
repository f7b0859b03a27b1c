package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/errs"
)

// Bounds on an envelope.
const (
	MaxEnvelopeBytes    = 64 << 10 // encoded JSON
	MaxTLPRecipients    = 64
	MaxOnwardGrants     = 64
	MaxLegalBasisLen    = 1000 // bytes
	MaxPurposeDetailLen = 1000 // bytes
)

// Envelope is the policy envelope every intelligence record carries: who
// provided it, how it may be handled, and for what. Copies carry the
// originator's envelope unchanged in every restriction (see
// [Decider.RecipientEnvelope]), plus their provenance.
//
// The JSON form uses the field names below. Decoding is strict (see
// [Envelope.UnmarshalJSON]); decoding does not validate: call
// [Envelope.Validate] for a new or received envelope and
// [Envelope.ValidateStored] for one read back from storage.
type Envelope struct {
	// Originator is the agency that provided the information, e.g. "NL-NCB".
	Originator string `json:"originator"`
	// OriginatorCountry is the originator's ISO 3166-1 alpha-2 country.
	OriginatorCountry string `json:"originatorCountry"`

	// Handling holds the Europol handling codes, at least one.
	Handling Handling `json:"handling"`
	// Restrictions are the H3 restrictions; stated if and only if H3 is set.
	Restrictions Restrictions `json:"restrictions"`

	// TLP is the Traffic Light Protocol label.
	TLP TLP `json:"tlp"`
	// TLPRecipients names the agencies that may receive a TLP:RED record
	// besides the originator. Required for TLP:RED, empty for every other
	// label (a recipient list that does not restrict would mislead).
	TLPRecipients []string `json:"tlpRecipients,omitempty"`

	// SourceReliability and InformationReliability are the Europol 4×4
	// evaluation.
	SourceReliability      SourceReliability      `json:"sourceReliability"`
	InformationReliability InformationReliability `json:"informationReliability"`

	// Purpose is the purpose for which the information was provided;
	// PurposeDetail says more in free text.
	Purpose       Purpose `json:"purpose"`
	PurposeDetail string  `json:"purposeDetail,omitempty"`
	// LegalBasis names the legal basis of processing, in free text.
	LegalBasis string `json:"legalBasis"`
	// ReviewDate is when the record must be reviewed (Directive 2016/680
	// Art. 5). From this instant on the record is expired: see the
	// decisions. It must be in the future when the envelope is created.
	ReviewDate time.Time `json:"reviewDate"`
	// CaseRef is the originator's case reference, if any. It identifies;
	// it does not restrict (that is case-only's job).
	CaseRef string `json:"caseRef,omitempty"`

	// ReceivedFrom is the agency this copy came from; empty at the
	// originator.
	ReceivedFrom string `json:"receivedFrom,omitempty"`
	// OnwardGrants names agencies the originator has permitted to receive
	// this H2 record from a holder of a copy. Only the originator writes it;
	// it is allowed only with H2.
	OnwardGrants []string `json:"onwardGrants,omitempty"`
	// Exercise marks training data. Exercise data and real data never mix:
	// exercise data has purpose training, and only exercise data has.
	Exercise bool `json:"exercise"`
}

// IsCopy reports whether the envelope belongs to a copy received from
// another agency rather than to the originator's own record.
func (e *Envelope) IsCopy() bool { return e.ReceivedFrom != "" }

// Expired reports whether the review date has been reached at now.
func (e *Envelope) Expired(now time.Time) bool { return !now.Before(e.ReviewDate) }

// Validate normalises the TLP label's letter case and checks a new or
// received envelope: everything [Envelope.ValidateStored] checks, and that
// the review date lies after now and at most MaxReviewYears ahead. Errors
// are errs.Invalid and name the field, e.g. "envelope.tlp".
func (e *Envelope) Validate(now time.Time) error {
	if err := e.ValidateStored(); err != nil {
		return err
	}
	if !e.ReviewDate.After(now) {
		return errs.E(errs.Invalid, "envelope.reviewDate", "review date must be in the future")
	}
	if e.ReviewDate.After(now.AddDate(MaxReviewYears, 0, 0)) {
		return errs.E(errs.Invalid, "envelope.reviewDate",
			"review date must be at most "+strconv.Itoa(MaxReviewYears)+" years ahead")
	}
	return nil
}

// ValidateStored normalises the TLP label's letter case and checks the
// envelope's structure, but not whether the review date has passed: a
// stored record stays valid after its review date (it is then expired, and
// the decisions treat it so).
func (e *Envelope) ValidateStored() error {
	if t, err := ParseTLP(string(e.TLP)); err == nil {
		e.TLP = t
	}
	return e.check()
}

// check is the structural validation shared by ValidateStored and by every
// decision, which deny any envelope that fails it. It does not modify e and
// does not allocate when e is valid.
func (e *Envelope) check() error {
	if !ValidAgencyID(e.Originator) {
		return errs.E(errs.Invalid, "envelope.originator", "originator must be an agency id such as NL-NCB")
	}
	if !ValidCountry(e.OriginatorCountry) {
		return errs.E(errs.Invalid, "envelope.originatorCountry", "originator country must be an ISO 3166-1 alpha-2 code")
	}
	if !e.Handling.valid() {
		return errs.E(errs.Invalid, "envelope.handling", "at least one handling code (H0–H3) is required")
	}
	if err := e.checkRestrictions(); err != nil {
		return err
	}
	if e.TLP.Rank() < 0 {
		return errTLP()
	}
	if e.TLP == TLPRed && len(e.TLPRecipients) == 0 {
		return errs.E(errs.Invalid, "envelope.tlpRecipients", "TLP:RED needs at least one named recipient")
	}
	if e.TLP != TLPRed && len(e.TLPRecipients) > 0 {
		return errs.E(errs.Invalid, "envelope.tlpRecipients", "named recipients apply only to TLP:RED")
	}
	if err := checkAgencyList("envelope.tlpRecipients", e.TLPRecipients, MaxTLPRecipients); err != nil {
		return err
	}
	if !e.SourceReliability.valid() {
		return errs.E(errs.Invalid, "envelope.sourceReliability", "source reliability must be A, B, C or X")
	}
	if !e.InformationReliability.valid() {
		return errs.E(errs.Invalid, "envelope.informationReliability", "information reliability must be 1, 2, 3 or 4")
	}
	if !e.Purpose.Valid() {
		return errs.E(errs.Invalid, "envelope.purpose", "unknown purpose")
	}
	if err := checkText("envelope.purposeDetail", e.PurposeDetail, MaxPurposeDetailLen); err != nil {
		return err
	}
	if (e.Purpose == PurposeTraining) != e.Exercise {
		return errs.E(errs.Invalid, "envelope.exercise", "exercise data must have purpose training, and only exercise data may")
	}
	if e.LegalBasis == "" {
		return errs.E(errs.Invalid, "envelope.legalBasis", "legal basis is required")
	}
	if err := checkText("envelope.legalBasis", e.LegalBasis, MaxLegalBasisLen); err != nil {
		return err
	}
	if e.ReviewDate.IsZero() {
		return errs.E(errs.Invalid, "envelope.reviewDate", "review date is required")
	}
	if e.CaseRef != "" && !ValidCaseRef(e.CaseRef) {
		return errs.E(errs.Invalid, "envelope.caseRef", "case reference must be 1–64 letters, digits or - _ . /")
	}
	if e.ReceivedFrom != "" && !ValidAgencyID(e.ReceivedFrom) {
		return errs.E(errs.Invalid, "envelope.receivedFrom", "receivedFrom must be an agency id")
	}
	if len(e.OnwardGrants) > 0 && !e.Handling.Has(H2) {
		return errs.E(errs.Invalid, "envelope.onwardGrants", "onward grants apply only to H2 records")
	}
	return checkAgencyList("envelope.onwardGrants", e.OnwardGrants, MaxOnwardGrants)
}

func (e *Envelope) checkRestrictions() error {
	rs := &e.Restrictions
	if err := checkText("envelope.restrictions.text", rs.Text, MaxRestrictionText); err != nil {
		return err
	}
	if len(rs.Rules) > MaxRestrictionRules {
		return errs.E(errs.Invalid, "envelope.restrictions.rules",
			"at most "+strconv.Itoa(MaxRestrictionRules)+" rules")
	}
	for i, r := range rs.Rules {
		if err := r.check(); err != nil {
			return errs.E(errs.Invalid, "envelope.restrictions.rules["+strconv.Itoa(i)+"]", errs.PublicMessage(err))
		}
		if slices.Contains(rs.Rules[:i], r) {
			return errs.E(errs.Invalid, "envelope.restrictions.rules["+strconv.Itoa(i)+"]", "duplicate rule")
		}
	}
	if rs.stated() && !e.Handling.Has(H3) {
		return errs.E(errs.Invalid, "envelope.handling", "H3 is required when restrictions are stated")
	}
	if !rs.stated() && e.Handling.Has(H3) {
		return errs.E(errs.Invalid, "envelope.restrictions", "H3 requires a stated restriction (text or rules)")
	}
	return nil
}

// checkAgencyList checks a list of distinct agency ids of at most max.
func checkAgencyList(field string, ids []string, max int) error {
	if len(ids) > max {
		return errs.E(errs.Invalid, field, "at most "+strconv.Itoa(max)+" agencies")
	}
	for i, id := range ids {
		if !ValidAgencyID(id) {
			return errs.E(errs.Invalid, field+"["+strconv.Itoa(i)+"]", "must be an agency id such as NL-NCB")
		}
		if slices.Contains(ids[:i], id) {
			return errs.E(errs.Invalid, field+"["+strconv.Itoa(i)+"]", "duplicate agency")
		}
	}
	return nil
}

// checkText checks free text: valid UTF-8, at most max bytes, no control
// characters other than tab and newline (they could forge log lines) and no
// bidirectional overrides (they could make a reviewer read something other
// than what is stored).
func checkText(field, s string, max int) error {
	if len(s) > max {
		return errs.E(errs.Invalid, field, "at most "+strconv.Itoa(max)+" bytes")
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' || c >= 0x7f {
			ascii = false
			break
		}
	}
	if ascii {
		return nil // the common case, and no rune decoding needed
	}
	if !utf8.ValidString(s) {
		return errs.E(errs.Invalid, field, "must be valid UTF-8")
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' || r >= 0x7f && r < 0xa0 || r == 0x2028 || r == 0x2029 ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return errs.E(errs.Invalid, field, "must not contain control characters")
		}
	}
	return nil
}

// envelopeKeys are the JSON object keys an envelope may contain, at the top
// level or inside "restrictions".
var envelopeKeys = map[string]bool{
	"originator": true, "originatorCountry": true, "handling": true, "restrictions": true,
	"text": true, "rules": true,
	"tlp": true, "tlpRecipients": true, "sourceReliability": true, "informationReliability": true,
	"purpose": true, "purposeDetail": true, "legalBasis": true, "reviewDate": true, "caseRef": true,
	"receivedFrom": true, "onwardGrants": true, "exercise": true,
}

// UnmarshalJSON decodes an envelope strictly, wherever it is embedded:
//
//   - unknown fields are rejected, because a field this node does not
//     understand may be a restriction it would otherwise silently drop;
//   - field names must match exactly (encoding/json would otherwise accept
//     "TLP" for "tlp") and may not repeat, so that no two parsers can read
//     one envelope differently;
//   - the input is at most MaxEnvelopeBytes.
//
// It does not validate the result; see [Envelope.Validate].
func (e *Envelope) UnmarshalJSON(data []byte) error {
	if len(data) > MaxEnvelopeBytes {
		return errs.E(errs.TooLarge, "envelope", "envelope exceeds "+strconv.Itoa(MaxEnvelopeBytes)+" bytes")
	}
	if err := checkKeys(data); err != nil {
		return err
	}
	type plain Envelope // without methods, so Decode does not recurse
	var v plain
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return asInvalid(err)
	}
	*e = Envelope(v)
	return nil
}

// checkKeys walks the JSON value in data and rejects object keys that are
// not envelope field names, or that repeat within one object.
func checkKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	type object struct {
		keys      []string
		expectKey bool
	}
	var stack []*object // nil entries are arrays
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1] != nil {
			stack[n-1].expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return asInvalid(err)
		}
		if n := len(stack); n > 0 && stack[n-1] != nil && stack[n-1].expectKey {
			if key, ok := tok.(string); ok {
				top := stack[n-1]
				if !envelopeKeys[key] {
					return errs.E(errs.Invalid, "envelope", "unknown field "+quoteShort(key))
				}
				if slices.Contains(top.keys, key) {
					return errs.E(errs.Invalid, "envelope", "repeated field "+quoteShort(key))
				}
				top.keys = append(top.keys, key)
				top.expectKey = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &object{expectKey: true})
		case json.Delim('['):
			stack = append(stack, nil)
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}

// quoteShort quotes s for an error message, cut to 40 bytes.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// asInvalid classifies a decoding error as errs.Invalid, keeping the kind
// and field of an *errs.Error raised by a field's own decoder.
func asInvalid(err error) error {
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	return errs.E(errs.Invalid, "envelope", "malformed envelope JSON", err)
}

// DecodeEnvelope decodes one JSON envelope (see [Envelope.UnmarshalJSON])
// and rejects trailing data. It does not validate.
func DecodeEnvelope(data []byte) (Envelope, error) {
	var e Envelope
	dec := json.NewDecoder(bytes.NewReader(data))
	if len(data) > MaxEnvelopeBytes {
		return Envelope{}, errs.E(errs.TooLarge, "envelope", "envelope exceeds "+strconv.Itoa(MaxEnvelopeBytes)+" bytes")
	}
	if err := dec.Decode(&e); err != nil {
		return Envelope{}, asInvalid(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Envelope{}, errs.E(errs.Invalid, "envelope", "trailing data after the envelope")
	}
	return e, nil
}
