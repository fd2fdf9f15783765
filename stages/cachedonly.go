package stages

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"

	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/unpack"
)

// ErrNotCached is what Build returns with Options.CachedOnly when a step
// would have to run: nothing was written but cache lookups.
var ErrNotCached = errors.New("a step is not cached")

// TryCached builds o as a build that runs no step, before anything a step
// needs is set up (for bud: the sealed copy of the binary RUN needs). When
// every step is a cache hit it commits, calls before (if not nil), replays
// the build's output to o's writers and progress, and returns the image ID
// with true. Otherwise it prints nothing and returns false: nothing but
// cache lookups was done, and the caller builds o as usual. Options a
// cache-only build cannot honour (--no-cache, --pull=always, registry
// caches, outputs, pushes, several platforms, squashing, a Dockerfile on
// stdin) always return false.
func TryCached(ctx context.Context, st *layers.Store, o Options, before func()) (string, bool) {
	if cachedOnlyRefusal(o) != nil {
		return "", false
	}
	var out, errs, logs lockedBuffer
	rec := &recorder{}
	try := o
	try.CachedOnly, try.Pull = true, unpack.PullNever
	var logTo io.Writer = &logs
	if o.Out != nil && o.Out != io.Discard {
		try.Out, logTo = &out, &out // plain lines: log lines keep their place among them
	}
	if o.Err != nil {
		try.Err = &errs
	}
	if o.Progress != nil {
		try.Progress = rec
	}
	// Warnings the build logs (an option that cannot apply, a build argument
	// no ARG consumed) are said by the build that counts, once.
	logger := logrus.StandardLogger()
	logged := logger.Out
	logger.SetOutput(logTo)
	id, err := Build(ctx, st, try)
	logger.SetOutput(logged)
	if err != nil {
		logrus.Debugf("cache-only attempt: %v; building with every step allowed", err)
		return "", false
	}
	logrus.Debugf("fully cached build: no step ran")
	if before != nil {
		before()
	}
	_, _ = logged.Write(logs.Bytes())
	rec.replay(o.Progress)
	if try.Out == &out {
		_, _ = o.Out.Write(out.Bytes())
	}
	if try.Err == &errs {
		_, _ = o.Err.Write(errs.Bytes())
	}
	return id, true
}

// checkCachedOnly refuses, with ErrNotCached, a cache-only build of
// options that need more than cache lookups and a commit.
func checkCachedOnly(o Options) error {
	if !o.CachedOnly {
		return nil
	}
	return cachedOnlyRefusal(o)
}

func cachedOnlyRefusal(o Options) error {
	switch {
	case o.NoCache, o.Pull == unpack.PullAlways,
		o.CacheTo != "", len(o.CacheFrom) > 0, o.Output != nil, len(o.PushTo) > 0,
		len(o.Platforms) > 1, o.Squash, o.SquashAll, o.Dockerfile == "-" && o.DockerfileContent == nil:
		return ErrNotCached
	}
	return nil
}

// notCached stops a cache-only build at a step that would have to run.
func (st *stageState) notCached() error {
	if st.b.opts.CachedOnly {
		return ErrNotCached
	}
	return nil
}

// indexLayers reads every layer once for a cache-only build, which writes
// no layer: its cache lookups and the chain it commits come from there
// (layers.LayerIndex). A build that may run steps asks the store each time.
func (b *builder) indexLayers() {
	if !b.opts.CachedOnly {
		return
	}
	x, err := b.store.IndexLayers()
	if err != nil {
		logrus.Debugf("cache-only build: %v; asking the store for each layer", err)
		return
	}
	b.layerIndex = x
}

// cachedLayer is the local cache entry for key, if one recorded late
// enough for --cache-ttl.
func (b *builder) cachedLayer(key string) (string, bool) {
	if b.layerIndex != nil {
		return b.layerIndex.CachedLayerSince(key, b.cacheSince())
	}
	return b.store.CachedLayerSince(key, b.cacheSince())
}

// recorder keeps a build's events to replay them once the build is known
// to be fully cached.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) Event(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) replay(p Progress) {
	if p == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		p.Event(e)
	}
}

// lockedBuffer is a bytes.Buffer every stage's goroutine may write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Bytes()
}
