package layers

import (
	"time"

	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	digest "github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"
)

// commitTransport is the pseudo-transport of images being committed. It is
// never registered: references are made in code, not parsed.
type commitTransport struct{}

func (commitTransport) Name() string { return "stagebox-commit" }

func (commitTransport) ParseReference(string) (types.ImageReference, error) {
	return nil, errors.New("stagebox-commit references cannot be parsed")
}

func (commitTransport) ValidatePolicyConfigurationScope(string) error { return nil }

// commitImage is an image assembled from a layer chain: manifest and config
// in memory, layer blobs as uncompressed tars, either diffed to a file
// already (new layers) or streamed from storage on demand (layers whose
// tar is known, such as pulled base layers).
type commitImage struct {
	store        storage.Store
	name         string // for messages: the top layer or the target name
	manifest     []byte
	mimeType     string // the manifest's: OCI or Docker schema 2
	config       []byte
	configDigest digest.Digest
	created      time.Time // the config's date
	blobs        map[digest.Digest]layerBlob
	remote       map[digest.Digest]*RemoteEntry // layers left in a registry cache
}

// layerBlob locates one layer's uncompressed tar.
type layerBlob struct {
	layerID string
	path    string // a diffed copy; "" means stream from storage
	size    int64
}

// commitRef is the types.ImageReference copy.Image reads a commit from.
type commitRef struct{ img *commitImage }

func (r commitRef) Transport() types.ImageTransport  { return commitTransport{} }
func (r commitRef) StringWithinTransport() string    { return r.img.name }
func (r commitRef) DockerReference() reference.Named { return nil }
func (r commitRef) PolicyConfigurationIdentity() string {
	return ""
}
func (r commitRef) PolicyConfigurationNamespaces() []string { return nil }

func (r commitRef) NewImage(ctx context.Context, sys *types.SystemContext) (types.ImageCloser, error) {
	src, err := r.NewImageSource(ctx, sys)
	if err != nil {
		return nil, err
	}
	return image.FromSource(ctx, sys, src)
}

func (r commitRef) NewImageSource(context.Context, *types.SystemContext) (types.ImageSource, error) {
	return &commitSource{ref: r}, nil
}

func (r commitRef) NewImageDestination(context.Context, *types.SystemContext) (types.ImageDestination, error) {
	return nil, errors.New("cannot write to a stagebox-commit reference")
}

func (r commitRef) DeleteImage(context.Context, *types.SystemContext) error {
	return errors.New("cannot delete a stagebox-commit reference")
}

// commitSource serves a commitImage's manifest and blobs.
type commitSource struct{ ref commitRef }

func (s *commitSource) Reference() types.ImageReference { return s.ref }
func (s *commitSource) Close() error                    { return nil }

// HasThreadSafeGetBlob is false: storage diffs take store locks, and one
// layer at a time keeps disk and memory use flat.
func (s *commitSource) HasThreadSafeGetBlob() bool { return false }

func (s *commitSource) GetManifest(_ context.Context, instance *digest.Digest) ([]byte, string, error) {
	if instance != nil {
		return nil, "", fmt.Errorf("image %s has no manifest list, so no instance %s", s.ref.img.name, instance)
	}
	return s.ref.img.manifest, s.ref.img.mimeType, nil
}

func (s *commitSource) GetSignatures(context.Context, *digest.Digest) ([][]byte, error) {
	return nil, nil
}

func (s *commitSource) LayerInfosForCopy(context.Context, *digest.Digest) ([]types.BlobInfo, error) {
	return nil, nil
}

// GetBlob returns the config or one layer's uncompressed tar, or for a
// layer left in a registry cache, its compressed blob from there (only
// asked for when the destination could not mount it).
func (s *commitSource) GetBlob(ctx context.Context, info types.BlobInfo, _ types.BlobInfoCache) (io.ReadCloser, int64, error) {
	img := s.ref.img
	if info.Digest == img.configDigest {
		return io.NopCloser(bytes.NewReader(img.config)), int64(len(img.config)), nil
	}
	if e, ok := img.remote[info.Digest]; ok {
		return e.open(ctx)
	}
	blob, ok := img.blobs[info.Digest]
	if !ok {
		return nil, -1, fmt.Errorf("image %s has no blob %s", img.name, info.Digest)
	}
	rc, err := blob.open(img.store)
	if err != nil {
		return nil, -1, err
	}
	return rc, blob.size, nil
}

// open streams the blob's uncompressed tar.
func (b layerBlob) open(st storage.Store) (io.ReadCloser, error) {
	if b.path != "" {
		f, err := os.Open(b.path)
		if err != nil {
			return nil, fmt.Errorf("reopening the diff of layer %s: %w", shortID(b.layerID), err)
		}
		return f, nil
	}
	return diffLayer(st, b.layerID)
}

// diffLayer streams a layer's changes against its parent as an
// uncompressed tar with OCI whiteouts.
func diffLayer(st storage.Store, layerID string) (io.ReadCloser, error) {
	uncompressed := archive.Uncompressed
	rc, err := st.Diff("", layerID, &storage.DiffOptions{Compression: &uncompressed})
	if err != nil {
		return nil, fmt.Errorf("reading the changes in layer %s: %w", shortID(layerID), err)
	}
	return recordedOwners(rc), nil
}
