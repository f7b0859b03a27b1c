package matchsvc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/policy"
)

// roleAuth authenticates the bearer token "<role>" or "<role>:<user id>"
// as an officer of the node.
type roleAuth struct{ n *node }

func (a roleAuth) Authenticate(r *http.Request) (access.Principal, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	role, user, _ := strings.Cut(tok, ":")
	rl, err := access.ParseRole(role)
	if !ok || err != nil {
		return access.Principal{}, errs.E(errs.Unauthorized, "bad token")
	}
	p := a.n.Principal(rl)
	if user != "" {
		p.UserID, p.Username = user, user
	}
	return p, nil
}

// apiClient serves the node's matching routes and returns a client with
// token tok.
func (n *node) apiClient(t testing.TB, tok string) *client.Client {
	t.Helper()
	h, err := api.Handler(api.Config{Auth: roleAuth{n}, Info: api.Info{Title: "test", Version: "1"}}, n.svc.Routes())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return client.New(srv.URL, tok, nil)
}

// The officer API: roles, justification, case, and the JSON shapes, end to
// end through api.Handler.
func TestOfficerAPI(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA")
	nl, de := ns[0], ns[1]
	nl.create(t, policy.Envelope{}, ent("p1", "Person", "name", "Anna Held", "birthDate", "1981-03-04", "passportNumber", "API1234567"))
	nl.sync(t)
	ctx := context.Background()

	inv := de.apiClient(t, "investigator")
	var res QueryResult
	err := inv.Post(ctx, "/api/v1/match/queries", QueryRequest{Type: "passport", Values: []string{"API1234567"}}, &res)
	if !errs.Is(err, errs.Precondition) {
		t.Fatalf("query without justification: %v", err)
	}
	err = inv.Post(ctx, "/api/v1/match/queries", QueryRequest{Type: "passport", Values: []string{"API1234567"},
		Justification: "port seizure", CaseRef: "DE-2026-7"}, &res)
	if err != nil || len(res.Partners) != 1 || res.Partners[0].Status != StatusHit {
		t.Fatalf("query: %+v, %v", res, err)
	}
	border := de.apiClient(t, "border")
	border.Justification, border.CaseRef = "check", "DE-2026-7"
	if err := border.Post(ctx, "/api/v1/match/queries", QueryRequest{Type: "passport", Values: []string{"X1"}}, &res); !errs.Is(err, errs.Permission) {
		t.Fatalf("border role: %v", err)
	}

	var sent FollowUpSent
	inv.Justification, inv.CaseRef = "identify the holder of the passport", "DE-2026-7"
	if err := inv.Post(ctx, "/api/v1/match/hits/"+res.Partners[0].Results[0].HitID+"/follow-up", FollowUpRequest{}, &sent); err != nil {
		t.Fatal(err)
	}
	if err := inv.Post(ctx, "/api/v1/match/hits/not-an-id/follow-up", FollowUpRequest{}, &sent); !errs.Is(err, errs.NotExist) {
		t.Fatalf("unknown hit: %v", err)
	}

	admin := de.apiClient(t, "admin")
	var st Status
	if err := admin.Get(ctx, "/api/v1/match/status", nil, &st); err != nil {
		t.Fatal(err)
	}
	if !st.Ready || len(st.Epochs) != 1 || len(st.Epochs[0].Views) != 1 || st.Epochs[0].Views[0].Partner != "NL-NCB" ||
		len(st.Partners) != 1 || st.Partners[0].Entries < 16 {
		t.Fatalf("status %+v", st)
	}
	if err := inv.Get(ctx, "/api/v1/match/status", nil, &st); !errs.Is(err, errs.Permission) {
		t.Fatalf("status as investigator: %v", err)
	}

	spoc := de.apiClient(t, "spoc")
	spoc.Justification, spoc.CaseRef = "list check approved by the prosecutor", "DE-2026-7"
	var run BulkRun
	if err := spoc.Post(ctx, "/api/v1/match/bulk", BulkRequest{Partner: "NL-NCB", Type: "passport", Format: FormatCSV,
		Data: "API1234567\nAPI7654321\n"}, &run); err != nil || run.State != BulkPending {
		t.Fatalf("submit: %+v, %v", run, err)
	}
	if err := spoc.Post(ctx, "/api/v1/match/bulk/"+run.ID+"/approve", nil, &run); !errs.Is(err, errs.Permission) {
		t.Fatalf("self-approval: %v", err)
	}
	other := de.apiClient(t, "admin:u-admin-2")
	other.Justification = "second pair of eyes"
	if err := other.Post(ctx, "/api/v1/match/bulk/"+run.ID+"/approve", nil, &run); err != nil || run.State != BulkApproved {
		t.Fatalf("approval: %+v, %v", run, err)
	}
	if err := de.svc.RunBulkOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if err := other.Get(ctx, "/api/v1/match/bulk/"+run.ID, map[string][]string{"hits": {"true"}}, &run); err != nil {
		t.Fatal(err)
	}
	if run.State != BulkDone || len(run.HitList) != 1 || run.HitList[0].Index != 0 {
		t.Fatalf("bulk run %+v", run)
	}

	// The holder's SPOC lists follow-ups, and only with a justification.
	nspoc := nl.apiClient(t, "spoc")
	var fus struct {
		Items []FollowUp `json:"items"`
	}
	if err := nspoc.Get(ctx, "/api/v1/match/follow-ups", nil, &fus); !errs.Is(err, errs.Precondition) {
		t.Fatalf("follow-ups without justification: %v", err)
	}
	nspoc.Justification = "daily follow-up review"
	if err := nspoc.Get(ctx, "/api/v1/match/follow-ups", nil, &fus); err != nil {
		t.Fatal(err)
	}
	var alerts struct {
		Items []Alert `json:"items"`
	}
	if err := nspoc.Get(ctx, "/api/v1/match/alerts", nil, &alerts); err != nil {
		t.Fatal(err)
	}
}

// The federation hooks the service builds on: CallPeer refuses what is not
// a call to an active partner's federation API, and HandlePeer refuses
// patterns outside it.
func TestPeerHooks(t *testing.T) {
	ns := nodes(t, "NL-NCB", "DE-BKA")
	nl, de := ns[0], ns[1]
	ctx := context.Background()
	fed := de.Service()
	if _, _, err := fed.CallPeer(ctx, "XX-NOBODY", http.MethodGet, pathTable, nil, ""); !errs.Is(err, errs.NotExist) {
		t.Errorf("unknown partner: %v", err)
	}
	if _, _, err := fed.CallPeer(ctx, "NL-NCB", http.MethodGet, "/api/v1/me", nil, ""); !errs.Is(err, errs.Invalid) {
		t.Errorf("path outside the federation API: %v", err)
	}
	status, _, err := fed.CallPeer(ctx, "NL-NCB", http.MethodGet, "/federation/v1/match/nothing", nil, "")
	if err != nil || status != http.StatusNotFound {
		t.Errorf("unknown peer route: %d %v", status, err)
	}
	if _, err := fed.SetPartnerState(de.officer(access.Admin), "NL-NCB", "suspended"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := fed.CallPeer(ctx, "NL-NCB", http.MethodGet, pathTable, nil, ""); !errs.Is(err, errs.Precondition) {
		t.Errorf("suspended partner: %v", err)
	}
	// DE resumes NL and NL suspends DE: DE's calls are refused at NL's
	// handshake, or per request on a connection kept from before.
	if _, err := fed.SetPartnerState(de.officer(access.Admin), "NL-NCB", "active"); err != nil {
		t.Fatal(err)
	}
	if _, err := nl.Service().SetPartnerState(nl.officer(access.Admin), "DE-BKA", "suspended"); err != nil {
		t.Fatal(err)
	}
	if status, _, err := fed.CallPeer(ctx, "NL-NCB", http.MethodGet, pathTable, nil, ""); !errs.Is(err, errs.Transient) && status != http.StatusForbidden {
		t.Errorf("call to a partner that suspended us: %d %v", status, err)
	}
	for _, p := range []string{"/federation/v1/x", "GET /api/v1/x", "GET /federation/v1"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("HandlePeer(%q) accepted", p)
				}
			}()
			fed.HandlePeer(p, nil)
		}()
	}
}
