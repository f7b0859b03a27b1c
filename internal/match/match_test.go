package match

import (
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cloudflare/circl/oprf"

	"github.com/liaison-project/liaison/internal/errs"
)

// t0 is the start of epoch 1 in tests.
var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

const (
	holderID  = "NL-NCB"
	querierID = "DE-BKA"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// fixture is a holder with epoch 1 (t0 to t0+31 days), a querier, and the
// holder's view for the querier.
type fixture struct {
	clock   *clock
	holder  *Holder
	key     *EpochKey
	ann     Announcement
	view    *View
	querier *Querier
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	c := &clock{t: t0.Add(time.Hour)}
	h, err := NewHolder(holderID, c.now)
	if err != nil {
		t.Fatal(err)
	}
	k, err := GenerateEpochKey(1, t0, t0.Add(31*24*time.Hour), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AddEpoch(k); err != nil {
		t.Fatal(err)
	}
	ann, err := k.Announcement(holderID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := h.NewView(querierID, 1)
	if err != nil {
		t.Fatal(err)
	}
	q, err := NewQuerier(querierID, c.now)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{clock: c, holder: h, key: k, ann: ann, view: v, querier: q}
}

// publish publishes the view and returns the querier's table built from a
// wire-encoded snapshot.
func (f *fixture) table(t testing.TB) *Table {
	t.Helper()
	if _, err := f.view.Publish(rand.Reader); err != nil {
		t.Fatal(err)
	}
	b, err := f.view.Snapshot().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	tab, err := ParseTable(b)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

var meta = Meta{Purpose: "border-check", Case: "NL-2026-0001"}

// roundTrip runs one query through the wire encodings.
func (f *fixture) roundTrip(t testing.TB, tab *Table, typ Type, values ...string) ([]Result, error) {
	t.Helper()
	p, err := f.querier.Query(f.ann, typ, values, meta)
	if err != nil {
		t.Fatal(err)
	}
	reqBytes, err := p.Request().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	req, err := ParseEvalRequest(reqBytes)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.holder.Evaluate(querierID, req)
	if err != nil {
		return nil, err
	}
	respBytes, err := resp.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	resp, err = ParseEvalResponse(respBytes)
	if err != nil {
		t.Fatal(err)
	}
	return p.Finalize(resp, tab)
}

// sampleValues has one present and one absent value per type.
var sampleValues = map[Type][2]string{
	Passport:     {"X1234567", "X1234568"},
	NationalID:   {"IDNLD12345", "IDNLD12346"},
	Phone:        {"+31612345678", "+31612345679"},
	Email:        {"j.doe@example.org", "j.doe@example.com"},
	IBAN:         {"NL91ABNA0417164300", "NL91ABNA0417164301"},
	Wallet:       {"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr"},
	Plate:        {"NL:12-ABC-3", "NL:12-ABC-4"},
	VIN:          {"WVWZZZ1JZXW000001", "WVWZZZ1JZXW000002"},
	NameDOB:      {"ivanov ivan|1970-01-02", "ivanov ivan|1970-01-03"},
	TokensDOB:    {"ivan ivanov|1970-01-02", "ivan ivanov|1970-01-03"},
	PhoneticYear: {"IFN IFNF|1970", "IFN IFNF|1971"},
}

func TestHitAndNoHitForEveryType(t *testing.T) {
	f := newFixture(t)
	refs := make(map[Type]Ref)
	for _, typ := range Types() {
		ref, err := f.view.Add(Key{Type: typ, Value: sampleValues[typ][0]})
		if err != nil {
			t.Fatal(err)
		}
		refs[typ] = ref
	}
	tab := f.table(t)
	for _, typ := range Types() {
		t.Run(typ.String(), func(t *testing.T) {
			present, absent := sampleValues[typ][0], sampleValues[typ][1]
			res, err := f.roundTrip(t, tab, typ, present, absent)
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Status != Hit || res[0].Ref != refs[typ] {
				t.Errorf("present value: got %v ref %v, want hit ref %v", res[0].Status, res[0].Ref, refs[typ])
			}
			if res[1].Status != NoHit {
				t.Errorf("absent value: got %v, want no-hit", res[1].Status)
			}
			if res[0].Strength != typ.Strength() {
				t.Errorf("strength %v, want %v", res[0].Strength, typ.Strength())
			}
		})
	}
	// The same value under another type is a different PRF input and info.
	res, err := f.roundTrip(t, tab, NationalID, sampleValues[Passport][0])
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != NoHit {
		t.Errorf("passport value queried as id: got %v, want no-hit", res[0].Status)
	}
}

func TestHolderUsingAnotherKeyIsCaught(t *testing.T) {
	f := newFixture(t)
	if _, err := f.view.Add(Key{Type: Phone, Value: "+31612345678"}); err != nil {
		t.Fatal(err)
	}
	tab := f.table(t)

	// A cheating holder keeps a second key for epoch 1 and uses it for this
	// one querier, while every partner was announced the genuine key.
	cheatKey, err := GenerateEpochKey(1, t0, t0.Add(31*24*time.Hour), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cheat, err := NewHolder(holderID, f.clock.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := cheat.AddEpoch(cheatKey); err != nil {
		t.Fatal(err)
	}

	p, err := f.querier.Query(f.ann, Phone, []string{"+31612345678"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cheat.Evaluate(querierID, p.Request())
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Finalize(resp, tab)
	if !errors.Is(err, ErrBadProof) || !errs.Is(err, errs.Invalid) {
		t.Fatalf("got %v, want ErrBadProof", err)
	}

	// The genuine key evaluated under another querier's info (the holder
	// pretending the request came from someone else) fails the same way.
	p, err = f.querier.Query(f.ann, Phone, []string{"+31612345678"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = f.holder.Evaluate("FR-OCLCTIC", p.Request())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Finalize(resp, tab); !errors.Is(err, ErrBadProof) {
		t.Fatalf("evaluation under another partner's info: got %v, want ErrBadProof", err)
	}

	// An honest answer to the same query verifies and hits.
	res, err := f.roundTrip(t, tab, Phone, "+31612345678")
	if err != nil || res[0].Status != Hit {
		t.Fatalf("honest holder: %v %v", res, err)
	}
}

func TestTamperedResponseIsCaught(t *testing.T) {
	f := newFixture(t)
	tab := f.table(t)
	p, err := f.querier.Query(f.ann, Email, []string{"a@example.org", "b@example.org"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.holder.Evaluate(querierID, p.Request())
	if err != nil {
		t.Fatal(err)
	}
	// Swap the two evaluated elements: each is a valid evaluation, but not
	// of the element it is paired with.
	resp.elements[0], resp.elements[1] = resp.elements[1], resp.elements[0]
	if _, err := p.Finalize(resp, tab); !errors.Is(err, ErrBadProof) {
		t.Fatalf("got %v, want ErrBadProof", err)
	}
}

func TestQuerierCannotOpenReferencesItDidNotQuery(t *testing.T) {
	f := newFixture(t)
	values := []string{"+31600000001", "+31600000002", "+31600000003"}
	for _, v := range values {
		if _, err := f.view.Add(Key{Type: Phone, Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	tab := f.table(t)

	// The querier evaluates only the first value and tries its keys on every
	// entry of the table: exactly one opens.
	p, err := f.querier.Query(f.ann, Phone, values[:1], meta)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.holder.Evaluate(querierID, p.Request())
	if err != nil {
		t.Fatal(err)
	}
	outputs, err := p.client.Finalize(p.fin, evaluationOf(resp), p.info)
	if err != nil {
		t.Fatal(err)
	}
	keys := deriveKeys(outputs[0])
	opened := 0
	for _, e := range tab.store.entries {
		if _, ok := open(keys, p.info, e.Sealed); ok {
			opened++
			if e.Tag != keys.tag {
				t.Errorf("key of the queried value opened the entry of another tag")
			}
		}
	}
	if opened != 1 {
		t.Fatalf("opened %d entries, want exactly the queried one", opened)
	}

	// Keys derived from anything but the PRF output open nothing, for
	// example a hash of the plain value under the published info.
	guess := deriveKeys(append([]byte(nil), inputFor(Key{Type: Phone, Value: values[1]})...))
	for _, e := range tab.store.entries {
		if _, ok := open(guess, p.info, e.Sealed); ok {
			t.Fatal("a key not derived from the PRF output opened an entry")
		}
	}
}

func TestEpochRotation(t *testing.T) {
	f := newFixture(t)
	sched := Schedule{Origin: t0, Length: 30 * 24 * time.Hour, Grace: 24 * time.Hour}
	nb, na := sched.Window(2)
	k2, err := GenerateEpochKey(2, nb, na, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.holder.AddEpoch(k2); err != nil {
		t.Fatal(err)
	}
	if err := f.holder.AddEpoch(k2); !errs.Is(err, errs.Conflict) {
		t.Fatalf("second key for epoch 2: got %v, want conflict", err)
	}
	tab := f.table(t)

	// During the grace period epoch 1 is still answered.
	f.clock.t = t0.Add(30*24*time.Hour + time.Hour)
	if e, _ := sched.Current(f.clock.t); e != 2 {
		t.Fatalf("current epoch %d, want 2", e)
	}
	if _, err := f.roundTrip(t, tab, Phone, "+31611111111"); err != nil {
		t.Fatalf("epoch 1 within grace: %v", err)
	}

	// After the grace period it is refused, on both sides.
	f.clock.t = t0.Add(31*24*time.Hour + time.Second)
	if _, err := f.querier.Query(f.ann, Phone, []string{"+31611111111"}, meta); !errors.Is(err, ErrEpochInactive) || !errs.Is(err, errs.Invalid) {
		t.Fatalf("querier with expired announcement: got %v", err)
	}
	f.clock.t = t0.Add(time.Hour)
	p, err := f.querier.Query(f.ann, Phone, []string{"+31611111111"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.t = t0.Add(31*24*time.Hour + time.Second)
	if _, err := f.holder.Evaluate(querierID, p.Request()); !errors.Is(err, ErrEpochInactive) {
		t.Fatalf("holder with expired epoch: got %v", err)
	}
	if dropped := f.holder.DropExpired(); len(dropped) != 1 || dropped[0] != 1 {
		t.Fatalf("dropped %v, want [1]", dropped)
	}
	if anns := f.holder.Announcements(); len(anns) != 1 || anns[0].Epoch != 2 {
		t.Fatalf("announcements after rotation: %+v", anns)
	}
	if _, err := f.holder.Evaluate(querierID, p.Request()); !errors.Is(err, ErrEpochInactive) {
		t.Fatalf("holder without epoch key: got %v", err)
	}

	// Epoch 2 tags differ from epoch 1 tags for the same value.
	v1, v2 := f.view, mustView(t, f.holder, querierID, 2)
	key := Key{Type: Phone, Value: "+31611111111"}
	e1, _, _ := v1.entryFor(key)
	e2, _, _ := v2.entryFor(key)
	if e1.Tag == e2.Tag {
		t.Fatal("tag did not change across epochs")
	}
}

// evaluationOf adapts a response for circl, as Finalize does.
func evaluationOf(r *EvalResponse) *oprf.Evaluation {
	proof := r.proof
	return &oprf.Evaluation{Elements: r.elements, Proof: &proof}
}

func mustView(t testing.TB, h *Holder, partner string, e EpochID) *View {
	t.Helper()
	v, err := h.NewView(partner, e)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPartnerViewsAreSeparate(t *testing.T) {
	f := newFixture(t)
	other := mustView(t, f.holder, "FR-OCLCTIC", 1)
	key := Key{Type: Passport, Value: "X1234567"}
	if _, err := other.Add(key); err != nil {
		t.Fatal(err)
	}
	// The record is published to FR only (the envelope forbids DE).
	if _, err := other.Publish(rand.Reader); err != nil {
		t.Fatal(err)
	}
	frTable, err := NewTable(other.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	deTable := f.table(t)
	res, err := f.roundTrip(t, deTable, Passport, key.Value)
	if err != nil || res[0].Status != NoHit {
		t.Fatalf("DE against its own table: %v %v, want no-hit", res, err)
	}
	// Even with FR's table DE learns nothing: its outputs are bound to its
	// own agency id, and the table says whose it is.
	p, err := f.querier.Query(f.ann, Passport, []string{key.Value}, meta)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.holder.Evaluate(querierID, p.Request())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Finalize(resp, frTable); !errs.Is(err, errs.Invalid) {
		t.Fatalf("finalising against another partner's table: got %v", err)
	}
	outputs, err := p.client.Finalize(p.fin, evaluationOf(resp), p.info)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := frTable.lookup(deriveKeys(outputs[0]).tag); ok {
		t.Fatal("DE's tag found in FR's table")
	}
}

func TestRequestValidation(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		typ    Type
		values []string
		meta   Meta
		field  string
	}{
		{"unknown type", Type(99), []string{"x"}, meta, "type"},
		{"no values", Phone, nil, meta, "values"},
		{"too many values", Phone, make([]string, MaxBatch+1), meta, "values"},
		{"empty value", Phone, []string{""}, meta, "values[0]"},
		{"unnormalised value", Phone, []string{" +316"}, meta, "values[0]"},
		{"control character", Email, []string{"a\nb@example.org"}, meta, "values[0]"},
		{"long value", Email, []string{string(make([]byte, MaxValueLen+1))}, meta, "values[0]"},
		{"bad purpose", Phone, []string{"+316"}, Meta{Purpose: "Border Check", Case: "C1"}, "request.purpose"},
		{"bad case", Phone, []string{"+316"}, Meta{Purpose: "border-check", Case: ""}, "request.case"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.querier.Query(f.ann, tc.typ, tc.values, tc.meta)
			if err == nil {
				t.Fatal("accepted")
			}
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Errorf("kind %v, want invalid: %v", k, err)
			}
			if got := errs.FieldOf(err); got != tc.field {
				t.Errorf("field %q, want %q (%v)", got, tc.field, err)
			}
		})
	}

	p, err := f.querier.Query(f.ann, Phone, []string{"+316"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	req := *p.Request()
	req.Holder = "FR-OCLCTIC"
	if _, err := f.holder.Evaluate(querierID, &req); !errs.Is(err, errs.Invalid) || errs.FieldOf(err) != "request.holder" {
		t.Fatalf("request for another holder: %v", err)
	}
	if _, err := f.holder.Evaluate("not an agency", p.Request()); errs.FieldOf(err) != "partner" {
		t.Fatalf("malformed partner: %v", err)
	}
	req = *p.Request()
	req.Epoch = 7
	if _, err := f.holder.Evaluate(querierID, &req); !errors.Is(err, ErrEpochInactive) {
		t.Fatalf("unknown epoch: %v", err)
	}
}

func TestResponseMismatch(t *testing.T) {
	f := newFixture(t)
	tab := f.table(t)
	p1, _ := f.querier.Query(f.ann, Phone, []string{"+311"}, meta)
	p2, _ := f.querier.Query(f.ann, Phone, []string{"+311", "+312"}, meta)
	p3, _ := f.querier.Query(f.ann, Email, []string{"a@b.c"}, meta)
	for i, other := range []*Pending{p2, p3} {
		resp, err := f.holder.Evaluate(querierID, other.Request())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p1.Finalize(resp, tab); !errs.Is(err, errs.Invalid) || errors.Is(err, ErrBadProof) {
			t.Errorf("case %d: response to another request: %v", i, err)
		}
	}
}

func TestCorruptEntryIsReported(t *testing.T) {
	f := newFixture(t)
	key := Key{Type: VIN, Value: "WVWZZZ1JZXW000001"}
	if _, err := f.view.Add(key); err != nil {
		t.Fatal(err)
	}
	tab := f.table(t)
	e, _, _ := f.view.entryFor(key)
	bad := e.Sealed
	bad[0] ^= 1
	i, ok := tab.store.find(e.Tag)
	if !ok {
		t.Fatal("entry not in the table")
	}
	tab.store.entries[i].Sealed = bad
	res, err := f.roundTrip(t, tab, VIN, key.Value)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != Unavailable || !errors.Is(res[0].Err, ErrCorruptEntry) {
		t.Fatalf("got %+v, want unavailable with ErrCorruptEntry", res[0])
	}
}

func TestTypes(t *testing.T) {
	for _, typ := range Types() {
		got, err := ParseType(typ.String())
		if err != nil || got != typ {
			t.Errorf("ParseType(%q) = %v, %v", typ, got, err)
		}
		b, err := typ.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Type
		if err := back.UnmarshalText(b); err != nil || back != typ {
			t.Errorf("text round trip of %v: %v %v", typ, back, err)
		}
	}
	if _, err := ParseType("shoe-size"); !errs.Is(err, errs.Invalid) {
		t.Errorf("unknown type: %v", err)
	}
	if len(Types()) != 11 {
		t.Errorf("%d types, want 11", len(Types()))
	}
	if PhoneticYear.Strength() != Weak || NameDOB.Strength() != Strong || VIN.Strength() != Exact {
		t.Error("strengths changed")
	}
}

// TestInfoAndInputEncoding pins the PRF info and input of version 1.
func TestInfoAndInputEncoding(t *testing.T) {
	info := infoFor("NL-NCB", "DE-BKA", Phone, 7)
	want := "liaison-match\x01\x06NL-NCB\x06DE-BKA\x03\x00\x00\x00\x07"
	if string(info) != want {
		t.Errorf("info = %q, want %q", info, want)
	}
	if got := string(inputFor(Key{Type: NameDOB, Value: "ivanov ivan|1970"})); got != "name-dob\x00ivanov ivan|1970" {
		t.Errorf("input = %q", got)
	}
}

func TestAnnouncementAndKeyRoundTrip(t *testing.T) {
	f := newFixture(t)
	b, err := f.ann.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseAnnouncement(b)
	if err != nil || back != f.ann {
		t.Fatalf("announcement round trip: %+v %v", back, err)
	}
	kb, err := f.key.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	k2, err := ParseEpochKey(kb)
	if err != nil {
		t.Fatal(err)
	}
	if k2.PublicKey() != f.key.PublicKey() || k2.refKey != f.key.refKey || !k2.NotAfter.Equal(f.key.NotAfter) {
		t.Fatal("epoch key round trip changed the key")
	}
	// A holder restored from the stored key answers queries that verify
	// against the original announcement.
	h2, _ := NewHolder(holderID, f.clock.now)
	if err := h2.AddEpoch(k2); err != nil {
		t.Fatal(err)
	}
	f.holder = h2
	if _, err := f.roundTrip(t, f.table(t), Plate, "NL:1-ABC-2"); err != nil {
		t.Fatalf("restored holder: %v", err)
	}
	// An identity public key is refused.
	bad := f.ann
	bad.PublicKey = [32]byte{}
	if _, err := bad.MarshalBinary(); !errs.Is(err, errs.Invalid) {
		t.Fatalf("identity public key: %v", err)
	}
}

func TestScheduleBounds(t *testing.T) {
	for _, s := range []Schedule{
		{},
		{Origin: t0, Length: time.Minute},
		{Origin: t0, Length: time.Hour, Grace: time.Hour},
		{Origin: t0, Length: time.Hour, Grace: -1},
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
	s := Schedule{Origin: t0, Length: 24 * time.Hour, Grace: time.Hour}
	if _, err := s.Current(t0.Add(-time.Second)); err == nil {
		t.Error("time before origin accepted")
	}
	for i, tc := range []struct {
		at   time.Duration
		want EpochID
	}{{0, 1}, {24*time.Hour - 1, 1}, {24 * time.Hour, 2}, {100 * 24 * time.Hour, 101}} {
		if got, err := s.Current(t0.Add(tc.at)); err != nil || got != tc.want {
			t.Errorf("case %d: Current = %d, %v; want %d", i, got, err, tc.want)
		}
	}
	nb, na := s.Window(2)
	if !nb.Equal(t0.Add(24*time.Hour)) || !na.Equal(t0.Add(49*time.Hour)) {
		t.Errorf("Window(2) = %v, %v", nb, na)
	}
}

func ExampleQuerier_Query() {
	now := func() time.Time { return t0.Add(time.Hour) }
	holder, _ := NewHolder("NL-NCB", now)
	key, _ := GenerateEpochKey(1, t0, t0.Add(30*24*time.Hour), rand.Reader)
	_ = holder.AddEpoch(key)

	// Holder: publish the values DE-BKA may match.
	view, _ := holder.NewView("DE-BKA", 1)
	_, _ = view.Add(Key{Type: Passport, Value: "X1234567"})
	_, _ = view.Publish(rand.Reader)
	snapshot, _ := view.Snapshot().MarshalBinary()
	ann, _ := key.Announcement("NL-NCB")

	// Querier: download the table once, then query online.
	table, _ := ParseTable(snapshot)
	querier, _ := NewQuerier("DE-BKA", now)
	pending, _ := querier.Query(ann, Passport, []string{"X1234567", "Y7654321"},
		Meta{Purpose: "border-check", Case: "DE-2026-17"})
	resp, _ := holder.Evaluate("DE-BKA", pending.Request()) // one round trip
	results, _ := pending.Finalize(resp, table)
	for _, r := range results {
		fmt.Println(r.Status)
	}
	// Output:
	// hit
	// no-hit
}
