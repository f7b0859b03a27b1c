package witness

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
)

type tokens struct{ n *node }

func (a tokens) Authenticate(r *http.Request) (access.Principal, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	role, err := access.ParseRole(tok)
	if !ok || err != nil {
		return access.Principal{}, errs.E(errs.Unauthorized, "bad token")
	}
	return a.n.Principal(role), nil
}

// TestHTTP reads the witness state and alerts through the API.
func TestHTTP(t *testing.T) {
	t.Parallel()
	de, nl, _ := network(t)
	nl.grow(t, 1)
	nl.start(t)
	cp := de.grow(t, 2)
	sendCheckpoint(t, de, "NL-NCB", checkpointMsg{Checkpoint: string(cp.Note)})
	sendCheckpoint(t, de, "NL-NCB", checkpointMsg{Checkpoint: forge(t, de, cp.Size)})
	waitAlert(t, nl, "DE-BKA", ReasonSplitView)

	h, err := api.Handler(api.Config{Auth: tokens{nl}}, nl.witness.Routes())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx := context.Background()
	dpo := client.New(srv.URL, string(access.DPO), nil)
	var as []Alert
	if err := dpo.Get(ctx, "/api/v1/witness/alerts", nil, &as); err != nil || len(as) != 1 || as[0].Origin != "DE-BKA" {
		t.Errorf("alerts: %+v %v", as, err)
	}
	fedtest.Eventually(t, wait, "partners view", func() error {
		var ps []Partner
		if err := dpo.Get(ctx, "/api/v1/witness/partners", nil, &ps); err != nil {
			return err
		}
		if len(ps) != 2 || ps[0].Agency != "BE-FP" || ps[1].Agency != "DE-BKA" || ps[1].Seen == nil || ps[1].Seen.Size != cp.Size || ps[1].Alerts != 1 {
			return fedtest.Errorf("%+v", ps)
		}
		return nil
	})
	err = client.New(srv.URL, string(access.Investigator), nil).Get(ctx, "/api/v1/witness/alerts", nil, &as)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Kind() != errs.Permission {
		t.Errorf("investigator reads alerts: %v", err)
	}
}
