package unpack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/storage"
)

// Platforms lists the platforms image name offers (bud --all-platforms):
// the entries of a manifest list or index found in local storage, a
// registry or a file transport; list is false for a single-platform image.
// Nothing is pulled: only the top manifest is read.
func (p *Puller) Platforms(ctx context.Context, name string) (platforms []ocispec.Platform, list bool, err error) {
	if err := p.init(); err != nil {
		return nil, false, err
	}
	raw, err := p.topManifest(ctx, name)
	if err != nil {
		return nil, false, err
	}
	if !manifest.MIMETypeIsMultiImage(manifest.GuessMIMEType(raw)) {
		return nil, false, nil
	}
	var index ocispec.Index // a Docker list's entries have the same platform fields
	if err := json.Unmarshal(raw, &index); err != nil {
		return nil, true, fmt.Errorf("reading the manifest list of %s: %w", name, err)
	}
	for _, m := range index.Manifests {
		if m.Platform == nil || m.Platform.OS == "unknown" { // attestations
			continue
		}
		pl := *m.Platform
		pl.Architecture = NormalizeArch(pl.Architecture)
		platforms = append(platforms, pl)
	}
	return platforms, true, nil
}

// topManifest is name's manifest as stored locally (a plain name found in
// local storage) or read from its transport, without pulling anything.
func (p *Puller) topManifest(ctx context.Context, name string) ([]byte, error) {
	if !hasTransport(name) {
		for n := range LocalNameSeq(p.sys, name) {
			if img, err := p.Store.Image(n); err == nil {
				return p.Store.ImageBigData(img.ID, storage.ImageDigestBigDataKey)
			}
		}
	}
	ref, err := ParseReference(name)
	if err != nil {
		return nil, err
	}
	if ref.Transport().Name() == is.Transport.Name() {
		within := strings.TrimPrefix(name, "containers-storage:")
		img, err := p.Store.Image(within)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return p.Store.ImageBigData(img.ID, storage.ImageDigestBigDataKey)
	}
	src, err := ref.NewImageSource(ctx, p.sys)
	if err != nil {
		return nil, Explain(fmt.Errorf("reading the manifest of %s: %w", name, err), p.sys, p.Registry)
	}
	defer src.Close()
	raw, _, err := src.GetManifest(ctx, nil)
	if err != nil {
		return nil, Explain(fmt.Errorf("reading the manifest of %s: %w", name, err), p.sys, p.Registry)
	}
	return raw, nil
}

// sibling finds, for a name whose image is of another platform, the stored
// image of p's platform pulled from the same manifest list: containers/image
// keeps the list's manifest (and so its digest) with every entry it pulls.
// So a pull for one platform, which moves the name, leaves the others usable
// by name (until prune --images removes them as dangling).
func (p *Puller) sibling(img *storage.Image) (string, bool) {
	for _, d := range img.Digests { // its own manifest's finds only itself
		others, err := p.Store.ImagesByDigest(d)
		if err != nil {
			continue
		}
		for _, o := range others {
			if o.ID != img.ID && !p.storedList(o.ID) && p.localPlatform(o.ID) {
				return o.ID, true
			}
		}
	}
	return "", false
}

// storedList reports whether the stored image id is a manifest list.
func (p *Puller) storedList(id string) bool {
	raw, err := p.Store.ImageBigData(id, storage.ImageDigestBigDataKey)
	return err == nil && manifest.MIMETypeIsMultiImage(manifest.GuessMIMEType(raw))
}
