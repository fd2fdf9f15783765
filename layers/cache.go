package layers

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// cachePrefix names sealed step layers. The cache index is just these
// layer names in the store: it survives restarts, is shared by concurrent
// builds through the store's own locking, and an entry exists only once a
// layer is complete, because the name is set after sealing.
const cachePrefix = "stagebox-cache-"

// CachedLayer returns the sealed layer recorded for a step's cache key.
func (s *Store) CachedLayer(key string) (string, bool) { return s.CachedLayerSince(key, time.Time{}) }

// CachedLayerSince is CachedLayer for an entry recorded after since (zero:
// any), for bud --cache-ttl.
func (s *Store) CachedLayerSince(key string, since time.Time) (string, bool) {
	l, err := s.store.Layer(cachePrefix + key)
	if err != nil || l == nil || (!since.IsZero() && l.Created.Before(since)) {
		return "", false
	}
	return l.ID, true
}

// CacheOption changes how RecordCache records a layer.
type CacheOption func(*cacheConfig)

type cacheConfig struct{ unsealed, takeOver bool }

func cacheConfigOf(opts []CacheOption) cacheConfig {
	var cfg cacheConfig
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// TakeOver makes the layer the entry even when the key has one already, as
// a --no-cache build must: it ran the step again to use its own result.
func TakeOver() CacheOption { return func(c *cacheConfig) { c.takeOver = true } }

// NotForCommit records a layer of a stage the build only reads with COPY
// --from: it is named but not sealed, which saves reading its whole diff
// (a builder stage's caches can be hundreds of MB). A later build that
// does commit it takes Commit's copying path instead.
func NotForCommit() CacheOption { return func(c *cacheConfig) { c.unsealed = true } }

// RecordCache makes a sealed layer the cache entry for key and returns the
// entry's layer. When a concurrent build recorded the same key first, its
// layer stays the entry and is returned instead; the caller then drops its
// own copy, so racing builds do not leave unnamed orphans behind.
//
// The layer is sealed here (see seal) while it is still private to its
// build: its diff is measured once, and its files move, without a copy,
// into the layer an image of them will stand on. That layer is the entry
// and is returned, and the caller drops the emptied working layer as it
// drops a racer's duplicate.
func (s *Store) RecordCache(layerID, key string, opts ...CacheOption) (string, error) {
	cfg := cacheConfigOf(opts)
	name := []string{cachePrefix + key}
	sealNames := name
	if old, ok := s.CachedLayer(key); ok && old != layerID {
		if !cfg.takeOver {
			return old, nil
		}
		// The old entry keeps a cache name no key looks up, so it is
		// never orphaned: PruneCache removes it once nothing uses it.
		if err := s.store.AddNames(old, []string{cachePrefix + "replaced-" + old}); err != nil {
			return "", fmt.Errorf("retire cache entry %s: %w", shortID(old), err)
		}
		sealNames = nil // a new layer cannot take a name in use; AddNames moves it
	}
	sealed, named, err := layerID, false, errCannotSeal
	if !cfg.unsealed {
		sealed, named, err = s.seal(layerID, sealNames)
		named = named && sealNames != nil
	}
	if errors.Is(err, errCannotSeal) {
		sealed, err = layerID, s.stableRecord(layerID)
	}
	if err != nil {
		return "", err
	}
	if !named {
		if err := s.store.AddNames(sealed, name); err != nil {
			return "", fmt.Errorf("record cache entry for layer %s: %w", shortID(sealed), err)
		}
	}
	return sealed, nil
}

// stableRecord checks that a working layer about to stay as a cache entry
// was made with a stable record (NewLayer given the same options): a
// volatile record may be lost in a crash while later layers stand on it.
func (s *Store) stableRecord(layerID string) error {
	l, err := s.store.Layer(layerID)
	if err != nil {
		return fmt.Errorf("reading layer %s: %w", shortID(layerID), err)
	}
	if isVolatile(l) {
		return fmt.Errorf("record cache entry for layer %s: %w", shortID(layerID), errVolatileEntry)
	}
	return nil
}

// PruneCache deletes cache layers that no image and no other layer uses,
// repeating until nothing more can go (a chain is freed from its tip).
// It returns how many layers were removed.
func (s *Store) PruneCache() (int, error) {
	removed := 0
	for {
		all, err := s.store.Layers()
		if err != nil {
			return removed, fmt.Errorf("list layers: %w", err)
		}
		parents := map[string]bool{}
		for _, l := range all {
			parents[l.Parent] = true
		}
		inImages, err := s.imageLayers()
		if err != nil {
			return removed, err
		}
		progress := false
		for _, l := range all {
			if parents[l.ID] || inImages[l.ID] || !isCacheLayer(l.Names) {
				continue
			}
			if err := s.store.DeleteLayer(l.ID); err != nil {
				logrus.Debugf("prune layer %s: %v", shortID(l.ID), err)
				continue
			}
			removed++
			progress = true
		}
		if !progress {
			s.pruneInputs()
			return removed, nil
		}
	}
}

func isCacheLayer(names []string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, cachePrefix) {
			return true
		}
	}
	return false
}

// imageLayers is the set of layers some image stands on.
func (s *Store) imageLayers() (map[string]bool, error) {
	imgs, err := s.store.Images()
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	used := map[string]bool{}
	for _, img := range imgs {
		for id := img.TopLayer; id != ""; {
			if used[id] {
				break
			}
			used[id] = true
			l, err := s.store.Layer(id)
			if err != nil {
				return nil, fmt.Errorf("layer %s of image %s: %w", shortID(id), shortID(img.ID), err)
			}
			id = l.Parent
		}
	}
	return used, nil
}
