package matchsvc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/match/budget"
)

// maxEvalRequest bounds an evaluation request body: a full batch with its
// header.
const maxEvalRequest = 64 + 3*255 + 2*match.MaxBatch*32

// partnerFrom returns the partner agency the federation layer
// authenticated for this request.
func partnerFrom(ctx context.Context) (access.Principal, error) {
	p, ok := access.From(ctx)
	if !ok || !p.Partner || !match.ValidAgency(p.Agency) {
		return p, errs.E(errs.Unauthorized, "matching requests come from partner nodes over federation")
	}
	return p, nil
}

// handleEvaluate answers POST /federation/v1/match/evaluate: one batch of
// blinded elements, metered against the partner's daily budget, audited
// (partner, purpose, case, type, count: the holder never sees a value) and
// evaluated with a proof against the announced epoch key.
func (s *Service) handleEvaluate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := partnerFrom(ctx)
	if err != nil {
		return err
	}
	if r.Header.Get("Content-Type") != ContentType {
		return errs.E(errs.Unsupported, "body must be "+ContentType)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEvalRequest))
	if err != nil {
		return errs.E(errs.TooLarge, fmt.Sprintf("evaluation request larger than %d bytes", maxEvalRequest))
	}
	req, err := match.ParseEvalRequest(body)
	if err != nil {
		return err
	}
	resp, err := s.evaluate(ctx, p, req)
	if err != nil {
		var exceeded *budget.ExceededError
		if errors.As(err, &exceeded) {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(exceeded.ResetsAt.Sub(s.now()).Seconds()+0.5))))
		}
		return err
	}
	out, err := resp.MarshalBinary()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(out)
	return err
}

// evaluate meters, audits and answers one request from partner p.
func (s *Service) evaluate(ctx context.Context, p access.Principal, req *match.EvalRequest) (*match.EvalResponse, error) {
	if req.Holder != s.cfg.Agency {
		return nil, errs.E(errs.Invalid, "request.holder", fmt.Sprintf("request is for %s, this is %s", req.Holder, s.cfg.Agency))
	}
	if err := s.checkEpoch(p.Agency, req.Epoch); err != nil {
		return nil, err
	}
	n := req.Len()
	event := func(outcome audit.Outcome, reason string) audit.Event {
		e := audit.New(ctx, audit.Consult, audit.Ref{Type: "match-index", ID: "epoch-" + strconv.FormatUint(uint64(req.Epoch), 10)})
		e.Outcome, e.Purpose, e.CaseRef, e.Reason = outcome, req.Purpose, req.Case, reason
		return e
	}
	what := fmt.Sprintf("%d %s evaluations", n, req.Type)
	if req.Run != (match.RunID{}) {
		what += fmt.Sprintf(" (bulk run %s, batch %d)", req.Run, req.Batch)
	}
	if err := s.meter.Charge(p.Agency, req.Type, req.Case, n); err != nil {
		if !errs.Is(err, errs.RateLimited) {
			return nil, err
		}
		werr := s.db.Write(ctx, func(tx *db.Tx) error {
			return s.audit.Append(ctx, tx, event(audit.Denied, "match evaluation refused: "+errs.PublicMessage(err)))
		})
		if werr != nil {
			return nil, errs.E(errs.Transient, "cannot record the refusal; retry later", werr)
		}
		return nil, err
	}
	resp, err := s.holder.Evaluate(p.Agency, req)
	if err != nil {
		if errors.Is(err, match.ErrEpochInactive) {
			return nil, errs.E(errs.Conflict, "epoch", errs.PublicMessage(err), err)
		}
		return nil, err
	}
	alerts := s.monitor.Evaluated(p.Agency, req.Type, req.Case, n)
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO match_budget_usage (day, partner, type, case_ref, used) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (day, partner, type, case_ref) DO UPDATE SET used = match_budget_usage.used + excluded.used`,
			dayOf(s.now()), p.Agency, req.Type.String(), req.Case, n); err != nil {
			return fmt.Errorf("count budget: %w", err)
		}
		if err := s.audit.Append(ctx, tx, event(audit.OK, "match evaluation: "+what)); err != nil {
			return err
		}
		return s.recordAlerts(ctx, tx, alerts)
	})
	if err != nil {
		return nil, errs.E(errs.Transient, "cannot record the evaluation; retry later", err)
	}
	return resp, nil
}

// checkEpoch refuses an epoch the holder does not answer, before anything
// is charged: the querier should fetch the current table.
func (s *Service) checkEpoch(partner string, e match.EpochID) error {
	s.idx.mu.RLock()
	es, ok := s.idx.epochs[e]
	s.idx.mu.RUnlock()
	if !ok {
		return errs.E(errs.Conflict, "epoch", fmt.Sprintf("epoch %d is not answered: fetch the current table", e))
	}
	if !es.key.Active(s.now()) {
		return errs.E(errs.Conflict, "epoch", fmt.Sprintf("epoch %d expired at %s: fetch the current table", e, es.key.NotAfter.Format(time.RFC3339)))
	}
	return nil
}

// recordAlerts stores, logs and audits the monitor's alerts. Alerts name
// partners and types, never values.
func (s *Service) recordAlerts(ctx context.Context, tx *db.Tx, alerts []budget.Alert) error {
	for _, a := range alerts {
		typ := ""
		if a.Type.Valid() {
			typ = a.Type.String()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO match_alerts (at, kind, partner, type, observed, threshold, detail)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, a.At.UnixMicro(), string(a.Kind), a.Partner, typ, a.Observed, a.Threshold, a.Detail); err != nil {
			return fmt.Errorf("store alert: %w", err)
		}
		e := audit.New(ctx, audit.Consult, audit.Ref{Type: "partner", ID: a.Partner})
		e.Outcome, e.Reason = audit.Failed, "match abuse alert "+string(a.Kind)+": "+a.Detail
		if err := s.audit.Append(ctx, tx, e); err != nil {
			return err
		}
		tx.OnCommit(func() {
			s.log.Warn("matching abuse alert", slog.String("kind", string(a.Kind)), slog.String("partner", a.Partner),
				slog.String("type", typ), slog.String("detail", a.Detail))
		})
	}
	return nil
}

// restoreBudgets charges the meter with what partners used today before a
// restart. A day's usage above a limit lowered since is kept only up to the
// limit, which still refuses every further charge.
func (s *Service) restoreBudgets(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT partner, type, case_ref, used FROM match_budget_usage WHERE day = ?`, dayOf(s.now()))
	if err != nil {
		return fmt.Errorf("read budget usage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var partner, typ, caseRef string
		var used int
		if err := rows.Scan(&partner, &typ, &caseRef, &used); err != nil {
			return fmt.Errorf("read budget usage: %w", err)
		}
		t, err := match.ParseType(typ)
		if err != nil {
			continue
		}
		for used > 0 {
			n := min(used, match.MaxBatch)
			if s.meter.Charge(partner, t, caseRef, n) != nil {
				break
			}
			used -= n
		}
	}
	return rows.Err()
}

// handleTable answers GET /federation/v1/match/table: the calling
// partner's view of the newest epoch, as the deltas since the version it
// holds (known epoch, generation and version in the query) or as a whole
// snapshot.
func (s *Service) handleTable(w http.ResponseWriter, r *http.Request) error {
	p, err := partnerFrom(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var known, gen, since uint64
	for _, f := range []struct {
		name string
		v    *uint64
	}{{"epoch", &known}, {"gen", &gen}, {"since", &since}} {
		if s := q.Get(f.name); s != "" {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return errs.E(errs.Invalid, f.name, "must be a non-negative integer")
			}
			*f.v = n
		}
	}
	resp, err := s.tableFor(p.Agency, match.EpochID(min(known, 1<<32-1)), gen, since)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(resp.marshal())
	return err
}

// tableFor builds the table response for partner.
func (s *Service) tableFor(partner string, known match.EpochID, gen, since uint64) (*tableResponse, error) {
	now := s.now()
	s.idx.mu.RLock()
	var es *epochState
	for _, cand := range s.idx.epochs {
		if _, ok := cand.views[partner]; ok && cand.key.Active(now) && (es == nil || cand.key.Epoch > es.key.Epoch) {
			es = cand
		}
	}
	var pv *partnerView
	if es != nil {
		pv = es.views[partner]
	}
	s.idx.mu.RUnlock()
	if pv == nil {
		return nil, errs.E(errs.Transient, "the matching index for your agency is being built; retry shortly")
	}
	out := &tableResponse{Announcement: es.ann, Generation: pv.gen}
	version := pv.view.Stats().Version
	pv.mu.Lock()
	defer pv.mu.Unlock()
	if known == es.key.Epoch && gen == pv.gen && since <= version {
		if since == version {
			return out, nil
		}
		size := 0
		for _, d := range pv.deltas {
			if d.from >= since {
				out.Deltas = append(out.Deltas, d.data)
				size += len(d.data)
			}
		}
		if len(out.Deltas) > 0 && pv.deltas[len(pv.deltas)-len(out.Deltas)].from == since && size < pv.snapSize {
			return out, nil
		}
		out.Deltas = nil
	}
	if pv.snap == nil || pv.snapVer != version {
		snap := pv.view.Snapshot()
		data, err := snap.MarshalBinary()
		if err != nil {
			return nil, err
		}
		pv.snap, pv.snapVer, pv.snapSize = data, snap.Version, len(data)
	}
	out.Snapshot = pv.snap
	return out, nil
}
