package witness

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/liaison-project/liaison/internal/access"
	"github.com/liaison-project/liaison/internal/api"
	"github.com/liaison-project/liaison/internal/httpx"
)

// oversight may read the witness state: administrators run the node, the
// DPO oversees the audit log.
var oversight = []access.Role{access.Admin, access.DPO}

// Checkpoint is a checkpoint as the API shows it.
type Checkpoint struct {
	Size uint64    `json:"size"`
	Root []byte    `json:"root"`
	Note string    `json:"note"`
	At   time.Time `json:"at,omitzero"`
}

// Partner is one partner as a witness: what this node accepted of its log,
// and what it cosigned of this node's log.
type Partner struct {
	Agency  string `json:"agency"`
	Witness string `json:"witness" doc:"the partner's witness name"`
	// Seen is the latest checkpoint of the partner's log this node
	// accepted and cosigned.
	Seen *Checkpoint `json:"seen,omitempty"`
	// Observed are sizes of the partner's log seen through gossip, waiting
	// for a consistency proof.
	Observed []uint64 `json:"observed,omitempty"`
	// CosignedSize is the latest checkpoint of this node's log whose
	// cosignature by the partner is stored.
	CosignedSize uint64    `json:"cosignedSize"`
	CosignedAt   time.Time `json:"cosignedAt,omitzero"`
	// ReportedSize is the size of this node's log the partner last
	// reported holding.
	ReportedSize uint64    `json:"reportedSize"`
	SentSize     uint64    `json:"sentSize"`
	SentAt       time.Time `json:"sentAt,omitzero"`
	LastError    string    `json:"lastError,omitempty"`
	Alerts       int       `json:"alerts" doc:"split views detected in the partner's log"`
}

// Alert is a detected split view.
type Alert struct {
	ID     int64  `json:"id"`
	Origin string `json:"origin" doc:"the agency whose log is inconsistent (this node's own, when its key signed another history)"`
	Size   uint64 `json:"size"`
	Reason string `json:"reason" doc:"split-view or rollback"`
	Detail string `json:"detail"`
	Via    string `json:"via" doc:"the partner the evidence came from"`
	// First and Second are the two signed checkpoints that cannot both
	// hold (First empty when the evidence is one checkpoint this node's
	// log contradicts).
	First     string    `json:"first,omitempty"`
	Second    string    `json:"second"`
	CreatedAt time.Time `json:"createdAt"`
}

// Partners returns every active partner's witness state.
func (s *Service) Partners(ctx context.Context) ([]Partner, error) {
	if err := s.keys.Refresh(ctx, s.fed); err != nil {
		return nil, err
	}
	out := []Partner{}
	for _, p := range s.keys.active() {
		v := Partner{Agency: p.agency, Witness: p.witness.Name()}
		var seenAt int64
		var size int64
		var c Checkpoint
		err := s.db.QueryRowContext(ctx, `SELECT size, root, note, seen_at FROM witness_seen WHERE origin = ?`, p.agency).
			Scan(&size, &c.Root, &c.Note, &seenAt)
		switch {
		case err == nil:
			c.Size, c.At = uint64(size), fromMicros(seenAt)
			v.Seen = &c
		case !isNoRows(err):
			return nil, fmt.Errorf("read checkpoint seen: %w", err)
		}
		obs, err := loadObserved(ctx, s.db, p.agency)
		if err != nil {
			return nil, err
		}
		for _, o := range obs {
			v.Observed = append(v.Observed, o.size)
		}
		st, err := s.peerState(ctx, s.db, p.agency)
		if err != nil {
			return nil, err
		}
		v.CosignedSize, v.CosignedAt, v.ReportedSize = st.cosignedSize, st.cosignedAt, st.reportedSize
		v.SentSize, v.SentAt, v.LastError = st.sentSize, st.sentAt, st.lastError
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM witness_alerts WHERE origin = ?`, p.agency).Scan(&v.Alerts); err != nil {
			return nil, fmt.Errorf("read alerts: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}

// maxAlerts bounds one Alerts call.
const maxAlerts = 500

// Alerts returns the split views detected, newest first.
func (s *Service) Alerts(ctx context.Context) ([]Alert, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, origin, size, reason, detail, via, first_note, second_note, created_at
		FROM witness_alerts ORDER BY id DESC LIMIT ?`, maxAlerts)
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		var a Alert
		var size, at int64
		if err := rows.Scan(&a.ID, &a.Origin, &size, &a.Reason, &a.Detail, &a.Via, &a.First, &a.Second, &at); err != nil {
			return nil, fmt.Errorf("read alerts: %w", err)
		}
		a.Size, a.CreatedAt = uint64(size), fromMicros(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Routes returns the witness API.
func (s *Service) Routes() []api.Route {
	const tag = "witness"
	return []api.Route{
		{Method: "GET", Path: "/api/v1/witness/partners", Summary: "Partners as witnesses: their latest checkpoint seen, their latest cosignature of this node's log",
			Tag: tag, Roles: oversight, Response: []Partner{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
				ps, err := s.Partners(r.Context())
				if err != nil {
					return err
				}
				return httpx.WriteJSON(w, http.StatusOK, ps)
			}},
		{Method: "GET", Path: "/api/v1/witness/alerts", Summary: "Split views detected in partners' or this node's audit logs, newest first",
			Tag: tag, Roles: oversight, Response: []Alert{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
				as, err := s.Alerts(r.Context())
				if err != nil {
					return err
				}
				return httpx.WriteJSON(w, http.StatusOK, as)
			}},
	}
}
