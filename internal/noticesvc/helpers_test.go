package noticesvc

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/policy"
)

// testHasher is a keyed hash with a fixed key, standing in for the audit
// log's.
type testHasher struct{}

func (testHasher) HashPersonal(kind, value string) string {
	m := hmac.New(sha256.New, []byte("test key"))
	m.Write([]byte(kind + "\x00" + value))
	return "h1:" + hex.EncodeToString(m.Sum(nil))
}

// node is one agency's notice service in a test.
type node struct {
	agency, country string
	db              *db.DB
	audit           *fedtest.Recorder
	svc             *Service
	fed             Federation
	clock           *testClock
	exercise        bool // an exercise node: its officers act inside an exercise
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newDecider(t testing.TB) *policy.Decider {
	d, err := policy.New(policy.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// newNode opens a notice service for agency on a fresh database (both
// engines, see dbtest), with fed as its federation (nil: none).
func newNode(t testing.TB, agency, country string, fed Federation) *node {
	t.Helper()
	d := dbtest.Open(t, Schema, fedtest.RecorderSchema)
	return openNode(t, d, agency, country, fed)
}

// newExerciseNode is newNode for an exercise node (Config.Exercise).
func newExerciseNode(t testing.TB, agency, country string, fed Federation) *node {
	t.Helper()
	d := dbtest.Open(t, Schema, fedtest.RecorderSchema)
	return openNodeConfig(t, d, Config{Agency: agency, Country: country, Exercise: true}, fed)
}

func openNode(t testing.TB, d *db.DB, agency, country string, fed Federation) *node {
	t.Helper()
	return openNodeConfig(t, d, Config{Agency: agency, Country: country}, fed)
}

func openNodeConfig(t testing.TB, d *db.DB, cfg Config, fed Federation) *node {
	t.Helper()
	agency, country := cfg.Agency, cfg.Country
	n := &node{agency: agency, country: country, db: d, audit: &fedtest.Recorder{DB: d}, fed: fed,
		clock: &testClock{t: time.Now().UTC()}, exercise: cfg.Exercise}
	svc, err := New(context.Background(), cfg,
		Deps{DB: d, Audit: n.audit, Hasher: testHasher{}, Decider: newDecider(t), Federation: fed, Now: n.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	n.svc = svc
	return n
}

// principal is the officer of role on the node (user id "u-<role>").
func (n *node) principal(role access.Role) access.Principal {
	return access.Principal{UserID: "u-" + string(role), Username: strings.ToLower(n.agency) + "-" + string(role),
		Role: role, Agency: n.agency, Country: n.country, Exercise: n.exercise}
}

// as returns a context acting as role, with a justification.
func (n *node) as(role access.Role) context.Context {
	ctx := access.With(context.Background(), n.principal(role))
	return access.WithJustification(ctx, access.Justification{Text: "test", CaseRef: "TEST-1"})
}

// roleAuth authenticates the bearer token "<role>" as the node's officer
// of that role.
type roleAuth struct{ n *node }

func (a roleAuth) Authenticate(r *http.Request) (access.Principal, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return access.Principal{}, errs.E(errs.Unauthorized, "no token")
	}
	role, err := access.ParseRole(tok)
	if err != nil {
		return access.Principal{}, errs.E(errs.Unauthorized, "bad token")
	}
	return a.n.principal(role), nil
}

// serve serves the node's routes on httptest and returns a client maker.
func (n *node) serve(t testing.TB) func(role access.Role) *client.Client {
	t.Helper()
	h, err := api.Handler(api.Config{Auth: roleAuth{n}}, n.svc.Routes())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return func(role access.Role) *client.Client {
		c := client.New(srv.URL, string(role), nil)
		c.Justification = "test"
		return c
	}
}

// events returns the node's committed audit events of kind k with reason.
func (n *node) events(t testing.TB, k audit.Kind, reason string) []audit.Event {
	t.Helper()
	var out []audit.Event
	for _, e := range n.audit.Events(t) {
		if e.Kind == k && (reason == "" || e.Reason == reason) {
			out = append(out, e)
		}
	}
	return out
}

func wantKind(t testing.TB, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("err = %v (kind %s), want kind %s", err, errs.KindOf(err), k)
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// redDraft is a red notice about John Doe with one charge.
func redDraft(charge string, dist Distribution) Draft {
	return Draft{
		Type:                    notice.Red,
		Subject:                 Subject{Name: "DOE", Forename: "JOHN", DateOfBirth: "1980-01-02", Nationalities: []string{"XA"}},
		Category:                notice.Suspect,
		Charges:                 []Charge{{IssuingCountry: "FR", Text: charge, MaxPenaltyMonths: 120}},
		ExtraditionWillBeSought: true,
		Contact:                 "NCB Lyon",
		Distribution:            dist,
	}
}

// fakeFed is a Federation that records what is sent, for unit tests
// without a network. deliver hands the sent messages to other nodes.
type fakeFed struct {
	agency string

	mu       sync.Mutex
	partners []federation.Partner
	handlers map[string]federation.InboundHandler
	outbox   []fakeMessage     // sent, not yet delivered
	sent     []fakeMessage     // everything sent
	states   map[string]string // message id → delivery state
}

type fakeMessage struct {
	id uuid.UUID
	m  federation.Outbound
}

func newFakeFed(agency string, partners ...federation.Partner) *fakeFed {
	return &fakeFed{agency: agency, partners: partners, handlers: map[string]federation.InboundHandler{}, states: map[string]string{}}
}

func (f *fakeFed) Send(ctx context.Context, tx *db.Tx, m federation.Outbound) (uuid.UUID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, to := range m.To {
		i := -1
		for j, p := range f.partners {
			if p.Agency == to {
				i = j
			}
		}
		if i < 0 {
			return uuid.Nil, errs.E(errs.NotExist, "to", to+" is not a partner")
		}
		if f.partners[i].State != federation.StateActive {
			return uuid.Nil, errs.E(errs.Precondition, "to", "partner "+to+" is "+f.partners[i].State)
		}
	}
	id := uuid.Must(uuid.NewV7())
	tx.OnCommit(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.outbox = append(f.outbox, fakeMessage{id: id, m: m})
		f.sent = append(f.sent, fakeMessage{id: id, m: m})
		f.states[id.String()] = federation.DeliveryQueued
	})
	return id, nil
}

func (f *fakeFed) Handle(t string, h federation.InboundHandler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[t] = h
}

func (f *fakeFed) ListPartners(ctx context.Context, withRemoved bool) ([]federation.Partner, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]federation.Partner(nil), f.partners...), nil
}

func (f *fakeFed) Deliveries(ctx context.Context, id string) ([]federation.Delivery, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []federation.Delivery
	for _, m := range f.sent {
		if m.id.String() == id {
			out = append(out, federation.Delivery{Partner: m.m.To[0], State: f.states[id]})
		}
	}
	return out, nil
}

func (f *fakeFed) setState(agency, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.partners {
		if f.partners[i].Agency == agency {
			f.partners[i].State = state
		}
	}
}

// take returns and forgets the messages sent so far.
func (f *fakeFed) take() []fakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.outbox
	f.outbox = nil
	return out
}

// deliver hands the messages sent so far to the nodes they are addressed
// to, as the federation layer would: in the receiver's transaction, with
// the sender as principal. A rejected message is marked failed.
func (f *fakeFed) deliver(t testing.TB, to map[string]*node) []error {
	t.Helper()
	var errsOut []error
	for _, m := range f.take() {
		n := to[m.m.To[0]]
		if n == nil {
			continue
		}
		nf := n.fed.(*fakeFed)
		nf.mu.Lock()
		h := nf.handlers[m.m.Type]
		nf.mu.Unlock()
		ctx := access.With(context.Background(), access.Principal{Username: f.agency, Agency: f.agency, Partner: true})
		in := &federation.Inbound{ID: m.id, Type: m.m.Type, Sender: f.agency, Recipients: m.m.To, Payload: m.m.Payload}
		err := n.db.Write(ctx, func(tx *db.Tx) error { return h(ctx, tx, in) })
		f.mu.Lock()
		if err != nil {
			f.states[m.id.String()] = federation.DeliveryFailed
			errsOut = append(errsOut, err)
		} else {
			f.states[m.id.String()] = federation.DeliveryDelivered
		}
		f.mu.Unlock()
	}
	return errsOut
}

func errorsAs(err error, target **client.Error) bool { return errors.As(err, target) }

func policyPartner(agency, country string) policy.Partner {
	return policy.Partner{Agency: agency, Country: country}
}
