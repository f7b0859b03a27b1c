package disclosure_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

const wait = 20 * time.Second

// node is a federated node with records and disclosure.
type node struct {
	*fedtest.Node
	records *record.Service
	disc    *disclosure.Service
}

// fed gives disclosure the node's current federation service.
type fed struct{ n *fedtest.Node }

func (f fed) Send(ctx context.Context, tx *db.Tx, m federation.Outbound) (uuid.UUID, error) {
	return f.n.Service().Send(ctx, tx, m)
}
func (f fed) GetPartner(ctx context.Context, agency string) (federation.Partner, error) {
	return f.n.Service().GetPartner(ctx, agency)
}
func (f fed) Deliveries(ctx context.Context, id string) ([]federation.Delivery, error) {
	return f.n.Service().Deliveries(ctx, id)
}
func (f fed) Handle(t string, h federation.InboundHandler) { f.n.Handle(t, h) }
func (f fed) OnSettled(fn func())                          { f.n.OnSettled(fn) }

// hasher stands in for the audit log's keyed hash of searched values.
type hasher struct{}

func (hasher) HashPersonal(kind, value string) string { return "h:" + kind }

// newNode starts a node of agency in country with the records and
// disclosure capabilities, its worker polling every 50 ms.
func newNode(t *testing.T, agency, country string) *node { return newBenchNode(t, agency, country) }

// newBenchNode is newNode for tests and benchmarks.
func newBenchNode(t testing.TB, agency, country string) *node {
	t.Helper()
	return newPollingNode(t, agency, country, 50*time.Millisecond)
}

// newPollingNode is newNode with the worker's PollInterval poll.
func newPollingNode(t testing.TB, agency, country string, poll time.Duration) *node {
	t.Helper()
	fn := fedtest.NewNode(t, agency, country, nil)
	ctx := context.Background()
	if err := fn.DB.Migrate(ctx, audit.Schema, record.Schema, disclosure.Schema); err != nil {
		t.Fatal(err)
	}
	dec, err := policy.New(policy.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	recs, err := record.New(record.Config{Agency: agency, Country: country},
		record.Deps{DB: fn.DB, Audit: fn.Audit, Hasher: hasher{}, Decider: dec})
	if err != nil {
		t.Fatal(err)
	}
	d, err := disclosure.New(disclosure.Config{Agency: agency, PollInterval: poll, RetryInterval: 200 * time.Millisecond},
		disclosure.Deps{DB: fn.DB, Records: recs, Federation: fed{fn}, Audit: fn.Audit})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &node{Node: fn, records: recs, disc: d}
}

// network starts DE-BKA, NL-NCB and BE-FP, all partners of each other.
func network(t *testing.T) (de, nl, be *node) {
	t.Helper()
	de, nl, be = newNode(t, "DE-BKA", "DE"), newNode(t, "NL-NCB", "NL"), newNode(t, "BE-FP", "BE")
	fedtest.Introduce(t, de.Node, nl.Node, be.Node)
	return de, nl, be
}

// officer is a context of an officer of n with role and a justification.
func officer(n *node, role access.Role) context.Context {
	ctx := access.With(context.Background(), n.Principal(role))
	return access.WithJustification(ctx, access.Justification{Text: "operation TIDE", CaseRef: "DE-2026-17"})
}

// createRecord creates a record at n with envelope edits applied.
func createRecord(t testing.TB, n *node, title string, edit func(*policy.Envelope)) *record.Record {
	t.Helper()
	env := policy.Envelope{Handling: policy.H0, TLP: policy.TLPAmber, SourceReliability: policy.SourceB,
		InformationReliability: policy.Info2, Purpose: policy.PurposeCriminalInvestigation, LegalBasis: "BKAG § 3"}
	if edit != nil {
		edit(&env)
	}
	raw := map[string]any{
		"title": title, "narrative": "Observed at the port of Rotterdam.",
		"entities": []map[string]any{
			{"id": "p1", "schema": "Person", "properties": map[string][]string{"name": {"Karl Schmidt"}, "passportNumber": {"C01X00T47"}}},
			{"id": "v1", "schema": "Vehicle", "properties": map[string][]string{"registrationNumber": {"B-KS 1234"}}},
		},
		"dataSubjects": map[string]string{"p1": "suspect"},
		"envelope":     env,
	}
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := record.DecodeDraft(b, record.Limits{}, false)
	if err != nil {
		t.Fatalf("draft: %v", err)
	}
	r, err := n.records.Create(officer(n, access.Investigator), d)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return r
}

// share shares record id from n to partners and returns the outcomes by
// partner.
func share(t *testing.T, n *node, id string, req disclosure.ShareRequest) map[string]disclosure.ShareOutcome {
	t.Helper()
	if req.Purpose == "" {
		req.Purpose = policy.PurposeCriminalInvestigation
	}
	res, err := n.disc.Share(officer(n, access.Investigator), id, req)
	if err != nil {
		t.Fatalf("%s shares: %v", n.Agency, err)
	}
	out := map[string]disclosure.ShareOutcome{}
	for _, o := range res.Outcomes {
		out[o.Partner] = o
	}
	return out
}

// held returns n's copy of record id as the SPOC reads it, or nil.
func held(t *testing.T, n *node, id string) *record.Record {
	t.Helper()
	r, _, err := n.records.Get(officer(n, access.SPOC), id)
	if err != nil {
		return nil
	}
	return r
}

// waitCopy waits until n holds record id in state at version.
func waitCopy(t *testing.T, n *node, id string, state record.State, version int) *record.Record {
	t.Helper()
	var r *record.Record
	fedtest.Eventually(t, wait, n.Agency+" holds "+id, func() error {
		r = held(t, n, id)
		if r == nil {
			return fedtest.Errorf("no copy yet")
		}
		if r.State != state || r.Version != version {
			return fedtest.Errorf("copy in state %s at version %d", r.State, r.Version)
		}
		return nil
	})
	return r
}

// waitHolders waits until n lists the holders of id as acknowledged at the
// given version and kind.
func waitHolders(t *testing.T, n *node, id string, want map[string]int, kind string) []disclosure.Holder {
	t.Helper()
	var hs []disclosure.Holder
	fedtest.Eventually(t, wait, n.Agency+" holders of "+id, func() error {
		var err error
		if hs, err = n.disc.Holders(officer(n, access.SPOC), id); err != nil {
			return err
		}
		if len(hs) != len(want) {
			return fedtest.Errorf("%d holders, want %d", len(hs), len(want))
		}
		for _, h := range hs {
			if h.Version != want[h.Agency] || h.Kind != kind || h.Delivery != federation.DeliveryDelivered || h.Outdated {
				return fedtest.Errorf("holder %+v", h)
			}
		}
		return nil
	})
	return hs
}

// events returns n's committed audit events of kind that name message.
func events(t *testing.T, n *node, kind audit.Kind, message string) []audit.Event {
	t.Helper()
	var out []audit.Event
	for _, e := range n.Audit.Events(t) {
		if e.Kind != kind {
			continue
		}
		for _, o := range e.Objects {
			if o.Type == "message" && o.ID == message {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// createRecordB creates a record for a benchmark and returns its id.
func createRecordB(b *testing.B, n *node) string {
	return createRecord(b, n, "Benchmark record", nil).ID
}
