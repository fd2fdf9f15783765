package layers

import (
	"fmt"
	"slices"

	"github.com/sirupsen/logrus"
	"go.podman.io/storage"
)

// moveNames gives names to image id. An image that loses its last name to
// it (the previous build of the same tag) is deleted unless something uses
// it, in which case it stays as a dangling `<none>` image.
func (s *Store) moveNames(id string, names []string) error {
	var previous []string
	for _, n := range names {
		if img, err := s.store.Image(n); err == nil && img.ID != id {
			previous = append(previous, img.ID)
		}
	}
	if len(previous) == 0 && s.named(id, names) {
		return nil // a fully cached rebuild: the names are already there
	}
	if err := s.store.AddNames(id, names); err != nil {
		return err
	}
	for _, old := range previous {
		img, err := s.store.Image(old)
		if err != nil || len(img.Names) > 0 {
			continue
		}
		if s.inUse(img) {
			continue
		}
		if _, err := s.store.DeleteImage(old, true); err != nil {
			logrus.Debugf("removing image %s, replaced by %s: %v", shortID(old), shortID(id), err)
		}
	}
	return nil
}

// named reports whether image id already carries every one of names.
func (s *Store) named(id string, names []string) bool {
	img, err := s.store.Image(id)
	if err != nil {
		return false
	}
	for _, n := range names {
		if !slices.Contains(img.Names, n) {
			return false
		}
	}
	return true
}

// inUse reports whether something stands on img: a container (buildah's or
// podman's, in the same store), or another image built on it, whose layer
// chain goes through img's top layer.
func (s *Store) inUse(img *storage.Image) bool {
	if len(s.ListsOf(img)) > 0 {
		return true // an entry of a manifest list (manifest.go)
	}
	containers, err := s.store.Containers()
	if err != nil {
		return true // unsure: keep it
	}
	for _, c := range containers {
		if c.ImageID == img.ID {
			return true
		}
	}
	if img.TopLayer == "" {
		return false
	}
	imgs, err := s.store.Images()
	if err != nil {
		return true
	}
	for _, other := range imgs {
		if other.ID == img.ID || other.TopLayer == img.TopLayer {
			continue
		}
		chain, err := layerChain(s.store, other.TopLayer)
		if err != nil {
			return true
		}
		for _, l := range chain {
			if l.ID == img.TopLayer {
				return true
			}
		}
	}
	return false
}

// Dangling reports whether an image is a dangling one: it has no name.
func Dangling(img Image) bool { return len(img.Names) == 0 }

// PruneImages deletes the dangling images nothing uses (the layers only
// they used go with them) and returns their IDs.
func (s *Store) PruneImages() ([]string, error) {
	var removed []string
	for {
		imgs, err := s.store.Images()
		if err != nil {
			return removed, fmt.Errorf("listing images: %w", err)
		}
		progress := false
		for i := range imgs {
			img := &imgs[i]
			if len(img.Names) > 0 || s.inUse(img) {
				continue
			}
			if _, err := s.store.DeleteImage(img.ID, true); err != nil {
				return removed, fmt.Errorf("removing dangling image %s: %w", shortID(img.ID), err)
			}
			removed = append(removed, img.ID)
			progress = true
		}
		// Removing a dangling child can free a dangling parent.
		if !progress {
			return removed, nil
		}
	}
}

// InUse reports whether a container or another image stands on the image
// id: `images` hides such dangling images (intermediate ones) unless -a.
func (s *Store) InUse(id string) bool {
	img, err := s.store.Image(id)
	if err != nil {
		return false
	}
	return s.inUse(img)
}
