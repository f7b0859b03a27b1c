package envelope

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hpke"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/card"
	"github.com/liaison-project/liaison/internal/identity"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type node struct {
	id   *identity.Identity
	card *card.Card
}

func newNode(t testing.TB, agency, country string) node {
	t.Helper()
	id, err := identity.Generate(agency, country, agency+" liaison office", nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := card.New(id, card.Params{URLs: []string{"https://" + strings.ToLower(agency) + ".example"}}, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return node{id, c}
}

var (
	netOnce        sync.Once
	nl, de, be, fr node
)

// network returns four partner nodes, generated once for the whole test binary.
func network(t testing.TB) {
	netOnce.Do(func() {
		nl = newNode(t, "NL-NCB", "NL")
		de = newNode(t, "DE-BKA", "DE")
		be = newNode(t, "BE-FPJ", "BE")
		fr = newNode(t, "FR-OCRGDF", "FR")
	})
}

func allKeys() KeyLookup { return StaticKeys(nl.card, de.card, be.card, fr.card) }

func opts(g ReplayGuard) OpenOptions { return OpenOptions{Keys: allKeys(), Guard: g} }

func msg(payload string) Message {
	return Message{
		Type:     TypeRecordShare,
		Thread:   "thread-42",
		CaseRef:  "NL/2026/0042",
		Handling: []string{"H0", "H2"},
		TLP:      "TLP:AMBER",
		Officer:  "u-1001",
		Payload:  []byte(payload),
	}
}

// rcpt makes n a recipient at sequence number seq.
func rcpt(t testing.TB, n node, seq uint64) Recipient {
	t.Helper()
	r, err := RecipientOf(n.card, seq)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sealTo seals m from nl to the given nodes with sequence numbers 1, 2, ….
func sealTo(t testing.TB, m Message, seq uint64, to ...node) []*Wire {
	t.Helper()
	var rs []Recipient
	for _, n := range to {
		rs = append(rs, rcpt(t, n, seq))
	}
	ws, err := Seal(nl.id, m, rs, now)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// transmit marshals and unmarshals w, as the network would.
func transmit(t testing.TB, w *Wire) *Wire {
	t.Helper()
	got, err := Unmarshal(w.Marshal(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func wantReason(t *testing.T, err error, want Reason) {
	t.Helper()
	if got := ReasonOf(err); got != want {
		t.Fatalf("got %v (reason %q), want reason %q", err, got, want)
	}
	if !strings.HasPrefix(errs.PublicMessage(err), string(want)+": ") {
		t.Errorf("public message %q does not start with the reason", errs.PublicMessage(err))
	}
}

// accept opens w as n and records it, as an inbox would.
func accept(t testing.TB, w *Wire, n node, g ReplayGuard) *Opened {
	t.Helper()
	o, err := Open(transmit(t, w), n.id, now, opts(g))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := g.Record(&o.Header); err != nil {
		t.Fatalf("Record: %v", err)
	}
	return o
}

func TestRoundTripOneRecipient(t *testing.T) {
	network(t)
	m := msg("person of interest: see attached")
	ws := sealTo(t, m, 1, de)
	if len(ws) != 1 {
		t.Fatalf("%d envelopes", len(ws))
	}
	g := NewMemoryGuard()
	o := accept(t, ws[0], de, g)
	if string(o.Payload) != string(m.Payload) || o.Officer != "u-1001" {
		t.Errorf("payload %q officer %q", o.Payload, o.Officer)
	}
	h := o.Header
	if h.Sender != "NL-NCB" || h.To != "DE-BKA" || h.Seq != 1 || h.Type != TypeRecordShare ||
		h.Thread != "thread-42" || h.CaseRef != "NL/2026/0042" || h.TLP != "TLP:AMBER" ||
		strings.Join(h.Handling, ",") != "H0,H2" || strings.Join(h.Recipients, ",") != "DE-BKA" ||
		!h.Created.Equal(now) || h.ID.Version() != 7 || h.SenderKey != nl.card.KeyID() {
		t.Errorf("header %+v", h)
	}
	if g.Next("NL-NCB") != 2 {
		t.Errorf("next sequence %d", g.Next("NL-NCB"))
	}

	// The evidence proves the message with the sender's key alone, also after
	// a storage round trip.
	ev, err := ParseEvidence(o.Evidence.Marshal(), 0)
	if err != nil {
		t.Fatal(err)
	}
	proved, err := ev.Verify(nl.card.PublicKey())
	if err != nil {
		t.Fatalf("evidence: %v", err)
	}
	if string(proved.Payload) != string(m.Payload) || proved.Officer != "u-1001" || proved.Header.ID != h.ID {
		t.Errorf("evidence proves %+v", proved)
	}
	if ev.Hash() != ws[0].Hash() {
		t.Error("evidence hash differs from the envelope hash")
	}
	// The header shows neither the payload nor the officer.
	wire := ws[0].Marshal()
	if bytes.Contains(wire, m.Payload) || bytes.Contains(wire, []byte("u-1001")) {
		t.Error("payload or officer visible in the envelope")
	}
}

func TestRoundTripThreeRecipients(t *testing.T) {
	network(t)
	m := msg("joint operation briefing")
	rs := []Recipient{rcpt(t, de, 7), rcpt(t, be, 1), rcpt(t, fr, 3)}
	ws, err := Seal(nl.id, m, rs, now)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range []node{de, be, fr} {
		g := NewMemoryGuard()
		// Bring each guard to the pair's sequence number.
		for s := uint64(1); s < rs[i].Seq; s++ {
			prev := sealTo(t, msg("earlier"), s, n)[0]
			accept(t, prev, n, g)
		}
		o := accept(t, ws[i], n, g)
		if o.Header.ID != ws[0].Header().ID || o.Header.To != n.id.Agency || o.Header.Seq != rs[i].Seq {
			t.Errorf("%s: header %+v", n.id.Agency, o.Header)
		}
		if strings.Join(o.Header.Recipients, ",") != "DE-BKA,BE-FPJ,FR-OCRGDF" {
			t.Errorf("%s: recipients %v", n.id.Agency, o.Header.Recipients)
		}
		if string(o.Payload) != string(m.Payload) {
			t.Errorf("%s: payload %q", n.id.Agency, o.Payload)
		}
		// Each recipient's envelope is its own: another recipient refuses it.
		other := []node{de, be, fr}[(i+1)%3]
		_, err := Open(transmit(t, ws[i]), other.id, now, opts(NewMemoryGuard()))
		wantReason(t, err, ReasonWrongRecipient)
	}
}

func TestResealForOneRecipientKeepsAddressees(t *testing.T) {
	network(t)
	first := sealTo(t, msg("x"), 1, de, be)
	m := msg("x")
	m.ID = first[1].Header().ID
	m.Recipients = []string{"DE-BKA", "BE-FPJ"}
	again := sealTo(t, m, 1, be)[0]
	h := again.Header()
	if h.ID != m.ID || strings.Join(h.Recipients, ",") != "DE-BKA,BE-FPJ" {
		t.Errorf("re-sealed header %+v", h)
	}
	accept(t, again, be, NewMemoryGuard())
}

// rebuild re-encodes w after mutate changed its header. With key nil the
// old signature is kept (an attacker's edit); with a key, the envelope is
// re-signed (a sender that signs what it likes).
func rebuild(t *testing.T, w *Wire, key ed25519.PrivateKey, mutate func(*Header)) *Wire {
	t.Helper()
	h := w.Header()
	mutate(&h)
	hb := encodeHeader(&h)
	sig := w.sig
	if key != nil {
		sig = ed25519.Sign(key, signedMessage(hb))
	}
	data := (&Wire{h: &h, header: hb, sig: sig, ciphertext: w.ciphertext}).Marshal()
	got, err := Unmarshal(data, 0)
	if err != nil {
		t.Fatalf("rebuilt envelope does not decode: %v", err)
	}
	return got
}

func TestTamperedHeaderFields(t *testing.T) {
	network(t)
	w := sealTo(t, msg("payload"), 1, de, be)[0]
	tests := []struct {
		name   string
		mutate func(*Header)
		want   Reason
	}{
		{"id", func(h *Header) { h.ID = uuid.Must(uuid.NewV7()) }, ReasonBadSignature},
		{"sender", func(h *Header) { h.Sender = "BE-FPJ" }, ReasonUnknownSender},
		{"sender key", func(h *Header) { h.SenderKey = be.card.KeyID() }, ReasonUnknownSender},
		{"sender and key", func(h *Header) { h.Sender, h.SenderKey = "BE-FPJ", be.card.KeyID() }, ReasonBadSignature},
		{"to", func(h *Header) { h.To = "BE-FPJ" }, ReasonWrongRecipient},
		{"recipients", func(h *Header) { h.Recipients = []string{"DE-BKA"} }, ReasonBadSignature},
		{"recipient order", func(h *Header) { h.Recipients = []string{"BE-FPJ", "DE-BKA"} }, ReasonBadSignature},
		{"seq", func(h *Header) { h.Seq = 2 }, ReasonBadSignature},
		{"created", func(h *Header) { h.Created = h.Created.Add(time.Millisecond) }, ReasonBadSignature},
		{"type", func(h *Header) { h.Type = TypeRecordTombstone }, ReasonBadSignature},
		{"thread", func(h *Header) { h.Thread = "" }, ReasonBadSignature},
		{"case ref", func(h *Header) { h.CaseRef = "NL/2026/0043" }, ReasonBadSignature},
		{"handling", func(h *Header) { h.Handling = []string{"H0"} }, ReasonBadSignature},
		{"tlp", func(h *Header) { h.TLP = "TLP:CLEAR" }, ReasonBadSignature},
		{"commitment", func(h *Header) { h.Commitment[0] ^= 1 }, ReasonBadSignature},
		{"ciphertext hash", func(h *Header) { h.CiphertextHash[0] ^= 1 }, ReasonBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewMemoryGuard()
			_, err := Open(rebuild(t, w, nil, tt.mutate), de.id, now, opts(g))
			wantReason(t, err, tt.want)
			if g.Next("NL-NCB") != 1 {
				t.Error("a refused envelope changed the guard")
			}
		})
	}
	// Opened by the agency it was re-addressed to, the edit is a bad signature.
	_, err := Open(rebuild(t, w, nil, func(h *Header) { h.To = "BE-FPJ" }), be.id, now, opts(NewMemoryGuard()))
	wantReason(t, err, ReasonBadSignature)
}

func TestTamperedSignatureAndCiphertext(t *testing.T) {
	network(t)
	w := sealTo(t, msg("payload"), 1, de)[0]
	g := NewMemoryGuard()

	sig := bytes.Clone(w.sig)
	sig[10] ^= 0x40
	bad := &Wire{h: w.h, header: w.header, sig: sig, ciphertext: w.ciphertext}
	_, err := Open(transmit(t, bad), de.id, now, opts(g))
	wantReason(t, err, ReasonBadSignature)

	ct := bytes.Clone(w.ciphertext)
	ct[len(ct)-5] ^= 1
	bad = &Wire{h: w.h, header: w.header, sig: w.sig, ciphertext: ct}
	_, err = Open(transmit(t, bad), de.id, now, opts(g))
	wantReason(t, err, ReasonBadSignature)
	if err := transmit(t, bad).Verify(nl.card.PublicKey()); ReasonOf(err) != ReasonBadSignature {
		t.Errorf("relay check passed a changed ciphertext: %v", err)
	}

	// A sender that signs a ciphertext that does not decrypt.
	resigned := rebuild(t, bad, nl.id.SigningKey, func(h *Header) { h.CiphertextHash = sha256.Sum256(ct) })
	if err := resigned.Verify(nl.card.PublicKey()); err != nil {
		t.Fatalf("re-signed envelope: %v", err)
	}
	_, err = Open(resigned, de.id, now, opts(g))
	wantReason(t, err, ReasonDecryptFailed)

	// A sender that signs a commitment to something other than what it sealed.
	lying := rebuild(t, w, nl.id.SigningKey, func(h *Header) { h.Commitment = commit([]byte("other")) })
	_, err = Open(lying, de.id, now, opts(g))
	wantReason(t, err, ReasonBadSignature)

	if g.Next("NL-NCB") != 1 {
		t.Error("refusals changed the guard")
	}
	accept(t, w, de, g) // the genuine envelope still goes through
}

// TestEveryByteMatters flips each byte of a marshalled envelope: every
// flip is refused, none changes the guard, and the original still opens.
func TestEveryByteMatters(t *testing.T) {
	network(t)
	w := sealTo(t, msg("short"), 1, de)[0]
	data := w.Marshal()
	g := NewMemoryGuard()
	for i := range data {
		mod := bytes.Clone(data)
		mod[i] ^= 0x01
		pw, err := Unmarshal(mod, 0)
		if err == nil {
			_, err = Open(pw, de.id, now, opts(g))
		}
		if err == nil {
			t.Fatalf("flipping byte %d was accepted", i)
		}
		if ReasonOf(err) == "" {
			t.Fatalf("byte %d: not a refusal: %v", i, err)
		}
	}
	if g.Next("NL-NCB") != 1 {
		t.Fatal("refused envelopes changed the guard")
	}
	accept(t, w, de, g)
}

func TestTransplantedCiphertext(t *testing.T) {
	network(t)
	a := sealTo(t, msg("for case A"), 1, de)[0]
	b := sealTo(t, msg("for case B"), 2, de)[0]
	moved := &Wire{h: b.h, header: b.header, sig: b.sig, ciphertext: a.ciphertext}
	_, err := Open(transmit(t, moved), de.id, now, opts(NewMemoryGuard()))
	wantReason(t, err, ReasonBadSignature)

	// Even the sender's own signature over the moved ciphertext does not make
	// it open: HPKE's info binds it to message a.
	g := NewMemoryGuard()
	accept(t, a, de, g)
	resigned := rebuild(t, moved, nl.id.SigningKey, func(h *Header) {
		h.CiphertextHash = sha256.Sum256(a.ciphertext)
		h.Commitment = a.h.Commitment
	})
	_, err = Open(resigned, de.id, now, opts(g))
	wantReason(t, err, ReasonDecryptFailed)

	// Sealed to BE, moved into DE's envelope of the same message.
	ws := sealTo(t, msg("both"), 1, de, be)
	cross := &Wire{h: ws[0].h, header: ws[0].header, sig: ws[0].sig, ciphertext: ws[1].ciphertext}
	_, err = Open(transmit(t, cross), de.id, now, opts(NewMemoryGuard()))
	wantReason(t, err, ReasonBadSignature)
}

func TestTimeWindow(t *testing.T) {
	network(t)
	w := sealTo(t, msg("x"), 1, de)[0]
	tests := []struct {
		name string
		at   time.Time
		want Reason
	}{
		{"just sent", now, ""},
		{"sender clock slightly ahead", now.Add(-DefaultMaxSkew + time.Second), ""},
		{"from the future", now.Add(-DefaultMaxSkew - time.Second), ReasonFuture},
		{"a week in transit", now.Add(DefaultMaxAge - time.Second), ""},
		{"stale", now.Add(DefaultMaxAge + time.Second), ReasonStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(transmit(t, w), de.id, tt.at, opts(NewMemoryGuard()))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantReason(t, err, tt.want)
		})
	}
	o := opts(NewMemoryGuard())
	o.MaxAge = time.Minute
	_, err := Open(transmit(t, w), de.id, now.Add(2*time.Minute), o)
	wantReason(t, err, ReasonStale)
}

func TestReplayAndSequence(t *testing.T) {
	network(t)
	g := NewMemoryGuard()
	w1 := sealTo(t, msg("one"), 1, de)[0]
	accept(t, w1, de, g)

	_, err := Open(transmit(t, w1), de.id, now, opts(g))
	wantReason(t, err, ReasonReplay)

	w3 := sealTo(t, msg("three"), 3, de)[0]
	_, err = Open(transmit(t, w3), de.id, now, opts(g))
	wantReason(t, err, ReasonSequenceGap)
	var r *Refusal
	if !errors.As(err, &r) || r.Expected != 2 {
		t.Errorf("sequence gap: expected = %v", r)
	}
	if !errs.Is(err, errs.Precondition) {
		t.Errorf("kind %v", errs.KindOf(err))
	}

	w2 := sealTo(t, msg("two"), 2, de)[0]
	accept(t, w2, de, g)
	accept(t, w3, de, g)

	// A new message reusing sequence number 2.
	reuse := sealTo(t, msg("reuse"), 2, de)[0]
	_, err = Open(transmit(t, reuse), de.id, now, opts(g))
	wantReason(t, err, ReasonOutOfWindow)
	if !errors.As(err, &r) || r.Expected != 4 {
		t.Errorf("out of window: expected = %v", r)
	}

	// Pairs are independent: DE's sequence from BE starts at 1.
	fromBE, err := Seal(be.id, msg("from be"), []Recipient{rcpt(t, de, 1)}, now)
	if err != nil {
		t.Fatal(err)
	}
	accept(t, fromBE[0], de, g)

	// Two deliveries of seq 4 pass Check; only the first Record wins.
	a := sealTo(t, msg("a"), 4, de)[0]
	b := sealTo(t, msg("b"), 4, de)[0]
	oa, err := Open(transmit(t, a), de.id, now, opts(g))
	if err != nil {
		t.Fatal(err)
	}
	ob, err := Open(transmit(t, b), de.id, now, opts(g))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Record(&oa.Header); err != nil {
		t.Fatal(err)
	}
	wantReason(t, g.Record(&ob.Header), ReasonOutOfWindow)
	wantReason(t, g.Record(&oa.Header), ReasonReplay)
}

func TestUnknownSenderAndRotation(t *testing.T) {
	network(t)
	w := sealTo(t, msg("x"), 1, de)[0]
	o := OpenOptions{Keys: StaticKeys(de.card, be.card), Guard: NewMemoryGuard()}
	_, err := Open(transmit(t, w), de.id, now, o)
	wantReason(t, err, ReasonUnknownSender)

	// A lookup failure is not a refusal: the delivery is retried.
	o.Keys = func(string, card.KeyID) (ed25519.PublicKey, error) { return nil, errs.E(errs.Transient, "db down") }
	_, err = Open(transmit(t, w), de.id, now, o)
	if err == nil || ReasonOf(err) != "" || !errs.Is(err, errs.Transient) {
		t.Errorf("lookup failure: %v", err)
	}
	// A lookup that returns some other key of the agency is caught.
	o.Keys = func(string, card.KeyID) (ed25519.PublicKey, error) { return be.card.PublicKey(), nil }
	_, err = Open(transmit(t, w), de.id, now, o)
	wantReason(t, err, ReasonBadSignature)

	// After NL rotates its key, envelopes signed by the old key still open
	// while the old card is kept; new ones name the new key.
	newID, err := identity.Generate("NL-NCB", "NL", "NL-NCB liaison office", nil)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := card.Rotate(nl.card, nl.id.SigningKey, newID, card.Params{URLs: []string{"https://nl-ncb.example"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := Seal(newID, msg("new key"), []Recipient{rcpt(t, de, 2)}, now)
	if err != nil {
		t.Fatal(err)
	}
	g := NewMemoryGuard()
	both := OpenOptions{Keys: StaticKeys(nl.card, rotated), Guard: g}
	for _, w := range []*Wire{w, ws[0]} {
		op, err := Open(transmit(t, w), de.id, now, both)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Record(&op.Header); err != nil {
			t.Fatal(err)
		}
	}
	_, err = Open(transmit(t, ws[0]), de.id, now, OpenOptions{Keys: StaticKeys(nl.card), Guard: NewMemoryGuard()})
	wantReason(t, err, ReasonUnknownSender)
}

func TestMalformedInput(t *testing.T) {
	network(t)
	w := sealTo(t, msg("x"), 1, de)[0]
	data := w.Marshal()
	for n := 0; n < len(data); n++ {
		_, err := Unmarshal(data[:n], 0)
		if ReasonOf(err) != ReasonMalformed {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	versioned := func(v byte) []byte {
		b := bytes.Clone(data)
		b[len(wireMagic)+4] = v // first header byte
		return b
	}
	suite := func() []byte {
		b := bytes.Clone(data)
		i := len(wireMagic) + 4 + len(w.header) - 64 - 2 // AEAD id
		b[i+1] = byte(suiteAEAD.ID()) ^ 3
		return b
	}
	tests := []struct {
		name  string
		input []byte
		max   int
		want  Reason
	}{
		{"empty", nil, 0, ReasonMalformed},
		{"garbage", []byte(strings.Repeat("garbage!", 300)), 0, ReasonMalformed},
		{"wrong magic", append([]byte("LENX"), data[4:]...), 0, ReasonMalformed},
		{"trailing byte", append(bytes.Clone(data), 0), 0, ReasonMalformed},
		{"huge header length", append([]byte("LENV\xff\xff\xff\xff"), data[8:]...), 0, ReasonMalformed},
		{"too large", data, len(data) - 1, ReasonTooLarge},
		{"version 2", versioned(2), 0, ReasonUnsupported},
		{"other AEAD", suite(), 0, ReasonUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Unmarshal(tt.input, tt.max)
			wantReason(t, err, tt.want)
		})
	}
	if _, err := Unmarshal(data, len(data)); err != nil {
		t.Errorf("envelope of exactly the limit: %v", err)
	}
}

func TestSealRejects(t *testing.T) {
	network(t)
	good := func() (Message, []Recipient) {
		return msg("x"), []Recipient{rcpt(t, de, 1), rcpt(t, be, 1)}
	}
	tests := []struct {
		name  string
		edit  func(*Message, *[]Recipient)
		kind  errs.Kind
		field string
	}{
		{"no recipients", func(m *Message, rs *[]Recipient) { *rs = nil }, errs.Invalid, "envelope.to"},
		{"duplicate recipient", func(m *Message, rs *[]Recipient) { (*rs)[1] = (*rs)[0] }, errs.Invalid, "envelope.to[1]"},
		{"seq 0", func(m *Message, rs *[]Recipient) { (*rs)[0].Seq = 0 }, errs.Invalid, "envelope.seq"},
		{"no hpke key", func(m *Message, rs *[]Recipient) { (*rs)[1].Key = nil }, errs.Invalid, "envelope.to[1]"},
		{"not an X-Wing key", func(m *Message, rs *[]Recipient) { (*rs)[1].Key = x25519Key(t) }, errs.Invalid, "envelope.to[1]"},
		{"lower-case agency", func(m *Message, rs *[]Recipient) { (*rs)[0].Agency = "de-bka" }, errs.Invalid, "envelope.to"},
		{"to not among recipients", func(m *Message, rs *[]Recipient) { m.Recipients = []string{"DE-BKA"} }, errs.Invalid, "envelope.recipients"},
		{"bad type", func(m *Message, rs *[]Recipient) { m.Type = "Record Share" }, errs.Invalid, "envelope.type"},
		{"empty type", func(m *Message, rs *[]Recipient) { m.Type = "" }, errs.Invalid, "envelope.type"},
		{"bad tlp", func(m *Message, rs *[]Recipient) { m.TLP = "TLP:WHITE" }, errs.Invalid, "envelope.tlp"},
		{"bad handling", func(m *Message, rs *[]Recipient) { m.Handling = []string{"not to country X"} }, errs.Invalid, "envelope.handling[0]"},
		{"duplicate handling", func(m *Message, rs *[]Recipient) { m.Handling = []string{"H0", "H0"} }, errs.Invalid, "envelope.handling[1]"},
		{"too many labels", func(m *Message, rs *[]Recipient) { m.Handling = strings.Split("a,b,c,d,e,f,g,h,i", ",") }, errs.Invalid, "envelope.handling"},
		{"officer with newline", func(m *Message, rs *[]Recipient) { m.Officer = "u\n1" }, errs.Invalid, "envelope.officer"},
		{"long thread", func(m *Message, rs *[]Recipient) { m.Thread = strings.Repeat("t", MaxTextLen+1) }, errs.Invalid, "envelope.thread"},
		{"not a v7 id", func(m *Message, rs *[]Recipient) { m.ID = uuid.New() }, errs.Invalid, "envelope.id"},
		{"payload too large", func(m *Message, rs *[]Recipient) { m.Payload = make([]byte, MaxPayload+1) }, errs.TooLarge, "envelope.payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rs := good()
			tt.edit(&m, &rs)
			ws, err := Seal(nl.id, m, rs, now)
			if err == nil {
				t.Fatalf("sealed %d envelopes", len(ws))
			}
			if !errs.Is(err, tt.kind) || errs.FieldOf(err) != tt.field {
				t.Errorf("got %v (kind %v, field %q), want kind %v field %q", err, errs.KindOf(err), errs.FieldOf(err), tt.kind, tt.field)
			}
		})
	}
}

func x25519Key(t *testing.T) hpke.PublicKey {
	k, err := hpke.DHKEM(ecdh.X25519()).GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k.PublicKey()
}

func TestCheckType(t *testing.T) {
	for _, ok := range append(KnownTypes, "a", "x1", "acme.case-note", "v2-thing", "org.sub.kind-2") {
		if err := CheckType(ok); err != nil {
			t.Errorf("CheckType(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Message", "record_share", "-x", "x-", "x--y", "x.", ".x", "x..y", "1x", "x.1y", "a b", strings.Repeat("a", MaxTypeLen+1)} {
		if CheckType(bad) == nil {
			t.Errorf("CheckType(%q) accepted", bad)
		}
	}
}

func TestEvidenceTampering(t *testing.T) {
	network(t)
	o := accept(t, sealTo(t, msg("evidence"), 1, de)[0], de, NewMemoryGuard())
	ev := o.Evidence
	if _, err := ev.Verify(de.card.PublicKey()); ReasonOf(err) != ReasonBadSignature {
		t.Errorf("evidence verified with the recipient's key: %v", err)
	}
	pt := bytes.Clone(ev.Plaintext)
	pt[len(pt)-1] ^= 1
	bad := Evidence{Header: ev.Header, Signature: ev.Signature, Plaintext: pt}
	_, err := bad.Verify(nl.card.PublicKey())
	wantReason(t, err, ReasonBadSignature)

	hd := bytes.Clone(ev.Header)
	hd[len(hd)-70] ^= 1
	bad = Evidence{Header: hd, Signature: ev.Signature, Plaintext: ev.Plaintext}
	_, err = bad.Verify(nl.card.PublicKey())
	if ReasonOf(err) == "" {
		t.Errorf("tampered evidence header: %v", err)
	}
	for n := 0; n < len(ev.Marshal()); n += 7 {
		if _, err := ParseEvidence(ev.Marshal()[:n], 0); ReasonOf(err) != ReasonMalformed {
			t.Fatalf("evidence truncated to %d: %v", n, err)
		}
	}
}

func TestReceipts(t *testing.T) {
	network(t)
	sent := sealTo(t, msg("please confirm"), 1, de, be)
	o := accept(t, sent[0], de, NewMemoryGuard())

	delivered, err := NewReceipt(de.id, Delivered, &o.Evidence, "", now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	read, err := NewReceipt(de.id, Read, &o.Evidence, "u-2002", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Receipt{delivered, read} {
		got, err := ParseReceipt(r.Marshal())
		if err != nil {
			t.Fatalf("%v: %v", r.Kind, err)
		}
		if err := got.Verify(de.card.PublicKey(), sent[0]); err != nil {
			t.Errorf("%v receipt: %v", r.Kind, err)
		}
		if got.Kind != r.Kind || got.Officer != r.Officer || got.MessageID != o.Header.ID || got.By != "DE-BKA" || got.Sender != "NL-NCB" {
			t.Errorf("parsed receipt %+v", got)
		}
		// It does not acknowledge the envelope sent to BE.
		wantReason(t, got.Verify(de.card.PublicKey(), sent[1]), ReasonMismatch)
		// Nor does it verify under another agency's key.
		wantReason(t, got.Verify(be.card.PublicKey(), sent[0]), ReasonBadSignature)
	}

	// Tampering: the officer, the kind, the signature.
	r := *read
	r.Officer = "u-9999"
	wantReason(t, r.Verify(de.card.PublicKey(), sent[0]), ReasonBadSignature)
	r = *read
	r.Kind = Delivered
	r.Officer = ""
	wantReason(t, r.Verify(de.card.PublicKey(), sent[0]), ReasonBadSignature)
	r = *delivered
	r.Signature = bytes.Clone(r.Signature)
	r.Signature[0] ^= 1
	wantReason(t, r.Verify(de.card.PublicKey(), sent[0]), ReasonBadSignature)

	// A receipt dated before the message.
	early, err := NewReceipt(de.id, Delivered, &o.Evidence, "", now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wantReason(t, early.Verify(de.card.PublicKey(), sent[0]), ReasonMismatch)

	// Invalid receipts are not made.
	for name, f := range map[string]func() error{
		"read without officer":     func() error { _, err := NewReceipt(de.id, Read, &o.Evidence, "", now); return err },
		"delivered with officer":   func() error { _, err := NewReceipt(de.id, Delivered, &o.Evidence, "u-1", now); return err },
		"unknown kind":             func() error { _, err := NewReceipt(de.id, 9, &o.Evidence, "", now); return err },
		"by someone not addressed": func() error { _, err := NewReceipt(be.id, Delivered, &o.Evidence, "", now); return err },
	} {
		if err := f(); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v", name, err)
		}
	}

	// Malformed receipts.
	data := read.Marshal()
	for n := 0; n < len(data); n++ {
		if _, err := ParseReceipt(data[:n]); ReasonOf(err) != ReasonMalformed {
			t.Fatalf("receipt truncated to %d: %v", n, err)
		}
	}
	_, err = ParseReceipt(append(bytes.Clone(data), 0))
	wantReason(t, err, ReasonMalformed)
	_, err = ParseReceipt(make([]byte, maxReceiptSize+1))
	wantReason(t, err, ReasonTooLarge)
}

func TestOpenNeedsKeysAndGuard(t *testing.T) {
	network(t)
	w := sealTo(t, msg("x"), 1, de)[0]
	if _, err := Open(w, de.id, now, OpenOptions{Keys: allKeys()}); !errs.Is(err, errs.Internal) {
		t.Errorf("no guard: %v", err)
	}
	if _, err := Open(w, de.id, now, OpenOptions{Guard: NewMemoryGuard()}); !errs.Is(err, errs.Internal) {
		t.Errorf("no keys: %v", err)
	}
}

// TestMaxPayload checks that the limits agree: the largest payload Seal
// accepts fits the default Unmarshal limit and opens.
func TestMaxPayload(t *testing.T) {
	network(t)
	m := msg("")
	m.Officer = strings.Repeat("o", MaxTextLen)
	m.Payload = bytes.Repeat([]byte{0xA5}, MaxPayload)
	w := sealTo(t, m, 1, de)[0]
	if w.Size() > DefaultMaxSize {
		t.Fatalf("envelope of %d bytes exceeds DefaultMaxSize %d", w.Size(), DefaultMaxSize)
	}
	o := accept(t, w, de, NewMemoryGuard())
	if !bytes.Equal(o.Payload, m.Payload) {
		t.Error("payload differs")
	}
	if _, err := ParseEvidence(o.Evidence.Marshal(), 0); err != nil {
		t.Errorf("evidence of the largest message: %v", err)
	}
}

// TestGuardConcurrentRecord: of many deliveries racing for one sequence
// number, exactly one is recorded.
func TestGuardConcurrentRecord(t *testing.T) {
	g := NewMemoryGuard()
	const racers = 16
	var wg sync.WaitGroup
	wins := make(chan uuid.UUID, racers)
	for range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := &Header{Sender: "NL-NCB", Seq: 1, ID: uuid.Must(uuid.NewV7())}
			if g.Record(h) == nil {
				wins <- h.ID
			}
		}()
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Fatalf("%d deliveries recorded for one sequence number", n)
	}
	if g.Next("NL-NCB") != 2 {
		t.Errorf("next = %d", g.Next("NL-NCB"))
	}
}
