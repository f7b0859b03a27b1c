package web_test

import (
	"bufio"
	"context"
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
	"github.com/liaison-project/liaison/internal/ftm"
	"github.com/liaison-project/liaison/internal/notice"
	"github.com/liaison-project/liaison/internal/notice/lookup"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
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

// fakeRecords holds a few records with names in several scripts.
type fakeRecords struct {
	audit   *auditRec
	mu      sync.Mutex
	records map[string]*record.Record
	order   []string
}

func newFakeRecords(a *auditRec) *fakeRecords {
	f := &fakeRecords{audit: a, records: map[string]*record.Record{}}
	env := func(tlp policy.TLP, h policy.Handling, orig string) policy.Envelope {
		return policy.Envelope{Originator: orig, OriginatorCountry: orig[:2], Handling: h, TLP: tlp, SourceReliability: policy.SourceB,
			InformationReliability: policy.Info2, Purpose: policy.PurposeCriminalInvestigation, LegalBasis: "Police Data Act, s. 9",
			ReviewDate: time.Now().AddDate(3, 0, 0).UTC(), CaseRef: "NL-2026-0042"}
	}
	person := func(id, name, birth, nat, passport string) ftm.Entity {
		p := map[string][]string{"name": {name}, "birthDate": {birth}, "nationality": {nat}}
		if passport != "" {
			p["passportNumber"] = []string{passport}
		}
		return ftm.Entity{ID: id, Schema: "Person", Properties: p}
	}
	f.put(&record.Record{ID: "0190a1b2-0000-7000-8000-000000000001", Version: 2, State: record.StateActive, Title: "Cash couriers on the A12 corridor",
		Narrative: "Two couriers moved cash in a car with Ukrainian plates through Utrecht on 3 March.", Assessment: "The couriers probably work for the same network.",
		CaseRef: "NL-2026-0042", Envelope: env(policy.TLPAmber, policy.H0|policy.H2, "NL-NCB"),
		Entities: []ftm.Entity{person("p1", "Олександр Коваленко", "1984-05-12", "ua", "FX123456"), person("p2", "أحمد الحسن", "1990-01-30", "ma", ""),
			{ID: "c1", Schema: "Vehicle", Properties: map[string][]string{"registrationNumber": {"AA1234BB"}, "model": {"Škoda Octavia"}}},
			{ID: "a1", Schema: "Associate", Properties: map[string][]string{"person": {"p1"}, "associate": {"p2"}, "relationship": {"co-courier"}}}},
		DataSubjects: map[string]policy.DataSubjectCategory{"p1": policy.CategorySuspect, "p2": policy.CategoryContact}, Assessments: []string{"a1"},
		CreatedBy: "u-inv", CreatedAt: time.Now().Add(-48 * time.Hour).UTC(), UpdatedAt: time.Now().Add(-2 * time.Hour).UTC()})
	f.put(&record.Record{ID: "0190a1b2-0000-7000-8000-000000000002", Version: 1, State: record.StateActive, Title: "Passport FX123456 used at Schiphol",
		Narrative: "The passport was presented at Schiphol on 5 March.", CaseRef: "NL-2026-0042", Envelope: env(policy.TLPRed, policy.H1, "DE-BKA"),
		Entities:     []ftm.Entity{person("q1", "Oleksandr Kovalenko", "1984-05-12", "ua", "FX123456")},
		DataSubjects: map[string]policy.DataSubjectCategory{"q1": policy.CategorySuspect},
		Provenance:   &record.Provenance{From: "DE-BKA", OriginVersion: 1, ReceivedAt: time.Now().Add(-24 * time.Hour)},
		CreatedAt:    time.Now().Add(-24 * time.Hour).UTC(), UpdatedAt: time.Now().Add(-24 * time.Hour).UTC()})
	f.records["0190a1b2-0000-7000-8000-000000000002"].Envelope.TLPRecipients = []string{"NL-NCB"}
	f.records["0190a1b2-0000-7000-8000-000000000002"].Envelope.ReceivedFrom = "DE-BKA"
	return f
}

func (f *fakeRecords) put(r *record.Record) {
	f.records[r.ID] = r
	f.order = append(f.order, r.ID)
}

func summary(r *record.Record) record.Summary {
	return record.Summary{ID: r.ID, Version: r.Version, State: r.State, Title: r.Title, CaseRef: r.CaseRef, Originator: r.Envelope.Originator,
		TLP: r.Envelope.TLP, Handling: r.Envelope.Handling, ReviewDate: r.Envelope.ReviewDate, EntityCount: len(r.Entities),
		Copy: r.Envelope.IsCopy(), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Rule: "allow.originator"}
}

// matches is a stand-in for the real search: case-insensitive words in the
// title, narrative or names, including a transliteration of Коваленко.
func matches(r *record.Record, q record.Query) bool {
	if q.CaseRef != "" && r.CaseRef != q.CaseRef {
		return false
	}
	if q.Text == "" {
		return true
	}
	hay := strings.ToLower(r.Title + " " + r.Narrative)
	for _, e := range r.Entities {
		hay += " " + strings.ToLower(strings.Join(e.Properties["name"], " "))
	}
	if strings.Contains(hay, "коваленко") {
		hay += " kovalenko"
	}
	for _, w := range strings.Fields(strings.ToLower(q.Text)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

func (f *fakeRecords) Search(ctx context.Context, q record.Query) (*record.Result, error) {
	if err := f.audit.record(ctx, audit.Consult, "record search"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	res := &record.Result{Items: []record.Summary{}}
	for _, id := range f.order {
		if r := f.records[id]; r.State == record.StateActive && matches(r, q) {
			res.Items = append(res.Items, summary(r))
		}
	}
	res.Total = len(res.Items)
	if q.Facets {
		res.Facets = &record.Facets{Schema: []record.FacetValue{{Value: "Person", Count: res.Total}}, Originator: []record.FacetValue{{Value: "NL-NCB", Count: 1}, {Value: "DE-BKA", Count: 1}}}
	}
	return res, nil
}

func (f *fakeRecords) get(id string) (*record.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.records[id]
	if !ok {
		return nil, errs.E(errs.NotExist, "id", "no such record")
	}
	c := *r
	return &c, nil
}

func (f *fakeRecords) Get(ctx context.Context, id string) (*record.Record, policy.Decision, error) {
	r, err := f.get(id)
	if err != nil {
		return nil, policy.Decision{}, err
	}
	if err := f.audit.record(ctx, audit.Consult, "record read", audit.Ref{Type: "record", ID: id}); err != nil {
		return nil, policy.Decision{}, err
	}
	return r, policy.Decision{Allowed: true, Rule: "allow.originator"}, nil
}

func (f *fakeRecords) Versions(ctx context.Context, id string) ([]record.VersionInfo, error) {
	r, err := f.get(id)
	if err != nil {
		return nil, err
	}
	out := []record.VersionInfo{{Version: 1, Change: record.ChangeCreate, Actor: "u-inv", At: r.CreatedAt}}
	if r.Version > 1 {
		out = append(out, record.VersionInfo{Version: 2, Change: record.ChangeUpdate, Actor: "u-inv", At: r.UpdatedAt})
	}
	return out, nil
}

func (f *fakeRecords) Correlations(ctx context.Context, id string) (*record.Correlations, error) {
	c := &record.Correlations{RecordID: id}
	other := map[string]string{"0190a1b2-0000-7000-8000-000000000001": "0190a1b2-0000-7000-8000-000000000002",
		"0190a1b2-0000-7000-8000-000000000002": "0190a1b2-0000-7000-8000-000000000001"}[id]
	if o, err := f.get(other); err == nil {
		c.Identifiers = []record.Correlation{{Kind: "passport", Value: "FX123456", EntityIDs: []string{"p1"},
			Records: []record.CorrelatedRecord{{ID: o.ID, Title: o.Title, Originator: o.Envelope.Originator, Rule: "allow.originator"}}}}
	}
	return c, nil
}

func (f *fakeRecords) Holders(_ context.Context, id string) ([]record.Holder, error) {
	if id == "0190a1b2-0000-7000-8000-000000000001" {
		return []record.Holder{{RecordID: id, Agency: "DE-BKA", Version: 2, UpdatedAt: time.Now().Add(-time.Hour)}}, nil
	}
	return nil, nil
}

func (f *fakeRecords) Create(ctx context.Context, d record.Draft) (*record.Record, error) {
	if strings.TrimSpace(d.Title) == "" {
		return nil, errs.E(errs.Invalid, "title", "a title is required")
	}
	if d.Envelope.LegalBasis == "" {
		return nil, errs.E(errs.Invalid, "envelope.legalBasis", "state the legal basis")
	}
	f.mu.Lock()
	id := fmt.Sprintf("0190a1b2-0000-7000-8000-%012d", len(f.order)+1)
	d.Envelope.Originator, d.Envelope.OriginatorCountry = "NL-NCB", "NL"
	if d.Envelope.ReviewDate.IsZero() {
		d.Envelope.ReviewDate = time.Now().AddDate(3, 0, 0).UTC()
	}
	r := &record.Record{ID: id, Version: 1, State: record.StateActive, Title: d.Title, Narrative: d.Narrative, Assessment: d.Assessment,
		CaseRef: d.CaseRef, Entities: d.Entities, DataSubjects: d.DataSubjects, Envelope: d.Envelope, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	f.put(r)
	f.mu.Unlock()
	return r, f.audit.record(ctx, audit.Collect, "record created", audit.Ref{Type: "record", ID: id})
}

func (f *fakeRecords) Import(ctx context.Context, r io.Reader, opts record.ImportOptions, _ func(record.ImportProgress)) (*record.ImportSummary, error) {
	sum := &record.ImportSummary{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		sum.Lines++
		if strings.TrimSpace(sc.Text()) != "" {
			sum.Entities++
		}
	}
	sum.Records = 1
	return sum, f.audit.record(ctx, audit.Collect, "records imported")
}

func (f *fakeRecords) Withdraw(ctx context.Context, id string) (*record.Record, error) {
	f.mu.Lock()
	r, ok := f.records[id]
	if ok {
		r.State, r.Version = record.StateWithdrawn, r.Version+1
	}
	f.mu.Unlock()
	if !ok {
		return nil, errs.E(errs.NotExist, "id", "no such record")
	}
	return r, f.audit.record(ctx, audit.Alter, "record withdrawn", audit.Ref{Type: "record", ID: id})
}

// Share implements web.RecordSharing.
func (f *fakeRecords) Share(ctx context.Context, id, partner string, purpose policy.Purpose) error {
	e := audit.New(ctx, audit.Disclose, audit.Ref{Type: "record", ID: id})
	e.Recipients, e.Purpose = []string{partner}, string(purpose)
	if access.JustificationFrom(ctx).Empty() {
		return errs.E(errs.Precondition, "justification", "justification required")
	}
	f.audit.add(e)
	return nil
}

// fakeNotices keeps notices in memory and runs the real lifecycle, the
// real screening and the real border index of internal/notice.
type fakeNotices struct {
	audit   *auditRec
	index   *lookup.Index
	mu      sync.Mutex
	notices map[string]*notice.Notice
	next    int
}

func newFakeNotices(a *auditRec) (*fakeNotices, error) {
	x := lookup.New(lookup.Options{})
	for _, al := range []notice.Alert{
		{Kind: notice.TravelDocument, Status: notice.Stolen, DocumentType: notice.Passport, DocumentNumber: "X1234567", Country: "FR", Contact: "NCB Lyon", Reference: "FR-2026-117", Originator: "FR-NCB"},
		{Kind: notice.Vehicle, Status: notice.Stolen, Plate: "AA1234BB", Country: "UA", Contact: "NCB Kyiv", Reference: "UA-88-2026", Originator: "UA-NCB"},
	} {
		if err := al.Normalize(); err != nil {
			return nil, err
		}
		if err := x.Add(al); err != nil {
			return nil, err
		}
	}
	return &fakeNotices{audit: a, index: x, notices: map[string]*notice.Notice{}}, nil
}

func (f *fakeNotices) ListNotices(ctx context.Context, flt web.NoticeFilter) ([]notice.Notice, error) {
	if err := f.audit.record(ctx, audit.Consult, "notice list"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []notice.Notice
	for _, n := range f.notices {
		if len(flt.States) == 0 || slices.Contains(flt.States, n.State) {
			out = append(out, *n)
		}
	}
	slices.SortFunc(out, func(a, b notice.Notice) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (f *fakeNotices) GetNotice(ctx context.Context, id string) (*notice.Notice, error) {
	if err := f.audit.record(ctx, audit.Consult, "notice read", audit.Ref{Type: "notice", ID: id}); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.notices[id]
	if !ok {
		return nil, errs.E(errs.NotExist, "id", "no such notice")
	}
	c := *n
	return &c, nil
}

func (f *fakeNotices) CreateNotice(ctx context.Context, n notice.Notice) (*notice.Notice, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.next++
	n.ID, n.State = fmt.Sprintf("N-%04d", f.next), notice.Draft
	f.notices[n.ID] = &n
	f.mu.Unlock()
	return &n, f.audit.record(ctx, audit.Collect, "notice drafted", audit.Ref{Type: "notice", ID: n.ID})
}

func (f *fakeNotices) change(ctx context.Context, id string, kind audit.Kind, reason string, fn func(p access.Principal, n *notice.Notice) error) (*notice.Notice, error) {
	p, _ := access.From(ctx)
	f.mu.Lock()
	n, ok := f.notices[id]
	if !ok {
		f.mu.Unlock()
		return nil, errs.E(errs.NotExist, "id", "no such notice")
	}
	work := *n
	err := fn(p, &work)
	if err == nil {
		*n = work
		if n.Active(time.Now()) {
			err = f.index.AddNotice(*n, time.Now())
		}
	}
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &work, f.audit.record(ctx, kind, reason, audit.Ref{Type: "notice", ID: id})
}

func (f *fakeNotices) SubmitNotice(ctx context.Context, id string) (*notice.Notice, error) {
	return f.change(ctx, id, audit.Alter, "notice submitted", func(p access.Principal, n *notice.Notice) error {
		return n.Submit(p, time.Now(), nil)
	})
}

func (f *fakeNotices) DecideNotice(ctx context.Context, id string, d notice.Decision) (*notice.Notice, error) {
	return f.change(ctx, id, audit.Alter, "notice "+string(d.Outcome), func(p access.Principal, n *notice.Notice) error {
		return n.Decide(p, d, time.Now())
	})
}

// fakeBorder answers from the notices' border index and audits each check.
type fakeBorder struct{ n *fakeNotices }

func (b fakeBorder) lookup(ctx context.Context, what string) error {
	return b.n.audit.record(ctx, audit.Consult, "border lookup "+what)
}

func (b fakeBorder) LookupDocument(ctx context.Context, number, country string) (lookup.Hit, bool, error) {
	if err := b.lookup(ctx, "document"); err != nil {
		return lookup.Hit{}, false, err
	}
	return b.n.index.Document(number, country)
}

func (b fakeBorder) LookupPlate(ctx context.Context, plate, country string) (lookup.Hit, bool, error) {
	if err := b.lookup(ctx, "plate"); err != nil {
		return lookup.Hit{}, false, err
	}
	return b.n.index.Plate(plate, country)
}

func (b fakeBorder) LookupVIN(ctx context.Context, vin string) (lookup.Hit, bool, error) {
	if err := b.lookup(ctx, "vin"); err != nil {
		return lookup.Hit{}, false, err
	}
	return b.n.index.VIN(vin)
}

func (b fakeBorder) LookupPerson(ctx context.Context, name, birth string) ([]lookup.PersonHit, error) {
	if err := b.lookup(ctx, "person"); err != nil {
		return nil, err
	}
	return b.n.index.Person(name, birth)
}

// fakeMatching answers hit for one passport at DE-BKA, no hit elsewhere,
// and unavailable for a partner without a current table.
type fakeMatching struct{ audit *auditRec }

func (fakeMatching) Types() []string { return []string{"passport", "id-number", "phone", "email", "iban", "plate", "vin", "person"} }

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
