package record

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/ids"
	"github.com/liaison-project/liaison/internal/policy"
)

const (
	testAgency  = "NL-NCB"
	testCountry = "NL"
)

// testNow is the fixed clock of the tests.
var testNow = time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type env struct {
	svc    *Service
	db     *db.DB
	log    *audit.Log
	clock  *clock
	events *recorder
}

// recorder forwards events to the audit log and keeps those whose
// transaction committed, for assertions.
type recorder struct {
	next audit.Appender
	mu   sync.Mutex
	evs  []audit.Event
}

func (r *recorder) Append(ctx context.Context, tx *db.Tx, e audit.Event) error {
	if err := r.next.Append(ctx, tx, e); err != nil {
		return err
	}
	tx.OnCommit(func() {
		r.mu.Lock()
		r.evs = append(r.evs, e)
		r.mu.Unlock()
	})
	return nil
}

func (r *recorder) Record(ctx context.Context, e audit.Event) error {
	if err := r.next.Record(ctx, e); err != nil {
		return err
	}
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
	return nil
}

// take returns the events recorded since the last call.
func (r *recorder) take() []audit.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.evs
	r.evs = nil
	return out
}

// kinds summarises events as "kind" or "kind/outcome" when not ok.
func kinds(evs []audit.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.Kind)
		if e.Outcome != audit.OK {
			out[i] += "/" + string(e.Outcome)
		}
	}
	return out
}

// newEnv opens a migrated database with a real audit log and a records
// service of agency NL-NCB.
func newEnv(t testing.TB, mod ...func(*Config)) *env {
	t.Helper()
	d := dbtest.Open(t, audit.Schema, Schema)
	return newEnvOn(t, d, testAgency, testCountry, mod...)
}

func newEnvOn(t testing.TB, d *db.DB, agency, country string, mod ...func(*Config)) *env {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, agency)
	l, err := audit.Open(context.Background(), d, audit.Config{Agency: agency, Key: ed25519.NewKeyFromSeed(seed), CheckpointInterval: time.Hour})
	if err != nil {
		t.Fatalf("open audit log: %v", err)
	}
	dec, err := policy.New(policy.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: testNow}
	cfg := Config{Agency: agency, Country: country}
	for _, m := range mod {
		m(&cfg)
	}
	rec := &recorder{next: l}
	svc, err := New(cfg, Deps{DB: d, Audit: rec, Hasher: l, Decider: dec, Now: c.Now})
	if err != nil {
		t.Fatalf("new service: %v", err)
	}
	return &env{svc: svc, db: d, log: l, clock: c, events: rec}
}

// officer returns a context of an officer of agency NL-NCB with a role and
// a justification.
func officerCtx(role access.Role) context.Context {
	return asOfficer(role, testAgency, testCountry, "")
}

func asOfficer(role access.Role, agency, country, caseRef string) context.Context {
	ctx := access.With(context.Background(), access.Principal{UserID: "u-" + string(role), Username: "officer-" + string(role),
		Role: role, Agency: agency, Country: country})
	return access.WithJustification(ctx, access.Justification{Text: "test of the records capability", CaseRef: caseRef})
}

// testEnvelope is a valid own envelope (review date left to the default).
func testEnvelope() policy.Envelope {
	return policy.Envelope{
		Handling: policy.H0, TLP: policy.TLPAmber, SourceReliability: policy.SourceB,
		InformationReliability: policy.Info2, Purpose: policy.PurposeCriminalInvestigation,
		LegalBasis: "Police Data Act art. 8",
	}
}

// ent builds an entity; props alternate name, value, name, value …
func ent(id, schema string, props ...string) ftm.Entity {
	e := ftm.Entity{ID: id, Schema: schema, Properties: map[string][]string{}}
	for i := 0; i+1 < len(props); i += 2 {
		e.Properties[props[i]] = append(e.Properties[props[i]], props[i+1])
	}
	return e
}

// draft builds a valid draft from entities, giving every Person the
// category suspect.
func draft(title string, ents ...ftm.Entity) Draft {
	d := Draft{Title: title, Narrative: "Observed at the port.", Entities: ents, Envelope: testEnvelope()}
	for _, e := range ents {
		if isPerson(e.Schema) {
			if d.DataSubjects == nil {
				d.DataSubjects = map[string]policy.DataSubjectCategory{}
			}
			d.DataSubjects[e.ID] = policy.CategorySuspect
		}
	}
	return d
}

// mustCreate creates a record through the JSON decoder, as the API does.
func (e *env) mustCreate(t testing.TB, ctx context.Context, d Draft) *Record {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	dd, _, err := DecodeDraft(b, e.svc.cfg.Limits, false)
	if err != nil {
		t.Fatalf("decode draft: %v", err)
	}
	r, err := e.svc.Create(ctx, dd)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return r
}

// count returns the result of a COUNT query.
func (e *env) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// insertRaw stores a record with any structurally valid envelope (a copy,
// one past its review date, …) directly, as received copies and old
// records end up in storage. Entities go through the FtM decoder.
func insertRaw(t testing.TB, e *env, title string, envl policy.Envelope, ents ...ftm.Entity) string {
	t.Helper()
	raw := make([]json.RawMessage, len(ents))
	for i, en := range ents {
		b, err := json.Marshal(en)
		if err != nil {
			t.Fatal(err)
		}
		raw[i] = b
	}
	decoded, _, err := decodeEntities(raw, ftm.DecodeOptions{}, false)
	if err != nil {
		t.Fatalf("decode entities: %v", err)
	}
	id := ids.New()
	envl.ReviewDate = micro(envl.ReviewDate)
	if err := envl.ValidateStored(); err != nil {
		t.Fatalf("envelope: %v", err)
	}
	now := micro(e.clock.Now())
	r := &Record{ID: id, Version: 1, State: StateActive, Title: title, Entities: decoded, Envelope: envl, CreatedAt: now, UpdatedAt: now}
	for _, en := range decoded {
		if isPerson(en.Schema) {
			if r.DataSubjects == nil {
				r.DataSubjects = map[string]policy.DataSubjectCategory{}
			}
			r.DataSubjects[en.ID] = policy.CategoryOther
		}
	}
	if envl.IsCopy() {
		r.Provenance = &Provenance{From: envl.ReceivedFrom, OriginVersion: 1, ReceivedAt: now}
	}
	x, err := buildIndex(r)
	if err != nil {
		t.Fatal(err)
	}
	err = e.db.Write(context.Background(), func(tx *db.Tx) error {
		rid, err := insertRecord(context.Background(), tx, r, ChangeReceive, x)
		if err != nil {
			return err
		}
		return insertIndexes(context.Background(), tx, []indexed{{rid, x}})
	})
	if err != nil {
		t.Fatalf("insert record: %v", err)
	}
	return id
}
