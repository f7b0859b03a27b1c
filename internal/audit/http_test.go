package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/db/dbtest"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/httpx"
)

// fakeAuth authenticates "Bearer role:userid".
type fakeAuth struct{}

func (fakeAuth) Authenticate(r *http.Request) (access.Principal, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return access.Principal{}, errs.E(errs.Unauthorized, "no token")
	}
	role, user, _ := strings.Cut(tok, ":")
	return access.Principal{UserID: user, Username: user, Role: access.Role(role), Agency: testAgency}, nil
}

type apiServer struct {
	t   *testing.T
	d   *db.DB
	l   *Log
	srv *httptest.Server
}

func newAPIServer(t *testing.T, cfg Config) *apiServer {
	t.Helper()
	d := dbtest.Open(t, Schema)
	l, err := Open(context.Background(), d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	h, err := api.Handler(api.Config{Log: log, Auth: fakeAuth{}}, l.Routes())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpx.Common(log, h))
	t.Cleanup(srv.Close)
	return &apiServer{t: t, d: d, l: l, srv: srv}
}

// call performs a request as principal "role:user" with a justification
// (when justify), decoding a JSON answer into out.
func (s *apiServer) call(method, path, who string, justify bool, body any, out any) *http.Response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+who)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if justify {
		req.Header.Set("Liaison-Justification", "complaint 2025/7 by a data subject")
		req.Header.Set("Liaison-Case", "DPO-2025-7")
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp
}

// eventsWithRequestID returns the stored events written for a request.
func eventsWithRequestID(t *testing.T, l *Log, id string) []Event {
	t.Helper()
	es, err := l.Search(context.Background(), Filter{}, 0, MaxSearchLimit)
	if err != nil {
		t.Fatal(err)
	}
	var out []Event
	for _, e := range es {
		if e.Event.RequestID == id {
			out = append(out, e.Event)
		}
	}
	return out
}

// TestPersonalRoutesAreAudited runs every route that reads personal data:
// each answers only with a justification, and writes its consult event
// (carrying the justification) before answering. A new personal route
// without a case here fails the test.
func TestPersonalRoutesAreAudited(t *testing.T) {
	s := newAPIServer(t, testConfig())
	appendEvents(t, s.d, s.l, 0, 12)
	if _, err := s.l.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{ // "METHOD pattern" → request path
		"GET /api/v1/audit/events":         "/api/v1/audit/events?actor=u1&limit=5",
		"GET /api/v1/audit/events/{index}": "/api/v1/audit/events/3",
		"GET /api/v1/audit/export":         "/api/v1/audit/export?start=2&end=6",
	}
	for _, rt := range s.l.Routes() {
		if !rt.Personal {
			continue
		}
		key := rt.Method + " " + rt.Path
		path, ok := cases[key]
		if !ok {
			t.Errorf("personal route %s has no audit test case", key)
			continue
		}
		t.Run(key, func(t *testing.T) {
			resp := s.call(rt.Method, path, "dpo:dpo-1", false, nil, nil)
			if resp.StatusCode != http.StatusPreconditionRequired {
				t.Fatalf("without justification: %d, want 428", resp.StatusCode)
			}
			var p httpx.Problem
			json.NewDecoder(resp.Body).Decode(&p)
			if !strings.Contains(p.Detail, "justification") || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("428 problem does not say a justification is needed: %+v", p)
			}
			if n := len(eventsWithRequestID(t, s.l, resp.Header.Get("X-Request-Id"))); n != 0 {
				t.Fatalf("refused request wrote %d events", n)
			}
			resp = s.call(rt.Method, path, "dpo:dpo-1", true, nil, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			evs := eventsWithRequestID(t, s.l, resp.Header.Get("X-Request-Id"))
			if len(evs) != 1 {
				t.Fatalf("%d events for the request, want 1", len(evs))
			}
			e := evs[0]
			if e.Kind != Consult || e.ActorID != "dpo-1" || e.Role != access.DPO || e.CaseRef != "DPO-2025-7" ||
				e.Justification == "" || e.Objects[0] != (Ref{Type: "audit-log", ID: s.l.Keys().Origin()}) {
				t.Fatalf("event %+v", e)
			}
			// Officers without oversight roles are refused, unaudited.
			if resp := s.call(rt.Method, path, "investigator:inv-1", true, nil, nil); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("investigator: %d, want 403", resp.StatusCode)
			}
		})
	}
}

// TestReadFailsWithoutItsEvent: when the consult event cannot be written,
// the search answers with an error, not with the events.
func TestReadFailsWithoutItsEvent(t *testing.T) {
	s := newAPIServer(t, testConfig())
	appendEvents(t, s.d, s.l, 0, 3)
	if _, err := s.d.ExecContext(context.Background(), `DROP TABLE audit_objects`); err != nil {
		t.Fatal(err)
	}
	resp := s.call("GET", "/api/v1/audit/events", "dpo:dpo-1", true, nil, nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusInternalServerError || bytes.Contains(body, []byte("rec-1")) {
		t.Fatalf("search without its audit event: %d %s", resp.StatusCode, body)
	}
}

func TestSearchPagingAndFilters(t *testing.T) {
	s := newAPIServer(t, testConfig())
	ctx := context.Background()
	appendEvents(t, s.d, s.l, 0, 30)
	mid := time.Now()
	time.Sleep(2 * time.Millisecond)
	login := New(access.With(ctx, access.Principal{UserID: "u9", Role: access.Admin, Agency: "NL-NCB"}), Login, Ref{Type: "user", ID: "u9"})
	if err := s.d.Write(ctx, func(tx *db.Tx) error { return s.l.Append(ctx, tx, login) }); err != nil {
		t.Fatal(err)
	}

	// Paging through everything: newest first, no duplicates, no gaps.
	var seen []uint64
	path := "/api/v1/audit/events?limit=7"
	for {
		var page httpx.Page[Entry]
		if resp := s.call("GET", path, "admin:adm", true, nil, &page); resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		for _, e := range page.Items {
			seen = append(seen, e.Index)
		}
		if page.NextCursor == "" {
			break
		}
		path = "/api/v1/audit/events?limit=7&cursor=" + page.NextCursor
	}
	// 31 events plus the audit events of the earlier pages' searches,
	// which are newer than the first page and so never show in this walk.
	if len(seen) != 31 || seen[0] != 30 || seen[30] != 0 {
		t.Fatalf("paged %d events: %v", len(seen), seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] != seen[i-1]-1 {
			t.Fatalf("page order broken at %d: %v", i, seen)
		}
	}

	count := func(query string) int {
		var page httpx.Page[Entry]
		if resp := s.call("GET", "/api/v1/audit/events?limit=500&"+query, "dpo:dpo-1", true, nil, &page); resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", query, resp.StatusCode)
		}
		return len(page.Items)
	}
	at := url.QueryEscape(mid.UTC().Format(time.RFC3339Nano))
	// In this order: a search is itself an event with its filter as
	// objects, so after a search for object rec-7 the next one finds it.
	for _, c := range []struct {
		query string
		want  int
	}{
		{"actor=u1", 6},
		{"kind=login", 1},
		{"agency=NL-NCB&kind=consult&to=" + at, 30}, // the audited searches come later
		{"object=rec-7", 1},
		{"object=rec-7&objectType=entity", 0},
		{"object=rec-7", 3}, // the event, and the two searches for it
		{"case=CASE-2", 10},
		{"kind=login&from=" + at, 1},
	} {
		if got := count(c.query); got != c.want {
			t.Errorf("%s: %d events, want %d", c.query, got, c.want)
		}
	}
	for _, bad := range []string{"from=yesterday", "kind=CONSULT", "objectType=record", "limit=0", "cursor=abc!",
		"from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z"} {
		if resp := s.call("GET", "/api/v1/audit/events?"+bad, "dpo:dpo-1", true, nil, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad, resp.StatusCode)
		}
	}
}

// TestSearchesAreSearchable: a search is a consult event whose objects are
// the filter, so the DPO's own searches can be found.
func TestSearchesAreSearchable(t *testing.T) {
	s := newAPIServer(t, testConfig())
	appendEvents(t, s.d, s.l, 0, 5)
	s.call("GET", "/api/v1/audit/events?actor=u3&case=CASE-0", "dpo:dpo-1", true, nil, nil)
	var page httpx.Page[Entry]
	s.call("GET", "/api/v1/audit/events?object=u3&objectType=filter:actor", "admin:adm", true, nil, &page)
	if len(page.Items) != 1 {
		t.Fatalf("found %d searches for actor u3, want 1", len(page.Items))
	}
	e := page.Items[0].Event
	if e.ActorID != "dpo-1" || e.Reason != "audit search" || !containsRef(e.Objects, Ref{Type: "filter:case", ID: "CASE-0"}) {
		t.Fatalf("search event %+v", e)
	}
}

func containsRef(refs []Ref, r Ref) bool {
	for _, x := range refs {
		if x == r {
			return true
		}
	}
	return false
}

func TestProofAPI(t *testing.T) {
	s := newAPIServer(t, testConfig())
	ctx := context.Background()
	appendEvents(t, s.d, s.l, 0, 21)
	var first CheckpointInfo
	if resp := s.call("POST", "/api/v1/audit/checkpoint", "dpo:dpo-1", false, nil, &first); resp.StatusCode != 200 {
		t.Fatalf("sign: %d", resp.StatusCode)
	}
	appendEvents(t, s.d, s.l, 21, 16)
	var latest CheckpointInfo
	s.call("POST", "/api/v1/audit/checkpoint", "admin:adm", false, nil, nil)
	if resp := s.call("GET", "/api/v1/audit/checkpoint", "border:b1", false, nil, &latest); resp.StatusCode != 200 {
		t.Fatalf("checkpoint: %d", resp.StatusCode)
	}
	v, err := note.NewVerifier(latest.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := OpenCheckpoint([]byte(latest.Note), v)
	if err != nil || c.Size != 37 {
		t.Fatalf("checkpoint %+v: %v", c, err)
	}
	for _, idx := range []uint64{0, 5, 20, 36} {
		var p InclusionProof
		if resp := s.call("GET", fmt.Sprintf("/api/v1/audit/proofs/inclusion?index=%d", idx), "analyst:a1", false, nil, &p); resp.StatusCode != 200 {
			t.Fatalf("inclusion %d: %d", idx, resp.StatusCode)
		}
		if p.Size != 37 {
			t.Fatalf("proof for size %d", p.Size)
		}
		if err := p.Verify(c.Root); err != nil {
			t.Fatal(err)
		}
		e, err := s.l.Entry(ctx, idx)
		if err != nil || !bytes.Equal(e.LeafHash, p.LeafHash) {
			t.Fatalf("proof is for another leaf: %v", err)
		}
	}
	var cp ConsistencyProof
	if resp := s.call("GET", "/api/v1/audit/proofs/consistency?from=21", "analyst:a1", false, nil, &cp); resp.StatusCode != 200 {
		t.Fatalf("consistency: %d", resp.StatusCode)
	}
	if err := cp.Verify(first.Root, c.Root); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"inclusion?index=37", "inclusion?index=1&size=99", "inclusion", "inclusion?index=-1",
		"consistency?from=38", "consistency?from=3&to=99", "consistency"} {
		if resp := s.call("GET", "/api/v1/audit/proofs/"+bad, "analyst:a1", false, nil, nil); resp.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", bad, resp.StatusCode)
		}
	}
	// Forged, truncated and mismatched proofs are rejected with a reason.
	var p InclusionProof
	s.call("GET", "/api/v1/audit/proofs/inclusion?index=5", "analyst:a1", false, nil, &p)
	forged := p
	forged.Hashes = append([][]byte{}, p.Hashes...)
	forged.Hashes[0] = bytes.Repeat([]byte{1}, 32)
	truncated := p
	truncated.Hashes = p.Hashes[:len(p.Hashes)-1]
	other := p
	other.Index = 6
	for name, bad := range map[string]InclusionProof{"forged": forged, "truncated": truncated, "other index": other} {
		if err := bad.Verify(c.Root); err == nil {
			t.Errorf("%s inclusion proof verified", name)
		}
	}
	if err := p.Verify(first.Root); err == nil {
		t.Error("inclusion proof verified against the root of another size")
	}
	badCons := cp
	badCons.Hashes = cp.Hashes[1:]
	if err := badCons.Verify(first.Root, c.Root); err == nil {
		t.Error("truncated consistency proof verified")
	}
	if err := cp.Verify(c.Root, first.Root); err == nil {
		t.Error("consistency proof verified with swapped roots")
	}
}

func TestEventWithProof(t *testing.T) {
	s := newAPIServer(t, testConfig())
	appendEvents(t, s.d, s.l, 0, 9)
	s.l.Checkpoint(context.Background())
	var ev EventWithProof
	if resp := s.call("GET", "/api/v1/audit/events/4", "dpo:d", true, nil, &ev); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	c, _, err := OpenCheckpoint([]byte(ev.Checkpoint), s.l.Keys().Verifier())
	if err != nil {
		t.Fatal(err)
	}
	if ev.Proof == nil || ev.Index != 4 || ev.Proof.Verify(c.Root) != nil {
		t.Fatalf("event 4 with proof: %+v", ev)
	}
	if resp := s.call("GET", "/api/v1/audit/events/999", "dpo:d", true, nil, nil); resp.StatusCode != 404 {
		t.Fatalf("missing event: %d", resp.StatusCode)
	}
}

func TestExportVerifies(t *testing.T) {
	s := newAPIServer(t, testConfig())
	appendEvents(t, s.d, s.l, 0, 10)
	time.Sleep(2 * time.Millisecond)
	from := time.Now()
	appendEvents(t, s.d, s.l, 10, 25)
	to := time.Now()
	time.Sleep(2 * time.Millisecond)
	appendEvents(t, s.d, s.l, 35, 5)

	q := url.Values{"from": {from.UTC().Format(time.RFC3339Nano)}, "to": {to.UTC().Format(time.RFC3339Nano)}}
	resp := s.call("GET", "/api/v1/audit/export?"+q.Encode(), "dpo:d", true, nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/jsonl" {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	export, _ := io.ReadAll(resp.Body)
	rep, err := VerifyExport(bytes.NewReader(export), s.l.Keys().Verifier(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem != nil || rep.Events != 25 || rep.Header.Start != 10 || rep.Header.End != 35 {
		t.Fatalf("export report %+v, problem %v", rep, rep.Problem)
	}

	lines := strings.SplitAfter(string(export), "\n")
	lines = lines[:len(lines)-1] // after the final newline
	edit := func(mut func([]string) []string) []byte {
		return []byte(strings.Join(mut(append([]string{}, lines...)), ""))
	}
	swapEvent := func(i int, f func(*ExportLine)) func([]string) []string {
		return func(ls []string) []string {
			var l ExportLine
			json.Unmarshal([]byte(ls[i]), &l)
			f(&l)
			b, _ := json.Marshal(l)
			ls[i] = string(b) + "\n"
			return ls
		}
	}
	other, _ := NewKeys(s.l.Keys().Origin(), testKey(9))
	cases := map[string]struct {
		export []byte
		want   uint64
	}{
		"edited readable event": {edit(swapEvent(3, func(l *ExportLine) { l.Event.ActorID = "u-innocent" })), 12},
		"edited leaf":           {edit(swapEvent(3, func(l *ExportLine) { l.Leaf[len(l.Leaf)-1] ^= 1 })), 12},
		"deleted line":          {edit(func(ls []string) []string { return append(ls[:5], ls[6:]...) }), 14},
		"swapped lines":         {edit(func(ls []string) []string { ls[5], ls[9] = ls[9], ls[5]; return ls }), 14},
		"truncated":             {edit(func(ls []string) []string { return ls[:20] }), 29},
		"appended line":         {edit(func(ls []string) []string { return append(ls, ls[len(ls)-1]) }), 35},
		"forged proof":          {edit(swapEvent(2, func(l *ExportLine) { l.Proof[0] = bytes.Repeat([]byte{7}, 32) })), 11},
		"foreign checkpoint": {edit(func(ls []string) []string {
			var h ExportHeader
			json.Unmarshal([]byte(ls[0]), &h)
			c, _, _ := OpenCheckpoint([]byte(h.Checkpoint), s.l.Keys().Verifier())
			h.Checkpoint = string(signCheckpoint(t, other, c))
			b, _ := json.Marshal(h)
			ls[0] = string(b) + "\n"
			return ls
		}), 10},
	}
	for name, tc := range cases {
		rep, err := VerifyExport(bytes.NewReader(tc.export), s.l.Keys().Verifier(), nil)
		if err != nil {
			t.Errorf("%s: could not read: %v", name, err)
			continue
		}
		if rep.Problem == nil || rep.Problem.Index != tc.want {
			t.Errorf("%s: problem %v, want index %d", name, rep.Problem, tc.want)
		}
	}
	for name, in := range map[string]string{"empty": "", "not an export": "{\"format\":\"other\"}\n", "garbage": "\x00\x01"} {
		if _, err := VerifyExport(strings.NewReader(in), s.l.Keys().Verifier(), nil); err == nil {
			t.Errorf("%s: read as an export", name)
		}
	}
}

// TestExportWholeLogWithoutProofs: the full-log export a remote verifier
// downloads is checked by recomputing the tree.
func TestExportWholeLogWithoutProofs(t *testing.T) {
	s := newAPIServer(t, testConfig())
	ctx := context.Background()
	appendEvents(t, s.d, s.l, 0, 13)
	saved, _ := s.l.Checkpoint(ctx)
	appendEvents(t, s.d, s.l, 13, 20)
	var buf bytes.Buffer
	h, err := s.l.PrepareExport(ctx, ExportRange{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.l.WriteExport(ctx, &buf, h); err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyExport(bytes.NewReader(buf.Bytes()), s.l.Keys().Verifier(), []Checkpoint{saved.Checkpoint})
	if err != nil || rep.Problem != nil || rep.Events != 33 || rep.Root == nil {
		t.Fatalf("full export: %+v %v (%v)", rep, err, rep.Problem)
	}
	// A trusted checkpoint the events no longer match is named.
	wrong := saved.Checkpoint
	wrong.Root = bytes.Repeat([]byte{9}, 32)
	rep, err = VerifyExport(bytes.NewReader(buf.Bytes()), s.l.Keys().Verifier(), []Checkpoint{wrong})
	if err != nil || rep.Problem == nil || !strings.Contains(rep.Problem.Reason, "trusted checkpoint of size 13") {
		t.Fatalf("mismatched trusted checkpoint: %v %v", err, rep.Problem)
	}
	// Scanning the export line by line stays within the line bound.
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	sc.Buffer(nil, maxExportLine)
	for sc.Scan() {
	}
	if sc.Err() != nil {
		t.Fatal(sc.Err())
	}
}

func TestCosignaturesAPI(t *testing.T) {
	at := time.Now()
	w, err := NewCosigner("liaison.BE-FPP/witness", testKey(3), func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	wv, err := NewCosignatureVerifier(w.Name(), testKey(3).Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Witnesses = StaticWitnesses{wv}
	s := newAPIServer(t, cfg)
	appendEvents(t, s.d, s.l, 0, 4)
	cp, err := s.l.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cosign := func(signer note.Signer, msg []byte) string {
		_, n, err := OpenCheckpoint(msg, s.l.Keys().Verifier())
		if err != nil {
			t.Fatal(err)
		}
		out, err := note.Sign(n, signer)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	var res cosignaturesResult
	if resp := s.call("POST", "/api/v1/audit/cosignatures", "admin:adm", false, cosignaturesRequest{Checkpoint: cosign(w, cp.Note)}, &res); resp.StatusCode != 201 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("cosignature: %d %s", resp.StatusCode, b)
	}
	if len(res.Stored) != 1 || res.Stored[0].Witness != w.Name() {
		t.Fatalf("stored %+v", res.Stored)
	}
	var info CheckpointInfo
	s.call("GET", "/api/v1/audit/checkpoint", "investigator:i", false, nil, &info)
	if _, n, err := OpenCheckpoint([]byte(info.Note), s.l.Keys().Verifier(), wv); err != nil || len(n.Sigs) != 2 {
		t.Fatalf("checkpoint with cosignature: %v", err)
	}

	stranger, _ := NewCosigner("liaison.XX-EVIL/witness", testKey(5), func() time.Time { return at })
	impostor, _ := NewCosigner(w.Name(), testKey(6), func() time.Time { return at })
	future, _ := NewCosigner(w.Name(), testKey(3), func() time.Time { return at.Add(time.Hour) })
	otherLog, _ := NewKeys(s.l.Keys().Origin(), testKey(9))
	notOurs := signCheckpoint(t, otherLog, cp.Checkpoint)
	unsigned := cp.Checkpoint
	unsigned.Size = 3
	for name, tc := range map[string]struct {
		note   string
		status int
	}{
		"unknown witness":      {cosign(stranger, cp.Note), 403},
		"wrong witness key":    {cosign(impostor, cp.Note), 403},
		"dated in the future":  {cosign(future, cp.Note), 400},
		"no cosignature":       {string(cp.Note), 400},
		"not this log's":       {string(notOurs), 400},
		"never signed by node": {cosign(w, signCheckpoint(t, s.l.Keys(), unsigned)), 404},
	} {
		if resp := s.call("POST", "/api/v1/audit/cosignatures", "admin:adm", false, cosignaturesRequest{Checkpoint: tc.note}, nil); resp.StatusCode != tc.status {
			b, _ := io.ReadAll(resp.Body)
			t.Errorf("%s: %d %s, want %d", name, resp.StatusCode, b, tc.status)
		}
	}
}
