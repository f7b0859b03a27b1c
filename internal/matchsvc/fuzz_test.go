package matchsvc

import (
	"bytes"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
)

// FuzzParseTableResponse: the querier decodes what a partner sends. No
// input panics; every refusal is errs.Invalid; whatever is accepted
// re-encodes to the same bytes and carries a verified announcement.
func FuzzParseTableResponse(f *testing.F) {
	fx := newHolderFixture(f, time.Now())
	f.Add(fx.snapshotResponse(f))
	f.Add((&tableResponse{Announcement: fx.ann, Generation: 1, Deltas: [][]byte{{1, 2, 3}}}).marshal())
	f.Add((&tableResponse{Announcement: fx.ann, Generation: 1}).marshal())
	f.Add([]byte(tableMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseTableResponse(b)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("refusal of kind %v: %v", errs.KindOf(err), err)
			}
			return
		}
		if err := r.Announcement.verify(); err != nil {
			t.Fatalf("accepted an unverified announcement: %v", err)
		}
		if out := r.marshal(); !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", out, b)
		}
	})
}

// FuzzParseFollowUpPayload: the holder decodes follow-ups partners send.
func FuzzParseFollowUpPayload(f *testing.F) {
	f.Add([]byte(`{"version":1,"reference":"00112233445566778899aabbccddeeff","epoch":1,"type":"passport","caseRef":"C1","purpose":"criminal-investigation","justification":"why","officer":"o"}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ref, typ, err := parseFollowUpPayload(b)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("refusal of kind %v: %v", k, err)
			}
			return
		}
		if !typ.Valid() || p.Epoch == 0 || ref.String() != p.Reference || !match.ValidCase(p.CaseRef) ||
			!printable(p.Justification, 1000, true) || !printable(p.Officer, 200, false) {
			t.Fatalf("accepted a malformed follow-up: %+v", p)
		}
	})
}

// FuzzParseBulkList: officers upload lists; whatever is accepted is a
// bounded list of distinct, valid values of the type.
func FuzzParseBulkList(f *testing.F) {
	f.Add("csv", "NX1234567\nNX1234568\n", uint8(match.Passport))
	f.Add("csv", "Сергей Иванов,1970-01-02\n", uint8(match.NameDOB))
	f.Add("ftm", `{"id":"a","schema":"BankAccount","properties":{"iban":["DE44500105175407324931"]}}`, uint8(match.IBAN))
	f.Add("csv", "\"a\"\"b\",c\n", uint8(match.Plate))
	f.Fuzz(func(t *testing.T, format, data string, typ uint8) {
		t1 := match.Type(typ)
		values, _, err := parseBulkList(format, data, t1, "", 50)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("refusal of kind %v: %v", k, err)
			}
			return
		}
		if len(values) == 0 || len(values) > 50 {
			t.Fatalf("%d values", len(values))
		}
		seen := map[string]bool{}
		for _, v := range values {
			if err := (match.Key{Type: t1, Value: v}).Validate(); err != nil || seen[v] {
				t.Fatalf("value %q: %v (duplicate %v)", v, err, seen[v])
			}
			seen[v] = true
		}
	})
}
