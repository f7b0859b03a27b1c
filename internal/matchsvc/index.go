package matchsvc

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liaison-project/liaison/internal/errs"
	"github.com/liaison-project/liaison/internal/match"
	"github.com/liaison-project/liaison/internal/policy"
	"github.com/liaison-project/liaison/internal/record"
)

// index is the holder's side: per epoch, one match.View per active
// partner, built from the records each partner may match.
//
// The views live in memory and are rebuilt from the records tables when
// the service starts; tags and references are deterministic for an epoch
// key, so a rebuilt view publishes the same real entries (with new
// dummies, under a new generation, which makes partners download a fresh
// snapshot). Everything that changes views runs in [Service.Sync], one
// step at a time; partner requests only read them.
type index struct {
	mu     sync.RWMutex
	epochs map[match.EpochID]*epochState

	step     sync.Mutex // serialises Sync; guards the fields below
	loaded   bool
	keys     map[match.EpochID]*match.EpochKey // every key the holder has
	recs     map[string]*indexedRecord         // by record id; only records with keys
	cursor   int64                             // last change-feed entry applied
	partners map[string]policy.Partner         // the partners views are built for

	indexed atomic.Int64 // len(recs), for Status
}

// indexedRecord is what the index remembers of a record: its keys (the
// holder's own data, kept in memory only), its envelope, and the views it
// was added to.
type indexedRecord struct {
	keys []match.Key
	env  policy.Envelope
	in   []viewKey
}

type viewKey struct {
	epoch   match.EpochID
	partner string
}

// epochState is one epoch's signed announcement and partner views.
type epochState struct {
	key   *match.EpochKey
	ann   SignedAnnouncement
	views map[string]*partnerView
}

// partnerView is one partner's view with what table downloads need: the
// generation, recent deltas and a cached snapshot encoding.
type partnerView struct {
	partner policy.Partner
	view    *match.View
	gen     uint64

	mu       sync.Mutex
	deltas   []publishedDelta // oldest first
	snap     []byte           // encoded snapshot at snapVer
	snapVer  uint64
	snapSize int // bytes of the last snapshot, to compare delta chains with
}

type publishedDelta struct {
	from, to uint64
	data     []byte
}

func newIndex() *index {
	return &index{epochs: map[match.EpochID]*epochState{}, keys: map[match.EpochID]*match.EpochKey{}, recs: map[string]*indexedRecord{}, partners: map[string]policy.Partner{}}
}

// Sync brings the index up to date once: it loads the records on first
// use, follows partner changes, installs the current epoch (drawing and
// storing its key, building and publishing its views), drops expired
// epochs, applies the records' change feed, publishes pending changes and
// resolves received follow-ups. Run calls it every poll interval; tests
// and tools call it to see a change at once.
func (s *Service) Sync(ctx context.Context) error {
	ix := s.idx
	ix.step.Lock()
	defer ix.step.Unlock()
	now := s.now()
	if !ix.loaded {
		if err := s.loadIndex(ctx, now); err != nil {
			return err
		}
	}
	if err := s.syncPartners(ctx, now); err != nil {
		return err
	}
	if err := s.syncEpochs(ctx, now); err != nil {
		return err
	}
	if err := s.followFeed(ctx); err != nil {
		return err
	}
	if err := s.publishPending(); err != nil {
		return err
	}
	ix.indexed.Store(int64(len(ix.recs)))
	return s.resolveFollowUps(ctx)
}

// Ready reports whether the holder answers partners: the current epoch's
// views are built.
func (s *Service) Ready() bool {
	cur, err := s.cfg.Epochs.Current(s.now())
	if err != nil {
		return false
	}
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	_, ok := s.idx.epochs[cur]
	return ok
}

// loadIndex reads the stored epoch keys and every record. The change-feed
// cursor is taken before the records are read, so a change committed
// meanwhile is applied again, which is harmless.
func (s *Service) loadIndex(ctx context.Context, now time.Time) error {
	ix := s.idx
	keys, err := s.loadEpochKeys(ctx, now)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.holder.AddEpoch(k); err != nil && !errs.Is(err, errs.Conflict) {
			return err
		}
		ix.keys[k.Epoch] = k
	}
	if ix.cursor, err = s.records.LastChange(ctx); err != nil {
		return err
	}
	const page = 1000
	var after int64
	for {
		recs, err := readRecords(ctx, s.records, after, page)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.bad != nil {
				s.log.Error("record left out of the matching index", slog.String("record", r.id), slog.String("error", r.bad.Error()))
			}
			if r.active && len(r.keys) > 0 {
				ix.recs[r.id] = &indexedRecord{keys: r.keys, env: r.env}
			}
		}
		if len(recs) < page {
			break
		}
		after = recs[len(recs)-1].pos
	}
	ix.loaded = true
	s.log.Info("matching index loaded", slog.Int("records", len(ix.recs)), slog.Int("epoch_keys", len(keys)))
	return nil
}

// syncPartners builds views for partners that became active and drops
// those of partners that are no longer.
func (s *Service) syncPartners(ctx context.Context, now time.Time) error {
	ix := s.idx
	ps, err := s.activePartners(ctx)
	if err != nil {
		return err
	}
	want := map[string]policy.Partner{}
	for _, p := range ps {
		// Exercise partners are answered from exercise records only, real
		// ones from real records only (policy.CanMatch).
		want[p.Agency] = policy.Partner{Agency: p.Agency, Country: p.Country, Exercise: p.Exercise}
	}
	for agency, old := range ix.partners {
		if p, ok := want[agency]; !ok || p != old {
			s.dropPartner(agency)
			delete(ix.partners, agency)
		}
	}
	for agency, p := range want {
		if _, ok := ix.partners[agency]; ok {
			continue
		}
		for _, es := range s.liveEpochs() {
			if _, built := es.views[agency]; built {
				continue // built before a failure in another epoch
			}
			if err := s.buildView(ctx, es, p, now); err != nil {
				return err
			}
		}
		ix.partners[agency] = p
	}
	return nil
}

// dropPartner forgets the partner's views and memberships.
func (s *Service) dropPartner(agency string) {
	ix := s.idx
	ix.mu.Lock()
	for _, es := range ix.epochs {
		delete(es.views, agency)
	}
	ix.mu.Unlock()
	for _, r := range ix.recs {
		r.in = slices.DeleteFunc(r.in, func(vk viewKey) bool { return vk.partner == agency })
	}
}

// liveEpochs returns the installed epochs, oldest first.
func (s *Service) liveEpochs() []*epochState {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	out := make([]*epochState, 0, len(s.idx.epochs))
	for _, es := range s.idx.epochs {
		out = append(out, es)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key.Epoch < out[j].key.Epoch })
	return out
}

// syncEpochs installs the current epoch and drops expired ones. A new
// epoch's views are built before it is installed, so partners keep using
// the previous epoch (answered for the grace period) meanwhile.
func (s *Service) syncEpochs(ctx context.Context, now time.Time) error {
	ix := s.idx
	for _, e := range s.holder.DropExpired() {
		delete(ix.keys, e)
		ix.mu.Lock()
		delete(ix.epochs, e)
		ix.mu.Unlock()
		for _, r := range ix.recs {
			r.in = slices.DeleteFunc(r.in, func(vk viewKey) bool { return vk.epoch == e })
		}
		s.log.Info("matching epoch expired", slog.Uint64("epoch", uint64(e)))
	}
	if err := s.deleteExpiredKeys(ctx, now); err != nil {
		return err
	}
	cur, err := s.cfg.Epochs.Current(now)
	if err != nil {
		return err
	}
	ix.mu.RLock()
	_, installed := ix.epochs[cur]
	ix.mu.RUnlock()
	if installed {
		return nil
	}
	key, err := s.epochKey(ctx, cur)
	if err != nil {
		return err
	}
	ann, err := key.Announcement(s.cfg.Agency)
	if err != nil {
		return err
	}
	sa, err := signAnnouncement(ann, s.signing)
	if err != nil {
		return err
	}
	es := &epochState{key: key, ann: sa, views: map[string]*partnerView{}}
	start := time.Now()
	for _, p := range ix.partners {
		if err := s.buildView(ctx, es, p, now); err != nil {
			return err
		}
	}
	ix.mu.Lock()
	ix.epochs[cur] = es
	ix.mu.Unlock()
	s.log.Info("matching epoch installed", slog.Uint64("epoch", uint64(cur)), slog.Int("partners", len(es.views)),
		slog.Duration("build", time.Since(start)))
	return nil
}

// epochKey returns the key of epoch e, drawing and storing one when there
// is none.
func (s *Service) epochKey(ctx context.Context, e match.EpochID) (*match.EpochKey, error) {
	if k, ok := s.idx.keys[e]; ok {
		return k, nil
	}
	nb, na := s.cfg.Epochs.Window(e)
	k, err := match.GenerateEpochKey(e, nb, na, s.rnd)
	if err != nil {
		return nil, err
	}
	if k, err = s.storeEpochKey(ctx, k); err != nil {
		return nil, err
	}
	if err := s.holder.AddEpoch(k); err != nil {
		return nil, err
	}
	s.idx.keys[e] = k
	return k, nil
}

// buildView builds partner p's view of epoch es from every record p may
// match at now, publishes it and installs it. The OPRF work runs on all
// cores.
func (s *Service) buildView(ctx context.Context, es *epochState, p policy.Partner, now time.Time) error {
	ix := s.idx
	v, err := s.holder.NewView(p.Agency, es.key.Epoch)
	if err != nil {
		return err
	}
	vk := viewKey{es.key.Epoch, p.Agency}
	var members []*indexedRecord
	for _, r := range ix.recs {
		if s.decider.CanMatch(r.env, p, now).Allowed {
			members = append(members, r)
		}
	}
	work := make(chan *indexedRecord)
	var wg sync.WaitGroup
	var failMu sync.Mutex
	var failed error
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for r := range work {
				for _, k := range r.keys {
					if _, err := v.Add(k); err != nil {
						failMu.Lock()
						failed = cmpErr(failed, err)
						failMu.Unlock()
					}
				}
			}
		})
	}
	for _, r := range members {
		if ctx.Err() != nil {
			break
		}
		work <- r
	}
	close(work)
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if failed != nil {
		return fmt.Errorf("build %s view of epoch %d: %w", p.Agency, es.key.Epoch, failed)
	}
	if _, err := v.Publish(s.rnd); err != nil {
		return err
	}
	gen, err := randomGeneration(s.rnd)
	if err != nil {
		return err
	}
	for _, r := range members {
		r.in = append(r.in, vk)
	}
	pv := &partnerView{partner: p, view: v, gen: gen}
	ix.mu.Lock()
	es.views[p.Agency] = pv
	ix.mu.Unlock()
	return nil
}

func cmpErr(first, next error) error {
	if first != nil {
		return first
	}
	return next
}

func randomGeneration(rnd io.Reader) (uint64, error) {
	var b [8]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return 0, fmt.Errorf("draw view generation: %w", err)
	}
	return binary.BigEndian.Uint64(b[:]) | 1, nil // never 0, which means "none"
}

// followFeed applies the records' change feed since the cursor.
func (s *Service) followFeed(ctx context.Context) error {
	ix := s.idx
	for {
		changes, err := s.records.ChangesSince(ctx, ix.cursor, 1000)
		if err != nil {
			return fmt.Errorf("read change feed: %w", err)
		}
		if len(changes) == 0 {
			return nil
		}
		seen := map[string]bool{}
		for _, c := range changes {
			if seen[c.RecordID] {
				continue
			}
			seen[c.RecordID] = true
			if err := s.reindex(ctx, c); err != nil {
				return err
			}
		}
		ix.cursor = changes[len(changes)-1].Seq
	}
}

// reindex brings every view up to date with the current version of one
// record.
func (s *Service) reindex(ctx context.Context, c record.ChangeEntry) error {
	ix := s.idx
	st, err := readRecord(ctx, s.records, c.RecordID)
	if err != nil {
		return err
	}
	if st != nil && st.bad != nil {
		s.log.Error("record left out of the matching index", slog.String("record", st.id), slog.String("error", st.bad.Error()))
	}
	old := ix.recs[c.RecordID]
	next := &indexedRecord{}
	if st != nil && st.active && len(st.keys) > 0 {
		next.keys, next.env = st.keys, st.env
	}
	now := s.now()
	ix.mu.RLock()
	var views []viewKeyed
	for e, es := range ix.epochs {
		for agency, pv := range es.views {
			views = append(views, viewKeyed{viewKey{e, agency}, pv})
		}
	}
	ix.mu.RUnlock()
	for _, x := range views {
		had := old != nil && slices.Contains(old.in, x.key)
		want := len(next.keys) > 0 && s.decider.CanMatch(next.env, x.pv.partner, now).Allowed
		if had && want && slices.Equal(old.keys, next.keys) {
			next.in = append(next.in, x.key)
			continue
		}
		if had {
			for _, k := range old.keys {
				if err := x.pv.view.Remove(k); err != nil {
					return fmt.Errorf("remove record %s from the %s view: %w", c.RecordID, x.key.partner, err)
				}
			}
		}
		if want {
			for _, k := range next.keys {
				if _, err := x.pv.view.Add(k); err != nil {
					return fmt.Errorf("add record %s to the %s view: %w", c.RecordID, x.key.partner, err)
				}
			}
			next.in = append(next.in, x.key)
		}
	}
	if len(next.keys) == 0 {
		delete(ix.recs, c.RecordID)
	} else {
		ix.recs[c.RecordID] = next
	}
	return nil
}

type viewKeyed struct {
	key viewKey
	pv  *partnerView
}

// publishPending publishes every view with pending changes as a delta.
func (s *Service) publishPending() error {
	for _, es := range s.liveEpochs() {
		s.idx.mu.RLock()
		pvs := make([]*partnerView, 0, len(es.views))
		for _, pv := range es.views {
			pvs = append(pvs, pv)
		}
		s.idx.mu.RUnlock()
		for _, pv := range pvs {
			if pv.view.Stats().Pending == 0 {
				continue
			}
			d, err := pv.view.Publish(s.rnd)
			if err != nil {
				return err
			}
			data, err := d.MarshalBinary()
			if err != nil {
				return err
			}
			pv.mu.Lock()
			pv.deltas = append(pv.deltas, publishedDelta{from: d.From, to: d.To, data: data})
			if over := len(pv.deltas) - s.cfg.DeltaHistory; over > 0 {
				pv.deltas = slices.Delete(pv.deltas, 0, over)
			}
			pv.mu.Unlock()
		}
	}
	return nil
}
