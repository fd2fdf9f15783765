package layers

import (
	"errors"
	"fmt"
	"os"

	"go.podman.io/storage"
)

// Stack returns a layer on parent holding the changes of layerID, a layer
// made on an empty root (COPY --link). The new layer is made from
// layerID's diff, so its tar, and the blob an image gets, is the same
// whatever parent it stands on; it takes the chain ID containers/image
// would give it, and an existing layer with that ID is returned as it is.
// On an empty parent the layer itself is the answer.
func (s *Store) Stack(parent, layerID string) (string, error) {
	if parent == "" {
		return layerID, nil
	}
	l, err := s.store.Layer(layerID)
	if err != nil {
		return "", fmt.Errorf("reading layer %s: %w", shortID(layerID), err)
	}
	id := ""
	if l.UncompressedDigest != "" {
		id = chainID(parent, l.UncompressedDigest)
		if existing, err := s.store.Layer(id); err == nil {
			return existing.ID, nil
		}
		// Journaled first: a crash before the caller names it leaves nothing behind.
		if err := s.scratch.record(id); err != nil {
			return "", err
		}
	}
	diff, err := s.spoolDiff(layerID)
	if err != nil {
		return "", err
	}
	defer diff.Close()
	nl, _, err := s.store.PutLayer(id, parent, nil, "", false, nil, diff)
	if errors.Is(err, storage.ErrDuplicateID) {
		return id, nil // a concurrent build stacked the same diff first
	}
	if err != nil {
		return "", fmt.Errorf("stacking layer %s on %s: %w", shortID(layerID), shortID(parent), err)
	}
	if id == "" {
		if err := s.scratch.record(nl.ID); err != nil {
			return "", err
		}
	}
	return nl.ID, nil
}

// spoolDiff copies a layer's diff to an unlinked file in the scratch area:
// storage holds its layer lock while a diff streams, so the diff cannot
// feed PutLayer, which takes the same lock to write.
func (s *Store) spoolDiff(layerID string) (*os.File, error) {
	rc, err := diffLayer(s.store, layerID)
	var f *os.File
	if err == nil {
		f, err = s.spool(rc, "link-")
	}
	if err != nil {
		return nil, fmt.Errorf("spooling layer %s: %w", shortID(layerID), err)
	}
	return f, nil
}
