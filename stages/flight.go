package stages

import (
	"context"
	"sync"
)

// flights runs the work behind a key once for every caller, as BuildKit
// solves a vertex once however many platforms reach it: the first caller
// runs it, callers arriving while it runs wait for its result, and callers
// arriving later get that result at once. A several-platform build shares
// one group among its platforms' graphs, so a $BUILDPLATFORM step (the same
// key for every target) runs once even with --no-cache, where the cache
// index would not make the others skip it. A nil group runs every call.
type flights[T any] struct {
	mu    sync.Mutex
	calls map[string]*flight[T]
}

// flight is one key's work: done is closed once val and err are set.
type flight[T any] struct {
	done chan struct{}
	val  T
	err  error
}

func newFlights[T any]() *flights[T] { return &flights[T]{calls: map[string]*flight[T]{}} }

// do returns fn's result for key, running fn only if no caller has;
// shared reports that another caller's run is what was returned. A
// waiting caller gives up when ctx ends; the run it waited for goes on.
func (g *flights[T]) do(ctx context.Context, key string, fn func() (T, error)) (val T, shared bool, err error) {
	if g == nil {
		val, err = fn()
		return val, false, err
	}
	g.mu.Lock()
	if f, ok := g.calls[key]; ok {
		g.mu.Unlock()
		select {
		case <-f.done:
			return f.val, true, f.err
		case <-ctx.Done():
			return val, true, ctx.Err()
		}
	}
	f := &flight[T]{done: make(chan struct{})}
	g.calls[key] = f
	g.mu.Unlock()
	defer close(f.done) // even if fn panics: no caller waits forever
	f.val, f.err = fn()
	return f.val, false, f.err
}
