package layers

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	digest "github.com/opencontainers/go-digest"
	"go.podman.io/storage"
)

// sealedChain reports whether storage knows every layer's tar (digest,
// size and tar-split), as it does for pulled layers and sealed steps.
func sealedChain(chain []*storage.Layer) bool {
	for _, l := range chain {
		if l.UncompressedDigest == "" || l.UncompressedSize <= 0 {
			return false
		}
	}
	return true
}

// commitSealed makes the image directly on the chain's own layers: the
// manifest and config are all there is to write, whatever the layers'
// size. The image is stored as containers/image stores one (config under
// its digest, the manifest under "manifest" and "manifest-<digest>"), so
// podman, buildah and push read it like any other.
//
// The ID is the config's digest, so an image that exists under it already
// has this very config, and with it these layers' diff IDs: it is reused.
func (s *Store) commitSealed(_ context.Context, chain []*storage.Layer, cfg ImageSpec, cc commitConfig) (string, error) {
	img, err := s.assemble(chain, nil, cfg, cc, "")
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	created := img.created // the image's creation date is the config's
	id := img.configDigest.Encoded()
	manifestDigest := digest.Canonical.FromBytes(img.manifest)
	top := ""
	if len(chain) > 0 {
		top = chain[len(chain)-1].ID
	}
	if s.unchanged(id, top, img.manifest) {
		return id, nil // a fully cached rebuild: nothing to write
	}
	opts := &storage.ImageOptions{
		CreationDate: created,
		Metadata:     "{}",
		BigData: []storage.ImageBigDataOption{
			{Key: img.configDigest.String(), Data: img.config, Digest: img.configDigest},
			{Key: "manifest-" + manifestDigest.String(), Data: img.manifest, Digest: manifestDigest},
			{Key: storage.ImageDigestBigDataKey, Data: img.manifest, Digest: manifestDigest},
		},
	}
	_, err = s.store.CreateImage(id, nil, top, "", opts)
	if errors.Is(err, storage.ErrDuplicateID) {
		// The same config committed again, perhaps in the other format or
		// with other annotations: the new manifest becomes the image's, as
		// containers/image does when it writes an image that exists.
		for _, b := range opts.BigData[1:] {
			if err := s.store.SetImageBigData(id, b.Key, b.Data, manifestDigester); err != nil {
				return "", fmt.Errorf("commit: updating the manifest of image %s: %w", shortID(id), err)
			}
		}
		err = nil
	}
	if err != nil {
		return "", fmt.Errorf("commit: creating image %s: %w", shortID(id), err)
	}
	return id, nil
}

// unchanged reports whether image id is stored on top with manifest as
// its own, so committing it again would write the same bytes.
func (s *Store) unchanged(id, top string, manifest []byte) bool {
	img, err := s.store.Image(id)
	if err != nil || img.TopLayer != top {
		return false
	}
	stored, err := s.store.ImageBigData(id, storage.ImageDigestBigDataKey)
	return err == nil && bytes.Equal(stored, manifest)
}

// manifestDigester digests a manifest the way storage digests big data.
func manifestDigester(b []byte) (digest.Digest, error) { return digest.Canonical.FromBytes(b), nil }
