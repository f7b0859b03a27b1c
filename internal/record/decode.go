package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/policy"
)

// Draft is the content of a record as an officer writes it: the body of
// POST /api/v1/records (create) and PUT /api/v1/records/{id} (update).
type Draft struct {
	Title        string                                `json:"title"`
	Narrative    string                                `json:"narrative,omitempty"`
	Assessment   string                                `json:"assessment,omitempty"`
	CaseRef      string                                `json:"caseRef,omitempty"`
	Entities     []ftm.Entity                          `json:"entities"`
	DataSubjects map[string]policy.DataSubjectCategory `json:"dataSubjects,omitempty"`
	Assessments  []string                              `json:"assessments,omitempty"`
	Attachments  []Attachment                          `json:"attachments,omitempty"`
	// Envelope is the policy envelope. On create, originator and
	// originator country default to the node's, and a zero review date to
	// the default for the record's data subjects.
	Envelope policy.Envelope `json:"envelope"`
	// Version is, on update, the version the update replaces: an update
	// based on an older version fails with errs.Conflict.
	Version int `json:"version,omitempty"`
}

// Warning is something accepted but worth telling the author: an entity
// property FtM 3.8 does not know, kept aside and exported unchanged.
type Warning struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// wireDraft is Draft with the entities still raw, so that each one goes
// through the FtM decoder.
type wireDraft struct {
	Title        string                                `json:"title"`
	Narrative    string                                `json:"narrative"`
	Assessment   string                                `json:"assessment"`
	CaseRef      string                                `json:"caseRef"`
	Entities     []json.RawMessage                     `json:"entities"`
	DataSubjects map[string]policy.DataSubjectCategory `json:"dataSubjects"`
	Assessments  []string                              `json:"assessments"`
	Attachments  []Attachment                          `json:"attachments"`
	Envelope     policy.Envelope                       `json:"envelope"`
	Version      int                                   `json:"version"`
}

// DecodeDraft decodes and checks a draft: strict JSON (unknown fields
// rejected), every entity through the FtM decoder (known, non-abstract
// schema; known properties, unless !strict, which keeps unknown ones aside
// with a warning; values valid and normalised by property type), no
// duplicate entity ids, a data-subject category for every Person and only
// for persons, and the limits. The envelope is decoded but not validated
// (that needs the clock and the node; see [Service.Create]).
//
// Errors are errs.Invalid or errs.TooLarge and name the offending input,
// e.g. "entities[3]: entity p1: property birthDate"; they never repeat a
// value.
func DecodeDraft(data []byte, lim Limits, strict bool) (Draft, []Warning, error) {
	lim = Config{Limits: lim}.withDefaults().Limits
	if len(data) > lim.MaxRecordBytes {
		return Draft{}, nil, errs.E(errs.TooLarge, "record", fmt.Sprintf("record larger than %d bytes", lim.MaxRecordBytes))
	}
	var w wireDraft
	if err := decodeStrict(data, &w); err != nil {
		return Draft{}, nil, err
	}
	d := Draft{
		Title: w.Title, Narrative: w.Narrative, Assessment: w.Assessment, CaseRef: w.CaseRef,
		DataSubjects: w.DataSubjects, Assessments: w.Assessments, Attachments: w.Attachments,
		Envelope: w.Envelope, Version: w.Version,
	}
	if len(w.Entities) > lim.MaxEntities {
		return Draft{}, nil, errs.E(errs.TooLarge, "entities", fmt.Sprintf("more than %d entities", lim.MaxEntities))
	}
	ents, warns, err := decodeEntities(w.Entities, lim.Decode, strict)
	if err != nil {
		return Draft{}, nil, err
	}
	d.Entities = ents
	if err := d.check(lim); err != nil {
		return Draft{}, nil, err
	}
	return d, warns, nil
}

// decodeStrict decodes one JSON value into v, rejecting unknown fields and
// trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.E(errs.Invalid, "record", "trailing data after the record")
	}
	return nil
}

// jsonError classifies a decoding error as client input error, keeping the
// field of an *errs.Error raised by a field's own decoder (the envelope's).
func jsonError(err error) error {
	var (
		e      *errs.Error
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &e):
		return err
	case errors.As(err, &syntax):
		return errs.E(errs.Invalid, "record", fmt.Sprintf("malformed JSON at byte %d", syntax.Offset))
	case errors.As(err, &typ):
		return errs.E(errs.Invalid, typ.Field, "wrong JSON type")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errs.E(errs.Invalid, "record", "unknown field "+quote(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)))
	}
	return errs.E(errs.Invalid, "record", "malformed JSON")
}

// decodeEntities runs every raw entity through one FtM decoder, as lines of
// a stream, and names errors by position: "entities[3]: entity p1:
// property birthDate".
func decodeEntities(raw []json.RawMessage, opts ftm.DecodeOptions, strict bool) ([]ftm.Entity, []Warning, error) {
	opts.Strict, opts.Normalize = strict, true
	var buf bytes.Buffer
	for i, r := range raw {
		if err := json.Compact(&buf, r); err != nil { // cannot fail: r was decoded as JSON
			return nil, nil, errs.E(errs.Invalid, "entities["+itoa(i)+"]", "malformed JSON")
		}
		buf.WriteByte('\n')
	}
	dec := ftm.NewDecoder(&buf, opts)
	ents := make([]ftm.Entity, 0, len(raw))
	var ids ftm.IDSet
	var warns []Warning
	for i := range raw {
		e, _, err := dec.Next()
		if err != nil {
			return nil, nil, renameLine(err, "entities", -1)
		}
		if err := ids.Add(e.ID, i+1); err != nil {
			return nil, nil, errs.E(errs.Invalid, "entities["+itoa(i)+"]: entity "+e.ID, "duplicate entity id in the record")
		}
		warns = append(warns, extraWarnings(e, "entities["+itoa(i)+"]")...)
		ents = append(ents, e)
	}
	return ents, warns, nil
}

// renameLine rewrites the "line N" an FtM decoder error names into
// "what[N+offset]" (entities of a draft) or into a line number shifted by
// offset (imports numbered from the file's first line), keeping kind,
// message and the rest of the field.
func renameLine(err error, what string, offset int) error {
	var e *errs.Error
	if !errors.As(err, &e) {
		return err
	}
	rest, ok := strings.CutPrefix(e.Field, "line ")
	if !ok {
		return err
	}
	num, tail, _ := strings.Cut(rest, ":")
	n, convErr := strconv.Atoi(num)
	if convErr != nil {
		return err
	}
	field := "line " + itoa(n+offset)
	if what != "" {
		field = what + "[" + itoa(n+offset) + "]"
	}
	if tail != "" {
		field += ":" + tail
	}
	return &errs.Error{Kind: e.Kind, Field: field, Message: e.Message}
}

// extraWarnings lists the properties of e kept aside as unknown to FtM 3.8.
func extraWarnings(e ftm.Entity, where string) []Warning {
	if len(e.Extra) == 0 {
		return nil
	}
	names := make([]string, 0, len(e.Extra))
	for k := range e.Extra {
		names = append(names, k)
	}
	slices.Sort(names)
	out := make([]Warning, len(names))
	for i, k := range names {
		out[i] = Warning{Field: where + ": entity " + e.ID + ": property " + k,
			Message: "property unknown to FtM 3.8 for " + e.Schema + ": kept aside and exported unchanged"}
	}
	return out
}

// check validates what DecodeDraft cannot leave to the FtM decoder.
func (d *Draft) check(lim Limits) error {
	if strings.TrimSpace(d.Title) == "" {
		return errs.E(errs.Invalid, "title", "title is required")
	}
	if err := checkText("title", d.Title, lim.MaxTitleLen, false); err != nil {
		return err
	}
	if err := checkText("narrative", d.Narrative, lim.MaxTextLen, true); err != nil {
		return err
	}
	if err := checkText("assessment", d.Assessment, lim.MaxTextLen, true); err != nil {
		return err
	}
	if d.CaseRef != "" && !policy.ValidCaseRef(d.CaseRef) {
		return errs.E(errs.Invalid, "caseRef", "case reference must be 1–64 letters, digits or - _ . /")
	}
	if len(d.Entities) > lim.MaxEntities {
		return errs.E(errs.TooLarge, "entities", fmt.Sprintf("more than %d entities", lim.MaxEntities))
	}
	if err := checkMarkings(d.Entities, d.DataSubjects, d.Assessments); err != nil {
		return err
	}
	return checkAttachments(d.Attachments, lim.MaxAttachments)
}

// checkMarkings checks that every Person entity, and only a Person, has a
// data-subject category, and that assessments name entities of the record
// once each.
func checkMarkings(ents []ftm.Entity, subjects map[string]policy.DataSubjectCategory, assessed []string) error {
	schemaOf := make(map[string]string, len(ents))
	for _, e := range ents {
		schemaOf[e.ID] = e.Schema
	}
	for i, e := range ents {
		if !isPerson(e.Schema) {
			continue
		}
		if _, ok := subjects[e.ID]; !ok {
			return errs.E(errs.Invalid, "entities["+itoa(i)+"]: entity "+e.ID+": dataSubjects",
				"every Person needs a data-subject category (suspect, convicted, victim, witness, contact or other)")
		}
	}
	ids := make([]string, 0, len(subjects))
	for id := range subjects {
		ids = append(ids, id)
	}
	slices.Sort(ids) // report the first error deterministically
	for _, id := range ids {
		field := "dataSubjects." + safeID(id)
		schema, ok := schemaOf[id]
		if !ok {
			return errs.E(errs.Invalid, field, "no entity of the record has this id")
		}
		if !isPerson(schema) {
			return errs.E(errs.Invalid, field, "data-subject categories apply to Person entities only")
		}
		if _, err := policy.ParseDataSubjectCategory(string(subjects[id])); err != nil {
			return errs.E(errs.Invalid, field, errs.PublicMessage(err))
		}
	}
	for i, id := range assessed {
		field := "assessments[" + itoa(i) + "]"
		if _, ok := schemaOf[id]; !ok {
			return errs.E(errs.Invalid, field, "no entity of the record has this id")
		}
		if slices.Contains(assessed[:i], id) {
			return errs.E(errs.Invalid, field, "entity listed twice")
		}
	}
	return nil
}

func checkAttachments(as []Attachment, max int) error {
	if len(as) > max {
		return errs.E(errs.TooLarge, "attachments", fmt.Sprintf("more than %d attachments", max))
	}
	for i, a := range as {
		field := "attachments[" + itoa(i) + "]"
		if !ftm.ValidID(a.ID) || len(a.ID) > 100 {
			return errs.E(errs.Invalid, field+".id", "attachment id must be 1–100 letters, digits, dots or dashes")
		}
		if slices.ContainsFunc(as[:i], func(b Attachment) bool { return b.ID == a.ID }) {
			return errs.E(errs.Invalid, field+".id", "duplicate attachment id")
		}
		if len(a.SHA256) != 64 || strings.Trim(a.SHA256, "0123456789abcdef") != "" {
			return errs.E(errs.Invalid, field+".sha256", "sha256 must be 64 lower-case hex digits")
		}
		if a.Size < 0 {
			return errs.E(errs.Invalid, field+".size", "size must not be negative")
		}
		if err := checkText(field+".name", a.Name, 255, false); err != nil {
			return err
		}
		if err := checkText(field+".mediaType", a.MediaType, 100, false); err != nil {
			return err
		}
	}
	return nil
}

// checkText checks free text: valid UTF-8, at most max bytes, and no
// control characters (newlines and tabs only where multiline) or
// bidirectional overrides, which could forge what a reviewer reads.
func checkText(field, s string, max int, multiline bool) error {
	if len(s) > max {
		return errs.E(errs.TooLarge, field, fmt.Sprintf("longer than %d bytes", max))
	}
	if !utf8.ValidString(s) {
		return errs.E(errs.Invalid, field, "must be valid UTF-8")
	}
	for _, r := range s {
		if (r == '\n' || r == '\t' || r == '\r') && multiline {
			continue
		}
		if r < 0x20 || r >= 0x7f && r < 0xa0 || r == 0x2028 || r == 0x2029 ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return errs.E(errs.Invalid, field, "must not contain control characters")
		}
	}
	return nil
}

// safeID returns id if it is a well-formed entity id, else a placeholder,
// so that error fields never echo arbitrary input.
func safeID(id string) string {
	if ftm.ValidID(id) {
		return id
	}
	return "(invalid id)"
}

// quote quotes s for an error message, cut to 40 bytes.
func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

func itoa(i int) string { return strconv.Itoa(i) }
