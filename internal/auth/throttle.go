package auth

import (
	"sync"
	"time"
)

// throttle slows down password guessing per account and per client address:
// after `free` failures within the window, each further attempt must wait an
// exponentially growing delay (capped), and a success clears the account.
type throttle struct {
	mu      sync.Mutex
	entries map[string]*failures
	free    int
	window  time.Duration
	maxWait time.Duration
}

type failures struct {
	count int
	last  time.Time
}

func newThrottle(free int, window, maxWait time.Duration) *throttle {
	return &throttle{entries: map[string]*failures{}, free: free, window: window, maxWait: maxWait}
}

// wait returns how long key must still wait before its next attempt.
func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.entries[key]
	if f == nil || now.Sub(f.last) > t.window {
		return 0
	}
	if f.count < t.free {
		return 0
	}
	d := time.Second << min(f.count-t.free, 16)
	d = min(d, t.maxWait)
	if rem := f.last.Add(d).Sub(now); rem > 0 {
		return rem
	}
	return 0
}

func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.entries[key]
	if f == nil || now.Sub(f.last) > t.window {
		f = &failures{}
		t.entries[key] = f
	}
	f.count++
	f.last = now
	if len(t.entries) > 100_000 { // bound memory under a spray of addresses
		for k, e := range t.entries {
			if now.Sub(e.last) > t.window {
				delete(t.entries, k)
			}
		}
	}
}

func (t *throttle) reset(key string) {
	t.mu.Lock()
	delete(t.entries, key)
	t.mu.Unlock()
}
