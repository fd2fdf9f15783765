package stages

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/unpack"
)

// builder is the state of one build shared by its stage executors.
type builder struct {
	store   *layers.Store
	puller  *unpack.Puller
	opts    Options
	plan    *Plan
	args    *buildArgs
	global  map[string]string
	nodes   map[*Stage]*node
	target  *Stage
	order   []*Stage
	results map[*Stage]*stageResult
	ignore  []string
	runDir  string     // per-build scratch space under the store's run root
	epoch   *time.Time // the SOURCE_DATE_EPOCH build arg, if given

	// hostPuller pulls for $BUILDPLATFORM stages of a build for another
	// platform (pullerFor in platform.go).
	hostPuller *unpack.Puller

	contexts map[string]*namedContext // --build-context, by contextKey

	// committed are the stages whose layers the image is made of: the
	// target and the stages it is FROM. The others are only copied from.
	committed map[*Stage]bool

	cache cacheState // registry cache bookkeeping

	// steps runs each filesystem step once among the platforms of a
	// several-platform build; nil runs every step (stepshare.go).
	steps *flights[stepOutcome]

	mu      sync.Mutex
	created []string // working layers, deleted (newest first) when the build ends
	retired []string // working layers sealed into others, deleted during the next step (retire.go)
	events  Progress // nil under --quiet

	digests statDigests // linear at scale (issue 11): file digests by stat

	// layerIndex is every layer read once, for a cache-only build
	// (cachedonly.go); nil: ask the store.
	layerIndex *layers.LayerIndex
}

// stageResult is what a finished stage hands to the stages that read it.
type stageResult struct {
	done chan struct{}
	err  error
	top  string
	key  string
	cfg  layers.ImageSpec

	// Registry cache: what is still in registries (see lazyFrom, remoteHit).
	mu      sync.Mutex            // guards top, pending and base once done
	pending []*layers.RemoteEntry // registry cache hits above top, not downloaded yet
	base    *lazyBase             // a base image not pulled yet; top is "" until it is

	squashFrom squashBase // where FROM left the stage (squash.go)
}

func (r *stageResult) wait(ctx context.Context) error {
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *stageResult) finish(err error) {
	r.err = err
	close(r.done)
}

// newBuilder prepares a build; dockerfile is the Dockerfile's path, whose
// <name>.dockerignore takes precedence over the context's .dockerignore.
func newBuilder(ctx context.Context, st *layers.Store, o Options, plan *Plan, dockerfile string) (*builder, error) {
	if fi, err := os.Stat(o.ContextDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("build context %q is not a directory: pass a directory as the last argument", o.ContextDir)
	}
	abs, err := filepath.Abs(o.ContextDir)
	if err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	o.ContextDir = abs
	b := &builder{store: st, opts: o, plan: plan, args: newBuildArgs(o.BuildArgs), results: map[*Stage]*stageResult{}, events: o.Progress}
	b.steps = o.run.sharedSteps()
	if b.epoch, err = sourceDateEpoch(o.BuildArgs); err != nil {
		return nil, err
	}
	if err := b.openCaches(); err != nil {
		return nil, err
	}
	b.indexLayers()
	// Always a platform: a local image of another one is not a base.
	target := o.targetPlatform()
	b.args.target = target
	b.puller = &unpack.Puller{Store: st.Storage(), Registry: o.Registry, Platform: &target}
	if b.events != nil {
		b.puller.Log = b.logWriter()
	}
	lex := b.newLexer()
	if b.global, err = globalArgs(plan.MetaArgs, b.args, lex); err != nil {
		return nil, &Error{File: plan.File, Instruction: "ARG", Err: err}
	}
	if b.nodes, err = plan.graph(b.global, lex); err != nil {
		return nil, err
	}
	b.assignPlatforms()
	if b.contexts, err = parseBuildContexts(o.BuildContexts); err != nil {
		return nil, err
	}
	b.applyContexts()
	if b.target, err = plan.target(o.Target); err != nil {
		return nil, err
	}
	b.order = needed(b.nodes, b.target)
	if err := b.validate(); err != nil {
		return nil, err
	}
	if err := b.checkEmulation(); err != nil {
		return nil, err
	}
	b.committed = map[*Stage]bool{}
	for s := b.target; s != nil; s = b.nodes[s].baseStage {
		b.committed[s] = true
	}
	for _, s := range b.order {
		b.results[s] = &stageResult{done: make(chan struct{})}
	}
	if o.DockerfileContent != nil || o.Dockerfile == "-" {
		dockerfile = ""
	}
	if b.ignore, err = unpack.LoadIgnore(abs, dockerfile, o.IgnoreFile); err != nil {
		return nil, fmt.Errorf("read .dockerignore: %w", err)
	}
	base := filepath.Join(st.Storage().RunRoot(), "stagebox")
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	if b.runDir, err = os.MkdirTemp(base, "build-"); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	return b, nil
}

// track records a working layer so cleanup can remove it.
func (b *builder) track(id string) {
	b.mu.Lock()
	b.created = append(b.created, id)
	b.mu.Unlock()
}

// untrackLocked takes a layer off the cleanup list: a cache entry, which
// later builds reuse and `stagebox prune` removes once unused, or one
// already deleted. The caller holds b.mu.
func (b *builder) untrackLocked(id string) {
	for i, c := range b.created {
		if c == id {
			b.created = append(b.created[:i], b.created[i+1:]...)
			return
		}
	}
}

// cleanup deletes the build's working layers, children before parents, and
// its scratch directory. The committed image has its own copies, so nothing
// a later command needs is lost; an interrupted build leaves nothing behind.
func (b *builder) cleanup() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.created) - 1; i >= 0; i-- {
		if err := b.store.DeleteLayer(b.created[i]); err != nil {
			logrus.Debugf("delete working layer %s: %v", b.created[i], err)
		}
	}
	b.created = nil
	b.saveDigests()
	if b.runDir != "" {
		os.RemoveAll(b.runDir)
	}
}

// parallel reports whether stages may run at once, in which case RUN
// output lines carry the stage's name.
func (b *builder) parallel() bool { return b.opts.Jobs > 1 && len(b.order) > 1 }

// now is the build's clock: every `created` it writes, pinned by
// --timestamp or SOURCE_DATE_EPOCH for reproducible images.
func (b *builder) now() time.Time {
	if b.opts.Timestamp != nil {
		return b.opts.Timestamp.UTC()
	}
	if b.epoch != nil {
		return b.epoch.UTC()
	}
	return time.Now().UTC()
}
