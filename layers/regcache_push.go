package layers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/unpack"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/blobinfocache"
	"go.podman.io/image/v5/types"
)

// PushCached pushes the image made of the local chain ending at topLayer
// and the registry cache hits remote stacked on it, with config cfg (as
// Commit takes them), to dest, a registry name, without storing it here
// and without downloading remote's layers: when dest's registry holds
// them (it is the cache's registry), the push mounts them from the cache
// repository, and otherwise streams them from the cache through this
// process. It returns the image ID the config gives.
func (s *Store) PushCached(ctx context.Context, topLayer string, remote []*RemoteEntry, cfg ImageSpec, dest string, opts ...PushOption) (string, error) {
	pcfg, err := newPushConfig(opts)
	if err != nil {
		return "", err
	}
	img, tmpDir, err := s.prepareImage(topLayer, remote, cfg)
	if tmpDir != "" {
		defer os.RemoveAll(tmpDir)
	}
	if err != nil {
		return "", fmt.Errorf("push: %w", err)
	}
	sys, err := pcfg.destContext()
	if err != nil {
		return "", err
	}
	// A private blob info cache that knows where the cached layers are,
	// which is what makes containers/image mount them.
	sys.BlobInfoCacheDir = filepath.Join(tmpDir, "blob-info-cache")
	if err := knowLocations(sys, remote); err != nil {
		logrus.Debugf("cached layers will be copied, not mounted: %v", err)
	}
	if _, err := s.pushRef(ctx, commitRef{img}, "the build's image", dest, pcfg, sys); err != nil {
		return "", err
	}
	return img.configDigest.Encoded(), nil
}

// knowLocations records in sys's blob info cache where each remote layer
// is and how it is compressed. containers/image's docker
// destination mounts a blob from another repository of the same registry
// only when that cache names the blob's location and compression.
func knowLocations(sys *types.SystemContext, remote []*RemoteEntry) error {
	if err := os.MkdirAll(sys.BlobInfoCacheDir, 0o700); err != nil {
		return err
	}
	bic := blobinfocache.DefaultCache(sys)
	for _, e := range remote {
		repo := e.cache.repo
		scope := types.BICTransportScope{Opaque: reference.Domain(repo)}
		bic.RecordKnownLocation(docker.Transport, scope, e.Layer.Digest, types.BICLocationReference{Opaque: repo.Name()})
		if err := recordCompressor(bic, e); err != nil {
			return err
		}
	}
	return nil
}

// recordCompressor records how e's blob is compressed. containers/image
// records this only for blobs it copied itself, through a method whose
// argument type is internal to it, so it is reached by reflection; a
// library without it costs the mount, never correctness.
func recordCompressor(bic types.BlobInfoCache, e *RemoteEntry) error {
	m := reflect.ValueOf(bic).MethodByName("RecordDigestCompressorData")
	if !m.IsValid() || m.Type().NumIn() != 2 || m.Type().In(1).Kind() != reflect.Struct {
		return fmt.Errorf("the blob info cache %T cannot record compression", bic)
	}
	data := reflect.New(m.Type().In(1)).Elem()
	for field, value := range map[string]string{"BaseVariantCompressor": compressorOf(e.Layer.MediaType), "SpecificVariantCompressor": "unknown"} {
		f := data.FieldByName(field)
		if !f.IsValid() || f.Kind() != reflect.String {
			return fmt.Errorf("the blob info cache %T has no field %s", bic, field)
		}
		f.SetString(value)
	}
	m.Call([]reflect.Value{reflect.ValueOf(e.Layer.Digest), data})
	return nil
}

// RemoteLayers describes the layers of an image left in its registry
// (blobs as its manifest lists them, diffIDs from its config), so that
// PushCached mounts them like cached layers: a base image a build never
// had to pull.
func RemoteLayers(image reference.Named, blobs []types.BlobInfo, diffIDs []digest.Digest, reg unpack.RegistryOptions) ([]*RemoteEntry, error) {
	if len(blobs) != len(diffIDs) {
		return nil, fmt.Errorf("image %s lists %d layers but its config %d", image, len(blobs), len(diffIDs))
	}
	src, err := docker.NewReference(image)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", image, err)
	}
	sys, err := reg.SystemContext()
	if err != nil {
		return nil, err
	}
	repo := &RegistryCache{repo: reference.TrimNamed(image), reg: reg, sys: sys}
	var out []*RemoteEntry
	for i, b := range blobs {
		mediaType := b.MediaType
		if oci, ok := ociLayerTypes[mediaType]; ok {
			mediaType = oci
		}
		out = append(out, &RemoteEntry{Layer: ocispec.Descriptor{MediaType: mediaType, Digest: b.Digest, Size: b.Size},
			DiffID: diffIDs[i], cache: repo, src: src})
	}
	return out, nil
}

// ociLayerTypes are the OCI names of Docker's layer media types.
var ociLayerTypes = map[string]string{
	manifest.DockerV2Schema2LayerMediaType:            ocispec.MediaTypeImageLayerGzip,
	manifest.DockerV2SchemaLayerMediaTypeUncompressed: ocispec.MediaTypeImageLayer,
}

// compressorOf names the compression of a layer media type as the blob
// info cache does.
func compressorOf(mediaType string) string {
	switch mediaType {
	case ocispec.MediaTypeImageLayerZstd:
		return "zstd"
	case ocispec.MediaTypeImageLayer:
		return "uncompressed"
	}
	return "gzip"
}
