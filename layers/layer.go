package layers

import (
	"errors"
	"fmt"

	"go.podman.io/storage"
)

// volatileFlag marks a working layer whose record storage keeps in its
// volatile list. RecordCache refuses to make such a layer a cache entry.
const volatileFlag = "stagebox-volatile"

// NewLayer creates a writeable layer on top of parent ("" = scratch) for a
// stage to write into, and returns its ID. opts are those the caller will
// give RecordCache for it, if any.
//
// A layer the build deletes when done with it (one RecordCache seals, or
// one never recorded) is kept in storage's volatile list: storage rewrites
// every layer of the store, with an fsync, each time it creates or deletes
// a stable one, so a step's two throwaway records made a 300-step build
// pay for its size three times a step. The volatile list holds only the
// build's working layers and is written without an fsync. A working layer
// that stays as a cache entry (NotForCommit, or a driver that cannot seal)
// gets a stable record, since later layers stand on it.
func (s *Store) NewLayer(parent string, opts ...CacheOption) (string, error) {
	cfg := cacheConfigOf(opts)
	var lo *storage.LayerOptions
	if !cfg.unsealed && s.canSeal() {
		lo = &storage.LayerOptions{Volatile: true, Flags: map[string]any{volatileFlag: true}}
	}
	l, err := s.store.CreateLayer("", parent, nil, "", true, lo)
	if err != nil {
		if parent == "" {
			return "", fmt.Errorf("creating an empty layer: %w", err)
		}
		return "", fmt.Errorf("creating a layer on %s: %w", shortID(parent), err)
	}
	if err := s.scratch.record(l.ID); err != nil {
		s.store.DeleteLayer(l.ID)
		return "", err
	}
	s.stack.own(l.ID)
	return l.ID, nil
}

// canSeal reports whether the store's driver keeps staged layers, which
// seal needs (overlay does; vfs does not).
func (s *Store) canSeal() bool { return s.store.GraphDriverName() == "overlay" }

// Mount mounts the layer with its parents as one rootfs and returns the
// path; mounts are counted, so pair each Mount with an Unmount.
func (s *Store) Mount(layerID string) (string, error) {
	path, ok := s.stack.mount(layerID)
	if !ok {
		var err error
		if path, err = s.store.Mount(layerID, ""); err != nil {
			return "", fmt.Errorf("mounting layer %s: %w", shortID(layerID), err)
		}
	}
	if err := callerWritableRoot(path); err != nil {
		s.Unmount(layerID)
		return "", fmt.Errorf("mounting layer %s: %w", shortID(layerID), err)
	}
	return path, nil
}

// Unmount drops one mount of the layer.
func (s *Store) Unmount(layerID string) error {
	if ok, err := s.stack.unmount(layerID); ok {
		if err != nil {
			return fmt.Errorf("unmounting layer %s: %w", shortID(layerID), err)
		}
		return nil
	}
	if _, err := s.store.Unmount(layerID, false); err != nil {
		return fmt.Errorf("unmounting layer %s: %w", shortID(layerID), err)
	}
	return nil
}

// DeleteLayer removes a layer that no image or other layer builds on, even
// when the disk is full.
func (s *Store) DeleteLayer(layerID string) error {
	if err := s.stack.forget(layerID); err != nil {
		return fmt.Errorf("deleting layer %s: %w", shortID(layerID), err)
	}
	if err := deleteLayer(s.store, layerID); err != nil {
		return fmt.Errorf("deleting layer %s: %w", shortID(layerID), err)
	}
	return nil
}

// isVolatile reports whether l was made by NewLayer with a volatile record.
func isVolatile(l *storage.Layer) bool {
	v, _ := l.Flags[volatileFlag].(bool)
	return v
}

var errVolatileEntry = errors.New("a working layer with a volatile record cannot be a cache entry")

// shortID is the 12-character form of an ID that users see.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
