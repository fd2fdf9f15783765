package layers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/klauspost/pgzip"
	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/unpack"
	"go.podman.io/image/v5/pkg/blobinfocache/none"
	"go.podman.io/image/v5/types"
)

// CacheStep is what a registry cache entry records about one step besides
// its layer: its key, the key it stood on, and its history entry.
type CacheStep struct {
	Key, Parent string
	History     ocispec.History
}

// PublishCache uploads the cache entry for step, whose sealed layer is
// layerID, to c, unless c has the key already. It reports whether it
// uploaded anything.
func (s *Store) PublishCache(ctx context.Context, c *RegistryCache, layerID string, step CacheStep) (bool, error) {
	if e, err := c.Lookup(ctx, step.Key); err != nil || e != nil {
		return false, err
	}
	err := unpack.WithRetry(ctx, c.reg, func() error { return s.publish(ctx, c, layerID, step) })
	if err != nil {
		return false, c.explain(err)
	}
	return true, nil
}

// publish writes step's entry: layer, config, then the tag.
func (s *Store) publish(ctx context.Context, c *RegistryCache, layerID string, step CacheStep) error {
	ref, err := c.ref(step.Key)
	if err != nil {
		return err
	}
	dest, err := ref.NewImageDestination(ctx, c.sys)
	if err != nil {
		return err
	}
	defer dest.Close()
	layer, diffID, err := s.uploadLayer(ctx, dest, layerID)
	if err != nil {
		return fmt.Errorf("uploading the layer of step %.12s: %w", step.Key, err)
	}
	config, err := entryConfig(diffID, step)
	if err != nil {
		return err
	}
	cfgInfo, err := dest.PutBlob(ctx, bytes.NewReader(config), types.BlobInfo{Digest: digest.FromBytes(config), Size: int64(len(config))}, none.NoCache, true)
	if err != nil {
		return fmt.Errorf("uploading the config of step %.12s: %w", step.Key, err)
	}
	m := entryManifest(ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cfgInfo.Digest, Size: cfgInfo.Size},
		ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: layer.Digest, Size: layer.Size,
			Annotations: map[string]string{annotationDiffID: diffID.String()}}, step)
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding cache manifest: %w", err)
	}
	if err := dest.PutManifest(ctx, raw, nil); err != nil {
		return fmt.Errorf("writing entry %.12s: %w", step.Key, err)
	}
	return dest.Commit(ctx, nil)
}

// entryManifest is the manifest of step's entry: its config and its one
// layer, the key chain in annotations (see docs/cache-format.md).
func entryManifest(config, layer ocispec.Descriptor, step CacheStep) ocispec.Manifest {
	return ocispec.Manifest{
		Versioned:   specs.Versioned{SchemaVersion: 2},
		MediaType:   ocispec.MediaTypeImageManifest,
		Config:      config,
		Layers:      []ocispec.Descriptor{layer},
		Annotations: map[string]string{annotationKey: step.Key, annotationParentKey: step.Parent, annotationFormat: cacheFormatVersion},
	}
}

// uploadLayer streams layerID's diff, gzip-compressed on every core, to
// dest and returns the blob written and the diff's own digest.
func (s *Store) uploadLayer(ctx context.Context, dest types.ImageDestination, layerID string) (types.BlobInfo, digest.Digest, error) {
	l, err := s.store.Layer(layerID)
	if err != nil {
		return types.BlobInfo{}, "", fmt.Errorf("reading layer %s: %w", shortID(layerID), err)
	}
	tmpDir, err := s.tempDir()
	if err != nil {
		return types.BlobInfo{}, "", err
	}
	defer os.RemoveAll(tmpDir)
	diffID, blob, err := prepareBlob(s.store, l, tmpDir)
	if err != nil {
		return types.BlobInfo{}, "", err
	}
	tar, err := blob.open(s.store)
	if err != nil {
		return types.BlobInfo{}, "", err
	}
	defer tar.Close()
	pr, pw := io.Pipe()
	go func() {
		zw, _ := pgzip.NewWriterLevel(pw, pgzip.DefaultCompression)
		zw.SetConcurrency(1<<20, runtime.NumCPU())
		_, err := io.Copy(zw, tar)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		pw.CloseWithError(err)
	}()
	info, err := dest.PutBlob(ctx, pr, types.BlobInfo{Digest: "", Size: -1, MediaType: ocispec.MediaTypeImageLayerGzip}, none.NoCache, false)
	pr.CloseWithError(err)
	return info, diffID, err
}

// entryConfig is the entry's image config: a valid OCI config for the one
// layer (so any registry and tool accepts it), with the step's history.
func entryConfig(diffID digest.Digest, step CacheStep) ([]byte, error) {
	cfg := ocispec.Image{
		Platform: ocispec.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{diffID}},
		History:  []ocispec.History{step.History},
	}
	cfg.Config.Labels = map[string]string{annotationKey: step.Key, annotationParentKey: step.Parent}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding cache config: %w", err)
	}
	return raw, nil
}
