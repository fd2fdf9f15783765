package layers

import "fmt"

// NewLayer creates a writeable layer on top of parent ("" = scratch) for a
// stage to write into, and returns its ID.
func (s *Store) NewLayer(parent string) (string, error) {
	l, err := s.store.CreateLayer("", parent, nil, "", true, nil)
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
	return l.ID, nil
}

// Mount mounts the layer with its parents as one rootfs and returns the
// path; mounts are counted, so pair each Mount with an Unmount.
func (s *Store) Mount(layerID string) (string, error) {
	path, err := s.store.Mount(layerID, "")
	if err != nil {
		return "", fmt.Errorf("mounting layer %s: %w", shortID(layerID), err)
	}
	if err := callerWritableRoot(path); err != nil {
		s.store.Unmount(layerID, false)
		return "", fmt.Errorf("mounting layer %s: %w", shortID(layerID), err)
	}
	return path, nil
}

// Unmount drops one mount of the layer.
func (s *Store) Unmount(layerID string) error {
	if _, err := s.store.Unmount(layerID, false); err != nil {
		return fmt.Errorf("unmounting layer %s: %w", shortID(layerID), err)
	}
	return nil
}

// DeleteLayer removes a layer that no image or other layer builds on, even
// when the disk is full.
func (s *Store) DeleteLayer(layerID string) error {
	if err := deleteLayer(s.store, layerID); err != nil {
		return fmt.Errorf("deleting layer %s: %w", shortID(layerID), err)
	}
	return nil
}

// shortID is the 12-character form of an ID that users see.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
