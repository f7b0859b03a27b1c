package disclosure_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/policy"
)

// tokens authenticates a bearer token naming a role as that officer of n.
type tokens struct{ n *node }

func (a tokens) Authenticate(r *http.Request) (access.Principal, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	role, err := access.ParseRole(tok)
	if !ok || err != nil {
		return access.Principal{}, errs.E(errs.Unauthorized, "bad token")
	}
	return a.n.Principal(role), nil
}

// apiClient serves n's records and disclosure API and returns a client
// acting as role with a justification.
func apiClient(t *testing.T, n *node, role access.Role) *client.Client {
	t.Helper()
	h, err := api.Handler(api.Config{Auth: tokens{n}}, append(n.records.Routes(), n.disc.Routes()...))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := client.New(srv.URL, string(role), nil)
	c.Justification = "operation TIDE"
	return c
}

// TestHTTP shares, lists holders and permission requests through the API,
// and checks roles and justification.
func TestHTTP(t *testing.T) {
	t.Parallel()
	de, nl := newNode(t, "DE-BKA", "DE"), newNode(t, "NL-NCB", "NL")
	fedtest.Introduce(t, de.Node, nl.Node)
	r := createRecord(t, de, "Shared through the API", nil)
	ctx := context.Background()
	inv := apiClient(t, de, access.Investigator)
	path := "/api/v1/records/" + url.PathEscape(r.ID)

	var res disclosure.ShareResult
	req := disclosure.ShareRequest{To: []string{"NL-NCB"}, Purpose: policy.PurposeCriminalInvestigation}
	if err := inv.Post(ctx, path+"/share", req, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Outcomes) != 1 || res.Outcomes[0].Outcome != disclosure.OutcomeQueued {
		t.Fatalf("share: %+v", res)
	}
	fedtest.Eventually(t, wait, "holders through the API", func() error {
		var hs []disclosure.Holder
		if err := inv.Get(ctx, path+"/holders", nil, &hs); err != nil {
			return err
		}
		if len(hs) != 1 || hs[0].Agency != "NL-NCB" || hs[0].Version != 1 || hs[0].Delivery != federation.DeliveryDelivered {
			return fedtest.Errorf("%+v", hs)
		}
		return nil
	})
	var page httpx.Page[disclosure.Request]
	if err := apiClient(t, de, access.SPOC).Get(ctx, "/api/v1/share-requests", url.Values{"direction": {"in"}}, &page); err != nil || len(page.Items) != 0 {
		t.Errorf("requests: %+v %v", page, err)
	}

	tests := []struct {
		name string
		c    *client.Client
		path string
		body any
		kind errs.Kind
	}{
		{"border officer shares", apiClient(t, de, access.Border), path + "/share", req, errs.Permission},
		{"no justification", func() *client.Client { c := apiClient(t, de, access.Investigator); c.Justification = ""; return c }(),
			path + "/share", req, errs.Precondition},
		{"bad purpose", inv, path + "/share", disclosure.ShareRequest{To: []string{"NL-NCB"}, Purpose: "gossip"}, errs.Invalid},
		{"investigator answers", inv, "/api/v1/share-requests/0190f1c2-0000-7000-8000-000000000001/answer", disclosure.AnswerRequest{}, errs.Permission},
		{"unknown request", apiClient(t, de, access.SPOC), "/api/v1/share-requests/0190f1c2-0000-7000-8000-000000000001/answer",
			disclosure.AnswerRequest{Grant: true}, errs.NotExist},
	}
	for _, tt := range tests {
		err := tt.c.Post(ctx, tt.path, tt.body, nil)
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Kind() != tt.kind {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
