package envelope

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"pgregory.net/rapid"
)

var (
	genAgency = rapid.StringMatching(`[A-Z0-9]{1,8}(-[A-Z0-9]{1,8}){0,2}[A-Z0-9]`)
	genText   = rapid.StringMatching(`([!-~][ -~]{0,30}[!-~])?`)
	genLabel  = rapid.StringMatching(`[A-Za-z0-9][A-Za-z0-9:+._/-]{0,20}`)
	genType   = rapid.SampledFrom(append(KnownTypes, "acme.case-note", "x2"))
)

func genHeader(t *rapid.T) *Header {
	id := uuid.Must(uuid.NewV7())
	recipients := rapid.SliceOfNDistinct(genAgency, 1, 5, rapid.ID).Draw(t, "recipients")
	created := time.UnixMilli(rapid.Int64Range(1, 1<<45).Draw(t, "created")).UTC()
	h := &Header{
		ID:         id,
		Sender:     genAgency.Draw(t, "sender"),
		To:         rapid.SampledFrom(recipients).Draw(t, "to"),
		Recipients: recipients,
		Seq:        rapid.Uint64Range(1, 1<<63).Draw(t, "seq"),
		Created:    created,
		Type:       genType.Draw(t, "type"),
		Thread:     genText.Draw(t, "thread"),
		CaseRef:    genText.Draw(t, "caseRef"),
		Handling:   rapid.SliceOfNDistinct(genLabel, 0, MaxLabels, rapid.ID).Draw(t, "handling"),
		TLP:        rapid.SampledFrom(append(tlpLabels, "")).Draw(t, "tlp"),
	}
	copy(h.SenderKey[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "key"))
	copy(h.Commitment[:], rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "commitment"))
	copy(h.CiphertextHash[:], rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "cthash"))
	if len(h.Handling) == 0 {
		h.Handling = nil
	}
	return h
}

// Every valid header survives encoding and decoding unchanged.
func TestHeaderRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := genHeader(t)
		if err := h.validate(); err != nil {
			t.Fatalf("generated header invalid: %v", err)
		}
		got, err := decodeHeader(encodeHeader(h))
		if err != nil {
			t.Fatal(err)
		}
		if !equalHeaders(got, h) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, h)
		}
	})
}

func equalHeaders(a, b *Header) bool {
	return a.ID == b.ID && a.Sender == b.Sender && a.SenderKey == b.SenderKey && a.To == b.To &&
		slices.Equal(a.Recipients, b.Recipients) && a.Seq == b.Seq && a.Created.Equal(b.Created) &&
		a.Type == b.Type && a.Thread == b.Thread && a.CaseRef == b.CaseRef &&
		slices.Equal(a.Handling, b.Handling) && a.TLP == b.TLP &&
		a.Commitment == b.Commitment && a.CiphertextHash == b.CiphertextHash
}

// The guard accepts exactly the next sequence number of each sender, and
// classifies every refusal as the model does.
func TestGuardModelProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := NewMemoryGuard()
		next := map[string]uint64{}
		accepted := map[string]bool{} // sender + id
		var ids []uuid.UUID
		senders := []string{"NL-NCB", "DE-BKA"}
		for i := range rapid.IntRange(1, 60).Draw(t, "steps") {
			sender := rapid.SampledFrom(senders).Draw(t, "sender")
			n := next[sender]
			if n == 0 {
				n = 1
			}
			h := &Header{Sender: sender, Seq: rapid.Uint64Range(1, n+2).Draw(t, "seq")}
			if len(ids) > 0 && rapid.Bool().Draw(t, "reuse id") {
				h.ID = rapid.SampledFrom(ids).Draw(t, "id")
			} else {
				h.ID = uuid.Must(uuid.NewV7())
				ids = append(ids, h.ID)
			}
			var want Reason
			switch {
			case accepted[sender+h.ID.String()]:
				want = ReasonReplay
			case h.Seq < n:
				want = ReasonOutOfWindow
			case h.Seq > n:
				want = ReasonSequenceGap
			}
			if got := ReasonOf(g.Check(h)); got != want {
				t.Fatalf("step %d: Check = %q, want %q", i, got, want)
			}
			if rapid.Bool().Draw(t, "record") {
				if got := ReasonOf(g.Record(h)); got != want {
					t.Fatalf("step %d: Record = %q, want %q", i, got, want)
				}
				if want == "" {
					accepted[sender+h.ID.String()] = true
					next[sender] = h.Seq + 1
				}
			}
		}
	})
}
