package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/matchsvc"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/witness"
)

// The fakes below stand in for capability services where a test needs
// states that real nodes reach only slowly or rarely (overdue follow-ups,
// split views, permission requests between three agencies). They keep the services' contracts that the portal
// relies on: roles are the services' business, but every personal read or
// disclosure needs a justification and writes an audit event carrying it,
// which the fake audit log shows to the DPO.

// auditRec is an in-memory audit log: an audit.Appender for the real auth
// service and the recorder of every fake.
type auditRec struct {
	mu     sync.Mutex
	events []audit.Entry
}

func (a *auditRec) Append(ctx context.Context, _ *db.Tx, e audit.Event) error {
	a.add(e)
	return nil
}

func (a *auditRec) Record(ctx context.Context, e audit.Event) error {
	a.add(e)
	return nil
}

func (a *auditRec) add(e audit.Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e.Time = time.Now().UTC()
	a.events = append(a.events, audit.Entry{Index: uint64(len(a.events)), Event: e})
}

// record writes an event of kind about objects, with the principal and
// justification of ctx.
func (a *auditRec) record(ctx context.Context, kind audit.Kind, reason string, objects ...audit.Ref) error {
	j := access.JustificationFrom(ctx)
	if (kind == audit.Consult || kind == audit.Disclose || kind == audit.Collect) && j.Empty() {
		return errs.E(errs.Precondition, "justification", "a justification or case reference is required to process personal data")
	}
	e := audit.New(ctx, kind, objects...)
	e.Reason = reason
	a.add(e)
	return nil
}

// HashPersonal implements noticesvc.Hasher with a fixed key.
func (a *auditRec) HashPersonal(kind, value string) string {
	h := sha256.Sum256([]byte("test\x00" + kind + "\x00" + value))
	return "h1:" + hex.EncodeToString(h[:12])
}

func (a *auditRec) Search(ctx context.Context, f audit.Filter, before uint64, limit int) ([]audit.Entry, error) {
	if err := a.record(ctx, audit.Consult, "audit search", audit.Ref{Type: "audit-log", ID: "fake"}); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []audit.Entry
	for i := len(a.events) - 1; i >= 0 && len(out) < limit; i-- {
		e := a.events[i]
		if (f.Kind == "" || e.Event.Kind == f.Kind) && (f.CaseRef == "" || e.Event.CaseRef == f.CaseRef) && (before == 0 || e.Index < before) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (a *auditRec) Export(ctx context.Context, w http.ResponseWriter, rg audit.ExportRange) error {
	if err := a.record(ctx, audit.Consult, "audit export"); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/jsonl")
	fmt.Fprintln(w, `{"fake":"export"}`)
	return nil
}

func (a *auditRec) Verify(context.Context) (*audit.Report, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return &audit.Report{Size: uint64(len(a.events)), Checkpoints: 1}, nil
}

func (a *auditRec) Checkpoint(context.Context) (*audit.CheckpointInfo, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return &audit.CheckpointInfo{Origin: "liaison.NL-NCB/audit", Size: uint64(len(a.events)), CreatedAt: time.Now()}, nil
}

// fakeFederation is messaging with partners whose nodes receive, confirm
// delivery at once, and read when the test says so.
type fakeFederation struct {
	audit    *auditRec
	mu       sync.Mutex
	partners []federation.Partner
	messages []*federation.Message
	threads  map[string]*federation.Thread
	uploads  map[string]*federation.Attachment
	next     int
}

func newFakeFederation(a *auditRec) *fakeFederation {
	now := time.Now().UTC()
	return &fakeFederation{audit: a, threads: map[string]*federation.Thread{}, uploads: map[string]*federation.Attachment{},
		partners: []federation.Partner{
			{Agency: "DE-BKA", Name: "Bundeskriminalamt", Country: "DE", State: "active", Fingerprint: "SHA256:3f9a…c21e", CardNotAfter: now.AddDate(1, 0, 0), AddedAt: now},
			{Agency: "FR-NCB", Name: "NCB Lyon", Country: "FR", State: "active", Fingerprint: "SHA256:8be0…f771", CardNotAfter: now.AddDate(1, 0, 0), AddedAt: now},
			{Agency: "UA-NCB", Name: "NCB Kyiv", Country: "UA", State: "suspended", Fingerprint: "SHA256:11d2…0a9c", CardNotAfter: now.AddDate(0, 6, 0), AddedAt: now},
		}}
}

func (f *fakeFederation) id(prefix string) string {
	f.next++
	return fmt.Sprintf("%s-%04d", prefix, f.next)
}

// receive puts an inbound message in the inbox.
func (f *fakeFederation) receive(from, subject, body, caseRef string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &federation.Thread{ID: f.id("thread"), Subject: subject, CaseRef: caseRef, StartedBy: from, Created: time.Now(), Updated: time.Now(), Messages: 1, Unread: 1}
	f.threads[t.ID] = t
	m := &federation.Message{ID: f.id("msg"), ThreadID: t.ID, Direction: "in", Sender: from, Recipients: []string{"NL-NCB"},
		Subject: subject, Body: body, CaseRef: caseRef, Handling: []string{"H0", "H2"}, TLP: "TLP:AMBER", Created: time.Now().UTC()}
	f.messages = append(f.messages, m)
	return m.ID
}

// partnerReads marks a sent message read by the partner's officer, as its
// signed read receipt would.
func (f *fakeFederation) partnerReads(partner string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.messages {
		for i := range m.Deliveries {
			if d := &m.Deliveries[i]; d.Partner == partner && d.State == "delivered" {
				d.State, d.ReadAt, d.ReadBy = "read", time.Now().UTC(), "officer-7731"
			}
		}
	}
}

func (f *fakeFederation) ListMessages(_ context.Context, flt federation.MessageFilter) ([]*federation.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*federation.Message
	for i := len(f.messages) - 1; i >= 0; i-- {
		m := f.messages[i]
		if (flt.Box == "inbox" && m.Direction != "in") || (flt.Box == "sent" && m.Direction != "out") || (flt.Unread && m.Read) {
			continue
		}
		c := *m
		c.Body = ""
		out = append(out, &c)
	}
	return out, nil
}

func (f *fakeFederation) MessageCounts(context.Context) (federation.Counts, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var c federation.Counts
	for _, m := range f.messages {
		if m.Direction == "in" {
			c.Inbox++
			if !m.Read {
				c.Unread++
			}
		} else {
			c.Sent++
		}
	}
	return c, nil
}

func (f *fakeFederation) ListThreads(context.Context, int) ([]federation.Thread, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []federation.Thread
	for _, t := range f.threads {
		out = append(out, *t)
	}
	return out, nil
}

func (f *fakeFederation) GetThread(_ context.Context, id string) (federation.Thread, []*federation.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.threads[id]
	if !ok {
		return federation.Thread{}, nil, errs.E(errs.NotExist, "id", "no such thread")
	}
	var ms []*federation.Message
	for _, m := range f.messages {
		if m.ThreadID == id {
			ms = append(ms, m)
		}
	}
	return *t, ms, nil
}

func (f *fakeFederation) OpenMessage(ctx context.Context, id string) (*federation.Message, error) {
	if err := f.audit.record(ctx, audit.Consult, "message opened", audit.Ref{Type: "message", ID: id}); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.messages {
		if m.ID == id {
			if m.Direction == "in" && !m.Read {
				m.Read, m.ReadAt = true, time.Now().UTC()
				f.threads[m.ThreadID].Unread--
			}
			c := *m
			return &c, nil
		}
	}
	return nil, errs.E(errs.NotExist, "id", "no such message")
}

func (f *fakeFederation) SendMessage(ctx context.Context, req federation.SendRequest) (*federation.Message, error) {
	if len(req.To) == 0 {
		return nil, errs.E(errs.Invalid, "to", "at least one recipient is required")
	}
	if strings.TrimSpace(req.Subject) == "" {
		return nil, errs.E(errs.Invalid, "subject", "a subject is required")
	}
	if len(req.Handling) == 0 {
		return nil, errs.E(errs.Invalid, "handling", "at least one handling code (H0-H3) is required")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.id("msg")
	if err := f.audit.record(ctx, audit.Disclose, "message sent", audit.Ref{Type: "message", ID: id}); err != nil {
		return nil, err
	}
	thread := req.ThreadID
	if thread == "" {
		t := &federation.Thread{ID: f.id("thread"), Subject: req.Subject, CaseRef: req.CaseRef, StartedBy: "NL-NCB", Created: time.Now(), Updated: time.Now()}
		f.threads[t.ID] = t
		thread = t.ID
	}
	f.threads[thread].Messages++
	now := time.Now().UTC()
	m := &federation.Message{ID: id, ThreadID: thread, Direction: "out", Sender: "NL-NCB", Recipients: req.To, Subject: req.Subject,
		Body: req.Body, CaseRef: req.CaseRef, Handling: req.Handling, Restrictions: req.Restrictions, TLP: req.TLP, Created: now,
		AttachmentCount: len(req.Attachments)}
	for _, to := range req.To {
		m.Deliveries = append(m.Deliveries, federation.Delivery{Partner: to, State: "delivered", Seq: int64(f.next), Attempts: 1, QueuedAt: now, DeliveredAt: now.Add(40 * time.Millisecond)})
	}
	for _, a := range req.Attachments {
		m.Attachments = append(m.Attachments, *f.uploads[a])
	}
	f.messages = append(f.messages, m)
	return m, nil
}

func (f *fakeFederation) CreateUpload(_ context.Context, req federation.UploadRequest) (*federation.Attachment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := &federation.Attachment{ID: f.id("att"), Name: req.Name, MediaType: req.MediaType, Size: req.Size, SHA256: req.SHA256,
		ChunkSize: 1 << 20, Chunks: (req.Size + 1<<20 - 1) >> 20, State: "uploading", Created: time.Now()}
	if a.Chunks == 0 {
		a.Chunks = 1
	}
	f.uploads[a.ID] = a
	return a, nil
}

func (f *fakeFederation) PutChunk(_ context.Context, id string, n int64, data []byte, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uploads[id].Received++
	return nil
}

func (f *fakeFederation) CompleteUpload(_ context.Context, id string) (*federation.Attachment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.uploads[id]
	a.State = "complete"
	return a, nil
}

func (f *fakeFederation) WriteAttachment(_ context.Context, id string, w io.Writer, before func(*federation.Attachment)) error {
	return errs.E(errs.NotExist, "id", "no such attachment")
}

func (f *fakeFederation) Deliveries(_ context.Context, id string) ([]federation.Delivery, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.messages {
		if m.ID == id {
			return m.Deliveries, nil
		}
	}
	return nil, errs.E(errs.NotExist, "id", "no such sent message")
}

func (f *fakeFederation) AddPartner(context.Context, []byte, string) (federation.Partner, string, error) {
	return federation.Partner{}, "", errs.E(errs.Invalid, "card", "the test federation takes no new partners")
}

func (f *fakeFederation) SetPartnerState(_ context.Context, agency, state string) (federation.Partner, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.partners {
		if f.partners[i].Agency == agency {
			f.partners[i].State = state
			return f.partners[i], nil
		}
	}
	return federation.Partner{}, errs.E(errs.NotExist, "agency", "no such partner")
}

func (f *fakeFederation) ListPartners(context.Context, bool) ([]federation.Partner, error) {
	return f.partners, nil
}

func (f *fakeFederation) Status(context.Context) ([]federation.PartnerStatus, error) {
	now := time.Now().UTC()
	return []federation.PartnerStatus{
		{Agency: "DE-BKA", State: "active", LastContact: now.Add(-2 * time.Minute)},
		{Agency: "FR-NCB", State: "active", LastContact: now.Add(-40 * time.Second), QueueDepth: 2, OldestUndelivered: now.Add(-30 * time.Second)},
		{Agency: "UA-NCB", State: "suspended", LastContact: now.Add(-72 * time.Hour), ConsecutiveFailures: 4, LastError: "partner suspended by the administrator", LastErrorAt: now.Add(-3 * time.Hour)},
	}, nil
}

func (f *fakeFederation) OwnCard(context.Context) (federation.OwnCard, error) {
	return federation.OwnCard{Fingerprint: "SHA256:5c1d…9e04"}, nil
}

// fakeSharing is record disclosure whose partners acknowledge every copy
// at once, with permission requests seeded by newFakeSharing.
type fakeSharing struct {
	audit    *auditRec
	mu       sync.Mutex
	holders  map[string][]disclosure.Holder
	requests []disclosure.Request
}

// newFakeSharing records that DE-BKA holds version 1 of record held and
// FR-NCB an outdated copy, and that DE-BKA asks to pass it to FR-NCB.
func newFakeSharing(a *auditRec, held string) *fakeSharing {
	now := time.Now().UTC()
	return &fakeSharing{audit: a,
		holders: map[string][]disclosure.Holder{held: {
			{Agency: "DE-BKA", Version: 1, Kind: "copy", SentVersion: 1, SentKind: "copy", Delivery: federation.DeliveryDelivered,
				Purpose: policy.PurposeCriminalInvestigation, SharedAt: now.Add(-26 * time.Hour), SentAt: now.Add(-26 * time.Hour), AckedAt: now.Add(-26 * time.Hour)},
			{Agency: "FR-NCB", Version: 1, Kind: "copy", SentVersion: 1, SentKind: "copy", Delivery: federation.DeliveryDelivered, Outdated: true,
				Purpose: policy.PurposeCriminalInvestigation, SharedAt: now.Add(-3 * time.Hour), SentAt: now.Add(-3 * time.Hour), AckedAt: now.Add(-3 * time.Hour)},
		}},
		requests: []disclosure.Request{
			{ID: "0b7d6c1e-5f7a-4c1e-9a51-2f1c9d7e4a10", Direction: disclosure.DirectionIn, RecordID: held, Holder: "DE-BKA", Originator: "NL-NCB",
				Recipient: "FR-NCB", Purpose: policy.PurposeCriminalInvestigation, Reason: "FR-NCB arrested a courier of the network in Lyon",
				State: disclosure.StatePending, Delivery: federation.DeliveryDelivered, CreatedAt: now.Add(-90 * time.Minute)},
			{ID: "5e2a9f43-8d1b-4b7e-a3c2-7f90e1d2c3b4", Direction: disclosure.DirectionIn, RecordID: held, Holder: "FR-NCB", Originator: "NL-NCB",
				Recipient: "UA-NCB", Purpose: policy.PurposeCriminalInvestigation, State: disclosure.StateDenied, Answer: "UA-NCB is suspended",
				Delivery: federation.DeliveryDelivered, CreatedAt: now.Add(-50 * time.Hour), AnsweredAt: now.Add(-49 * time.Hour)},
			{ID: "9c4b2e71-0a3f-4d5e-8b6c-1d2e3f4a5b6c", Direction: disclosure.DirectionOut, RecordID: "a3f1c2d4-record-from-de", Holder: "NL-NCB",
				Originator: "DE-BKA", Recipient: "FR-NCB", Purpose: policy.PurposeCriminalInvestigation, State: disclosure.StateGranted,
				Answer: "granted for the JIT", Delivery: federation.DeliveryDelivered, CreatedAt: now.Add(-30 * time.Hour), AnsweredAt: now.Add(-29 * time.Hour)},
		}}
}

// Share implements web.RecordSharing: the partner acknowledges at once.
func (f *fakeSharing) Share(ctx context.Context, id, partner string, purpose policy.Purpose) error {
	if access.JustificationFrom(ctx).Empty() {
		return errs.E(errs.Precondition, "justification", "justification required")
	}
	e := audit.New(ctx, audit.Disclose, audit.Ref{Type: "record", ID: id})
	e.Recipients, e.Purpose = []string{partner}, string(purpose)
	f.audit.add(e)
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now().UTC()
	hs := slices.DeleteFunc(f.holders[id], func(h disclosure.Holder) bool { return h.Agency == partner })
	f.holders[id] = append(hs, disclosure.Holder{Agency: partner, Version: 1, Kind: "copy", SentVersion: 1, SentKind: "copy",
		Delivery: federation.DeliveryDelivered, Purpose: purpose, SharedAt: now, SentAt: now, AckedAt: now})
	return nil
}

func (f *fakeSharing) Holders(ctx context.Context, id string) ([]disclosure.Holder, error) {
	if err := f.audit.record(ctx, audit.Consult, "record holders", audit.Ref{Type: "record", ID: id}); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.holders[id]), nil
}

func (f *fakeSharing) Requests(_ context.Context, flt disclosure.RequestFilter) ([]disclosure.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []disclosure.Request
	for _, r := range f.requests {
		if (flt.Direction == "" || r.Direction == flt.Direction) && (flt.State == "" || r.State == flt.State) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeSharing) Answer(ctx context.Context, id string, a disclosure.AnswerRequest) (*disclosure.Request, error) {
	if p, _ := access.From(ctx); p.Role != access.SPOC {
		return nil, errs.E(errs.Permission, "only the SPOC answers permission requests")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.requests {
		r := &f.requests[i]
		if r.ID != id || r.Direction != disclosure.DirectionIn {
			continue
		}
		if r.State != disclosure.StatePending {
			return nil, errs.E(errs.Conflict, "state", "the request was already answered: "+r.State)
		}
		if err := f.audit.record(ctx, audit.Disclose, "permission-answer", audit.Ref{Type: "record", ID: r.RecordID}); err != nil {
			return nil, err
		}
		r.State, r.Answer, r.AnsweredAt = disclosure.StateDenied, a.Reason, time.Now().UTC()
		if a.Grant {
			r.State = disclosure.StateGranted
		}
		c := *r
		return &c, nil
	}
	return nil, errs.E(errs.NotExist, "id", "no such request")
}

// fakeMatching answers a hit for one passport at DE-BKA, and for
// Oleksandr Kovalenko born 1984-05-12 (in Latin or Cyrillic script) a
// strong hit on the name and a weak candidate on its sound; no hit
// elsewhere, and unavailable for the suspended partner. Partners have sent
// this node three follow-ups: one due, one overdue, one answered.
type fakeMatching struct {
	audit    *auditRec
	mu       sync.Mutex
	next     int
	hits     map[string]*matchsvc.FollowUpSent // by hit id; SentAt set once followed up
	sent     []matchsvc.FollowUpSent
	received []matchsvc.FollowUp
}

func newFakeMatching(a *auditRec, held string) *fakeMatching {
	now := time.Now().UTC()
	return &fakeMatching{audit: a, hits: map[string]*matchsvc.FollowUpSent{}, received: []matchsvc.FollowUp{
		{ID: "fu-due", Partner: "DE-BKA", Officer: "KOK Weber", Type: "passport", Epoch: 120, Reference: "4f1a9c2e7b3d5e60",
			CaseRef: "BKA-2026-4471", Purpose: "criminal-investigation", Justification: "Courier network A12: the passport was used at Frankfurt airport",
			ReceivedAt: now.Add(-5 * time.Hour), DueAt: now.Add(43 * time.Hour), State: "open", Due: "due", Records: []string{held},
			Resolution: "resolved to 1 record(s)"},
		{ID: "fu-late", Partner: "FR-NCB", Officer: "Lt. Marchand", Type: "name-dob", Epoch: 119, Reference: "9e8d7c6b5a493827",
			CaseRef: "FR-2026-118", Purpose: "criminal-investigation", Justification: "Courier seen in Lyon on 2 March",
			ReceivedAt: now.Add(-50 * time.Hour), DueAt: now.Add(-2 * time.Hour), State: "open", Due: "overdue",
			Resolution: "the reference matches no record the partner may match now (changed, withdrawn or erased since the hit)"},
		{ID: "fu-done", Partner: "DE-BKA", Officer: "KOK Weber", Type: "plate", Epoch: 118, Reference: "0123456789abcdef",
			CaseRef: "BKA-2026-4471", Purpose: "criminal-investigation", Justification: "Vehicle seen near Cologne",
			ReceivedAt: now.Add(-80 * time.Hour), DueAt: now.Add(-32 * time.Hour), State: "answered", Due: "done", Records: []string{held},
			Outcome: "shared", Note: "record copy sent", AnsweredBy: "spoc1", AnsweredAt: now.Add(-60 * time.Hour)},
	}}
}

func (*fakeMatching) Types() []string {
	return []string{"passport", "id", "phone", "email", "iban", "wallet", "plate", "vin", matchsvc.TypePerson}
}

func (m *fakeMatching) Query(ctx context.Context, q matchsvc.QueryRequest) (*matchsvc.QueryResult, error) {
	if access.JustificationFrom(ctx).CaseRef == "" {
		return nil, errs.E(errs.Precondition, "caseRef", "matching needs a case reference: partners meter budgets per case")
	}
	if err := m.audit.record(ctx, audit.Consult, "hit/no-hit query "+q.Type); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	res := &matchsvc.QueryResult{ID: m.id("query"), Type: q.Type, Values: len(q.Values)}
	person := q.Type == matchsvc.TypePerson
	known := false
	if person {
		res.Values = 3
		known = (strings.Contains(q.Name, "Kovalenko") || strings.Contains(q.Name, "Коваленко")) && q.BirthDate == "1984-05-12"
	} else {
		known = len(q.Values) == 1 && strings.EqualFold(strings.ReplaceAll(q.Values[0], " ", ""), "FX123456")
	}
	for _, p := range []string{"DE-BKA", "FR-NCB", "UA-NCB"} {
		if len(q.Partners) > 0 && !slices.Contains(q.Partners, p) {
			continue
		}
		pr := matchsvc.PartnerResult{Partner: p, Status: matchsvc.StatusNoHit, Epoch: 120}
		switch {
		case p == "UA-NCB":
			pr = matchsvc.PartnerResult{Partner: p, Status: matchsvc.StatusUnavailable, Reason: "partner suspended: no current table"}
		case person:
			for i, k := range []struct{ key, strength string }{{"name-dob", "strong"}, {"phonetic-year", "weak"}, {"tokens-dob", "strong"}} {
				v := matchsvc.ValueResult{Index: i, Key: k.key, Status: matchsvc.StatusNoHit, Strength: k.strength}
				if known && p == "DE-BKA" && k.key != "tokens-dob" {
					v.Status, v.Candidate = matchsvc.StatusHit, k.strength == "weak"
					v.HitID, v.Reference = m.hit(p, k.key, k.strength, ctx)
					pr.Status = matchsvc.StatusHit
				}
				pr.Results = append(pr.Results, v)
			}
		default:
			v := matchsvc.ValueResult{Status: matchsvc.StatusNoHit, Strength: "exact"}
			if known && p == "DE-BKA" {
				v.Status = matchsvc.StatusHit
				v.HitID, v.Reference = m.hit(p, q.Type, "exact", ctx)
				pr.Status = matchsvc.StatusHit
			}
			pr.Results = append(pr.Results, v)
		}
		res.Partners = append(res.Partners, pr)
	}
	return res, nil
}

func (m *fakeMatching) id(prefix string) string {
	m.next++
	return fmt.Sprintf("%s-%04d", prefix, m.next)
}

// hit keeps a hit for its follow-up.
func (m *fakeMatching) hit(partner, typ, strength string, ctx context.Context) (id, ref string) {
	id = m.id("hit")
	ref = fmt.Sprintf("7c3e9a51d2b0%04x", m.next)
	m.hits[id] = &matchsvc.FollowUpSent{HitID: id, Partner: partner, Type: typ, Strength: strength, Reference: ref,
		CaseRef: access.JustificationFrom(ctx).CaseRef}
	return id, ref
}

func (m *fakeMatching) FollowUp(ctx context.Context, hitID string, _ matchsvc.FollowUpRequest) (*matchsvc.FollowUpSent, error) {
	j := access.JustificationFrom(ctx)
	if j.CaseRef == "" || strings.TrimSpace(j.Text) == "" {
		return nil, errs.E(errs.Precondition, "justification", "a follow-up needs a case reference and a justification text: the holder decides on it")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.hits[hitID]
	if !ok {
		return nil, errs.E(errs.NotExist, "hit", "no such hit")
	}
	if !h.SentAt.IsZero() {
		return nil, errs.E(errs.Conflict, "hit", "this hit was followed up on "+h.SentAt.Format(time.RFC3339))
	}
	if err := m.audit.record(ctx, audit.Disclose, "hit follow-up sent", audit.Ref{Type: "match-hit", ID: hitID}); err != nil {
		return nil, err
	}
	h.SentAt, h.MessageID, h.CaseRef = time.Now().UTC(), m.id("msg"), j.CaseRef
	m.sent = append([]matchsvc.FollowUpSent{*h}, m.sent...)
	return h, nil
}

func (m *fakeMatching) SentFollowUps(ctx context.Context, limit int) ([]matchsvc.FollowUpSent, error) {
	if err := m.audit.record(ctx, audit.Consult, "hit follow-ups sent listed"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sent[:min(limit, len(m.sent))]), nil
}

func (m *fakeMatching) ReceivedFollowUps(ctx context.Context, limit int) ([]matchsvc.FollowUp, error) {
	if p, _ := access.From(ctx); p.Role != access.SPOC {
		return nil, errs.E(errs.Permission, "the SPOC sees partners' follow-ups")
	}
	if err := m.audit.record(ctx, audit.Consult, "hit follow-ups listed"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.received[:min(limit, len(m.received))]), nil
}

func (m *fakeMatching) Answer(ctx context.Context, id string, req matchsvc.AnswerRequest) error {
	if p, _ := access.From(ctx); p.Role != access.SPOC {
		return errs.E(errs.Permission, "only the SPOC answers follow-ups")
	}
	if !slices.Contains([]string{"shared", "declined", "no-record"}, req.Outcome) {
		return errs.E(errs.Invalid, "outcome", "outcome must be shared, declined or no-record")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.received {
		f := &m.received[i]
		if f.ID != id {
			continue
		}
		if f.State == "answered" {
			return errs.E(errs.Conflict, "id", "the follow-up was answered already")
		}
		if err := m.audit.record(ctx, audit.Alter, "hit follow-up answered: "+req.Outcome, audit.Ref{Type: "match-follow-up", ID: id}); err != nil {
			return err
		}
		p, _ := access.From(ctx)
		f.State, f.Due, f.Outcome, f.Note, f.AnsweredBy, f.AnsweredAt = "answered", "done", req.Outcome, req.Note, p.Username, time.Now().UTC()
		return nil
	}
	return errs.E(errs.NotExist, "id", "no such follow-up")
}

func (m *fakeMatching) Status(context.Context) (*matchsvc.Status, error) {
	now := time.Now().UTC()
	return &matchsvc.Status{Ready: true, Records: 2, Partners: []matchsvc.RemoteStatus{
		{Partner: "DE-BKA", Epoch: 120, NotAfter: now.Add(20 * time.Hour), Entries: 4096, Version: 31, FetchedAt: now.Add(-12 * time.Second)},
		{Partner: "FR-NCB", Epoch: 120, NotAfter: now.Add(20 * time.Hour), Entries: 1024, Version: 7, FetchedAt: now.Add(-8 * time.Second)},
	}}, nil
}

func (m *fakeMatching) Alerts(context.Context, int) ([]matchsvc.Alert, error) {
	return []matchsvc.Alert{{At: time.Now().UTC().Add(-4 * time.Hour), Kind: "burst", Partner: "FR-NCB", Type: "phone", Observed: 180, Threshold: 120,
		Detail: "180 phone evaluations in 10 minutes"}}, nil
}

// fakeWitness: DE-BKA and this node cosign each other's logs; FR-NCB has
// not answered yet; UA-NCB showed two versions of its log.
type fakeWitness struct{}

func (fakeWitness) Partners(context.Context) ([]witness.Partner, error) {
	now := time.Now().UTC()
	return []witness.Partner{
		{Agency: "DE-BKA", Witness: "liaison.DE-BKA/witness", Seen: &witness.Checkpoint{Size: 18_204, At: now.Add(-3 * time.Minute)},
			CosignedSize: 9_377, CosignedAt: now.Add(-2 * time.Minute), ReportedSize: 9_377, SentSize: 9_377, SentAt: now.Add(-2 * time.Minute)},
		{Agency: "FR-NCB", Witness: "liaison.FR-NCB/witness", SentSize: 9_377, SentAt: now.Add(-1 * time.Minute), LastError: "FR-NCB did not answer in time"},
	}, nil
}

func (fakeWitness) Alerts(context.Context) ([]witness.Alert, error) {
	return []witness.Alert{{ID: 1, Origin: "UA-NCB", Size: 5_120, Reason: "split-view", Via: "DE-BKA",
		Detail: "two checkpoints of size 5120 with different roots", CreatedAt: time.Now().UTC().Add(-26 * time.Hour)}}, nil
}
