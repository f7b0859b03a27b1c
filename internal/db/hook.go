package db

import (
	"context"
	"sync/atomic"
)

// FirstWriteHook runs inside the first Write of a request, in the same
// savepoint as the request's own changes, so that whatever it records (an
// idempotency key, for one) commits if and only if that write commits.
type FirstWriteHook struct {
	fn        func(ctx context.Context, tx *Tx) error
	committed atomic.Bool
}

type hookKey struct{}

// WithFirstWriteHook returns a context whose first successful Write also runs
// fn, and the hook to ask afterwards whether that happened.
func WithFirstWriteHook(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) (context.Context, *FirstWriteHook) {
	h := &FirstWriteHook{fn: fn}
	return context.WithValue(ctx, hookKey{}, h), h
}

// Committed reports whether a Write carrying the hook has committed.
func (h *FirstWriteHook) Committed() bool { return h.committed.Load() }

// PendingFirstWriteHook reports whether ctx carries a first-write hook that
// has not committed yet: the next Write with ctx must be the caller's own,
// so that the hook commits with it.
func PendingFirstWriteHook(ctx context.Context) bool { return pendingHook(ctx) != nil }

// pendingHook returns the context's hook if it has not committed yet.
func pendingHook(ctx context.Context) *FirstWriteHook {
	h, _ := ctx.Value(hookKey{}).(*FirstWriteHook)
	if h == nil || h.committed.Load() {
		return nil
	}
	return h
}

// runHook runs the context's hook, if any and not yet committed, in tx.
func runHook(ctx context.Context, tx *Tx) error {
	h := pendingHook(ctx)
	if h == nil {
		return nil
	}
	if err := h.fn(ctx, tx); err != nil {
		return err
	}
	tx.OnCommit(func() { h.committed.Store(true) })
	return nil
}
