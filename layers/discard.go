package layers

import (
	"fmt"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"go.podman.io/storage"
)

// ImageSet is the set of image IDs a store held at one moment.
type ImageSet map[string]bool

// ImageIDs returns the IDs of every image in the store now, for Discard to
// tell later which images are new.
func (s *Store) ImageIDs() (ImageSet, error) {
	imgs, err := s.store.Images()
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	set := ImageSet{}
	for _, img := range imgs {
		set[img.ID] = true
	}
	return set, nil
}

// Discard deletes image id and, for an image index, its instances' images,
// except those before holds: the result of a build whose push was refused
// (bud --push) goes, and the store is as the build found it. The build
// cache stays: storage deletes with an image the layers only it uses, and
// a sealed image stands on the cache entries themselves, so an empty hold
// layer is put on the topmost entry while the image goes, which stops
// storage there. Layers of a copied commit above the entries do go.
func (s *Store) Discard(id string, before ImageSet) error {
	img, err := s.store.Image(id)
	if err != nil || before[img.ID] {
		return nil //nolint:nilerr // gone already, or not the build's: nothing to undo
	}
	doomed := []*storage.Image{img}
	index, err := s.listIndex(img)
	if err != nil {
		return err
	}
	for _, m := range instanceDigests(index) {
		instances, err := s.store.ImagesByDigest(m)
		if err != nil {
			return fmt.Errorf("finding the images of index %s: %w", shortID(img.ID), err)
		}
		for _, inst := range instances {
			if !before[inst.ID] {
				doomed = append(doomed, inst)
			}
		}
	}
	for _, d := range doomed {
		if err := s.dropImage(d); err != nil {
			return err
		}
	}
	return nil
}

// dropImage deletes img and the layers only it uses, up to the first cache
// entry of its chain, counted from its top.
func (s *Store) dropImage(img *storage.Image) error {
	chain, err := layerChain(s.store, img.TopLayer)
	if err != nil {
		return err
	}
	if entry := topCacheEntry(chain); entry != "" {
		// Journaled like a working layer: a crash before it is deleted
		// leaves nothing behind for long.
		hold, err := s.NewLayer(entry)
		if err != nil {
			return fmt.Errorf("keeping the cache of image %s: %w", shortID(img.ID), err)
		}
		defer s.DeleteLayer(hold)
	}
	if _, err := s.store.DeleteImage(img.ID, true); err != nil {
		return fmt.Errorf("removing image %s: %w", shortID(img.ID), err)
	}
	return nil
}

// topCacheEntry is the highest layer of chain that is a cache entry, or "".
func topCacheEntry(chain []*storage.Layer) string {
	for i := len(chain) - 1; i >= 0; i-- {
		if isCacheLayer(chain[i].Names) {
			return chain[i].ID
		}
	}
	return ""
}

// instanceDigests are the manifest digests an index lists (none for nil).
func instanceDigests(index *ocispec.Index) []digest.Digest {
	if index == nil {
		return nil
	}
	out := make([]digest.Digest, 0, len(index.Manifests))
	for _, m := range index.Manifests {
		out = append(out, m.Digest)
	}
	return out
}
