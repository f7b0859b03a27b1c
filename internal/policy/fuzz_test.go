package policy

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/errs"
)

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add([]byte(sampleJSON))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"originator":"NL-NCB","originatorCountry":"NL","handling":["H0"],"tlp":"TLP:CLEAR",` +
		`"sourceReliability":"A","informationReliability":1,"purpose":"crime-prevention","legalBasis":"x",` +
		`"reviewDate":"2026-06-01T00:00:00Z","exercise":false}`))
	f.Add([]byte(`{"originator":"NL-NCB","originatorCountry":"NL","handling":["H3"],"restrictions":{"rules":["no-matching"]},` +
		`"tlp":"TLP:RED","tlpRecipients":["DE-BKA"],"sourceReliability":"X","informationReliability":4,"purpose":"training",` +
		`"legalBasis":"x","reviewDate":"2026-06-01T00:00:00+02:00","exercise":true,"receivedFrom":"BE-FP"}`))
	f.Add([]byte(`{"tlp":"TLP:RED","tlp":"TLP:CLEAR"}`))
	f.Add([]byte(`{"restrictions":{"rules":[{"a":1}]}}`))
	d, err := New(DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := DecodeEnvelope(data)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("DecodeEnvelope error kind %v: %v", k, err)
			}
			return
		}
		// Decisions never panic and are well formed, whatever was decoded.
		for _, dec := range []Decision{
			d.CanRead(officer("DE-BKA", "DE", access.Analyst), "DE-BKA", env, now),
			d.CanDisclose("DE-BKA", env, dcpj, PurposeCriminalInvestigation, now),
			d.CanMatch(env, dcpj, now),
			d.CanUseAsEvidence(env),
		} {
			if dec.Rule == "" || dec.Reason == "" {
				t.Fatalf("malformed decision %+v", dec)
			}
			if dec.Allowed && env.check() != nil {
				t.Fatalf("decision %+v allows an invalid envelope", dec)
			}
		}
		if err := env.Validate(now); err != nil {
			if !errs.Is(err, errs.Invalid) || errs.FieldOf(err) == "" {
				t.Fatalf("Validate error without kind or field: %v", err)
			}
			return
		}
		// Accepted envelopes round-trip.
		out, err := json.Marshal(env)
		if err != nil {
			t.Fatalf("Marshal of a valid envelope: %v", err)
		}
		back, err := DecodeEnvelope(out)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if err := back.Validate(now); err != nil {
			t.Fatalf("re-decoded envelope invalid: %v", err)
		}
		out2, err := json.Marshal(back)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("round trip differs:\n%s\n%s (%v)", out, out2, err)
		}
		if err := NotWider(back, env); err != nil {
			t.Fatalf("round trip widened the envelope: %v", err)
		}
	})
}

func FuzzParseRestriction(f *testing.F) {
	for _, s := range []string{"not-to-country:RU", "not-to-agency:DE-BKA", "case-only:EU/JIT/1", "no-matching", "no-matching:", ":", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRestriction(s)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("error kind %v: %v", errs.KindOf(err), err)
			}
			return
		}
		if r.String() != s {
			t.Fatalf("ParseRestriction(%q).String() = %q", s, r.String())
		}
		if err := r.check(); err != nil {
			t.Fatalf("parsed rule fails check: %v", err)
		}
	})
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"3y", "6m", "1y6m", "10y", "120m", "0y", "11y", "y", "1y1y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("error kind %v: %v", errs.KindOf(err), err)
			}
			return
		}
		if p.check() != nil || p.months() < 1 || p.months() > MaxReviewYears*12 {
			t.Fatalf("ParsePeriod(%q) = %+v out of bounds", s, p)
		}
		back, err := ParsePeriod(p.String())
		if err != nil || back != p {
			t.Fatalf("ParsePeriod(%q) = %+v; String %q parses to %+v, %v", s, p, p.String(), back, err)
		}
	})
}

func FuzzParseTLP(f *testing.F) {
	for _, s := range []string{"TLP:RED", "tlp:amber+strict", "TLP:WHITE", "tlp:amber+ſtrict", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseTLP(s)
		if err != nil {
			return
		}
		if l.Rank() < 0 {
			t.Fatalf("ParseTLP(%q) = %q, not canonical", s, l)
		}
		if back, err := ParseTLP(string(l)); err != nil || back != l {
			t.Fatalf("ParseTLP(%q) not idempotent", l)
		}
	})
}
