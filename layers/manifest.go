package layers

import (
	"context"
	"errors"
	"fmt"
	"sync"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/unpack"
	"go.podman.io/common/libimage/manifests"
	"go.podman.io/image/v5/manifest"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// Manifest lists (issue 10, item 4) are stored as buildah and podman store
// them, through their library: a layerless image whose manifest is the
// index, with instances.json naming where each entry's image lives. So
// `buildah manifest inspect` reads ours and `stagebox manifest` reads
// theirs. Entries are always images of this store (an image given by a
// transport reference is pulled first), so a list pushes offline.

// listEdits serializes this process's edits of lists (bud --manifest adds
// one entry per platform); the store's digest lock on the list's ID keeps
// other processes out while an edit loads and saves it.
var listEdits sync.Mutex

// ListEntry is what AddToList records for an image: an empty field takes
// the image config's value.
type ListEntry struct {
	OS, Arch, Variant string
	// ReplacePlatform drops the list's entries of the same platform first
	// (bud --manifest: a rebuild replaces its platform's image).
	ReplacePlatform bool
}

// CreateList stores an empty OCI image index named name; it refuses a name
// an image or list already has.
func (s *Store) CreateList(name string) (string, error) {
	names, err := normalizeNames([]string{name})
	if err != nil {
		return "", err
	}
	if img, err := s.store.Image(names[0]); err == nil {
		return "", fmt.Errorf("%s already names %s %s: pick another name, or remove it first", name, s.kind(img), shortID(img.ID))
	}
	id, err := manifests.Create().SaveToImage(s.store, "", names, ocispec.MediaTypeImageIndex)
	if err != nil {
		return "", fmt.Errorf("creating manifest list %s: %w", name, err)
	}
	return id, nil
}

// AddToList adds image (a name or ID in the store) to the list named list,
// creating the list when create is set and it does not exist; it returns
// the entry's manifest digest.
func (s *Store) AddToList(ctx context.Context, list, image string, e ListEntry, create bool) (digest.Digest, error) {
	listEdits.Lock()
	defer listEdits.Unlock()
	img, err := s.lookup(image)
	if err != nil {
		return "", err
	}
	if s.isList(img) {
		return "", fmt.Errorf("%s is a manifest list: add its images one by one", image)
	}
	listID, err := s.listID(list, create)
	if err != nil {
		return "", err
	}
	lock, err := manifests.LockerForImage(s.store, listID)
	if err != nil {
		return "", err
	}
	lock.Lock()
	defer lock.Unlock()
	_, l, err := manifests.LoadFromImage(s.store, listID)
	if err != nil {
		return "", fmt.Errorf("loading manifest list %s: %w", list, err)
	}
	ref, err := is.Transport.NewStoreReference(s.store, nil, img.ID)
	if err != nil {
		return "", err
	}
	d, err := l.Add(ctx, &types.SystemContext{}, ref, false)
	if err != nil {
		return "", fmt.Errorf("adding %s to manifest list %s: %w", image, list, err)
	}
	if err := setPlatform(l, d, e); err != nil {
		return "", err
	}
	if e.ReplacePlatform {
		dropSamePlatform(l, d)
	}
	if _, err := l.SaveToImage(s.store, listID, nil, ocispec.MediaTypeImageIndex); err != nil {
		return "", fmt.Errorf("saving manifest list %s: %w", list, err)
	}
	return d, nil
}

// listID finds the list named name, or creates it when create is set.
func (s *Store) listID(name string, create bool) (string, error) {
	img, err := s.lookup(name)
	switch {
	case err == nil && s.isList(img):
		return img.ID, nil
	case err == nil:
		return "", fmt.Errorf("%s is an image, not a manifest list: give the list another name", name)
	case create && errors.Is(err, storage.ErrImageUnknown):
		return s.CreateList(name)
	case errors.Is(err, storage.ErrImageUnknown):
		return "", fmt.Errorf("manifest list %s not found: create it first (stagebox manifest create %s)", name, name)
	}
	return "", err
}

// setPlatform applies e's overrides to the entry d.
func setPlatform(l manifests.List, d digest.Digest, e ListEntry) error {
	if e.OS != "" {
		if err := l.SetOS(d, e.OS); err != nil {
			return err
		}
	}
	if e.Arch != "" {
		if err := l.SetArchitecture(d, unpack.NormalizeArch(e.Arch)); err != nil {
			return err
		}
	}
	if e.Variant != "" {
		return l.SetVariant(d, e.Variant)
	}
	return nil
}

// dropSamePlatform removes the entries other than keep whose platform is
// keep's.
func dropSamePlatform(l manifests.List, keep digest.Digest) {
	want := entryPlatform(l, keep)
	for _, d := range l.Instances() {
		if d != keep && entryPlatform(l, d) == want {
			_ = l.Remove(d) // an entry just listed: Remove cannot miss it
		}
	}
}

// entryPlatform is an entry's OS/ARCH[/VARIANT].
func entryPlatform(l manifests.List, d digest.Digest) string {
	os, _ := l.OS(d)
	arch, _ := l.Architecture(d)
	variant, _ := l.Variant(d)
	return unpack.PlatformString(ocispec.Platform{OS: os, Architecture: arch, Variant: variant})
}

// RemoveList deletes the list named name (not its images) and returns its ID.
func (s *Store) RemoveList(name string) (string, error) {
	img, err := s.lookup(name)
	if err != nil {
		return "", err
	}
	if !s.isList(img) {
		return "", fmt.Errorf("%s is an image, not a manifest list: use stagebox rmi", name)
	}
	if _, err := s.store.DeleteImage(img.ID, true); err != nil {
		return "", fmt.Errorf("removing manifest list %s: %w", name, err)
	}
	return img.ID, nil
}

// ListIndex returns the stored index of the list named name.
func (s *Store) ListIndex(name string) ([]byte, error) {
	img, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	if !s.isList(img) {
		return nil, fmt.Errorf("%s is an image, not a manifest list: use stagebox inspect", name)
	}
	return s.store.ImageBigData(img.ID, storage.ImageDigestBigDataKey)
}

// ListEntryFor returns the ID of the stored image that is the list's entry
// for platform p.
func (s *Store) ListEntryFor(list string, p ocispec.Platform) (string, error) {
	raw, err := s.ListIndex(list)
	if err != nil {
		return "", err
	}
	l, err := manifest.ListFromBlob(raw, manifest.GuessMIMEType(raw))
	if err != nil {
		return "", fmt.Errorf("manifest list %s: %w", list, err)
	}
	d, err := l.ChooseInstance(&types.SystemContext{OSChoice: p.OS, ArchitectureChoice: p.Architecture, VariantChoice: p.Variant})
	if err != nil {
		return "", fmt.Errorf("manifest list %s has no image for %s", list, unpack.PlatformString(p))
	}
	imgs, err := s.store.ImagesByDigest(d)
	if err != nil || len(imgs) == 0 {
		return "", fmt.Errorf("manifest list %s: its image for %s is not in local storage", list, unpack.PlatformString(p))
	}
	return imgs[0].ID, nil
}
