// Package interpol decodes INTERPOL's public notice JSON (the
// ws-public.interpol.int "notices/v1" API) into [notice.Notice] values, in
// both its shapes: a list page (`_embedded.notices[]`) and a single notice's
// detail.
//
// The format has quirks, all handled here:
//   - dates of birth are partial: "1958/11/05", "1958/11" or "1958";
//   - entity ids are "1993/27493" in bodies and "1993-27493" in URLs; both
//     become the canonical form of [notice.CanonicalEntityID];
//   - any field may be null, arrays included; null means unknown;
//   - weight 0 and height 0 mean unknown;
//   - the notice type is not a field: it is read from the `_links.self.href`
//     path (".../notices/v1/red/...").
//
// Imported notices come out as drafts with [notice.Notice.EntityID] set:
// INTERPOL's publication does not publish them on this node, which screens
// and reviews them like any other before they reach its border checks.
//
// Errors are Invalid (TooLarge for oversized input) and name the JSON path
// and, where known, the entity id.
package interpol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
)

// Limits on input.
const (
	MaxInputBytes = 16 << 20 // a list page of the public API is far smaller
	MaxNotices    = 10_000   // per list page; the API serves at most 160
)

// Page is one decoded list page.
type Page struct {
	Total   int             // total number of results of the query, across pages
	Notices []notice.Notice // this page's notices
	Next    string          // href of the next page, empty on the last
}

// DecodeList decodes a list page. typ is the notice type to assume when a
// notice's links do not name one; pass "" to require the links to.
func DecodeList(data []byte, typ notice.Type) (Page, error) {
	if err := checkSize(data); err != nil {
		return Page{}, err
	}
	var wire struct {
		Total    *json.Number `json:"total"`
		Embedded *struct {
			Notices []json.RawMessage `json:"notices"`
		} `json:"_embedded"`
		Links struct {
			Self link `json:"self"`
			Next link `json:"next"`
		} `json:"_links"`
	}
	if err := decodeStrict(data, &wire); err != nil {
		return Page{}, jsonError("", err)
	}
	if wire.Embedded == nil {
		return Page{}, errs.E(errs.Invalid, "_embedded.notices", "not a notice list: no _embedded.notices")
	}
	if len(wire.Embedded.Notices) > MaxNotices {
		return Page{}, errs.E(errs.TooLarge, "_embedded.notices", fmt.Sprintf("more than %d notices in one page", MaxNotices))
	}
	var p Page
	if wire.Total != nil {
		total, err := strconv.Atoi(wire.Total.String())
		if err != nil || total < 0 {
			return Page{}, errs.E(errs.Invalid, "total", "total must be a non-negative integer")
		}
		p.Total = total
	}
	if typ == "" {
		typ, _ = typeFromHref(wire.Links.Self.Href) // the page's own link names the type for all its notices
	}
	p.Next = wire.Links.Next.Href
	for i, raw := range wire.Embedded.Notices {
		path := fmt.Sprintf("_embedded.notices[%d]", i)
		n, err := decodeNotice(raw, path, typ)
		if err != nil {
			return Page{}, err
		}
		p.Notices = append(p.Notices, n)
	}
	return p, nil
}

// DecodeDetail decodes one notice's detail. typ is used as in DecodeList.
func DecodeDetail(data []byte, typ notice.Type) (notice.Notice, error) {
	if err := checkSize(data); err != nil {
		return notice.Notice{}, err
	}
	return decodeNotice(data, "", typ)
}

// Decode decodes either shape, telling them apart by `_embedded.notices`.
func Decode(data []byte, typ notice.Type) ([]notice.Notice, error) {
	if err := checkSize(data); err != nil {
		return nil, err
	}
	var probe struct {
		Embedded *struct {
			Notices json.RawMessage `json:"notices"`
		} `json:"_embedded"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, jsonError("", err)
	}
	if probe.Embedded != nil && probe.Embedded.Notices != nil {
		p, err := DecodeList(data, typ)
		return p.Notices, err
	}
	n, err := DecodeDetail(data, typ)
	if err != nil {
		return nil, err
	}
	return []notice.Notice{n}, nil
}

type link struct {
	Href string `json:"href"`
}

// wireNotice is a notice as the API sends it. Strings absent or null decode
// to "", arrays to nil.
type wireNotice struct {
	EntityID            string        `json:"entity_id"`
	Name                string        `json:"name"`
	Forename            string        `json:"forename"`
	DateOfBirth         string        `json:"date_of_birth"`
	SexID               string        `json:"sex_id"`
	Nationalities       []string      `json:"nationalities"`
	CountryOfBirthID    string        `json:"country_of_birth_id"`
	PlaceOfBirth        string        `json:"place_of_birth"`
	DistinguishingMarks string        `json:"distinguishing_marks"`
	Height              number        `json:"height"`
	Weight              number        `json:"weight"`
	EyesColorsID        []string      `json:"eyes_colors_id"`
	HairsID             []string      `json:"hairs_id"`
	LanguagesSpokenIDs  []string      `json:"languages_spoken_ids"`
	ArrestWarrants      []wireWarrant `json:"arrest_warrants"`
	Links               struct {
		Self link `json:"self"`
	} `json:"_links"`
}

type wireWarrant struct {
	IssuingCountryID  string `json:"issuing_country_id"`
	Charge            string `json:"charge"`
	ChargeTranslation string `json:"charge_translation"`
}

// number is a JSON number that may also arrive as null or as a numeric
// string; null, "" and 0 all mean unknown.
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		return nil
	}
	if unq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(unq)
		if s == "" {
			return nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// A type error, so that the decoder adds the field path.
		return &json.UnmarshalTypeError{Value: "non-numeric value", Type: reflect.TypeFor[float64]()}
	}
	*n = number(f)
	return nil
}

func decodeNotice(raw []byte, path string, typ notice.Type) (notice.Notice, error) {
	var w wireNotice
	if err := decodeStrict(raw, &w); err != nil {
		return notice.Notice{}, jsonError(path, err)
	}
	at := func(field string) string {
		if path == "" {
			return field
		}
		return path + "." + field
	}
	if w.EntityID == "" {
		return notice.Notice{}, errs.E(errs.Invalid, at("entity_id"), "a notice has an entity_id")
	}
	id, err := notice.CanonicalEntityID(w.EntityID)
	if err != nil {
		return notice.Notice{}, errs.E(errs.Invalid, at("entity_id"), fmt.Sprintf("%q is not an entity id like 1993/27493", clip(w.EntityID)))
	}
	// From here on, errors name the notice too.
	fail := func(field string, err error) error {
		return errs.E(errs.KindOf(err), at(field), fmt.Sprintf("notice %s: %s", id, errs.PublicMessage(err)))
	}
	if t, ok := typeFromHref(w.Links.Self.Href); ok {
		typ = t
	}
	if typ == "" {
		return notice.Notice{}, fail("_links.self.href", errs.E(errs.Invalid, "the notice type is neither in its links nor given"))
	}
	dob, err := notice.ParsePartialDate(w.DateOfBirth)
	if err != nil {
		return notice.Notice{}, fail("date_of_birth", err)
	}
	n := notice.Notice{
		EntityID:            id,
		Type:                typ,
		State:               notice.Draft,
		Name:                clean(w.Name),
		Forename:            clean(w.Forename),
		DateOfBirth:         dob,
		Sex:                 notice.Sex(strings.ToUpper(clean(w.SexID))),
		Nationalities:       codes(w.Nationalities),
		CountryOfBirth:      strings.ToUpper(clean(w.CountryOfBirthID)),
		PlaceOfBirth:        clean(w.PlaceOfBirth),
		DistinguishingMarks: clean(w.DistinguishingMarks),
		HeightMetres:        float64(w.Height),
		WeightKg:            float64(w.Weight),
		EyeColours:          codes(w.EyesColorsID),
		HairColours:         codes(w.HairsID),
		Languages:           codes(w.LanguagesSpokenIDs),
		Originator:          "INTERPOL",
	}
	for _, aw := range w.ArrestWarrants {
		c := notice.Charge{
			IssuingCountry: strings.ToUpper(clean(aw.IssuingCountryID)),
			Text:           clean(aw.Charge),
			Translation:    clean(aw.ChargeTranslation),
		}
		if c == (notice.Charge{}) {
			continue // a null entry
		}
		n.Charges = append(n.Charges, c)
	}
	if err := n.Validate(); err != nil {
		return notice.Notice{}, fail(wireField(errs.FieldOf(err)), err)
	}
	return n, nil
}

// wireField maps a notice.Notice field path back to the API's name for it,
// so errors point into the input.
func wireField(f string) string {
	for from, to := range map[string]string{
		"charges":          "arrest_warrants",
		"issuing_country":  "issuing_country_id",
		"translation":      "charge_translation",
		"text":             "charge",
		"sex":              "sex_id",
		"country_of_birth": "country_of_birth_id",
		"eye_colours":      "eyes_colors_id",
		"hair_colours":     "hairs_id",
		"languages":        "languages_spoken_ids",
	} {
		f = replaceSegment(f, from, to)
	}
	return f
}

// replaceSegment replaces a dotted path segment (ignoring an [i] suffix).
func replaceSegment(path, from, to string) string {
	segs := strings.Split(path, ".")
	for i, s := range segs {
		name, idx, _ := strings.Cut(s, "[")
		if name == from {
			segs[i] = to
			if idx != "" {
				segs[i] += "[" + idx
			}
		}
	}
	return strings.Join(segs, ".")
}

// typeFromHref reads the notice type from a link such as
// https://ws-public.interpol.int/notices/v1/red/2099-12345.
func typeFromHref(href string) (notice.Type, bool) {
	u, err := url.Parse(href)
	if err != nil {
		return "", false
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 1; i+1 < len(segs); i++ {
		if segs[i-1] != "notices" || segs[i] != "v1" {
			continue
		}
		if segs[i+1] == "un" {
			return notice.UNSpecial, true
		}
		t, err := notice.ParseType(segs[i+1])
		return t, err == nil
	}
	return "", false
}

// clean trims a string and turns CRLF into LF.
func clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// codes cleans and upper-cases a list of codes, dropping nulls and blanks.
func codes(list []string) []string {
	var out []string
	for _, c := range list {
		if c = strings.ToUpper(clean(c)); c != "" {
			out = append(out, c)
		}
	}
	return out
}

func checkSize(data []byte) error {
	if len(data) > MaxInputBytes {
		return errs.E(errs.TooLarge, "", fmt.Sprintf("input larger than %d bytes", MaxInputBytes))
	}
	return nil
}

// decodeStrict unmarshals one JSON value and refuses trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// jsonError turns a decoding error into an Invalid error naming the path.
func jsonError(path string, err error) error {
	field := path
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		if field != "" {
			field += "."
		}
		field += te.Field
	}
	var msg string
	switch {
	case te != nil:
		msg = fmt.Sprintf("expected %s, found JSON %s", te.Type, te.Value)
	default:
		var se *json.SyntaxError
		if errors.As(err, &se) {
			msg = fmt.Sprintf("malformed JSON at byte %d", se.Offset)
		} else {
			msg = "malformed JSON: " + clip(err.Error())
		}
	}
	return errs.E(errs.Invalid, field, msg)
}

// clip bounds text echoed from the input into an error message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}
