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
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/web"
)

// The fakes below stand in for capability services whose wiring into a
// node is not done yet. They keep the services' contracts that the portal
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

// fakeSharing stands in for sharing a record with a partner (the record
// service decides and records the disclosure, federation delivers it),
// which no service offers yet: it records the disclosure event.
type fakeSharing struct{ audit *auditRec }

// Share implements web.RecordSharing.
func (f fakeSharing) Share(ctx context.Context, id, partner string, purpose policy.Purpose) error {
	e := audit.New(ctx, audit.Disclose, audit.Ref{Type: "record", ID: id})
	e.Recipients, e.Purpose = []string{partner}, string(purpose)
	if access.JustificationFrom(ctx).Empty() {
		return errs.E(errs.Precondition, "justification", "justification required")
	}
	f.audit.add(e)
	return nil
}

// fakeMatching answers hit for one passport at DE-BKA, no hit elsewhere,
// and unavailable for a partner without a current table.
type fakeMatching struct{ audit *auditRec }

func (fakeMatching) Types() []string {
	return []string{"passport", "id-number", "phone", "email", "iban", "plate", "vin", "person"}
}

func (m fakeMatching) Query(ctx context.Context, q web.MatchQuery) ([]web.MatchResult, error) {
	if err := m.audit.record(ctx, audit.Consult, "hit/no-hit query "+q.Type); err != nil {
		return nil, err
	}
	var out []web.MatchResult
	for _, p := range []string{"DE-BKA", "FR-NCB", "UA-NCB"} {
		if len(q.Partners) > 0 && !slices.Contains(q.Partners, p) {
			continue
		}
		switch {
		case p == "UA-NCB":
			out = append(out, web.MatchResult{Partner: p, Outcome: web.MatchUnavailable, Detail: "no current table: partner suspended"})
		case p == "DE-BKA" && strings.EqualFold(strings.ReplaceAll(q.Value, " ", ""), "FX123456"):
			out = append(out, web.MatchResult{Partner: p, Outcome: web.MatchHit, Ref: "7c3e9a51d2b04f8e", Strength: "strong"})
		default:
			out = append(out, web.MatchResult{Partner: p, Outcome: web.MatchNoHit})
		}
	}
	return out, nil
}
