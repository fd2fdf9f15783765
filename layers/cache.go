package layers

import (
	"fmt"
	"strings"

	"github.com/sirupsen/logrus"
)

// cachePrefix names sealed step layers. The cache index is just these
// layer names in the store: it survives restarts, is shared by concurrent
// builds through the store's own locking, and an entry exists only once a
// layer is complete, because the name is set after sealing.
const cachePrefix = "stagebox-cache-"

// CachedLayer returns the sealed layer recorded for a step's cache key.
func (s *Store) CachedLayer(key string) (string, bool) {
	l, err := s.store.Layer(cachePrefix + key)
	if err != nil || l == nil {
		return "", false
	}
	return l.ID, true
}

// RecordCache makes a sealed layer the cache entry for key and returns the
// entry's layer. When a concurrent build recorded the same key first, its
// layer stays the entry and is returned instead; the caller then drops its
// own copy, so racing builds do not leave unnamed orphans behind.
func (s *Store) RecordCache(layerID, key string) (string, error) {
	if id, ok := s.CachedLayer(key); ok && id != layerID {
		return id, nil
	}
	if err := s.store.AddNames(layerID, []string{cachePrefix + key}); err != nil {
		return "", fmt.Errorf("record cache entry for layer %s: %w", shortID(layerID), err)
	}
	return layerID, nil
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
