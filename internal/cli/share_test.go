package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/policy"
)

// shareAPI fakes the disclosure API: it records each request and answers
// with canned results.
type shareAPI struct {
	t    *testing.T
	reqs []string // "METHOD path justification"
	body []byte
}

func (s *shareAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.reqs = append(s.reqs, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Liaison-Justification"))
	s.body = nil
	if r.Body != nil {
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		s.body = b.Bytes()
	}
	const id = "0190f1c2-0000-7000-8000-000000000001"
	var out any
	switch {
	case r.URL.Path == "/api/v1/records/"+id+"/share":
		out = disclosure.ShareResult{RecordID: id, Outcomes: []disclosure.ShareOutcome{
			{Partner: "DE-BKA", Outcome: disclosure.OutcomeQueued, Rule: policy.RuleAllowOriginator, Version: 2, MessageID: "m1"},
			{Partner: "BE-FP", Outcome: disclosure.OutcomeRefused, Rule: policy.RuleH3NotToCountry, Reason: "not to BE"},
		}}
	case r.URL.Path == "/api/v1/records/"+id+"/holders":
		out = []disclosure.Holder{{Agency: "DE-BKA", Version: 2, Kind: "copy", SentVersion: 3, SentKind: "withdraw",
			Delivery: "queued", Purpose: policy.PurposeCriminalInvestigation, AckedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	case r.URL.Path == "/api/v1/share-requests":
		out = httpx.Page[disclosure.Request]{Items: []disclosure.Request{{ID: "q1", Direction: "in", RecordID: id, Holder: "NL-NCB",
			Recipient: "BE-FP", Purpose: policy.PurposeCriminalInvestigation, State: "pending", Reason: "JIT"}}}
	case r.URL.Path == "/api/v1/share-requests/q1/answer":
		out = disclosure.Request{ID: "q1", State: "granted", Holder: "NL-NCB", RecordID: id, Recipient: "BE-FP", MessageID: "m2"}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func runShareCmd(t *testing.T, url string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""), Getenv: func(string) string { return "" }}
	root := NewRoot(env)
	if c, _, err := root.Find([]string{"share"}); err != nil || c == root {
		root.AddCommand(newShareCmd(env))
	}
	root.SetArgs(append([]string{"--url", url, "--token", "t"}, args...))
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestShareCommands(t *testing.T) {
	fake := &shareAPI{t: t}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	const id = "0190f1c2-0000-7000-8000-000000000001"

	out, err := runShareCmd(t, srv.URL, "record", "share", id, "--to", "DE-BKA, BE-FP", "--purpose", "criminal-investigation",
		"--justification", "operation TIDE", "--request-permission", "--reason", "JIT")
	if err == nil || !strings.Contains(err.Error(), "1 of 2 partners refused") {
		t.Errorf("share with a refusal: %v", err)
	}
	var sent disclosure.ShareRequest
	if json.Unmarshal(fake.body, &sent) != nil || len(sent.To) != 2 || sent.To[1] != "BE-FP" || !sent.RequestPermission ||
		sent.Reason != "JIT" || sent.Justification != "operation TIDE" {
		t.Errorf("share body %s", fake.body)
	}
	if !strings.Contains(out, "DE-BKA") || !strings.Contains(out, "version 2, message m1") || !strings.Contains(out, "h3.not-to-country") {
		t.Errorf("share output:\n%s", out)
	}
	if _, err := runShareCmd(t, srv.URL, "record", "share", id, "--to", "DE-BKA", "--purpose", "gossip"); err == nil {
		t.Error("unknown purpose accepted")
	}

	out, err = runShareCmd(t, srv.URL, "record", "holders", id, "--case", "NL-1")
	if err != nil || !strings.Contains(out, "copy v2") || !strings.Contains(out, "withdraw v3 queued") || !strings.Contains(out, "2026-01-02T03:04:05Z") {
		t.Errorf("holders: %v\n%s", err, out)
	}

	out, err = runShareCmd(t, srv.URL, "share", "requests", "--direction", "in", "--state", "pending")
	if err != nil || !strings.Contains(out, "NL-NCB → BE-FP") || !strings.Contains(fake.reqs[len(fake.reqs)-1], "direction=in") {
		t.Errorf("requests: %v\n%s %v", err, out, fake.reqs)
	}

	if _, err := runShareCmd(t, srv.URL, "share", "answer", "q1", "--grant", "--deny"); err == nil {
		t.Error("--grant with --deny accepted")
	}
	out, err = runShareCmd(t, srv.URL, "share", "answer", "q1", "--grant", "--reason", "for the JIT", "--justification", "JIT TIDE")
	var ans disclosure.AnswerRequest
	if err != nil || json.Unmarshal(fake.body, &ans) != nil || !ans.Grant || ans.Reason != "for the JIT" || !strings.Contains(out, "granted") {
		t.Errorf("answer: %v %s\n%s", err, fake.body, out)
	}
}
