package federation_test

import (
	"context"
	"strings"
	"testing"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/httpx"
)

// TestExerciseBoundary: an exercise node refuses a real node's card and a
// real node an exercise node's, through the API with a clear 403; two
// exercise nodes federate, and each lists the other as an exercise node.
func TestExerciseBoundary(t *testing.T) {
	exercise := func(c *federation.Config) { c.Exercise = true }
	nl := fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de := fedtest.NewNode(t, "DE-BKA", "DE", exercise)
	fr := fedtest.NewNode(t, "FR-OCRTIS", "FR", exercise)
	ctx := context.Background()
	add := func(to, from *fedtest.Node) error {
		own, err := from.Service().OwnCard(from.Context(access.Admin))
		if err != nil {
			t.Fatal(err)
		}
		if own.Card.Exercise != (from != nl) {
			t.Fatalf("%s's card says exercise=%v", from.Agency, own.Card.Exercise)
		}
		req := map[string]any{"card": own.Card, "fingerprint": own.Fingerprint}
		return to.Client(access.Admin).Post(ctx, "/api/v1/partners", req, nil)
	}
	for _, tc := range []struct {
		to, from *fedtest.Node
		want     string
	}{
		{nl, de, "DE-BKA is an exercise node: a real node never federates with exercise nodes"},
		{de, nl, "NL-NCB is a real node: an exercise node federates only with exercise nodes"},
	} {
		err := add(tc.to, tc.from)
		if !errs.Is(err, errs.Permission) || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s adds %s: %v, want a 403 saying %q", tc.to.Agency, tc.from.Agency, err, tc.want)
		}
		ps, err := tc.to.Service().ListPartners(ctx, true)
		if err != nil || len(ps) != 0 {
			t.Fatalf("%s has partners %+v (%v) after the refusal", tc.to.Agency, ps, err)
		}
	}
	for _, pair := range [][2]*fedtest.Node{{de, fr}, {fr, de}} {
		if err := add(pair[0], pair[1]); err != nil {
			t.Fatalf("%s adds %s: %v", pair[0].Agency, pair[1].Agency, err)
		}
		var page httpx.Page[federation.Partner]
		if err := pair[0].Client(access.Admin).Get(ctx, "/api/v1/partners", nil, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || !page.Items[0].Exercise || page.Items[0].State != federation.StateActive {
			t.Fatalf("%s's partners: %+v", pair[0].Agency, page.Items)
		}
	}
	// Messages flow between the exercise nodes.
	m := send(t, de, federation.SendRequest{To: []string{"FR-OCRTIS"}, Subject: "EXERCISE drill", Body: "exercise traffic",
		Handling: []string{"H0"}, TLP: "TLP:AMBER"})
	waitDeliveries(t, de, m.ID, map[string]string{"FR-OCRTIS": "delivered"})
}
