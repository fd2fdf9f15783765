package layers

import (
	"encoding/json"
	"slices"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/storage"
)

// isList reports whether img is a manifest list (an image whose manifest
// is an index), ours or buildah's.
func (s *Store) isList(img *storage.Image) bool {
	raw, err := s.store.ImageBigData(img.ID, storage.ImageDigestBigDataKey)
	return err == nil && manifest.MIMETypeIsMultiImage(manifest.GuessMIMEType(raw))
}

// IsList reports whether the image id is a manifest list (`images` marks them).
func (s *Store) IsList(id string) bool {
	img, err := s.store.Image(id)
	return err == nil && s.isList(img)
}

// kind names what img is in messages.
func (s *Store) kind(img *storage.Image) string {
	if s.isList(img) {
		return "manifest list"
	}
	return "image"
}

// ListsOf returns the names (else IDs) of the lists that have img as an
// entry: rmi refuses to remove such an image and prune keeps it.
func (s *Store) ListsOf(img *storage.Image) []string {
	imgs, err := s.store.Images()
	if err != nil {
		return nil
	}
	var lists []string
	for i := range imgs {
		l := &imgs[i]
		if l.ID == img.ID || !s.isList(l) {
			continue
		}
		raw, err := s.store.ImageBigData(l.ID, storage.ImageDigestBigDataKey)
		if err != nil {
			continue
		}
		var index ocispec.Index // a Docker list has the same manifests field
		if json.Unmarshal(raw, &index) != nil {
			continue
		}
		for _, d := range index.Manifests {
			if slices.Contains(img.Digests, d.Digest) || img.Digest == d.Digest {
				lists = append(lists, listName(l))
				break
			}
		}
	}
	return lists
}

// listName is a list's first name, else its short ID.
func listName(img *storage.Image) string {
	if len(img.Names) > 0 {
		return img.Names[0]
	}
	return shortID(img.ID)
}
