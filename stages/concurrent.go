package stages

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/unpack"
)

// A several-platform build runs one stage graph per target platform, all
// at once, as BuildKit does. The graphs share one set of --jobs slots, so
// the limit holds for the whole build, and one group of step flights, so a
// step with the same key in several graphs (a $BUILDPLATFORM stage's)
// runs once and the others stack on its layer.

// platformRun is what the platforms of one build share.
type platformRun struct {
	slots chan struct{}
	steps *flights[stepOutcome]

	pullMu sync.Mutex
	pulls  map[string]*sync.Mutex // by image name (lockPull)

	// The Dockerfile is read once: -f may name a pipe.
	dockerfile sync.Once
	path       string
	content    []byte
	readErr    error
}

func newPlatformRun(jobs int) *platformRun {
	return &platformRun{slots: make(chan struct{}, jobs), steps: newFlights[stepOutcome](), pulls: map[string]*sync.Mutex{}}
}

// lockPull serializes the platforms' pulls of one name: a pull stores the
// image under its name and reads it back by that name, so two platforms'
// entries pulled at once could each read the other's. It returns the
// unlock; pulls are cancellable, so a waiter never waits long on Ctrl-C.
func (r *platformRun) lockPull(name string) func() {
	if r == nil {
		return func() {}
	}
	r.pullMu.Lock()
	m := r.pulls[name]
	if m == nil {
		m = &sync.Mutex{}
		r.pulls[name] = m
	}
	r.pullMu.Unlock()
	m.Lock()
	return m.Unlock
}

// pull is p.Pull of name per --pull, one platform at a time.
func (b *builder) pull(ctx context.Context, p *unpack.Puller, name string) (string, error) {
	defer b.opts.run.lockPull(name)()
	return p.Pull(ctx, name, b.opts.Pull)
}

// jobSlots is the channel whose capacity is the --jobs limit: the whole
// build's, or a new one for a build of one platform.
func (r *platformRun) jobSlots(jobs int) chan struct{} {
	if r == nil {
		return make(chan struct{}, jobs)
	}
	return r.slots
}

// sharedSteps is the group a build's filesystem steps run in; nil (every
// step runs) for a build of one platform.
func (r *platformRun) sharedSteps() *flights[stepOutcome] {
	if r == nil {
		return nil
	}
	return r.steps
}

// readDockerfile reads the Dockerfile once for every platform.
func (r *platformRun) readDockerfile(o Options) (string, []byte, error) {
	if r == nil {
		return readDockerfile(o)
	}
	r.dockerfile.Do(func() { r.path, r.content, r.readErr = readDockerfile(o) })
	return r.path, r.content, r.readErr
}

// buildEach builds o for each of o.Platforms concurrently and returns the
// images' IDs in that order. The first failure cancels the other
// platforms and is the one reported, naming its platform.
func buildEach(ctx context.Context, st *layers.Store, o Options) ([]string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	run := newPlatformRun(o.Jobs)
	ids := make([]string, len(o.Platforms))
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []error // in the order the platforms failed
	)
	for i := range o.Platforms {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			id, err := Build(ctx, st, platformOptions(o, i, run))
			if err != nil {
				cancel()
				mu.Lock()
				failed = append(failed, platformFailure(unpack.PlatformString(o.Platforms[i]), err))
				mu.Unlock()
				return
			}
			ids[i] = id
		}(i)
	}
	wg.Wait()
	if len(failed) > 0 {
		return nil, firstCause(failed)
	}
	return ids, nil
}

// platformOptions are the options of platform i's own build: no tags, no
// --iidfile and no push (the index gets those), events marked with the
// platform, and what the platforms share.
func platformOptions(o Options, i int, run *platformRun) Options {
	p := o.Platforms[i]
	po := o
	po.Platforms, po.Platform = nil, &p
	po.Tags, po.IIDFile, po.PushTo, po.Pushed = nil, "", nil, nil
	po.run = run
	if o.Progress != nil {
		po.Progress = platformProgress{inner: o.Progress, platform: unpack.PlatformString(p)}
	}
	return po
}

// firstCause picks, among the platforms' failures, the first that is a
// cause rather than a consequence: not a cancellation the first failure
// brought, nor a shared step that failed in another platform's build.
func firstCause(failed []error) error {
	var shared *sharedStepError
	for _, err := range failed {
		if !errors.Is(err, context.Canceled) && !errors.As(err, &shared) {
			return err
		}
	}
	return failed[0]
}

// platformFailure names the platform in a platform's failure, keeping it
// one line: `Dockerfile:7: [linux/arm64] RUN exited with status 3`.
func platformFailure(platform string, err error) error {
	if e, ok := err.(*Error); ok {
		named := *e
		named.Platform = platform
		return &named
	}
	return fmt.Errorf("[%s] %w", platform, err)
}

// platformProgress marks a platform's events with it, as BuildKit's
// `[linux/arm64 2/5]`; the build of all platforms reports its own start
// and end.
type platformProgress struct {
	inner    Progress
	platform string
}

func (p platformProgress) Event(e Event) {
	if e.Type == BuildStart || e.Type == BuildEnd {
		return
	}
	e.Platform = p.platform
	p.inner.Event(e)
}
