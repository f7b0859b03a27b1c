package disclosure

import (
	"encoding/json"
	"testing"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/envelope"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/policy"
)

// FuzzDecodeTombstone checks that any payload either decodes to a
// tombstone that passes every check, or fails with an input error kind.
func FuzzDecodeTombstone(f *testing.F) {
	f.Add([]byte(`{"recordId":"0190f1c2-0000-7000-8000-000000000001","version":3,"kind":"erase"}`))
	f.Add([]byte(`{"recordId":"0190f1c2-0000-7000-8000-000000000001","version":2,"kind":"withdraw","reason":"revoked: h3.not-to-country"}`))
	f.Add([]byte(`{"recordId":"../x","version":-1,"kind":"erase"}`))
	f.Add([]byte(`{"recordId":"0190f1c2-0000-7000-8000-000000000001","version":2,"kind":"withdraw"} {}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, err := decodeTombstone(b)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %v: %v", k, err)
			}
			return
		}
		if !ids.Valid(ts.RecordID) || ts.Version <= 0 || (ts.Kind != "withdraw" && ts.Kind != "erase") || checkReason("reason", ts.Reason) != nil {
			t.Fatalf("accepted %+v", ts)
		}
	})
}

// FuzzDecodePermission checks the permission-request and -answer
// decoders the same way, and that what decodes encodes back to the same
// values.
func FuzzDecodePermission(f *testing.F) {
	f.Add([]byte(`{"id":"0190f1c2-0000-7000-8000-0000000000bb","recordId":"0190f1c2-0000-7000-8000-000000000001","version":1,"recipient":"BE-FP","purpose":"criminal-investigation","reason":"JIT"}`))
	f.Add([]byte(`{"id":"0190f1c2-0000-7000-8000-0000000000cc","recordId":"0190f1c2-0000-7000-8000-000000000001","grant":true,"copy":{"id":"x"}}`))
	f.Add([]byte(`{"id":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r requestPayload
		if err := federation.DecodePayload(b, maxControlBytes, &r); err == nil {
			again, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var r2 requestPayload
			if err := federation.DecodePayload(again, maxControlBytes, &r2); err != nil || r2 != r {
				t.Fatalf("round trip %+v → %+v (%v)", r, r2, err)
			}
		} else if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
			t.Fatalf("request: error of kind %v: %v", k, err)
		}
		var a answerPayload
		if err := federation.DecodePayload(b, envelope.MaxPayload, &a); err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("answer: error of kind %v: %v", k, err)
			}
		}
	})
}

// FuzzCheckShare checks that an accepted share names 1 to MaxPartners
// distinct valid agencies and a known purpose.
func FuzzCheckShare(f *testing.F) {
	f.Add("NL-NCB,BE-FP", "criminal-investigation", "JIT")
	f.Add("NL-NCB,NL-NCB", "criminal-investigation", "")
	f.Add("nl-ncb", "gossip", "\x00")
	f.Fuzz(func(t *testing.T, to, purpose, reason string) {
		req := ShareRequest{Purpose: policy.Purpose(purpose), Reason: reason}
		if to != "" {
			req.To = splitComma(to)
		}
		if err := checkShare(&req); err != nil {
			return
		}
		seen := map[string]bool{}
		for _, a := range req.To {
			if !policy.ValidAgencyID(a) || seen[a] {
				t.Fatalf("accepted partners %q", req.To)
			}
			seen[a] = true
		}
		if len(req.To) == 0 || len(req.To) > MaxPartners || !req.Purpose.Valid() || len(reason) > MaxReasonLen {
			t.Fatalf("accepted %+v", req)
		}
	})
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
