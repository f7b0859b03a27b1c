package matchsvc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liaison-project/liaison/internal/audit"
	"github.com/liaison-project/liaison/internal/db"
	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/federation/card"
	"github.com/liaison-project/liaison/internal/httpx"
	"github.com/liaison-project/liaison/internal/match"
)

// tableCache holds the querier's copies of its partners' tables: one per
// partner, of the newest epoch the partner published, bounded in entries.
type tableCache struct {
	mu      sync.Mutex
	tables  map[string]*remoteTable
	fetches map[string]*sync.Mutex // one download per partner at a time
	entries int
}

// remoteTable is a partner's published table for this node.
type remoteTable struct {
	ann     SignedAnnouncement
	gen     uint64
	table   *match.Table
	fetched atomic.Int64 // Unix nanoseconds of the last download
	entries int          // when installed, for the cache bound
}

func (t *remoteTable) fetchedAt() time.Time { return time.Unix(0, t.fetched.Load()) }

func newTableCache() *tableCache {
	return &tableCache{tables: map[string]*remoteTable{}, fetches: map[string]*sync.Mutex{}}
}

func (c *tableCache) get(partner string) *remoteTable {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tables[partner]
}

func (c *tableCache) lock(partner string) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.fetches[partner]
	if m == nil {
		m = &sync.Mutex{}
		c.fetches[partner] = m
	}
	return m
}

// put installs t for partner if the cache bound allows.
func (c *tableCache) put(partner string, t *remoteTable, max int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := 0
	if cur := c.tables[partner]; cur != nil {
		old = cur.entries
	}
	if c.entries-old+t.entries > max {
		return errs.E(errs.TooLarge, "table", fmt.Sprintf("%s's table of %d entries does not fit this node's table cache (%d entries)", partner, t.entries, max))
	}
	c.entries += t.entries - old
	c.tables[partner] = t
	return nil
}

func (c *tableCache) drop(partner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.tables[partner]; cur != nil {
		c.entries -= cur.entries
		delete(c.tables, partner)
	}
}

// table returns partner's table, brought up to date first when it is older
// than TableMaxAge (or always, with force).
func (s *Service) table(ctx context.Context, partner string, force bool) (*remoteTable, error) {
	m := s.tables.lock(partner)
	m.Lock()
	defer m.Unlock()
	cur := s.tables.get(partner)
	if cur != nil && !force && s.now().Sub(cur.fetchedAt()) < s.cfg.TableMaxAge {
		return cur, nil
	}
	t, err := s.fetchTable(ctx, partner, cur)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// fetchTable downloads partner's table: deltas onto cur when the partner
// still publishes cur's epoch and generation, a snapshot otherwise.
func (s *Service) fetchTable(ctx context.Context, partner string, cur *remoteTable) (*remoteTable, error) {
	p, ok, err := s.partner(ctx, partner)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.tables.drop(partner)
		return nil, errs.E(errs.NotExist, "partner", partner+" is not an active partner")
	}
	q := url.Values{}
	if cur != nil {
		q.Set("epoch", strconv.FormatUint(uint64(cur.ann.Announcement.Epoch), 10))
		q.Set("gen", strconv.FormatUint(cur.gen, 10))
		q.Set("since", strconv.FormatUint(cur.table.Version(), 10))
	}
	status, body, err := s.fed.CallPeer(ctx, partner, http.MethodGet, pathTable+"?"+q.Encode(), nil, "")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, peerError(partner, status, body)
	}
	resp, err := parseTableResponse(body)
	if err != nil {
		return nil, fmt.Errorf("%s's table: %w", partner, err)
	}
	sa := resp.Announcement
	if sa.Announcement.Holder != partner {
		return nil, errs.E(errs.Invalid, "table", fmt.Sprintf("%s answered with an announcement of %s", partner, sa.Announcement.Holder))
	}
	if fp := card.KeyIDOf(partner, sa.SigningKey).String(); fp != p.Fingerprint {
		return nil, errs.E(errs.Invalid, "table", fmt.Sprintf("%s's epoch announcement is not signed with the key of its partner card", partner))
	}
	if err := s.noteAnnouncement(ctx, sa); err != nil {
		return nil, err
	}
	now := s.now()
	if resp.Snapshot == nil {
		if cur == nil || cur.ann.Announcement != sa.Announcement || cur.gen != resp.Generation {
			return nil, errs.E(errs.Invalid, "table", partner+" sent deltas for a table this node does not hold")
		}
		for _, raw := range resp.Deltas {
			d, err := match.ParseDelta(raw)
			if err == nil {
				err = cur.table.Apply(d)
			}
			if err != nil {
				s.log.Warn("partner table delta does not apply; downloading a snapshot", slog.String("partner", partner), slog.String("error", err.Error()))
				return s.fetchTable(ctx, partner, nil)
			}
		}
		cur.fetched.Store(now.UnixNano())
		return cur, nil
	}
	tab, err := match.ParseTable(resp.Snapshot)
	if err != nil {
		return nil, fmt.Errorf("%s's table: %w", partner, err)
	}
	if tab.Holder() != partner || tab.Partner() != s.cfg.Agency || tab.Epoch() != sa.Announcement.Epoch {
		return nil, errs.E(errs.Invalid, "table", fmt.Sprintf("%s sent a table of %s for %s, epoch %d", partner, tab.Holder(), tab.Partner(), tab.Epoch()))
	}
	t := &remoteTable{ann: sa, gen: resp.Generation, table: tab, entries: tab.Len()}
	t.fetched.Store(now.UnixNano())
	if err := s.tables.put(partner, t, s.cfg.MaxCachedEntries); err != nil {
		return nil, err
	}
	return t, nil
}

// noteAnnouncement keeps the first announcement each partner signed for an
// epoch, and refuses a different one: a holder that announces two keys for
// one epoch could single out a querier.
func (s *Service) noteAnnouncement(ctx context.Context, sa SignedAnnouncement) error {
	a := sa.Announcement
	var known []byte
	err := s.db.QueryRowContext(ctx, `SELECT announcement FROM match_announcements WHERE holder = ? AND epoch = ?`,
		a.Holder, int64(a.Epoch)).Scan(&known)
	if err == nil {
		if !bytes.Equal(known, sa.Raw) {
			return s.equivocation(ctx, a)
		}
		return nil
	}
	return s.db.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO match_announcements (holder, epoch, announcement, signing_key, signature, seen_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (holder, epoch) DO NOTHING`,
			a.Holder, int64(a.Epoch), sa.Raw, []byte(sa.SigningKey), sa.Signature, s.now().UnixMicro())
		return err
	})
}

// equivocation records that a holder signed two announcements for one
// epoch, and refuses its table.
func (s *Service) equivocation(ctx context.Context, a match.Announcement) error {
	reason := fmt.Sprintf("%s announced a second key for epoch %d: its answers could single out this node", a.Holder, a.Epoch)
	s.log.Error("matching holder equivocation", slog.String("partner", a.Holder), slog.Uint64("epoch", uint64(a.Epoch)))
	err := s.db.Write(ctx, func(tx *db.Tx) error {
		e := audit.New(ctx, audit.Consult, audit.Ref{Type: "partner", ID: a.Holder})
		e.Outcome, e.Reason = audit.Failed, reason
		return s.audit.Append(ctx, tx, e)
	})
	if err != nil {
		return err
	}
	return errs.E(errs.Invalid, "announcement", reason)
}

// peerError turns a partner's error answer into an error for the officer.
func peerError(partner string, status int, body []byte) error {
	var p httpx.Problem
	detail := http.StatusText(status)
	if len(body) <= 16<<10 && json.Unmarshal(body, &p) == nil && p.Detail != "" {
		detail = p.Detail
	}
	kind := errs.Transient
	switch status {
	case http.StatusTooManyRequests:
		kind = errs.RateLimited
	case http.StatusConflict:
		kind = errs.Conflict
	case http.StatusBadRequest, http.StatusUnsupportedMediaType, http.StatusRequestEntityTooLarge:
		kind = errs.Invalid
	case http.StatusForbidden, http.StatusUnauthorized:
		kind = errs.Permission
	}
	return errs.E(kind, "partner", partner+": "+truncate(detail, 300))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// runTableRefresh keeps partner tables fresh in the background, so that
// online queries rarely wait for a download.
func (s *Service) runTableRefresh(ctx context.Context) {
	t := time.NewTicker(max(s.cfg.TableMaxAge/2, time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ps, err := s.activePartners(ctx)
		if err != nil {
			continue
		}
		for _, p := range ps {
			cctx, cancel := context.WithTimeout(ctx, time.Minute)
			if _, err := s.table(cctx, p.Agency, true); err != nil && ctx.Err() == nil {
				s.log.Debug("refresh partner table", slog.String("partner", p.Agency), slog.String("error", err.Error()))
			}
			cancel()
		}
	}
}
