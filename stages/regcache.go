package stages

import (
	"context"
	"fmt"
	"sync"

	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/unpack"
)

// remoteHit looks key up in the --cache-from repositories, in order. A hit
// is only a descriptor: the stage stacks it as pending and downloads it
// when a step must run on it or the commit needs it. A registry that fails
// is warned about once and then skipped, so a cache outage slows a build
// down but never fails it.
func (st *stageState) remoteHit(ctx context.Context, key string) *layers.RemoteEntry {
	for _, c := range st.b.cache.from {
		if st.b.cacheDown(c) {
			continue
		}
		e, err := c.Lookup(ctx, key)
		if err != nil {
			st.b.markCacheDown(c, err)
			continue
		}
		if e != nil {
			return e
		}
	}
	return nil
}

// openCaches opens the --cache-to and --cache-from repositories with the
// build's registry options.
func (b *builder) openCaches() error {
	var err error
	if b.opts.CacheTo != "" {
		if b.cache.to, err = layers.NewRegistryCache(b.opts.CacheTo, b.opts.Registry); err != nil {
			return fmt.Errorf("--cache-to: %w", err)
		}
	}
	for _, repo := range b.opts.CacheFrom {
		c, err := layers.NewRegistryCache(repo, b.opts.Registry)
		if err != nil {
			return fmt.Errorf("--cache-from: %w", err)
		}
		b.cache.from = append(b.cache.from, c)
	}
	return nil
}

// cacheState is what a build remembers about its registry caches.
type cacheState struct {
	to   *layers.RegistryCache   // --cache-to; nil: none
	from []*layers.RegistryCache // --cache-from

	mu      sync.Mutex
	down    map[*layers.RegistryCache]bool
	toShare []sharedStep // steps with a local layer, for --cache-to
	// resolved are the registry base images lazyFrom read, by name.
	resolved map[string]*unpack.Remote
}

// sharedStep is one step --cache-to publishes.
type sharedStep struct {
	layer string
	step  layers.CacheStep
}

func (b *builder) cacheDown(c *layers.RegistryCache) bool {
	b.cache.mu.Lock()
	defer b.cache.mu.Unlock()
	return b.cache.down[c]
}

func (b *builder) markCacheDown(c *layers.RegistryCache, err error) {
	b.cache.mu.Lock()
	defer b.cache.mu.Unlock()
	if b.cache.down == nil {
		b.cache.down = map[*layers.RegistryCache]bool{}
	}
	b.cache.down[c] = true
	logrus.Warnf("--cache-from %s is not used for the rest of this build: %v", c, err)
}

// share remembers a step whose layer is local for --cache-to.
func (st *stageState) share(layer, key, parent string) {
	if st.b.cache.to == nil {
		return
	}
	h := st.cfg.History[len(st.cfg.History)-1]
	st.b.cache.mu.Lock()
	defer st.b.cache.mu.Unlock()
	st.b.cache.toShare = append(st.b.cache.toShare, sharedStep{layer: layer, step: layers.CacheStep{Key: key, Parent: parent, History: h}})
}

// publish uploads the entries of every step the build ran or found in the
// local cache to --cache-to; entries the repository has are skipped.
func (b *builder) publish(ctx context.Context) error {
	if b.cache.to == nil {
		return nil
	}
	n := 0
	for _, s := range b.cache.toShare {
		uploaded, err := b.store.PublishCache(ctx, b.cache.to, s.layer, s.step)
		if err != nil {
			return err
		}
		if uploaded {
			n++
		}
	}
	b.progress("--> Cache: %d of %d steps published to %s", n, len(b.cache.toShare), b.cache.to)
	return nil
}

// materialize downloads the stage's pending registry hits, so that top is
// the whole stack, local.
func (st *stageState) materialize() error {
	top, err := st.b.fetch(st.ctx, st.base, st.top, st.pending)
	if err != nil {
		return err
	}
	st.top, st.pending, st.base = top, nil, nil
	return nil
}

// fetch pulls base (a base image lazyFrom left in its registry, if any)
// and stacks pending registry hits on top, downloading each one.
func (b *builder) fetch(ctx context.Context, base *lazyBase, top string, pending []*layers.RemoteEntry) (string, error) {
	if base != nil {
		var err error
		if top, err = b.pullBase(ctx, base.name); err != nil {
			return "", err
		}
	}
	for _, e := range pending {
		b.progress("--> Fetching cached layer %.12s from %s", e.Layer.Digest.Encoded(), e.Cache())
		id, err := b.store.FetchCache(ctx, e, top)
		if err != nil {
			return "", err
		}
		top = id
	}
	return top, nil
}

// localTop is a finished stage's top layer with its pending registry hits
// downloaded, for a stage that reads its files or the commit. Stages that
// run at once may ask together; the first downloads.
func (b *builder) localTop(ctx context.Context, r *stageResult) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	top, err := b.fetch(ctx, r.base, r.top, r.pending)
	if err != nil {
		return "", err
	}
	r.top, r.pending, r.base = top, nil, nil
	return top, nil
}

// pushCached is bud --push for a target whose top layers are still only
// in a registry cache: the image goes straight to every --push name, its
// cached layers mounted there rather than downloaded, and nothing is
// stored locally.
func (b *builder) pushCached(ctx context.Context, target *stageResult, cfg layers.ImageSpec) (string, error) {
	remote := target.pending
	if target.base != nil { // the base image's layers stay in its registry too
		base, err := layers.RemoteLayers(target.base.remote.Ref, target.base.remote.Layers, target.base.diffIDs, b.opts.Registry)
		if err != nil {
			return "", err
		}
		remote = append(base, remote...)
	}
	var id string
	for _, dest := range b.opts.PushTo {
		b.progress("PUSH %s (cached layers stay in the registry)", dest)
		var err error
		if id, err = b.store.PushCached(ctx, target.top, remote, cfg, dest, b.opts.PushOptions...); err != nil {
			return "", &Error{File: b.plan.File, Err: err}
		}
	}
	if b.opts.Pushed != nil {
		*b.opts.Pushed = true
	}
	return id, b.writeIIDFile(id)
}
