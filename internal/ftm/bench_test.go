package ftm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// benchStream builds n JSON lines shaped like a police or sanctions export:
// people with names, dates, nationalities, passports and phones; their
// passports; companies; ownerships linking them; bank accounts.
func benchStream(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	given := []string{"Sergei", "Maria", "Mohammed", "Jean-Pierre", "Γεώργιος", "Олександр", "José Luis"}
	family := []string{"Ivanov", "Müller", "García Márquez", "Papadopoulos", "Шевченко", "Al-Assad"}
	countries := []string{"de", "fr", "ru", "ua", "gr", "es", "sy", "nl"}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range n {
		id := fmt.Sprintf("ent-%d", i)
		var e wireEntity
		switch i % 5 {
		case 0:
			e = wireEntity{ID: id, Schema: "Person", Properties: map[string][]string{
				"name":           {given[rng.IntN(len(given))] + " " + family[rng.IntN(len(family))]},
				"alias":          {family[rng.IntN(len(family))] + " " + given[rng.IntN(len(given))]},
				"birthDate":      {fmt.Sprintf("%d-%02d-%02d", 1950+rng.IntN(50), 1+rng.IntN(12), 1+rng.IntN(28))},
				"nationality":    {countries[rng.IntN(len(countries))]},
				"passportNumber": {fmt.Sprintf("C%08d", rng.IntN(1e8))},
				"phone":          {fmt.Sprintf("+4930%07d", rng.IntN(1e7))},
				"email":          {fmt.Sprintf("user%d@example.org", i)},
				"topics":         {"crime.fin"},
				"notes":          {"Subject of request under Art. 39 CISA; see case file."},
			}}
		case 1:
			e = wireEntity{ID: id, Schema: "Passport", Properties: map[string][]string{
				"holder": {fmt.Sprintf("ent-%d", i-1)}, "number": {fmt.Sprintf("C%08d", rng.IntN(1e8))},
				"country": {"de"}, "startDate": {"2019-03-01"}, "endDate": {"2029-02-28"},
			}}
		case 2:
			e = wireEntity{ID: id, Schema: "Company", Properties: map[string][]string{
				"name": {fmt.Sprintf("Example Trading %d GmbH", i)}, "jurisdiction": {"de"},
				"registrationNumber": {fmt.Sprintf("HRB %d", rng.IntN(1e6))}, "incorporationDate": {"2015-06"},
				"address": {"Friedrichstraße 1, 10117 Berlin"}, "website": {"https://example.org"},
			}}
		case 3:
			e = wireEntity{ID: id, Schema: "Ownership", Properties: map[string][]string{
				"owner": {fmt.Sprintf("ent-%d", i-3)}, "asset": {fmt.Sprintf("ent-%d", i-1)},
				"percentage": {"51"}, "startDate": {"2016"},
			}}
		case 4:
			e = wireEntity{ID: id, Schema: "BankAccount", Properties: map[string][]string{
				"iban": {"DE89370400440532013000"}, "bankName": {"Example Bank"}, "accountNumber": {"0532013000"},
			}}
		}
		if err := enc.Encode(e); err != nil {
			panic(err)
		}
	}
	return buf.Bytes()
}

// BenchmarkDecode measures decoding and validation against the baseline
// of plain encoding/json unmarshalling of the same lines into
// map[string]any, alternating the two in every iteration. The machine is
// shared, so the figures use the fastest iteration of each (closest to an
// unloaded run): "ratio" is decoder throughput ÷ baseline throughput.
func BenchmarkDecode(b *testing.B) {
	const n = 2000
	data := benchStream(n)
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	for _, mode := range []struct {
		name string
		opts DecodeOptions
	}{
		{"lenient", DecodeOptions{}},
		{"strict", DecodeOptions{Strict: true}},
		{"normalize", DecodeOptions{Normalize: true}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			base, dec := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				t0 := time.Now()
				for _, l := range lines {
					var m map[string]any
					if err := json.Unmarshal(l, &m); err != nil {
						b.Fatal(err)
					}
				}
				t1 := time.Now()
				d := NewDecoder(bytes.NewReader(data), mode.opts)
				count := 0
				for {
					_, _, err := d.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					count++
				}
				dec = min(dec, time.Since(t1))
				base = min(base, t1.Sub(t0))
				if count != n {
					b.Fatalf("decoded %d of %d", count, n)
				}
			}
			b.ReportMetric(n/dec.Seconds(), "entities/s")
			b.ReportMetric(n/base.Seconds(), "baseline-entities/s")
			b.ReportMetric(base.Seconds()/dec.Seconds(), "ratio")
		})
	}
}
