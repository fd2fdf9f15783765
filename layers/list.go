package layers

import (
	"context"
	"encoding/json"
	"fmt"

	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/common/libimage/manifests"
	"go.podman.io/image/v5/manifest"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// CommitList stores an OCI image index of the images ids (one per
// platform, each already in the store) as an image of its own, named
// names: a manifest list as buildah stores one (manifest.go), whose ID is
// the index's digest. It returns the list's ID.
func (s *Store) CommitList(ids []string, names []string) (string, error) {
	normalized, err := normalizeNames(names)
	if err != nil {
		return "", err
	}
	l := manifests.Create()
	for _, id := range ids {
		ref, err := is.Transport.NewStoreReference(s.store, nil, id)
		if err != nil {
			return "", err
		}
		if _, err := l.Add(context.Background(), &types.SystemContext{}, ref, false); err != nil {
			return "", fmt.Errorf("adding image %s to the index: %w", shortID(id), err)
		}
	}
	raw, err := l.Serialize(ocispec.MediaTypeImageIndex)
	if err != nil {
		return "", fmt.Errorf("encoding the image index: %w", err)
	}
	dgst := digest.FromBytes(raw)
	id, err := l.SaveToImage(s.store, dgst.Encoded(), nil, ocispec.MediaTypeImageIndex)
	if err != nil {
		return "", fmt.Errorf("storing the image index: %w", err)
	}
	// Found by digest too, as containers/image's storage destination keeps a manifest.
	if err := s.store.SetImageBigData(id, "manifest-"+dgst.String(), raw, manifest.Digest); err != nil {
		return "", fmt.Errorf("storing the image index: %w", err)
	}
	if len(normalized) > 0 {
		if err := s.moveNames(id, normalized); err != nil {
			return "", fmt.Errorf("naming the image index: %w", err)
		}
	}
	return id, nil
}

// listIndex returns the index an image of the store holds when it is a
// list CommitList made, or nil for an ordinary image.
func (s *Store) listIndex(img *storage.Image) (*ocispec.Index, error) {
	raw, err := s.store.ImageBigData(img.ID, storage.ImageDigestBigDataKey)
	if err != nil || !manifest.MIMETypeIsMultiImage(manifest.GuessMIMEType(raw)) {
		return nil, nil //nolint:nilerr // not a list: Push copies it as an image
	}
	var index ocispec.Index
	if err := json.Unmarshal(raw, &index); err != nil {
		return nil, fmt.Errorf("parsing the image index %s: %w", shortID(img.ID), err)
	}
	return &index, nil
}

// pushList pushes every image of index to dest, then the index of what
// was written (the pushed manifests may differ from the stored ones: the
// layers are compressed on the way), under dest's tag.
func (s *Store) pushList(ctx context.Context, index *ocispec.Index, name, dest string, cfg pushConfig, sys *types.SystemContext) error {
	out := ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex}
	for _, d := range index.Manifests {
		imgs, err := s.store.ImagesByDigest(d.Digest)
		if err != nil || len(imgs) == 0 {
			return fmt.Errorf("pushing %s: the image %s of the list is not in local storage (removed?): rebuild the list", name, d.Digest.Encoded()[:12])
		}
		src, err := s.storeRef(imgs[0].ID)
		if err != nil {
			return err
		}
		written, err := s.pushRef(ctx, src, name, dest, cfg, sys)
		if err != nil {
			return err
		}
		wd, err := manifest.Digest(written)
		if err != nil {
			return fmt.Errorf("digesting the manifest pushed to %s: %w", dest, err)
		}
		out.Manifests = append(out.Manifests, ocispec.Descriptor{MediaType: manifest.GuessMIMEType(written), Digest: wd, Size: int64(len(written)), Platform: d.Platform})
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encoding the image index: %w", err)
	}
	destRef, err := s.parseDest(dest)
	if err != nil {
		return err
	}
	w, err := destRef.NewImageDestination(ctx, sys)
	if err != nil {
		return fmt.Errorf("pushing the index of %s to %s: %w", name, dest, err)
	}
	defer w.Close()
	if err := w.PutManifest(ctx, raw, nil); err != nil {
		return fmt.Errorf("pushing the index of %s to %s: %w", name, dest, err)
	}
	if err := w.Commit(ctx, nil); err != nil {
		return fmt.Errorf("pushing the index of %s to %s: %w", name, dest, err)
	}
	if cfg.digest != nil {
		*cfg.digest = digest.FromBytes(raw)
	}
	return nil
}
