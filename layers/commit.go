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
	"github.com/opencontainers/image-spec/specs-go"
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
func (s *Store) Commit(ctx context.Context, topLayer string, cfg ImageSpec, names []string) (string, error) {
	normalized, err := normalizeNames(names)
	if err != nil {
		return "", err
	}
	chain, err := layerChain(s.store, topLayer)
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	if n := nonEmptyHistory(cfg); n != len(chain) {
		return "", fmt.Errorf("commit: the config's history has %d entries that add a layer, but the image has %d layers", n, len(chain))
	}
	commit := s.commitByCopy
	if sealedChain(chain) {
		commit = s.commitSealed
	}
	id, err := commit(ctx, chain, cfg)
	if err != nil {
		return "", err
	}
	if len(normalized) > 0 {
		if err := s.store.AddNames(id, normalized); err != nil {
			return "", fmt.Errorf("commit: naming image %s: %w", shortID(id), err)
		}
	}
	return id, nil
}

// commitByCopy writes the image through containers/image, which applies
// each layer's diff to new layers in storage. It is for chains with layers
// storage cannot reproduce as a tar by itself: those of drivers that cannot
// seal (vfs), and cache entries recorded before layers were sealed.
func (s *Store) commitByCopy(ctx context.Context, chain []*storage.Layer, cfg ImageSpec) (string, error) {
	tmpDir, err := s.tempDir()
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmpDir)

	img, err := s.assemble(chain, cfg, tmpDir)
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
	if err := copyImage(ctx, commitRef{img}, dest, nil); err != nil {
		return "", fmt.Errorf("commit: writing the image to storage: %w", err)
	}
	return id, nil
}

// assemble builds the manifest and config for chain, diffing new layers.
func (s *Store) assemble(chain []*storage.Layer, cfg ImageSpec, tmpDir string) (*commitImage, error) {
	img := &commitImage{store: s.store, name: "scratch", blobs: map[digest.Digest]layerBlob{}}
	m := ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Layers:    []ocispec.Descriptor{},
	}
	cfg.RootFS = ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{}}
	for _, l := range chain {
		d, blob, err := prepareBlob(s.store, l, tmpDir)
		if err != nil {
			return nil, err
		}
		img.blobs[d] = blob
		img.name = l.ID
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, d)
		m.Layers = append(m.Layers, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: d, Size: blob.size})
	}
	fillDefaults(&cfg)
	var err error
	if img.config, err = json.Marshal(cfg); err != nil {
		return nil, fmt.Errorf("encoding the image config: %w", err)
	}
	img.configDigest = digest.Canonical.FromBytes(img.config)
	m.Config = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: img.configDigest, Size: int64(len(img.config))}
	if img.manifest, err = json.Marshal(m); err != nil {
		return nil, fmt.Errorf("encoding the image manifest: %w", err)
	}
	return img, nil
}

// fillDefaults sets the config fields every image must have.
func fillDefaults(cfg *ImageSpec) {
	if cfg.Created == nil {
		now := time.Now().UTC()
		cfg.Created = &now
	}
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

// copyImage copies src to dest under the signature policy; destCtx (may be
// nil) sets the destination's options. A compression it names is used for
// every layer, also those that came compressed another way.
func copyImage(ctx context.Context, src, dest types.ImageReference, destCtx *types.SystemContext) error {
	pc, err := unpack.PolicyContext()
	if err != nil {
		return err
	}
	defer pc.Destroy()
	opts := &copy.Options{SourceCtx: unpack.WithTempDir(nil), DestinationCtx: unpack.WithTempDir(destCtx)}
	opts.ForceCompressionFormat = destCtx != nil && destCtx.CompressionFormat != nil
	_, err = copy.Image(ctx, pc, dest, src, opts)
	return err
}
