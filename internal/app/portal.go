package app

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"net/http"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/auth"
	"github.com/liaison-project/liaison/internal/disclosure"
	"github.com/liaison-project/liaison/internal/federation"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/matchsvc"
	"github.com/liaison-project/liaison/internal/web"
)

// portal builds the officer portal served on the API address. Each
// capability the node runs is handed to it. It panics only on a
// programming error (a template that does not parse, a missing asset),
// which every test of a serving node catches.
func (n *Node) portal() http.Handler {
	// The state cookie key is derived from the node's signing key, so that
	// portal sessions survive a restart.
	key, err := hkdf.Key(sha256.New, n.id.SigningKey.Seed(), nil, "liaison portal state cookie v1", 32)
	if err != nil {
		panic(fmt.Sprintf("portal state key: %v", err))
	}
	s := n.svc
	h, err := web.New(web.Config{
		Node: web.NodeInfo{Agency: n.cfg.Agency.ID, Country: n.cfg.Agency.Country, Name: n.cfg.Agency.Name,
			Exercise: n.cfg.Agency.Exercise},
		Log:      n.log,
		StateKey: key,
		Sessions: s.auth,
		Accounts: portalAccounts{Service: s.auth},
		Audit:    portalAudit{log: s.audit, node: n},
		Messages: portalMessages{s.federation},
		Partners: s.federation,
		Records:  s.records,
		Notices:  s.notices,
		Alerts:   s.notices,
		Border:   s.notices,
		Sharing:  disclosure.Portal{Service: s.disclosure},
		Matching: portalMatching{s.matching},
		Witness:  s.witness,
	})
	if err != nil {
		panic(fmt.Sprintf("officer portal: %v", err))
	}
	return h
}

// portalMatching gives the portal *matchsvc.Service with the query types
// it offers and the newest page of received follow-ups (matchsvc's cursor
// type is its own).
type portalMatching struct{ *matchsvc.Service }

// Types lists the identifier types of online queries and the person
// query: the person match keys are derived from a name and a birth date,
// not queried by value.
func (m portalMatching) Types() []string {
	var out []string
	for _, t := range match.Types() {
		if t.Strength() == match.Exact {
			out = append(out, t.String())
		}
	}
	return append(out, matchsvc.TypePerson)
}

func (m portalMatching) ReceivedFollowUps(ctx context.Context, limit int) ([]matchsvc.FollowUp, error) {
	fs, _, err := m.Service.ListFollowUps(ctx, limit, nil)
	return fs, err
}

// portalMessages lists threads from the newest, the only page the portal
// shows (federation's cursor type is its own).
type portalMessages struct{ *federation.Service }

func (m portalMessages) ListThreads(ctx context.Context, limit int) ([]federation.Thread, error) {
	return m.Service.ListThreads(ctx, nil, limit)
}

// portalAccounts gives the portal *auth.Service with the unpaged listings
// its administration pages show.
type portalAccounts struct{ *auth.Service }

// portalListLimit bounds the rows an administration page lists.
const portalListLimit = 500

func (a portalAccounts) ListUsers(ctx context.Context) ([]*auth.User, error) {
	return a.Service.ListUsers(ctx, "", portalListLimit)
}

func (a portalAccounts) ListTokens(ctx context.Context) ([]*auth.Token, error) {
	owner := ""
	if p, _ := access.From(ctx); p.Role != access.Admin {
		owner = p.UserID
	}
	return a.Service.ListTokens(ctx, owner, "", portalListLimit)
}

// portalAudit gives the portal the audit log's oversight operations; the
// portal's route table limits them to the DPO and administrators and asks
// for the justification, and the log records each consultation.
type portalAudit struct {
	log  *audit.Log
	node *Node
}

func (a portalAudit) Search(ctx context.Context, f audit.Filter, before uint64, limit int) ([]audit.Entry, error) {
	return a.log.ConsultSearch(ctx, f, before, limit)
}

func (a portalAudit) Export(ctx context.Context, w http.ResponseWriter, rg audit.ExportRange) error {
	h, err := a.log.ConsultExport(ctx, rg)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/jsonl")
	w.Header().Set("Cache-Control", "no-store")
	return a.log.WriteExport(ctx, w, h)
}

func (a portalAudit) Verify(ctx context.Context) (*audit.Report, error) {
	return audit.Verify(ctx, a.node.db, a.log.Keys(), nil)
}

func (a portalAudit) Checkpoint(ctx context.Context) (*audit.CheckpointInfo, error) {
	return a.log.LatestInfo(ctx)
}
