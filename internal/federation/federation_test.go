package federation_test

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/client"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/federation/fedtest"
	"github.com/liaison-project/liaison/internal/httpx"
)

const wait = 20 * time.Second

func threeNodes(t *testing.T) (nl, de, be *fedtest.Node) {
	t.Helper()
	nl = fedtest.NewNode(t, "NL-NCB", "NL", nil)
	de = fedtest.NewNode(t, "DE-BKA", "DE", nil)
	be = fedtest.NewNode(t, "BE-FPJ", "BE", nil)
	fedtest.Introduce(t, nl, de, be)
	return nl, de, be
}

// officer returns an API client for role that sends a justification.
func officer(n *fedtest.Node, role access.Role) *client.Client {
	c := n.Client(role)
	c.Justification, c.CaseRef = "joint investigation", "NL/2026/0042"
	return c
}

func send(t *testing.T, n *fedtest.Node, req federation.SendRequest) *federation.Message {
	t.Helper()
	var m federation.Message
	if err := officer(n, access.Investigator).Post(context.Background(), "/api/v1/messages", req, &m); err != nil {
		t.Fatalf("%s sends: %v", n.Agency, err)
	}
	return &m
}

// waitDeliveries waits until every recipient of message id reached state.
func waitDeliveries(t *testing.T, n *fedtest.Node, id string, state map[string]string) []federation.Delivery {
	t.Helper()
	var ds []federation.Delivery
	fedtest.Eventually(t, wait, "deliveries of "+id, func() error {
		var page httpx.Page[federation.Delivery]
		if err := n.Client(access.SPOC).Get(context.Background(), "/api/v1/messages/"+id+"/deliveries", nil, &page); err != nil {
			return err
		}
		ds = page.Items
		for _, d := range ds {
			if want, ok := state[d.Partner]; ok && d.State != want {
				return fedtest.Errorf("%s is %s (%s), want %s", d.Partner, d.State, d.LastError, want)
			}
		}
		return nil
	})
	return ds
}

func inbox(t *testing.T, n *fedtest.Node, q url.Values) []*federation.Message {
	t.Helper()
	var page httpx.Page[*federation.Message]
	if err := n.Client(access.Analyst).Get(context.Background(), "/api/v1/messages", q, &page); err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func TestOnboardingMessagingAndReceipts(t *testing.T) {
	nl, de, be := threeNodes(t)
	ctx := context.Background()

	// Onboarding: each node lists the two others as active partners.
	for _, n := range []*fedtest.Node{nl, de, be} {
		var page httpx.Page[federation.Partner]
		if err := n.Client(access.Admin).Get(ctx, "/api/v1/partners", nil, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 2 || page.Items[0].State != federation.StateActive || page.Items[1].State != federation.StateActive {
			t.Fatalf("%s partners: %+v", n.Agency, page.Items)
		}
		if n := len(n.Audit.Find(t, audit.PartnerChanged, audit.OK, "added")); n != 2 {
			t.Errorf("partner-changed events: %d, want 2", n)
		}
	}

	m := send(t, nl, federation.SendRequest{
		To: []string{"DE-BKA", "BE-FPJ"}, Subject: "Cocaine shipment, port of Antwerp", Body: "Container MSCU1234567 arrives Friday.",
		CaseRef: "NL/2026/0042", Handling: []string{"H0", "H2"}, TLP: "TLP:AMBER",
	})
	if m.Direction != "out" || len(m.Deliveries) != 2 {
		t.Fatalf("sent message: %+v", m)
	}
	waitDeliveries(t, nl, m.ID, map[string]string{"DE-BKA": federation.DeliveryDelivered, "BE-FPJ": federation.DeliveryDelivered})
	if ev := nl.Audit.Find(t, audit.Disclose, audit.OK, "message sent"); len(ev) != 1 || !slices.Equal(ev[0].Recipients, []string{"DE-BKA", "BE-FPJ"}) ||
		ev[0].Justification != "joint investigation" || ev[0].ActorID != "u-investigator" {
		t.Errorf("disclosure events: %+v", ev)
	}

	// DE sees one unread message with metadata, no body in the list.
	got := inbox(t, de, url.Values{"box": {"inbox"}, "unread": {"true"}})
	if len(got) != 1 || got[0].ID != m.ID || got[0].Subject != m.Subject || got[0].Body != "" || got[0].Read ||
		got[0].Sender != "NL-NCB" || got[0].TLP != "TLP:AMBER" || !slices.Equal(got[0].Handling, []string{"H0", "H2"}) ||
		got[0].Officer != "u-investigator" || got[0].CaseRef != "NL/2026/0042" {
		t.Fatalf("DE inbox: %+v", got)
	}
	var counts federation.Counts
	if err := de.Client(access.SPOC).Get(ctx, "/api/v1/messages/counts", nil, &counts); err != nil {
		t.Fatal(err)
	}
	if counts.Unread != 1 || counts.Inbox != 1 {
		t.Errorf("DE counts %+v", counts)
	}
	if len(de.Audit.Find(t, audit.Collect, audit.OK, "received message")) != 1 {
		t.Error("DE did not audit the collection of the message")
	}

	// Opening needs a justification.
	if err := de.Client(access.Investigator).Get(ctx, "/api/v1/messages/"+m.ID, nil, nil); err == nil {
		t.Fatal("opened a message without a justification")
	}
	var opened federation.Message
	if err := officer(de, access.Investigator).Get(ctx, "/api/v1/messages/"+m.ID, nil, &opened); err != nil {
		t.Fatal(err)
	}
	if opened.Body != "Container MSCU1234567 arrives Friday." || !opened.Read {
		t.Fatalf("opened: %+v", opened)
	}
	if ev := de.Audit.Find(t, audit.Consult, audit.OK, "message opened"); len(ev) != 1 || ev[0].Justification == "" {
		t.Errorf("consult events: %+v", ev)
	}

	// NL sees DE's signed read receipt; BE stays delivered.
	ds := waitDeliveries(t, nl, m.ID, map[string]string{"DE-BKA": federation.DeliveryRead, "BE-FPJ": federation.DeliveryDelivered})
	for _, d := range ds {
		if d.Partner == "DE-BKA" && (d.ReadBy != "u-investigator" || d.ReadAt.IsZero() || d.DeliveredAt.IsZero()) {
			t.Errorf("read delivery: %+v", d)
		}
	}
	// Opening again sends no second receipt.
	if err := officer(de, access.Analyst).Get(ctx, "/api/v1/messages/"+m.ID, nil, &opened); err != nil {
		t.Fatal(err)
	}

	// DE replies in the thread; NL files it in the same thread.
	reply := send(t, de, federation.SendRequest{To: []string{"NL-NCB"}, ThreadID: m.ThreadID, Subject: "Re: Cocaine shipment",
		Body: "We will watch the container.", Handling: []string{"H0"}, TLP: "TLP:AMBER"})
	if reply.CaseRef != "NL/2026/0042" {
		t.Errorf("reply case reference %q, want the thread's", reply.CaseRef)
	}
	waitDeliveries(t, de, reply.ID, map[string]string{"NL-NCB": federation.DeliveryDelivered})
	var tv federation.ThreadView
	if err := nl.Client(access.SPOC).Get(ctx, "/api/v1/threads/"+m.ThreadID, nil, &tv); err != nil {
		t.Fatal(err)
	}
	if len(tv.Messages) != 2 || tv.Thread.Unread != 1 || tv.Thread.Subject != m.Subject || tv.Messages[1].Sender != "DE-BKA" {
		t.Fatalf("NL thread: %+v %+v", tv.Thread, tv.Messages)
	}
	// Search by subject text and case.
	if got := inbox(t, nl, url.Values{"q": {"cocaine"}}); len(got) != 2 {
		t.Errorf("search found %d messages, want 2", len(got))
	}
	if got := inbox(t, be, url.Values{"partner": {"NL-NCB"}, "box": {"inbox"}}); len(got) != 1 {
		t.Errorf("BE by partner: %d", len(got))
	}

	// Partner status: nothing queued, contact recorded.
	var st httpx.Page[federation.PartnerStatus]
	if err := nl.Client(access.Admin).Get(ctx, "/api/v1/partners/status", nil, &st); err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Items {
		if s.QueueDepth != 0 || s.LastContact.IsZero() || s.NextSeqOut < 2 {
			t.Errorf("status %+v", s)
		}
	}
}
