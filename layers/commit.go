package layers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"time"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/unpack"
	"go.podman.io/image/v5/copy"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// Commit writes an image whose layers are the chain ending at topLayer
// ("" = no layers) and whose config is cfg, into containers-storage with
// names, and returns the image ID. cfg.History must hold one non-empty
// entry per layer; RootFS is filled in here, and Created, OS and
// Architecture default to now and this machine when unset. The image is
// stored by ID first and named only once complete, so a failed commit
// leaves no image and moves no name.
func (s *Store) Commit(ctx context.Context, topLayer string, cfg ImageSpec, names []string, opts ...CommitOption) (string, error) {
	cc := newCommitConfig(opts)
	normalized, err := normalizeNames(names)
	if err != nil {
		return "", err
	}
	get := s.store.Layer
	if cc.index != nil {
		get = cc.index.layer
	}
	chain, err := chainOf(get, topLayer)
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	// No history at all is an image built with --omit-history.
	if n := nonEmptyHistory(cfg); len(cfg.History) > 0 && n != len(chain) {
		return "", fmt.Errorf("commit: the config's history has %d entries that add a layer, but the image has %d layers", n, len(chain))
	}
	commit := s.commitByCopy
	if sealedChain(chain) {
		commit = s.commitSealed
	}
	id, err := commit(ctx, chain, cfg, cc)
	if err != nil {
		return "", err
	}
	if len(normalized) > 0 {
		if err := s.moveNames(id, normalized); err != nil {
			return "", fmt.Errorf("commit: naming image %s: %w", shortID(id), err)
		}
	}
	return id, nil
}

// commitByCopy writes the image through containers/image, which applies
// each layer's diff to new layers in storage. It is for chains with layers
// storage cannot reproduce as a tar by itself: those of drivers that cannot
// seal (vfs), and cache entries recorded before layers were sealed.
func (s *Store) commitByCopy(ctx context.Context, chain []*storage.Layer, cfg ImageSpec, cc commitConfig) (string, error) {
	tmpDir, err := s.tempDir()
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmpDir)

	img, err := s.assemble(chain, nil, cfg, cc, tmpDir)
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	// Interrupted, the copy leaves the layers it wrote used by no image;
	// the scratch journal lets them be found and deleted.
	if err := s.scratch.recordCommit(slices.Collect(maps.Keys(img.blobs))); err != nil {
		return "", err
	}
	id := img.configDigest.Encoded()
	dest, err := is.Transport.NewStoreReference(s.store, nil, id)
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	if _, err := copyImage(ctx, commitRef{img}, dest, nil); err != nil {
		return "", fmt.Errorf("commit: writing the image to storage: %w", err)
	}
	return id, nil
}

// assemble builds the manifest and config for chain, diffing new layers,
// then remote: registry cache hits stacked on the chain, which stay in the
// registry (the manifest lists their compressed blobs).
func (s *Store) assemble(chain []*storage.Layer, remote []*RemoteEntry, cfg ImageSpec, cc commitConfig, tmpDir string) (*commitImage, error) {
	img := &commitImage{store: s.store, name: "scratch", blobs: map[digest.Digest]layerBlob{}, remote: map[digest.Digest]*RemoteEntry{}}
	descs := []ocispec.Descriptor{}
	cfg.RootFS = ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{}}
	for _, l := range chain {
		d, blob, err := prepareBlob(s.store, l, tmpDir)
		if err != nil {
			return nil, err
		}
		img.blobs[d] = blob
		img.name = l.ID
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, d)
		descs = append(descs, cc.layerDescriptor(d, blob.size))
	}
	for _, e := range remote {
		img.remote[e.Layer.Digest] = e
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, e.DiffID)
		descs = append(descs, cc.remoteDescriptor(e.Layer))
	}
	if cc.reuseDates {
		x := cc.index
		if len(remote) > 0 {
			x = nil // the top diff IDs are the registry's, on no local layer
		}
		cfg = s.adoptDates(cfg, x)
	}
	fillDefaults(&cfg)
	img.created = *cfg.Created
	var err error
	if img.config, err = json.Marshal(cfg); err != nil {
		return nil, fmt.Errorf("encoding the image config: %w", err)
	}
	img.configDigest = digest.Canonical.FromBytes(img.config)
	if img.manifest, img.mimeType, err = cc.manifest(img.config, descs); err != nil {
		return nil, err
	}
	return img, nil
}

// fillDefaults sets the config fields every image must have.
func fillDefaults(cfg *ImageSpec) {
	if cfg.Created == nil {
		now := time.Now().UTC()
		cfg.Created = &now
	}
	fillPlatform(cfg)
}

// fillPlatform sets the OS and architecture to this machine's when unset.
func fillPlatform(cfg *ImageSpec) {
	if cfg.OS == "" {
		cfg.OS = runtime.GOOS
	}
	if cfg.Architecture == "" {
		cfg.Architecture = runtime.GOARCH
	}
}

// nonEmptyHistory counts the history entries that add a layer.
func nonEmptyHistory(cfg ImageSpec) int {
	n := 0
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			n++
		}
	}
	return n
}

// normalizeNames turns user-given names into stored form.
func normalizeNames(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		norm, err := unpack.NormalizeName(n)
		if err != nil {
			return nil, err
		}
		out = append(out, norm)
	}
	return out, nil
}

// tempDir makes a private scratch directory next to the layers: layer
// diffs can be as large as the layers themselves, and the run root is
// often a small tmpfs.
func (s *Store) tempDir() (string, error) {
	// In this process's scratch area, so that a commit killed midway
	// leaves no diff behind: the next stagebox removes the area.
	parent, err := s.scratch.tmp()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(parent, "commit-")
	if err != nil {
		return "", fmt.Errorf("creating a scratch directory: %w", err)
	}
	return dir, nil
}

// copyImage copies src to dest under the signature policy of
// opts.DestinationCtx; opts may be nil. It returns the manifest written.
func copyImage(ctx context.Context, src, dest types.ImageReference, opts *copy.Options) ([]byte, error) {
	if opts == nil {
		opts = &copy.Options{}
	}
	opts.SourceCtx, opts.DestinationCtx = unpack.WithTempDir(opts.SourceCtx), unpack.WithTempDir(opts.DestinationCtx)
	pc, err := unpack.PolicyContextFor(opts.DestinationCtx)
	if err != nil {
		return nil, err
	}
	defer pc.Destroy()
	return copy.Image(ctx, pc, dest, src, opts)
}
