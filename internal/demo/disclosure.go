package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
	"github.com/liaison-project/liaison/internal/witness"
)

// API routes of capabilities the demo uses when the nodes offer them.
const (
	pathShare   = "/api/v1/records/{id}/share"
	pathWitness = "/api/v1/witness/partners"
)

// shareRecord shares the record id of n with every other node through
// record disclosure and waits until each holder acknowledged its copy.
func (d *demo) shareRecord(ctx context.Context, n *node, id string) (*record.Record, error) {
	inv := n.as(access.Investigator, "operation "+d.story.Operation+": informing partners")
	var rec record.Record
	if err := inv.Get(ctx, "/api/v1/records/"+id, nil, &rec); err != nil {
		return nil, err
	}
	to := agencyIDs(d.others(n))
	req := disclosure.ShareRequest{To: to, Purpose: policy.PurposeCriminalInvestigation,
		Justification: "operation " + d.story.Operation + ": partners hold the same subjects"}
	var res disclosure.ShareResult
	if err := inv.Post(ctx, "/api/v1/records/"+id+"/share", req, &res); err != nil {
		return nil, err
	}
	for _, o := range res.Outcomes {
		if o.Outcome != disclosure.OutcomeQueued {
			return nil, fmt.Errorf("share with %s: %s (%s: %s)", o.Partner, o.Outcome, o.Rule, o.Reason)
		}
	}
	if err := d.awaitHolders(ctx, n, id, to, "copy", rec.Version); err != nil {
		return nil, err
	}
	for _, p := range d.others(n) {
		var cp record.Record
		if err := p.as(access.Investigator, "copy received from "+n.agency.ID).Get(ctx, "/api/v1/records/"+id, nil, &cp); err != nil {
			return nil, fmt.Errorf("%s reads its copy: %w", p.agency.ID, err)
		}
		if cp.Envelope.ReceivedFrom != n.agency.ID || cp.Envelope.Handling != rec.Envelope.Handling || cp.Envelope.TLP != rec.Envelope.TLP {
			return nil, fmt.Errorf("%s's copy: received from %q under %s %s, want %s under %s %s", p.agency.ID,
				cp.Envelope.ReceivedFrom, cp.Envelope.Handling, cp.Envelope.TLP, n.agency.ID, rec.Envelope.Handling, rec.Envelope.TLP)
		}
	}
	return &rec, nil
}

// awaitHolders waits until every agency in to acknowledged kind (copy,
// withdraw or erase) of at least version of record id.
func (d *demo) awaitHolders(ctx context.Context, n *node, id string, to []string, kind string, version int) error {
	inv := n.as(access.Investigator, "who holds record "+id)
	return d.eventually(ctx, "acknowledgements of "+kind, func(ctx context.Context) error {
		var hs []disclosure.Holder
		if err := inv.Get(ctx, "/api/v1/records/"+id+"/holders", nil, &hs); err != nil {
			return err
		}
		for _, a := range to {
			ok := false
			for _, h := range hs {
				if h.Agency == a {
					if h.Delivery == "failed" {
						return fmt.Errorf("%s: delivery failed: %s", a, h.LastError)
					}
					ok = h.Kind == kind && h.Version >= version
				}
			}
			if !ok {
				return fmt.Errorf("%s has not acknowledged the %s", a, kind)
			}
		}
		return nil
	})
}

// shareByDisclosure is the share step when nodes offer record disclosure:
// the lead agency shares the main suspect's record, and the second agency
// the namesake's record it will withdraw, as the timeline does.
func (d *demo) shareByDisclosure(ctx context.Context) (string, error) {
	lead := d.lead()
	_, id, err := d.mainRecord()
	if err != nil {
		return "", err
	}
	t0 := time.Now()
	rec, err := d.shareRecord(ctx, lead, id)
	if err != nil {
		return "", err
	}
	took := time.Since(t0)
	w := d.story.Withdrawal
	wid, err := d.recordOf(w.RecordID)
	if err != nil {
		return "", err
	}
	if _, err := d.shareRecord(ctx, d.node(w.Agency), wid); err != nil {
		return "", fmt.Errorf("%s shares the namesake's record: %w", w.Agency, err)
	}
	return fmt.Sprintf("%s → %s under %s, %s: copies acknowledged in %.1f s, markings kept; %s shared its namesake record too",
		lead.agency.ID, strings.Join(agencyIDs(d.others(lead)), ", "), rec.Envelope.Handling, rec.Envelope.TLP, took.Seconds(), w.Agency), nil
}

// withdrawalPropagates waits until every holder of the withdrawn record
// acknowledged the withdrawal and no longer reads it as active.
func (d *demo) withdrawalPropagates(ctx context.Context, n *node, id string, version int) (string, error) {
	holders := agencyIDs(d.others(n))
	t0 := time.Now()
	if err := d.awaitHolders(ctx, n, id, holders, "withdraw", version); err != nil {
		return "", err
	}
	for _, p := range d.others(n) {
		var cp record.Record
		err := p.as(access.Investigator, "withdrawn copy").Get(ctx, "/api/v1/records/"+id, nil, &cp)
		if err == nil && cp.State != record.StateWithdrawn {
			return "", fmt.Errorf("%s's copy is %s after the withdrawal", p.agency.ID, cp.State)
		}
	}
	return fmt.Sprintf("withdrawal acknowledged by %s in %.1f s", strings.Join(holders, " and "), time.Since(t0).Seconds()), nil
}

// witnessTimeout bounds the wait for partners' cosignatures: a node offers
// a new checkpoint within witness.PollInterval, and a partner that rejected
// it (not yet onboarded on its side) gets it again after
// witness.DefaultInterval.
const witnessTimeout = witness.DefaultInterval + 15*time.Second

func (d *demo) sayCosigned() string {
	return "Each node's partners act as witnesses of its audit log: they check every new checkpoint against " +
		"what they saw before and cosign it, so that no node can show two histories of its log."
}

// cosigned waits until every node's log is cosigned by each partner, up
// to at least the size its DPO verified, with no split view detected
// anywhere.
func (d *demo) cosigned(ctx context.Context) (string, error) {
	var parts []string
	deadline := time.Now().Add(witnessTimeout)
	for _, n := range d.nodes {
		dpo := n.as(access.DPO, "witness state of the audit log")
		var got []witness.Partner
		for {
			got = got[:0]
			if err := dpo.Get(ctx, pathWitness, nil, &got); err != nil {
				return "", err
			}
			missing := len(d.nodes) - 1
			for _, p := range got {
				if p.Alerts > 0 {
					return "", fmt.Errorf("%s: %d split views in %s's log", n.agency.ID, p.Alerts, p.Agency)
				}
				if p.CosignedSize > 0 && p.CosignedSize >= d.verified[n.agency.ID] {
					missing--
				}
			}
			if missing == 0 {
				break
			}
			if time.Now().After(deadline) {
				return "", fmt.Errorf("%s: %d partners have not cosigned its log (at least %d events) within %s",
					n.agency.ID, missing, d.verified[n.agency.ID], witnessTimeout)
			}
			if err := sleepUntil(ctx, time.Now().Add(250*time.Millisecond)); err != nil {
				return "", err
			}
		}
		var sizes []string
		for _, p := range got {
			sizes = append(sizes, fmt.Sprintf("%s at %d", p.Agency, p.CosignedSize))
		}
		parts = append(parts, fmt.Sprintf("%s cosigned by %s", n.agency.ID, strings.Join(sizes, ", ")))
	}
	if len(parts) == 0 {
		return "", errors.New("no nodes")
	}
	return strings.Join(parts, "; ") + "; no split view", nil
}
