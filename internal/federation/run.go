package federation

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// bell names a worker's doorbell.
type bell int

const (
	bellSeal       bell = iota // new envelopes to seal
	bellDeliver                // sealed envelopes to deliver
	bellFetch                  // attachment chunks to fetch
	bellDeliverNow             // the partner is back: cut the delivery backoff short
	bellFetchNow               // the partner is back: cut the fetch backoff short
	numBells
)

// doorbells wake a partner's workers. A ring is never blocking and rings
// that come while a worker is busy merge into one.
type doorbells [numBells]chan struct{}

func (d *doorbells) ring(b bell) {
	select {
	case d[b] <- struct{}{}:
	default:
	}
}

func (s *Service) bells(agency string) *doorbells {
	s.wakeMu.Lock()
	defer s.wakeMu.Unlock()
	d, ok := s.wake[agency]
	if !ok {
		d = &doorbells{}
		for i := range d {
			d[i] = make(chan struct{}, 1)
		}
		s.wake[agency] = d
	}
	return d
}

// contact is called when a partner reached this node: it is up, so the
// workers sending to it stop waiting out their backoff.
func (s *Service) contact(agency string) {
	b := s.bells(agency)
	b.ring(bellDeliverNow)
	b.ring(bellFetchNow)
}

// Run delivers queued envelopes and fetches attachments until ctx ends.
// Each partner gets three workers: a sealer, a deliverer (in sequence
// order, batched, retrying with capped exponential backoff and jitter) and
// an attachment fetcher; a dead partner therefore never holds up another.
// On start, Run greets every active partner, which tells a partner that
// was waiting for this node to deliver its own queue now. Run returns nil
// after ctx ends and every worker has stopped.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	running := map[string]context.CancelFunc{}
	syncWorkers := func() {
		for _, p := range s.partners.all() {
			cancel, ok := running[p.agency]
			if p.state == StateRemoved {
				if ok {
					cancel()
					delete(running, p.agency)
				}
				continue
			}
			if ok {
				continue
			}
			wctx, cancel := context.WithCancel(ctx)
			running[p.agency] = cancel
			agency := p.agency
			wg.Go(func() { s.work(wctx, agency, bellSeal, -1, s.sealDue) })
			wg.Go(func() { s.work(wctx, agency, bellDeliver, bellDeliverNow, s.deliverOnce) })
			wg.Go(func() { s.work(wctx, agency, bellFetch, bellFetchNow, s.fetchOnce) })
			if p.state == StateActive {
				wg.Go(func() { s.greet(wctx, agency) })
			}
		}
	}
	ringAll := func() {
		for _, p := range s.partners.all() {
			b := s.bells(p.agency)
			b.ring(bellSeal)
			b.ring(bellDeliver)
			b.ring(bellFetch)
		}
	}
	syncWorkers()
	poll := time.NewTicker(s.cfg.PollInterval)
	defer poll.Stop()
	housekeeping := time.NewTicker(time.Hour)
	defer housekeeping.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-s.reload:
			syncWorkers()
			for _, p := range s.partners.all() {
				s.contact(p.agency)
			}
			ringAll()
		case <-poll.C:
			// Pick up partner changes and work queued by other processes
			// sharing this node's database.
			if err := s.loadPartners(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("reload partners", slog.String("error", err.Error()))
			}
			syncWorkers()
			ringAll()
		case <-housekeeping.C:
			if err := s.expireUploads(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("expire unfinished uploads", slog.String("error", err.Error()))
			}
			// A long-running node renews (and announces) its card before it expires.
			if err := s.ensureOwnCard(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("renew partner card", slog.String("error", err.Error()))
			}
		}
	}
}

// work runs step for one partner whenever its bell rings or PollInterval
// passes, at once again while step makes progress, and after a capped,
// jittered exponential backoff while it fails. A ring of the now bell
// (the partner reached us) ends a backoff early.
func (s *Service) work(ctx context.Context, agency string, b, now bell, step func(context.Context, *partner) (int, error)) {
	bells := s.bells(agency)
	failures := 0
	var nowCh chan struct{}
	if now >= 0 {
		nowCh = bells[now]
	}
	for {
		var n int
		var err error
		if p := s.partners.get(agency); p != nil && p.state == StateActive {
			n, err = step(ctx, p)
		}
		if ctx.Err() != nil {
			return
		}
		var wait time.Duration
		var wake chan struct{}
		switch {
		case err != nil:
			failures++
			wait, wake = s.backoff(failures), nowCh
			if _, ok := err.(*deliveryError); !ok {
				s.log.Warn("federation worker", slog.String("partner", agency), slog.String("error", err.Error()))
			}
		case n > 0:
			failures = 0
			continue
		default:
			failures = 0
			wait, wake = s.cfg.PollInterval, bells[b]
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-wake:
			t.Stop()
		}
	}
}

// backoff is the pause after the given number of consecutive failures:
// BackoffMin doubled per failure up to BackoffMax, with "equal jitter"
// (half fixed, half random) so that nodes do not retry in lockstep.
func (s *Service) backoff(failures int) time.Duration {
	d := s.cfg.BackoffMax
	if failures < 30 {
		d = min(s.cfg.BackoffMin<<(failures-1), s.cfg.BackoffMax)
	}
	return d/2 + rand.N(d/2+1)
}

// greet sends the signed hello to a partner once, retrying with backoff
// until it answers: the partner learns that this node is up (and delivers
// its queue to it at once), and this node that the partner answers with the
// key of its card.
func (s *Service) greet(ctx context.Context, agency string) {
	for failures := 1; ; failures++ {
		p := s.partners.get(agency)
		if p == nil || p.state != StateActive {
			return
		}
		err := s.hello(ctx, p)
		if err == nil {
			s.contact(agency)
			return
		}
		t := time.NewTimer(s.backoff(failures))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-s.bells(agency)[bellFetchNow]:
			// The partner reached us first; the fetcher's ring is put back.
			t.Stop()
			s.bells(agency).ring(bellFetchNow)
			return
		}
	}
}

// hello fetches and verifies the partner's signed hello.
func (s *Service) hello(ctx context.Context, p *partner) error {
	client := s.clientFor(p)
	var lastErr error
	for _, base := range p.card.URLs {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+Prefix+"/hello", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			lastErr = err
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
		resp.Body.Close()
		if err != nil {
			lastErr = err
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("hello: %s", problemSummary(resp.StatusCode, data))
		}
		var h Hello
		if err := json.Unmarshal(data, &h); err != nil {
			return fmt.Errorf("hello: %w", err)
		}
		if h.Agency != p.agency || !ed25519.Verify(p.card.PublicKey(), HelloMessage(h), h.Signature) {
			return fmt.Errorf("hello: not signed by %s's card key", p.agency)
		}
		return nil
	}
	return lastErr
}

// jsonUnmarshalLimited decodes a small JSON document, for error bodies.
func jsonUnmarshalLimited(data []byte, v any) error {
	if len(data) > 64<<10 {
		return fmt.Errorf("too large")
	}
	return json.Unmarshal(data, v)
}
