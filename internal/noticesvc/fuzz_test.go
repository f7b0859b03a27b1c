package noticesvc

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/notice"
)

// FuzzReceivePayload feeds arbitrary notice-* payloads through the checks
// a received message passes before anything is stored: they never panic,
// and what they accept is a valid notice whose blocking flags a reviewer
// acknowledged, or valid alerts.
func FuzzReceivePayload(f *testing.F) {
	fr := newNode(f, "FR-NCB", "FR", nil)
	nt := publish(f, fr, Distribution{Scope: notice.ScopeAll})
	rec, err := loadNotice(context.Background(), fr.db, nt.ID)
	if err != nil {
		f.Fatal(err)
	}
	env, err := fr.svc.decider.RecipientEnvelope(*rec.env, "FR-NCB", policyPartner("DE-BKA", "DE"), fr.clock.Now())
	if err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(wire{Kind: wireNotice, Notice: rec.forPartner(&env)})
	alerts, _ := json.Marshal(wire{Kind: wireAlerts, Alerts: []wireAlert{{ID: "a1", Version: 1,
		AlertInput: passport("12AB34567", Distribution{})}}})
	f.Add(good)
	f.Add(alerts)
	f.Add([]byte(`{"kind":"notice","cancel":["x"],"reason":"arrested"}`))
	f.Add([]byte(`{"kind":"alerts","alerts":[{"id":"a","version":1,"kind":"vehicle","status":"stolen","vin":"1HGCM82633A004352"}]}`))
	f.Add([]byte(`{"kind":"notice","notice":{"id":"x","version":1,"type":"red","state":"published","originator":"FR-NCB","subject":{"name":"X"},"distribution":{}}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		w, err := decodeWire(payload)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("decode error of kind %s: %v", k, err)
			}
			return
		}
		if w.Notice != nil {
			n, err := receivedNotice("FR-NCB", w.Notice)
			if err == nil {
				if n.Validate() != nil || n.CheckInvariants() != nil {
					t.Fatalf("accepted an invalid notice: %+v", n)
				}
			}
		}
		for _, a := range w.Alerts {
			c := a.AlertInput.core("FR-NCB")
			if c.Normalize() == nil {
				again := c
				if again.Normalize() != nil || again != c {
					t.Fatalf("normalising is not idempotent: %+v", c)
				}
			}
		}
	})
}

// FuzzLookup sends arbitrary border queries through the lookup path: a
// malformed one is Invalid, never a panic or another error.
func FuzzLookup(f *testing.F) {
	n := newNode(f, "FR-NCB", "FR", nil)
	ctx := n.as(access.SPOC)
	if _, err := n.svc.CreateAlert(ctx, passport("12AB34567", Distribution{})); err != nil {
		f.Fatal(err)
	}
	publish(f, n, Distribution{Scope: notice.ScopeAll})
	f.Add("12AB34567", "FR", "", "", "", "")
	f.Add("", "FR", "AB-123-CD", "", "", "")
	f.Add("", "", "", "WVWZZZ1JZXW000001", "", "")
	f.Add("", "", "", "", "John Doe", "1980-01-02")
	f.Add("", "", "", "", "Джон Доу", "1980")
	f.Add("x", "", "y", "", "", "")
	f.Fuzz(func(t *testing.T, doc, country, plate, vin, name, dob string) {
		fd, err := n.svc.search(context.Background(), LookupQuery{Document: doc, Country: country, Plate: plate, VIN: vin, Name: name, BirthDate: dob})
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("error of kind %s: %v", errs.KindOf(err), err)
			}
			return
		}
		for _, h := range fd.hashes {
			if strings.Contains(h, doc) && doc != "" || strings.Contains(h, plate) && plate != "" {
				t.Fatalf("hash %q holds the identifier", h)
			}
		}
	})
}

// FuzzImportAlerts imports arbitrary CSV: it never panics, a refusal is a
// client error, and an accepted import counts every row it read.
func FuzzImportAlerts(f *testing.F) {
	n := newNode(f, "FR-NCB", "FR", nil)
	ctx := n.as(access.SPOC)
	f.Add("document_number,country,status\n12AB34567,FR,stolen\n", 1)
	f.Add("plate,country,vin\nAB-123-CD,FR,\n,,WVWZZZ1JZXW000001\n", 40)
	f.Add("description,status\n\"gold watch, engraved\",stolen\n", 1)
	f.Add("document_number,country,status,type,action,contact,reference\nX1234567,DE,lost,id-card,report,BKA,R-1\n", 7)
	f.Fuzz(func(t *testing.T, csv string, firstLine int) {
		res, err := n.svc.ImportAlerts(ctx, strings.NewReader(csv), ImportOptions{FirstLine: firstLine % 1000})
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge && k != errs.Conflict {
				t.Fatalf("error of kind %s: %v", k, err)
			}
			return
		}
		if res.Created+res.Updated+res.Unchanged > res.Records {
			t.Fatalf("counts %+v", res)
		}
	})
}
