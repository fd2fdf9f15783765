package stages

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestFlightsRunOnceForConcurrentAndLaterCallers: callers of one key that
// arrive while it runs wait and share its result, as do later ones; other
// keys run on their own.
func TestFlightsRunOnceForConcurrentAndLaterCallers(t *testing.T) {
	g := newFlights[int]()
	var runs atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]int, 5)
	sharedCount := atomic.Int32{}
	wg.Add(1)
	go func() { // the leader, held until the others wait
		defer wg.Done()
		results[0], _, _ = g.do(ctx, "k", func() (int, error) {
			runs.Add(1)
			close(started)
			<-release
			return 42, nil
		})
	}()
	<-started
	for i := 1; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v, shared, _ := g.do(ctx, "k", func() (int, error) { runs.Add(1); return -1, nil })
			results[i] = v
			if shared {
				sharedCount.Add(1)
			}
		}(i)
	}
	close(release)
	wg.Wait()
	v, shared, err := g.do(ctx, "k", func() (int, error) { runs.Add(1); return -1, nil })
	results[4] = v
	if runs.Load() != 1 || !shared || err != nil || sharedCount.Load() != 3 {
		t.Fatalf("runs %d, later caller shared=%v err=%v, %d waiters shared", runs.Load(), shared, err, sharedCount.Load())
	}
	for i, r := range results {
		if r != 42 {
			t.Errorf("caller %d got %d, want the leader's 42", i, r)
		}
	}
	if v, shared, _ := g.do(ctx, "other", func() (int, error) { return 7, nil }); v != 7 || shared {
		t.Errorf("another key: %d shared=%v, want its own run", v, shared)
	}
}

// TestFlightsWaiterStopsOnCancel: a caller waiting for another's run
// returns when its context ends; the run goes on and its result stays for
// the next caller.
func TestFlightsWaiterStopsOnCancel(t *testing.T) {
	g := newFlights[string]()
	release, started := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.do(context.Background(), "k", func() (string, error) { close(started); <-release; return "layer", nil })
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, shared, err := g.do(ctx, "k", func() (string, error) { t.Error("ran twice"); return "", nil }); !errors.Is(err, context.Canceled) || !shared {
		t.Errorf("cancelled waiter: shared=%v err=%v, want context.Canceled", shared, err)
	}
	close(release)
	<-done
	if v, _, err := g.do(context.Background(), "k", nil); v != "layer" || err != nil {
		t.Errorf("after the run: %q %v", v, err)
	}
}

// TestFlightsNilRunsEveryCall: a build of one platform shares nothing.
func TestFlightsNilRunsEveryCall(t *testing.T) {
	var g *flights[int]
	n := 0
	for i := 0; i < 2; i++ {
		if _, shared, _ := g.do(context.Background(), "k", func() (int, error) { n++; return n, nil }); shared {
			t.Error("a nil group shared a run")
		}
	}
	if n != 2 {
		t.Errorf("nil group ran %d times, want 2", n)
	}
}

// TestFirstCauseSkipsConsequences: the failure reported is the platform's
// own, not the cancellation it caused elsewhere nor a shared step's echo,
// and it names the platform in its one line.
func TestFirstCauseSkipsConsequences(t *testing.T) {
	cause := &Error{File: "Dockerfile", Line: 3, Err: errors.New("RUN exited with status 1")}
	failed := []error{
		platformFailure("linux/amd64", &Error{File: "Dockerfile", Line: 2, Err: context.Canceled}),
		platformFailure("linux/s390x", sharedFailure(true, stepOutcome{platform: "linux/arm64"}, cause)),
		platformFailure("linux/arm64", cause),
	}
	got := firstCause(failed).Error()
	if got != "Dockerfile:3: [linux/arm64] RUN exited with status 1" {
		t.Errorf("reported %q", got)
	}
	if got := firstCause(failed[:1]); !errors.Is(got, context.Canceled) || !strings.Contains(got.Error(), "[linux/amd64]") {
		t.Errorf("only a cancellation (Ctrl-C): %v", got)
	}
	if got := platformFailure("linux/arm64", errors.New("commit: disk full")).Error(); got != "[linux/arm64] commit: disk full" {
		t.Errorf("a failure with no line: %q", got)
	}
}
