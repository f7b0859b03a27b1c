package matchsvc

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/names"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// The holder's index reads the current version of every record through the
// records service's principal-free read path (record.Current): it must see
// every record to apply policy.Decider.CanMatch per partner itself, and it
// never shows a record to an officer.

// identifierTypes maps the ftm identifier kinds the index publishes to
// their match types. Their names are equal, so that a querier can name a
// type either way.
var identifierTypes = map[string]match.Type{
	ftm.KindPassport: match.Passport,
	ftm.KindID:       match.NationalID,
	ftm.KindPhone:    match.Phone,
	ftm.KindEmail:    match.Email,
	ftm.KindIBAN:     match.IBAN,
	ftm.KindWallet:   match.Wallet,
	ftm.KindPlate:    match.Plate,
	ftm.KindVIN:      match.VIN,
}

// personKeyTypes maps the kinds of internal/names match keys to match
// types.
var personKeyTypes = map[string]match.Type{
	names.KindNameDOB:      match.NameDOB,
	names.KindTokensDOB:    match.TokensDOB,
	names.KindPhoneticYear: match.PhoneticYear,
}

// Bounds on what one record contributes to the index.
const (
	maxNamesPerPerson = 16
	maxDatesPerPerson = 4
	maxKeysPerRecord  = 4096
	// maxIdentifierLen is what the records' identifier index keeps
	// (record.NormalizeIdentifier refuses longer values).
	maxIdentifierLen = 200
)

// storedRecord is a record as the index reads it.
type storedRecord struct {
	pos    int64
	id     string
	active bool // current and matchable at all (not flagged, withdrawn or erased)
	env    policy.Envelope
	keys   []match.Key
	// bad says why a stored record could not be read; such a record is
	// left out of the index (and logged) rather than stopping it.
	bad error
}

func storedOf(c *record.Current) *storedRecord {
	r := &storedRecord{pos: c.Pos, id: c.ID, bad: c.Err}
	if c.State == record.StateActive && c.Err == nil {
		r.active, r.env, r.keys = true, c.Envelope, recordKeys(c.Entities)
	}
	return r
}

// readRecords returns up to limit records stored after position after.
func readRecords(ctx context.Context, recs Records, after int64, limit int) ([]*storedRecord, error) {
	cs, err := recs.ScanCurrent(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*storedRecord, len(cs))
	for i, c := range cs {
		out[i] = storedOf(c)
	}
	return out, nil
}

// readRecord returns the record with id, or nil when there is none.
func readRecord(ctx context.Context, recs Records, id string) (*storedRecord, error) {
	c, err := recs.CurrentRecord(ctx, id)
	if errs.Is(err, errs.NotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return storedOf(c), nil
}

// recordKeys returns the distinct keys the entities of a record publish:
// their normalised identifiers of the matchable kinds (the same values the
// records' identifier index holds) and the match keys of every Person's
// names and birth dates.
func recordKeys(ents []ftm.Entity) []match.Key {
	var keys []match.Key
	add := func(k match.Key) {
		if len(keys) < maxKeysPerRecord && k.Validate() == nil {
			keys = append(keys, k)
		}
	}
	for _, e := range ents {
		for _, ik := range ftm.IdentifierKeys(e) {
			if t, ok := identifierTypes[ik.Kind]; ok && len(ik.Value) <= maxIdentifierLen {
				add(match.Key{Type: t, Value: ik.Value})
			}
		}
		if s, ok := ftm.LookupSchema(e.Schema); ok && s.IsA("Person") {
			for _, k := range personKeys(e) {
				add(k)
			}
		}
	}
	slices.SortFunc(keys, compareKeys)
	return slices.Compact(keys)
}

func compareKeys(a, b match.Key) int {
	if a.Type != b.Type {
		return int(a.Type) - int(b.Type)
	}
	return strings.Compare(a.Value, b.Value)
}

// personKeys derives the match keys of a Person entity: every name (name,
// alias, and first and last name together) with every birth date.
func personKeys(e ftm.Entity) []match.Key {
	var fullNames []string
	addName := func(n string) {
		n = strings.TrimSpace(n)
		if n != "" && len(fullNames) < maxNamesPerPerson && !slices.Contains(fullNames, n) {
			fullNames = append(fullNames, n)
		}
	}
	for _, n := range e.Properties["name"] {
		addName(n)
	}
	for _, n := range e.Properties["alias"] {
		addName(n)
	}
	for _, first := range e.Properties["firstName"] {
		for _, last := range e.Properties["lastName"] {
			addName(first + " " + last)
		}
	}
	dates := e.Properties["birthDate"]
	if len(dates) > maxDatesPerPerson {
		dates = dates[:maxDatesPerPerson]
	}
	var keys []match.Key
	for _, n := range fullNames {
		for _, d := range dates {
			keys = append(keys, matchKeys(n, d)...)
		}
	}
	return keys
}

// matchKeys turns a person's name and birth date into match keys, the same
// way on both sides.
func matchKeys(name, birthDate string) []match.Key {
	var out []match.Key
	for _, k := range names.MatchKeys(name, birthDate) {
		if t, ok := personKeyTypes[k.Kind]; ok {
			out = append(out, match.Key{Type: t, Value: k.Value})
		}
	}
	return out
}

// NormalizeValue normalises an identifier of type t as the holder's index
// holds it: passport, id, plate and VIN numbers upper-cased without
// separators, phone numbers in E.164 (country, when given, reads a national
// number), e-mail addresses lower-cased, IBANs and wallets checked. Person
// match key types are not normalised here: derive them from a name and a
// birth date ([PersonKeys]).
func NormalizeValue(t match.Type, value, country string) (string, error) {
	kind := t.String()
	if _, ok := identifierTypes[kind]; !ok {
		return "", errs.E(errs.Invalid, "type", fmt.Sprintf("%s is not an identifier type: query persons by name and birth date", t))
	}
	var (
		v   string
		err error
	)
	if t == match.Phone && country != "" {
		v, err = ftm.NormalizePhone(value, country)
		if err != nil {
			err = errs.E(errs.Invalid, "value", errs.PublicMessage(err))
		}
	} else {
		v, err = record.NormalizeIdentifier(kind, value)
	}
	if err != nil {
		return "", err
	}
	if k := (match.Key{Type: t, Value: v}); k.Validate() != nil || len(v) > maxIdentifierLen {
		return "", errs.E(errs.Invalid, "value", "identifier is too long or malformed")
	}
	return v, nil
}

// PersonKeys derives the match keys of a person from a full name and a
// birth date, as the holder derives them from its records. It fails with
// errs.Invalid when no key can be made (no name, or no usable date).
func PersonKeys(name, birthDate string) ([]match.Key, error) {
	keys := matchKeys(name, birthDate)
	valid := keys[:0]
	for _, k := range keys {
		if k.Validate() == nil {
			valid = append(valid, k)
		}
	}
	if len(valid) == 0 {
		return nil, errs.E(errs.Invalid, "person", "a person is matched by a name and a birth date (YYYY-MM-DD, or at least the year)")
	}
	return valid, nil
}
