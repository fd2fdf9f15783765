package layers

import (
	"encoding/json"
	"fmt"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
)

// Formats are the image formats Commit and Push write: "oci" (the
// default) and "docker" (Docker v2 schema 2 manifest and config).
var Formats = []string{"oci", "docker"}

// CommitOption changes how Commit writes an image.
type CommitOption func(*commitConfig)

type commitConfig struct {
	docker      bool
	annotations map[string]string
	reuseDates  bool        // ReuseDates
	index       *LayerIndex // FromIndex
}

// WithFormat commits a Docker v2 schema 2 image for "docker" and an OCI one
// otherwise. The config is the same JSON either way: Docker's config is a
// superset of OCI's, and the Docker-only fields (Healthcheck, OnBuild,
// Shell) are always in ImageSpec.
func WithFormat(format string) CommitOption {
	return func(c *commitConfig) { c.docker = format == "docker" }
}

// WithAnnotations sets the manifest's annotations (OCI format only: a
// Docker schema 2 manifest has no place for them).
func WithAnnotations(a map[string]string) CommitOption {
	return func(c *commitConfig) { c.annotations = a }
}

func newCommitConfig(opts []CommitOption) commitConfig {
	var c commitConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

// layerDescriptor is how a manifest of this format lists an uncompressed
// layer (storage keeps layers uncompressed; push compresses them).
func (c commitConfig) layerDescriptor(d digest.Digest, size int64) ocispec.Descriptor {
	mt := ocispec.MediaTypeImageLayer
	if c.docker {
		mt = manifest.DockerV2SchemaLayerMediaTypeUncompressed
	}
	return ocispec.Descriptor{MediaType: mt, Digest: d, Size: size}
}

// remoteDescriptor lists a registry cache hit's compressed blob, in the
// media type of this format.
func (c commitConfig) remoteDescriptor(d ocispec.Descriptor) ocispec.Descriptor {
	if c.docker && d.MediaType == ocispec.MediaTypeImageLayerGzip {
		d.MediaType = manifest.DockerV2Schema2LayerMediaType
	}
	return ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}

// manifest encodes the manifest for config and layers, and its MIME type.
func (c commitConfig) manifest(config []byte, layers []ocispec.Descriptor) ([]byte, string, error) {
	cd := digest.Canonical.FromBytes(config)
	if c.docker {
		sl := make([]manifest.Schema2Descriptor, 0, len(layers))
		for _, l := range layers {
			sl = append(sl, manifest.Schema2Descriptor{MediaType: l.MediaType, Digest: l.Digest, Size: l.Size})
		}
		m := manifest.Schema2FromComponents(manifest.Schema2Descriptor{
			MediaType: manifest.DockerV2Schema2ConfigMediaType, Digest: cd, Size: int64(len(config))}, sl)
		raw, err := m.Serialize()
		if err != nil {
			return nil, "", fmt.Errorf("encoding the image manifest: %w", err)
		}
		return raw, manifest.DockerV2Schema2MediaType, nil
	}
	m := manifest.OCI1FromComponents(ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cd, Size: int64(len(config))}, layers)
	if len(c.annotations) > 0 {
		m.Annotations = c.annotations
	}
	raw, err := json.Marshal(m.Manifest)
	if err != nil {
		return nil, "", fmt.Errorf("encoding the image manifest: %w", err)
	}
	return raw, ocispec.MediaTypeImageManifest, nil
}
