package layers

import (
	"fmt"
	"time"

	digest "github.com/opencontainers/go-digest"
	"go.podman.io/storage"
)

// LayerIndex is every layer of the store as one read found them, by ID and
// by name. Each lookup through the store locks it: storage opens, locks
// and closes three lock files and checks for changes every time, about
// 30 µs. A fully cached build looks up a cache entry per step and then the
// chain it commits: with the index that is one read instead of two per
// step (issue 11, the fully cached rebuild). It is a snapshot: a build that
// may write layers keeps asking the store.
type LayerIndex struct {
	byID, byName map[string]*storage.Layer
}

// IndexLayers reads every layer of the store at once.
func (s *Store) IndexLayers() (*LayerIndex, error) {
	all, err := s.store.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	x := &LayerIndex{byID: make(map[string]*storage.Layer, len(all)), byName: map[string]*storage.Layer{}}
	for i := range all {
		l := &all[i]
		x.byID[l.ID] = l
		for _, n := range l.Names {
			x.byName[n] = l
		}
	}
	return x, nil
}

// layer is store.Layer on the snapshot: by ID, else by name.
func (x *LayerIndex) layer(idOrName string) (*storage.Layer, error) {
	if l, ok := x.byID[idOrName]; ok {
		return l, nil
	}
	if l, ok := x.byName[idOrName]; ok {
		return l, nil
	}
	return nil, storage.ErrLayerUnknown
}

// CachedLayerSince is Store.CachedLayerSince on the snapshot.
func (x *LayerIndex) CachedLayerSince(key string, since time.Time) (string, bool) {
	l, err := x.layer(cachePrefix + key)
	if err != nil || (!since.IsZero() && l.Created.Before(since)) {
		return "", false
	}
	return l.ID, true
}

// mayHold reports whether an image on top can have diffIDs, judged by the
// top layer's own diff ID; true when x is nil or that is not known.
func (x *LayerIndex) mayHold(top string, diffIDs []digest.Digest) bool {
	if x == nil {
		return true
	}
	if top == "" || len(diffIDs) == 0 {
		return top == "" && len(diffIDs) == 0
	}
	l, ok := x.byID[top]
	return !ok || l.UncompressedDigest == "" || l.UncompressedDigest == diffIDs[len(diffIDs)-1]
}

// FromIndex makes Commit read the committed chain from x rather than from
// the store, layer by layer.
func FromIndex(x *LayerIndex) CommitOption {
	return func(c *commitConfig) { c.index = x }
}
