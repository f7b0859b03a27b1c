package scenario

import (
	"github.com/liaison-project/liaison/internal/jsonenc"
	"slices"
	"strings"
)

// A hand-written JSON encoder for records, the bulk of the output. It
// writes exactly the bytes encoding/json writes with HTML escaping off
// (a property test holds it to that), without reflection or per-map
// allocations, which makes streaming large scenarios several times faster.

// appendStrings appends a string array; nil is null, as encoding/json has it.
func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, s)
	}
	return append(b, ']')
}

// appendField appends ,"key": (or "key": first); keys are constants that
// need no escaping.
func appendField(b []byte, key string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendEntity appends an entity with its property names sorted.
func appendEntity(b []byte, e *Entity) []byte {
	b = append(b, '{')
	b = appendField(b, "id", true)
	b = jsonenc.AppendString(b, e.ID)
	b = appendField(b, "schema", false)
	b = jsonenc.AppendString(b, e.Schema)
	b = appendField(b, "properties", false)
	if e.Properties == nil {
		return append(append(b, "null"...), '}')
	}
	var keysBuf [48]string
	keys := keysBuf[:0]
	for k := range e.Properties {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, k)
		b = append(b, ':')
		b = appendStrings(b, e.Properties[k])
	}
	return append(b, '}', '}')
}

// appendRecord appends a record in the field order and with the
// omitempty rules of its struct tags.
func appendRecord(b []byte, r *Record) []byte {
	b = append(b, '{')
	b = appendField(b, "id", true)
	b = jsonenc.AppendString(b, r.ID)
	b = appendField(b, "agency", false)
	b = jsonenc.AppendString(b, r.Agency)
	b = appendField(b, "case_ref", false)
	b = jsonenc.AppendString(b, r.CaseRef)
	b = appendField(b, "title", false)
	b = jsonenc.AppendString(b, r.Title)
	b = appendField(b, "narrative", false)
	b = jsonenc.AppendString(b, r.Narrative)
	b = appendField(b, "created", false)
	b = jsonenc.AppendString(b, r.Created)
	b = appendField(b, "synthetic", false)
	if r.Synthetic {
		b = append(b, "true"...)
	} else {
		b = append(b, "false"...)
	}

	e := &r.Envelope
	b = appendField(b, "envelope", false)
	b = append(b, '{')
	b = appendField(b, "handling", true)
	b = jsonenc.AppendString(b, e.Handling)
	if e.HandlingRestriction != "" {
		b = appendField(b, "handling_restriction", false)
		b = jsonenc.AppendString(b, e.HandlingRestriction)
	}
	b = appendField(b, "tlp", false)
	b = jsonenc.AppendString(b, e.TLP)
	if len(e.Recipients) > 0 {
		b = appendField(b, "recipients", false)
		b = appendStrings(b, e.Recipients)
	}
	b = appendField(b, "source_reliability", false)
	b = jsonenc.AppendString(b, e.SourceReliability)
	b = appendField(b, "information_assessment", false)
	b = jsonenc.AppendString(b, e.InformationAssessment)
	b = appendField(b, "purpose", false)
	b = jsonenc.AppendString(b, e.Purpose)
	b = appendField(b, "legal_basis", false)
	b = jsonenc.AppendString(b, e.LegalBasis)
	b = appendField(b, "review_date", false)
	b = jsonenc.AppendString(b, e.ReviewDate)
	b = appendField(b, "subjects", false)
	if e.Subjects == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range e.Subjects {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = appendField(b, "entity_id", true)
			b = jsonenc.AppendString(b, e.Subjects[i].EntityID)
			b = appendField(b, "category", false)
			b = jsonenc.AppendString(b, e.Subjects[i].Category)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, '}')

	b = appendField(b, "entities", false)
	if r.Entities == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Entities {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendEntity(b, &r.Entities[i])
		}
		b = append(b, ']')
	}
	return append(b, '}')
}
