package matchsvc

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/match/budget"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// testHasher is the keyed hash audit.Log provides, with a fixed key.
type testHasher struct{ key []byte }

func (h testHasher) HashPersonal(kind, value string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(kind + "\x00" + value))
	return hex.EncodeToString(m.Sum(nil))
}

// logBuffer collects a node's log output, for the leakage test.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// node is one agency running records and matching on a fedtest node.
type node struct {
	*fedtest.Node
	svc     *Service
	records *record.Service
	logs    *logBuffer
}

// testConfig is the matching configuration of the tests: budgets large
// enough for the tests that do not test them, and tables refreshed on
// every query so that a change shows at once.
func testConfig(agency, country string) Config {
	unlimited := budget.Limits{PerCase: 100_000, PerPartner: 1_000_000}
	b := budget.Config{Default: map[match.Type]budget.Limits{}, MaxCasesPerDay: 100}
	for _, t := range match.Types() {
		b.Default[t] = unlimited
	}
	return Config{Agency: agency, Country: country, Budget: &b, TableMaxAge: time.Nanosecond, PollInterval: 100 * time.Millisecond}
}

func newNode(t testing.TB, agency, country string, edit func(*Config)) *node {
	t.Helper()
	fn := fedtest.NewNode(t, agency, country, nil)
	return openService(t, fn, edit)
}

func openService(t testing.TB, fn *fedtest.Node, edit func(*Config)) *node {
	t.Helper()
	ctx := context.Background()
	if err := fn.DB.Migrate(ctx, record.Schema, Schema); err != nil {
		t.Fatal(err)
	}
	dec, err := policy.New(policy.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	hasher := testHasher{key: []byte("audit key of " + fn.Agency)}
	recs, err := record.New(record.Config{Agency: fn.Agency, Country: fn.Country},
		record.Deps{DB: fn.DB, Audit: fn.Audit, Hasher: hasher, Decider: dec, Now: fn.Now})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	cfg := testConfig(fn.Agency, fn.Country)
	if edit != nil {
		edit(&cfg)
	}
	svc, err := New(ctx, cfg, Deps{DB: fn.DB, Audit: fn.Audit, Hasher: hasher, Decider: dec, Federation: fn.Service(),
		Records: recs, SigningKey: fn.ID.SigningKey, Now: fn.Now,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return &node{Node: fn, svc: svc, records: recs, logs: logs}
}

// nodes starts agencies, makes them partners and builds their indexes.
func nodes(t testing.TB, agencies ...string) []*node {
	t.Helper()
	var out []*node
	var fns []*fedtest.Node
	for _, a := range agencies {
		n := newNode(t, a, a[:2], nil)
		out = append(out, n)
		fns = append(fns, n.Node)
	}
	fedtest.Introduce(t, fns...)
	for _, n := range out {
		n.sync(t)
	}
	return out
}

func (n *node) sync(t testing.TB) {
	t.Helper()
	if err := n.svc.Sync(context.Background()); err != nil {
		t.Fatalf("%s: sync: %v", n.Agency, err)
	}
}

// officer is a context of an officer of the node with a role and a case.
func (n *node) officer(role access.Role) context.Context {
	ctx := access.With(context.Background(), n.Principal(role))
	return access.WithJustification(ctx, access.Justification{Text: "operation test", CaseRef: "CASE-1"})
}

// as is officer with another user id, for the two-person rule.
func (n *node) as(role access.Role, userID string) context.Context {
	p := n.Principal(role)
	p.UserID, p.Username = userID, userID
	ctx := access.With(context.Background(), p)
	return access.WithJustification(ctx, access.Justification{Text: "operation test", CaseRef: "CASE-1"})
}

// ent builds an entity; props alternate name, value.
func ent(id, schema string, props ...string) ftm.Entity {
	e := ftm.Entity{ID: id, Schema: schema, Properties: map[string][]string{}}
	for i := 0; i+1 < len(props); i += 2 {
		e.Properties[props[i]] = append(e.Properties[props[i]], props[i+1])
	}
	return e
}

func testEnvelope() policy.Envelope {
	return policy.Envelope{Handling: policy.H0, TLP: policy.TLPAmber, SourceReliability: policy.SourceB,
		InformationReliability: policy.Info2, Purpose: policy.PurposeCriminalInvestigation, LegalBasis: "Police Data Act art. 8"}
}

// create stores a record of the entities under env (testEnvelope when
// zero) and returns its id.
func (n *node) create(t testing.TB, env policy.Envelope, ents ...ftm.Entity) string {
	t.Helper()
	if env.Handling == 0 {
		env = testEnvelope()
	}
	d := record.Draft{Title: "Seizure", Narrative: "Observed at the port.", Entities: ents, Envelope: env}
	for _, e := range ents {
		if e.Schema == "Person" {
			if d.DataSubjects == nil {
				d.DataSubjects = map[string]policy.DataSubjectCategory{}
			}
			d.DataSubjects[e.ID] = policy.CategorySuspect
		}
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	dd, _, err := record.DecodeDraft(b, record.Limits{}, false)
	if err != nil {
		t.Fatalf("decode draft: %v", err)
	}
	r, err := n.records.Create(n.officer(access.Investigator), dd)
	if err != nil {
		t.Fatalf("%s: create record: %v", n.Agency, err)
	}
	return r.ID
}

// query runs an online query as an investigator of n.
func (n *node) query(t testing.TB, req QueryRequest) *QueryResult {
	t.Helper()
	res, err := n.svc.Query(n.officer(access.Investigator), req)
	if err != nil {
		t.Fatalf("%s: query %s: %v", n.Agency, req.Type, err)
	}
	return res
}

// answerFrom queries as an investigator of n until partner answers (a
// partner's table can be momentarily unavailable to the querier on a
// loaded machine: a fetch that failed is retried at the next query), and
// returns the answer.
func (n *node) answerFrom(t testing.TB, req QueryRequest, partner string) PartnerResult {
	t.Helper()
	var pr PartnerResult
	fedtest.Eventually(t, 20*time.Second, partner+" answers", func() error {
		pr = partnerResult(t, n.query(t, req), partner)
		for _, v := range pr.Results {
			if strings.Contains(v.Reason, "invalid proof") || strings.Contains(v.Reason, "does not open") {
				t.Fatalf("%s: %s", partner, v.Reason) // never a matter of waiting
			}
		}
		if pr.Status == StatusUnavailable || len(pr.Results) == 0 {
			return fedtest.Errorf("%s: %s (%s)", partner, pr.Status, pr.Reason)
		}
		return nil
	})
	return pr
}

// partnerResult returns partner's answer in res.
func partnerResult(t testing.TB, res *QueryResult, partner string) PartnerResult {
	t.Helper()
	for _, pr := range res.Partners {
		if pr.Partner == partner {
			return pr
		}
	}
	t.Fatalf("no answer from %s in %+v", partner, res)
	return PartnerResult{}
}

// statuses summarises a partner's per-value statuses, e.g. "hit,no-hit".
func statuses(pr PartnerResult) string {
	var s []string
	for _, v := range pr.Results {
		s = append(s, v.Status)
	}
	return strings.Join(s, ",")
}
