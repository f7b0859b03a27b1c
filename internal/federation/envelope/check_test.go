package envelope

import (
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/errs"
)

// Check accepts exactly what Seal accepts, so an outbox that checks at
// enqueue time never holds a message it cannot seal.
func TestCheckAgreesWithSeal(t *testing.T) {
	network(t)
	tests := []struct {
		name string
		edit func(*Message)
		to   []node
		want errs.Kind // 0: accepted
	}{
		{"valid", func(*Message) {}, []node{de, be}, 0},
		{"bad type", func(m *Message) { m.Type = "Bad Type" }, []node{de}, errs.Invalid},
		{"bad tlp", func(m *Message) { m.TLP = "TLP:PINK" }, []node{de}, errs.Invalid},
		{"bad handling", func(m *Message) { m.Handling = []string{"H0", "H0"} }, []node{de}, errs.Invalid},
		{"bad officer", func(m *Message) { m.Officer = "u\n1" }, []node{de}, errs.Invalid},
		{"long case", func(m *Message) { m.CaseRef = strings.Repeat("x", MaxTextLen+1) }, []node{de}, errs.Invalid},
		{"too large", func(m *Message) { m.Payload = make([]byte, MaxPayload+1) }, []node{de}, errs.TooLarge},
		{"no recipients", func(*Message) {}, nil, errs.Invalid},
		{"duplicate recipient", func(*Message) {}, []node{de, de}, errs.Invalid},
		{"addressees miss one", func(m *Message) { m.Recipients = []string{"DE-BKA"} }, []node{de, be}, errs.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := msg("payload")
			tt.edit(&m)
			var agencies []string
			var rs []Recipient
			for _, n := range tt.to {
				agencies = append(agencies, n.id.Agency)
				rs = append(rs, rcpt(t, n, 1))
			}
			checkErr := Check(nl.id.Agency, m, agencies)
			_, sealErr := Seal(nl.id, m, rs, now)
			if tt.want == 0 {
				if checkErr != nil || sealErr != nil {
					t.Fatalf("Check: %v, Seal: %v", checkErr, sealErr)
				}
				return
			}
			if !errs.Is(checkErr, tt.want) || !errs.Is(sealErr, tt.want) {
				t.Fatalf("Check: %v, Seal: %v, want kind %v from both", checkErr, sealErr, tt.want)
			}
		})
	}
}
