package layers

import (
	"context"
	"fmt"
	"strings"

	"github.com/stagebox/stagebox/unpack"
	"go.podman.io/image/v5/manifest"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
)

// Push copies an image to dest, any reference unpack.ParseReference takes
// (oci:DIR:TAG, oci-archive:, docker-archive:FILE[:REF], dir:, docker://,
// or a plain registry name). Layers are compressed as dest requires, with
// gzip unless WithCompression says otherwise.
func (s *Store) Push(ctx context.Context, nameOrID, dest string, opts ...PushOption) error {
	cfg, err := newPushConfig(opts)
	if err != nil {
		return err
	}
	img, err := s.lookup(nameOrID)
	if err != nil {
		return err
	}
	sys, err := cfg.destContext()
	if err != nil {
		return err
	}
	if index, err := s.listIndex(img); err != nil || index != nil {
		if err != nil {
			return err
		}
		return s.pushList(ctx, index, nameOrID, dest, cfg, sys)
	}
	src, err := s.storeRef(img.ID)
	if err != nil {
		return err
	}
	_, err = s.pushRef(ctx, src, nameOrID, archiveDest(dest, img), cfg, sys)
	return err
}

// storeRef is the containers-storage reference of image id in this store.
func (s *Store) storeRef(id string) (types.ImageReference, error) {
	ref, err := is.Transport.NewStoreReference(s.store, nil, id)
	if err != nil {
		return nil, fmt.Errorf("push: %w", err)
	}
	return ref, nil
}

// pushRef copies src (called name in messages) to dest as cfg says, with
// sys as the destination's context; it returns the manifest it wrote.
func (s *Store) pushRef(ctx context.Context, src types.ImageReference, name, dest string, cfg pushConfig, sys *types.SystemContext) ([]byte, error) {
	destRef, err := s.parseDest(dest)
	if err != nil {
		return nil, err
	}
	var written []byte
	err = unpack.WithRetry(ctx, cfg.registry, func() error {
		opts, finish := unpack.CopyOptions(sys, cfg.progress)
		defer finish()
		// A compression asked for applies to every layer, also those that
		// came compressed another way.
		opts.ForceCompressionFormat = cfg.compression != nil
		cfg.manifestFormat(opts)
		written, err = copyImage(ctx, src, destRef, opts)
		return err
	})
	if err != nil {
		return nil, unpack.Explain(fmt.Errorf("pushing %s to %s: %w", name, dest, err), sys, cfg.registry)
	}
	if cfg.digest != nil {
		if *cfg.digest, err = manifest.Digest(written); err != nil {
			return nil, fmt.Errorf("digesting the manifest pushed to %s: %w", dest, err)
		}
	}
	return written, nil
}

// parseDest parses a push destination; containers-storage: means this
// store, not the library's default one.
func (s *Store) parseDest(dest string) (types.ImageReference, error) {
	ref, err := unpack.ParseReference(dest)
	if err != nil {
		return nil, err
	}
	if ref.Transport().Name() != is.Transport.Name() {
		return ref, nil
	}
	sref, err := is.Transport.ParseStoreReference(s.store, ref.StringWithinTransport())
	if err != nil {
		return nil, fmt.Errorf("parsing %q: %w", dest, err)
	}
	return sref, nil
}

// Tag adds names to an image; a name another image had moves to this one.
func (s *Store) Tag(nameOrID string, names ...string) error {
	img, err := s.lookup(nameOrID)
	if err != nil {
		return err
	}
	normalized, err := normalizeNames(names)
	if err != nil {
		return err
	}
	if err := s.store.AddNames(img.ID, normalized); err != nil {
		return fmt.Errorf("tagging image %s: %w", shortID(img.ID), err)
	}
	return nil
}

// Remove deletes an image, with podman's rules: naming one of an image's
// several names only removes that name (and returns ""); naming an image
// with several names by ID needs force; otherwise the image and the layers
// no other image uses are deleted and its ID returned.
func (s *Store) Remove(nameOrID string, force bool) (string, error) {
	img, err := s.lookup(nameOrID)
	if err != nil {
		return "", err
	}
	name, byName := matchedName(img.Names, nameOrID)
	if len(img.Names) > 1 && byName {
		if err := s.store.RemoveNames(img.ID, []string{name}); err != nil {
			return "", fmt.Errorf("untagging %s: %w", name, err)
		}
		return "", nil
	}
	if len(img.Names) > 1 && !force {
		return "", fmt.Errorf("image %s has several names (%s): remove them one by one, or use -f to delete the image", shortID(img.ID), strings.Join(img.Names, ", "))
	}
	if lists := s.ListsOf(img); len(lists) > 0 && !force {
		return "", fmt.Errorf("image %s is in manifest list %s: remove the list first (stagebox manifest rm %s), or use -f", nameOrID, strings.Join(lists, ", "), lists[0])
	}
	if _, err := s.store.DeleteImage(img.ID, true); err != nil {
		return "", fmt.Errorf("removing image %s: %w", shortID(img.ID), err)
	}
	return img.ID, nil
}

// matchedName finds which of names the user's nameOrID stands for.
func matchedName(names []string, nameOrID string) (string, bool) {
	for candidate := range unpack.LocalNameSeq(nil, nameOrID) {
		for _, n := range names {
			if n == candidate {
				return n, true
			}
		}
	}
	return "", false
}
