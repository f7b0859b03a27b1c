package scenario

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// A hand-written JSON encoder for records, the bulk of the output. It
// writes exactly the bytes encoding/json writes with HTML escaping off
// (a property test holds it to that), without reflection or per-map
// allocations, which makes streaming large scenarios several times faster.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping as encoding/json does:
// quote and backslash, control characters (\b \f \n \r \t short forms,
// others as \u00XX), invalid UTF-8 as \ufffd, and U+2028, U+2029.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

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
		b = appendString(b, s)
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
	b = appendString(b, e.ID)
	b = appendField(b, "schema", false)
	b = appendString(b, e.Schema)
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
		b = appendString(b, k)
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
	b = appendString(b, r.ID)
	b = appendField(b, "agency", false)
	b = appendString(b, r.Agency)
	b = appendField(b, "case_ref", false)
	b = appendString(b, r.CaseRef)
	b = appendField(b, "title", false)
	b = appendString(b, r.Title)
	b = appendField(b, "narrative", false)
	b = appendString(b, r.Narrative)
	b = appendField(b, "created", false)
	b = appendString(b, r.Created)
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
	b = appendString(b, e.Handling)
	if e.HandlingRestriction != "" {
		b = appendField(b, "handling_restriction", false)
		b = appendString(b, e.HandlingRestriction)
	}
	b = appendField(b, "tlp", false)
	b = appendString(b, e.TLP)
	if len(e.Recipients) > 0 {
		b = appendField(b, "recipients", false)
		b = appendStrings(b, e.Recipients)
	}
	b = appendField(b, "source_reliability", false)
	b = appendString(b, e.SourceReliability)
	b = appendField(b, "information_assessment", false)
	b = appendString(b, e.InformationAssessment)
	b = appendField(b, "purpose", false)
	b = appendString(b, e.Purpose)
	b = appendField(b, "legal_basis", false)
	b = appendString(b, e.LegalBasis)
	b = appendField(b, "review_date", false)
	b = appendString(b, e.ReviewDate)
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
			b = appendString(b, e.Subjects[i].EntityID)
			b = appendField(b, "category", false)
			b = appendString(b, e.Subjects[i].Category)
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
