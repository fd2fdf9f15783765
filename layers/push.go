package layers

import (
	"fmt"
	"io"

	digest "github.com/opencontainers/go-digest"
	"github.com/stagebox/stagebox/unpack"

	"go.podman.io/image/v5/pkg/compression"
	"go.podman.io/image/v5/types"
)

// PushOption changes how Push writes an image.
type PushOption func(*pushConfig) error

type pushConfig struct {
	compression  *compression.Algorithm
	registry     unpack.RegistryOptions
	progress     io.Writer
	digest       *digest.Digest
	manifestType string // push --format: "" keeps the image's own
}

// WithRegistry reaches the destination registry as o says (TLS,
// credentials, registries.conf) and retries transient failures o.Retry times.
func WithRegistry(o unpack.RegistryOptions) PushOption {
	return func(c *pushConfig) error {
		c.registry = o
		return nil
	}
}

// WithProgress reports the copy on w: progress bars on a terminal, one
// line per layer otherwise (see unpack.CopyOptions).
func WithProgress(w io.Writer) PushOption {
	return func(c *pushConfig) error {
		c.progress = w
		return nil
	}
}

// WithManifestDigest stores the digest of the manifest Push wrote in *d
// (for --digestfile), once the push succeeded.
func WithManifestDigest(d *digest.Digest) PushOption {
	return func(c *pushConfig) error {
		c.digest = d
		return nil
	}
}

// Compressions are the layer compressions WithCompression accepts.
var Compressions = []string{"gzip", "zstd"}

// WithCompression compresses the layers Push writes with algo ("gzip" or
// "zstd"), where the destination compresses at all (a registry, oci:,
// oci-archive:; docker-archive: and dir: keep layers as they are). Layers
// already compressed another way are recompressed. Both compressors run
// on every core: gzip is klauspost/pgzip, zstd klauspost's encoder.
func WithCompression(algo string) PushOption {
	return func(c *pushConfig) error {
		if algo == "" {
			return nil
		}
		switch algo {
		case "gzip":
			c.compression = &compression.Gzip
		case "zstd":
			c.compression = &compression.Zstd
		default:
			return fmt.Errorf("unknown compression %q: use gzip or zstd", algo)
		}
		return nil
	}
}

func newPushConfig(opts []PushOption) (pushConfig, error) {
	var c pushConfig
	for _, o := range opts {
		if err := o(&c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// destContext is the destination side's system context for c.
func (c pushConfig) destContext() (*types.SystemContext, error) {
	sys, err := c.registry.SystemContext()
	if err != nil {
		return nil, err
	}
	sys.CompressionFormat = c.compression
	return sys, nil
}
