package unpack

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
)

// pullTransport brings in a transport-qualified reference (oci:, dir:,
// docker-archive:, ...). containers-storage: refers to p.Store itself.
func (p *Puller) pullTransport(ctx context.Context, s string, policy PullPolicy) (string, error) {
	ref, err := ParseReference(s)
	if err != nil {
		return "", err
	}
	if ref.Transport().Name() == is.Transport.Name() {
		return p.storageImage(s, ref)
	}
	names, err := p.namesFor(ref)
	if err != nil {
		return "", err
	}
	if policy == PullNever {
		if len(names) > 0 {
			if id, ok := p.localImage(slices.Values(names[:1]), policy); ok {
				return id, nil
			}
		}
		return "", fmt.Errorf("image %q not found in local storage and %s=never", s, p.policyFlag())
	}
	// Local files are always re-read: the copy reuses layers already in
	// storage, and the source may have changed under the same tag.
	return p.copyIn(ctx, ref, names)
}

// storageImage resolves a containers-storage: reference in p.Store rather
// than in the library's default store.
func (p *Puller) storageImage(s string, ref types.ImageReference) (string, error) {
	within := ref.StringWithinTransport()
	if i := strings.Index(within, "]"); strings.HasPrefix(within, "[") && i > 0 {
		within = within[i+1:]
	}
	sref, err := is.Transport.ParseStoreReference(p.Store, within)
	if err != nil {
		return "", fmt.Errorf("parsing %q: %w", s, err)
	}
	img, err := is.Transport.GetStoreImage(p.Store, sref)
	if err != nil {
		return "", fmt.Errorf("image %q not found in local storage: %w", s, err)
	}
	return img.ID, nil
}

// namesFor picks the names a pulled image gets: for an oci:/oci-archive:
// reference, see layoutNames; the repo tags of a
// docker-archive or the reference's own name, normalized as Docker does
// ("busybox" → "docker.io/library/busybox:latest"); none for dir: or an
// untagged layout, which is then known by ID only.
func (p *Puller) namesFor(ref types.ImageReference) ([]string, error) {
	switch ref.Transport().Name() {
	case "oci", "oci-archive":
		return layoutNames(ref)
	case "docker-archive":
		tags, err := archiveTags(p.sys, ref)
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(tags))
		for _, t := range tags {
			named, err := reference.ParseNormalizedNamed(t)
			if err != nil {
				return nil, fmt.Errorf("naming the image from %s: %w", describe(ref), err)
			}
			names = append(names, reference.TagNameOnly(named).String())
		}
		return names, nil
	}
	if named := ref.DockerReference(); named != nil {
		return []string{reference.TagNameOnly(named).String()}, nil
	}
	return nil, nil
}

// archiveTags lists the repo tags a docker-archive records for ref.
func archiveTags(sys *types.SystemContext, ref types.ImageReference) ([]string, error) {
	if named := ref.DockerReference(); named != nil {
		return []string{named.String()}, nil
	}
	reader, readerRef, err := archive.NewReaderForReference(sys, ref)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", describe(ref), err)
	}
	defer reader.Close()
	tags, err := reader.ManifestTagsForReference(readerRef)
	if err != nil {
		return nil, fmt.Errorf("reading the tags in %s: %w", describe(ref), err)
	}
	return tags, nil
}
